-- One row per dbt node of every dbt build the runner ran (dbt's run_results.json, dbt_project/monitoring/history.py).
with

source as (
    select * from {{ source('nba_monitoring', 'dbt_node_results') }}
)

select
    run_id,
    phase,
    invocation_id,
    unique_id,
    name,
    resource_type,
    status,
    execution_seconds,
    rows_affected,
    bytes_processed,
    bytes_billed,
    failures,
    message,
    completed_at
from source
