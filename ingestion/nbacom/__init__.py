"""NBA.com: the day's scoreboard (schedule) and the official injury report (replay from the landing area).

Rows are validated before loading; failures go to `rejected_rows` (ingestion/quarantine.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import dlt

from ingestion.landing import LandingArea
from ingestion.quarantine import Invalid, Quarantine, require_date, require_str, require_team, require_timestamp

INJURY_STATUSES = frozenset({"Out", "Doubtful", "Questionable", "Probable", "Available"})


def check_scheduled_game(game: Any) -> Any:
    require_str(game, "gameId")
    require_date(game, "game_date")
    require_team(game, "homeTeam.teamTricode")
    require_team(game, "awayTeam.teamTricode")
    require_timestamp(game, "gameTimeUTC")
    return game


def check_injury(entry: Any) -> Any:
    require_date(entry, "game_date")
    require_team(entry, "teamTricode")
    require_str(entry, "playerName")
    status = require_str(entry, "currentStatus")
    if status not in INJURY_STATUSES:
        raise Invalid("currentStatus", f"unknown status {status!r}")
    return entry


@dlt.source(name="nbacom", max_table_nesting=1)
def nbacom_source(landing: LandingArea, dates: Sequence[date], quarantine: Quarantine | None = None) -> Any:
    q = quarantine if quarantine is not None else Quarantine()

    @dlt.resource(name="schedule", primary_key="game_id", write_disposition="merge")
    def schedule() -> Iterator[dict[str, Any]]:
        for day in dates:
            for f in landing.files("nbacom", day, "scoreboard.json", q, "schedule"):
                board = f.payload.get("scoreboard") if isinstance(f.payload, dict) else None
                if not isinstance(board, dict) or not isinstance(board.get("games"), list):
                    q.reject_file("schedule", f.relative, "expected {'scoreboard': {'games': [...]}}", f.path)
                    continue
                for i, game in enumerate(board["games"]):
                    row = {**game, "game_date": board.get("gameDate")} if isinstance(game, dict) else game
                    if q.screen("schedule", f.relative, f"scoreboard.games[{i}]", row, check_scheduled_game):
                        yield {**row, "_source_file": f.relative}

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
            for f in landing.files("nbacom", day, "injury_report.json", q, "injury_report"):
                if not isinstance(f.payload, dict) or not isinstance(f.payload.get("injuries"), list):
                    q.reject_file("injury_report", f.relative, "expected an object with an 'injuries' list", f.path)
                    continue
                for i, entry in enumerate(f.payload["injuries"]):
                    row = (
                        {**entry, "game_date": f.payload.get("gameDate"), "report_time": f.payload.get("reportTime")}
                        if isinstance(entry, dict)
                        else entry
                    )
                    if q.screen("injury_report", f.relative, f"injuries[{i}]", row, check_injury):
                        yield {**row, "_source_file": f.relative}

    return schedule, injury_report
