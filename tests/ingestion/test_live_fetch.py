"""Live mode: fetch -> landing -> the replay sources, fully offline.

Only the HTTP layer is mocked (the `responses` library, at the requests transport): dlt's retrying client,
the landing files and the load into DuckDB (real dlt, real DuckDB, test target) are the real ones. Backoff is
made fast through dlt's own config (RUNTIME__REQUEST_BACKOFF_FACTOR), nothing of dlt is patched.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import responses
from requests.exceptions import ReadTimeout
from responses import matchers
from typer.testing import CliRunner

from core.settings import Settings
from dbt_project.cli import app
from ingestion.live import FetchResult, LiveFetchError, MissingApiKeyError, fetch_landing
from ingestion.live.nbacom import SCOREBOARD_URL
from ingestion.pipeline import load_landing
from tests.support.balldontlie import (
    DAY,
    GAMES_URL,
    STATS_URL,
    D,
    bdl_query,
    game,
    mock_games,
    mock_stats,
    stat,
)
from tests.support.env import LIVE_BDL_KEY, LIVE_INJURY_URL, LIVE_ODDS_KEY

NOW = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)  # after DAY: odds in historical mode
BDL_KEY = LIVE_BDL_KEY
ODDS_KEY = LIVE_ODDS_KEY
ODDS = "https://api.the-odds-api.com/v4"
INJURY_URL = LIVE_INJURY_URL
QUOTA = {"x-requests-remaining": "480", "x-requests-used": "20", "x-requests-last": "1"}


# --------------------------------------------------------------------------------------------- fixtures
# live_env (API keys, provider URLs, fast dlt retries) and rsps (the HTTP mock) come from tests/conftest.py
pytestmark = pytest.mark.usefixtures("live_env")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        target="test",
        landing_dir=tmp_path / "landing",
        warehouse_dir=tmp_path / "warehouse",
        exports_dir=tmp_path / "exports",
    )


# ------------------------------------------------------------------------------------- payload builders
# BallDontLie's: tests/support/balldontlie.py
def odds_event(event_id: str, commence: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "sport_key": "basketball_nba",
        "sport_title": "NBA",
        "commence_time": commence,
        "home_team": "Boston Celtics",
        "away_team": "New York Knicks",
    }


def odds_body(event_id: str, commence: str, point: float = 24.5) -> dict[str, Any]:
    outcomes = []
    for player in ("Jalen Carter", "Marcus Reed"):
        outcomes += [
            {"name": "Over", "description": player, "price": -115, "point": point},
            {"name": "Under", "description": player, "price": -105, "point": point},
        ]
    return {
        **odds_event(event_id, commence),
        "bookmakers": [
            {
                "key": "draftkings",
                "title": "DraftKings",
                "last_update": "2025-11-03T14:50:00Z",
                "markets": [{"key": "player_points", "last_update": "2025-11-03T14:50:00Z", "outcomes": outcomes}],
            }
        ],
    }


def odds_query(**params: str) -> list:
    return [matchers.query_param_matcher({"apiKey": ODDS_KEY, **params})]


ODDS_PARAMS = {
    "regions": "us",
    "oddsFormat": "american",
    "markets": "player_points,player_rebounds,player_assists,player_threes,player_points_rebounds_assists",
}
DAY_WINDOW = {"commenceTimeFrom": "2025-11-03T05:00:00Z", "commenceTimeTo": "2025-11-04T04:59:59Z"}
E1, E2, E_NEXT = "e" * 32, "f" * 32, "a" * 32
E1_TIP, E2_TIP = "2025-11-04T00:00:00Z", "2025-11-04T03:00:00Z"  # 7 pm and 10 pm ET on DAY (next UTC day)


def mock_odds_historical(rsps: responses.RequestsMock, events: list[dict[str, Any]]) -> None:
    rsps.get(
        f"{ODDS}/historical/sports/basketball_nba/events",
        headers=QUOTA,
        json={"timestamp": "2025-11-03T14:55:00Z", "previous_timestamp": None, "next_timestamp": None, "data": events},
        match=odds_query(date="2025-11-03T15:00:00Z", **DAY_WINDOW),
    )
    # opening snapshot at 10:00 ET (15:00Z), pre-game 30 min before the first tip (23:30Z)
    for asked, taken, point in (
        ("2025-11-03T15:00:00Z", "2025-11-03T14:55:00Z", 24.5),
        ("2025-11-03T23:30:00Z", "2025-11-03T23:25:00Z", 25.5),
    ):
        for event in events:
            rsps.get(
                f"{ODDS}/historical/sports/basketball_nba/events/{event['id']}/odds",
                headers=QUOTA,
                json={
                    "timestamp": taken,
                    "previous_timestamp": None,
                    "next_timestamp": None,
                    "data": odds_body(event["id"], event["commence_time"], point),
                },
                match=odds_query(date=asked, **ODDS_PARAMS),
            )


def nbacom_game(game_id: str) -> dict[str, Any]:
    side = {
        "teamId": 1610612738,
        "teamName": "Celtics",
        "teamCity": "Boston",
        "teamTricode": "BOS",
        "wins": 3,
        "losses": 2,
        "score": 0,
    }
    return {
        "gameId": game_id,
        "gameCode": "20251103/NYKBOS",
        "gameStatus": 1,
        "gameStatusText": "7:00 pm ET",
        "gameTimeUTC": E1_TIP,
        "gameEt": "2025-11-03T19:00:00",
        "homeTeam": side,
        "awayTeam": {**side, "teamId": 1610612752, "teamTricode": "NYK"},
    }


def mock_nbacom(rsps: responses.RequestsMock, games: list[dict[str, Any]], injuries: list[dict[str, Any]]) -> None:
    rsps.get(SCOREBOARD_URL, json={"meta": {"version": 1}, "scoreboard": {"gameDate": D, "games": games}})
    rsps.get(
        INJURY_URL.format(date=D), json={"reportTime": "2025-11-03T17:30:00Z", "gameDate": D, "injuries": injuries}
    )


def mock_full_day(rsps: responses.RequestsMock) -> None:
    mock_games(rsps, [game(18400001), game(18400002)])
    mock_stats(rsps, None, [stat(1), stat(2)], 11)
    mock_stats(rsps, 11, [stat(3, 18400002)], None)
    mock_odds_historical(
        rsps, [odds_event(E1, E1_TIP), odds_event(E2, E2_TIP), odds_event(E_NEXT, "2025-11-04T23:00:00Z")]
    )  # next Eastern day: filed elsewhere
    injuries = [
        {
            "gameId": "0022500001",
            "matchup": "NYK@BOS",
            "teamTricode": "BOS",
            "playerName": "Carter, Jalen",
            "currentStatus": "Out",
            "reason": "Injury/Illness - Left Ankle; Sprain",
        }
    ]
    mock_nbacom(rsps, [nbacom_game("0022500001"), nbacom_game("0022500002")], injuries)


# -------------------------------------------------------------------------------------------- helpers
def landing_files(settings: Settings, source: str) -> list[str]:
    folder = settings.landing_dir / source / D
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def read(settings: Settings, source: str, name: str) -> Any:
    return json.loads((settings.landing_dir / source / D / name).read_text(encoding="utf-8"))


def raw_counts(settings: Settings) -> dict[str, int]:
    """Rows per nba_raw table, leaving out dlt's own tables and empty ones."""
    schema = settings.schema("nba_raw")
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [schema]
            ).fetchall()
        ]
        counts = {
            t: con.execute(f"select count(*) from {schema}.{t}").fetchone()[0]
            for t in sorted(tables)
            if not t.startswith("_dlt")
        }
    return {t: n for t, n in counts.items() if n}


def raw_columns(settings: Settings, table: str) -> set[str]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        return {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [settings.schema("nba_raw"), table],
            ).fetchall()
        }


def fetch_bdl(settings: Settings) -> FetchResult:
    return fetch_landing(settings, [DAY], sources=("balldontlie",), now=NOW)


# ---------------------------------------------------------------------------------------------- tests
def test_cursor_pagination_over_three_pages(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_games(rsps, [game(18400001)])
    mock_stats(rsps, None, [stat(1), stat(2)], 101)
    mock_stats(rsps, 101, [stat(3), stat(4)], 202)
    mock_stats(rsps, 202, [stat(5)], None)

    result = fetch_bdl(settings)

    assert landing_files(settings, "balldontlie") == [
        "games.json",
        "stats_page_001.json",
        "stats_page_002.json",
        "stats_page_003.json",
    ]
    assert [r["id"] for r in read(settings, "balldontlie", "stats_page_003.json")["data"]] == [5]
    assert result.requests == 4 and result.retries == 0 and not result.warnings
    assert [c.request.params.get("cursor") for c in rsps.calls if c.request.url.startswith(STATS_URL)] == [
        None,
        "101",
        "202",
    ]
    load_landing(settings, [DAY])
    assert raw_counts(settings) == {"box_scores": 5, "games": 1}


def test_429_waits_for_retry_after_then_succeeds(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_games(rsps, [game(18400001)])
    rsps.get(STATS_URL, status=429, headers={"Retry-After": "1"}, json={"error": "rate limited"}, match=bdl_query())
    mock_stats(rsps, None, [stat(1), stat(2)], None)

    started = time.perf_counter()
    result = fetch_bdl(settings)
    elapsed = time.perf_counter() - started

    # the backoff factor is 0.01 s: only the Retry-After header explains a wait of a second
    assert elapsed >= 1.0
    assert result.retries == 1 and result.requests == 3
    assert result.retry_log[0]["reason"] == "HTTP 429 (Retry-After: 1)"
    assert 1.0 <= result.retry_log[0]["sleep"] < 1.5
    assert landing_files(settings, "balldontlie") == ["games.json", "stats_page_001.json"]
    load_landing(settings, [DAY])
    assert raw_counts(settings) == {"box_scores": 2, "games": 1}


def test_5xx_twice_then_success(settings: Settings, rsps: responses.RequestsMock) -> None:
    rsps.get(GAMES_URL, status=503, body="Service Unavailable", match=bdl_query())
    rsps.get(GAMES_URL, status=502, body="Bad Gateway", match=bdl_query())
    mock_games(rsps, [game(18400001), game(18400002)])
    mock_stats(rsps, None, [stat(1)], None)

    result = fetch_bdl(settings)

    assert result.retries == 2 and result.requests == 4
    assert [e["reason"] for e in result.retry_log] == ["HTTP 503", "HTTP 502"]
    assert len(read(settings, "balldontlie", "games.json")["data"]) == 2
    load_landing(settings, [DAY])
    assert raw_counts(settings) == {"box_scores": 1, "games": 2}


def test_read_timeout_then_success(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_games(rsps, [game(18400001)])
    rsps.get(STATS_URL, body=ReadTimeout("read timed out"), match=bdl_query())
    mock_stats(rsps, None, [stat(1), stat(2), stat(3)], None)

    result = fetch_bdl(settings)

    assert result.retries == 1 and result.retry_log[0]["reason"] == "ReadTimeout"
    # every request carries the timeout from dlt's config (RUNTIME__REQUEST_TIMEOUT)
    assert {c.request.req_kwargs["timeout"] for c in rsps.calls} == {5.0}
    load_landing(settings, [DAY])
    assert raw_counts(settings) == {"box_scores": 3, "games": 1}


def test_malformed_json_page_is_a_clear_error_and_nothing_of_it_loads(
    settings: Settings, rsps: responses.RequestsMock
) -> None:
    mock_games(rsps, [game(18400001)])
    mock_stats(rsps, None, [stat(1), stat(2)], 5)
    rsps.get(STATS_URL, body='{"data": [{"id": 3, "pts"', match=bdl_query(cursor="5"))

    with pytest.raises(LiveFetchError) as info:
        fetch_bdl(settings)

    message = str(info.value)
    assert "malformed JSON" in message and "stats of 2025-11-03 page 2" in message
    assert f"{STATS_URL}?dates%5B%5D={D}&per_page=100&cursor=5" in message
    assert BDL_KEY not in message
    # games.json is complete and kept; no stats page of the failed sequence is written, no temp file is left
    assert landing_files(settings, "balldontlie") == ["games.json"]
    assert info.value.result is not None and info.value.result.files == [f"balldontlie/{D}/games.json"]
    load_landing(settings, [DAY])
    assert raw_counts(settings) == {"games": 1}


def test_empty_day_writes_valid_empty_files(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_games(rsps, [])
    mock_stats(rsps, None, [], None)
    mock_odds_historical(rsps, [])
    mock_nbacom(rsps, [], [])

    result = fetch_landing(settings, [DAY], now=NOW)

    assert landing_files(settings, "balldontlie") == ["games.json", "stats_page_001.json"]
    assert read(settings, "balldontlie", "stats_page_001.json")["data"] == []
    assert landing_files(settings, "odds_api") == ["_requests.json", "events.json"]
    assert read(settings, "odds_api", "events.json") == []
    assert read(settings, "nbacom", "scoreboard.json")["scoreboard"]["games"] == []
    assert read(settings, "nbacom", "injury_report.json")["injuries"] == []
    assert not result.errors
    loaded = load_landing(settings, [DAY])
    assert sum(loaded.rows.values()) == 0
    assert sum(raw_counts(settings).values()) == 0


def test_repeated_page_stops_paging_and_loads_no_duplicates(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_games(rsps, [game(18400001)])
    mock_stats(rsps, None, [stat(1), stat(2)], 7)
    mock_stats(rsps, 7, [stat(3), stat(4)], 8)
    mock_stats(rsps, 8, [stat(3), stat(4)], 8)  # glitch: page 2 again, pointing at the cursor just used

    result = fetch_bdl(settings)

    assert landing_files(settings, "balldontlie") == ["games.json", "stats_page_001.json", "stats_page_002.json"]
    assert any("page 3 repeats rows" in w for w in result.warnings)
    assert any("stopped paginating" in w for w in result.warnings)
    assert len([c for c in rsps.calls if c.request.url.startswith(STATS_URL)]) == 3
    load_landing(settings, [DAY])
    assert raw_counts(settings) == {"box_scores": 4, "games": 1}


def test_new_field_in_payload_loads_as_new_column(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_games(rsps, [game(18400001)])
    mock_stats(rsps, None, [stat(1), stat(2, plus_minus=7)], None)

    fetch_bdl(settings)

    assert read(settings, "balldontlie", "stats_page_001.json")["data"][1]["plus_minus"] == 7
    load_landing(settings, [DAY])
    assert raw_counts(settings) == {"box_scores": 2, "games": 1}
    assert "plus_minus" in raw_columns(settings, "box_scores")


def test_changed_type_of_a_key_field_is_quarantined_not_coerced(
    settings: Settings, rsps: responses.RequestsMock
) -> None:
    mock_games(rsps, [game(18400001)])
    mock_stats(rsps, None, [stat(1), stat(2), {**stat(3), "id": "3"}, {**stat(4), "min": "-12:00"}], None)

    fetch_bdl(settings)

    for _ in range(2):  # loading twice: quarantine entries are not duplicated either
        result = load_landing(settings, [DAY])
        assert result.rejected == {"box_scores": 2}
        assert raw_counts(settings) == {"box_scores": 2, "games": 1, "rejected_rows": 2}
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        rejected = con.execute(
            f"select locator, field, reason from {settings.schema('nba_raw')}.rejected_rows order by locator"
        ).fetchall()
    assert [(loc, field) for loc, field, _ in rejected] == [("data[2]", "id"), ("data[3]", "min")]
    assert "expected an integer, got str '3'" in rejected[0][2]


@pytest.mark.parametrize(
    ("source", "variable"),
    [("balldontlie", "SOURCES__BALLDONTLIE__API_KEY"), ("odds_api", "SOURCES__ODDS_API__API_KEY")],
)
def test_missing_api_key_names_the_variable(
    settings: Settings, rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch, source: str, variable: str
) -> None:
    monkeypatch.delenv(variable)
    with pytest.raises(MissingApiKeyError, match=variable) as info:
        fetch_landing(settings, [DAY], sources=(source,), now=NOW)
    assert f"[sources.{source}] api_key in .dlt/secrets.toml" in str(info.value)
    assert len(rsps.calls) == 0
    assert not settings.landing_dir.exists() or not any(settings.landing_dir.rglob("*.json"))


def test_fetching_a_date_twice_leaves_identical_row_counts(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_full_day(rsps)

    fetch_landing(settings, [DAY], now=NOW)
    first_files = {s: landing_files(settings, s) for s in ("balldontlie", "odds_api", "nbacom")}
    load_landing(settings, [DAY])
    first = raw_counts(settings)
    fetch_landing(settings, [DAY], now=NOW)
    load_landing(settings, [DAY])

    assert raw_counts(settings) == first
    assert {s: landing_files(settings, s) for s in first_files} == first_files
    assert len(read(settings, "odds_api", "_requests.json")) == 2 * 5  # the request log is appended to
    assert first == {"box_scores": 3, "events": 2, "games": 2, "injury_report": 1, "player_props": 8, "schedule": 2}


def test_all_sources_historical_odds_and_nbacom(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_full_day(rsps)

    result = fetch_landing(settings, [DAY], now=NOW)

    assert landing_files(settings, "odds_api") == sorted(
        [
            "_requests.json",
            "events.json",
            f"event_{E1}_odds_1455Z.json",
            f"event_{E1}_odds_2325Z.json",
            f"event_{E2}_odds_1455Z.json",
            f"event_{E2}_odds_2325Z.json",
        ]
    )
    # events filed under their Eastern date: E_NEXT tips off on the next Eastern day
    assert [e["id"] for e in read(settings, "odds_api", "events.json")] == [E1, E2]
    log = read(settings, "odds_api", "_requests.json")
    assert len(log) == 5 and {e["x-requests-remaining"] for e in log} == {"480"}
    assert all("apiKey=%2A%2A%2A" in e["url"] or "apiKey=***" in e["url"] for e in log)
    assert ODDS_KEY not in json.dumps(log)
    assert result.quota == QUOTA
    assert landing_files(settings, "nbacom") == ["injury_report.json", "scoreboard.json"]
    loaded = load_landing(settings, [DAY])
    assert loaded.rows["player_props"] == 8
    counts = raw_counts(settings)
    assert counts["player_props"] == 8 and counts["events"] == 2 and counts["schedule"] == 2
    assert counts["injury_report"] == 1


def test_live_odds_are_wrapped_in_the_snapshot_envelope(settings: Settings, rsps: responses.RequestsMock) -> None:
    now = datetime(2025, 11, 3, 21, 7, 30, tzinfo=UTC)  # 4:07 pm ET on DAY: live endpoints
    rsps.get(
        f"{ODDS}/sports/basketball_nba/events",
        headers=QUOTA,
        json=[odds_event(E1, E1_TIP), odds_event(E2, E2_TIP), odds_event(E_NEXT, "2025-11-04T23:00:00Z")],
        match=odds_query(**DAY_WINDOW),
    )
    for event_id, tip in ((E1, E1_TIP), (E2, E2_TIP)):
        rsps.get(
            f"{ODDS}/sports/basketball_nba/events/{event_id}/odds",
            headers=QUOTA,
            json=odds_body(event_id, tip),
            match=odds_query(**ODDS_PARAMS),
        )

    result = fetch_landing(settings, [DAY], sources=("odds_api",), now=now)

    assert landing_files(settings, "odds_api") == sorted(
        ["_requests.json", "events.json", f"event_{E1}_odds_2107Z.json", f"event_{E2}_odds_2107Z.json"]
    )
    snapshot = read(settings, "odds_api", f"event_{E1}_odds_2107Z.json")
    assert snapshot["timestamp"] == "2025-11-03T21:07:30Z" and snapshot["data"]["id"] == E1
    assert set(snapshot) == {"timestamp", "previous_timestamp", "next_timestamp", "data"}
    assert result.quota["x-requests-remaining"] == "480" and len(read(settings, "odds_api", "_requests.json")) == 3
    load_landing(settings, [DAY])
    assert raw_counts(settings) == {"events": 2, "player_props": 4}


def test_scoreboard_of_another_day_is_skipped(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_nbacom(rsps, [nbacom_game("0022500001")], [])
    rsps.get(INJURY_URL.format(date="2025-11-04"), json={"gameDate": "2025-11-04", "injuries": []})

    result = fetch_landing(settings, [DAY, date(2025, 11, 4)], sources=("nbacom",), now=NOW)

    # todaysScoreboard serves one day: fetched once, written for that day only
    assert len([c for c in rsps.calls if c.request.url == SCOREBOARD_URL]) == 1
    assert any("serves gameDate '2025-11-03', not 2025-11-04; skipped" in w for w in result.warnings)
    assert not (settings.landing_dir / "nbacom" / "2025-11-04" / "scoreboard.json").exists()
    load_landing(settings, [DAY, date(2025, 11, 4)])
    assert raw_counts(settings) == {"schedule": 1}


def test_cli_landing_fetch(settings: Settings, rsps: responses.RequestsMock) -> None:
    mock_games(rsps, [game(18400001)])
    mock_stats(rsps, None, [stat(1)], None)

    ok = CliRunner().invoke(
        app, ["landing", "fetch", "--date", D, "--source", "balldontlie", "--landing-dir", str(settings.landing_dir)]
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["files"] == 2
    assert landing_files(settings, "balldontlie") == ["games.json", "stats_page_001.json"]

    bad = CliRunner().invoke(app, ["landing", "fetch", "--date", D, "--source", "espn"])
    assert bad.exit_code == 2 and "espn" in bad.output
