"""Running the same date again leaves every table with the same row count."""

from __future__ import annotations

import pytest

from core.warehouse import connect, row_counts

pytestmark = pytest.mark.e2e

# run history is an append-only log of runs: it grows by design on every run
# append-only logs of every run: run history, dbt node results, dlt load info and source freshness checks
GROWS_BY_DESIGN = {
    "test_nba_monitoring.pipeline_run_history",
    "test_nba_monitoring.dbt_node_results",
    "test_nba_monitoring.dlt_load_info",
    "test_nba_monitoring.source_freshness",
}


def _counts(env) -> dict[str, int]:
    with connect(env.settings, read_only=True) as con:
        counts = row_counts(con)
    return {k: v for k, v in counts.items() if k not in GROWS_BY_DESIGN}


def test_rerunning_a_date_twice_changes_no_row_count(demo_env):
    day = demo_env.game_dates[len(demo_env.game_dates) // 2].isoformat()
    before = _counts(demo_env)
    first = demo_env.cli("run", "--date", day)
    assert first.exit_code == 0, first.output
    after_first = _counts(demo_env)
    second = demo_env.cli("run", "--date", day)
    assert second.exit_code == 0, second.output
    after_second = _counts(demo_env)
    assert after_first == after_second
    # the range run already loaded this date: re-running it adds nothing anywhere
    assert after_first == before
    with connect(demo_env.settings, read_only=True) as con:
        dupes = con.execute(
            "select count(*) from (select 1 from test_nba_predictions.player_prop_predictions "
            "group by game_date, player_id, market, bookmaker, system, model_version having count(*) > 1)"
        ).fetchone()[0]
        runs = con.execute(
            "select count(distinct run_id) from test_nba_monitoring.pipeline_run_history where run_date = ?",
            [day],
        ).fetchone()[0]
    assert dupes == 0
    assert runs >= 3
