-- The report checked against itself: one row per stated figure that can be recomputed from the
-- report's other figures (or from raw/assumptions.csv, which the explanation then says).
-- An inconsistent claim is data, not a failed build. Statements paraphrase the claim; the
-- stated figure is kept verbatim in stated_raw.
with facts as (
    select id, value_low, value_high, value_qualifier, value_raw, ref from staging.market_facts
    union all
    select id, value_low, value_high, value_qualifier, value_raw, ref from staging.compute_facts
),

growth as (
    select * from marts.market_growth
),

runs as (
    select * from marts.training_run_cost
),

xinhua as (
    select * from marts.benchmark_rankings where benchmark = 'Xinhua'
),

claims as (
    -- 1. The LLM market CAGR against its own endpoints.
    select
        'market.llm_cagr'                                       as id,
        'China LLM market grows at a 2023-2027 CAGR of 50.6%, from 132.3亿元 to over 600亿元' as statement,
        (select ref from facts where id = 'market.llm_size.cagr.2023-2027') as ref,
        g.stated_cagr                                           as stated_value,
        g.stated_cagr_raw                                       as stated_raw,
        g.implied_cagr                                          as recomputed_value,
        0.0005                                                  as tolerance,
        g.status                                                as status,
        format('cagr(132.3亿, 600亿, 4) = {:.2f}%; the end value is a floor (突破600亿元), so any CAGR at or above it agrees. 50.6% for 4 years implies {:.1f}亿元 in 2027.',
               g.implied_cagr * 100, g.end_value_implied_by_stated_cagr / 1e8) as explanation,
        concat_ws(', ', g.cagr_id, g.start_id, g.end_id)        as inputs
    from growth g
    where g.cagr_id = 'market.llm_size.cagr.2023-2027'

    union all
    -- 2. The 技术算法层 share of 2023 AI deals.
    select
        'financing.tech_algo_share',
        '技术算法层 deals are 31% of the 585 AI financing deals of 2023 (182 deals)',
        (select ref from facts where id = 'financing.tech_algo.deal_share.2023'),
        stated_share, '31%', share, 0.005, status,
        format('182 / 585 = {:.2f}%; the report rounds to whole percents', share * 100),
        'financing.tech_algo.deal_share.2023, financing.tech_algo.deals.2023, financing.ai.deals.2023'
    from marts.financing_shares
    where measure = '技术算法层 deals / AI deals'

    union all
    -- 3. A GPT-3-class training run costs over 1M USD, against the table's GPT3-175B run.
    select
        'cost.gpt3_training_run',
        'Training a GPT-3-class model once costs over 1,000,000 USD',
        (select ref from facts where id = 'claim.gpt3_class.training_cost'),
        (select value_low from facts where id = 'claim.gpt3_class.training_cost'),
        (select value_raw from facts where id = 'claim.gpt3_class.training_cost'),
        r.rental_usd_low, null,
        case when r.rental_usd_low > (select value_low from facts where id = 'claim.gpt3_class.training_cost')
             then 'consistent' else 'inconsistent' end,
        format('GPT3-175B: {} GPUs × {} days × 24 h = {:,} GPU-hours × {} USD per GPU-hour (an assumption, raw/assumptions.csv) = {:,.0f} USD',
               r.gpus, r.duration_days_low, r.gpu_hours_low::bigint, r.usd_per_gpu_hour, r.rental_usd_low),
        concat_ws(', ', 'claim.gpt3_class.training_cost', r.model, r.rate_key)
    from runs r
    where r.model = 'GPT3-175B'

    union all
    -- 4. GPT-4-class training needs nearly 10,000 A100s, against the table's GPT4-1800B row.
    select
        'gpus.gpt4_class',
        'A GPT-4-class model needs nearly 10,000 A100 GPUs to train',
        (select ref from facts where id = 'claim.gpt4_class.a100_gpus'),
        (select value_low from facts where id = 'claim.gpt4_class.a100_gpus'),
        (select value_raw from facts where id = 'claim.gpt4_class.a100_gpus'),
        r.gpus, 0.25,
        case when abs(r.gpus - 10000) / 10000 <= 0.25 then 'consistent' else 'inconsistent' end,
        format('The report''s own table gives GPT4-1800B {:,} A100 GPUs, {:.1f}× "近万张"; "about" is taken as within 25%', r.gpus, r.gpus / 10000),
        concat_ws(', ', 'claim.gpt4_class.a100_gpus', r.model)
    from runs r
    where r.model = 'GPT4-1800B'

    union all
    -- 5. GPT-3.5-class training needs thousands of A100s, against the GPT3-175B run.
    select
        'gpus.gpt35_class',
        'A GPT-3.5-class model needs thousands of A100 GPUs to train',
        (select ref from facts where id = 'claim.gpt35_class.a100_gpus'),
        (select value_low from facts where id = 'claim.gpt35_class.a100_gpus'),
        (select value_raw from facts where id = 'claim.gpt35_class.a100_gpus'),
        null, null, 'not checkable',
        'The table has no GPT-3.5 run; its GPT3-175B run used 1,024 A100 GPUs (thousands, at the low end)',
        'claim.gpt35_class.a100_gpus, GPT3-175B'

    union all
    -- 6. 300多个 (2024-02) and 超过300个 (at writing) agree.
    select
        'models.count_2024',
        'China had 300-odd large models by 2024-02 (and over 300 announced at writing)',
        (select ref from facts where id = 'models.count.2024-02'),
        (select value_low from facts where id = 'models.count.2024-02'),
        (select value_raw from facts where id = 'models.count.2024-02'),
        (select value_low from facts where id = 'models.count.current'),
        0,
        case when (select value_low from facts where id = 'models.count.2024-02')
                = (select value_low from facts where id = 'models.count.current') then 'consistent' else 'inconsistent' end,
        'Both are lower bounds of 300 (300多个 and 超过300个)',
        'models.count.2024-02, models.count.current'

    union all
    -- 7. Growth from 不足80 to 300多: the implied multiple over eight months.
    select
        'models.count_growth',
        'The number of large models grew from under 80 (2023-06) to 300-odd (2024-02)',
        (select ref from facts where id = 'models.count.2023-06'),
        null, (select value_raw from facts where id = 'models.count.2023-06') || ' → ' || (select value_raw from facts where id = 'models.count.2024-02'),
        (select value_low from facts where id = 'models.count.2024-02') / (select value_high from facts where id = 'models.count.2023-06'),
        null, 'consistent',
        'Bounds on both ends: the count at least 3.75× in eight months (300 / 80)',
        'models.count.2023-06, models.count.2024-02'

    union all
    -- 8. Enterprise attitudes: 34% + 33% against "more than half".
    select
        'enterprise.more_than_half',
        'More than half of Chinese enterprises have started on generative AI (34% exploring, 33% investing in 2023)',
        (select ref from facts where id = 'enterprise.genai.exploring.share'),
        0.5, '一半以上',
        (select value_low from facts where id = 'enterprise.genai.exploring.share')
            + (select value_low from facts where id = 'enterprise.genai.invest_2023.share'),
        null,
        case when (select value_low from facts where id = 'enterprise.genai.exploring.share')
                + (select value_low from facts where id = 'enterprise.genai.invest_2023.share') > 0.5
             then 'consistent' else 'inconsistent' end,
        '34% + 33% = 67% > 50%',
        'enterprise.genai.exploring.share, enterprise.genai.invest_2023.share'

    union all
    -- 9. AIGC/大模型 deals are a subset of 技术算法层 deals.
    select
        'financing.aigc_within_tech_algo',
        'AIGC/大模型 is a sub-segment of the 技术算法层 (111 of its 182 deals)',
        (select ref from facts where id = 'financing.aigc_llm.deals.2023'),
        (select value_low from facts where id = 'financing.aigc_llm.deals.2023'), '111件',
        (select value_low from facts where id = 'financing.tech_algo.deals.2023'), null,
        case when (select value_low from facts where id = 'financing.aigc_llm.deals.2023')
                <= (select value_low from facts where id = 'financing.tech_algo.deals.2023') then 'consistent' else 'inconsistent' end,
        format('111 ≤ 182: AIGC/大模型 is {:.0f}% of the layer''s deals',
               100 * (select value_low from facts where id = 'financing.aigc_llm.deals.2023')
                   / (select value_low from facts where id = 'financing.tech_algo.deals.2023')),
        'financing.aigc_llm.deals.2023, financing.tech_algo.deals.2023'

    union all
    -- 10. Xinhua ranks against scores: a higher score never has a worse rank, ties share a rank.
    select
        'xinhua.ranks_follow_scores.' || edition,
        'Xinhua experience report ' || edition || ': ranks follow scores',
        '新华社研究院中国企业发展研究中心',
        null, null, null, null,
        case when bool_and(ok) then 'consistent' else 'inconsistent' end,
        'Listed ranks: ' || string_agg(rank::varchar, ', ' order by rank)
            || coalesce('; ties: ' || string_agg(case when tied then model || ' ' || rank end, ', '), '')
            || '; ranks held by no listed model: ' || coalesce(max(gaps), 'none')
            || '; ' || count(*) || ' of ' || max(models_evaluated) || ' evaluated models listed',
        string_agg(model, ', ' order by rank)
    from (
        select
            x.*,
            -- No other listed model has a higher score and a worse (larger) rank.
            not exists (
                select 1 from xinhua y
                where y.edition = x.edition and y.score > x.score and y.rank > x.rank
            ) as ok,
            (select string_agg(r::varchar, ', ' order by r)
               from range(1, (select max(rank) from xinhua z where z.edition = x.edition) + 1) t(r)
              where r not in (select rank from xinhua z where z.edition = x.edition)
                and not (x.edition = '1.0' and r = 1)) as gaps
        from xinhua x
    )
    group by edition

    union all
    -- 11. Two spending-growth bands with the same 35.3% share: stated twice, not recomputable.
    select
        'enterprise.spend_bands',
        '35.3% of enterprises expect 20%-30% more generative-AI spend, and 35.3% expect 30%-40% more',
        (select ref from facts where id = 'enterprise.genai.budget_growth_20_30.share'),
        (select value_low from facts where id = 'enterprise.genai.budget_growth_20_30.share'), '35.3%',
        null, null, 'not checkable',
        'The chart with the other bands was lost; two equal shares may be a transcription slip in the report',
        'enterprise.genai.budget_growth_20_30.share, enterprise.genai.budget_growth_30_40.share'
)

select
    id,
    statement,
    ref,
    stated_value::double      as stated_value,
    stated_raw,
    recomputed_value::double  as recomputed_value,
    tolerance::double         as tolerance,
    status,
    explanation,
    inputs
from claims
order by id
