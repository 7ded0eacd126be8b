-- GPU-days and GPU-hours per training run, low and high where the report gives a range.
-- Durations are in days as staged; a month is the contract's days_per_month (30 by default).
with runs as (
    select * from staging.training_runs
)

select
    model,
    gpus,
    gpu,
    duration_raw,
    duration_days_low,
    duration_days_high,
    gpus * duration_days_low        as gpu_days_low,
    gpus * duration_days_high       as gpu_days_high,
    gpus * duration_days_low * 24   as gpu_hours_low,
    gpus * duration_days_high * 24  as gpu_hours_high,
    _file,
    _sheet,
    _row
from runs
order by model
