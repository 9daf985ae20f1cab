"""Gates: a failing error-severity test of phase N stops phase N+1 and names the test; fixing the data and
re-running succeeds. Bad landing rows and files are quarantined (nba_raw.rejected_rows) without stopping the
good ones: phase 1 is recorded as degraded and its message names the file and field."""

from __future__ import annotations

import json

import pytest

from core.warehouse import connect, table_exists
from tests.support.env import make_env

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
    statuses = _phase_statuses(env, day)
    # phase 6 degraded: the range's first date has no history to predict from, and says so
    assert {statuses[p] for p in range(1, 6)} == {"success"} and statuses[6] in ("success", "degraded"), statuses
    with connect(env.settings, read_only=True) as con:
        dupes = con.execute(
            "select count(*) from (select 1 from test_nba_analytics.player_game_summary "
            "group by game_id, player_id having count(*) > 1)"
        ).fetchone()[0]
    assert dupes == 0
    assert (env.settings.exports_dir / day / "predictions.json").exists()


def _rejected(env):
    with connect(env.settings, read_only=True) as con:
        return con.execute(
            "select resource, source_file, locator, field, reason, payload from test_nba_raw.rejected_rows order by all"
        ).fetchall()


def test_malformed_landing_file_is_quarantined_and_the_rest_loads(tmp_path, demo_landing):
    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:2], copy_landing=True)
    assert env.cli("run", "--date", game_dates[0].isoformat()).exit_code == 0
    day = game_dates[1].isoformat()
    bad = env.settings.landing_dir / "nbacom" / day / "scoreboard.json"
    bad.write_text('{"scoreboard": {"games": [ {"gameId": "1"} ')
    result = env.cli("run", "--date", day)
    assert result.exit_code == 0, result.output
    assert "quarantined" in result.output and "scoreboard.json" in result.output and "malformed JSON" in result.output
    statuses = _phase_statuses(env, day)
    assert statuses[1] == "degraded" and all(statuses[p] == "success" for p in range(2, 6)), statuses
    assert statuses[6] in ("success", "degraded"), statuses  # degraded: too little history to publish
    [(resource, source_file, locator, field, reason, payload)] = _rejected(env)
    assert (resource, source_file, locator, field) == ("schedule", f"nbacom/{day}/scoreboard.json", "file", "(file)")
    assert "line 1 column" in reason and payload.startswith('{"scoreboard"')
    with connect(env.settings, read_only=True) as con:
        games = con.execute("select count(*) from test_nba_raw.games where date = ?", [day]).fetchone()[0]
    assert games > 0, "the day's other feeds loaded"


def test_bad_prop_value_is_quarantined_naming_file_and_field(tmp_path, demo_landing):
    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:2], copy_landing=True)
    first, second = (d.isoformat() for d in game_dates[:2])
    assert env.cli("run", "--date", first).exit_code == 0
    with connect(env.settings, read_only=True) as con:
        before = con.execute("select count(*) from test_nba_raw.player_props").fetchone()[0]

    snapshot = sorted((env.settings.landing_dir / "odds_api" / second).glob("event_*_odds_2200Z.json"))[0]
    body = json.loads(snapshot.read_text())
    lines = sum(
        len(m["outcomes"]) // 2
        for p in (env.settings.landing_dir / "odds_api" / second).glob("event_*_odds_*.json")
        for b in json.loads(p.read_text())["data"]["bookmakers"]
        for m in b["markets"]
    )
    outcome = body["data"]["bookmakers"][0]["markets"][0]["outcomes"][0]
    outcome["price"] = "-110ish"
    snapshot.write_text(json.dumps(body))
    for _attempt in range(2):  # the second run must not duplicate anything
        result = env.cli("run", "--date", second)
        assert result.exit_code == 0, result.output
        assert snapshot.name in result.output and "over_price" in result.output
        assert _phase_statuses(env, second)[1] == "degraded"
        rejected = _rejected(env)
        assert len(rejected) == 1, rejected
        resource, source_file, locator, field, reason, payload = rejected[0]
        assert (resource, field) == ("player_props", "over_price")
        assert source_file.endswith(snapshot.name) and outcome["description"] in locator
        assert "must be a number" in reason and "-110ish" in payload
        with connect(env.settings, read_only=True) as con:
            after = con.execute("select count(*) from test_nba_raw.player_props").fetchone()[0]
        assert after == before + lines - 1, "every good line of the day loaded, the bad one is held back"
