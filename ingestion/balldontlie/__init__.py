"""BallDontLie: games and per-player box scores (replay from the landing area)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import dlt

from ingestion.landing import LandingArea, LandingError


def _rows(landing: LandingArea, day: date, pattern: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for f in landing.files("balldontlie", day, pattern):
        data = f.payload.get("data") if isinstance(f.payload, dict) else None
        if not isinstance(data, list):
            raise LandingError(f"{f.path}: expected an object with a 'data' list (BallDontLie page)")
        for row in data:
            yield f.relative, row


@dlt.source(name="balldontlie", max_table_nesting=1)
def balldontlie_source(landing: LandingArea, dates: Sequence[date]) -> Any:
    @dlt.resource(name="games", primary_key="id", write_disposition="merge")
    def games() -> Iterator[dict[str, Any]]:
        for day in dates:
            for source_file, game in _rows(landing, day, "games.json"):
                yield {**game, "_source_file": source_file}

    # merge_key game_id: reloading a game's box score replaces all of that game's rows, so a corrected
    # or withdrawn stat line upstream never lingers in nba_raw.
    @dlt.resource(name="box_scores", primary_key="id", merge_key="game_id", write_disposition="merge")
    def box_scores() -> Iterator[dict[str, Any]]:
        for day in dates:
            for source_file, stat in _rows(landing, day, "stats_page_*.json"):
                game = stat.get("game") or {}
                yield {**stat, "game_id": game.get("id"), "_source_file": source_file}

    return games, box_scores
