-- Prices compared the ways an analyst compares them: a subscription's yearly cost under each
-- plan and what the cheaper plan saves; the price ratio between the report's GPU cards; the
-- price ratio between successive versions of a metered product (two versions at one price have
-- ratio 1).
with subscriptions as (
    select product, plan, price, price_raw, _row from staging.llm_pricing where price_per = '月'
),

yearly as (
    select
        'subscription_year' as comparison,
        product || ' ' || plan as item,
        price_raw as item_raw,
        price * 12 as value,
        'CNY per year' as unit,
        max(price * 12) over (partition by product) - price * 12 as saving,
        (max(price * 12) over (partition by product) - price * 12) / max(price * 12) over (partition by product) as saving_fraction,
        product || ' at the dearest plan' as against
    from subscriptions
),

cards(comparison, item, item_raw, value, unit, saving, saving_fraction, against) as (
    select
        'card_price_ratio',
        a.subject || ' / ' || b.subject,
        a.value_raw || ' / ' || b.value_raw,
        a.value_low / b.value_low,
        'times', a.value_low - b.value_low, null, b.subject
    from staging.compute_facts a
    join staging.compute_facts b on a.metric = 'price' and b.metric = 'price' and a.subject <> b.subject
        and a.value_low > b.value_low and a.value_unit = b.value_unit
),

versions(comparison, item, item_raw, value, unit, saving, saving_fraction, against) as (
    select
        'version_price_ratio',
        product || ' / ' || lag(product) over (partition by vendor, price_per order by product),
        price_raw || ' / ' || lag(price_raw) over (partition by vendor, price_per order by product),
        price / lag(price) over (partition by vendor, price_per order by product),
        'times', price - lag(price) over (partition by vendor, price_per order by product), null,
        lag(product) over (partition by vendor, price_per order by product)
    from staging.llm_pricing
    where price_per <> '月'
)

select * from yearly
union all select * from cards
union all select * from versions where value is not null
order by comparison, item
