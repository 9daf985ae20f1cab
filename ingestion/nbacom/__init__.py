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

# The columns staging reads, declared so that a feed that has never delivered (the injury report is often
# absent; live NBA.com serves only today's scoreboard) still gets its table, empty, from the first load on.
SCHEDULE_COLUMNS: dict[str, dict[str, Any]] = {
    "game_id": {"data_type": "text", "nullable": False},
    "game_date": {"data_type": "text"},
    "game_time_utc": {"data_type": "timestamp"},
    "home_team__team_tricode": {"data_type": "text"},
    "away_team__team_tricode": {"data_type": "text"},
    "_source_file": {"data_type": "text"},
}
INJURY_COLUMNS: dict[str, dict[str, Any]] = {
    "game_date": {"data_type": "text", "nullable": False},
    "team_tricode": {"data_type": "text", "nullable": False},
    "player_name": {"data_type": "text", "nullable": False},
    "game_id": {"data_type": "text"},
    "current_status": {"data_type": "text"},
    "reason": {"data_type": "text"},
    "report_time": {"data_type": "timestamp"},
    "_source_file": {"data_type": "text"},
}


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

    @dlt.resource(name="schedule", primary_key="game_id", write_disposition="merge", columns=SCHEDULE_COLUMNS)
    def schedule() -> Iterator[Any]:
        loaded = 0
        for day in dates:
            for f in landing.files("nbacom", day, "scoreboard.json", q, "schedule"):
                board = f.payload.get("scoreboard") if isinstance(f.payload, dict) else None
                if not isinstance(board, dict) or not isinstance(board.get("games"), list):
                    q.reject_file("schedule", f.relative, "expected {'scoreboard': {'games': [...]}}", f.path)
                    continue
                for i, game in enumerate(board["games"]):
                    row = {**game, "game_date": board.get("gameDate")} if isinstance(game, dict) else game
                    if q.screen("schedule", f.relative, f"scoreboard.games[{i}]", row, check_scheduled_game):
                        loaded += 1
                        yield {**row, "_source_file": f.relative}
        if not loaded:
            yield dlt.mark.materialize_table_schema()

    # merge_key game_date: the latest report of a day replaces the whole earlier one (a player taken off
    # the report is gone, not left behind as "Out"). For the same reason a report with a rejected entry never
    # replaces a date already loaded (Quarantine.hold_back): the rejected player would look taken off.
    @dlt.resource(
        name="injury_report",
        primary_key=("game_date", "team_tricode", "player_name"),
        merge_key="game_date",
        write_disposition="merge",
        columns=INJURY_COLUMNS,
    )
    def injury_report() -> Iterator[Any]:
        loaded = 0
        for day in dates:
            mark = len(q.rows)
            rows = []
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
                        rows.append({**row, "_source_file": f.relative})
            rejected = q.since(mark, "injury_report")
            rows = q.hold_back("nbacom", "injury_report", day, rows, "game_date", rejected, None, "report date")
            loaded += len(rows)
            yield from rows
        if not loaded:
            yield dlt.mark.materialize_table_schema()

    return schedule, injury_report
