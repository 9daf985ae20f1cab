"""BallDontLie: games and per-player box scores (replay from the landing area).

Rows are validated before loading; failures go to `rejected_rows` (ingestion/quarantine.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import dlt

from ingestion.landing import LandingArea
from ingestion.quarantine import (
    FILE_LOCATOR,
    Invalid,
    Quarantine,
    optional_count,
    require_date,
    require_int,
    require_minutes,
    require_team,
    require_timestamp,
)

COUNTING_STATS = (
    "pts",
    "reb",
    "ast",
    "stl",
    "blk",
    "turnover",
    "pf",
    "fgm",
    "fga",
    "fg3m",
    "fg3a",
    "ftm",
    "fta",
    "oreb",
    "dreb",
)
MADE_ATTEMPTED = (("fgm", "fga"), ("fg3m", "fg3a"), ("ftm", "fta"), ("fg3a", "fga"))


def check_game(game: Any) -> Any:
    require_int(game, "id", minimum=1)
    require_date(game, "date")
    require_team(game, "home_team.abbreviation")
    require_team(game, "visitor_team.abbreviation")
    if game.get("datetime") is not None:
        require_timestamp(game, "datetime")
    optional_count(game, "home_team_score")
    optional_count(game, "visitor_team_score")
    return game


def check_stat(stat: Any) -> Any:
    require_int(stat, "id", minimum=1)
    require_int(stat, "game.id", minimum=1)
    require_int(stat, "player.id", minimum=1)
    require_date(stat, "game.date")
    require_team(stat, "team.abbreviation")
    require_minutes(stat, "min")
    for name in COUNTING_STATS:
        optional_count(stat, name)
    for made, attempted in MADE_ATTEMPTED:
        if (stat.get(made) or 0) > (stat.get(attempted) or 0):
            raise Invalid(made, f"impossible value: {made}={stat.get(made)} > {attempted}={stat.get(attempted)}")
    return stat


def _rows(
    landing: LandingArea, day: date, pattern: str, resource: str, quarantine: Quarantine
) -> Iterator[tuple[str, str, Any]]:
    for f in landing.files("balldontlie", day, pattern, quarantine, resource):
        data = f.payload.get("data") if isinstance(f.payload, dict) else None
        if not isinstance(data, list):
            quarantine.reject_file(resource, f.relative, "expected an object with a 'data' list", f.path)
            continue
        for i, row in enumerate(data):
            yield f.relative, f"data[{i}]", row


def _game_id(stat: Any) -> int | None:
    """The game id of a box-score row, None when it cannot be read."""
    game = stat.get("game") if isinstance(stat, dict) else None
    game_id = game.get("id") if isinstance(game, dict) else None
    return game_id if isinstance(game_id, int) and not isinstance(game_id, bool) else None


@dlt.source(name="balldontlie", max_table_nesting=1)
def balldontlie_source(landing: LandingArea, dates: Sequence[date], quarantine: Quarantine | None = None) -> Any:
    q = quarantine if quarantine is not None else Quarantine()

    @dlt.resource(name="games", primary_key="id", write_disposition="merge")
    def games() -> Iterator[dict[str, Any]]:
        for day in dates:
            for source_file, locator, game in _rows(landing, day, "games.json", "games", q):
                if q.screen("games", source_file, locator, game, check_game) is not None:
                    yield {**game, "_source_file": source_file}

    # merge_key game_id: reloading a game's box score replaces all of that game's rows, so a corrected
    # or withdrawn stat line upstream never lingers in nba_raw. For the same reason an incomplete delivery
    # never reloads a game already loaded (Quarantine.hold_back): a page held back whole withholds every game
    # of the date (any of them may have rows in it), a rejected row the game it names (every game of the date
    # when its game id is unreadable). player.position is declared: a load in which no row has one (e.g. the
    # 2024-25 season of ../shared/data) would otherwise leave the column out of nba_raw and staging, which
    # reads it, would fail.
    @dlt.resource(
        name="box_scores",
        primary_key="id",
        merge_key="game_id",
        write_disposition="merge",
        columns={"player__position": {"data_type": "text"}},
    )
    def box_scores() -> Iterator[dict[str, Any]]:
        for day in dates:
            mark = len(q.rows)
            rows: list[dict[str, Any]] = []
            concerned: set[int | None] = set()  # game ids of the rejected rows
            for source_file, locator, stat in _rows(landing, day, "stats_page_*.json", "box_scores", q):
                if q.screen("box_scores", source_file, locator, stat, check_stat) is None:
                    concerned.add(_game_id(stat))
                else:
                    rows.append({**stat, "game_id": stat["game"]["id"], "_source_file": source_file})
            rejected = q.since(mark, "box_scores")
            whole_page = any(r["locator"] == FILE_LOCATOR for r in rejected)
            affected = None if whole_page or None in concerned else concerned
            yield from q.hold_back("balldontlie", "box_scores", day, rows, "game_id", rejected, affected, "game")

    return games, box_scores
