{#
  The pre-game line per game, player, market and book: the last snapshot taken before tip-off, and in it
  the main line (prices closest to even) when a book also offers alternates.
#}
with

props as (
    select * from {{ ref('stg_odds_api__player_props') }}
    where is_pregame and line is not null and over_price is not null and under_price is not null
),

events as (
    select * from {{ ref('stg_odds_api__events') }}
),

last_snapshot as (
    select
        *,
        max(snapshot_at) over (partition by event_id, bookmaker, market, player_name_key) as last_snapshot_at
    from props
),

main_line as (
    select
        *,
        row_number() over (
            partition by event_id, bookmaker, market, player_name_key
            order by abs(({{ implied_probability('over_price') }}) - ({{ implied_probability('under_price') }})), line
        ) as line_rank
    from last_snapshot
    where snapshot_at = last_snapshot_at
)

select
    main_line.game_date,
    main_line.event_id,
    events.home_team_abbr,
    events.away_team_abbr,
    main_line.commence_at,
    main_line.snapshot_at,
    main_line.bookmaker,
    main_line.market,
    main_line.player_name,
    main_line.player_name_key,
    main_line.line,
    main_line.over_price,
    main_line.under_price,
    {{ implied_probability('main_line.over_price') }}
    / (({{ implied_probability('main_line.over_price') }}) + ({{ implied_probability('main_line.under_price') }}))
        as no_vig_over_probability
from main_line
inner join events on main_line.event_id = events.event_id
where main_line.line_rank = 1
