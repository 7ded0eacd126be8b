-- Every growth figure the report states, as the multiples an analyst compares: a CAGR as the
-- end/start multiple over its period and over one year; a growth percentage as a multiple; a
-- doubling period as days and as a yearly multiple (low and high where the report gives a
-- range: the shorter period grows faster); the market's multiple between its stated years.
-- `qualifier` carries the bound of the figure (a floor stays a floor).
with years as (
    select *,
        case when regexp_full_match(period, '[0-9]{4}-[0-9]{4}')
             then cast(split_part(period, '-', 2) as integer) - cast(split_part(period, '-', 1) as integer) end as span_years
    from staging.facts
),

cagrs as (
    select id, subject, 'cagr' as kind, value_raw, value_qualifier as qualifier, span_years,
           1 + value_low as yearly_multiple_low, 1 + value_high as yearly_multiple_high,
           power(1 + value_low, span_years) as period_multiple_low,
           power(1 + value_high, span_years) as period_multiple_high,
           null::double as days_low, null::double as days_high
    from years where metric = 'cagr'
),

growth as (
    select id, subject, 'growth', value_raw, value_qualifier, 1,
           1 + value_low, 1 + value_high, 1 + value_low, 1 + value_high, null, null
    from years where metric = 'growth' and value_unit = 'fraction'
),

doubling as (
    -- Doubling every d days is 2^(365/d) a year.
    select id, subject, 'doubling_period', value_raw, value_qualifier, 1,
           power(2, 365.0 / value_high), power(2, 365.0 / value_low),
           power(2, 365.0 / value_high), power(2, 365.0 / value_low),
           value_low, value_high
    from years where metric = 'doubling_period' and value_unit = 'days'
),

levels as (
    select subject, try_cast(period as integer) as year, id, value_low, value_qualifier, value_raw
    from years where metric in ('market_size', 'market_size_forecast')
),

market as (
    -- Between two stated years: the exact start and the later figure (a floor stays a floor).
    select e.id, e.subject, 'market_multiple', s.value_raw || ' → ' || e.value_raw,
           e.value_qualifier, e.year - s.year,
           power(e.value_low / s.value_low, 1.0 / (e.year - s.year)), power(e.value_low / s.value_low, 1.0 / (e.year - s.year)),
           e.value_low / s.value_low, e.value_low / s.value_low, null, null
    from levels s
    join levels e on e.subject = s.subject and e.year > s.year
    where s.value_qualifier = '='
)

select
    id,
    subject,
    kind,
    value_raw,
    qualifier,
    span_years,
    yearly_multiple_low,
    yearly_multiple_high,
    period_multiple_low,
    period_multiple_high,
    days_low,
    days_high
from (
    select * from cagrs
    union all select * from growth
    union all select * from doubling
    union all select * from market
)
order by kind, id
