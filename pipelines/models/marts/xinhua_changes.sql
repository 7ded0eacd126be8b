-- Each model's score and rank change between every pair of Xinhua experience-report editions
-- (1.0→2.0, 2.0→3.0, 1.0→3.0) where it is listed in both. Ranks are the report's (ties share a
-- rank). Edition 3.0 scores sit on a higher range than 1.0 and 2.0 (the report names no scale),
-- so a change across it is flagged: `different_scale` says the two editions' score ranges do not
-- overlap, and the change then says little about the model.
with x as (
    select edition, cast(split_part(edition, '.', 1) as integer) as n, model, score, rank, _row
    from staging.xinhua_rankings
),

ranges as (
    select edition, min(score) as low, max(score) as high from x group by edition
),

pairs as (
    select a.edition as from_edition, b.edition as to_edition
    from (select distinct edition, n from x) a
    join (select distinct edition, n from x) b on b.n > a.n
)

select
    p.from_edition,
    p.to_edition,
    f.model,
    f.score                                   as from_score,
    t.score                                   as to_score,
    t.score - f.score                         as score_change,
    t.score / f.score                         as score_ratio,
    f.rank                                    as from_rank,
    t.rank                                    as to_rank,
    f.rank - t.rank                           as rank_gain,
    rf.high < rt.low or rt.high < rf.low      as different_scale,
    f._row                                    as from_row,
    t._row                                    as to_row
from pairs p
join x f on f.edition = p.from_edition
join x t on t.edition = p.to_edition and t.model = f.model
join ranges rf on rf.edition = p.from_edition
join ranges rt on rt.edition = p.to_edition
order by p.from_edition, p.to_edition, f.model
