with

source as (
    select * from {{ source('balldontlie', 'games') }}
),

renamed as (
    select
        cast(id as bigint) as game_id,
        cast({{ adapter.quote('date') }} as date) as game_date,
        cast(season as integer) as season,
        cast({{ adapter.quote('datetime') }} as timestamp) as tipoff_at,
        status,
        coalesce(cast(postseason as boolean), false) as is_postseason,
        home_team__abbreviation as home_team_abbr,
        visitor_team__abbreviation as away_team_abbr,
        cast(home_team_score as integer) as home_score,
        cast(visitor_team_score as integer) as away_score,
        status = 'Final' as is_final,
        _dlt_load_id
    from source
),

deduplicated as (
    select
        *,
        row_number() over (partition by game_id order by _dlt_load_id desc) as row_rank
    from renamed
)

select
    game_id,
    game_date,
    season,
    tipoff_at,
    status,
    is_postseason,
    home_team_abbr,
    away_team_abbr,
    home_score,
    away_score,
    is_final
from deduplicated
where row_rank = 1
