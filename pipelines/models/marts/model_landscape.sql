-- The general-model map: how many models stand at each stage, and their share of the map.
with models as (
    select * from staging.model_map
)

select
    stage,
    stage_zh,
    count(*)                                         as models,
    share(count(*), sum(count(*)) over ())           as share_of_map,
    count(vendor)                                    as models_with_known_vendor,
    string_agg(model, '、' order by _row)            as model_names
from models
group by stage, stage_zh
order by case stage when 'deployed' then 1 when 'pilot' then 2 else 3 end
