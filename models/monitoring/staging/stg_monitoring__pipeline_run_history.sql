-- The runner's run history (dbt_project/monitoring/history.py): one row per run, date and phase.
with

source as (
    select * from {{ source('nba_monitoring', 'pipeline_run_history') }}
)

select
    run_id,
    run_date,
    phase,
    phase_name,
    status,
    target_name,
    started_at,
    finished_at,
    duration_seconds,
    message,
    details
from source
