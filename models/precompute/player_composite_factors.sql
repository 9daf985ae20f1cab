{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy(),
        unique_key=['player_id', 'game_date'],
        on_schema_change='append_new_columns'
    )
}}
{#
  One row per player per scheduled game (the player_daily_cache spine): multiplicative adjustments around
  1.0 for fatigue, pace, the opponent's defense and the usage freed by teammates ruled out. Point in time:
  box-score inputs are games strictly before the game date; who is ruled out is the injury report of the game
  date as upcoming_player_game_context matches it to the roster (its teammates_out is the one count). Pace and
  possessions are team_offense_game_summary's.
  The formulas are documented in _precompute__models.yml.
#}
with

spine as (
    select * from {{ ref('player_daily_cache') }}
),

player_games as (
    select * from {{ ref('player_game_summary') }}
),

team_offense as (
    select * from {{ ref('team_offense_game_summary') }}
),

team_defense as (
    select * from {{ ref('team_defense_game_summary') }}
),

player_context as (
    select * from {{ ref('upcoming_player_game_context') }}
),

-- one row per team per game with both box scores: the game's possessions and pace as team_offense_game_summary
-- defines them (the one possessions/pace definition), the team's points and points allowed
team_games as (
    select
        team_defense.game_id,
        team_defense.game_date,
        team_defense.team_abbr,
        cast(team_offense.points as {{ type_double() }}) as points,
        cast(team_offense.team_minutes as {{ type_double() }}) as minutes,
        cast(team_defense.points_allowed as {{ type_double() }}) as points_allowed,
        team_defense.possessions as game_possessions,
        team_defense.pace
    from team_defense
    inner join team_offense
        on
            team_defense.game_id = team_offense.game_id
            and team_defense.team_abbr = team_offense.team_abbr
),

-- a team's form over its last 10 games, valid from the day after each game to its next game date
team_rolling as (
    select
        game_id,
        team_abbr,
        game_date as last_team_game_date,
        lead(game_date) over (partition by team_abbr order by game_date, game_id) as next_team_game_date,
        row_number() over (partition by team_abbr order by game_date, game_id) as team_game_number,
        avg(pace) over last_10 as pace_l10,
        100.0 * sum(points_allowed) over last_10 / nullif(sum(game_possessions) over last_10, 0)
            as defensive_rating_l10,
        sum(points) over last_10 as points_l10,
        sum(minutes) over last_10 as minutes_l10
    from team_games
    window last_10 as (
        partition by team_abbr order by game_date, game_id rows between 9 preceding and current row
    )
),

team_game_numbers as (
    select
        game_id,
        team_abbr,
        team_game_number
    from team_rolling
),

slate_dates as (
    select distinct cache_date as game_date from spine
),

-- league over the 30 days before each date: pace per team-game, points per 100 possessions
league as (
    select
        slate_dates.game_date,
        avg(team_games.pace) as league_pace,
        100.0 * sum(team_games.points) / nullif(sum(team_games.game_possessions), 0) as league_offensive_rating
    from slate_dates
    inner join team_games
        on
            slate_dates.game_date > team_games.game_date
            and team_games.game_date >= {{ dbt.dateadd('day', -30, 'slate_dates.game_date') }}
    group by slate_dates.game_date
),

team_slate as (
    select distinct
        game_date,
        team_abbr
    from (
        select
            cache_date as game_date,
            team_abbr
        from spine
        union all
        select
            cache_date as game_date,
            opponent_abbr as team_abbr
        from spine
    ) as both_sides
),

team_form as (
    select
        team_slate.game_date,
        team_slate.team_abbr,
        team_rolling.team_game_number,
        team_rolling.pace_l10,
        team_rolling.defensive_rating_l10,
        team_rolling.points_l10,
        team_rolling.minutes_l10
    from team_slate
    inner join team_rolling
        on
            team_slate.team_abbr = team_rolling.team_abbr
            and team_slate.game_date > team_rolling.last_team_game_date
            and (
                team_rolling.next_team_game_date is null
                or team_slate.game_date <= team_rolling.next_team_game_date
            )
),

-- the players ruled out for each scheduled team game (upcoming_player_game_context: the injury report of the
-- date matched to the team's roster) and what they produced in the team's last 10 games
out_players as (
    select
        player_context.game_date,
        player_context.team_abbr,
        player_context.player_name_key,
        coalesce(sum(player_games.points), 0) as points_l10,
        coalesce(sum(player_games.minutes), 0) as minutes_l10
    from player_context
    inner join team_form
        on
            player_context.game_date = team_form.game_date
            and player_context.team_abbr = team_form.team_abbr
    left join team_game_numbers
        on
            player_context.team_abbr = team_game_numbers.team_abbr
            and team_game_numbers.team_game_number > team_form.team_game_number - 10
            and team_form.team_game_number >= team_game_numbers.team_game_number
    left join player_games
        on
            team_game_numbers.game_id = player_games.game_id
            and team_game_numbers.team_abbr = player_games.team_abbr
            and player_context.player_name_key = player_games.player_name_key
    where player_context.injury_status = 'Out'
    group by
        player_context.game_date,
        player_context.team_abbr,
        player_context.player_name_key
),

absences as (
    select
        spine.player_id,
        spine.cache_date as game_date,
        coalesce(sum(out_players.points_l10), 0) as out_points_l10,
        coalesce(sum(out_players.minutes_l10), 0) as out_minutes_l10
    from spine
    inner join out_players
        on
            spine.cache_date = out_players.game_date
            and spine.team_abbr = out_players.team_abbr
            and spine.player_name_key != out_players.player_name_key
    group by
        spine.player_id,
        spine.cache_date
),

player_load as (
    select
        player_id,
        game_date,
        avg(minutes) over (
            partition by player_id order by game_date rows between 2 preceding and current row
        ) as minutes_avg_l3
    from player_games
    where played
),

recent_games as (
    select
        spine.player_id,
        spine.cache_date as game_date,
        count(*) as games_last_7_days
    from spine
    inner join player_games
        on
            spine.player_id = player_games.player_id
            and player_games.played
            and spine.cache_date > player_games.game_date
            and player_games.game_date >= {{ dbt.dateadd('day', -7, 'spine.cache_date') }}
    group by
        spine.player_id,
        spine.cache_date
),

inputs as (
    select
        spine.player_id,
        spine.cache_date as game_date,
        spine.nba_game_id,
        spine.team_abbr,
        spine.opponent_abbr,
        {{ dbt.datediff('spine.last_game_date', 'spine.cache_date', 'day') }} = 1 as is_back_to_back,
        coalesce(recent_games.games_last_7_days, 0) as games_last_7_days,
        player_load.minutes_avg_l3,
        team_form.pace_l10 as team_pace_l10,
        opponent_form.pace_l10 as opponent_pace_l10,
        league.league_pace,
        opponent_form.defensive_rating_l10 as opponent_defensive_rating_l10,
        league.league_offensive_rating,
        coalesce(player_context.teammates_out, 0) as teammates_out,
        coalesce(absences.out_minutes_l10 / nullif(team_form.minutes_l10, 0), 0) as absent_minutes_share,
        -- capped so the boost stays finite when most of a roster is ruled out
        least(coalesce(absences.out_points_l10 / nullif(team_form.points_l10, 0), 0), 0.6) as absent_points_share
    from spine
    left join recent_games
        on
            spine.player_id = recent_games.player_id
            and spine.cache_date = recent_games.game_date
    left join player_load
        on
            spine.player_id = player_load.player_id
            and spine.last_game_date = player_load.game_date
    left join team_form
        on
            spine.cache_date = team_form.game_date
            and spine.team_abbr = team_form.team_abbr
    left join team_form as opponent_form
        on
            spine.cache_date = opponent_form.game_date
            and spine.opponent_abbr = opponent_form.team_abbr
    left join league
        on spine.cache_date = league.game_date
    left join absences
        on
            spine.player_id = absences.player_id
            and spine.cache_date = absences.game_date
    left join player_context
        on
            spine.nba_game_id = player_context.nba_game_id
            and spine.team_abbr = player_context.team_abbr
            and spine.player_name_key = player_context.player_name_key
),

factors as (
    select
        *,
        greatest(
            0.85,
            1.0
            - case when is_back_to_back then 0.04 else 0.0 end
            - 0.01 * greatest(games_last_7_days - 3, 0)
            - 0.005 * greatest(coalesce(minutes_avg_l3, 0) - 34.0, 0)
        ) as fatigue_factor,
        -- explicit null branches: greatest/least ignore nulls on DuckDB but return null on BigQuery
        case
            when team_pace_l10 is null or opponent_pace_l10 is null or coalesce(league_pace, 0) = 0 then 1.0
            else greatest(0.85, least(1.15, (team_pace_l10 + opponent_pace_l10) / 2.0 / league_pace))
        end as pace_factor,
        case
            when opponent_defensive_rating_l10 is null or coalesce(league_offensive_rating, 0) = 0 then 1.0
            else greatest(0.85, least(1.15, opponent_defensive_rating_l10 / league_offensive_rating))
        end as defense_factor,
        least(1.25, 1.0 + 0.5 * absent_points_share / (1.0 - absent_points_share)) as usage_boost_factor
    from inputs
)

select
    player_id,
    game_date,
    nba_game_id,
    team_abbr,
    opponent_abbr,
    is_back_to_back,
    games_last_7_days,
    minutes_avg_l3,
    fatigue_factor,
    team_pace_l10,
    opponent_pace_l10,
    league_pace,
    pace_factor,
    opponent_defensive_rating_l10,
    league_offensive_rating,
    defense_factor,
    teammates_out,
    absent_minutes_share,
    absent_points_share,
    usage_boost_factor,
    greatest(0.7, least(1.4, fatigue_factor * pace_factor * defense_factor * usage_boost_factor))
        as composite_factor
from factors
where {{ incremental_since('game_date') }}
