with

source as (
    select * from {{ source('bref', 'rosters') }}
),

renamed as (
    select
        team_abbr,
        cast(as_of_date as date) as as_of_date,
        player_slug,
        trim(player_name) as player_name,
        {{ name_key('player_name') }} as player_name_key,
        jersey_number,
        position,
        {{ feet_inches_to_inches('height') }} as height_inches,
        cast(weight as integer) as weight_lbs,
        cast(birth_date as date) as birth_date,
        case when experience = 'R' then 0 else {{ safe_integer('experience') }} end as years_experience,
        nullif(trim(college), '') as college,
        _source_file as source_file,
        _dlt_load_id as loaded_at_id
    from source
),

deduplicated as (
    select
        *,
        row_number() over (
            partition by team_abbr, player_slug, as_of_date
            order by loaded_at_id desc
        ) as row_rank
    from renamed
)

select
    team_abbr,
    as_of_date,
    player_slug,
    player_name,
    player_name_key,
    jersey_number,
    position,
    height_inches,
    weight_lbs,
    birth_date,
    years_experience,
    college,
    source_file,
    loaded_at_id
from deduplicated
where row_rank = 1
