with

source as (
    select * from {{ source('bigdataball', 'play_by_play') }}
    where event_type in ('shot', 'miss')
),

renamed as (
    select
        game_id as nba_game_id,
        cast(play_id as integer) as play_id,
        cast({{ adapter.quote('date') }} as date) as game_date,
        cast(period as integer) as period,
        {{ clock_seconds('elapsed') }} as period_seconds_elapsed,
        team as team_abbr,
        trim(player) as player_name,
        {{ name_key('player') }} as player_name_key,
        nullif(trim(assist), '') as assist_player_name,
        lower({{ adapter.quote('type') }}) as shot_type,
        coalesce(lower({{ adapter.quote('type') }}) like '3pt%', false)
        or coalesce(upper(description) like '%3PT%', false) as is_three,
        coalesce(result = 'made', event_type = 'shot') as is_made,
        coalesce(cast(points as integer), 0) as points,
        cast(shot_distance as integer) as shot_distance_ft,
        cast(original_x as integer) as original_x,
        cast(original_y as integer) as original_y,
        _source_file as source_file,
        _dlt_load_id as loaded_at_id
    from source
),

deduplicated as (
    select
        *,
        row_number() over (partition by nba_game_id, play_id order by loaded_at_id desc) as row_rank
    from renamed
)

select
    nba_game_id,
    play_id,
    game_date,
    period,
    period_seconds_elapsed,
    team_abbr,
    player_name,
    player_name_key,
    assist_player_name,
    shot_type,
    case when is_three then 3 else 2 end as shot_value,
    is_three,
    is_made,
    points,
    shot_distance_ft,
    -- zones by distance: restricted area < 4 ft, paint 4-14 ft, mid-range 14 ft to the arc; every 3-point
    -- attempt (22 ft in the corners, 23.75 ft above the break) is a three
    case
        when is_three then 'three'
        when shot_distance_ft < 4 then 'restricted_area'
        when shot_distance_ft < 14 then 'paint'
        when shot_distance_ft is not null then 'mid_range'
    end as shot_zone,
    original_x,
    original_y,
    source_file,
    loaded_at_id
from deduplicated
where row_rank = 1
