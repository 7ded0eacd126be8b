-- Per training run in the report's table: GPUs, duration, GPU-days and GPU-hours (low and high
-- where the report gives a range), the capital cost of the cluster at the report's card price,
-- and the rental cost of one run at the assumed price per GPU-hour (raw/assumptions.csv).
-- Durations in 个月 use the contract's month (30 days, the `days_per_month` assumption).
with runs as (
    select
        *,
        regexp_extract(gpu, '^(A100|A800|H100|H800)')  as gpu_family,
        nullif(regexp_extract(gpu, '([0-9]+GB)'), '')  as gpu_memory
    from staging.training_runs
),

card_prices as (
    -- The report's market price per card (2023-05), by GPU family.
    select subject as gpu_family, value_low as price_cny, value_raw as price_raw, id as price_id
    from staging.compute_facts
    where metric = 'price' and value_unit = 'CNY' and value_qualifier = '='
),

assumed as (
    select key, value from staging.assumptions
),

rates as (
    select family.gpu_family, assumed.key as rate_key, assumed.value as usd_per_gpu_hour
    from (values ('A100', 'gpu_hour_usd.a100'), ('A800', 'gpu_hour_usd.a100'),
                 ('H100', 'gpu_hour_usd.h100'), ('H800', 'gpu_hour_usd.h100')) as family(gpu_family, key)
    join assumed using (key)
),

usd_cny as (
    select key as fx_key, value as cny_per_usd from assumed where key = 'usd_cny'
),

hours as (
    select
        runs.*,
        gpus * duration_days_low            as gpu_days_low,
        gpus * duration_days_high           as gpu_days_high,
        gpus * duration_days_low * 24       as gpu_hours_low,
        gpus * duration_days_high * 24      as gpu_hours_high
    from runs
)

select
    hours.model,
    hours.gpus,
    hours.gpu,
    hours.gpu_family,
    hours.gpu_memory,
    hours.duration_raw,
    hours.duration_days_low,
    hours.duration_days_high,
    (select value from assumed where key = 'days_per_month')       as days_per_month_assumed,
    hours.gpu_days_low,
    hours.gpu_days_high,
    hours.gpu_hours_low,
    hours.gpu_hours_high,
    card_prices.price_cny                                           as card_price_cny,
    card_prices.price_raw                                           as card_price_raw,
    card_prices.price_id                                            as card_price_id,
    hours.gpus * card_prices.price_cny                              as cluster_capex_cny,
    rates.usd_per_gpu_hour,
    hours.gpu_hours_low * rates.usd_per_gpu_hour       as rental_usd_low,
    hours.gpu_hours_high * rates.usd_per_gpu_hour                   as rental_usd_high,
    hours.gpu_hours_low * rates.usd_per_gpu_hour * usd_cny.cny_per_usd  as rental_cny_low,
    hours.gpu_hours_high * rates.usd_per_gpu_hour * usd_cny.cny_per_usd as rental_cny_high,
    usd_cny.cny_per_usd                                             as cny_per_usd_assumed,
    rates.rate_key,
    usd_cny.fx_key,
    hours._file,
    hours._sheet,
    hours._row
from hours
left join card_prices on card_prices.gpu_family = hours.gpu_family
left join rates on rates.gpu_family = hours.gpu_family
cross join usd_cny
order by hours.gpu_hours_high desc nulls last, hours.model
