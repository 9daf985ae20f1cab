"""The in-process dbt invoker on a real DuckDB warehouse: dbt's run results come from dbtRunner's result (equal to
the run_results.json dbt writes), and release_duckdb, the one shim over dbt-duckdb's internals, releases the
DuckDB handle dbt-duckdb keeps after an invocation (pinned here: a dbt-duckdb upgrade that changes it fails)."""

from __future__ import annotations

import json

import duckdb
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager

from core.settings import Settings
from dbt_project.control.dbt_invoker import Dbt, run_results


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("dbt_invoker")
    settings = Settings(
        target="test", landing_dir=base / "landing", warehouse_dir=base / "warehouse", exports_dir=base / "exports"
    )
    settings.warehouse_dir.mkdir()
    dbt = Dbt(settings)
    result = dbt.invoke(["seed", "--select", "prop_markets nba_teams"])
    return settings, result


def test_run_results_come_from_the_result_and_equal_dbts_file(seeded) -> None:
    settings, result = seeded
    assert result.success, result.exception
    mine = run_results(result)
    written = json.loads((settings.dbt_target_path / "run_results.json").read_text(encoding="utf-8"))
    assert sorted(r["unique_id"] for r in mine["results"]) == [
        "seed.nba_props.nba_teams",
        "seed.nba_props.prop_markets",
    ]
    assert mine["metadata"]["invocation_id"] == written["metadata"]["invocation_id"]
    assert json.loads(json.dumps(mine)) == written
    assert run_results(None) == {}  # no result (e.g. a failed parse): no run results, never an older file's


def test_release_duckdb_leaves_no_handle_open(seeded) -> None:
    settings, _ = seeded
    assert DuckDBConnectionManager._ENV is None  # the attribute release_duckdb resets (dbt-duckdb's handle cache)
    # a connection with another configuration in this process: refused while dbt-duckdb's handle is open
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        assert con.execute("select count(*) from test_nba_staging.nba_teams").fetchone()[0] == 30
