-- The report's stated figures from every long-format facts source in one shape, so marts and
-- claims that look a figure up by id read one table.
select 'market_facts' as source, id, subject, metric, period, value_low, value_high, value_qualifier, value_unit, value_raw, ref, _file, _row
from staging.market_facts
union all
select 'compute_facts', id, subject, metric, period, value_low, value_high, value_qualifier, value_unit, value_raw, ref, _file, _row
from staging.compute_facts
union all
select 'trend_facts', id, subject, metric, period, value_low, value_high, value_qualifier, value_unit, value_raw, ref, _file, _row
from staging.trend_facts
