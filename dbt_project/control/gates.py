"""Gates between phases, as code.

* P(N) -> P(N+1) for the dbt phases 2 and 3: every model built and every error-severity test passed
  (`BuildOutcome.success`), else the next phases do not run.
* P4 -> P5 circuit breaker: the precompute models are judged one by one. A model is healthy when it built
  and none of its error-severity tests failed. Phase 5 may run when the critical models
  (`critical_precompute_models`: player_daily_cache and ml_feature_store) are healthy **and** at least
  `min_healthy_precompute_models` of the precompute models are. A non-critical model down is a soft
  dependency: the run proceeds, recorded as degraded, provided the feature coverage of the slate
  (`prediction_slate`: players with a feature row / players with a pre-game line and an earlier game on the
  run's dates) is at least `min_feature_coverage`. The slate itself (`prediction_slate`) is always critical,
  whatever the var says: phase 5 predicts its rows and cannot run without it.

Thresholds are dbt vars (dbt_project.yml), shared with the SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.settings import Settings, project_vars
from core.warehouse import connect, table_exists
from dbt_project.control.dbt_invoker import BuildOutcome, NodeOutcome

SLATE = "prediction_slate"  # the precompute model phase 5 predicts (models/precompute/prediction_slate.sql)


@dataclass
class GateDecision:
    open: bool
    degraded: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def model_health(outcome: BuildOutcome) -> dict[str, list[str]]:
    """Model name -> the reasons it is unhealthy (empty list: healthy), for every model the build selected."""
    models = {n.unique_id: n for n in outcome.of_type("model")}
    problems: dict[str, list[str]] = {n.name: [] for n in models.values()}
    for node in models.values():
        if node.status != "success":
            problems[node.name].append(f"model {node.status}" + (f": {node.message}" if node.message else ""))
    for test in [*outcome.of_type("test"), *outcome.of_type("unit_test")]:
        if not test.failed:
            continue
        for model_id in _tested_models(test, models):
            problems[models[model_id].name].append(_describe_test(test))
    return problems


def _tested_models(test: NodeOutcome, models: dict[str, NodeOutcome]) -> list[str]:
    if test.attached_node and test.attached_node in models:
        return [test.attached_node]
    # singular tests: every selected model they read
    return [d for d in test.depends_on if d in models]


def _describe_test(test: NodeOutcome) -> str:
    rows = f", {test.failures} failing rows" if test.failures else ""
    return f"test {test.name} ({test.status}{rows})"


def feature_coverage(settings: Settings, dates: Sequence[date]) -> tuple[float | None, int, int]:
    """(coverage, players with features, players on the slate) over `dates`; None without a slate.

    Counted over nba_precompute.prediction_slate (the one slate, which phase 5 predicts): the players with a
    pre-game line in a predicted market on those dates who have played an earlier game (``has_history``: a
    player with no history cannot have features, so opening night is not a coverage failure), and of those
    the players with a feature row (``has_features``). One player per date."""
    if not settings.is_duckdb:
        return None, 0, 0
    precompute = settings.schema("nba_precompute")
    with connect(settings, read_only=True) as con:
        if not table_exists(con, precompute, SLATE):
            return None, 0, 0
        days = [d.isoformat() for d in dates]
        marks = ", ".join("?" for _ in days)
        slate, covered = con.execute(
            f"""
            with players as (
                select game_date, player_name_key, bool_or(has_features) as has_features
                from {precompute}.{SLATE}
                where game_date in ({marks}) and has_history
                group by game_date, player_name_key
            )
            select count(*), count(*) filter (where has_features) from players
            """,
            [*days],
        ).fetchone()
    return (covered / slate if slate else None), covered, slate


def precompute_circuit_breaker(settings: Settings, outcome: BuildOutcome, dates: Sequence[date]) -> GateDecision:
    config = project_vars(settings.project_dir)
    critical = list(config.get("critical_precompute_models", ["player_daily_cache", "ml_feature_store"]))
    critical += [SLATE] if SLATE not in critical else []
    min_healthy = int(config.get("min_healthy_precompute_models", 3))
    min_coverage = float(config.get("min_feature_coverage", 0.8))

    problems = model_health(outcome)
    min_healthy = min(min_healthy, len(problems))  # a selection with fewer models needs all of them
    healthy = sorted(m for m, p in problems.items() if not p)
    unhealthy = {m: p for m, p in problems.items() if p}
    details: dict[str, Any] = {
        "healthy": healthy,
        "unhealthy": unhealthy,
        "critical": critical,
        "min_healthy": min_healthy,
    }

    def describe(models: dict[str, list[str]]) -> str:
        return "; ".join(f"{m}: {', '.join(p)}" for m, p in sorted(models.items()))

    down_critical = {m: unhealthy.get(m, ["not built"]) for m in critical if m not in healthy}
    if down_critical:
        return GateDecision(False, False, f"circuit breaker open: critical {describe(down_critical)}", details)
    if len(healthy) < min_healthy:
        return GateDecision(
            False,
            False,
            f"circuit breaker open: {len(healthy)} of {len(problems)} precompute models healthy "
            f"(need {min_healthy}); {describe(unhealthy)}",
            details,
        )
    coverage, covered, slate = feature_coverage(settings, dates)
    details.update(coverage=coverage, players_with_features=covered, players_on_slate=slate)
    if not unhealthy:
        return GateDecision(True, False, f"{len(healthy)} precompute models healthy", details)
    if coverage is not None and coverage < min_coverage:
        return GateDecision(
            False,
            False,
            f"circuit breaker open: feature coverage {coverage:.0%} of the slate < {min_coverage:.0%} "
            f"with {describe(unhealthy)}",
            details,
        )
    shown = "n/a" if coverage is None else f"{coverage:.0%}"
    return GateDecision(
        True,
        True,
        f"degraded: {len(healthy)} of {len(problems)} precompute models healthy, coverage {shown}; "
        f"{describe(unhealthy)}",
        details,
    )
