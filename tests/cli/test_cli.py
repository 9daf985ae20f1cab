"""CLI input validation and the one-writer lock (no pipeline run needed)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from core.settings import Settings
from dbt_project import cli
from dbt_project.cli import app
from dbt_project.control import progress
from dbt_project.control.runner import run_lock
from tests.support.env import Env

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--date", "2025-13-01"], "not a date"),
        (["run", "--date", "yesterday"], "not a date"),
        (["run", "--date", "2025-11-01'; drop table x; --"], "not a date"),
        (["run", "--start", "2025-11-05", "--end", "2025-11-01"], "before --start"),
        (["run", "--date", "2025-11-01", "--start", "2025-11-01"], "not both"),
        (["run", "--start", "2025-11-01"], "both --start and --end"),
        (["run"], "--date D"),
        (["run", "--start", "2020-01-01", "--end", "2025-01-01"], "exceeds"),
        (["run", "--date", "2025-11-01", "--target", "staging"], "unknown target"),
    ],
)
def test_bad_input_exits_2_with_a_message(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_second_run_on_same_warehouse_is_refused(tmp_path):
    env = Env(Settings(target="test", warehouse_dir=tmp_path / "wh", landing_dir=tmp_path, exports_dir=tmp_path), [])
    with run_lock(env.settings):
        result = env.cli("run", "--date", "2025-11-01")
    assert result.exit_code == 3, result.output
    assert "another nba-props run" in result.output


def test_missing_landing_dir_is_a_clear_error(tmp_path):
    settings = Settings(
        target="test",
        warehouse_dir=tmp_path / "wh",
        landing_dir=tmp_path / "nowhere",
        exports_dir=tmp_path / "ex",
    )
    result = Env(settings, []).cli("run", "--date", "2025-11-01")
    assert result.exit_code == 1
    assert "landing directory not found" in result.output and "nowhere" in result.output


def test_status_without_runs(tmp_path):
    result = runner.invoke(app, ["status", "--target", "test", "--warehouse-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert "no runs recorded" in result.output


def test_status_during_a_run_never_opens_the_warehouse(tmp_path, monkeypatch):
    """While a run holds the lock, `status` shows its progress and the last run's recorded status, and leaves the
    DuckDB file alone: even a read-only open would make the run's next write fail (DuckDB: one writer)."""
    settings = Settings(target="test", warehouse_dir=tmp_path / "wh", landing_dir=tmp_path, exports_dir=tmp_path)
    settings.warehouse_dir.mkdir()
    progress.write_snapshot(settings, {"target": "test", "runs": 0, "phases": [], "warehouse": "wh"})

    def opened(_settings):
        raise AssertionError("status opened the warehouse while a run held it")

    monkeypatch.setattr(cli, "read_status", opened)
    with run_lock(settings):
        progress.write_progress(settings, {"run_id": "run_x", "pid": 1, "dates": "2025-11-01", "phases": {}})
        result = Env(settings, []).cli("status")
    assert result.exit_code == 0, result.output
    assert "run in progress: run_x" in result.output
    assert "status as of the end of the last run" in result.output
