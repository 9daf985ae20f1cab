"""Drive dbt in-process (dbtRunner): parse once, then build phase selectors against the parsed manifest.

Each dbt subprocess spends ~2.5 s starting up; one process that parses once and reuses the manifest for
every phase keeps a whole run close to the time the SQL takes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from dbt.artifacts.schemas.run import RunExecutionResult, RunResultsArtifact
from dbt.cli.main import dbtRunner

from core.settings import Settings

FAILED = {"error", "fail", "runtime error"}


def release_duckdb() -> None:
    """Close the DuckDB handle dbt-duckdb keeps open in-process after an invocation.

    dbt-duckdb caches one read-write connection per process; while it is open, dlt, the Python steps and
    other processes (a DuckDB shell, a second run) cannot open the file with another configuration."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # the BigQuery-only install
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            env.close()
            DuckDBConnectionManager._ENV = None


class DbtError(RuntimeError):
    pass


@dataclass(frozen=True)
class NodeOutcome:
    unique_id: str
    name: str
    resource_type: str
    status: str
    seconds: float
    failures: int | None = None
    message: str | None = None
    attached_node: str | None = None  # the model a generic test tests
    depends_on: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass
class BuildOutcome:
    selector: str
    success: bool
    seconds: float
    nodes: list[NodeOutcome] = field(default_factory=list)
    error: str | None = None
    # the invocation's run_results.json (metadata + results), from dbtRunner's result
    run_results: dict[str, Any] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> list[NodeOutcome]:
        return [n for n in self.nodes if n.resource_type == resource_type]

    @property
    def failing_tests(self) -> list[NodeOutcome]:
        return [n for n in self.of_type("test") if n.failed]

    @property
    def failed_nodes(self) -> list[NodeOutcome]:
        """Models, seeds, snapshots that errored, and error-severity tests that failed."""
        return [n for n in self.nodes if n.failed]

    @property
    def node_seconds(self) -> float:
        return sum(n.seconds for n in self.nodes)

    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for n in self.nodes:
            key = f"{n.resource_type}_{n.status}"
            counts[key] = counts.get(key, 0) + 1
        return {
            "selector": self.selector,
            "success": self.success,
            "seconds": round(self.seconds, 3),
            "node_seconds": round(self.node_seconds, 3),
            "counts": counts,
            "failed": [
                {
                    "name": n.name,
                    "type": n.resource_type,
                    "status": n.status,
                    "failures": n.failures,
                    "message": n.message,
                }
                for n in self.failed_nodes
            ],
            "error": self.error,
        }


class Dbt:
    def __init__(self, settings: Settings, verbose: bool = False) -> None:
        self.settings = settings
        self.verbose = verbose
        self._manifest: Any = None

    def _common(self) -> list[str]:
        project = str(self.settings.project_dir)
        args = ["--project-dir", project, "--profiles-dir", project, "--target", self.settings.target]
        return args

    def _flags(self) -> list[str]:
        return [] if self.verbose else ["--quiet"]

    def parse(self) -> Any:
        if self._manifest is None:
            self.settings.export_env()
            result = dbtRunner().invoke([*self._flags(), "parse", *self._common()])
            if not result.success or result.result is None:
                raise DbtError(f"dbt parse failed: {result.exception or 'see logs/dbt.log'}")
            self._manifest = result.result
        return self._manifest

    def invoke(self, args: list[str]) -> Any:
        """Run any dbt command against the parsed manifest; returns dbt's own result object."""
        self.settings.export_env()
        try:
            return dbtRunner(manifest=self.parse()).invoke([*self._flags(), *args, *self._common()])
        finally:
            release_duckdb()

    def build(self, selector: str, extra: list[str] | None = None) -> BuildOutcome:
        started = time.perf_counter()
        # not verbose: dbt prints nothing on the console (the runner names what failed; logs/dbt.log has dbt's
        # full log), so an interrupted build prints no dbt traceback over the run's own one-line outcome
        quiet = [] if self.verbose else ["--log-level", "none", "--log-level-file", "debug"]
        result = self.invoke([*quiet, "build", "--selector", selector, *(extra or [])])
        seconds = time.perf_counter() - started
        nodes: list[NodeOutcome] = []
        if result.result is not None and hasattr(result.result, "results"):
            for r in result.result.results:
                node = r.node
                nodes.append(
                    NodeOutcome(
                        unique_id=node.unique_id,
                        name=node.name,
                        resource_type=str(node.resource_type),
                        status=str(r.status),
                        seconds=float(r.execution_time or 0.0),
                        failures=r.failures,
                        message=r.message,
                        attached_node=getattr(node, "attached_node", None),
                        depends_on=tuple(getattr(getattr(node, "depends_on", None), "nodes", None) or ()),
                    )
                )
        error = str(result.exception) if result.exception else None
        success = bool(result.success) and not any(n.failed for n in nodes)
        return BuildOutcome(selector, success, seconds, nodes, error, run_results(result))


def run_results(result: Any) -> dict[str, Any]:
    """The invocation's run_results.json (metadata + results) as dbt writes it, built from the result object
    dbtRunner returned (dbt's own RunResultsArtifact); empty when the invocation produced no run results (e.g.
    a failed parse)."""
    execution = getattr(result, "result", None)
    if not isinstance(execution, RunExecutionResult):
        return {}
    artifact = RunResultsArtifact.from_execution_results(
        results=execution.results,
        elapsed_time=execution.elapsed_time,
        generated_at=execution.generated_at,
        args=execution.args,
    )
    return artifact.to_dict(omit_none=False, context={"artifact": True})
