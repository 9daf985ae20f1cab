-- What each run's phase 1 loaded: rows per raw table and dlt's step timings (from dlt's load info).
select
    run_id,
    load_id,
    table_name,
    row_count,
    extract_seconds,
    normalize_seconds,
    load_seconds,
    loaded_at
from {{ source('nba_monitoring', 'dlt_load_info') }}
