-- Macros shipped in every warehouse, so ad-hoc SQL uses the same definitions as the marts.
create or replace macro cagr(start_value, end_value, years) as
    case when start_value > 0 and end_value >= 0 and years > 0
         then power(end_value / start_value, 1.0 / years) - 1 end;
create or replace macro compound(start_value, rate, years) as
    start_value * power(1 + rate, years);
create or replace macro share(part, total) as
    part / nullif(total, 0);
create or replace macro pct_change(old_value, new_value) as
    (new_value - old_value) / nullif(old_value, 0);
create or replace macro rel_gap(stated, recomputed) as
    abs(stated - recomputed) / nullif(abs(stated), 0);
-- A claim's verdict, from two tests: does the stated figure agree with the recomputed one within
-- the report's rounding, and does it hold only because one side is a floor or a ceiling. NULL
-- for both: the report gives too little to recompute it.
create or replace macro verdict(agrees, holds_as_bound) as
    case when agrees then 'agrees'
         when holds_as_bound then 'agrees only as a bound'
         when agrees is null and holds_as_bound is null then 'not checkable'
         else 'disagrees' end;
-- A figure in 亿 with one decimal, as the report writes money (13230000000 → 132.3亿).
create or replace macro yi(value) as
    format('{:.1f}亿', value / 1e8);
