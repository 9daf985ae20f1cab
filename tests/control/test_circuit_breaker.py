"""The P4 -> P5 circuit breaker on real dbt builds: a copy of the dbt project in which one precompute model
returns no rows. A non-critical model down lets phase 5 run and the run is recorded as degraded; the critical
player_daily_cache down, or the prediction slate not built, stops phase 5 with a message naming it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from core.settings import PROJECT_DIR
from dbt_project.control.runner import PipelineRunner
from tests.support.env import make_env

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


def _runner(tmp_path: Path, demo_landing, model: str):
    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:5])
    settings = replace(env.settings, project_dir=_project_without_rows(tmp_path, model))
    return PipelineRunner(settings), env


def _run(tmp_path: Path, demo_landing, model: str):
    runner, env = _runner(tmp_path, demo_landing, model)
    return runner.run(env.all_dates)


def test_a_non_critical_precompute_model_down_degrades_but_predictions_run(tmp_path, demo_landing):
    result = _run(tmp_path, demo_landing, "player_composite_factors")
    status = {p.phase: p.status for p in result.phases}
    # phase 6 degraded too: the window's first dates have no history to predict from (it says so)
    assert status == {1: "success", 2: "success", 3: "success", 4: "degraded", 5: "success", 6: "degraded"}, [
        (p.phase, p.status, p.message) for p in result.phases
    ]
    phase4 = result.phases[3]
    assert "player_composite_factors" in phase4.message and "degraded" in phase4.message
    assert phase4.details["coverage"] >= 0.8
    assert result.ok
    assert sum(result.phases[4].details["predictions"].values()) > 0


@pytest.mark.parametrize("model", ["player_daily_cache", "prediction_slate"])
def test_a_critical_precompute_model_down_opens_the_circuit_breaker(tmp_path, demo_landing, model):
    """The critical player_daily_cache empty, or the slate phase 5 predicts (a view: the post-hook's delete
    fails it) not built: phase 5 does not run, and the message names the model."""
    result = _run(tmp_path, demo_landing, model)
    status = {p.phase: p.status for p in result.phases}
    assert status[4] == "failed" and status[5] == "skipped" and status[6] == "skipped"
    message = result.phases[3].message
    assert "circuit breaker open: critical" in message and model in message, message
    assert not result.ok


def test_predict_refuses_after_a_failed_gate_unless_allow_degraded(tmp_path, demo_landing):
    """`nba-props predict` (phase 5 alone) reads the P4 -> P5 gate of each date from run history: after the
    breaker opened it refuses, naming the failed checks, and writes nothing; --allow-degraded predicts and
    records the run as degraded with the overridden gate. A date whose phase 4 never ran refuses too."""
    from core.warehouse import connect, table_exists
    from dbt_project.monitoring.history import latest_phase_outcomes

    runner, env = _runner(tmp_path, demo_landing, "player_daily_cache")
    day = env.game_dates[-1]
    # a healthy run first (yesterday's tables stay in place when tonight's phase 4 fails)
    healthy = PipelineRunner(env.settings).run(env.all_dates, phases=(1, 2, 3, 4))
    assert healthy.ok
    assert not runner.run(env.all_dates).ok

    def predictions() -> int:
        with connect(env.settings, read_only=True) as con:
            if not table_exists(con, "test_nba_predictions", "player_prop_predictions"):
                return 0
            return con.execute(
                "select count(*) from test_nba_predictions.player_prop_predictions where game_date = ?", [day]
            ).fetchone()[0]

    refused = runner.run([day], phases=(5,))
    assert not refused.ok and [p.phase for p in refused.phases] == [5]
    phase5 = refused.phases[0]
    assert phase5.status == "failed" and phase5.message.startswith("refused: P4->P5 gate failed")
    assert "circuit breaker open" in phase5.message and "player_daily_cache" in phase5.message
    assert "--allow-degraded" in phase5.message
    assert latest_phase_outcomes(env.settings, 5, [day])[day][0] == "failed"  # recorded in run history
    assert predictions() == 0

    never_ran = runner.run([env.game_dates[-1] + timedelta(days=30)], phases=(5,))
    assert not never_ran.ok and "phase 4 has never run" in never_ran.phases[0].message

    forced = runner.run([day], phases=(5,), allow_degraded=True)
    assert forced.ok and forced.phases[0].status == "degraded", forced.phases[0].message
    assert "--allow-degraded" in forced.phases[0].message
    assert day.isoformat() in forced.phases[0].details["gate_overridden"]
    assert latest_phase_outcomes(env.settings, 5, [day])[day][0] == "degraded"
    assert predictions() > 0
