-- The report at a glance: the figures `baimo serve` shows first, each read from the row that
-- holds it (a stated figure from staging.facts, a derived one from its mart), with its unit,
-- qualifier and the key of that row, so every figure on the home page links to its cell.
with picked(position, label, fact_id) as (
    values
        (1, 'LLM market size, 2023', 'market.llm_size.2023'),
        (2, 'LLM market size, 2027 forecast', 'market.llm_size.2027.forecast'),
        (3, 'LLM market CAGR, 2023–2027', 'market.llm_size.cagr.2023-2027'),
        (4, 'Large models announced in China', 'models.count.current'),
        (5, 'AI financing deals, 2023', 'financing.ai.deals.2023'),
        (6, 'AIGC / LLM financing, 2023', 'financing.aigc_llm.amount.2023'),
        (7, 'Intelligent compute CAGR, 2023–2027', 'compute.china_intelligent_compute.cagr.2023-2027'),
        (8, 'Compute demand growth, 2024', 'compute.demand_growth.2024'),
        (9, 'A100 price per card, 2023-05', 'gpu.a100.price.2023-05')
),

stated as (
    select
        picked.position,
        picked.label,
        facts.value_raw,
        facts.value_low            as value,
        facts.value_high,
        facts.value_qualifier      as qualifier,
        facts.value_unit           as unit,
        'staging.' || facts.source as source_table,
        'id'                       as key_column,
        picked.fact_id             as "key"
    from picked
    left join staging.facts as facts on facts.id = picked.fact_id
),

costliest as (
    -- The costliest training run at the assumed rental price (its high end).
    select
        10                                                        as position,
        'Costliest training run (rental, high end): ' || model    as label,
        format('{:,} USD', round(rental_usd_high)::bigint)        as value_raw,
        rental_usd_high                                           as value,
        rental_usd_high                                           as value_high,
        '='                                                       as qualifier,
        'USD'                                                     as unit,
        'marts.training_run_cost'                                 as source_table,
        'model'                                                   as key_column,
        model                                                     as "key"
    from marts.training_run_cost
    where rental_usd_high is not null
    order by rental_usd_high desc
    limit 1
)

select * from stated
union all
select * from costliest
order by position
