"""Operations: a resumable backfill (killed half way, then finished), heal, replay into the test target diffed
against dev, status with degraded runs and stale sources, per-phase timeouts, and CLI validation.

The pipeline tests share one uninterrupted reference backfill of the first three demo days on the dev target
(in a temporary folder); every test that changes a warehouse works on its own copy of it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from core.settings import PROJECT_DIR, Settings
from dbt_project.cli import app
from dbt_project.control.dates import complete_dates
from dbt_project.control.replay import checksums, compare
from dbt_project.monitoring import history
from dbt_project.monitoring.history import PhaseRecord

runner = CliRunner()
DAYS = 3


@dataclass
class Warehouse:
    root: Path
    landing: Path
    dates: list[date]

    @property
    def settings(self) -> Settings:
        return Settings(
            target="dev",
            landing_dir=self.landing,
            warehouse_dir=self.root / "warehouse",
            exports_dir=self.root / "exports",
        )

    def args(self) -> list[str]:
        s = self.settings
        return [
            "--landing-dir",
            str(s.landing_dir),
            "--warehouse-dir",
            str(s.warehouse_dir),
            "--exports-dir",
            str(s.exports_dir),
        ]

    def cli(self, *argv: str, target: bool = True):
        extra = ["--target", "dev"] if target else []
        return runner.invoke(app, [*argv, *extra, *self.args()], catch_exceptions=False)

    def copy(self, root: Path) -> Warehouse:
        shutil.copytree(self.settings.warehouse_dir, root / "warehouse")
        return Warehouse(root, self.landing, self.dates)

    def sql(self, statement: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.settings.duckdb_path)) as con:
            return con.execute(statement, params or []).fetchall()


def _differences(a: Settings, b: Settings) -> list:
    return [d for d in compare(checksums(a), checksums(b)) if not d.equal]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, demo_landing) -> Warehouse:
    """An uninterrupted backfill of the first three demo days (dev target, own folder)."""
    landing, game_dates = demo_landing
    wh = Warehouse(tmp_path_factory.mktemp("reference"), landing, game_dates[:DAYS])
    result = wh.cli("backfill", "--start", wh.dates[0].isoformat(), "--end", wh.dates[-1].isoformat())
    assert result.exit_code == 0, result.output
    assert complete_dates(wh.settings, wh.dates) == set(wh.dates)
    return wh


# -- backfill -----------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_backfill_killed_half_way_resumes_to_the_same_tables(reference, tmp_path):
    wh = Warehouse(tmp_path, reference.landing, reference.dates)
    first, second = (d.isoformat() for d in wh.dates[:2])
    argv = [
        sys.executable,
        "-m",
        "dbt_project.cli",
        "backfill",
        "--start",
        first,
        "--end",
        wh.dates[-1].isoformat(),
        "--target",
        "dev",
        *wh.args(),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), os.environ.get("PYTHONPATH", "")]),
        "DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
        "DBT_LOG_PATH": str(tmp_path / "dbt_logs"),
    }
    log = tmp_path / "backfill.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            # kill it once the first date is complete and the second is in its dbt phases (phase 3 running)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and proc.poll() is None:
                text = log.read_text()
                done_at = text.find(f"backfill: {first} complete")
                if done_at >= 0 and "phase 2 staging" in text[done_at:]:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.05)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL, f"backfill ended on its own ({proc.returncode}):\n{log.read_text()}"
    assert complete_dates(wh.settings, wh.dates) == {wh.dates[0]}
    # the killed run left its unfinished phases 'running': the second date is not complete
    outcomes = history.phase_outcomes(wh.settings, wh.dates[1], wh.dates[1])[wh.dates[1]]
    assert outcomes[1] == outcomes[2] == "success" and outcomes[3] == "running", outcomes

    rerun = wh.cli("backfill", "--start", first, "--end", wh.dates[-1].isoformat())
    assert rerun.exit_code == 0, rerun.output
    assert f"skipping 1 complete date(s): {first}" in rerun.output
    assert f"backfill: {first} complete" not in rerun.output  # not run again
    assert f"backfill: {second} complete" in rerun.output
    assert complete_dates(wh.settings, wh.dates) == set(wh.dates)
    assert _differences(reference.settings, wh.settings) == []
    # and a third time there is nothing left to do
    again = wh.cli("backfill", "--start", first, "--end", wh.dates[-1].isoformat())
    assert again.exit_code == 0 and "every date is complete" in again.output


# -- heal ---------------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_heal_reruns_a_damaged_day_and_restores_the_tables(reference, tmp_path):
    wh = reference.copy(tmp_path)
    first, last = wh.dates[0].isoformat(), wh.dates[-1].isoformat()
    # whole landing area: the demo days after the backfill have landing files and were never run
    dry = wh.cli("heal", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    found = json.loads(dry.stdout)
    later = {d["date"] for d in found["found"] if d["rule"] == "landing"}
    assert later and min(later) > last and found["reruns"] is None
    assert not [d for d in found["found"] if d["date"] <= last]

    day = wh.dates[-1]
    wh.sql("delete from nba_analytics.player_game_summary where game_date = ?", [day])
    wh.sql("delete from nba_predictions.player_prop_predictions where game_date = ?", [day])
    wh.sql("delete from nba_monitoring.pipeline_run_history where run_date = ? and phase = 6", [day])
    healed = wh.cli("heal", "--start", first, "--end", last, "--json")
    assert healed.exit_code == 0, healed.output
    report = json.loads(healed.stdout)
    assert report["dates"] == [last]
    assert {f["rule"] for f in report["found"]} == {"history", "analytics", "predictions"}, report["found"]
    assert [r["ok"] for r in report["reruns"]["runs"]] == [True]
    assert _differences(reference.settings, wh.settings) == []
    clean = wh.cli("heal", "--start", first, "--end", last)
    assert clean.exit_code == 0 and "nothing to heal" in clean.stdout


# -- replay -------------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_replay_matches_dev_and_names_a_tampered_table(reference, tmp_path):
    wh = reference.copy(tmp_path)
    first, last = wh.dates[0], wh.dates[-1]
    # tamper with one row of the FIRST date in dev: replaying the last date compares only its own rows
    wh.sql(
        "update nba_analytics.player_game_summary set points = points + 1 "
        "where game_date = ? and player_id = (select min(player_id) from nba_analytics.player_game_summary "
        "where game_date = ?)",
        [first, first],
    )
    clean = wh.cli("replay", "--date", last.isoformat(), "--json", target=False)
    assert clean.exit_code == 0, clean.output
    report = json.loads(clean.stdout)
    assert report["differences"] == [] and report["replayed"] == [first.isoformat(), last.isoformat()]
    tables = {t["table"]: t for t in report["tables"]}
    predictions = tables["nba_predictions.player_prop_predictions"]
    assert predictions["dev_rows"] == predictions["test_rows"] > 0 and predictions["rule"] == "game_date = D"
    assert tables["nba_raw.box_scores"]["test_rows"] > 0
    assert not any(t.startswith("nba_monitoring.pipeline") for t in tables)
    assert "run_id" in report["volatile_columns"]
    # the test target's own folder beside dev's, never dev's
    test_exports = wh.settings.exports_dir.with_name(f"{wh.settings.exports_dir.name}_test")
    assert (test_exports / last.isoformat() / "predictions.json").exists()
    assert (test_exports / ".nba-props-target").read_text().strip() == "test"

    tampered = wh.cli("replay", "--date", first.isoformat(), target=False)
    assert tampered.exit_code == 1, tampered.output
    assert "1 table(s) differ: nba_analytics.player_game_summary" in tampered.output


# -- status -------------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_status_lists_degraded_runs_and_stale_sources(reference, tmp_path):
    wh = reference.copy(tmp_path)
    before = runner.invoke(app, ["status", "--json", "--warehouse-dir", str(wh.settings.warehouse_dir)])
    info = json.loads(before.stdout)
    # before: only the first dates' publish is degraded (no history yet, so no predictions: said so)
    assert before.exit_code == 0 and info["stale_sources"] == []
    assert all(d["phase"] == 6 and "the models need earlier games" in d["message"] for d in info["degraded_runs"])
    # rosters last loaded 20 days ago (bref errors after 360 h); the next day's only landing file is malformed
    old = (datetime.now(UTC) - timedelta(days=20)).timestamp()
    wh.sql("update nba_raw.rosters set _dlt_load_id = ?", [str(old)])
    next_day = wh.dates[-1] + timedelta(days=1)
    landing = tmp_path / "landing"
    (landing / "balldontlie" / next_day.isoformat()).mkdir(parents=True)
    (landing / "balldontlie" / next_day.isoformat() / "stats_page_001.json").write_text('{"data": [')
    run = runner.invoke(
        app,
        [
            "run",
            "--date",
            next_day.isoformat(),
            "--target",
            "dev",
            "--landing-dir",
            str(landing),
            "--warehouse-dir",
            str(wh.settings.warehouse_dir),
            "--exports-dir",
            str(tmp_path / "exports"),
        ],
        catch_exceptions=False,
    )
    assert run.exit_code == 0, run.output
    assert "stale source bref.rosters" in run.output

    result = runner.invoke(app, ["status", "--json", "--warehouse-dir", str(wh.settings.warehouse_dir)])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    degraded = [d for d in info["degraded_runs"] if d["phase"] != 6]
    assert len(degraded) == 1 and degraded[0]["phase"] == 1 and degraded[0]["first_date"] == next_day.isoformat()
    assert "quarantined" in degraded[0]["message"]
    stale = {(s["source"], s["table"]): s for s in info["stale_sources"]}
    assert set(stale) == {("bref", "rosters")}, info["stale_sources"]
    assert stale["bref", "rosters"]["status"] == "error" and stale["bref", "rosters"]["age_hours"] >= 479
    table = runner.invoke(app, ["status", "--warehouse-dir", str(wh.settings.warehouse_dir)])
    assert "recent degraded runs" in table.stdout and "bref.rosters" in table.stdout


# -- timeouts -----------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_a_phase_over_its_time_limit_fails_and_skips_the_rest(tmp_path, demo_landing, monkeypatch):
    """Phase 3's dbt build (8 models, 126 tests: several seconds) against a 1 s limit: dbt is interrupted in
    its node queue, the phase is recorded failed with the limit, later phases skipped, exit 1."""
    landing, game_dates = demo_landing
    monkeypatch.setenv("NBA_PROPS_PHASE_TIMEOUT_SECONDS_3", "1")
    settings = Settings(target="test", landing_dir=landing, warehouse_dir=tmp_path / "wh", exports_dir=tmp_path / "ex")
    result = runner.invoke(
        app,
        [
            "run",
            "--date",
            game_dates[0].isoformat(),
            "--target",
            "test",
            "--landing-dir",
            str(landing),
            "--warehouse-dir",
            str(settings.warehouse_dir),
            "--exports-dir",
            str(settings.exports_dir),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    assert "phase 3 exceeded its 1 s limit" in result.output
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        rows = dict(
            con.execute(
                "select phase, status || ': ' || message from test_nba_monitoring.pipeline_run_history"
            ).fetchall()
        )
        runs = con.execute("select status, failed_phase from test_nba_monitoring.pipeline_runs").fetchall()
    assert rows[1].startswith("success") and rows[2].startswith("success")
    assert rows[3] == "failed: phase 3 exceeded its 1 s limit"
    assert all(rows[p] == "skipped: not run: phase 3 exceeded its time limit" for p in (4, 5, 6))
    assert runs == [("failed", 3)]  # the monitoring views built after the interrupted dbt build


def test_a_phase_that_ignores_its_timeout_is_abandoned(tmp_path):
    """The hard backstop: a body that swallows the interrupt is abandoned after the grace period, the
    abandon callback records it, and the process exits 1."""
    code = (
        "import time\n"
        "from dbt_project.control.timeouts import deadline\n"
        "with deadline(0.2, 'phase 5', grace=0.3, on_abandon=lambda m: print('recorded:', m, flush=True)):\n"
        "    while True:\n"
        "        try:\n"
        "            time.sleep(5)\n"
        "        except BaseException as exc:\n"
        "            print('swallowed', type(exc).__name__, flush=True)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "swallowed PhaseTimeout" in proc.stdout
    assert "recorded: phase 5 exceeded its 0.2 s limit and did not stop within 0.3 s" in proc.stdout
    assert "phase 5 exceeded its 0.2 s limit" in proc.stderr


def test_timeout_settings(monkeypatch):
    monkeypatch.setenv("NBA_PROPS_PHASE_TIMEOUT_SECONDS", "900")
    monkeypatch.setenv("NBA_PROPS_PHASE_TIMEOUT_SECONDS_4", "60")
    settings = Settings(target="test")
    assert settings.phase_timeout(3) == 900 and settings.phase_timeout(4) == 60
    monkeypatch.setenv("NBA_PROPS_PHASE_TIMEOUT_SECONDS", "0")
    assert Settings(target="test").phase_timeout(3) is None
    monkeypatch.setenv("NBA_PROPS_PHASE_TIMEOUT_SECONDS", "soon")
    result = runner.invoke(app, ["status", "--target", "test"])
    assert result.exit_code == 2 and "NBA_PROPS_PHASE_TIMEOUT_SECONDS='soon' is not a number" in result.output


# -- completeness rule --------------------------------------------------------------------------------------
def test_a_date_is_complete_only_while_no_failure_follows_its_successes(tmp_path):
    settings = Settings(target="test", warehouse_dir=tmp_path, landing_dir=tmp_path, exports_dir=tmp_path)
    history.ensure_table(settings)
    d1, d2, d3 = date(2025, 11, 1), date(2025, 11, 2), date(2025, 11, 3)
    t0 = datetime(2025, 11, 5, 12, 0)

    def record(run: str, phase: int, status: str, minutes: int, days: list[date]) -> None:
        at = t0 + timedelta(minutes=minutes)
        history.record(settings, PhaseRecord(run, phase, status, at, at, status, {}), days)

    for phase in range(1, 7):
        record("a", phase, "degraded" if phase == 4 else "success", phase, [d1, d2, d3])
    record("b", 5, "failed", 10, [d2])  # a later failure of one phase
    record("c", 1, "success", 20, [d3])  # a later run killed after phase 1: its phase 2 stays 'running'
    record("c", 2, "running", 20, [d3])
    assert complete_dates(settings, [d1, d2, d3]) == {d1}
    record("d", 5, "success", 30, [d2])  # fixed by a later success
    assert complete_dates(settings, [d1, d2, d3]) == {d1, d2}


# -- CLI validation -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backfill", "--start", "2025-11-01'; drop table x; --", "--end", "2025-11-03"], "not a date"),
        (["backfill", "--start", "2025-11-05", "--end", "2025-11-01"], "before --start"),
        (["backfill", "--start", "2025-02-30", "--end", "2025-03-01"], "not a date"),
        (["backfill", "--start", "2025-11-01"], "--end"),
        (["backfill", "--start", "2020-01-01", "--end", "2025-01-01"], "exceeds"),
        (["backfill", "--start", "2025-11-01", "--end", "2025-11-02", "--chunk-days", "0"], "chunk-days"),
        (["backfill", "--start", "2025-11-01", "--end", "2025-11-02", "--target", "staging"], "unknown target"),
        (["heal", "--start", "2025-11-05", "--end", "2025-11-01"], "before --start"),
        (["heal", "--end", "tomorrow"], "not a date"),
        (["replay", "--date", "2025-11-01'; drop table x; --"], "not a date"),
        (["replay", "--date", "2025-13-01"], "not a date"),
        (["replay"], "--date"),
    ],
)
def test_bad_operations_input_exits_2(args, message, tmp_path):
    result = runner.invoke(app, [*args, "--warehouse-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_backfill_refuses_while_another_run_holds_the_warehouse(tmp_path):
    from dbt_project.control.runner import run_lock

    settings = Settings(target="test", warehouse_dir=tmp_path / "wh", landing_dir=tmp_path, exports_dir=tmp_path)
    with run_lock(settings):
        for argv in (["backfill", "--start", "2025-11-01", "--end", "2025-11-02"], ["heal"]):
            result = runner.invoke(
                app,
                [
                    *argv,
                    "--target",
                    "test",
                    "--warehouse-dir",
                    str(settings.warehouse_dir),
                    "--landing-dir",
                    str(tmp_path),
                ],
            )
            assert result.exit_code == 3, result.output
            assert "another nba-props run" in result.output
