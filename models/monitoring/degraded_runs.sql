-- Every phase recorded as degraded (the run went on, with less): when, for which date, and why.
select
    run_id,
    run_date,
    phase,
    phase_name,
    target_name,
    finished_at,
    message
from {{ source('nba_monitoring', 'pipeline_run_history') }}
where status = 'degraded'
