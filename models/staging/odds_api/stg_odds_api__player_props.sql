with

source as (
    select * from {{ source('odds_api', 'player_props') }}
),

aliases as (
    select * from {{ ref('player_name_aliases') }}
),

renamed as (
    select
        event_id,
        {{ eastern_date('commence_time') }} as game_date,
        cast(commence_time as timestamp) as commence_at,
        cast(snapshot_at as timestamp) as snapshot_at,
        bookmaker,
        market,
        player_name,
        {{ name_key('player_name') }} as player_name_key,
        cast(line as {{ type_double() }}) as line,
        cast(over_price as integer) as over_price,
        cast(under_price as integer) as under_price,
        _dlt_load_id
    from source
),

deduplicated as (
    select
        *,
        row_number() over (
            partition by event_id, bookmaker, market, player_name, line, snapshot_at
            order by _dlt_load_id desc
        ) as row_rank
    from renamed
)

select
    deduplicated.event_id,
    deduplicated.game_date,
    deduplicated.commence_at,
    deduplicated.snapshot_at,
    deduplicated.bookmaker,
    deduplicated.market,
    deduplicated.player_name,
    -- books spell a few players differently from the box scores
    coalesce(aliases.canonical_key, deduplicated.player_name_key) as player_name_key,
    deduplicated.line,
    deduplicated.over_price,
    deduplicated.under_price,
    deduplicated.snapshot_at <= deduplicated.commence_at as is_pregame
from deduplicated
left join aliases on deduplicated.player_name_key = aliases.alias_key
where deduplicated.row_rank = 1
