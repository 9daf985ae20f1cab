"""Fault injection (issue #8 item 4): each scenario breaks one thing on a copy of one small baseline warehouse and
asserts, besides its own outcome (recovered, or a clear error recorded in run history):

* 0 rows lost, 0 duplicates, no lost run history (``assert_no_loss_no_duplicates``, tests/support/faults.py);
* where a gate fails: the later phases recorded skipped, the date's tables and feeds unchanged (``assert_blocked``).

Real engines throughout (dlt, DuckDB, dbt in-process, the runner, subprocesses killed with SIGKILL); only the
network is stood in for: `responses` for the providers' APIs, a local HTTP server for the Slack webhook. The
baseline is the first five demo days run end to end once (xgboost and the stack do not train that early, so
phase 5 is quick); the sixth demo day has landing files and was never run.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from requests.exceptions import ReadTimeout
from typer.testing import CliRunner

import ml.store
from core.errors import NoDataError
from core.settings import PROJECT_DIR
from dbt_project.cli import app
from dbt_project.control.dates import complete_dates
from tests.support.balldontlie import DAY, GAMES_URL, STATS_URL, D, bdl_query, game, mock_games, mock_stats, stat
from tests.support.env import Env, make_env
from tests.support.faults import (
    Snapshot,
    assert_blocked,
    assert_no_loss_no_duplicates,
    clone,
    crashing_connect,
    latest_runs,
    recorded,
    run,
    snapshot,
    spawn,
    sql,
)
from tests.support.webhook import Reply, webhook

pytestmark = pytest.mark.fault

BASE_DAYS = 5
LIVE_GAME = 18_499_001  # live-mode ids that no demo game or stat line uses
LIVE_STAT = 990_000_000
RAW_AND_VIEWS = ("nba_raw.", "views")  # what a phase 1 run may add rows to
CLI = ["-m", "dbt_project.cli"]


@dataclass
class Baseline:
    env: Env
    dates: list[date]  # run end to end
    next_day: date  # landing files, never run
    snap: Snapshot


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, demo_landing) -> Baseline:
    landing, game_dates = demo_landing
    days = game_dates[: BASE_DAYS + 1]
    root = tmp_path_factory.mktemp("fault_baseline")
    for source in (p for p in landing.iterdir() if p.is_dir()):
        for day in days:
            if (source / day.isoformat()).is_dir():
                shutil.copytree(source / day.isoformat(), root / "landing" / source.name / day.isoformat())
    env = make_env(root, root / "landing", days)
    result = env.cli("run", "--start", days[0].isoformat(), "--end", days[BASE_DAYS - 1].isoformat())
    assert result.exit_code == 0, result.output
    return Baseline(env, days[:BASE_DAYS], days[BASE_DAYS], snapshot(env.settings))


@pytest.fixture
def ws(baseline: Baseline, tmp_path: Path) -> Env:
    """A copy of the baseline (warehouse, exports, landing) to break."""
    return clone(baseline.env, tmp_path / "ws")


@pytest.fixture(scope="module")
def next_day_loaded(baseline: Baseline, tmp_path_factory: pytest.TempPathFactory) -> tuple[Env, Snapshot]:
    """The uninterrupted reference: the baseline, then phase 1 of the next day."""
    env = clone(baseline.env, tmp_path_factory.mktemp("next_day_loaded"))
    result = run(env, [baseline.next_day], phases=(1,))
    assert result.ok and result.phases[0].status == "success", result.phases
    return env, snapshot(env.settings)


@pytest.fixture
def live(baseline: Baseline, tmp_path: Path, live_env: None) -> Env:
    """Live mode: the baseline's warehouse, an empty landing area the fetch writes into, API keys set."""
    return clone(baseline.env, tmp_path / "ws", landing=tmp_path / "live_landing")


# -- helpers ---------------------------------------------------------------------------------------------------
def raw_rows(env: Env, table: str, day: date) -> int:
    return sql(env, f"select count(*) from test_nba_raw.{table} where _source_file like ?", [f"%/{day.isoformat()}/%"])[
        0
    ][0]


def landing_files(env: Env, source: str, day: date) -> list[str]:
    folder = env.settings.landing_dir / source / day.isoformat()
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def live_stats(*numbers: int, **extra) -> list[dict]:
    return [stat(LIVE_STAT + n, game_id=LIVE_GAME, **extra) for n in numbers]


def fetch(env: Env, *sources: str):
    argv = ["landing", "fetch", "--date", D, "--landing-dir", str(env.settings.landing_dir)]
    for source in sources or ("balldontlie",):
        argv += ["--source", source]
    return env.cli(*argv)


def assert_live_day_loaded(
    baseline: Baseline, env: Env, box_scores: int, games: int, status: str = "success", **invariants
) -> None:
    """Phase 1 of the live day: recorded with ``status``, exactly these rows in, nothing lost or duplicated."""
    load = run(env, [DAY], phases=(1,))
    assert load.ok and [(p.phase, p.status) for p in load.phases] == [(1, status)], load.phases
    assert recorded(env.settings, load.run_id)[DAY, 1][0] == status
    assert (raw_rows(env, "box_scores", DAY), raw_rows(env, "games", DAY)) == (box_scores, games)
    assert_no_loss_no_duplicates(baseline.snap, env.settings, grows=RAW_AND_VIEWS, **invariants)


def edit_json(path: Path, change) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body), encoding="utf-8")


def stat_rows(env: Env, day: date) -> int:
    return sum(
        len(json.loads(p.read_text())["data"])
        for p in (env.settings.landing_dir / "balldontlie" / day.isoformat()).glob("stats_page_*.json")
    )


def wait_for(predicate, proc: subprocess.Popen, what: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"{what}: never happened (exit {proc.poll()})")


# -- live fetch: HTTP faults ---------------------------------------------------------------------------------
def _stats_429(rsps) -> None:
    rsps.get(STATS_URL, status=429, headers={"Retry-After": "1"}, json={"error": "rate limited"}, match=bdl_query())


def _games_5xx(rsps) -> None:
    rsps.get(GAMES_URL, status=503, body="Service Unavailable", match=bdl_query())
    rsps.get(GAMES_URL, status=502, body="Bad Gateway", match=bdl_query())


def _stats_timeout(rsps) -> None:
    rsps.get(STATS_URL, body=ReadTimeout("read timed out"), match=bdl_query())


@pytest.mark.parametrize(
    ("inject", "retries", "min_seconds"),
    [
        pytest.param(_stats_429, 1, 1.0, id="http_429_retry_after"),
        pytest.param(_games_5xx, 2, 0.0, id="http_5xx_then_success"),
        pytest.param(_stats_timeout, 1, 0.0, id="http_timeout_then_success"),
    ],
)
def test_transient_http_error_is_retried_and_the_day_loads(baseline, live, rsps, inject, retries, min_seconds):
    inject(rsps)  # registered first: answered first
    mock_games(rsps, [game(LIVE_GAME)])
    mock_stats(rsps, None, live_stats(1, 2, 3), None)

    started = time.perf_counter()
    fetched = fetch(live)
    assert fetched.exit_code == 0, fetched.output
    assert time.perf_counter() - started >= min_seconds  # a 429 waits for its Retry-After
    summary = json.loads(fetched.stdout)
    assert (summary["retries"], summary["errors"], summary["files"]) == (retries, [], 2)
    assert_live_day_loaded(baseline, live, box_scores=3, games=1)


def test_http_5xx_that_persists_is_a_clear_error_and_nothing_partial_is_written(baseline, live, rsps):
    mock_games(rsps, [game(LIVE_GAME)])
    mock_stats(rsps, None, live_stats(1, 2), 5)
    rsps.get(STATS_URL, status=503, body="Service Unavailable", match=bdl_query(cursor="5"))

    fetched = fetch(live)

    assert fetched.exit_code == 1, fetched.output
    assert "fetch failed" in fetched.output and f"stats of {D} page 2" in fetched.output
    assert "failed after 4 attempt(s): HTTP 503" in fetched.output
    # the complete games file is kept; no stats page of the failed sequence (not even page 1), no temp file
    assert landing_files(live, "balldontlie", DAY) == ["games.json"]
    assert latest_runs(live.settings, {r[0] for r in baseline.snap.history}) == []  # nothing ran
    assert_no_loss_no_duplicates(baseline.snap, live.settings)  # and nothing changed


def test_malformed_json_page_is_a_clear_error_and_only_complete_files_load(baseline, live, rsps):
    mock_games(rsps, [game(LIVE_GAME)])
    mock_stats(rsps, None, live_stats(1, 2), 5)
    rsps.get(STATS_URL, body='{"data": [{"id": 3, "pts"', match=bdl_query(cursor="5"))

    fetched = fetch(live)

    assert fetched.exit_code == 1, fetched.output
    assert "malformed JSON" in fetched.output and f"stats of {D} page 2" in fetched.output
    assert landing_files(live, "balldontlie", DAY) == ["games.json"]
    assert_live_day_loaded(baseline, live, box_scores=0, games=1)


def test_schema_drift_new_field_loads_as_a_new_column(baseline, live, rsps):
    mock_games(rsps, [game(LIVE_GAME)])
    mock_stats(rsps, None, [*live_stats(1), *live_stats(2, plus_minus=7)], None)

    assert fetch(live).exit_code == 0

    assert_live_day_loaded(baseline, live, box_scores=2, games=1, new_columns={"nba_raw.box_scores": {"plus_minus"}})
    assert sql(live, "select id, plus_minus from test_nba_raw.box_scores where plus_minus is not null") == [
        (LIVE_STAT + 2, 7)
    ]


def test_schema_drift_changed_type_of_a_key_is_quarantined(baseline, live, rsps):
    mock_games(rsps, [game(LIVE_GAME)])
    mock_stats(rsps, None, [*live_stats(1, 2), {**live_stats(3)[0], "id": str(LIVE_STAT + 3)}], None)

    assert fetch(live).exit_code == 0

    assert_live_day_loaded(baseline, live, box_scores=2, games=1, status="degraded")
    rejected = sql(live, "select source_file, locator, field, reason from test_nba_raw.rejected_rows")
    assert rejected == [
        (f"balldontlie/{D}/stats_page_001.json", "data[2]", "id", f"expected an integer, got str '{LIVE_STAT + 3}'")
    ]


def test_empty_day_is_refused_as_no_data_never_a_success(baseline, live, rsps):
    """The provider has no games that day: the fetch writes its empty files, and a run of that date is refused
    ("no data"), recording nothing: a day without a slate is never a success (issue #13)."""
    mock_games(rsps, [])
    mock_stats(rsps, None, [], None)

    fetched = fetch(live)
    assert fetched.exit_code == 0, fetched.output
    assert landing_files(live, "balldontlie", DAY) == ["games.json", "stats_page_001.json"]

    with pytest.raises(NoDataError, match=f"no data for {DAY}: no games scheduled"):
        run(live, [DAY], phases=(1,))
    assert latest_runs(live.settings, {r[0] for r in baseline.snap.history}) == []
    assert_no_loss_no_duplicates(baseline.snap, live.settings)  # not a row added anywhere


def test_duplicated_cursor_page_loads_no_duplicates(baseline, live, rsps):
    mock_games(rsps, [game(LIVE_GAME)])
    mock_stats(rsps, None, live_stats(1, 2), 7)
    mock_stats(rsps, 7, live_stats(3, 4), 8)
    mock_stats(rsps, 8, live_stats(3, 4), 8)  # the API serves page 2 again, pointing at the cursor just used

    fetched = fetch(live)

    assert fetched.exit_code == 0, fetched.output
    warnings = json.loads(fetched.stdout)["warnings"]
    assert any("page 3 repeats rows" in w for w in warnings) and any("stopped paginating" in w for w in warnings)
    assert landing_files(live, "balldontlie", DAY) == ["games.json", "stats_page_001.json", "stats_page_002.json"]
    assert_live_day_loaded(baseline, live, box_scores=4, games=1)


@pytest.mark.parametrize(
    ("source", "variable"),
    [("balldontlie", "SOURCES__BALLDONTLIE__API_KEY"), ("odds_api", "SOURCES__ODDS_API__API_KEY")],
)
def test_missing_api_key_is_a_clear_error_and_nothing_is_fetched(baseline, live, rsps, monkeypatch, source, variable):
    monkeypatch.delenv(variable)

    fetched = fetch(live, source)

    assert fetched.exit_code == 2, fetched.output  # a configuration error (README "Exit codes")
    assert variable in fetched.output and "missing" in fetched.output
    assert len(rsps.calls) == 0
    assert not any(live.settings.landing_dir.rglob("*"))
    assert latest_runs(live.settings, {r[0] for r in baseline.snap.history}) == []
    assert_no_loss_no_duplicates(baseline.snap, live.settings)


# -- landing area faults ---------------------------------------------------------------------------------------
def test_corrupt_landing_files_are_quarantined_naming_file_row_and_field(baseline, ws):
    """One day's landing area corrupted three ways: a stats page cut off half way (invalid JSON), a box-score
    row with negative points, a game with an unknown team code."""
    day = baseline.next_day
    folder = ws.settings.landing_dir / "balldontlie" / day.isoformat()
    landed = stat_rows(ws, day)
    page = folder / "stats_page_002.json"
    cut = len(json.loads(page.read_text())["data"])
    page.write_bytes(page.read_bytes()[: page.stat().st_size // 2])
    edit_json(folder / "stats_page_001.json", lambda b: b["data"][4].update(pts=-5))
    edit_json(folder / "games.json", lambda b: b["data"][1]["home_team"].update(abbreviation="XXX"))

    load = run(ws, [day], phases=(1,))

    assert load.ok and load.phases[0].status == "degraded", load.phases
    message = load.phases[0].message
    assert "3 quarantined" in message and f"balldontlie/{day}/" in message, message
    assert recorded(ws.settings, load.run_id)[day, 1] == ("degraded", message)
    rejected = sql(ws, "select source_file, locator, field, reason from test_nba_raw.rejected_rows order by all")
    expected = [
        ("games.json", "data[1]", "home_team.abbreviation", "unknown team code 'XXX'"),
        ("stats_page_001.json", "data[4]", "pts", "impossible value -5"),
        ("stats_page_002.json", "file", "(file)", "malformed JSON in landing file"),
    ]
    assert [(f, loc, fld) for f, loc, fld, _ in rejected] == [
        (f"balldontlie/{day}/{name}", loc, fld) for name, loc, fld, _ in expected
    ]
    assert all(why in reason for (*_, reason), (*_, why) in zip(rejected, expected, strict=True)), rejected
    # every good row of the date loaded: the other pages, the other games, the other providers' files
    assert raw_rows(ws, "box_scores", day) == landed - cut - 1
    assert raw_rows(ws, "games", day) == len(json.loads((folder / "games.json").read_text())["data"]) - 1
    assert raw_rows(ws, "player_props", day) > 0 and raw_rows(ws, "schedule", day) > 0
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, grows=RAW_AND_VIEWS)


def test_missing_injury_report_is_a_soft_dependency_recorded_degraded(baseline, ws):
    day = baseline.next_day
    (ws.settings.landing_dir / "nbacom" / day.isoformat() / "injury_report.json").unlink()

    result = run(ws, [day], phases=(1, 2, 3))  # up to the layer that reads the report

    assert result.ok, result.phases
    assert f"no injury report for {day}" in result.phases[0].message
    assert {k: s for k, (s, _) in recorded(ws.settings, result.run_id).items()} == {
        (day, 1): "degraded",
        (day, 2): "success",
        (day, 3): "success",
    }
    # the run went on: the day's pre-game context is built, without injury information
    context = (
        "select count(*), count(teammates_out) from test_nba_analytics.upcoming_player_game_context where game_date = ?"
    )
    players, with_report = sql(ws, context, [day])[0]
    assert players > 0 and with_report == 0
    assert sql(ws, context, [baseline.dates[-1]])[0][1] > 0  # a day with its report
    assert raw_rows(ws, "injury_report", day) == 0
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, grows=("nba_raw.", "nba_analytics.", "views"))


def test_missing_landing_directory_fails_phase_1_and_blocks_the_rest(baseline, ws):
    shutil.rmtree(ws.settings.landing_dir)
    day = baseline.next_day

    result = ws.cli("run", "--date", day.isoformat())

    assert result.exit_code == 1, result.output
    assert "landing directory not found" in result.output and str(ws.settings.landing_dir) in result.output
    [run_id] = latest_runs(ws.settings, {r[0] for r in baseline.snap.history})
    assert_blocked(_result_of(ws, run_id), ws.settings, 1, day, baseline.snap, "landing directory not found")
    assert_no_loss_no_duplicates(baseline.snap, ws.settings)


def _result_of(env: Env, run_id: str):
    """A RunResult rebuilt from run history (for runs made through the CLI)."""
    from dbt_project.control.runner import PhaseResult, RunResult

    rows = recorded(env.settings, run_id)
    days = sorted({d for d, _ in rows})
    phases = [PhaseResult(p, s, 0.0, m) for (d, p), (s, m) in sorted(rows.items()) if d == days[0]]
    return RunResult(run_id, days, phases)


# -- crashes and reruns ----------------------------------------------------------------------------------------
PHASE_1 = (  # phase 1 of one date, as `nba-props run` would do it
    "import sys\n"
    "from datetime import date\n"
    "from pathlib import Path\n"
    "from dbt_project.control.runner import PipelineRunner\n"
    "from core.settings import Settings\n"
    "base = Path(sys.argv[1])\n"
    "settings = Settings(target='test', landing_dir=base / 'landing', warehouse_dir=base / 'warehouse',\n"
    "                    exports_dir=base / 'exports')\n"
    "PipelineRunner(settings).run([date.fromisoformat(sys.argv[2])], phases=(1,))\n"
)


def _kill_phase_1_mid_load(ws: Env, day: date, tmp_path: Path, known: set[str]) -> None:
    """Phase 1 of ``day`` in a subprocess, killed with SIGKILL once dlt has normalised packages to load."""
    normalized = ws.settings.dlt_pipelines_dir / "nba_props_replay_test" / "load" / "normalized"
    assert not normalized.is_dir() or not any(normalized.iterdir())
    proc = spawn(
        ["-c", PHASE_1, str(ws.settings.warehouse_dir.parent), day.isoformat()], tmp_path, tmp_path / "load.log"
    )
    try:
        wait_for(lambda: normalized.is_dir() and any(normalized.iterdir()), proc, "dlt load")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "load.log").read_text()
    [killed] = latest_runs(ws.settings, known)
    assert recorded(ws.settings, killed)[day, 1][0] == "running"  # the date is not complete


def test_crash_mid_load_then_rerun_equals_an_uninterrupted_load(baseline, ws, next_day_loaded, tmp_path):
    day = baseline.next_day
    before = {r[0] for r in baseline.snap.history}
    _kill_phase_1_mid_load(ws, day, tmp_path, before)
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, grows=RAW_AND_VIEWS)

    rerun = run(ws, [day], phases=(1,))

    assert rerun.ok and rerun.phases[0].status == "success", rerun.phases
    assert recorded(ws.settings, rerun.run_id)[day, 1][0] == "success"
    assert len(latest_runs(ws.settings, before)) == 2
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, grows=RAW_AND_VIEWS, reference=next_day_loaded[1])


def test_package_left_by_a_killed_load_does_not_displace_the_next_date(baseline, ws, demo_landing):
    """A load killed between dlt's normalize and load steps leaves its package pending; the next run is for the
    next date. dlt's `run` would load only the pending package and ignore the new date (reported loaded, its rows
    missing): the next date's files must all load."""
    from ingestion.balldontlie import balldontlie_source
    from ingestion.landing import LandingArea
    from ingestion.pipeline import make_pipeline

    landing, game_dates = demo_landing
    later = game_dates[BASE_DAYS + 1]
    for source in (p for p in landing.iterdir() if p.is_dir() and (p / later.isoformat()).is_dir()):
        shutil.copytree(source / later.isoformat(), ws.settings.landing_dir / source.name / later.isoformat())
    pipeline = make_pipeline(ws.settings)
    pipeline.extract(balldontlie_source(LandingArea(ws.settings.landing_dir), [baseline.next_day]))
    pipeline.normalize()  # ... and killed here
    assert pipeline.list_normalized_load_packages()

    load = run(ws, [later], phases=(1,))

    assert load.ok and load.phases[0].status == "success", load.phases
    assert "dropped 1 load package(s) an interrupted load left behind" in load.phases[0].message
    assert raw_rows(ws, "box_scores", later) == stat_rows(ws, later) > 0
    assert raw_rows(ws, "player_props", later) > 0 and raw_rows(ws, "schedule", later) > 0
    assert recorded(ws.settings, load.run_id) == {(later, 1): ("success", load.phases[0].message)}
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, grows=RAW_AND_VIEWS)


def test_crash_mid_prediction_write_then_rerun_equals_the_reference(baseline, ws, tmp_path):
    day = baseline.dates[-1]
    code = (
        "import os, signal, sys\n"
        "import ml.store\n"
        "from tests.support.faults import crashing_connect\n"
        "ml.store.connect = crashing_connect(ml.store.connect, lambda: os.kill(os.getpid(), signal.SIGKILL))\n"
        "from dbt_project.cli import app\n"
        "app(sys.argv[1:])\n"
    )
    proc = spawn(
        ["-c", code, *ws.argv("predict", "--date", day.isoformat())],
        tmp_path,
        tmp_path / "predict.log",
    )
    proc.wait(timeout=180)

    assert proc.returncode == -signal.SIGKILL, (tmp_path / "predict.log").read_text()
    [killed] = latest_runs(ws.settings, {r[0] for r in baseline.snap.history})
    assert recorded(ws.settings, killed)[day, 5][0] == "running" and day not in complete_dates(ws.settings, [day])
    # killed between the delete of the date's rows and their insert: the transaction never committed
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, reference=baseline.snap)

    rerun = ws.cli("predict", "--date", day.isoformat())

    assert rerun.exit_code == 0, rerun.output
    assert day in complete_dates(ws.settings, [day])
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, reference=baseline.snap)


def test_error_mid_prediction_write_rolls_back_and_blocks_publish(baseline, ws, monkeypatch):
    def disk_error() -> None:
        raise OSError(errno.EIO, "Input/output error (injected)")

    monkeypatch.setattr(ml.store, "connect", crashing_connect(ml.store.connect, disk_error))
    day = baseline.dates[-1]

    result = run(ws, [day], phases=(5, 6))

    assert not result.ok
    assert_blocked(result, ws.settings, 5, day, baseline.snap, "Input/output error (injected)")
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, reference=baseline.snap)  # rolled back


def test_same_date_three_times_leaves_identical_tables(baseline, ws):
    day = baseline.dates[-1].isoformat()
    for attempt in range(3):
        result = ws.cli("run", "--date", day)
        assert result.exit_code == 0, (attempt, result.output)
        assert_no_loss_no_duplicates(baseline.snap, ws.settings, reference=baseline.snap)
    runs = latest_runs(ws.settings, {r[0] for r in baseline.snap.history})
    # phase 6 may be degraded: the baseline's published ensemble has no predictions that early (it says so)
    assert len(runs) == 3 and all(
        {s for (_, p), (s, _) in recorded(ws.settings, r).items() if p < 6} == {"success"}
        and recorded(ws.settings, r)[baseline.dates[-1], 6][0] in ("success", "degraded")
        for r in runs
    )


def test_concurrent_runs_of_one_date_one_refuses(baseline, ws, tmp_path):
    day = baseline.dates[-1].isoformat()
    log = tmp_path / "first.log"
    first = spawn(
        [*CLI, "predict", "--date", day, "--target", "test", "--warehouse-dir", str(ws.settings.warehouse_dir)],
        tmp_path,
        log,
    )
    try:
        wait_for(lambda: "nba-props run" in log.read_text(), first, "the first run taking the lock")
        second = ws.cli("run", "--date", day)  # this process, while the first holds the warehouse
        assert second.exit_code == 3, second.output
        assert "error: another nba-props run holds" in second.output
        assert f"pid {first.pid}" in second.output
        assert first.wait(timeout=180) == 0, log.read_text()
    finally:
        if first.poll() is None:
            first.kill()
    [only] = latest_runs(ws.settings, {r[0] for r in baseline.snap.history})  # the refused run wrote nothing
    assert {k: s for k, (s, _) in recorded(ws.settings, only).items()} == {(date.fromisoformat(day), 5): "success"}
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, reference=baseline.snap)


def test_warehouse_held_by_another_process_is_refused_clearly(baseline, ws, tmp_path):
    holder = spawn(
        [
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('holding', flush=True); "
            "time.sleep(120)",
            str(ws.settings.duckdb_path),
        ],
        tmp_path,
        tmp_path / "holder.log",
    )
    try:
        wait_for(lambda: "holding" in (tmp_path / "holder.log").read_text(), holder, "a DuckDB shell opening the file")
        result = ws.cli("run", "--date", baseline.next_day.isoformat())
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert result.exit_code == 3, result.output
    assert "error: cannot open" in result.output and "Another nba-props or dbt process may be writing" in result.output
    assert latest_runs(ws.settings, {r[0] for r in baseline.snap.history}) == []
    assert_no_loss_no_duplicates(baseline.snap, ws.settings)


def test_stat_correction_after_grading_regrades_without_duplicates(baseline, ws):
    day = baseline.dates[-1]
    (player,) = sql(
        ws,
        "select min(player_id) from test_nba_predictions.prediction_accuracy "
        "where game_date = ? and market = 'player_assists'",
        [day],
    )[0]

    def graded(market: str) -> list[tuple]:
        return sql(
            ws,
            "select actual_value, count(*) from test_nba_predictions.prediction_accuracy "
            "where game_date = ? and player_id = ? and market = ? group by 1",
            [day, player, market],
        )

    [(assists, n_assists)], [(pra, n_pra)] = graded("player_assists"), graded("player_points_rebounds_assists")
    for page in (ws.settings.landing_dir / "balldontlie" / day.isoformat()).glob("stats_page_*.json"):
        body = json.loads(page.read_text())
        for row in body["data"]:
            if row["player"]["id"] == player:  # the league credits one more assist a day late
                row["ast"] += 1
                page.write_text(json.dumps(body))
    before = snapshot(ws.settings, days=baseline.dates)

    result = ws.cli("run", "--date", day.isoformat())

    assert result.exit_code == 0, result.output
    assert graded("player_assists") == [(assists + 1, n_assists)]
    assert graded("player_points_rebounds_assists") == [(pra + 1, n_pra)]
    assert sql(
        ws,
        "select assists from test_nba_analytics.player_game_summary where game_date = ? and player_id = ?",
        [day, player],
    ) == [(assists + 1,)]
    # that date's rows are replaced one for one, every other date's are untouched, no duplicate anywhere
    assert_no_loss_no_duplicates(before, ws.settings, replaced_on=day)


# -- gates -----------------------------------------------------------------------------------------------------
def test_duplicate_raw_rows_close_the_phase2_gate(baseline, next_day_loaded, tmp_path):
    env = clone(next_day_loaded[0], tmp_path / "ws")
    day = baseline.next_day
    sql(
        env,
        "insert into test_nba_raw.box_scores select * from test_nba_raw.box_scores "
        "where _source_file like ? order by id limit 5",
        [f"%/{day}/%"],
    )
    before = snapshot(env.settings)

    result = run(env, [day], phases=(2, 3, 4, 5, 6))

    assert_blocked(result, env.settings, 2, day, before, "source_unique_balldontlie_box_scores_id")
    assert sql(env, "select count(*) from test_nba_predictions.player_prop_predictions where game_date = ?", [day]) == [
        (0,)
    ]
    assert not (env.settings.exports_dir / day.isoformat()).exists()
    assert_no_loss_no_duplicates(before, env.settings, planted={"nba_raw.box_scores (id)": 5})


def test_critical_precompute_model_failing_opens_the_circuit_breaker(baseline, ws):
    # an older checkout's feature store: the contract (on_schema_change: fail) refuses to build on it
    sql(ws, "alter table test_nba_precompute.ml_feature_store add column legacy_feature double")
    before = snapshot(ws.settings)
    day = baseline.dates[-1]

    result = run(ws, [day], phases=(4, 5, 6))

    assert_blocked(result, ws.settings, 4, day, before, "circuit breaker open: critical ml_feature_store")
    assert_no_loss_no_duplicates(before, ws.settings)  # predictions and feeds of the date as they were


def test_phase_over_its_time_limit_is_stopped_and_changes_nothing(baseline, ws, monkeypatch):
    monkeypatch.setenv("NBA_PROPS_PHASE_TIMEOUT_SECONDS_3", "2")
    env = make_env(ws.settings.warehouse_dir.parent, ws.settings.landing_dir, ws.game_dates)  # reads the limit
    day = baseline.dates[-1]

    result = run(env, [day], phases=(3, 4, 5, 6))

    assert_blocked(result, env.settings, 3, day, baseline.snap, "phase 3 exceeded its 2 s limit")
    # dbt was interrupted part way through phase 3's incremental delete+insert builds: nothing half done
    assert_no_loss_no_duplicates(baseline.snap, env.settings, reference=baseline.snap)


# -- alerts ----------------------------------------------------------------------------------------------------
def test_slack_webhook_down_leaves_a_degraded_run_unaffected(baseline, ws, alert_env, monkeypatch, caplog):
    caplog.set_level("INFO", logger="nba_props.alerts")
    monkeypatch.setenv("NBA_PROPS_ALERT_MAX_ATTEMPTS", "2")
    day = baseline.next_day
    (ws.settings.landing_dir / "nbacom" / day.isoformat() / "injury_report.json").unlink()
    with webhook(Reply(500, body="internal_error")) as hook:
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", hook.url)
        result = run(ws, [day], phases=(1,))
    assert result.ok and result.phases[0].status == "degraded", result.phases
    assert len(hook.requests) == 2  # tried, retried, gave up
    assert result.alerts == [
        {"kind": "degraded_run", "title": "run degraded: phase 1 (ingest)", "delivered": False, "configured": True}
    ]
    assert any(
        "slack" in r.getMessage() and "500" in r.getMessage() for r in caplog.records if r.levelname == "WARNING"
    ), [r.getMessage() for r in caplog.records]
    assert recorded(ws.settings, result.run_id)[day, 1][0] == "degraded"
    assert_no_loss_no_duplicates(baseline.snap, ws.settings, grows=RAW_AND_VIEWS)


def test_slack_webhook_unreachable_leaves_a_refused_run_unaffected(baseline, ws, alert_env, monkeypatch):
    monkeypatch.setenv("NBA_PROPS_ALERT_MAX_ATTEMPTS", "2")
    day = baseline.next_day  # phase 4 never ran for it: predict refuses
    with socket.socket() as sock:  # bound, never listening
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{sock.getsockname()[1]}/hook")
        started = time.perf_counter()
        result = ws.cli("predict", "--date", day.isoformat())
        elapsed = time.perf_counter() - started
    assert result.exit_code == 1, result.output
    assert "refused: P4->P5 gate failed" in result.output and "alert not delivered: gate_failed" in result.output
    assert elapsed < 60
    [run_id] = latest_runs(ws.settings, {r[0] for r in baseline.snap.history})
    status, message = recorded(ws.settings, run_id)[day, 5]
    assert status == "failed" and "phase 4 has never run" in message
    assert_no_loss_no_duplicates(baseline.snap, ws.settings)


# -- exports ---------------------------------------------------------------------------------------------------
@pytest.fixture
def tmpfs():
    """Mount a small tmpfs (root only); unmounted afterwards."""
    mounted: list[Path] = []

    def mount(path: Path, size: str) -> None:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs to fill up (needs root or CAP_SYS_ADMIN): {done.stderr.strip()}")
        mounted.append(path)

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.parametrize(
    ("fault", "reason"), [("disk_full", "No space left on device"), ("read_only", "Read-only file system")]
)
def test_export_to_a_full_or_read_only_disk_leaves_the_previous_feeds(baseline, ws, tmpfs, tmp_path, fault, reason):
    day = baseline.dates[-1]
    exports = ws.settings.exports_dir
    saved = tmp_path / "saved"
    for part in (day.isoformat(), "schemas"):
        shutil.copytree(exports / part, saved / part)
    shutil.copy2(exports / ".nba-props-target", saved)  # the folder's owner (the test target)
    shutil.rmtree(exports)
    exports.mkdir()
    tmpfs(exports, "8m")
    shutil.copytree(saved, exports, dirs_exist_ok=True)
    if fault == "disk_full":
        stat = os.statvfs(exports)
        with open(exports / "filler", "wb") as fh:  # leave 64 KiB: the schemas fit, the predictions feed does not
            fh.truncate(0)
            fh.write(b"\0" * (stat.f_bavail * stat.f_frsize - 64 * 1024))
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(exports)], check=True)
    previous = snapshot(ws.settings)

    if fault == "disk_full":  # phase 6 of a run
        result = run(ws, [day], phases=(6,))
        [phase6] = result.phases
        assert phase6.status == "failed" and "cannot write" in phase6.message and reason in phase6.message
        assert f"{exports}/{day}/predictions.json" in phase6.message
        assert recorded(ws.settings, result.run_id)[day, 6] == ("failed", phase6.message)
    else:  # `nba-props export` (not a run: nothing recorded)
        result = ws.cli(
            "export",
            "--date",
            day.isoformat(),
            "--target",
            "test",
            "--warehouse-dir",
            str(ws.settings.warehouse_dir),
            "--exports-dir",
            str(exports),
        )
        assert result.exit_code == 4, result.output  # a file system error (README "Exit codes")
        assert f"cannot write {exports}/" in result.output
        assert reason in result.output
        assert latest_runs(ws.settings, {r[0] for r in baseline.snap.history}) == []
    # no partial or temporary file, the previous feeds byte for byte
    after = assert_no_loss_no_duplicates(baseline.snap, ws.settings, reference=baseline.snap)
    assert after.exports == previous.exports


# -- command line ----------------------------------------------------------------------------------------------
INJECTION = "'; drop table test_nba_raw.games; --"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--date", f"2025-10-21{INJECTION}"], "not a date"),
        (["run", "--date", "2025-10-21", "--target", "test' or 1=1 --"], "unknown target"),
        (["predict", "--start", "2025-10-21", "--end", f"2025-10-25{INJECTION}"], "not a date"),
        (["export", "--date", "2025-10-25", "--as-of", f"2025-10-26T01:00:00Z{INJECTION}"], "not an ISO time"),
        (["landing", "fetch", "--date", "2025-10-25", "--source", f"balldontlie{INJECTION}"], "unknown source"),
        (["heal", "--start", "2025-10-21' or '1'='1"], "not a date"),
        (
            ["backfill", "--start", "2025-10-21", "--end", "2025-10-22", "--target", "test; drop schema x"],
            "unknown target",
        ),
        (["status", "--target", "x' or 1=1 --"], "unknown target"),
    ],
)
def test_sql_in_a_command_line_argument_is_refused(baseline, ws, argv, message):
    places = {
        "run": ["--landing-dir", "--warehouse-dir", "--exports-dir"],
        "predict": ["--warehouse-dir"],
        "export": ["--warehouse-dir", "--exports-dir"],
        "heal": ["--landing-dir", "--warehouse-dir"],
        "backfill": ["--landing-dir", "--warehouse-dir"],
        "status": ["--warehouse-dir"],
        "landing": [],
    }[argv[0]]
    where = {
        "--landing-dir": ws.settings.landing_dir,
        "--warehouse-dir": ws.settings.warehouse_dir,
        "--exports-dir": ws.settings.exports_dir,
    }
    target = [] if "--target" in argv else ["--target", "test"]
    extra = [*(target if argv[0] != "landing" else []), *(x for p in places for x in (p, str(where[p])))]

    result = CliRunner().invoke(app, [*argv, *extra], catch_exceptions=False)

    assert result.exit_code == 2, result.output
    assert message in result.output
    assert latest_runs(ws.settings, {r[0] for r in baseline.snap.history}) == []
    assert_no_loss_no_duplicates(baseline.snap, ws.settings)  # nothing dropped, nothing written


# -- nothing a user does loses data (issue #13) -----------------------------------------------------------------
def _cli(*argv: str):
    return CliRunner().invoke(app, list(argv), catch_exceptions=False)


def _one_error_line(output: str) -> None:
    """The CLI's one error path: no traceback, one `error:` line."""
    assert "Traceback" not in output, output
    assert sum(1 for line in output.splitlines() if line.startswith("error: ")) == 1, output


def test_another_target_never_writes_a_targets_exports(baseline, ws, tmp_path, monkeypatch):
    """`--target eval` pointed at the test target's exports folder is refused before anything runs; by default
    every target writes its own folder (exports_<target> beside dev's), and the other target's feeds stay."""
    day = baseline.dates[-1]
    exports = ws.settings.exports_dir
    assert (exports / ".nba-props-target").read_text().strip() == "test"
    before = snapshot(ws.settings)
    common = ["--date", day.isoformat(), "--landing-dir", str(ws.settings.landing_dir)]

    refused = _cli(
        "run", *common, "--target", "eval", "--warehouse-dir", str(tmp_path / "eval_wh"), "--exports-dir", str(exports)
    )

    assert refused.exit_code == 2, refused.output
    _one_error_line(refused.output)
    assert f"the exports folder {exports} belongs to target test" in refused.output
    assert not (tmp_path / "eval_wh").exists()  # refused before anything ran

    monkeypatch.setenv("NBA_PROPS_EXPORTS_DIR", str(exports))  # dev's folder; eval derives its own from it
    monkeypatch.setenv("NBA_PROPS_REPORTS_DIR", str(tmp_path / "reports"))
    own = _cli("run", *common, "--target", "eval", "--warehouse-dir", str(tmp_path / "eval_wh"))

    assert own.exit_code == 0, own.output
    eval_exports = exports.with_name(f"{exports.name}_eval")
    assert (eval_exports / ".nba-props-target").read_text().strip() == "eval"
    assert json.loads((eval_exports / day.isoformat() / "live_scores.json").read_text())["count"] > 0
    after = assert_no_loss_no_duplicates(baseline.snap, ws.settings)
    assert after.exports == before.exports  # the test target's feeds byte for byte


def test_replay_writes_the_test_targets_folders_not_devs():
    from core.settings import Settings

    dev = Settings(target="dev", exports_dir=Path("/srv/feeds"), reports_dir=Path("/srv/reports"))
    assert (dev.exports_dir, Settings(target="test").exports_dir.name) == (Path("/srv/feeds"), "exports_test")
    assert Settings(target="eval").reports_dir.name == "reports_eval"
    assert Settings(target="dev").exports_dir.name == "exports"


def test_evaluate_checks_its_input_before_it_deletes_anything(tmp_path):
    """A missing data directory, a work folder that holds anything evaluate did not write, or the project
    itself: exit 2, every file where it was."""
    work = tmp_path / "work"
    (work / "warehouse").mkdir(parents=True)
    (work / "warehouse" / "mine.duckdb").write_text("not evaluate's")
    out = str(tmp_path / "result.json")
    for data_dir, work_dir in (
        (tmp_path / "missing", work),
        (Path(__file__).parent, work),
        (tmp_path / "missing", PROJECT_DIR),
        (tmp_path / "missing", PROJECT_DIR / "warehouse"),
    ):
        result = _cli(
            "evaluate",
            "--data-dir",
            str(data_dir),
            "--start",
            "2025-11-01",
            "--end",
            "2025-11-05",
            "--out",
            out,
            "--work-dir",
            str(work_dir),
        )
        assert result.exit_code == 2, result.output
        _one_error_line(result.output)
    assert (work / "warehouse" / "mine.duckdb").read_text() == "not evaluate's"
    data = tmp_path / "data"
    data.mkdir()
    for name in ("player_box_scores.parquet", "games.parquet", "props_points_lines.parquet"):
        (data / name).write_bytes(b"")
    refused = _cli(
        "evaluate",
        "--data-dir",
        str(data),
        "--start",
        "2025-11-01",
        "--end",
        "2025-11-05",
        "--out",
        out,
        "--work-dir",
        str(work),
    )
    assert refused.exit_code == 2 and "not by nba-props evaluate" in refused.output, refused.output
    assert (work / "warehouse" / "mine.duckdb").is_file()


def test_a_folder_is_cleared_only_of_what_its_writer_wrote(tmp_path):
    from ingestion.output import claim_folder

    folder = tmp_path / "work"
    claim_folder(folder, ("landing", "warehouse"), "writer")
    (folder / "landing" / "x").mkdir(parents=True)
    (folder / "warehouse").mkdir()
    claim_folder(folder, ("landing", "warehouse"), "writer")  # its own: cleared
    assert sorted(p.name for p in folder.iterdir()) == ["_manifest.json"]
    (folder / "landing").mkdir()
    with pytest.raises(FileExistsError, match="written by writer, not by another writer"):
        claim_folder(folder, ("landing", "warehouse"), "another writer")
    (folder / "notes.txt").write_text("keep")
    with pytest.raises(FileExistsError, match=r"holds files that writer did not write \(notes.txt\)"):
        claim_folder(folder, ("landing", "warehouse"), "writer")
    assert (folder / "notes.txt").read_text() == "keep" and (folder / "landing").is_dir()


def test_landing_demo_into_a_folder_of_other_files_is_refused_untouched(tmp_path):
    (tmp_path / "notes.txt").write_text("keep")

    result = _cli("landing", "demo", "--out", str(tmp_path), "--days", "2")

    assert result.exit_code == 2, result.output
    _one_error_line(result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_date_without_data_is_refused_never_a_success(baseline, ws):
    known = {r[0] for r in baseline.snap.history}
    before = snapshot(ws.settings)

    future = ws.cli("run", "--date", "2027-03-01")

    assert future.exit_code == 1, future.output
    _one_error_line(future.output)
    assert "no data for 2027-03-01: the landing area" in future.output
    assert latest_runs(ws.settings, known) == []  # nothing recorded, so `status` reports no success for it
    status = json.loads(ws.cli("status", "--json").output)
    assert all(p["last_success_date"] != "2027-03-01" for p in status["phases"])
    export_args = [
        "--target",
        "test",
        "--warehouse-dir",
        str(ws.settings.warehouse_dir),
        "--exports-dir",
        str(ws.settings.exports_dir),
    ]
    empty = _cli("export", "--date", "2024-01-01", *export_args)
    assert empty.exit_code == 1 and "no data for 2024-01-01" in empty.output, empty.output
    first = baseline.dates[0]  # games, but no history yet: no predictions
    unpredicted = _cli("export", "--date", first.isoformat(), *export_args)
    assert unpredicted.exit_code == 1 and f"no predictions for {first}" in unpredicted.output, unpredicted.output
    after = assert_no_loss_no_duplicates(baseline.snap, ws.settings)
    assert after.exports == before.exports and not (ws.settings.exports_dir / "2024-01-01").exists()


def test_a_slate_the_published_system_did_not_predict_is_said_degraded(baseline):
    """The baseline's first days: no history, then baselines only (the published ensemble needs more): phase 6
    says so, and what history it needs, instead of publishing empty best bets as a success."""
    [run_id] = {r[0] for r in baseline.snap.history}
    status, message = recorded(baseline.env.settings, run_id)[baseline.dates[-1], 6]
    assert status == "degraded", message
    assert f"no predictions for {baseline.dates[0]}" in message
    assert "the published system ensemble predicted nothing" in message and "season before" in message


def _interrupt(ws: Env, tmp_path: Path, after_phase: int) -> tuple[int, str, str]:
    """`nba-props run` in a subprocess, SIGINT once phase ``after_phase`` has ended; `status` asked meanwhile."""
    day = ws.game_dates[len(ws.game_dates) // 2]
    log = tmp_path / "run.log"
    proc = spawn(
        [*CLI, *ws.argv("run", "--date", day.isoformat())],
        tmp_path,
        log,
    )
    try:
        wait_for(lambda: f"phase {after_phase} " in log.read_text(), proc, f"phase {after_phase} ended")
        during = ws.cli("status")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert during.exit_code == 0, during.output
    return proc.returncode, log.read_text(), during.output


@pytest.mark.parametrize("after_phase", [2, 4])
def test_ctrl_c_records_the_open_phases_interrupted_and_exits_130(baseline, ws, tmp_path, after_phase):
    known = {r[0] for r in baseline.snap.history}

    code, output, during = _interrupt(ws, tmp_path, after_phase)

    assert code == 130, output
    _one_error_line(output)
    assert "interrupted (SIGINT)" in output and "gate failed" not in output
    assert "run in progress" in during  # `status` reads while the run holds the warehouse
    [run_id] = latest_runs(ws.settings, known)
    rows = recorded(ws.settings, run_id)
    statuses = {phase: status for (_, phase), (status, _) in rows.items()}
    stopped = min(p for p, s in statuses.items() if s == "interrupted")  # the phase running at Ctrl-C
    assert stopped > after_phase and all(statuses[p] in ("success", "degraded") for p in range(1, stopped)), statuses
    assert all(statuses[p] == "interrupted" for p in range(stopped, 7)), statuses
    assert_no_loss_no_duplicates(
        baseline.snap, ws.settings, grows=("nba_raw.", "views", "nba_analytics.", "nba_precompute.", "nba_predictions.")
    )


def test_expected_failures_are_one_line_and_a_documented_code(baseline, ws, tmpfs, tmp_path, monkeypatch):
    for argv in (["status", "--target", "prod"], ["run", "--date", "2025-11-03", "--target", "prod"]):
        result = _cli(*argv)
        assert result.exit_code == 2, result.output
        _one_error_line(result.output)
        assert "target prod is BigQuery" in result.output
    helped = _cli("evaluate", "--help")
    assert "[start, end]" in helped.output  # help is not read as markup
    monkeypatch.delenv("SOURCES__BALLDONTLIE__API_KEY", raising=False)
    missing = _cli(
        "landing", "fetch", "--date", "2025-11-03", "--source", "balldontlie", "--landing-dir", str(tmp_path / "live")
    )
    assert missing.exit_code == 2, missing.output
    _one_error_line(missing.output)
    assert "[sources.balldontlie] api_key" in missing.output  # the message is not eaten as markup
    warehouse = ws.settings.warehouse_dir
    saved = tmp_path / "saved"
    shutil.copytree(warehouse, saved)
    shutil.rmtree(warehouse)
    warehouse.mkdir()
    tmpfs(warehouse, "512m")
    shutil.copytree(saved, warehouse, dirs_exist_ok=True)
    subprocess.run(["mount", "-o", "remount,ro", str(warehouse)], check=True)

    read_only = ws.cli("run", "--date", baseline.next_day.isoformat())

    assert read_only.exit_code == 4, read_only.output
    _one_error_line(read_only.output)
    assert "Read-only file system" in read_only.output and str(warehouse) in read_only.output
