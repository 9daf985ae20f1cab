with

source as (
    select * from {{ source('odds_api', 'player_props') }}
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
    event_id,
    game_date,
    commence_at,
    snapshot_at,
    bookmaker,
    market,
    player_name,
    player_name_key,
    line,
    over_price,
    under_price,
    snapshot_at <= commence_at as is_pregame
from deduplicated
where row_rank = 1
