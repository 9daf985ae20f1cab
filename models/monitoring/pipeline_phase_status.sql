-- Latest outcome of every phase for every date, from the runner's run history.
with

history as (
    select * from {{ ref('stg_monitoring__pipeline_run_history') }}
),

ranked as (
    select
        *,
        row_number() over (partition by run_date, phase order by finished_at desc, run_id desc) as recency
    from history
)

select
    run_date,
    phase,
    phase_name,
    status,
    run_id,
    target_name,
    started_at,
    finished_at,
    duration_seconds,
    message
from ranked
where recency = 1
