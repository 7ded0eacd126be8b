-- LLM prices the report quotes. Per-token prices are normalised to CNY per 1M tokens (the
-- report quotes per 万tokens = 10,000 tokens); subscriptions keep their monthly price, and the
-- continuous-monthly plan is compared with the plain monthly one.
with prices as (
    select * from staging.llm_pricing
),

normalised as (
    select
        *,
        case price_per
            when '万tokens'  then price * 100
            when '千tokens'  then price * 1000
            when 'tokens'    then price * 1000000
            when '百万tokens' then price
        end                                                   as cny_per_1m_tokens,
        case when price_per = '月' then price end             as cny_per_month
    from prices
)

select
    product,
    vendor,
    business_model,
    plan,
    price,
    price_currency,
    price_per,
    price_raw,
    cny_per_1m_tokens,
    cny_per_month,
    -- Against the same product's plain monthly price: the discount of continuous monthly billing.
    1 - cny_per_month / max(cny_per_month) over (partition by product)   as discount_vs_monthly,
    max(cny_per_month) over (partition by product) - cny_per_month      as saving_per_month_cny,
    _file,
    _sheet,
    _row
from normalised
order by vendor, product, price
