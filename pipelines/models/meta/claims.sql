-- The report checked against itself: one row per stated figure that can be recomputed from the
-- report's other figures (or from raw/assumptions.csv, which `assumption` then names), and per
-- pair of figures the report gives for one thing. A claim that disagrees is data, not a failed
-- build. Verdicts (the `verdict` macro): agrees, agrees only as a bound, disagrees, not
-- checkable. Every figure an explanation quotes is read from the staged tables, never typed:
-- change a cell of raw/ and the explanation changes with it. Statements paraphrase the claim;
-- the stated figure is kept verbatim in stated_raw.
with f as (
    select * from staging.facts
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
        'figure'                                                as kind,
        'China LLM market grows at the stated CAGR from its 2023 size to its 2027 forecast' as statement,
        (select ref from f where id = g.cagr_id)                as ref,
        g.stated_cagr                                           as stated_value,
        g.stated_cagr_raw                                       as stated_raw,
        g.implied_cagr                                          as recomputed_value,
        0.0005                                                  as tolerance,
        g.status                                                as status,
        g.stated_cagr - g.implied_cagr                          as gap,
        format('cagr({}, {}, {}) = {:.2f}%, {:.2f} points {} the stated {}; {} is {}: {} over {} years from {} gives {} in {}.',
               g.start_raw, g.end_raw, g.years, g.implied_cagr * 100, abs(g.stated_cagr - g.implied_cagr) * 100,
               case when g.stated_cagr >= g.implied_cagr then 'below' else 'above' end, g.stated_cagr_raw, g.end_raw,
               case g.status when 'agrees only as a bound' then 'a floor, so the stated CAGR holds only as a bound'
                             when 'agrees' then 'matched within the rounding'
                             else 'not reached at the stated CAGR' end,
               g.stated_cagr_raw, g.years, g.start_raw, yi(g.end_value_implied_by_stated_cagr), g.end_year) as explanation,
        concat_ws(', ', g.cagr_id, g.start_id, g.end_id)        as inputs,
        null::varchar                                           as assumption,
        null::double                                            as break_even
    from growth g
    where g.cagr_id = 'market.llm_size.cagr.2023-2027'

    union all
    -- 2. The 技术算法层 share of 2023 AI deals.
    select
        'financing.tech_algo_share', 'figure',
        '技术算法层 deals as a share of all 2023 AI financing deals',
        (select ref from f where id = 'financing.tech_algo.deal_share.2023'),
        s.stated_share, (select value_raw from f where id = 'financing.tech_algo.deal_share.2023'),
        s.share, 0.005, s.status, s.stated_share - s.share,
        format('{} / {} = {:.2f}%; the report rounds to whole percents ({})',
               (select value_raw from f where id = 'financing.tech_algo.deals.2023'),
               (select value_raw from f where id = 'financing.ai.deals.2023'), s.share * 100,
               (select value_raw from f where id = 'financing.tech_algo.deal_share.2023')),
        'financing.tech_algo.deal_share.2023, financing.tech_algo.deals.2023, financing.ai.deals.2023',
        null, null
    from marts.financing_shares s
    where s.measure = '技术算法层 deals / AI deals'

    union all
    -- 3. A GPT-3-class training run costs over 1M USD, against the table's GPT3-175B run at the
    -- assumed rental price: the verdict rests on the assumption, so its break-even is given.
    select
        'cost.gpt3_training_run', 'figure',
        'Training a GPT-3-class model once costs more than the stated amount',
        c.ref, c.value_low, c.value_raw,
        r.rental_usd_low, null,
        verdict(null, r.rental_usd_low > c.value_low),
        r.rental_usd_low - c.value_low,
        format('GPT3-175B: {} GPUs × {} days × 24 h = {:,} GPU-hours × {} USD per GPU-hour (assumption {}) = {:,.0f} USD, {:.0f}% above the floor {}; it holds at any rate above {:.2f} USD per GPU-hour',
               r.gpus, r.duration_days_low, r.gpu_hours_low::bigint, r.usd_per_gpu_hour, r.rate_key, r.rental_usd_low,
               100 * (r.rental_usd_low / c.value_low - 1), c.value_raw, c.value_low / r.gpu_hours_low),
        concat_ws(', ', 'claim.gpt3_class.training_cost', r.model, r.rate_key),
        r.rate_key, c.value_low / r.gpu_hours_low
    from runs r, (select * from f where id = 'claim.gpt3_class.training_cost') c
    where r.model = 'GPT3-175B'

    union all
    -- 4. GPT-4-class training needs nearly 10,000 A100s, against the table's GPT4-1800B row.
    select
        'gpus.gpt4_class', 'figure',
        'A GPT-4-class model needs about the stated number of A100 GPUs to train',
        c.ref, c.value_low, c.value_raw,
        r.gpus, 0.25,
        verdict(abs(r.gpus - c.value_low) / c.value_low <= 0.25, null),
        r.gpus - c.value_low,
        format('The report''s own table gives {} {:,} GPUs ({}), {:.1f}× "{}"; "about" is taken as within 25%',
               r.model, r.gpus, r.gpu, r.gpus / c.value_low, c.value_raw),
        concat_ws(', ', 'claim.gpt4_class.a100_gpus', r.model),
        null, null
    from runs r, (select * from f where id = 'claim.gpt4_class.a100_gpus') c
    where r.model = 'GPT4-1800B'

    union all
    -- 5. GPT-3.5-class training needs thousands of A100s: the table has no GPT-3.5 run.
    select
        'gpus.gpt35_class', 'figure',
        'A GPT-3.5-class model needs thousands of A100 GPUs to train',
        c.ref, c.value_low, c.value_raw,
        null, null, verdict(null, null), null,
        format('The table has no GPT-3.5 run; its nearest, {}, used {:,} GPUs ({})', r.model, r.gpus, r.gpu),
        concat_ws(', ', 'claim.gpt35_class.a100_gpus', r.model),
        null, null
    from runs r, (select * from f where id = 'claim.gpt35_class.a100_gpus') c
    where r.model = 'GPT3-175B'

    union all
    -- 6. The model count at 2024-02 and at writing: two bounds on one figure.
    select
        'models.count_2024', 'same_thing',
        'The number of Chinese large models in 2024-02 and at writing',
        a.ref, a.value_low, a.value_raw,
        b.value_low, 0,
        verdict(a.value_qualifier = '=' and b.value_qualifier = '=' and a.value_low = b.value_low,
                a.value_low = b.value_low),
        a.value_low - b.value_low,
        format('{} ({}) and {} ({}) both say only that the count is above {}: consistent, but neither gives the count',
               a.value_raw, a.value_qualifier, b.value_raw, b.value_qualifier, a.value_low::bigint),
        'models.count.2024-02, models.count.current',
        null, null
    from (select * from f where id = 'models.count.2024-02') a,
         (select * from f where id = 'models.count.current') b

    union all
    -- 7. Growth from under 80 to 300-odd: a floor on the multiple over the period.
    select
        'models.count_growth', 'figure',
        'The number of large models rose several-fold between 2023-06 and 2024-02',
        a.ref, null, a.value_raw || ' → ' || b.value_raw,
        b.value_low / a.value_high, null,
        verdict(null, b.value_low > a.value_high), null,
        format('Bounds on both ends ({} is a ceiling, {} a floor): the count grew at least {:.2f}× ({} / {})',
               a.value_raw, b.value_raw, b.value_low / a.value_high, b.value_low::bigint, a.value_high::bigint),
        'models.count.2023-06, models.count.2024-02',
        null, null
    from (select * from f where id = 'models.count.2023-06') a,
         (select * from f where id = 'models.count.2024-02') b

    union all
    -- 8. Enterprise attitudes: exploring + investing against "more than half".
    select
        'enterprise.more_than_half', 'figure',
        'More than half of Chinese enterprises have started on generative AI',
        a.ref, 0.5, '一半以上',
        a.value_low + b.value_low, null,
        verdict(null, a.value_low + b.value_low > 0.5),
        a.value_low + b.value_low - 0.5,
        format('{} exploring + {} investing = {:.0f}%, {:.0f} points above one half (if no enterprise is in both groups)',
               a.value_raw, b.value_raw, 100 * (a.value_low + b.value_low), 100 * (a.value_low + b.value_low - 0.5)),
        'enterprise.genai.exploring.share, enterprise.genai.invest_2023.share',
        null, null
    from (select * from f where id = 'enterprise.genai.exploring.share') a,
         (select * from f where id = 'enterprise.genai.invest_2023.share') b

    union all
    -- 9. AIGC/大模型 deals are a subset of 技术算法层 deals.
    select
        'financing.aigc_within_tech_algo', 'figure',
        'AIGC/大模型 deals are a sub-segment of the 技术算法层 deals',
        a.ref, a.value_low, a.value_raw,
        b.value_low, null,
        verdict(null, a.value_low <= b.value_low), a.value_low - b.value_low,
        format('{} ≤ {}: AIGC/大模型 is {:.0f}% of the layer''s deals', a.value_raw, b.value_raw, 100 * a.value_low / b.value_low),
        'financing.aigc_llm.deals.2023, financing.tech_algo.deals.2023',
        null, null
    from (select * from f where id = 'financing.aigc_llm.deals.2023') a,
         (select * from f where id = 'financing.tech_algo.deals.2023') b

    union all
    -- 10. Xinhua ranks against scores: a higher score never has a worse rank, ties share a rank.
    select
        'xinhua.ranks_follow_scores.' || edition, 'same_thing',
        'Xinhua experience report ' || edition || ': ranks follow scores',
        '新华社研究院中国企业发展研究中心',
        null, null, null, null,
        verdict(bool_and(ok), null), null,
        'Listed ranks: ' || string_agg(rank::varchar, ', ' order by rank)
            || coalesce('; ties: ' || string_agg(case when tied then model || ' ' || rank end, ', '), '')
            || '; ranks held by no listed model: ' || coalesce(max(gaps), 'none')
            || '; ' || count(*) || ' of ' || max(models_evaluated) || ' evaluated models listed',
        string_agg(model, ', ' order by rank),
        null, null
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
    -- 11. Two spending-growth bands with the same share: stated twice, not recomputable.
    select
        'enterprise.spend_bands', 'same_thing',
        'Shares of enterprises expecting two different bands of generative-AI spend growth',
        a.ref, a.value_low, a.value_raw,
        b.value_low, null, verdict(null, null), null,
        format('{} expect {} and {} expect {}: two bands with the same share; the chart with the other bands was lost, so neither can be checked',
               a.value_raw, (select value_raw from f where id = 'enterprise.genai.budget_growth_20_30.band'),
               b.value_raw, (select value_raw from f where id = 'enterprise.genai.budget_growth_30_40.band')),
        'enterprise.genai.budget_growth_20_30.share, enterprise.genai.budget_growth_30_40.share',
        null, null
    from (select * from f where id = 'enterprise.genai.budget_growth_20_30.share') a,
         (select * from f where id = 'enterprise.genai.budget_growth_30_40.share') b

    union all
    -- 12. Card prices dated after the period of their stated increase.
    select
        'gpu.price_dated_after_increase.' || lower(p.subject), 'date',
        p.subject || ': the card price is dated after the period its stated increase covers',
        p.ref, p.value_low, p.value_raw,
        null, null, verdict(null, null), null,
        format('{} is dated {}, the {} increase runs {}: the base price is not given, so the price cannot be recomputed from the increase',
               p.value_raw, p.period, i.value_raw, i.period),
        concat_ws(', ', p.id, i.id),
        null, null
    from staging.compute_facts p
    join staging.compute_facts i on i.subject = p.subject and i.metric = 'price_increase'
    where p.metric = 'price' and split_part(i.period, '/', 2) < p.period
    union all
    -- 13. Two 2023 market sizes: a floor and a figure.
    select
        'market.llm_size_2023_two_figures', 'same_thing',
        'The 2023 China LLM market size, given twice',
        a.ref, a.value_low, a.value_raw, b.value_low, null,
        verdict(a.value_qualifier = '=' and b.value_qualifier = '=' and a.value_low = b.value_low,
                b.value_qualifier = '>' and a.value_low > b.value_low),
        a.value_low - b.value_low,
        format('{} and {}: the figure lies above the floor by {}, so the two agree only as a bound',
               a.value_raw, b.value_raw, yi(a.value_low - b.value_low)),
        concat_ws(', ', a.id, b.id), null, null
    from (select * from f where id = 'market.llm_size.2023') a,
         (select * from f where id = 'market.llm_size.2023.lower_bound') b

    union all
    -- 14. Compute demand: a yearly growth rate against a doubling period.
    select
        'compute.demand_growth_vs_doubling', 'same_thing',
        'Compute demand grows at the stated yearly rate, and training compute doubles every few months',
        g.ref, 1 + g.value_low, g.value_raw,
        power(2, 365.0 / d.value_high), null,
        verdict(null, 1 + g.value_low between power(2, 365.0 / d.value_high) and power(2, 365.0 / d.value_low)),
        1 + g.value_low - power(2, 365.0 / d.value_high),
        format('{} a year is ×{:.1f}; doubling every {} ({:.0f}–{:.0f} days) is ×{:.1f} to ×{:.1f} a year: the two disagree unless they measure different demand, which the report does not say',
               g.value_raw, 1 + g.value_low, d.value_raw, d.value_low, d.value_high,
               power(2, 365.0 / d.value_high), power(2, 365.0 / d.value_low)),
        concat_ws(', ', g.id, d.id), null, null
    from (select * from f where id = 'compute.demand_growth.2024') g,
         (select * from f where id = 'compute.training_demand.doubling_period') d

    union all
    -- 15. The publisher's expert pool, given twice.
    select
        'publisher.expert_pool_two_figures', 'same_thing',
        'The size of the publisher''s expert pool, given twice',
        a.ref, a.value_low, a.value_raw, w.number, null,
        -- 数万 is of the order of ten thousand: from 10,000 up to (not including) 100,000.
        verdict(null, w.number * 10 > a.value_low),
        w.number - a.value_low,
        format('{} ({} {}) and {} (of the order of {:,}): consistent only as bounds, neither gives the size',
               a.value_raw, a.value_qualifier, a.value_low::bigint, w.raw, w.number::bigint),
        concat_ws(', ', a.id, w.id), null, null
    from staging.report_facts a, staging.counts w
    where a.id = 'publisher.yiou.expert_pool' and w.id = 'publisher.yiou.expert_pool.words'

    union all
    -- 16. One vendor, two CAICT grades; and a "highest" grade below another vendor's.
    select
        'caict.grades.' || lower(e.vendor), 'same_thing',
        'CAICT gives ' || e.vendor || ' more than one grade',
        max(e.ref), null, string_agg(e.result, ' / ' order by e.result), null, null,
        verdict(count(distinct e.grade) = 1, null), null,
        format('{} results for one vendor in one evaluation: {}', count(*), string_agg(e.result, ', ' order by e.result)),
        string_agg(e.vendor || ': ' || e.result, ', '), null, null
    from staging.evaluations e
    where e.evaluation = 'caict' and e.grade is not null
    group by e.vendor
    having count(distinct e.grade) > 1

    union all
    select
        'caict.highest_grade_below_another', 'same_thing',
        'CAICT results called the highest grade while another vendor has a higher one',
        max(h.ref), null, string_agg(h.vendor || ' ' || h.result, ', ' order by h.vendor), null, null,
        verdict(max(o.grade) is null, null), null,
        format('{} call {} the highest; {} has {}', string_agg(distinct h.vendor, ', '), max(h.grade),
               max(o.vendor), max(o.result)),
        string_agg(distinct h.vendor, ', '), null, null
    from staging.evaluations h
    left join staging.evaluations o
        on o.evaluation = h.evaluation and o.grade > h.grade and o.vendor <> h.vendor
    where h.evaluation = 'caict' and h.grade_label in ('最高分', '最高评分')

    union all
    -- 17. Counts the report states against the items it lists. `.words` and `.listed` rows of
    -- one count share an id stem; the pairs named below use other ids.
    select
        'count.' || p.stem, 'count',
        w.subject || ': the count stated against the items listed',
        w.ref, w.number, w.raw, l.number, 0,
        -- A list may name only some of what a count claims; it cannot name more.
        verdict(w.number = l.number, l.number < w.number),
        w.number - l.number,
        format('{} states {}; the report lists {} ({}){}', w.raw, w.number::bigint, l.number::bigint, l.items,
               case when l.number < w.number then format(': {} are not named', (w.number - l.number)::bigint)
                    when l.number > w.number then ': more than it states' else '' end),
        concat_ws(', ', w.id, l.id), null, null
    from staging.counts w
    join (
        select regexp_replace(regexp_replace(id, '^count\.', ''), '\.words$', '') as stem, id as words_id,
               replace(id, '.words', '.listed') as listed_id
        from staging.counts where id like '%.words'
        union all
        select * from (values
            ('edu_hw.wenxin', 'count.edu_hw.wenxin.ai_learning_functions', 'count.edu_hw.wenxin.features_listed')
        ) v(stem, words_id, listed_id)
    ) p on p.words_id = w.id
    join staging.counts l on l.id = p.listed_id

    union all
    -- 18. Squirrel Ai: the functions its intro lists against its hardware-advantages table.
    select
        'count.squirrel_ai.functions_vs_advantages', 'count',
        '松鼠Ai: the functions listed in the intro against the hardware-advantages table',
        a.ref, a.number, null, b.number, 0,
        verdict(a.number = b.number, null), a.number - b.number,
        format('The intro lists {} functions, the table {} advantages', a.number::bigint, b.number::bigint),
        concat_ws(', ', a.id, b.id), null, null
    from staging.counts a, staging.counts b
    where a.id = 'case.squirrel_ai.system_functions' and b.id = 'case.squirrel_ai.hardware_advantages'

    union all
    -- 19. The model map's total depends on how its boxes are read.
    select
        'models.map_total', 'count',
        'The general-model map''s total depends on how its boxes are read',
        max(ref), count(distinct box), null, count(*), 0,
        case when count(*) = count(distinct box) then verdict(true, null) else verdict(null, null) end,
        count(distinct box) - count(*),
        format('{} lines in {} boxes: a box holding two lines is one model or two, so the map shows {} to {} models; the report states no total to check', count(*), count(distinct box), count(distinct box), count(*)),
        'staging.model_map', null, null
    from staging.model_map

    union all
    -- 20. Two versions of a metered product at one price.
    select
        'pricing.same_price.' || replace(item, ' / ', '.vs.'), 'same_thing',
        'Two versions of one product listed at the same price',
        '亿欧智库：商业落地能力', value, item_raw, 1, 0, verdict(null, null), 0,
        format('{} and {} are both {}: a newer version at an unchanged price, or a slip the report does not explain',
               split_part(item, ' / ', 1), against, split_part(item_raw, ' / ', 1)),
        item, null, null
    from marts.price_comparisons
    where comparison = 'version_price_ratio' and value = 1

    union all
    -- 21. One sector under two names: the vertical-model map against its page.
    select
        'sector.two_names.' || s.sector_page, 'same_thing',
        'One sector named differently on the vertical-model map and on its page',
        s.ref, null, s.sector || ' / ' || s.sector_page, null, null, verdict(false, null), null,
        format('The map says {}, the page title {}', s.sector, s.sector_page),
        s.id, null, null
    from staging.sector_timing s
    where s.sector_page <> '' and s.sector <> s.sector_page

    union all
    -- 22. One model or product under several names.
    select
        'names.' || n.model, 'same_thing',
        'One model printed under several names',
        max(n.ref), count(distinct n.name), string_agg(distinct n.name, ' / '), null, null,
        verdict(false, null), null,
        format('{} names for {}: {}', count(distinct n.name), n.model, string_agg(distinct n.name, ' / ')),
        string_agg(n.id, ', '), null, null
    from staging.vertical_model_names n
    group by n.model
    having count(distinct n.name) > 1

    union all
    -- 23. A decision factor named differently in its heading and in the prose.
    select
        'vertical.factor_names.' || regexp_replace(f.id, '\.(open|closed)$', ''), 'same_thing',
        'A vertical-model decision factor named differently in its heading and in the text',
        max(f.ref), null, max(f.factor) || ' / ' || max(f.factor_in_text), null, null, verdict(false, null), null,
        format('The heading says {}, the text {}', max(f.factor), max(f.factor_in_text)),
        string_agg(f.id, ', '), null, null
    from staging.vertical_factors f
    where f.factor <> f.factor_in_text
    group by regexp_replace(f.id, '\.(open|closed)$', '')

    union all
    -- 24. Qwen 1.5: "6个" models of two kinds.
    select
        'models.qwen15_count', 'count',
        'The Qwen 1.5 round: how many models',
        '阿里巴巴：选择开源道路', q.sizes_stated, q.sizes_stated_raw, q.checkpoints_if_each_size_has_each_kind, null,
        verdict(null, null), null,
        format('{} sizes of {} kinds: {} models as the report counts them, {} checkpoints if every size comes in each kind; the report does not say which',
               q.sizes_stated, q.kinds_per_size, q.sizes_stated, q.checkpoints_if_each_size_has_each_kind),
        'qwen_timeline', null, null
    from marts.qwen_releases q

)

select
    id,
    kind,
    statement,
    ref,
    stated_value::double      as stated_value,
    stated_raw,
    recomputed_value::double  as recomputed_value,
    tolerance::double         as tolerance,
    status,
    gap::double               as gap,
    explanation,
    inputs,
    assumption,
    break_even::double        as break_even
from claims
order by id
