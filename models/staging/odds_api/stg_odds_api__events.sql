with

source as (
    select * from {{ source('odds_api', 'events') }}
),

teams as (
    select * from {{ ref('nba_teams') }}
),

renamed as (
    select
        id as event_id,
        cast(commence_time as timestamp) as commence_at,
        {{ eastern_date('commence_time') }} as game_date,
        home_team as home_team_name,
        away_team as away_team_name,
        _dlt_load_id
    from source
),

deduplicated as (
    select
        *,
        row_number() over (partition by event_id order by _dlt_load_id desc) as row_rank
    from renamed
)

select
    deduplicated.event_id,
    deduplicated.game_date,
    deduplicated.commence_at,
    home.team_abbr as home_team_abbr,
    away.team_abbr as away_team_abbr
from deduplicated
left join teams as home on deduplicated.home_team_name = home.full_name
left join teams as away on deduplicated.away_team_name = away.full_name
where deduplicated.row_rank = 1
