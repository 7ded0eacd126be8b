-- Video-generation products against Sora: pixels per frame (from the resolution text; for a
-- span of sizes, the first size given), frames per clip where clip length and frame rate are
-- single values, and each as a ratio to Sora's.
with products as (
    select
        *,
        try_cast(regexp_extract(resolution, '([0-9]+)[x×*]([0-9]+)', 1) as integer) as width,
        try_cast(regexp_extract(resolution, '([0-9]+)[x×*]([0-9]+)', 2) as integer) as height
    from staging.video_generation
),

measured as (
    select
        *,
        width * height                                                     as pixels_per_frame,
        case when clip_length_low = clip_length_high then clip_length_low end as clip_seconds,
        case when frame_rate_low = frame_rate_high then frame_rate_low end    as fps,
        case when clip_length_low = clip_length_high and frame_rate_low = frame_rate_high
             then clip_length_low * frame_rate_low end                        as frames_per_clip
    from products
),

sora as (
    select pixels_per_frame, clip_seconds, frames_per_clip from measured where product = 'Sora'
)

select
    measured.company,
    measured.product,
    measured.resolution,
    measured.width,
    measured.height,
    measured.pixels_per_frame,
    measured.clip_length_low,
    measured.clip_length_high,
    measured.clip_length_raw,
    measured.frame_rate_low,
    measured.frame_rate_high,
    measured.frame_rate_raw,
    measured.frame_rate_note,
    measured.frames_per_clip,
    measured.pixels_per_frame / sora.pixels_per_frame   as pixels_vs_sora,
    measured.clip_length_high / sora.clip_seconds       as clip_length_vs_sora,
    measured._file,
    measured._sheet,
    measured._row
from measured
cross join sora
order by measured.product = 'Sora' desc, measured.pixels_per_frame desc, measured.product
