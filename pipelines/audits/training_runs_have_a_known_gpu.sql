-- Every training run names a GPU family the report discusses (A100, A800, H100, H800).
select model, gpu, _file, _sheet, _row
from staging.training_runs
where not regexp_matches(gpu, '^(A100|A800|H100|H800)\b')
