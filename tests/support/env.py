"""Environments on the `test` target (DuckDB, test_ schemas) in temporary folders, and the CLI against them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from core.settings import Settings
from dbt_project.cli import app

TEST_DAYS = 14
# live mode offline (tests/ingestion/test_live_fetch.py, tests/faults/test_faults.py): only HTTP is mocked
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

    def argv(self, *args: str) -> list[str]:
        """`nba-props` arguments against this environment's folders on the test target (run, demo: landing,
        warehouse and exports; status, dashboard, predict: the warehouse)."""
        argv = list(args)
        if argv and argv[0] in ("run", "demo"):
            argv += [
                "--target",
                "test",
                "--landing-dir",
                str(self.settings.landing_dir),
                "--warehouse-dir",
                str(self.settings.warehouse_dir),
                "--exports-dir",
                str(self.settings.exports_dir),
            ]
        elif argv and argv[0] in ("status", "dashboard", "predict"):
            argv += ["--target", "test", "--warehouse-dir", str(self.settings.warehouse_dir)]
        return argv

    def cli(self, *args: str):
        """Invoke `nba-props` in-process against this environment's folders on the test target."""
        return CliRunner().invoke(app, self.argv(*args), catch_exceptions=False)


def copy_warehouse(settings: Settings, base: Path) -> Settings:
    """A copy of ``settings``' DuckDB file in ``base``/warehouse (same file name, so the views' references
    resolve), with exports in ``base``/exports: the test may change it freely."""
    copy = Settings(
        target="test", landing_dir=settings.landing_dir, warehouse_dir=base / "warehouse", exports_dir=base / "exports"
    )
    copy.warehouse_dir.mkdir()
    shutil.copy(settings.duckdb_path, copy.duckdb_path)
    return copy


def make_env(base: Path, landing: Path, game_dates: list[date], copy_landing: bool = False) -> Env:
    if copy_landing:
        shutil.copytree(landing, base / "landing")
        landing = base / "landing"
    settings = Settings(
        target="test", landing_dir=landing, warehouse_dir=base / "warehouse", exports_dir=base / "exports"
    )
    return Env(settings, game_dates)
