"""BigDataBall: play-by-play, one CSV per game (replay from the landing area).

Every column of the file is loaded; the ones below are typed (integers, the game date) and the rest kept as
text, so extra columns a delivery carries (data_set, a1..a5, h1..h5, ...) land as they are. A season is a few
hundred thousand rows: they go to dlt as Arrow tables (one per day), which skip row-by-row normalisation.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa

from ingestion.landing import LandingArea, LandingError
from ingestion.quarantine import Quarantine

SOURCE = "bigdataball"
FILE_NAME = re.compile(r"^pbp_(\d{10})\.csv$")
REQUIRED = ("game_id", "play_id", "period", "event_type")
INTEGER_COLUMNS = (
    "period",
    "play_id",
    "away_score",
    "home_score",
    "points",
    "shot_distance",
    "original_x",
    "original_y",
)
TEXT_COLUMNS = (
    "remaining_time",
    "elapsed",
    "team",
    "event_type",
    "assist",
    "player",
    "result",
    "type",
    "description",
)
COLUMNS: dict[str, Any] = {
    "game_id": {"data_type": "text", "nullable": False},
    "play_id": {"data_type": "bigint", "nullable": False},
    "date": {"data_type": "date"},
    **{name: {"data_type": "bigint"} for name in INTEGER_COLUMNS if name != "play_id"},
    **{name: {"data_type": "text"} for name in TEXT_COLUMNS},
    "_source_file": {"data_type": "text"},
}
ARROW_TYPES = {"text": pa.string(), "bigint": pa.int64(), "date": pa.date32()}


def arrow_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as an Arrow table: the declared columns typed, any other column of the files as text."""
    names = dict.fromkeys(COLUMNS)
    for row in rows:
        names.update(dict.fromkeys(row))
    schema = pa.schema(
        [
            pa.field(
                name,
                ARROW_TYPES[COLUMNS[name]["data_type"]] if name in COLUMNS else pa.string(),
                nullable=COLUMNS.get(name, {}).get("nullable", True),
            )
            for name in names
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def parse_play_by_play(text: str, path: Path | str, game_id: str) -> Iterator[dict[str, Any]]:
    """Typed rows of one game's CSV; LandingError names the file, the CSV line and the column it cannot read."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise LandingError(f"{path}: not a play-by-play CSV, missing column(s) {', '.join(missing)}")
    for row in reader:
        where = f"{path}: line {reader.line_num}"
        if None in row:
            raise LandingError(f"{where}: more values than the header has columns")
        record: dict[str, Any] = {k: (v if v != "" else None) for k, v in row.items()}
        if record["game_id"] != game_id:
            raise LandingError(f"{where}: game_id {record['game_id']!r} in the file of game {game_id}")
        for name in INTEGER_COLUMNS:
            value = record.get(name)
            if value is not None:
                try:
                    record[name] = int(value)
                except ValueError as exc:
                    raise LandingError(f"{where}: {name} is not an integer: {value!r}") from exc
        for name in ("play_id", "period", "event_type"):
            if record.get(name) is None:
                raise LandingError(f"{where}: {name} is empty")
        if record.get("date") is not None:
            try:
                record["date"] = date.fromisoformat(record["date"])
            except ValueError as exc:
                raise LandingError(f"{where}: date is not YYYY-MM-DD: {record['date']!r}") from exc
        yield record


def read_game_file(path: Path) -> tuple[str, str]:
    """(NBA game id, CSV text) of one play-by-play file; LandingError names the file."""
    match = FILE_NAME.match(path.name)
    if not match:
        raise LandingError(f"{path}: expected pbp_<10-digit NBA game id>.csv")
    try:
        return match.group(1), path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LandingError(f"cannot read landing file {path}: {exc}") from exc


def parsed_games(landing: LandingArea, day: date, quarantine: Quarantine) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(relative path, rows) per game file of a day. A file that cannot be read or parsed is quarantined
    whole (half a game of play-by-play would skew every zone share) and the other games load."""
    folder = landing.day_dir(SOURCE, day)
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("pbp_*.csv")):
        relative = path.relative_to(landing.root).as_posix()
        try:
            game_id, text = read_game_file(path)
            rows = list(parse_play_by_play(text, path, game_id))
        except LandingError as exc:
            quarantine.reject_file("play_by_play", relative, str(exc), path)
            continue
        quarantine.read(relative)
        yield relative, rows


@dlt.source(name="bigdataball", max_table_nesting=0)
def bigdataball_source(landing: LandingArea, dates: Sequence[date], quarantine: Quarantine | None = None) -> Any:
    q = quarantine if quarantine is not None else Quarantine()

    # merge_key game_id: a re-delivered game file replaces all of that game's rows (a play removed or
    # renumbered upstream does not linger)
    @dlt.resource(
        name="play_by_play",
        primary_key=("game_id", "play_id"),
        merge_key="game_id",
        write_disposition="merge",
        columns=COLUMNS,
    )
    def play_by_play() -> Iterator[Any]:
        loaded = 0
        for day in dates:
            rows = [{**r, "_source_file": relative} for relative, game in parsed_games(landing, day, q) for r in game]
            if rows:
                loaded += len(rows)
                yield arrow_table(rows)
        if not loaded:  # no games in these dates: still create the (empty) table staging reads
            yield dlt.mark.materialize_table_schema()

    return play_by_play
