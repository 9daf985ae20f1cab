with

source as (
    select * from {{ source('balldontlie', 'box_scores') }}
),

renamed as (
    select
        cast(id as bigint) as box_score_id,
        cast(game_id as bigint) as game_id,
        cast(game__date as date) as game_date,
        cast(game__season as integer) as season,
        cast(player__id as bigint) as player_id,
        trim(player__first_name) || ' ' || trim(player__last_name) as player_name,
        player__position as position,
        team__abbreviation as team_abbr,
        coalesce(cast(team__id as bigint) = cast(game__home_team_id as bigint), false) as is_home,
        {{ minutes_from_mmss(adapter.quote('min')) }} as minutes,
        cast(pts as integer) as points,
        cast(reb as integer) as rebounds,
        cast(oreb as integer) as offensive_rebounds,
        cast(dreb as integer) as defensive_rebounds,
        cast(ast as integer) as assists,
        cast(stl as integer) as steals,
        cast(blk as integer) as blocks,
        cast(turnover as integer) as turnovers,
        cast(pf as integer) as personal_fouls,
        cast(fgm as integer) as field_goals_made,
        cast(fga as integer) as field_goals_attempted,
        cast(fg3m as integer) as threes_made,
        cast(fg3a as integer) as threes_attempted,
        cast(ftm as integer) as free_throws_made,
        cast(fta as integer) as free_throws_attempted,
        _source_file as source_file,
        _dlt_load_id as loaded_at_id
    from source
),

deduplicated as (
    select
        *,
        row_number() over (partition by box_score_id order by loaded_at_id desc) as row_rank
    from renamed
)

select
    box_score_id,
    game_id,
    game_date,
    season,
    player_id,
    player_name,
    position,
    team_abbr,
    is_home,
    minutes,
    points,
    rebounds,
    offensive_rebounds,
    defensive_rebounds,
    assists,
    steals,
    blocks,
    turnovers,
    personal_fouls,
    field_goals_made,
    field_goals_attempted,
    threes_made,
    threes_attempted,
    free_throws_made,
    free_throws_attempted,
    source_file,
    loaded_at_id
from deduplicated
where row_rank = 1
