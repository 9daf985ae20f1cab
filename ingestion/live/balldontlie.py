"""BallDontLie live fetcher: /v1/games and /v1/stats (cursor pages) of a date into landing/balldontlie/<date>/."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from ingestion.live.common import FetchContext, LiveFetchError, api_key
from ingestion.live.http import Api, HttpStats

SOURCE = "balldontlie"
BASE_URL = "https://api.balldontlie.io/v1"
PER_PAGE = 100
MAX_PAGES = 500  # a day has ~30 box-score rows per game: 500 pages is far beyond any real day


def make_api(stats: HttpStats, key: str | None = None) -> Api:
    key = key or api_key(SOURCE, "BallDontLie")
    auth = APIKeyAuth(name="Authorization", api_key=key, location="header")
    return Api("balldontlie", BASE_URL, stats, auth=auth, headers={"Accept": "application/json"}, secrets=[key])


def _page(body: Any, api: Api, what: str) -> tuple[list[Any], dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise LiveFetchError(f"balldontlie: {what}: GET {api.stats.last_url}: expected an object with a 'data' list")
    meta = body.get("meta")
    return body["data"], meta if isinstance(meta, dict) else {}


def fetch_day(api: Api, ctx: FetchContext, day: date) -> None:
    d = day.isoformat()
    response, body = api.get("games", {"dates[]": d, "per_page": PER_PAGE}, f"games of {d}")
    games, meta = _page(body, api, f"games of {d}")
    if meta.get("next_cursor") is not None:
        ctx.warn(f"balldontlie: games of {d}: more than {PER_PAGE} games reported; only the first page is kept")
    ctx.write(SOURCE, day, "games.json", response.content)

    # Stats pages are collected first and written together once the last page has arrived: a failed page leaves
    # the day's earlier stats files (if any) as they were instead of a half-fetched set.
    pages: list[bytes] = []
    seen_ids: set[Any] = set()
    requested: set[Any] = {None}
    paginator = JSONResponseCursorPaginator(cursor_path="meta.next_cursor", cursor_param="cursor")
    what = f"stats of {d}"
    for number, response, body in api.pages("stats", {"dates[]": d, "per_page": PER_PAGE}, paginator, "data", what):
        rows, meta = _page(body, api, f"{what} page {number}")
        ids = [row.get("id") for row in rows if isinstance(row, dict)]
        fresh = [row for row in rows if not (isinstance(row, dict) and row.get("id") in seen_ids)]
        if rows and not fresh:
            ctx.warn(f"balldontlie: {what}: page {number} repeats rows already fetched; not written")
        elif len(fresh) < len(rows):
            ctx.warn(f"balldontlie: {what}: page {number}: {len(rows) - len(fresh)} repeated rows dropped")
            pages.append(json.dumps({**body, "data": fresh}).encode("utf-8"))
        else:
            pages.append(response.content)
        seen_ids.update(i for i in ids if i is not None)

        cursor = meta.get("next_cursor")
        if cursor is not None and cursor in requested:
            ctx.warn(f"balldontlie: {what}: page {number} points back to cursor {cursor}; stopped paginating")
            break
        requested.add(cursor)
        if number >= MAX_PAGES and cursor is not None:
            raise LiveFetchError(f"balldontlie: {what}: more than {MAX_PAGES} pages; refusing to continue")

    names = [f"stats_page_{i:03d}.json" for i in range(1, len(pages) + 1)]
    for name, content in zip(names, pages, strict=True):
        ctx.write(SOURCE, day, name, content)
    # a re-fetch that yields fewer pages than before must not leave stale pages behind for replay
    folder = ctx.path(SOURCE, day, "x").parent
    for stale in folder.glob("stats_page_*.json"):
        if stale.name not in names:
            stale.unlink()
