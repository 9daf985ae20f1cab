"""`nba-props picks`: a date's best bets in the terminal, read from the publish model behind best_bets.json.

The bets, their ranks, edges and the best book are dbt's (``publish_best_bets``): nothing here recomputes
them. This module only shapes the rows for a reader (the game as "AWAY @ HOME", tip-off in US/Eastern,
the side, P(side)) and, when a date has no best bets, says why and what to run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from core.contracts import GOOD
from core.errors import NoDataError
from core.markets import market_labels
from core.settings import Settings, project_vars
from core.warehouse import connect, table_exists
from dbt_project.monitoring.history import latest_phase_outcomes
from dbt_project.publish.export import publish_rows
from ingestion.landing import EASTERN

MODEL = "publish_best_bets"


def game_label(team: str | None, opponent: str | None, is_home: bool | None) -> str:
    """The game as a reader writes it: "AWAY @ HOME" (the player's team first when the side is unknown)."""
    if opponent is None:
        return team or "-"
    if is_home is None:
        return f"{team} vs {opponent}"
    return f"{opponent} @ {team}" if is_home else f"{team} @ {opponent}"


def tipoff_eastern(tipoff_at: str | None) -> str | None:
    """An ISO UTC tip-off as the US/Eastern clock time a reader expects, e.g. "7:30 PM ET"."""
    if tipoff_at is None:
        return None
    moment = datetime.fromisoformat(tipoff_at.replace("Z", "+00:00"))
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(EASTERN)
    return f"{local:%I:%M %p}".lstrip("0") + " ET"


def market_label(market: str) -> str:
    """The seed's label of a market (seeds/prop_markets.csv): player_points_rebounds_assists -> points rebounds
    assists; a market the seed does not list is shown as its key."""
    return market_labels().get(market, market)


def _bet(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "rank": r["bet_rank"],
        "player_id": r["player_id"],
        "player": r["player_name"],
        "team": r["team_abbr"],
        "opponent": r["opponent_abbr"],
        "game": game_label(r["team_abbr"], r["opponent_abbr"], r["is_home"]),
        "nba_game_id": r["nba_game_id"],
        "tipoff_at": r["tipoff_at"],
        "tipoff": tipoff_eastern(r["tipoff_at"]),
        "market": r["market"],
        "side": r["recommendation"].lower(),
        "line": r["line"],
        "book": r["bookmaker"],
        "price": r["price"],
        "p_side": r["confidence"],
        "edge": r["edge"],
        "predicted": r["predicted_value"],
        "system": r["system"],
    }


def _run_hint(day: date) -> str:
    return f"run `nba-props run --date {day.isoformat()}`"


def _why_none(settings: Settings, day: date) -> str:
    """Why ``day`` has no rows in publish_best_bets, and what to run: the first missing link of the chain
    run history -> slate -> lines -> predictions -> picks."""
    outcome = latest_phase_outcomes(settings, 6, [day]).get(day)
    if outcome is None:
        return f"phase 6 has not run for it; {_run_hint(day)}"
    status, message = outcome
    if status not in GOOD:
        detail = " ".join((message or "").split()).removeprefix(f"phase 6 {status}: ")
        detail = detail if len(detail) <= 120 else detail[:119] + "…"
        return f"phase 6 {status} for it ({detail}); {_run_hint(day)}"
    system = project_vars(settings.project_dir).get("publish_system", "ensemble")
    with connect(settings, read_only=True) as con:

        def count(schema: str, table: str, where: str = "", params: tuple = ()) -> int:
            if not table_exists(con, settings.schema(schema), table):
                return 0
            # schema and table are this module's constants; the date and the system are bound parameters
            sql = f"select count(*) from {settings.schema(schema)}.{table} where game_date = ? {where}"  # noqa: S608
            row = con.execute(sql, [day, *params]).fetchone()
            return int(row[0]) if row else 0

        players = count("nba_precompute", "ml_feature_store")
        lines = count("nba_analytics", "player_prop_lines")
        predictions = count("nba_predictions", "player_prop_predictions", "and system = ?", (system,))
        picks = count(
            "nba_predictions",
            "player_prop_predictions",
            "and system = ? and recommendation in ('OVER', 'UNDER')",
            (system,),
        )
    if not players:
        return "no players on its slate (no games scheduled or landed for it); check the landing area and " + _run_hint(
            day
        )
    if not lines:
        return f"no pre-game lines for it (the odds feed had none); land the odds and {_run_hint(day)}"
    if not predictions:
        return f"no {system} predictions for it (phase 5); {_run_hint(day)}"
    if picks:
        return f"its {picks} {system} picks are not published (phase 6 ran before phase 5 last did); " + _run_hint(day)
    return f"none of its {predictions} {system} predictions is a pick (every one is PASS)"


def best_bets(settings: Settings, day: date) -> list[dict[str, Any]]:
    """The best bets of ``day`` as publish_best_bets holds them, in rank order, shaped for a reader.

    Raises NoDataError (one line: which link is missing and what to run) when the date has none.
    """
    where = f"no best bets for {day.isoformat()} on target {settings.target}"
    if settings.is_duckdb and not settings.duckdb_path.exists():
        raise NoDataError(f"{where}: no warehouse at {settings.duckdb_path}; {_run_hint(day)}")
    with connect(settings, read_only=True) as con:
        published = table_exists(con, settings.schema("nba_publish"), MODEL)
    if not published:
        raise NoDataError(f"{where}: phase 6 has never run on this warehouse; {_run_hint(day)}")
    rows = publish_rows(settings, MODEL, day, "bet_rank")
    if not rows:
        raise NoDataError(f"{where}: {_why_none(settings, day)}")
    return [_bet(r) for r in rows]


def _odds(price: int | None) -> str:
    return "-" if price is None else f"{price:+d}"


def picks_table(rows: list[dict[str, Any]], day: date) -> Table:
    """The bets as a terminal table; every text that comes from data is escaped (names may hold brackets)."""
    system = rows[0]["system"] if rows else ""
    table = Table(
        title=f"Best bets {day.isoformat()} ({escape(system)}, {len(rows)} bets)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        pad_edge=False,
    )
    # numbers, games and times never wrap; on a narrow terminal the other text columns fold (nothing is cut off)
    for name, justify, no_wrap in (
        ("#", "right", True),
        ("player", "left", False),
        ("game", "left", True),
        ("tip-off", "right", True),
        ("market", "left", False),
        ("side", "left", True),
        ("line", "right", True),
        ("book", "left", False),
        ("price", "right", True),
        ("P(side)", "right", True),
        ("edge", "right", True),
    ):
        table.add_column(name, justify=justify, no_wrap=no_wrap, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        side = r["side"].upper()
        table.add_row(
            str(r["rank"]),
            escape(r["player"] or "-"),
            escape(r["game"]),
            escape(r["tipoff"] or "-"),
            escape(market_label(r["market"])),
            f"[green]{side}[/]" if side == "OVER" else f"[magenta]{side}[/]",
            f"{r['line']:g}",
            escape(r["book"] or "-"),
            _odds(r["price"]),
            f"{100 * r['p_side']:.1f}%",
            f"{100 * r['edge']:+.1f}%",
        )
    return table
