-- Alibaba's open-source Qwen releases, counted each way the report's timeline allows: release
-- rounds (dates), named releases, and the models of the 1.5 round, which the report gives as
-- 6 sizes of Base and Chat models: 6 sizes, or 12 checkpoints if each size comes in both kinds.
with releases as (
    select date, date_raw, release, parameters_raw, sizes, kind, model_count, _row
    from staging.qwen_timeline
),

rounds as (
    select count(distinct date) as rounds, count(*) as named_releases from releases
),

round_15 as (
    select
        max(model_count) as sizes_stated,
        max(model_count_raw) as sizes_stated_raw,
        max(len(string_split(kind, '和'))) filter (where kind like '%和%') as kinds
    from staging.qwen_timeline
    where model_count is not null
)

select
    rounds.rounds,
    rounds.named_releases,
    round_15.sizes_stated,
    round_15.sizes_stated_raw,
    round_15.kinds                          as kinds_per_size,
    round_15.sizes_stated * round_15.kinds  as checkpoints_if_each_size_has_each_kind,
    rounds.named_releases - 1 + round_15.sizes_stated * round_15.kinds as models_counting_checkpoints
from rounds, round_15
