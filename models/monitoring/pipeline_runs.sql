-- One row per pipeline run: when, how long, which dates, and its overall outcome.
with

history as (
    select * from {{ ref('stg_monitoring__pipeline_run_history') }}
),

per_phase as (
    select
        run_id,
        phase,
        max(status) as status,
        min(started_at) as started_at,
        max(finished_at) as finished_at,
        max(message) as message
    from history
    group by run_id, phase
),

failed as (
    select
        run_id,
        min(phase) as failed_phase
    from per_phase
    where status = 'failed'
    group by run_id
)

select
    history.run_id,
    max(history.target_name) as target_name,
    min(history.started_at) as started_at,
    max(history.finished_at) as finished_at,
    {{ dbt.datediff('min(history.started_at)', 'max(history.finished_at)', 'second') }} as wall_seconds,
    count(distinct history.run_date) as dates,
    min(history.run_date) as first_date,
    max(history.run_date) as last_date,
    count(distinct history.phase) as phases_run,
    case
        when max(case when history.status = 'failed' then 1 else 0 end) = 1 then 'failed'
        when max(case when history.status = 'interrupted' then 1 else 0 end) = 1 then 'interrupted'
        when max(case when history.status = 'running' then 1 else 0 end) = 1 then 'running'
        when max(case when history.status = 'degraded' then 1 else 0 end) = 1 then 'degraded'
        else 'success'
    end as status,
    max(failed.failed_phase) as failed_phase
from history
left join failed on history.run_id = failed.run_id
group by history.run_id
