"""The prod (BigQuery) target compiles offline, and every compiled statement is BigQuery SQL that SQLGlot parses.

`dbt compile --target prod --no-introspect --no-populate-cache` with dummy settings: a project id and an
application-default credentials file that google-auth loads without any network (a token is only fetched
when a query runs, and none does). SQLGlot's parser checks syntax only: an unknown function parses as a
function call, so it is the emulator test (tests/e2e/test_bigquery_emulator.py) that runs the SQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import PROJECT_DIR

pytestmark = pytest.mark.bigquery

# what google-auth reads for application-default credentials of a user: parsed, never refreshed here
DUMMY_ADC = {"type": "authorized_user", "client_id": "dummy", "client_secret": "dummy", "refresh_token": "dummy"}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    pytest.importorskip("dbt.adapters.bigquery", reason="the bigquery extra is not installed: run `make bigquery`")
    base = tmp_path_factory.mktemp("prod_compile")
    adc = base / "adc.json"
    adc.write_text(json.dumps(DUMMY_ADC), encoding="utf-8")
    env = {
        **os.environ,
        "NBA_PROPS_GCP_PROJECT": "dummy-project",
        "NBA_PROPS_BQ_METHOD": "oauth",
        "GOOGLE_APPLICATION_CREDENTIALS": str(adc),
        "DBT_TARGET_PATH": str(base / "target"),
        "DBT_LOG_PATH": str(base / "logs"),
        "DO_NOT_TRACK": "1",
    }
    dbt = Path(sys.executable).with_name("dbt")
    started = time.perf_counter()
    # a subprocess with a timeout: should a model ever need the warehouse to compile, google-auth would retry
    # its token request for minutes instead of failing
    result = subprocess.run(
        [
            str(dbt),
            "compile",
            "--target",
            "prod",
            "--no-introspect",
            "--no-populate-cache",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT_DIR,
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    return base / "target" / "compiled", seconds


def test_prod_compiles_every_model_and_test(compiled: tuple[Path, float]) -> None:
    root, _ = compiled
    results = json.loads((root.parent / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert results and all(r["status"] == "success" for r in results)
    manifest = json.loads((root.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["adapter_type"] == "bigquery"
    expected = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] in ("model", "test")}
    assert {r["unique_id"] for r in results} >= expected
    # without introspection the incremental models render their incremental branch (macros/incremental.sql):
    # the lookback reads the table itself, in the dummy project
    feature_store = next(root.rglob("models/precompute/ml_feature_store.sql")).read_text(encoding="utf-8")
    assert "max(game_date)" in feature_store
    assert "from `dummy-project`.`nba_precompute`.`ml_feature_store`" in feature_store


def test_compiled_prod_sql_parses_as_bigquery(compiled: tuple[Path, float]) -> None:
    sqlglot = pytest.importorskip("sqlglot")
    root, compile_seconds = compiled
    files = sorted(root.rglob("*.sql"))
    assert len(files) > 400
    started = time.perf_counter()
    failed = []
    for path in files:
        try:
            sqlglot.parse(path.read_text(encoding="utf-8"), read="bigquery")
        except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as exc:
            failed.append(f"{path.relative_to(root)}: {str(exc).splitlines()[0][:300]}")
    print(f"\ncompiled in {compile_seconds:.1f} s; {len(files)} files parsed in {time.perf_counter() - started:.2f} s")
    assert not failed, f"{len(failed)} of {len(files)} compiled files do not parse as BigQuery SQL:\n" + "\n".join(
        failed
    )
