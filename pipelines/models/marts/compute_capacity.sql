-- Each compute centre the report lists, in PFLOPS, with the basis of its figure, and each
-- company's share of the listed total.
--
-- Inclusion rule: a centre counts with the figure the report gives for it now (`capacity`:
-- built, first phase, or a stated construction scale whose status is unknown); a centre with
-- only a planned figure counts with that plan, flagged `planned`. A centre with no figure at all
-- is listed with NULL and counts for nothing. Shares are given twice: over every listed figure,
-- and over built and first-phase figures only.
with centres as (
    select
        company,
        centre,
        status,
        capacity,
        capacity_raw,
        planned_capacity,
        planned_capacity_raw,
        coalesce(capacity_basis, case when planned_capacity is not null then 'planned' end) as basis,
        coalesce(capacity, planned_capacity)                 as listed_pflops,
        _file,
        _sheet,
        _row
    from staging.compute_centres
),

by_company as (
    select
        company,
        sum(listed_pflops)                                                    as company_pflops,
        sum(listed_pflops) filter (where basis in ('built', 'first_phase'))  as company_built_pflops
    from centres
    group by company
)

select
    centres.company,
    centres.centre,
    centres.status,
    centres.basis,
    centres.listed_pflops,
    centres.capacity_raw,
    centres.planned_capacity,
    centres.planned_capacity_raw,
    by_company.company_pflops,
    share(by_company.company_pflops, sum(centres.listed_pflops) over ())                      as company_share,
    by_company.company_built_pflops,
    share(by_company.company_built_pflops,
          sum(centres.listed_pflops) filter (where centres.basis in ('built', 'first_phase')) over ()) as company_share_built,
    share(centres.listed_pflops, sum(centres.listed_pflops) over ())                          as centre_share,
    centres._file,
    centres._sheet,
    centres._row
from centres
join by_company using (company)
order by by_company.company_pflops desc nulls last, centres.listed_pflops desc nulls last
