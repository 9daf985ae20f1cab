"""The Odds API: NBA events and player-prop odds snapshots (replay from the landing area)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import dlt
import pyarrow as pa

from ingestion.landing import LandingArea
from ingestion.quarantine import Invalid, Quarantine, require_str, require_team_name, require_timestamp

# Player props are by far the largest feed (~150k lines a month of demo data): they go to dlt as Arrow tables,
# which skip row-by-row normalisation, with the column types spelled out here.
PRIMARY_KEY = ("event_id", "bookmaker", "market", "player_name", "line", "snapshot_at")
PROP_SCHEMA = pa.schema(
    [
        pa.field(name, kind, nullable=name not in PRIMARY_KEY)
        for name, kind in (
            ("snapshot_at", pa.timestamp("us", tz="UTC")),
            ("event_id", pa.string()),
            ("commence_time", pa.timestamp("us", tz="UTC")),
            ("home_team", pa.string()),
            ("away_team", pa.string()),
            ("bookmaker", pa.string()),
            ("market", pa.string()),
            ("market_last_update", pa.timestamp("us", tz="UTC")),
            ("player_name", pa.string()),
            ("line", pa.float64()),
            ("over_price", pa.int64()),
            ("under_price", pa.int64()),
            ("_source_file", pa.string()),
        )
    ]
)
TIMESTAMP_FIELDS = ("snapshot_at", "commence_time", "market_last_update")
NUMERIC_FIELDS = {"line": float, "over_price": int, "under_price": int}


def check_prop(row: dict[str, Any]) -> dict[str, Any]:
    """Parse one flattened prop row to the Arrow schema's types (a typed copy), or raise Invalid naming the field."""
    row = dict(row)
    for name in PRIMARY_KEY:
        if row.get(name) in (None, ""):
            raise Invalid(name, "missing")
    for name in TIMESTAMP_FIELDS:
        if row.get(name) is not None:
            row[name] = require_timestamp(row, name)
    for name, kind in NUMERIC_FIELDS.items():
        value = row.get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and value != int(value)):
                raise Invalid(name, f"must be a number, got {type(value).__name__} {value!r}")
            row[name] = kind(value)
    return row


def check_event(event: Any) -> Any:
    require_str(event, "id")
    require_timestamp(event, "commence_time")
    require_team_name(event, "home_team")
    require_team_name(event, "away_team")
    return event


def flatten_event_odds(snapshot_at: str, event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per (book, market, player, line) with the Over and Under prices side by side."""
    for book in event.get("bookmakers") or []:
        for market in book.get("markets") or []:
            pairs: dict[tuple[str, Any], dict[str, Any]] = {}
            for outcome in market.get("outcomes") or []:
                key = (outcome.get("description"), outcome.get("point"))
                row = pairs.setdefault(
                    key,
                    {
                        "snapshot_at": snapshot_at,
                        "event_id": event.get("id"),
                        "commence_time": event.get("commence_time"),
                        "home_team": event.get("home_team"),
                        "away_team": event.get("away_team"),
                        "bookmaker": book.get("key"),
                        "market": market.get("key"),
                        "market_last_update": market.get("last_update"),
                        "player_name": outcome.get("description"),
                        "line": outcome.get("point"),
                        "over_price": None,
                        "under_price": None,
                    },
                )
                side = str(outcome.get("name", "")).lower()
                if side in ("over", "under"):
                    row[f"{side}_price"] = outcome.get("price")
            yield from pairs.values()


@dlt.source(name="odds_api", max_table_nesting=0)
def odds_api_source(landing: LandingArea, dates: Sequence[date], quarantine: Quarantine | None = None) -> Any:
    q = quarantine if quarantine is not None else Quarantine()

    @dlt.resource(name="events", primary_key="id", write_disposition="merge")
    def events() -> Iterator[dict[str, Any]]:
        for day in dates:
            for f in landing.files("odds_api", day, "events.json", q, "events"):
                if not isinstance(f.payload, list):
                    q.reject_file("events", f.relative, "expected a JSON list of events", f.path)
                    continue
                for i, event in enumerate(f.payload):
                    if q.screen("events", f.relative, f"[{i}]", event, check_event) is not None:
                        yield {**event, "_source_file": f.relative}

    # every snapshot is kept (line movement); staging picks the last one before tip-off
    @dlt.resource(name="player_props", primary_key=PRIMARY_KEY, write_disposition="merge")
    def player_props() -> Iterator[pa.Table]:
        for day in dates:
            rows: list[dict[str, Any]] = []
            for f in landing.files("odds_api", day, "event_*_odds_*.json", q, "player_props"):
                if not isinstance(f.payload, dict) or not isinstance(f.payload.get("data"), dict):
                    q.reject_file(
                        "player_props", f.relative, "expected a snapshot envelope with a 'data' object", f.path
                    )
                    continue
                for row in flatten_event_odds(f.payload.get("timestamp"), f.payload["data"]):
                    locator = f"{row['bookmaker']}/{row['market']}/{row['player_name']}/{row['line']}"
                    row["_source_file"] = f.relative
                    typed = q.screen("player_props", f.relative, locator, row, check_prop)
                    if typed is not None:
                        rows.append(typed)
            if rows:
                yield pa.Table.from_pylist(rows, schema=PROP_SCHEMA)

    return events, player_props
