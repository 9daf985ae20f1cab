{#
  The consensus pre-game line: one row per game date, player and market over the main line of every book
  (player_prop_lines: the last snapshot before tip-off, the line priced closest to even). Every consumer of a
  "consensus line" reads this model: the upcoming player context and through it the feature store, the
  prediction slate, the publish models and the ML step.

  - line_consensus: the median line across books; books: how many books quote the player.
  - line_min / line_max / line_spread: the lowest and highest main line and their difference (books that
    disagree: a stale line or news one book has priced in).
  - over_probability_no_vig: the median across books of the de-vigged price-implied P(over) at each book's line.
#}
with

prop_lines as (
    select * from {{ ref('player_prop_lines') }}
),

consensus as (
    select
        game_date,
        player_name_key,
        market,
        min(event_id) as event_id,
        min(home_team_abbr) as home_team_abbr,
        min(away_team_abbr) as away_team_abbr,
        min(player_name) as player_name,
        count(distinct bookmaker) as books,
        {{ median('line') }} as line_consensus,
        min(line) as line_min,
        max(line) as line_max,
        {{ median('no_vig_over_probability') }} as over_probability_no_vig
    from prop_lines
    group by game_date, player_name_key, market
),

final as (
    select
        game_date,
        event_id,
        home_team_abbr,
        away_team_abbr,
        player_name,
        player_name_key,
        market,
        cast(books as {{ dbt.type_int() }}) as books,
        cast(line_consensus as {{ type_double() }}) as line_consensus,
        cast(line_min as {{ type_double() }}) as line_min,
        cast(line_max as {{ type_double() }}) as line_max,
        cast(line_max - line_min as {{ type_double() }}) as line_spread,
        cast(over_probability_no_vig as {{ type_double() }}) as over_probability_no_vig
    from consensus
)

select * from final
