{#
  What phase 1 holds back, per landing date, resource and reason: the open quarantine entries as a report.
  An entry whose file later loaded cleanly is resolved (resolved_at set, ingestion/quarantine.py): it stays in
  nba_raw.rejected_rows as history and is not counted here.
#}
with

rejected as (
    select * from {{ ref('stg_monitoring__rejected_rows') }}
    where resolved_at is null
)

select
    landing_date,
    resource,
    field,
    reason,
    count(*) as rejected_rows,
    count(distinct source_file) as files,
    min(source_file) as example_file,
    max(rejected_at) as last_rejected_at
from rejected
group by landing_date, resource, field, reason
