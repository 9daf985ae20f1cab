-- What each run's phase 1 loaded: rows per raw table and dlt's step timings (from dlt's load info).
with

loads as (
    select * from {{ ref('stg_monitoring__dlt_load_info') }}
)

select
    run_id,
    load_id,
    table_name,
    row_count,
    extract_seconds,
    normalize_seconds,
    load_seconds,
    loaded_at
from loads
