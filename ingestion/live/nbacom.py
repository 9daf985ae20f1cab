"""NBA.com live fetcher: the day's scoreboard and the injury report (JSON form) into landing/nbacom/<date>/.

Scoreboard: by default the CDN's `todaysScoreboard_00.json`, which only ever serves the current NBA day; a date
it does not serve is skipped with a warning (its `scoreboard.gameDate` is checked against the date asked for).
`[sources.nbacom] scoreboard_url` (env SOURCES__NBACOM__SCOREBOARD_URL) may point elsewhere; `{date}`
(YYYY-MM-DD) and `{yyyymmdd}` in it are filled in per date, and the response must have the documented shape
`{"scoreboard": {"gameDate": ..., "games": [...]}}`.
Injury report: the official report is a PDF; `[sources.nbacom] injury_report_url` (env
SOURCES__NBACOM__INJURY_REPORT_URL) names a JSON form of it (same placeholders). Unset: skipped with a warning.
No API key is needed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dlt.sources.helpers.requests import Response

from ingestion.live.common import FetchContext, LiveFetchError, config_value
from ingestion.live.http import Api, HttpStats

SOURCE = "nbacom"
SCOREBOARD_URL = "https://cdn.nba.com/static/json/liveData/scoreboard/todaysScoreboard_00.json"


def make_api(stats: HttpStats) -> Api:
    return Api("nbacom", "", stats, headers={"Accept": "application/json"})


def _url(template: str, day: date) -> str:
    return template.replace("{date}", day.isoformat()).replace("{yyyymmdd}", day.strftime("%Y%m%d"))


class NbaComFetcher:
    def __init__(self, api: Api, ctx: FetchContext) -> None:
        self.api = api
        self.ctx = ctx
        self.scoreboard_url = str(config_value("sources.nbacom.scoreboard_url", SCOREBOARD_URL))
        self.injury_url = config_value("sources.nbacom.injury_report_url")
        self._cache: dict[str, tuple[Response, Any]] = {}  # a URL without {date} is fetched once per run

    def _get(self, url: str, what: str) -> tuple[Response, Any]:
        if url not in self._cache:
            self._cache[url] = self.api.get(url, None, what)
        return self._cache[url]

    def fetch_day(self, day: date) -> None:
        self.scoreboard(day)
        self.injury_report(day)

    def scoreboard(self, day: date) -> None:
        d = day.isoformat()
        url = _url(self.scoreboard_url, day)
        response, body = self._get(url, f"scoreboard of {d}")
        board = body.get("scoreboard") if isinstance(body, dict) else None
        if not isinstance(board, dict) or not isinstance(board.get("games"), list):
            raise LiveFetchError(f"nbacom: scoreboard of {d}: GET {url}: expected {{'scoreboard': {{'games': [...]}}}}")
        served = board.get("gameDate")
        if served != d:
            self.ctx.warn(f"nbacom: scoreboard of {d}: {url} serves gameDate {served!r}, not {d}; skipped")
            return
        self.ctx.write(SOURCE, day, "scoreboard.json", response.content)

    def injury_report(self, day: date) -> None:
        d = day.isoformat()
        if not self.injury_url:
            self.ctx.warn(f"nbacom: injury report of {d}: no sources.nbacom.injury_report_url configured; skipped")
            return
        url = _url(str(self.injury_url), day)
        response, body = self._get(url, f"injury report of {d}")
        if not isinstance(body, dict) or not isinstance(body.get("injuries"), list):
            raise LiveFetchError(f"nbacom: injury report of {d}: GET {url}: expected an object with an 'injuries' list")
        served = body.get("gameDate")
        if not served:
            raise LiveFetchError(f"nbacom: injury report of {d}: GET {url}: no 'gameDate' in the report")
        if served != d:
            self.ctx.warn(f"nbacom: injury report of {d}: {url} serves gameDate {served!r}, not {d}; skipped")
            return
        self.ctx.write(SOURCE, day, "injury_report.json", response.content)
