with

source as (
    select * from {{ source('nbacom', 'injury_report') }}
),

renamed as (
    select
        cast(game_date as date) as game_date,
        game_id as nba_game_id,
        team_tricode as team_abbr,
        -- "Last, First" -> "First Last"
        case
            when strpos(player_name, ',') > 0
                then
                    trim(substr(player_name, strpos(player_name, ',') + 1))
                    || ' ' || trim(substr(player_name, 1, strpos(player_name, ',') - 1))
            else trim(player_name)
        end as player_name,
        current_status as injury_status,
        reason,
        cast(report_time as timestamp) as reported_at,
        _dlt_load_id
    from source
),

aliases as (
    select * from {{ ref('player_name_aliases') }}
),

keyed as (
    select
        renamed.*,
        coalesce(aliases.canonical_key, {{ name_key('renamed.player_name') }}) as player_name_key
    from renamed
    left join aliases on {{ name_key('renamed.player_name') }} = aliases.alias_key
),

deduplicated as (
    select
        *,
        row_number() over (
            partition by game_date, team_abbr, player_name_key
            order by reported_at desc, _dlt_load_id desc
        ) as row_rank
    from keyed
)

select
    game_date,
    nba_game_id,
    team_abbr,
    player_name,
    player_name_key,
    injury_status,
    reason,
    reported_at
from deduplicated
where row_rank = 1
