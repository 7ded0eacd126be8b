-- Each growth series the report states a CAGR for: its start and end, the stated CAGR, the CAGR
-- implied by the endpoints, the end value implied by the stated CAGR, and the gaps between them.
-- A series whose endpoints the report does not give (its chart was lost) keeps its stated CAGR
-- with NULLs for what cannot be recomputed.
with facts as (
    select id, subject, metric, period, value_low, value_high, value_qualifier, value_unit, value_raw
    from staging.facts
),

stated as (
    select
        id                                                  as cagr_id,
        subject,
        period,
        cast(split_part(period, '-', 1) as integer)         as start_year,
        cast(split_part(period, '-', 2) as integer)         as end_year,
        value_low                                           as stated_cagr,
        value_raw                                           as stated_cagr_raw
    from facts
    where metric = 'cagr' and regexp_full_match(period, '[0-9]{4}-[0-9]{4}')
),

levels as (
    select id, subject, try_cast(period as integer) as year, value_low, value_high,
           value_qualifier, value_unit, value_raw
    from facts
    where metric in ('market_size', 'market_size_forecast')
),

-- The start is the exact figure for the start year (a bound such as 突破100亿元 is not a start).
starts as (
    select * from levels where value_qualifier = '='
),

joined as (
    select
        stated.*,
        s.id              as start_id,
        s.value_low       as start_value,
        s.value_raw       as start_raw,
        e.id              as end_id,
        coalesce(e.value_low, e.value_high) as end_value,
        e.value_qualifier as end_qualifier,
        e.value_raw       as end_raw,
        s.value_unit      as unit
    from stated
    left join starts as s on s.subject = stated.subject and s.year = stated.start_year
    left join levels as e on e.subject = stated.subject and e.year = stated.end_year
)

select
    subject                                             as series,
    period,
    unit,
    start_year,
    start_value,
    start_raw,
    end_year,
    end_value,
    end_qualifier,
    end_raw,
    end_year - start_year                               as years,
    stated_cagr,
    stated_cagr_raw,
    cagr(start_value, end_value, end_year - start_year) as implied_cagr,
    stated_cagr - cagr(start_value, end_value, end_year - start_year) as cagr_gap,
    compound(start_value, stated_cagr, end_year - start_year)         as end_value_implied_by_stated_cagr,
    compound(start_value, stated_cagr, end_year - start_year) - end_value as end_value_gap,
    -- The same growth as a multiple of the start: what the stated CAGR compounds to, and what
    -- the endpoints give.
    power(1 + stated_cagr, end_year - start_year)       as stated_multiple,
    end_value / start_value                             as implied_multiple,
    -- Within 0.05 points agrees; a higher CAGR than the endpoints give holds only as a bound
    -- when the end is a floor ("突破600亿元").
    verdict(
        abs(stated_cagr - cagr(start_value, end_value, end_year - start_year)) <= 0.0005,
        end_qualifier in ('>', '>=') and stated_cagr >= cagr(start_value, end_value, end_year - start_year) - 0.0005
    )                                                   as status,
    cagr_id,
    start_id,
    end_id
from joined
order by series
