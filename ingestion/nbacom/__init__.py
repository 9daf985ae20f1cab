"""NBA.com: the day's scoreboard (schedule) and the official injury report (replay from the landing area)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import dlt

from ingestion.landing import LandingArea, LandingError


@dlt.source(name="nbacom", max_table_nesting=1)
def nbacom_source(landing: LandingArea, dates: Sequence[date]) -> Any:
    @dlt.resource(name="schedule", primary_key="game_id", write_disposition="merge")
    def schedule() -> Iterator[dict[str, Any]]:
        for day in dates:
            for f in landing.files("nbacom", day, "scoreboard.json"):
                board = f.payload.get("scoreboard") if isinstance(f.payload, dict) else None
                if not isinstance(board, dict) or not isinstance(board.get("games"), list):
                    raise LandingError(f"{f.path}: expected {{'scoreboard': {{'games': [...]}}}}")
                for game in board["games"]:
                    yield {**game, "game_date": board.get("gameDate"), "_source_file": f.relative}

    # merge_key game_date: the latest report of a day replaces the whole earlier one (a player taken off
    # the report is gone, not left behind as "Out").
    @dlt.resource(
        name="injury_report",
        primary_key=("game_date", "team_tricode", "player_name"),
        merge_key="game_date",
        write_disposition="merge",
    )
    def injury_report() -> Iterator[dict[str, Any]]:
        for day in dates:
            for f in landing.files("nbacom", day, "injury_report.json"):
                if not isinstance(f.payload, dict) or not isinstance(f.payload.get("injuries"), list):
                    raise LandingError(f"{f.path}: expected an object with an 'injuries' list")
                for entry in f.payload["injuries"]:
                    yield {
                        **entry,
                        "game_date": f.payload.get("gameDate"),
                        "report_time": f.payload.get("reportTime"),
                        "_source_file": f.relative,
                    }

    return schedule, injury_report
