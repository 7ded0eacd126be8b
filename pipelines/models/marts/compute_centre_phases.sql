-- Centres the report gives two figures for: what stands now (or its first phase) and what is
-- planned, and the ratio between them. 商汤西南's first figure is a peak (峰值算力), its second a
-- medium-to-long-term plan, so its ratio compares two different kinds of figure.
select
    company,
    centre,
    capacity                          as now_pflops,
    capacity_raw                      as now_raw,
    capacity_term                     as now_term,
    planned_capacity                  as planned_pflops,
    planned_capacity_raw              as planned_raw,
    planned_capacity_term             as planned_term,
    planned_capacity / capacity       as planned_over_now,
    _file,
    _sheet,
    _row
from staging.compute_centres
where capacity is not null and planned_capacity is not null
order by company, centre
