-- Compute capacity by company under each counting rule the report's figures allow, because the
-- centres' figures mix kinds: built capacity, a first phase, a construction scale whose status
-- the report does not give, and plans (see staging.compute_centres.capacity_basis).
--
-- Rules:
--   stated_now            every figure the report gives for a centre now (`capacity`: built, first
--                         phase, or a construction scale of unknown status); plans left out
--   built_or_first_phase  only figures the report says are built or a first phase in service
--   largest_stated        the largest figure stated for each centre, a plan included
-- Each row: a rule, a company, its PFLOPS under the rule, its share of the rule's total, and
-- how many centres counted.
with centres as (
    select company, centre, capacity, capacity_basis, planned_capacity, _row
    from staging.compute_centres
),

counted as (
    select 'stated_now' as rule, company, centre, capacity as pflops from centres where capacity is not null
    union all
    select 'built_or_first_phase', company, centre, capacity from centres
    where capacity_basis in ('built', 'first_phase')
    union all
    select 'largest_stated', company, centre, greatest(capacity, planned_capacity) from centres
    where coalesce(capacity, planned_capacity) is not null
),

by_company as (
    select rule, company, sum(pflops) as pflops, count(*) as centres_counted
    from counted
    group by rule, company
)

select
    rule,
    company,
    pflops,
    sum(pflops) over (partition by rule)            as rule_total_pflops,
    share(pflops, sum(pflops) over (partition by rule)) as company_share,
    centres_counted
from by_company
order by rule, pflops desc, company
