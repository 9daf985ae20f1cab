with

source as (
    select * from {{ source('nbacom', 'schedule') }}
),

renamed as (
    select
        game_id as nba_game_id,
        cast(game_date as date) as game_date,
        cast(game_time_utc as timestamp) as tipoff_at,
        home_team__team_tricode as home_team_abbr,
        away_team__team_tricode as away_team_abbr,
        _dlt_load_id
    from source
),

deduplicated as (
    select
        *,
        row_number() over (partition by nba_game_id order by _dlt_load_id desc) as row_rank
    from renamed
)

select
    nba_game_id,
    game_date,
    tipoff_at,
    home_team_abbr,
    away_team_abbr
from deduplicated
where row_rank = 1
