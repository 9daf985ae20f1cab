-- Every phase recorded as degraded (the run went on, with less): when, for which date, and why.
with

history as (
    select * from {{ ref('stg_monitoring__pipeline_run_history') }}
)

select
    run_id,
    run_date,
    phase,
    phase_name,
    target_name,
    finished_at,
    message
from history
where status = 'degraded'
