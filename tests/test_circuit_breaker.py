"""The P4 -> P5 circuit breaker on real dbt builds: a copy of the dbt project in which one precompute model
returns no rows. A non-critical model down lets phase 5 run and the run is recorded as degraded; the critical
player_daily_cache down stops phase 5 with a message naming it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from dbt_project.runner import PipelineRunner
from dbt_project.settings import PROJECT_DIR
from tests.conftest import make_env

pytestmark = pytest.mark.e2e


def _project_without_rows(tmp_path: Path, model: str) -> Path:
    """A copy of the dbt project in which `model` builds and then loses every row (a post-hook)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("profiles.yml", "selectors.yml"):
        shutil.copy(PROJECT_DIR / name, project / name)
    for folder in ("models", "macros", "seeds", "tests/dbt"):
        shutil.copytree(PROJECT_DIR / folder, project / folder)
    config = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    config["models"]["nba_props"]["precompute"][model] = {"+post-hook": "delete from {{ this }}"}
    (project / "dbt_project.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return project


def _run(tmp_path: Path, demo_landing, model: str):
    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:5])
    settings = replace(env.settings, project_dir=_project_without_rows(tmp_path, model))
    runner = PipelineRunner(settings)
    return runner.run(env.all_dates)


def test_a_non_critical_precompute_model_down_degrades_but_predictions_run(tmp_path, demo_landing):
    result = _run(tmp_path, demo_landing, "player_composite_factors")
    status = {p.phase: p.status for p in result.phases}
    assert status == {1: "success", 2: "success", 3: "success", 4: "degraded", 5: "success", 6: "success"}, [
        (p.phase, p.status, p.message) for p in result.phases
    ]
    phase4 = result.phases[3]
    assert "player_composite_factors" in phase4.message and "degraded" in phase4.message
    assert phase4.details["coverage"] >= 0.8
    assert result.ok
    assert sum(result.phases[4].details["predictions"].values()) > 0


def test_the_player_daily_cache_down_opens_the_circuit_breaker(tmp_path, demo_landing):
    result = _run(tmp_path, demo_landing, "player_daily_cache")
    status = {p.phase: p.status for p in result.phases}
    assert status[4] == "failed" and status[5] == "skipped" and status[6] == "skipped"
    message = result.phases[3].message
    assert "circuit breaker open" in message and "player_daily_cache" in message
    assert not result.ok
