"""The Odds API: NBA events and player-prop odds snapshots (replay from the landing area)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import dlt

from ingestion.landing import LandingArea, LandingError

MARKETS = (
    "player_points",
    "player_rebounds",
    "player_assists",
    "player_threes",
    "player_points_rebounds_assists",
)


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
def odds_api_source(landing: LandingArea, dates: Sequence[date]) -> Any:
    @dlt.resource(name="events", primary_key="id", write_disposition="merge")
    def events() -> Iterator[dict[str, Any]]:
        for day in dates:
            for f in landing.files("odds_api", day, "events.json"):
                if not isinstance(f.payload, list):
                    raise LandingError(f"{f.path}: expected a JSON list of events")
                for event in f.payload:
                    yield {**event, "_source_file": f.relative}

    # every snapshot is kept (line movement); staging picks the last one before tip-off
    @dlt.resource(
        name="player_props",
        primary_key=("event_id", "bookmaker", "market", "player_name", "line", "snapshot_at"),
        write_disposition="merge",
    )
    def player_props() -> Iterator[dict[str, Any]]:
        for day in dates:
            for f in landing.files("odds_api", day, "event_*_odds_*.json"):
                if not isinstance(f.payload, dict) or not isinstance(f.payload.get("data"), dict):
                    raise LandingError(f"{f.path}: expected a snapshot envelope with a 'data' object")
                for row in flatten_event_odds(f.payload.get("timestamp"), f.payload["data"]):
                    row["_source_file"] = f.relative
                    yield row

    return events, player_props
