"""Gates: a failing error-severity test of phase N stops phase N+1 and names the test; fixing the data and
re-running succeeds. Bad landing files fail phase 1 with a message naming the file."""

from __future__ import annotations

import json

import pytest

from dbt_project.warehouse import connect, table_exists
from tests.conftest import make_env

pytestmark = pytest.mark.e2e


def _phase_statuses(env, run_date: str) -> dict[int, str]:
    with connect(env.settings, read_only=True) as con:
        rows = con.execute(
            "select phase, status from test_nba_monitoring.pipeline_run_history where run_date = ? "
            "and run_id = (select max(run_id) from test_nba_monitoring.pipeline_run_history)",
            [run_date],
        ).fetchall()
    return dict(rows)


def test_duplicate_player_game_rows_close_the_phase3_gate(tmp_path, demo_landing):
    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:4], copy_landing=True)
    day = game_dates[2].isoformat()
    page = sorted((env.settings.landing_dir / "balldontlie" / day).glob("stats_page_*.json"))[0]
    original = page.read_text()
    payload = json.loads(original)
    # the API returns a second stat line (new id) for a player-game it already returned
    duplicate = dict(payload["data"][0], id=payload["data"][0]["id"] + 10_000_000)
    payload["data"].append(duplicate)
    page.write_text(json.dumps(payload))

    start, end = game_dates[0].isoformat(), game_dates[3].isoformat()
    result = env.cli("run", "--start", start, "--end", end)
    assert result.exit_code == 1, result.output
    assert "phase 3 gate failed" in result.output
    assert "unique_combination_player_game_summary" in result.output
    statuses = _phase_statuses(env, day)
    assert statuses == {1: "success", 2: "success", 3: "failed", 4: "skipped", 5: "skipped", 6: "skipped"}
    with connect(env.settings, read_only=True) as con:
        assert not table_exists(con, "test_nba_precompute", "ml_feature_store"), "phase 4 ran despite the gate"
    assert not (env.settings.exports_dir / day / "predictions.json").exists()

    # upstream fixes the page; the re-run replaces that game's rows (merge on game_id) and passes every gate
    page.write_text(original)
    result = env.cli("run", "--start", start, "--end", end)
    assert result.exit_code == 0, result.output
    assert set(_phase_statuses(env, day).values()) == {"success"}
    with connect(env.settings, read_only=True) as con:
        dupes = con.execute(
            "select count(*) from (select 1 from test_nba_analytics.player_game_summary "
            "group by game_id, player_id having count(*) > 1)"
        ).fetchone()[0]
    assert dupes == 0
    assert (env.settings.exports_dir / day / "predictions.json").exists()


def test_malformed_landing_file_fails_phase1_naming_the_file(tmp_path, demo_landing):
    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:2], copy_landing=True)
    day = game_dates[1].isoformat()
    bad = env.settings.landing_dir / "nbacom" / day / "scoreboard.json"
    bad.write_text('{"scoreboard": {"games": [ {"gameId": "1"} ')
    result = env.cli("run", "--date", day)
    assert result.exit_code == 1
    assert "malformed JSON" in result.output and "scoreboard.json" in result.output
    assert _phase_statuses(env, day) == {1: "failed", 2: "skipped", 3: "skipped", 4: "skipped", 5: "skipped",
                                         6: "skipped"}


def test_bad_prop_value_fails_phase1_naming_file_and_field_and_keeps_loaded_rows(tmp_path, demo_landing):
    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:2], copy_landing=True)
    first, second = (d.isoformat() for d in game_dates[:2])
    assert env.cli("run", "--date", first).exit_code == 0
    with connect(env.settings, read_only=True) as con:
        before = con.execute("select count(*) from test_nba_raw.player_props").fetchone()[0]
    assert before > 0

    snapshot = sorted((env.settings.landing_dir / "odds_api" / second).glob("event_*_odds_2200Z.json"))[0]
    body = json.loads(snapshot.read_text())
    body["data"]["bookmakers"][0]["markets"][0]["outcomes"][0]["price"] = "-110ish"
    snapshot.write_text(json.dumps(body))
    result = env.cli("run", "--date", second)
    assert result.exit_code == 1
    assert snapshot.name in result.output and "over_price must be a number" in result.output
    with connect(env.settings, read_only=True) as con:
        after = con.execute("select count(*) from test_nba_raw.player_props").fetchone()[0]
    assert after == before, "a failed load leaves what was loaded before untouched"
