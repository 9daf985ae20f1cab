"""The Odds API live fetcher: NBA events of a (US/Eastern) date and their player-prop odds snapshots.

Two modes, chosen per date (`auto`: dates before today, Eastern, are historical):
- historical: /v4/historical/sports/basketball_nba/events at the opening snapshot (10:00 ET), then each event's
  /v4/historical/.../events/<id>/odds at the opening snapshot and at the pre-game snapshot (30 min before the
  day's first tip-off). The API answers with the snapshot at or before the asked time; the file is named after
  the snapshot's own timestamp.
- live: /v4/sports/basketball_nba/events and /v4/sports/basketball_nba/events/<id>/odds for events not yet
  started; the odds body is wrapped in the historical envelope with timestamp = fetch time.
Every response's quota headers go to odds_api/<date>/_requests.json (a list, appended to on every run).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dlt.sources.helpers.requests import HTTPError
from dlt.sources.helpers.rest_client.auth import APIKeyAuth

from core.markets import MARKETS
from ingestion.landing import EASTERN, LandingError, read_json
from ingestion.live.common import FetchContext, LiveFetchError, api_key, eastern_date, iso_z, parse_utc
from ingestion.live.http import Api, HttpStats

SOURCE = "odds_api"
BASE_URL = "https://api.the-odds-api.com/v4"
SPORT = "basketball_nba"
ODDS_PARAMS = {"regions": "us", "markets": ",".join(MARKETS), "oddsFormat": "american"}
OPENING_ET = time(10, 0)
PREGAME_LEAD = timedelta(minutes=30)
MODES = ("auto", "live", "historical")
REQUEST_LOG = "_requests.json"  # not matched by the replay globs (events.json, event_*_odds_*.json)


def make_api(stats: HttpStats, key: str | None = None) -> Api:
    key = key or api_key(SOURCE, "The Odds API")
    auth = APIKeyAuth(name="apiKey", api_key=key, location="query")
    return Api("odds_api", BASE_URL, stats, auth=auth, headers={"Accept": "application/json"}, secrets=[key])


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of an Eastern calendar day, in UTC."""
    start = datetime.combine(day, time(0, 0), tzinfo=EASTERN)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=EASTERN)
    return start.astimezone(UTC), end.astimezone(UTC)


def resolve_mode(mode: str, day: date, now: datetime) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown odds mode {mode!r}: choose one of {', '.join(MODES)}")
    if mode != "auto":
        return mode
    return "historical" if day < now.astimezone(EASTERN).date() else "live"


def _events_of_day(events: Any, day: date, api: Api, what: str) -> list[dict[str, Any]]:
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise LiveFetchError(f"odds_api: {what}: GET {api.stats.last_url}: expected a list of event objects")
    kept = []
    for event in events:
        try:
            if event.get("id") and eastern_date(event["commence_time"]) == day:
                kept.append(event)
        except (KeyError, TypeError, ValueError) as exc:
            bad = f"event {event.get('id')!r} has no valid commence_time: {event.get('commence_time')!r}"
            raise LiveFetchError(f"odds_api: {what}: {bad}") from exc
    return kept


def _merge_events(ctx: FetchContext, day: date, fetched: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The day's events: earlier fetches' events (a started or finished game drops out of the live list) updated
    with the fetched ones."""
    path = ctx.path(SOURCE, day, "events.json")
    merged: dict[str, dict[str, Any]] = {}
    if path.exists():
        try:
            earlier = read_json(path)
        except LandingError as exc:
            ctx.warn(f"odds_api: {exc}; replaced")
            earlier = []
        for event in earlier if isinstance(earlier, list) else []:
            if isinstance(event, dict) and event.get("id"):
                merged[event["id"]] = event
    for event in fetched:
        merged[event["id"]] = event
    return sorted(merged.values(), key=lambda e: (e.get("commence_time") or "", e["id"]))


def _append_request_log(ctx: FetchContext, day: date, entries: list[dict[str, Any]]) -> None:
    path = ctx.path(SOURCE, day, REQUEST_LOG)
    existing: list[Any] = []
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            existing = loaded if isinstance(loaded, list) else []
        except (OSError, ValueError):
            ctx.warn(f"odds_api: {path} was not a JSON list; started a new one")
    ctx.write(SOURCE, day, REQUEST_LOG, existing + entries)


def _odds_file(event_id: str, snapshot: datetime) -> str:
    return f"event_{event_id}_odds_{snapshot.astimezone(UTC):%H%M}Z.json"


def _historical(api: Api, ctx: FetchContext, day: date) -> None:
    d = day.isoformat()
    start, end = day_bounds(day)
    opening = datetime.combine(day, OPENING_ET, tzinfo=EASTERN).astimezone(UTC)
    what = f"historical events of {d}"
    params = {
        "date": iso_z(opening),
        "commenceTimeFrom": iso_z(start),
        "commenceTimeTo": iso_z(end - timedelta(seconds=1)),
    }
    _, envelope = api.get(f"historical/sports/{SPORT}/events", params, what)
    if not isinstance(envelope, dict) or "data" not in envelope:
        raise LiveFetchError(f"odds_api: {what}: GET {api.stats.last_url}: expected a snapshot envelope with 'data'")
    events = _events_of_day(envelope["data"] or [], day, api, what)
    ctx.write(SOURCE, day, "events.json", _merge_events(ctx, day, events))
    if not events:
        return

    first_tip = min(parse_utc(e["commence_time"]) for e in events)
    snapshots = [opening]
    if first_tip - PREGAME_LEAD > opening:
        snapshots.append(first_tip - PREGAME_LEAD)
    for moment in snapshots:
        if moment > ctx.clock():
            ctx.warn(f"odds_api: {d}: snapshot {iso_z(moment)} is in the future; skipped")
            continue
        for event in events:
            if parse_utc(event["commence_time"]) <= moment:
                continue
            odds_what = f"historical odds of event {event['id']} at {iso_z(moment)}"
            try:
                response, body = api.get(
                    f"historical/sports/{SPORT}/events/{event['id']}/odds",
                    {**ODDS_PARAMS, "date": iso_z(moment)},
                    odds_what,
                )
            except LiveFetchError as exc:
                if isinstance(exc.__cause__, HTTPError) and getattr(exc.__cause__.response, "status_code", 0) == 404:
                    ctx.warn(f"odds_api: {odds_what}: not found (404); skipped")
                    continue
                raise
            if not isinstance(body, dict) or not isinstance(body.get("data"), dict) or not body.get("timestamp"):
                ctx.warn(f"odds_api: {odds_what}: no snapshot in the response; skipped")
                continue
            try:
                taken = parse_utc(body["timestamp"])
            except ValueError as exc:
                raise LiveFetchError(f"odds_api: {odds_what}: bad snapshot timestamp {body['timestamp']!r}") from exc
            ctx.write(SOURCE, day, _odds_file(event["id"], taken), response.content)


def _live(api: Api, ctx: FetchContext, day: date) -> None:
    d = day.isoformat()
    start, end = day_bounds(day)
    what = f"events of {d}"
    params = {"commenceTimeFrom": iso_z(start), "commenceTimeTo": iso_z(end - timedelta(seconds=1))}
    _, listed = api.get(f"sports/{SPORT}/events", params, what)
    events = _events_of_day(listed, day, api, what)
    ctx.write(SOURCE, day, "events.json", _merge_events(ctx, day, events))
    for event in events:
        if parse_utc(event["commence_time"]) <= ctx.clock():
            ctx.warn(f"odds_api: event {event['id']} of {d} has started; its odds are not fetched")
            continue
        odds_what = f"odds of event {event['id']}"
        response, body = api.get(f"sports/{SPORT}/events/{event['id']}/odds", dict(ODDS_PARAMS), odds_what)
        if not isinstance(body, dict):
            raise LiveFetchError(f"odds_api: {odds_what}: GET {api.stats.last_url}: expected an event object")
        taken = ctx.clock()
        envelope = {"timestamp": iso_z(taken), "previous_timestamp": None, "next_timestamp": None, "data": body}
        ctx.write(SOURCE, day, _odds_file(event["id"], taken), envelope)


def fetch_day(api: Api, ctx: FetchContext, day: date, mode: str = "auto") -> None:
    mode = resolve_mode(mode, day, ctx.clock())
    first = len(api.request_log)
    try:
        (_historical if mode == "historical" else _live)(api, ctx, day)
    finally:
        if len(api.request_log) > first:
            _append_request_log(ctx, day, api.request_log[first:])
