-- Per sector page: how many application scenarios the report names for now and for the future,
-- the share that is current, and when the vertical-model map says the sector lands (near, mid or
-- long term). The map and the pages name two sectors differently (文化传媒 / 文娱传媒, 制造 /
-- 制造业): the join is on the page title the map row points to.
with counts as (
    select
        sector,
        count(*) filter (where horizon = 'current') as current_scenarios,
        count(*) filter (where horizon = 'future')  as future_scenarios,
        count(*)                                     as scenarios
    from staging.sector_scenarios
    group by sector
)

select
    c.sector,
    t.sector                                   as sector_on_map,
    t.horizon                                  as landing,
    t.horizon_zh                               as landing_zh,
    c.current_scenarios,
    c.future_scenarios,
    c.scenarios,
    c.current_scenarios / c.scenarios          as current_share,
    t._row                                     as map_row
from counts c
left join staging.sector_timing t on t.sector_page = c.sector
order by case t.horizon when 'near' then 1 when 'mid' then 2 when 'long' then 3 else 4 end, current_share desc
