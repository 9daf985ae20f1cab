{#
  Bytes processed and billed per run and phase, from dbt's adapter responses (BigQuery; null on DuckDB,
  which bills nothing).
#}
with

nodes as (
    select * from {{ ref('stg_monitoring__dbt_node_results') }}
)

select
    run_id,
    phase,
    count(*) as dbt_nodes,
    sum(bytes_processed) as bytes_processed,
    sum(bytes_billed) as bytes_billed,
    max(completed_at) as completed_at
from nodes
group by run_id, phase
