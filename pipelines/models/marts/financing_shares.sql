-- 2023 AI financing: each part as a share of its whole, recomputed from the report's counts and
-- amounts, next to the share the report states where it states one.
with facts as (
    select id, value_low as value, value_raw as raw from staging.market_facts
),

pick as (
    select
        max(value) filter (where id = 'financing.ai.deals.2023')             as ai_deals,
        max(value) filter (where id = 'financing.tech_algo.deals.2023')      as tech_algo_deals,
        max(value) filter (where id = 'financing.tech_algo.deal_share.2023') as tech_algo_share_stated,
        max(value) filter (where id = 'financing.aigc_llm.deals.2023')       as aigc_deals,
        max(value) filter (where id = 'financing.aigc_llm.amount.2023')      as aigc_amount_cny,
        max(value) filter (where id = 'financing.aigc_llm.companies.2023')   as aigc_companies
    from facts
),

shares as (
    select '技术算法层 deals / AI deals' as measure, tech_algo_deals as part, ai_deals as whole,
           tech_algo_share_stated as stated_share, 'count' as unit
    from pick
    union all
    select 'AIGC/大模型 deals / 技术算法层 deals', aigc_deals, tech_algo_deals, null, 'count' from pick
    union all
    select 'AIGC/大模型 deals / AI deals', aigc_deals, ai_deals, null, 'count' from pick
    union all
    select 'AIGC/大模型 amount per deal', aigc_amount_cny, aigc_deals, null, 'CNY per deal' from pick
    union all
    select 'AIGC/大模型 amount per funded company', aigc_amount_cny, aigc_companies, null, 'CNY per company' from pick
    union all
    select 'AIGC/大模型 deals per funded company', aigc_deals, aigc_companies, null, 'deals per company' from pick
)

select
    measure,
    unit,
    part,
    whole,
    share(part, whole)                           as share,
    stated_share,
    share(part, whole) - stated_share            as gap,
    -- The report rounds shares to whole percents.
    case when stated_share is null then 'not stated'
         else verdict(abs(share(part, whole) - stated_share) <= 0.005, null) end as status
from shares
