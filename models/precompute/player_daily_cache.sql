{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy(),
        unique_key=['player_id', 'cache_date'],
        on_schema_change='append_new_columns'
    )
}}
{#
  As of each date a player's team is scheduled to play: his season, last-5 and last-10 form.
  Point in time: a row for date D only aggregates games played strictly before D. Each played game's
  rolling stats stay valid from the day after that game up to and including the player's next game date,
  and are attached to the scheduled games of his team in that interval.
  Incremental: the windows below read the whole history; only the final select is limited to recent dates.
#}
with

played_games as (
    select * from {{ ref('player_game_summary') }}
    where played
),

numbered_games as (
    select
        player_id,
        player_name,
        player_name_key,
        team_abbr,
        season,
        game_date,
        cast(points as {{ type_double() }}) as points,
        cast(rebounds as {{ type_double() }}) as rebounds,
        cast(assists as {{ type_double() }}) as assists,
        cast(threes as {{ type_double() }}) as threes,
        cast(points_rebounds_assists as {{ type_double() }}) as pra,
        cast(minutes as {{ type_double() }}) as minutes,
        -- x of the minutes regression: the player's career game number (only differences matter)
        cast(row_number() over (partition by player_id order by game_date) as {{ type_double() }}) as game_number
    from played_games
),

rolling as (
    select
        player_id,
        player_name,
        player_name_key,
        team_abbr,
        season,
        game_date as last_game_date,
        lead(game_date) over (partition by player_id order by game_date) as next_game_date,
        count(*) over season_to_date as games_played_season,
        count(*) over last_10 as games_played_l10,
        {%- for stat in ['points', 'rebounds', 'assists', 'threes', 'pra', 'minutes'] %}
            avg({{ stat }}) over last_5 as {{ stat }}_avg_l5,
            avg({{ stat }}) over last_10 as {{ stat }}_avg_l10,
            avg({{ stat }}) over season_to_date as {{ stat }}_avg_season,
            stddev_samp({{ stat }}) over last_5 as {{ stat }}_std_l5,
            stddev_samp({{ stat }}) over last_10 as {{ stat }}_std_l10,
            stddev_samp({{ stat }}) over season_to_date as {{ stat }}_std_season,
        {%- endfor %}
        -- least-squares slope of minutes on game number over the last 10 games
        sum(game_number) over last_10 as sum_x_l10,
        sum(minutes) over last_10 as sum_y_l10,
        sum(game_number * minutes) over last_10 as sum_xy_l10,
        sum(game_number * game_number) over last_10 as sum_xx_l10
    from numbered_games
    window
        season_to_date as (
            partition by player_id, season order by game_date rows between unbounded preceding and current row
        ),
        last_5 as (partition by player_id order by game_date rows between 4 preceding and current row),
        last_10 as (partition by player_id order by game_date rows between 9 preceding and current row)
),

team_slate as (
    select * from {{ ref('int_team_schedule') }}
),

cache_rows as (
    select
        rolling.player_id,
        team_slate.game_date as cache_date,
        team_slate.nba_game_id,
        rolling.player_name,
        rolling.player_name_key,
        team_slate.team_abbr,
        team_slate.opponent_abbr,
        team_slate.is_home,
        rolling.last_game_date,
        rolling.games_played_season,
        rolling.games_played_l10,
        {%- for stat in ['points', 'rebounds', 'assists', 'threes', 'pra', 'minutes'] %}
            rolling.{{ stat }}_avg_l5,
            rolling.{{ stat }}_avg_l10,
            rolling.{{ stat }}_avg_season,
            rolling.{{ stat }}_std_l5,
            rolling.{{ stat }}_std_l10,
            rolling.{{ stat }}_std_season,
        {%- endfor %}
        rolling.minutes_avg_l5 - rolling.minutes_avg_season as minutes_trend,
        case
            when rolling.games_played_l10 >= 3
                then
                    (rolling.games_played_l10 * rolling.sum_xy_l10 - rolling.sum_x_l10 * rolling.sum_y_l10)
                    / nullif(
                        rolling.games_played_l10 * rolling.sum_xx_l10 - rolling.sum_x_l10 * rolling.sum_x_l10, 0
                    )
        end as minutes_slope_l10
    from rolling
    inner join team_slate
        on
            rolling.team_abbr = team_slate.team_abbr
            and rolling.last_game_date < team_slate.game_date
            and (rolling.next_game_date is null or rolling.next_game_date >= team_slate.game_date)
)

select * from cache_rows
where {{ incremental_since('cache_date') }}
