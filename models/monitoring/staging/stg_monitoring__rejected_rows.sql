{#
  The quarantine (ingestion/quarantine.py): one entry per rejected row (or unreadable file) and failing field,
  open while resolved_at is null, with the landing date its file is filed under.
#}
with

source as (
    select * from {{ source('nba_raw_quarantine', 'rejected_rows') }}
)

select
    resource,
    source_file,
    locator,
    field,
    reason,
    rejected_at,
    resolved_at,
    -- landing files are <source>/<YYYY-MM-DD>/<file>
    cast(substr(source_file, strpos(source_file, '/') + 1, 10) as date) as landing_date
from source
