{#
  Latency per date and phase in the latest run that covered the date: the phase's wall time, the dbt node
  time inside it, and the date's end-to-end latency (first phase start to last phase end of that run).
#}
with

status as (
    select * from {{ ref('pipeline_phase_status') }}
),

node_results as (
    select * from {{ ref('stg_monitoring__dbt_node_results') }}
),

history as (
    select * from {{ ref('stg_monitoring__pipeline_run_history') }}
),

nodes as (
    select
        run_id,
        phase,
        sum(execution_seconds) as dbt_node_seconds,
        count(*) as dbt_nodes
    from node_results
    group by run_id, phase
),

end_to_end as (
    select
        run_date,
        run_id,
        {{ dbt.datediff('min(started_at)', 'max(finished_at)', 'second') }} as end_to_end_seconds
    from history
    group by run_date, run_id
)

select
    status.run_date,
    status.phase,
    status.phase_name,
    status.run_id,
    status.status,
    status.duration_seconds,
    nodes.dbt_node_seconds,
    nodes.dbt_nodes,
    end_to_end.end_to_end_seconds
from status
left join nodes
    on
        status.run_id = nodes.run_id
        and status.phase = nodes.phase
left join end_to_end
    on
        status.run_id = end_to_end.run_id
        and status.run_date = end_to_end.run_date
