-- One row per raw table per phase-1 load: rows and dlt's step times (dbt_project/monitoring/history.py).
with

source as (
    select * from {{ source('nba_monitoring', 'dlt_load_info') }}
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
from source
