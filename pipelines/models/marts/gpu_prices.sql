-- The report's GPU card prices (2023-05) and the cumulative increases it states (2022-12 to
-- 2023-04), with the price each increase implies before it: price / (1 + increase).
-- The report dates the price a month after the increase window ends; the implied price is the
-- 2022-12 price only if the price did not move in 2023-05.
with facts as (
    select * from staging.compute_facts
),

prices as (
    select subject as gpu, value_low as price_cny, value_raw as price_raw, period as price_period, id as price_id
    from facts
    where metric = 'price'
),

increases as (
    select subject as gpu, value_low as increase, value_raw as increase_raw, period as increase_period, id as increase_id
    from facts
    where metric = 'price_increase'
)

select
    prices.gpu,
    prices.price_cny,
    prices.price_raw,
    prices.price_period,
    increases.increase,
    increases.increase_raw,
    increases.increase_period,
    prices.price_cny / (1 + increases.increase)            as implied_price_before_cny,
    prices.price_cny - prices.price_cny / (1 + increases.increase) as implied_increase_cny,
    prices.price_id,
    increases.increase_id
from prices
left join increases using (gpu)
order by prices.gpu
