-- One row per benchmark edition (OpenCompass 2023, Xinhua 1.0/2.0/3.0): how many models it
-- evaluated and how many the report lists, the leader and its margin over the next listed
-- model, and the range of listed scores. Xinhua 1.0 names its leader (ChatGPT4) with a score
-- outside the ranked rows; the margin is then over the best ranked row.
with listed as (
    select benchmark, edition, model, score, rank, models_evaluated, leader, leader_score
    from marts.benchmark_rankings
),

ordered as (
    select *, row_number() over (partition by benchmark, edition order by score desc, model) as place
    from listed
)

select
    benchmark,
    edition,
    max(models_evaluated)                                         as models_evaluated,
    count(*)                                                      as models_listed,
    max(models_evaluated) - count(*)                              as models_not_listed,
    max(leader)                                                   as leader,
    max(leader_score)                                             as leader_score,
    -- The next model after the leader: the best ranked row that is not the leader itself.
    arg_max(model, score) filter (where model <> max_leader)      as runner_up,
    max(score) filter (where model <> max_leader)                 as runner_up_score,
    max(leader_score) - max(score) filter (where model <> max_leader) as leader_margin,
    min(score)                                                    as lowest_listed_score,
    max(score)                                                    as highest_listed_score
from (select *, max(leader) over (partition by benchmark, edition) as max_leader from ordered)
group by benchmark, edition
order by benchmark, edition
