"""The models' dbt unit tests (models/*/_*__unit_tests.yml) run here, once per suite, on the demo warehouse:
pipeline runs leave them out (dbt_project/control/runner.py: UNIT_TESTS_EXCLUDED), as dbt recommends for
tests of the SQL rather than the data."""

from __future__ import annotations

import duckdb

from dbt_project.control.dbt_invoker import Dbt
from tests.support.env import Env


def test_every_unit_test_passes(demo_env: Env) -> None:
    dbt = Dbt(demo_env.settings)
    declared = sorted(uid for uid in dbt.parse().unit_tests)
    assert len(declared) >= 10, declared
    result = dbt.invoke(["test", "--select", "test_type:unit"])
    ran = {r.node.unique_id: str(r.status) for r in result.result.results}
    assert sorted(ran) == declared
    assert set(ran.values()) == {"pass"}, ran
    assert result.success


def test_pipeline_runs_leave_the_unit_tests_out(demo_env: Env) -> None:
    settings = demo_env.settings
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        types = dict(
            con.execute(
                f"select resource_type, count(*) from {settings.schema('nba_monitoring')}.dbt_node_results group by 1"
            ).fetchall()
        )
    assert "unit_test" not in types and types.get("test", 0) > 300, types
