"""Shared fixtures: demo landing data generated into temporary folders, and pipeline runs on the `test` target
(DuckDB, test_ schemas) in a temporary warehouse. Real engines throughout: dlt, DuckDB, dbt. Their helpers
(Env, make_env) are in tests/support/env.py, with the other helpers the test modules share."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import responses

from tests.support.env import LIVE_BDL_KEY, LIVE_INJURY_URL, LIVE_ODDS_KEY, TEST_DAYS, Env, make_env


@pytest.fixture(scope="session", autouse=True)
def _isolated_dbt_artifacts(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep dbt's target/ and logs/ of the test suite out of the repo's own."""
    base = tmp_path_factory.mktemp("dbt_artifacts")
    os.environ["DBT_TARGET_PATH"] = str(base / "target")
    os.environ["DBT_LOG_PATH"] = str(base / "logs")
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["RUNTIME__DLT_TELEMETRY"] = "false"
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # pytest -n: one xgboost thread per worker (the workers share the cores; two threads each wait on
        # each other and a fit takes several times longer). The trees are the same (ml/xgb.py: threads)
        os.environ.setdefault("NBA_PROPS_XGB_THREADS", "1")


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[date]]:
    from ingestion.demo import DEMO_SEED, DEMO_START, generate_demo

    root = tmp_path_factory.mktemp("landing")
    manifest = generate_demo(root, DEMO_START, TEST_DAYS, DEMO_SEED)
    return root, [date.fromisoformat(d) for d in manifest["game_dates"]]


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory: pytest.TempPathFactory, demo_landing: tuple[Path, list[date]]) -> Env:
    """The demo window run end to end once (all dates, one range run) on the test target."""
    landing, game_dates = demo_landing
    env = make_env(tmp_path_factory.mktemp("demo_env"), landing, game_dates)
    result = env.cli("run", "--start", env.all_dates[0].isoformat(), "--end", env.all_dates[-1].isoformat())
    assert result.exit_code == 0, result.output
    return env


@pytest.fixture
def live_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live mode: API keys and provider URLs; fast retries through dlt's own [runtime] settings."""
    from ingestion.live.nbacom import SCOREBOARD_URL

    monkeypatch.setenv("SOURCES__BALLDONTLIE__API_KEY", LIVE_BDL_KEY)
    monkeypatch.setenv("SOURCES__ODDS_API__API_KEY", LIVE_ODDS_KEY)
    monkeypatch.setenv("SOURCES__NBACOM__INJURY_REPORT_URL", LIVE_INJURY_URL)
    monkeypatch.setenv("SOURCES__NBACOM__SCOREBOARD_URL", SCOREBOARD_URL)
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "5")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_RETRY_DELAY", "3")


@pytest.fixture
def rsps():
    """The HTTP mock (the `responses` library, at the requests transport)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def alert_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No alert settings leak in from the environment; local servers are reached directly, not via a proxy."""
    for name in list(os.environ):
        if name.startswith(("NBA_PROPS_SMTP_", "NBA_PROPS_ALERT_", "NBA_PROPS_SLACK_")):
            monkeypatch.delenv(name)
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("NBA_PROPS_ALERT_BACKOFF_SECONDS", "0.01")
    monkeypatch.setenv("NBA_PROPS_ALERT_CONNECT_TIMEOUT", "2")
    monkeypatch.setenv("NBA_PROPS_ALERT_READ_TIMEOUT", "2")
