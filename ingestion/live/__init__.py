"""Live mode: fetch from the providers' APIs into the landing area; the replay sources then load it.

fetch -> landing -> the same dlt sources as replay: every raw response is archived under
landing/<source>/<date>/ in the documented shapes (docs/landing-format.md, section "Live fetching") before
anything is loaded, so a live day can be replayed byte for byte. HTTP goes through dlt's requests helpers
(timeouts, retries with exponential backoff and Retry-After, see ingestion/live/http.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime

from core.settings import Settings
from ingestion.live import balldontlie, nbacom, odds_api
from ingestion.live.common import FetchContext, FetchResult, LiveFetchError, MissingApiKeyError, api_key
from ingestion.live.http import HttpStats

SOURCES = ("balldontlie", "odds_api", "nbacom")
ODDS_MODES = odds_api.MODES

__all__ = ["SOURCES", "ODDS_MODES", "FetchResult", "LiveFetchError", "MissingApiKeyError", "fetch_landing"]


def fetch_landing(
    settings: Settings,
    dates: Iterable[date],
    sources: Sequence[str] = SOURCES,
    *,
    odds_mode: str = "auto",
    now: datetime | None = None,
) -> FetchResult:
    """Fetch `sources` for `dates` into settings.landing_dir and return what was done.

    API keys are checked first (MissingApiKeyError, nothing fetched). A source that fails for a date stops that
    source (its later dates are not tried) while the other sources carry on; at the end a LiveFetchError lists
    every failure and carries the FetchResult (`.result`). Files are written atomically, so a failed request
    never leaves a partial file. `now` fixes the clock (odds snapshot times, auto mode); default: real time.
    """
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        raise ValueError(f"unknown source(s) {unknown or sources}: choose from {', '.join(SOURCES)}")
    if odds_mode not in ODDS_MODES:
        raise ValueError(f"unknown odds mode {odds_mode!r}: choose one of {', '.join(ODDS_MODES)}")
    days = sorted(set(dates))
    keys = {
        "balldontlie": api_key("balldontlie", "BallDontLie") if "balldontlie" in sources else None,
        "odds_api": api_key("odds_api", "The Odds API") if "odds_api" in sources else None,
    }

    started = time.perf_counter()
    result = FetchResult()
    clock: Callable[[], datetime] = (lambda: now) if now is not None else (lambda: datetime.now(UTC))
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    ctx = FetchContext(root=settings.landing_dir, result=result, clock=clock)
    stats = HttpStats()

    fetchers: dict[str, Callable[[date], None]] = {}
    for source in sources:
        if source == "balldontlie":
            bdl = balldontlie.make_api(stats, keys["balldontlie"])
            fetchers[source] = lambda day, api=bdl: balldontlie.fetch_day(api, ctx, day)
        elif source == "odds_api":
            odds = odds_api.make_api(stats, keys["odds_api"])
            fetchers[source] = lambda day, api=odds: odds_api.fetch_day(api, ctx, day, odds_mode)
        else:
            fetchers[source] = nbacom.NbaComFetcher(nbacom.make_api(stats), ctx).fetch_day

    try:
        for fetch_day in fetchers.values():
            for day in days:
                try:
                    fetch_day(day)
                except LiveFetchError as exc:
                    result.errors.append(str(exc))
                    break
    finally:
        result.requests, result.retries, result.quota = stats.attempts, stats.retries, dict(stats.quota)
        result.retry_log = list(stats.retry_log)
        result.seconds = time.perf_counter() - started
    if result.errors:
        raise LiveFetchError("live fetch failed: " + " | ".join(result.errors), result)
    return result
