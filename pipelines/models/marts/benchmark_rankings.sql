-- OpenCompass 2023 and the three Xinhua experience reports in one shape: score, rank, the
-- score relative to the edition's leader, ties, and the rank change between Xinhua editions.
-- Ranks are the report's, never renumbered: a tie keeps both models at the same rank, and a
-- rank no listed model holds stays a gap (`unlisted_ranks_above`).
with opencompass as (
    select
        'OpenCompass' as benchmark, '2023' as edition, 1 as edition_order,
        model, vendor, score::double as score, rank,
        models_evaluated,
        max(score) over ()                          as leader_score,
        'GPT-4-Turbo'                               as leader,
        _file, _sheet, _row
    from staging.opencompass_2023
),

xinhua as (
    select
        'Xinhua' as benchmark, edition, cast(split_part(edition, '.', 1) as integer) as edition_order,
        model, null::varchar as vendor, score::double as score, rank,
        models_evaluated,
        -- The leader is listed with its score in edition 1.0 only (ChatGPT4, not a ranked row).
        coalesce(max(leader_score) over (partition by edition), max(score) over (partition by edition)) as leader_score,
        max(leader) over (partition by edition)     as leader,
        _file, _sheet, _row
    from staging.xinhua_rankings
),

ranked as (
    select * from opencompass
    union all by name
    select * from xinhua
)

select
    benchmark,
    edition,
    model,
    vendor,
    score,
    rank,
    models_evaluated,
    leader,
    leader_score,
    score / leader_score                                                     as score_vs_leader,
    leader_score - score                                                     as gap_to_leader,
    (leader_score - score) / leader_score                                    as gap_to_leader_fraction,
    count(*) over (partition by benchmark, edition, rank) > 1                as tied,
    rank - 1 - count(*) over (partition by benchmark, edition order by rank range between unbounded preceding and 1 preceding)
                                                                             as unlisted_ranks_above,
    lag(rank) over (partition by benchmark, model order by edition_order)    as previous_rank,
    lag(rank) over (partition by benchmark, model order by edition_order) - rank as rank_change,
    _file,
    _sheet,
    _row
from ranked
order by benchmark, edition, rank, model
