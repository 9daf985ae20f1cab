{#
  The gate after each phase, per run and date: passed, passed degraded (a soft dependency under its
  threshold or quarantined rows), closed (the phase failed: later phases did not run) or not run.
#}
with

history as (
    select * from {{ ref('stg_monitoring__pipeline_run_history') }}
)

select
    run_id,
    run_date,
    phase,
    concat('P', cast(phase as {{ dbt.type_string() }}), '->P', cast(phase + 1 as {{ dbt.type_string() }})) as gate,
    case status
        when 'success' then 'passed'
        when 'degraded' then 'passed_degraded'
        when 'failed' then 'closed'
        else 'not_run'
    end as outcome,
    finished_at,
    message
from history
where phase < 6
