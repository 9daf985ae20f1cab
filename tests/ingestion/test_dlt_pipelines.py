"""Phase 1's dlt pipelines as dlt users know them: stable names per target, found by dlt's own CLI from the
project root (ingestion/dlt_context.py), and a trace of the landing files' load (the quarantine has its own)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.pipeline import load_landing
from tests.support.env import make_env

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
DLT = str(Path(sys.executable).with_name("dlt"))


def _dlt(*args: str, cwd: Path, warehouse: Path) -> str:
    env = {**os.environ, "NBA_PROPS_WAREHOUSE_DIR": str(warehouse), "RUNTIME__DLT_TELEMETRY": "false"}
    done = subprocess.run([DLT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, demo_landing):
    landing, game_dates = demo_landing
    env = make_env(tmp_path_factory.mktemp("dlt_pipelines"), landing, game_dates[:1])
    load_landing(env.settings, game_dates[:1])
    return env


def test_dlt_lists_the_pipelines_of_the_warehouse_from_the_project_root(loaded, tmp_path):
    warehouse = loaded.settings.warehouse_dir
    listed = _dlt("pipeline", "--list-pipelines", cwd=REPO, warehouse=warehouse)
    assert str(loaded.settings.dlt_pipelines_dir) in listed, listed
    assert "nba_props_replay_test" in listed and "nba_props_quarantine_test" in listed, listed
    # anywhere else dlt's default context applies: the project's pipelines are not there
    elsewhere = _dlt("pipeline", "--list-pipelines", cwd=tmp_path, warehouse=warehouse)
    assert "nba_props_replay_test" not in elsewhere, elsewhere


def test_info_and_trace_show_the_landing_files_load(loaded):
    warehouse = loaded.settings.warehouse_dir
    info = _dlt("pipeline", "nba_props_replay_test", "info", cwd=REPO, warehouse=warehouse)
    assert "dataset_name: test_nba_raw" in info, info
    trace = _dlt("pipeline", "nba_props_replay_test", "trace", cwd=REPO, warehouse=warehouse)
    # the last run of the landing pipeline is the load of the landing files, not the quarantine's
    for table in ("box_scores", "games", "player_props"):
        assert f"- {table}:" in trace, trace
    assert "rejected_rows" not in trace, trace
    quarantine = _dlt("pipeline", "nba_props_quarantine_test", "trace", cwd=REPO, warehouse=warehouse)
    assert "- rejected_rows:" in quarantine, quarantine


def test_duckdb_loads_parquet_files(loaded):
    """On DuckDB dlt writes parquet load files (ingestion/pipeline.py: loader_file_format), which DuckDB reads in
    bulk, instead of INSERT statements: a season loads in seconds and a few hundred MB."""
    import dlt

    from ingestion.pipeline import pipeline_name

    pipeline = dlt.attach(pipeline_name(loaded.settings), pipelines_dir=str(loaded.settings.dlt_pipelines_dir))
    info = pipeline.last_trace.last_load_info
    jobs = [job for package in info.load_packages for job in package.jobs["completed_jobs"]]
    formats: dict[str, set[str]] = {}
    for job in jobs:
        formats.setdefault(job.job_file_info.table_name, set()).add(job.job_file_info.file_format)
    data_tables = {t: f for t, f in formats.items() if not t.startswith("_dlt")}
    assert {"box_scores", "games", "player_props"} <= set(data_tables), formats
    # each table's rows arrive as parquet (merged tables also get dlt's "sql" job that merges the staging copy)
    assert all("parquet" in f and "insert_values" not in f for f in data_tables.values()), formats
