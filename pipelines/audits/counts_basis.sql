-- A figure in words carries the report's words; a counted list carries our count and the items
-- it counted, and no words of the report. A number is given exactly when the words give one.
select id, basis, raw, number, qualifier, items, _file, _row
from staging.counts
where (basis = 'words' and raw is null)
   or (basis = 'listed' and (raw is not null or number is null or items is null or qualifier <> '='))
   or ((number is null) <> (qualifier = 'vague'))
