"""Shared fixtures: demo landing data generated into temporary folders, and pipeline runs on the `test`
target (DuckDB, test_ schemas) in a temporary warehouse. Real engines throughout: dlt, DuckDB, dbt."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import responses
from typer.testing import CliRunner

from core.settings import Settings
from dbt_project.cli import app

TEST_DAYS = 14
# live mode offline (tests/test_live_fetch.py, tests/test_faults.py): only HTTP is mocked
LIVE_BDL_KEY = "test-bdl-key"
LIVE_ODDS_KEY = "test-odds-key"
LIVE_INJURY_URL = "https://injuries.example.test/report/{date}.json"


@dataclass
class Env:
    settings: Settings
    game_dates: list[date]

    @property
    def all_dates(self) -> list[date]:
        first, last = self.game_dates[0], self.game_dates[-1]
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def cli(self, *args: str):
        """Invoke `nba-props` in-process against this environment's folders on the test target."""
        argv = list(args)
        if argv and argv[0] in ("run", "demo"):
            argv += [
                "--target", "test",
                "--landing-dir", str(self.settings.landing_dir),
                "--warehouse-dir", str(self.settings.warehouse_dir),
                "--exports-dir", str(self.settings.exports_dir),
            ]
        elif argv and argv[0] in ("status", "dashboard", "predict"):
            argv += ["--target", "test", "--warehouse-dir", str(self.settings.warehouse_dir)]
        return CliRunner().invoke(app, argv, catch_exceptions=False)


@pytest.fixture(scope="session", autouse=True)
def _isolated_dbt_artifacts(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep dbt's target/ and logs/ of the test suite out of the repo's own."""
    base = tmp_path_factory.mktemp("dbt_artifacts")
    os.environ["DBT_TARGET_PATH"] = str(base / "target")
    os.environ["DBT_LOG_PATH"] = str(base / "logs")
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["RUNTIME__DLT_TELEMETRY"] = "false"


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[date]]:
    from ingestion.demo import DEMO_SEED, DEMO_START, generate_demo

    root = tmp_path_factory.mktemp("landing")
    manifest = generate_demo(root, DEMO_START, TEST_DAYS, DEMO_SEED)
    return root, [date.fromisoformat(d) for d in manifest["game_dates"]]


def make_env(base: Path, landing: Path, game_dates: list[date], copy_landing: bool = False) -> Env:
    if copy_landing:
        shutil.copytree(landing, base / "landing")
        landing = base / "landing"
    settings = Settings(
        target="test", landing_dir=landing, warehouse_dir=base / "warehouse", exports_dir=base / "exports"
    )
    return Env(settings, game_dates)


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
