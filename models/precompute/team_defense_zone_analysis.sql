{#
  One row per team per scheduled game: what its opponents shot against it by zone, season to date, next to
  the league average over the same games. Point in time: only shots of games strictly before the game date.
  Shots per game come from shot_zone_game_summary (analytics). Empty when there is no play-by-play (then
  the model still builds).
#}
{%- set zones = shot_zones() %}
with

shot_zones as (
    select * from {{ ref('shot_zone_game_summary') }}
),

-- what each team's opponents shot against it, per game
team_game_zones as (
    select
        opponent_abbr as defense_team_abbr,
        nba_game_id,
        game_date,
        season,
        {%- for zone in zones %}
            sum({{ zone }}_attempts) as {{ zone }}_attempts,
            sum({{ zone }}_makes) as {{ zone }}_makes,
        {%- endfor %}
        sum(shot_attempts) as shot_attempts
    from shot_zones
    group by
        opponent_abbr,
        nba_game_id,
        game_date,
        season
),

-- season to date after each game, valid from the day after it up to the team's next game with shots
cumulative as (
    select
        defense_team_abbr,
        season,
        game_date as last_game_date,
        lead(game_date) over (partition by defense_team_abbr order by game_date, nba_game_id) as next_game_date,
        count(*) over season_to_date as games,
        {%- for zone in zones %}
            cast(sum({{ zone }}_attempts) over season_to_date as {{ dbt.type_bigint() }}) as {{ zone }}_attempts,
            cast(sum({{ zone }}_makes) over season_to_date as {{ dbt.type_bigint() }}) as {{ zone }}_makes,
        {%- endfor %}
        cast(sum(shot_attempts) over season_to_date as {{ dbt.type_bigint() }}) as shot_attempts
    from team_game_zones
    window season_to_date as (
        partition by defense_team_abbr, season
        order by game_date, nba_game_id
        rows between unbounded preceding and current row
    )
),

team_slate as (
    select * from {{ ref('int_team_schedule') }}
),

team_rows as (
    select
        team_slate.team_abbr,
        team_slate.game_date,
        team_slate.nba_game_id,
        cumulative.season,
        cumulative.last_game_date,
        cumulative.games,
        {%- for zone in zones %}
            cumulative.{{ zone }}_attempts,
            cumulative.{{ zone }}_makes,
        {%- endfor %}
        cumulative.shot_attempts
    from team_slate
    inner join cumulative
        on
            team_slate.team_abbr = cumulative.defense_team_abbr
            and team_slate.game_date > cumulative.last_game_date
            and (cumulative.next_game_date is null or team_slate.game_date <= cumulative.next_game_date)
),

-- league: every shot of the same season before the date
league as (
    select
        team_rows.team_abbr,
        team_rows.game_date,
        {%- for zone in zones %}
            sum(team_game_zones.{{ zone }}_attempts) as {{ zone }}_attempts,
            sum(team_game_zones.{{ zone }}_makes) as {{ zone }}_makes,
        {%- endfor %}
        sum(team_game_zones.shot_attempts) as shot_attempts
    from team_rows
    inner join team_game_zones
        on
            team_rows.season = team_game_zones.season
            and team_rows.game_date > team_game_zones.game_date
    group by
        team_rows.team_abbr,
        team_rows.game_date
),

rates as (
    select
        team_rows.team_abbr,
        team_rows.game_date,
        team_rows.nba_game_id,
        team_rows.last_game_date,
        team_rows.games,
        {%- for zone in zones %}
            team_rows.{{ zone }}_attempts as {{ zone }}_attempts_allowed,
            1.0 * team_rows.{{ zone }}_attempts / team_rows.shot_attempts as {{ zone }}_share_allowed,
            1.0 * team_rows.{{ zone }}_makes / nullif(team_rows.{{ zone }}_attempts, 0) as {{ zone }}_fg_pct_allowed,
            1.0 * league.{{ zone }}_attempts / league.shot_attempts as league_{{ zone }}_share,
            1.0 * league.{{ zone }}_makes / nullif(league.{{ zone }}_attempts, 0) as league_{{ zone }}_fg_pct,
        {%- endfor %}
        team_rows.shot_attempts as shot_attempts_allowed
    from team_rows
    inner join league
        on
            team_rows.team_abbr = league.team_abbr
            and team_rows.game_date = league.game_date
)

select
    team_abbr,
    game_date,
    nba_game_id,
    last_game_date,
    games,
    {%- for zone in zones %}
        {{ zone }}_attempts_allowed,
        {{ zone }}_share_allowed,
        {{ zone }}_fg_pct_allowed,
        league_{{ zone }}_share,
        league_{{ zone }}_fg_pct,
        {{ zone }}_share_allowed - league_{{ zone }}_share as {{ zone }}_share_vs_league,
        {{ zone }}_fg_pct_allowed - league_{{ zone }}_fg_pct as {{ zone }}_fg_pct_vs_league,
    {%- endfor %}
    shot_attempts_allowed
from rates
