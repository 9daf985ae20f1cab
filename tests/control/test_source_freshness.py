"""Source freshness (dbt_project/control/freshness.py) against real dbt and DuckDB: sources a deployment does not use
(dbt var / NBA_PROPS_DISABLED_SOURCES, or absent from a from-parquet landing area) are not checked, recorded,
alerted or printed; a source table with no rows is "never loaded" (not 0001-01-01, not 17 million hours) in
nba_monitoring.source_freshness, `nba-props status` and the alert; an unknown name is refused naming it.

Each run is phase 1 of one date (dlt into the test target, then the runner's freshness check) in a temporary
warehouse, on a copy of one demo landing date or on a tiny parquet conversion."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from core.errors import ExitCode, UsageError
from core.warehouse import connect
from dbt_project.control.dbt_invoker import Dbt
from dbt_project.control.freshness import DISABLED_ENV, check_freshness, disabled_tables
from dbt_project.control.runner import PipelineRunner, RunResult
from dbt_project.monitoring.alerts import stale_source_alert
from ingestion.convert import convert_parquet
from ingestion.convert.parquet import SOURCES
from tests.support.env import Env, make_env
from tests.support.parquet import D1, write_synthetic

# the sources and tables `dbt source freshness` checks (models/staging/*/_*sources.yml)
KNOWN = {
    "balldontlie": ["box_scores", "games"],
    "bigdataball": ["play_by_play"],
    "bref": ["rosters"],
    "nbacom": ["injury_report", "schedule"],
    "odds_api": ["events", "player_props"],
}
ALL_TABLES = {(s, t) for s, tables in KNOWN.items() for t in tables}
HUGE_AGE = "1775"  # the start of dbt's age (hours) of a table without rows: datetime.min to now


def _one_day(demo_landing: tuple[Path, list[date]], base: Path, drop: tuple[str, ...] = ()) -> tuple[Env, date]:
    """A landing area holding the first demo date only, without the `drop` sources' folders (their raw tables
    are created empty by the load)."""
    root, game_dates = demo_landing
    day = game_dates[0]
    for source_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in drop):
        if (source_dir / day.isoformat()).is_dir():
            shutil.copytree(source_dir / day.isoformat(), base / "landing" / source_dir.name / day.isoformat())
    return make_env(base, base / "landing", [day]), day


def _phase1(env: Env, day: date, capfd: pytest.CaptureFixture[str]) -> tuple[RunResult, str]:
    """Phase 1 of `day`; returns the result and everything printed (the runner's console and dbt's own)."""
    console_text = io.StringIO()
    capfd.readouterr()
    result = PipelineRunner(env.settings, console=Console(file=console_text, width=200)).run([day], (1,))
    captured = capfd.readouterr()
    assert result.ok, console_text.getvalue()
    return result, console_text.getvalue() + captured.out + captured.err


def _recorded(env: Env, run_id: str) -> dict[tuple[str, str], tuple]:
    with connect(env.settings, read_only=True) as con:
        rows = con.execute(
            "select source_name, table_name, status, max_loaded_at, age_hours "
            "from test_nba_monitoring.source_freshness where run_id = ?",
            [run_id],
        ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


@pytest.mark.e2e
def test_disabled_sources_are_not_checked_recorded_alerted_or_printed(tmp_path, demo_landing, monkeypatch, capfd):
    """bref and bigdataball are off (env): the landing has none of their files, yet no ERROR STALE line, no
    record, no stale source; every other table is checked and fresh."""
    env, day = _one_day(demo_landing, tmp_path, drop=("bref", "bigdataball"))
    monkeypatch.setenv(DISABLED_ENV, " bref, bigdataball ,")
    result, printed = _phase1(env, day, capfd)

    recorded = _recorded(env, result.run_id)
    assert set(recorded) == ALL_TABLES - {("bref", "rosters"), ("bigdataball", "play_by_play")}, recorded
    assert {r[0] for r in recorded.values()} == {"pass"}, recorded
    assert result.stale_sources == []
    for name in ("bref", "bigdataball", "rosters", "play_by_play", "STALE"):
        assert name not in printed, printed


@pytest.mark.e2e
def test_a_source_without_rows_is_never_loaded_in_the_record_status_and_alert(tmp_path, demo_landing, capfd):
    """bigdataball is enabled but has no files: recorded never_loaded with no load time and no age, shown so
    by `nba-props status` and in the alert, never as 0001-01-01 or a 17-million-hour age."""
    env, day = _one_day(demo_landing, tmp_path, drop=("bigdataball",))
    result, printed = _phase1(env, day, capfd)

    recorded = _recorded(env, result.run_id)
    assert recorded["bigdataball", "play_by_play"] == ("never_loaded", None, None)
    assert {recorded[t][0] for t in ALL_TABLES - {("bigdataball", "play_by_play")}} == {"pass"}, recorded
    assert [(s["source"], s["table"], s["status"]) for s in result.stale_sources] == [
        ("bigdataball", "play_by_play", "never_loaded")
    ]
    assert "0001-01-01" not in printed and HUGE_AGE not in printed, printed

    status = env.cli("status", "--json")
    assert status.exit_code == 0, status.output
    [stale] = json.loads(status.stdout)["stale_sources"]
    assert (stale["source"], stale["table"], stale["status"]) == ("bigdataball", "play_by_play", "never_loaded")
    assert stale["max_loaded_at"] is None and stale["age_hours"] is None
    table = env.cli("status")
    assert table.exit_code == 0, table.output
    [line] = [x for x in table.stdout.splitlines() if "bigdataball.play_by_play" in x]
    assert "never loaded" in line and "0001" not in line and HUGE_AGE not in line, table.stdout

    alert = stale_source_alert(result.stale_sources, run_id=result.run_id, target="test")
    assert alert.title == "1 stale source table(s), 1 never loaded"
    assert alert.message == "• bigdataball.play_by_play: never loaded"
    assert (alert.details["errors"], alert.details["warnings"], alert.details["never_loaded"]) == (0, 0, 1)


@pytest.mark.e2e
def test_a_parquet_landing_area_turns_off_the_sources_it_does_not_carry(tmp_path, capfd):
    """`landing from-parquet` writes no rosters, play-by-play or injury report: its manifest lists what it
    carries, so those are off without any setting; the tables it does carry are checked."""
    landing = tmp_path / "landing"
    manifest = convert_parquet(write_synthetic(tmp_path / "data"), landing)
    assert manifest["sources"] == list(SOURCES) == ["balldontlie", "nbacom.schedule", "odds_api"]
    assert json.loads((landing / "_manifest.json").read_text(encoding="utf-8"))["sources"] == list(SOURCES)
    env = make_env(tmp_path, landing, [D1])
    result, printed = _phase1(env, D1, capfd)

    off = {("bref", "rosters"), ("bigdataball", "play_by_play"), ("nbacom", "injury_report")}
    recorded = _recorded(env, result.run_id)
    assert set(recorded) == ALL_TABLES - off, recorded
    assert {r[0] for r in recorded.values()} == {"pass"}, recorded
    assert result.stale_sources == []
    for name in ("bref", "bigdataball", "injury_report", "STALE", "0001-01-01"):
        assert name not in printed, printed


def test_an_unknown_source_name_is_refused_naming_it(tmp_path, monkeypatch):
    """In the environment, the dbt var or a landing manifest: a usage error (exit 2) naming the name and where
    it came from, before any freshness query."""
    monkeypatch.setenv(DISABLED_ENV, "bref,box_scores")
    settings = make_env(tmp_path, tmp_path / "landing", []).settings
    with pytest.raises(UsageError, match=rf"{DISABLED_ENV}: unknown source 'box_scores'") as err:
        check_freshness(settings, Dbt(settings), "run_x", Console(file=io.StringIO()))
    assert err.value.code == ExitCode.USAGE
    assert "balldontlie (box_scores, games)" in str(err.value)  # what it could have been

    with pytest.raises(UsageError, match=r"vars.disabled_sources: unknown source 'nbacom.injuries'"):
        disabled_tables(KNOWN, var=["bref", "nbacom.injuries"])
    with pytest.raises(UsageError, match=r"vars.disabled_sources: must be a list"):
        disabled_tables(KNOWN, var="bref")
    with pytest.raises(UsageError, match=r"_manifest.json key 'sources': unknown source 'nba'"):
        disabled_tables(KNOWN, carried=["balldontlie", "nba"])
    # the known names: a source, a source table; env adds to the var; a manifest turns off what it omits
    assert disabled_tables(KNOWN, var=["bref"], env="nbacom.injury_report") == {
        ("bref", "rosters"),
        ("nbacom", "injury_report"),
    }
    assert disabled_tables(KNOWN, carried=list(SOURCES)) == {
        ("bref", "rosters"),
        ("bigdataball", "play_by_play"),
        ("nbacom", "injury_report"),
    }
    assert disabled_tables(KNOWN) == set()
