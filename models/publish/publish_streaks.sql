-- depends_on: {{ ref('prop_markets') }}
{#
  The streaks feed: for each slate date D and player on it, per market, the run of consecutive games before
  D that went the same way (over or under the consensus pre-game line, player_prop_consensus). A push ends a
  run. Only runs of at least `streak_min_games` are published.
#}
with

consensus as (
    select * from {{ ref('player_prop_consensus') }}
),

lines as (
    select
        game_date,
        player_name_key,
        home_team_abbr,
        away_team_abbr,
        market,
        line_consensus as consensus_line
    from consensus
),

games as (
    select * from {{ ref('player_game_summary') }}
    where played
),

outcomes as (
    select
        games.player_id,
        lines.market,
        games.game_date,
        lines.consensus_line,
        {{ market_stat('lines.market', 'games') }} as actual_value
    from games
    inner join lines
        on
            games.game_date = lines.game_date
            and games.player_name_key = lines.player_name_key
            and games.team_abbr in (lines.home_team_abbr, lines.away_team_abbr)
),

slate as (
    select
        game_date,
        player_id,
        player_name,
        team_abbr,
        opponent_abbr
    from {{ ref('ml_feature_store') }}
),

history as (
    select
        slate.game_date,
        slate.player_id,
        slate.player_name,
        slate.team_abbr,
        slate.opponent_abbr,
        outcomes.market,
        outcomes.game_date as past_game_date,
        outcomes.consensus_line,
        outcomes.actual_value,
        case
            when outcomes.actual_value > outcomes.consensus_line then 'OVER'
            when outcomes.actual_value < outcomes.consensus_line then 'UNDER'
            else 'PUSH'
        end as outcome,
        row_number() over (
            partition by slate.game_date, slate.player_id, outcomes.market order by outcomes.game_date desc
        ) as recency
    from slate
    inner join outcomes
        on
            slate.player_id = outcomes.player_id
            and slate.game_date > outcomes.game_date
),

latest as (
    select
        game_date,
        player_id,
        market,
        outcome as streak_side
    from history
    where recency = 1 and outcome != 'PUSH'
),

first_break as (
    select
        history.game_date,
        history.player_id,
        history.market,
        min(case when history.outcome != latest.streak_side then history.recency end) as break_at,
        count(*) as games_with_lines
    from history
    inner join latest
        on
            history.game_date = latest.game_date
            and history.player_id = latest.player_id
            and history.market = latest.market
    group by history.game_date, history.player_id, history.market
),

streaks as (
    select
        latest.game_date,
        latest.player_id,
        latest.market,
        latest.streak_side,
        coalesce(first_break.break_at - 1, first_break.games_with_lines) as streak_games
    from latest
    inner join first_break
        on
            latest.game_date = first_break.game_date
            and latest.player_id = first_break.player_id
            and latest.market = first_break.market
)

select
    history.game_date,
    history.player_id,
    history.player_name,
    history.team_abbr,
    history.opponent_abbr,
    history.market,
    streaks.streak_side,
    streaks.streak_games,
    max(history.past_game_date) as last_game_date,
    avg(history.actual_value - history.consensus_line) as average_margin
from history
inner join streaks
    on
        history.game_date = streaks.game_date
        and history.player_id = streaks.player_id
        and history.market = streaks.market
        and history.recency <= streaks.streak_games
where streaks.streak_games >= {{ validated_var('streak_min_games', 3, 'int') }}
group by
    history.game_date, history.player_id, history.player_name, history.team_abbr, history.opponent_abbr,
    history.market, streaks.streak_side, streaks.streak_games
