"""The monitoring views (test_nba_monitoring) on the demo season: dbt node results and dlt load info recorded
by the runner, run / gate / latency views, prediction coverage per game; and a run that fails its phase-3
gate shows up as failed, with the gate closed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.settings import project_vars
from core.warehouse import connect
from dbt_project.control.runner import span
from tests.support.env import make_env

pytestmark = pytest.mark.e2e

MON = "test_nba_monitoring"


def _query(env, sql: str, params: list | None = None) -> pd.DataFrame:
    with connect(env.settings, read_only=True) as con:
        return con.execute(sql, params or []).df()


def _fixture_run(env) -> str:
    """The demo_env range run: the first run in this warehouse (other tests may re-run dates later)."""
    return _query(env, f"select run_id from {MON}.pipeline_runs order by started_at limit 1")["run_id"][0]


def _manifest(env) -> dict:
    """dbt's manifest of the project, as the runner's `dbt parse` wrote it (DBT_TARGET_PATH)."""
    return json.loads((env.settings.dbt_target_path / "manifest.json").read_text(encoding="utf-8"))


# -- 1. dbt node results ----------------------------------------------------------------------------------
def test_dbt_node_results_cover_every_dbt_phase_and_match_the_manifest(demo_env):
    run_id = _fixture_run(demo_env)
    nodes = _query(demo_env, f"select * from {MON}.dbt_node_results")
    assert not nodes.duplicated(["run_id", "phase", "unique_id"]).any()
    ours = nodes[nodes["run_id"] == run_id]
    assert set(ours["phase"]) == {0, 2, 3, 4, 5, 6}, "phase 1 is dlt (no dbt); 0 is the monitoring build"
    assert (ours["invocation_id"].notna()).all()
    # one dbt invocation per phase
    assert (ours.groupby("phase")["invocation_id"].nunique() == 1).all()
    assert ours["invocation_id"].nunique() == 6
    assert set(ours["status"]) <= {"success", "pass"}, ours[~ours["status"].isin(["success", "pass"])]
    assert (ours["execution_seconds"] >= 0).all() and ours["completed_at"].notna().all()

    manifest = _manifest(demo_env)
    built = ours[ours["resource_type"].isin(["model", "seed"])]
    assert (built["name"] == [manifest["nodes"][u]["name"] for u in built["unique_id"]]).all()
    phase3 = {
        n["unique_id"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and "phase3" in n["tags"] and n["config"].get("enabled", True)
    }
    recorded = ours[(ours["phase"] == 3) & (ours["resource_type"] == "model")]
    assert set(recorded["unique_id"]) == phase3
    pgs = recorded[recorded["name"] == "player_game_summary"]
    assert list(pgs["status"]) == ["success"]
    assert (ours[(ours["phase"] == 3) & (ours["resource_type"] == "test")]["status"] == "pass").any()
    # the monitoring build (phase 0) built the monitoring views themselves
    built0 = set(ours[(ours["phase"] == 0) & (ours["resource_type"] == "model")]["name"])
    assert {"pipeline_runs", "gate_outcomes", "phase_latency", "warehouse_bytes_billed", "ingest_loads"} <= built0


def test_dbt_node_results_name_data_tests_by_their_name(demo_env):
    manifest = _manifest(demo_env)
    tests = _query(demo_env, f"select unique_id, name from {MON}.dbt_node_results where resource_type = 'test'")
    assert len(tests) > 0
    wrong = tests[tests["name"] != [manifest["nodes"][u]["name"] for u in tests["unique_id"]]]
    assert wrong.empty, wrong.head()


def test_warehouse_bytes_billed_has_a_row_per_run_and_phase_null_on_duckdb(demo_env):
    billed = _query(demo_env, f"select * from {MON}.warehouse_bytes_billed")
    nodes = _query(demo_env, f"select run_id, phase, count(*) as n from {MON}.dbt_node_results group by all")
    assert not billed.duplicated(["run_id", "phase"]).any()
    merged = billed.merge(nodes, on=["run_id", "phase"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["dbt_nodes"] == merged["n"]).all()
    assert billed["bytes_billed"].isna().all() and billed["bytes_processed"].isna().all()


# -- 2. dlt load info ---------------------------------------------------------------------------------------
def test_dlt_load_info_has_a_row_per_raw_table_with_its_rows(demo_env):
    run_id = _fixture_run(demo_env)
    loads = _query(demo_env, f"select * from {MON}.dlt_load_info where run_id = ?", [run_id])
    raw_tables = set(
        _query(
            demo_env,
            "select table_name from information_schema.tables where table_schema = 'test_nba_raw' "
            "and table_name not like '\\_dlt%' escape '\\' and table_name != 'rejected_rows'",
        )["table_name"]
    )
    assert len(loads) == len(set(loads["table_name"]))
    assert set(loads["table_name"]) == raw_tables
    assert loads["load_id"].notna().all() and (loads["row_count"] > 0).all()
    assert loads[["extract_seconds", "normalize_seconds", "load_seconds"]].notna().all().all()
    with connect(demo_env.settings, read_only=True) as con:
        for table in ("box_scores", "games"):
            count = con.execute(f"select count(*) from test_nba_raw.{table}").fetchone()[0]
            assert loads.set_index("table_name").loc[table, "row_count"] == count, table
        # the load ids recorded are dlt's own
        dlt_ids = {r[0] for r in con.execute("select load_id from test_nba_raw._dlt_loads").fetchall()}
    assert set(loads["load_id"][0].split(",")) <= dlt_ids
    view = _query(demo_env, f"select * from {MON}.ingest_loads where run_id = ?", [run_id])
    pd.testing.assert_frame_equal(
        view.sort_values("table_name").reset_index(drop=True),
        loads[view.columns].sort_values("table_name").reset_index(drop=True),
    )


def test_ingest_loads_match_what_phase1_loaded(demo_env):
    run_id = _fixture_run(demo_env)
    loads = _query(demo_env, f"select * from {MON}.ingest_loads where run_id = ?", [run_id])
    phase1 = _query(demo_env, f"select * from {MON}.pipeline_run_history where run_id = ? and phase = 1", [run_id])
    assert not loads.empty and not loads.duplicated(["run_id", "table_name"]).any()
    # the fixture run is the warehouse's first load (an empty nba_raw): what it loaded is every raw table as a whole
    with connect(demo_env.settings, read_only=True) as con:
        raw = {
            t: con.execute(f'select count(*) from test_nba_raw."{t}"').fetchone()[0]
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'test_nba_raw' "
                "and table_name not like '\\_dlt%' escape '\\' and table_name != 'rejected_rows'"
            ).fetchall()
        }
    assert dict(zip(loads["table_name"], loads["row_count"], strict=True)) == raw
    # ... and what phase 1 recorded: its rows per table, their total in its message, its load ids
    details = json.loads(phase1["details"][0])
    assert dict(zip(loads["table_name"], loads["row_count"], strict=True)) == details["rows"]
    assert set(phase1["message"]) == {f"loaded {sum(raw.values())} rows into test_nba_raw"}
    assert set(loads["load_id"]) == {",".join(details["load_ids"])}
    steps = loads[["extract_seconds", "normalize_seconds", "load_seconds"]]
    assert steps.notna().all().all() and (steps >= 0).all().all()
    assert (loads["extract_seconds"] == details["step_seconds"]["extract"]).all()
    # recorded at the end of the load, inside phase 1
    assert (loads["loaded_at"] >= phase1["started_at"].min()).all()
    assert (loads["loaded_at"] <= phase1["finished_at"].max()).all()
    # every run whose phase 1 ran has its loads, and only those
    ran = set(
        _query(
            demo_env,
            f"select distinct run_id from {MON}.pipeline_run_history "
            "where phase = 1 and status in ('success', 'degraded')",
        )["run_id"]
    )
    assert set(_query(demo_env, f"select distinct run_id from {MON}.ingest_loads")["run_id"]) == ran


def test_degraded_runs_are_exactly_the_degraded_phases_with_their_message(demo_env):
    columns = ["run_id", "run_date", "phase", "phase_name", "target_name", "finished_at", "message"]
    degraded = _query(demo_env, f"select * from {MON}.degraded_runs")
    history = _query(demo_env, f"select * from {MON}.pipeline_run_history")
    assert list(degraded.columns) == columns
    expected = history[history["status"] == "degraded"][columns]
    key = ["run_id", "run_date", "phase"]
    pd.testing.assert_frame_equal(
        degraded.sort_values(key).reset_index(drop=True), expected.sort_values(key).reset_index(drop=True)
    )

    # the demo window's range run: phase 6 only (one record per phase, so every date of the run), because the
    # first dates have no history: no predictions at all, then none of the published system yet
    run_id = _fixture_run(demo_env)
    ours = degraded[degraded["run_id"] == run_id]
    assert set(ours["phase"]) == {6}
    assert sorted(ours["run_date"].dt.date) == demo_env.all_dates
    [message] = set(ours["message"])
    predicted = _query(demo_env, "select distinct game_date, system from test_nba_predictions.player_prop_predictions")
    any_system = set(predicted["game_date"].dt.date)
    system = project_vars()["publish_system"]
    published = set(predicted[predicted["system"] == system]["game_date"].dt.date)
    none = [d for d in demo_env.game_dates if d not in any_system]
    unpublished = [d for d in demo_env.game_dates if d in any_system and d not in published]
    assert none and unpublished and len(none) + len(unpublished) < len(demo_env.game_dates)
    assert f"no predictions for {span(none)}" in message
    assert f"the published system {system} predicted nothing for {span(unpublished)}" in message


# -- 3. runs, gates, latency --------------------------------------------------------------------------------
def test_pipeline_runs_and_gate_outcomes_of_the_range_run(demo_env):
    run_id = _fixture_run(demo_env)
    run = _query(demo_env, f"select * from {MON}.pipeline_runs where run_id = ?", [run_id]).iloc[0]
    # degraded: the window's first date has no history, so nothing to predict or publish (phase 6 says so)
    assert run["status"] == "degraded" and pd.isna(run["failed_phase"])
    assert run["phases_run"] == 6 and run["dates"] == len(demo_env.all_dates)
    assert run["first_date"].date() == demo_env.all_dates[0] and run["last_date"].date() == demo_env.all_dates[-1]
    assert run["target_name"] == "test" and run["wall_seconds"] > 0

    gates = _query(demo_env, f"select * from {MON}.gate_outcomes where run_id = ?", [run_id])
    per_date = gates.groupby("run_date")["gate"].apply(sorted)
    assert len(per_date) == len(demo_env.all_dates)
    assert all(g == ["P1->P2", "P2->P3", "P3->P4", "P4->P5", "P5->P6"] for g in per_date), per_date
    assert set(gates["outcome"]) <= {"passed", "passed_degraded"}, gates["outcome"].value_counts()


def test_phase_latency_rows_join_their_run(demo_env):
    latency = _query(demo_env, f"select * from {MON}.phase_latency")
    history = _query(demo_env, f"select * from {MON}.pipeline_run_history")
    nodes = _query(demo_env, f"select run_id, phase, count(*) as n from {MON}.dbt_node_results group by all")
    assert not latency.duplicated(["run_date", "phase"]).any()
    assert len(latency) == len(demo_env.all_dates) * 6
    assert set(latency["run_date"].dt.date) == set(demo_env.all_dates)
    assert (latency[latency["phase"] >= 2]["duration_seconds"] > 0).all()

    # dbt node counts come from the same run and phase (phase 1 is dlt: none)
    joined = latency.merge(nodes, on=["run_id", "phase"], how="left")
    assert joined[joined["phase"] == 1]["dbt_nodes"].isna().all()
    dbt = joined[joined["phase"] >= 2]
    assert (dbt["dbt_nodes"] == dbt["n"]).all(), dbt[["run_date", "phase", "run_id", "dbt_nodes", "n"]]

    # end to end: the run's phases for the date run one after another, so it spans at least their sum
    # (less the whole-second truncation of datediff)
    sums = history.groupby(["run_id", "run_date"])["duration_seconds"].sum().rename("phase_sum").reset_index()
    checked = latency.merge(sums, on=["run_id", "run_date"], how="left")
    assert checked["phase_sum"].notna().all()
    assert (checked["end_to_end_seconds"] >= checked["phase_sum"] - 1.5).all(), checked
    assert (checked["end_to_end_seconds"] >= checked["duration_seconds"] - 1.0).all()
    assert (checked.groupby("run_date")["end_to_end_seconds"].nunique() == 1).all()


# -- 4. prediction coverage ---------------------------------------------------------------------------------
def test_prediction_coverage_per_game(demo_env):
    coverage = _query(demo_env, f"select * from {MON}.prediction_coverage")
    schedule = _query(demo_env, "select nba_game_id, game_date from test_nba_staging.stg_nbacom__schedule")
    assert sorted(coverage["nba_game_id"]) == sorted(schedule["nba_game_id"])

    day = demo_env.game_dates[-1]
    late = coverage[coverage["game_date"].dt.date == day]
    assert len(late) == (schedule["game_date"].dt.date == day).sum() > 0
    assert late["coverage"].between(0, 1).all()
    assert (late["players_predicted"] <= late["players_with_lines"] - late["players_ruled_out"]).all()
    assert (late["players_with_lines"] > 0).all()

    # independently, from the feature store, the lines and the predictions of the date
    features = _query(
        demo_env,
        "select player_id, player_name_key, nba_game_id, injury_status "
        "from test_nba_precompute.ml_feature_store where game_date = ?",
        [day],
    )
    keys = set(
        _query(
            demo_env,
            "select distinct player_name_key from test_nba_analytics.player_prop_lines where game_date = ?",
            [day],
        )["player_name_key"]
    )
    predicted = set(
        _query(
            demo_env,
            "select distinct player_id from test_nba_predictions.player_prop_predictions where game_date = ?",
            [day],
        )["player_id"]
    )
    with_lines = features[features["player_name_key"].isin(keys)]
    game = late.sort_values("players_with_lines").iloc[-1]
    mine = with_lines[with_lines["nba_game_id"] == game["nba_game_id"]]
    assert game["players_with_lines"] == len(mine)
    assert game["players_ruled_out"] == (mine["injury_status"] == "Out").sum()
    assert game["players_predicted"] == mine["player_id"].isin(predicted).sum()
    expected = game["players_predicted"] / (len(mine) - game["players_ruled_out"])
    assert game["coverage"] == pytest.approx(expected)


# -- 5. a failed run --------------------------------------------------------------------------------------
def test_a_run_failing_its_phase3_gate_shows_as_failed(tmp_path, demo_landing):
    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:3], copy_landing=True)
    day = game_dates[1].isoformat()
    page = sorted((env.settings.landing_dir / "balldontlie" / day).glob("stats_page_*.json"))[0]
    payload = json.loads(page.read_text())
    # a second stat line (new id) for a player-game already returned: player_game_summary's unique test fails
    payload["data"].append(dict(payload["data"][0], id=payload["data"][0]["id"] + 10_000_000))
    page.write_text(json.dumps(payload))

    result = env.cli("run", "--start", game_dates[0].isoformat(), "--end", game_dates[2].isoformat())
    assert result.exit_code == 1, result.output
    [run] = _query(env, f"select * from {MON}.pipeline_runs").to_dict("records")
    assert run["status"] == "failed" and run["failed_phase"] == 3
    assert run["dates"] == len(env.all_dates) and run["phases_run"] == 6

    gates = _query(env, f"select run_date, gate, outcome from {MON}.gate_outcomes")
    outcome = {(r.run_date.date(), r.gate): r.outcome for r in gates.itertuples()}
    for d in env.all_dates:
        assert outcome[(d, "P1->P2")] == "passed" and outcome[(d, "P2->P3")] == "passed"
        assert outcome[(d, "P3->P4")] == "closed"
        assert outcome[(d, "P4->P5")] == "not_run" and outcome[(d, "P5->P6")] == "not_run"
    assert len(outcome) == 5 * len(env.all_dates)
    # the failing test is in the node results of phase 3, and nothing was recorded for phases never built
    nodes = _query(env, f"select phase, unique_id, resource_type, status from {MON}.dbt_node_results")
    failing = nodes[(nodes["phase"] == 3) & (nodes["status"].isin(["fail", "error"]))]
    assert (failing["resource_type"] == "test").all()
    assert failing["unique_id"].str.contains("unique_combination_player_game_summary").any(), failing
    assert set(nodes["phase"]) == {0, 2, 3}
