{#
  One row per rostered player per scheduled game: the team context (upcoming_team_game_context) plus what is
  known about the player before tip-off.

  Who is rostered for team T on date D (evidence strictly before D, or a roster page on or before D):
  - box_score: players whose latest box-score line before D (this season or the one before: on opening
    night, and until a player's first game of the season, last season's team is the evidence) was for T;
  - bref: players on T's latest Basketball-Reference roster scrape on or before D.
  A player listed by both sources for T is one row (the box-score one, with its player id). When the sources
  disagree about the team (a trade), the more recent evidence wins: the scrape date against the date of the
  last box-score line, the box score on a tie; a player moved by a newer scrape keeps his box-score identity
  (player id, last games) when his name points to one player. Players known only from a roster page (no game
  this season yet) have no player id.

  Point in time: apart from the schedule, the injury report of game_date and the pre-game lines (the last
  snapshot before tip-off, see player_prop_lines), everything comes from games strictly before game_date.
  - teammates_out: other players of the team listed Out on the report of game_date (null when no report was
    loaded for that date); teammates_out_minutes_share: the share of the team's minutes this season that they
    played (0 for players without minutes for the team), a measure of the minutes and shots to redistribute.
  - points_line / points_line_books / points_line_spread: the consensus pre-game points line
    (player_prop_consensus), null without lines. The other markets' lines are read from player_prop_consensus
    by their consumers (the prediction slate, the ML step), not pivoted here.
#}

with

team_context as (
    select * from {{ ref('upcoming_team_game_context') }}
),

player_games as (
    select * from {{ ref('player_game_summary') }}
),

rosters as (
    select * from {{ ref('stg_bref__rosters') }}
),

injuries as (
    select * from {{ ref('stg_nbacom__injury_report') }}
),

consensus_lines as (
    select * from {{ ref('player_prop_consensus') }}
    where market = 'player_points'
),

appearances as (
    select
        player_id,
        player_name,
        player_name_key,
        position_group,
        team_abbr,
        season,
        game_date,
        max(case when played then game_date end) over (
            partition by player_id order by game_date rows between unbounded preceding and current row
        ) as last_played_date,
        lead(game_date) over (partition by player_id order by game_date) as next_appearance_date
    from player_games
),

box_score_roster as (
    select
        team_context.nba_game_id,
        team_context.game_date,
        team_context.team_abbr,
        appearances.player_id,
        appearances.player_name,
        appearances.player_name_key,
        appearances.position_group,
        appearances.game_date as last_appearance_date,
        appearances.last_played_date,
        appearances.game_date as evidence_date,
        'box_score' as roster_source
    from team_context
    inner join appearances
        on
            team_context.team_abbr = appearances.team_abbr
            and appearances.season between team_context.season - 1 and team_context.season
            and team_context.game_date > appearances.game_date
            and (appearances.next_appearance_date is null or team_context.game_date <= appearances.next_appearance_date)
),

scrapes as (
    select distinct
        team_abbr,
        as_of_date
    from rosters
),

latest_scrape as (
    select
        team_context.nba_game_id,
        team_context.game_date,
        team_context.team_abbr,
        max(scrapes.as_of_date) as as_of_date
    from team_context
    inner join scrapes
        on
            team_context.team_abbr = scrapes.team_abbr
            and team_context.game_date >= scrapes.as_of_date
            and team_context.season = {{ season_of('scrapes.as_of_date') }}
    group by team_context.nba_game_id, team_context.game_date, team_context.team_abbr
),

bref_roster as (
    select
        latest_scrape.nba_game_id,
        latest_scrape.game_date,
        latest_scrape.team_abbr,
        cast(null as {{ dbt.type_int() }}) as player_id,
        rosters.player_name,
        rosters.player_name_key,
        case
            when rosters.position in ('PG', 'SG') then 'G'
            when rosters.position in ('SF', 'PF') then 'F'
            when rosters.position = 'C' then 'C'
        end as position_group,
        cast(null as date) as last_appearance_date,
        cast(null as date) as last_played_date,
        rosters.as_of_date as evidence_date,
        'bref' as roster_source
    from latest_scrape
    inner join rosters
        on
            latest_scrape.team_abbr = rosters.team_abbr
            and latest_scrape.as_of_date = rosters.as_of_date
),

candidates as (
    select * from box_score_roster
    union all
    select * from bref_roster
),

with_evidence as (
    select
        *,
        -- both sources for the same team and name: one player
        max(case when roster_source = 'box_score' then 1 else 0 end)
            over (partition by nba_game_id, team_abbr, player_name_key)
            as on_box_score_roster,
        max(case when roster_source = 'bref' then 1 else 0 end)
            over (partition by nba_game_id, team_abbr, player_name_key)
            as on_bref_roster
    from candidates
),

-- a roster page entry that names the same player as a box-score row of another team on the same date
disputed as (
    select
        *,
        max(case when roster_source = 'box_score' then evidence_date end)
            over (partition by game_date, player_name_key) as latest_box_score_evidence,
        max(case when roster_source = 'bref' and on_box_score_roster = 0 then evidence_date end)
            over (partition by game_date, player_name_key) as latest_other_bref_evidence,
        -- the box-score identity of a traded player (when the name points to exactly one player)
        min(case when roster_source = 'box_score' then player_id end)
            over (partition by game_date, player_name_key) as box_score_player_id_min,
        max(case when roster_source = 'box_score' then player_id end)
            over (partition by game_date, player_name_key) as box_score_player_id_max,
        max(case when roster_source = 'box_score' then last_appearance_date end)
            over (partition by game_date, player_name_key) as box_score_last_appearance_date,
        max(case when roster_source = 'box_score' then last_played_date end)
            over (partition by game_date, player_name_key) as box_score_last_played_date
    from with_evidence
    where roster_source = 'box_score' or on_box_score_roster = 0
),

roster as (
    select
        nba_game_id,
        game_date,
        team_abbr,
        case
            when roster_source = 'box_score' then player_id
            when box_score_player_id_min = box_score_player_id_max then box_score_player_id_min
        end as player_id,
        player_name,
        player_name_key,
        position_group,
        case
            when roster_source = 'box_score' then last_appearance_date
            when box_score_player_id_min = box_score_player_id_max then box_score_last_appearance_date
        end as last_appearance_date,
        case
            when roster_source = 'box_score' then last_played_date
            when box_score_player_id_min = box_score_player_id_max then box_score_last_played_date
        end as last_played_date,
        roster_source,
        on_bref_roster = 1 as in_bref_roster
    from disputed
    where
        (
            roster_source = 'box_score'
            and (latest_other_bref_evidence is null or evidence_date >= latest_other_bref_evidence)
        )
        or (
            roster_source = 'bref'
            and evidence_date >= latest_other_bref_evidence
            and (latest_box_score_evidence is null or evidence_date > latest_box_score_evidence)
        )
),

player_minutes_share as (
    select * from {{ ref('int_player_minutes_share') }}
),

report_dates as (
    select distinct game_date from injuries
),

teammates_out as (
    select
        roster.nba_game_id,
        roster.team_abbr,
        roster.player_name_key,
        count(*) as teammates_out,
        coalesce(sum(player_minutes_share.minutes_share), 0) as teammates_out_minutes_share
    from roster
    inner join injuries
        on
            roster.game_date = injuries.game_date
            and roster.team_abbr = injuries.team_abbr
            and roster.player_name_key != injuries.player_name_key
            and injuries.injury_status = 'Out'
    left join player_minutes_share
        on
            roster.nba_game_id = player_minutes_share.nba_game_id
            and roster.team_abbr = player_minutes_share.team_abbr
            and injuries.player_name_key = player_minutes_share.player_name_key
    group by roster.nba_game_id, roster.team_abbr, roster.player_name_key
),

final as (
    select
        team_context.game_date,
        team_context.nba_game_id,
        team_context.tipoff_at,
        team_context.season,
        team_context.team_abbr,
        team_context.opponent_abbr,
        team_context.is_home,
        roster.player_id,
        roster.player_name,
        roster.player_name_key,
        roster.position_group,
        roster.roster_source,
        roster.in_bref_roster,
        roster.last_appearance_date,
        roster.last_played_date,
        {{ dbt.datediff('roster.last_played_date', 'team_context.game_date', 'day') }} - 1 as player_rest_days,
        coalesce(player_minutes_share.games_played, 0) as games_played_for_team,
        coalesce(player_minutes_share.minutes_share, 0) as minutes_share_for_team,
        team_context.rest_days,
        team_context.is_back_to_back,
        team_context.opponent_rest_days,
        team_context.games_played as team_games_played,
        team_context.offensive_rating as team_offensive_rating,
        team_context.defensive_rating as team_defensive_rating,
        team_context.pace as team_pace,
        team_context.opponent_games_played,
        team_context.opponent_offensive_rating,
        team_context.opponent_defensive_rating,
        team_context.opponent_net_rating,
        team_context.opponent_pace,
        case roster.position_group
            when 'G' then team_context.opponent_points_allowed_to_guards_avg
            when 'F' then team_context.opponent_points_allowed_to_forwards_avg
            when 'C' then team_context.opponent_points_allowed_to_centers_avg
        end as opponent_points_allowed_to_position_avg,
        injuries.injury_status,
        injuries.reason as injury_reason,
        case when report_dates.game_date is not null then coalesce(teammates_out.teammates_out, 0) end
            as teammates_out,
        case
            when report_dates.game_date is not null then coalesce(teammates_out.teammates_out_minutes_share, 0)
        end as teammates_out_minutes_share,
        consensus_lines.line_consensus as points_line,
        coalesce(consensus_lines.books, 0) as points_line_books,
        consensus_lines.line_spread as points_line_spread
    from roster
    inner join team_context
        on
            roster.nba_game_id = team_context.nba_game_id
            and roster.team_abbr = team_context.team_abbr
    left join player_minutes_share
        on
            roster.nba_game_id = player_minutes_share.nba_game_id
            and roster.team_abbr = player_minutes_share.team_abbr
            and roster.player_name_key = player_minutes_share.player_name_key
    left join injuries
        on
            roster.game_date = injuries.game_date
            and roster.team_abbr = injuries.team_abbr
            and roster.player_name_key = injuries.player_name_key
    left join report_dates on roster.game_date = report_dates.game_date
    left join teammates_out
        on
            roster.nba_game_id = teammates_out.nba_game_id
            and roster.team_abbr = teammates_out.team_abbr
            and roster.player_name_key = teammates_out.player_name_key
    left join consensus_lines
        on
            roster.game_date = consensus_lines.game_date
            and roster.player_name_key = consensus_lines.player_name_key
            and roster.team_abbr in (consensus_lines.home_team_abbr, consensus_lines.away_team_abbr)
)

select
    game_date,
    nba_game_id,
    tipoff_at,
    season,
    team_abbr,
    opponent_abbr,
    is_home,
    player_id,
    player_name,
    player_name_key,
    position_group,
    roster_source,
    in_bref_roster,
    last_appearance_date,
    last_played_date,
    player_rest_days,
    games_played_for_team,
    minutes_share_for_team,
    rest_days,
    is_back_to_back,
    opponent_rest_days,
    team_games_played,
    team_offensive_rating,
    team_defensive_rating,
    team_pace,
    opponent_games_played,
    opponent_offensive_rating,
    opponent_defensive_rating,
    opponent_net_rating,
    opponent_pace,
    opponent_points_allowed_to_position_avg,
    injury_status,
    injury_reason,
    teammates_out,
    teammates_out_minutes_share,
    points_line,
    points_line_books,
    points_line_spread
from final
