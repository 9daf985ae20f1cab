"""Phase 1 on real dlt + DuckDB: validation and quarantine, schema evolution, idempotent reloads and recovery
from a load killed part way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from core.settings import Settings
from core.warehouse import connect, row_counts
from ingestion.pipeline import load_landing
from tests.support.env import make_env

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def _raw_counts(settings: Settings) -> dict[str, int]:
    with connect(settings, read_only=True) as con:
        return {k: v for k, v in row_counts(con).items() if k.startswith("test_nba_raw.")}


def _rejected(settings: Settings) -> list[tuple]:
    with connect(settings, read_only=True) as con:
        return con.execute(
            "select resource, source_file, locator, field, reason from test_nba_raw.rejected_rows order by all"
        ).fetchall()


def _edit(path: Path, change) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body), encoding="utf-8")


@pytest.fixture
def bad_day(tmp_path, demo_landing):
    """Two demo days; the second carries one bad row of each kind and one new upstream field."""
    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:2], copy_landing=True)
    root, day = env.settings.landing_dir, game_dates[1].isoformat()
    page = root / "balldontlie" / day / "stats_page_001.json"

    def stats(body):
        rows = body["data"]
        rows[0]["min"] = "-05:00"  # impossible value
        rows[1]["id"] = str(rows[1]["id"])  # key changes type: quarantined, not coerced
        rows[2]["pts"] = rows[2]["pts"] + 100
        rows[2]["fgm"] = rows[2]["fga"] + 1  # more made than attempted
        rows[3]["plus_minus"] = 7  # a new upstream field: the schema evolves

    _edit(page, stats)
    _edit(root / "balldontlie" / day / "games.json", lambda b: b["data"][0]["home_team"].update(abbreviation="XXX"))
    _edit(root / "odds_api" / day / "events.json", lambda b: b[0].update(commence_time="tonight"))
    _edit(root / "nbacom" / day / "injury_report.json", lambda b: b["injuries"][0].update(currentStatus="Maybe"))
    return env, day


def test_bad_rows_are_quarantined_and_good_rows_load(bad_day):
    env, day = bad_day
    result = load_landing(env.settings, env.game_dates)
    assert result.rejected == {"box_scores": 3, "events": 1, "games": 1, "injury_report": 1}
    got = {(resource, field, reason.split(" ")[0]) for resource, _, _, field, reason in _rejected(env.settings)}
    assert got == {
        ("box_scores", "min", "impossible"),
        ("box_scores", "id", "expected"),
        ("box_scores", "fgm", "impossible"),
        ("games", "home_team.abbreviation", "unknown"),
        ("events", "commence_time", "not"),
        ("injury_report", "currentStatus", "unknown"),
    }
    assert all(f"/{day}/" in source_file for _, source_file, _, _, _ in _rejected(env.settings))
    with connect(env.settings, read_only=True) as con:
        landed = sum(
            len(json.loads(p.read_text())["data"])
            for d in env.game_dates
            for p in (env.settings.landing_dir / "balldontlie" / d.isoformat()).glob("stats_page_*.json")
        )
        assert con.execute("select count(*) from test_nba_raw.box_scores").fetchone()[0] == landed - 3
        columns = {r[0] for r in con.execute("describe test_nba_raw.box_scores").fetchall()}
        assert "plus_minus" in columns
        assert con.execute("select count(*) from test_nba_raw.box_scores where plus_minus = 7").fetchone()[0] == 1
        assert con.execute("select count(*) from test_nba_raw.box_scores where id < 0").fetchone()[0] == 0


def test_loading_the_same_dates_three_times_changes_nothing(bad_day):
    env, _ = bad_day
    counts = []
    for _ in range(3):
        load_landing(env.settings, env.game_dates)
        counts.append(_raw_counts(env.settings))
    assert counts[0] == counts[1] == counts[2]
    assert counts[0]["test_nba_raw.rejected_rows"] == 6
    assert counts[0]["test_nba_raw.player_props"] > 1000


def test_missing_landing_directory_is_a_clear_error(tmp_path):
    settings = Settings(
        target="test", landing_dir=tmp_path / "nowhere", warehouse_dir=tmp_path / "wh", exports_dir=tmp_path / "ex"
    )
    with pytest.raises(Exception, match="landing directory not found: .*nowhere"):
        load_landing(settings, [])


KILLED_LOAD = """
import sys
from datetime import date
from pathlib import Path
from core.settings import Settings
from ingestion.pipeline import load_landing
warehouse = Path(sys.argv[1])
settings = Settings(target="test", landing_dir=Path(sys.argv[2]), warehouse_dir=warehouse, exports_dir=warehouse)
load_landing(settings, [date.fromisoformat(d) for d in sys.argv[3:]])
"""


def test_a_load_killed_midway_then_rerun_ends_like_an_uninterrupted_one(tmp_path, demo_landing):
    landing, game_dates = demo_landing
    dates = game_dates[:6]
    clean = make_env(tmp_path / "clean", landing, dates)
    load_landing(clean.settings, dates)
    expected = _raw_counts(clean.settings)

    killed = make_env(tmp_path / "killed", landing, dates)
    # kill -9 once dlt starts loading (normalised packages waiting for the destination)
    normalized = killed.settings.dlt_pipelines_dir / "nba_props_replay_test" / "load" / "normalized"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOAD, str(killed.settings.warehouse_dir), str(landing), *map(str, dates)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if normalized.is_dir() and any(normalized.iterdir()):
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the load finished before it could be killed"
    assert _raw_counts(killed.settings) != expected, "the kill left a partial load behind"

    load_landing(killed.settings, dates)  # the rerun
    assert _raw_counts(killed.settings) == expected
    load_landing(killed.settings, dates)
    assert _raw_counts(killed.settings) == expected


def test_replay_from_object_storage_mirrors_the_dates_then_loads(tmp_path, demo_landing):
    """An fsspec URL stands in for gs:// (memory:// is in-process: only the network is left out)."""
    import fsspec

    landing, game_dates = demo_landing
    dates = game_dates[:2]
    fs = fsspec.filesystem("memory")
    for path in landing.rglob("*"):
        if path.is_file() and (path.name == "_manifest.json" or path.parent.name in {d.isoformat() for d in dates}):
            fs.pipe(f"/bucket/landing/{path.relative_to(landing).as_posix()}", path.read_bytes())

    local = make_env(tmp_path / "local", landing, dates)
    load_landing(local.settings, dates)
    remote = make_env(tmp_path / "remote", tmp_path / "remote" / "mirror", dates)
    settings = replace(remote.settings, landing_url="memory://bucket/landing")
    for _ in range(2):  # a second sync replaces the day folders: nothing doubles
        result = load_landing(settings, dates)
        assert _raw_counts(settings) == _raw_counts(local.settings)
    assert sum(result.rows.values()) > 1000
    assert (tmp_path / "remote" / "mirror" / "balldontlie" / dates[0].isoformat() / "games.json").exists()

    with pytest.raises(Exception, match="landing URL not found: memory://bucket/nowhere"):
        load_landing(replace(settings, landing_url="memory://bucket/nowhere"), dates)
