"""What backfill and heal share: which dates are complete, and running a list of dates chunk by chunk.

* **Complete date** (``history.is_complete``): the latest run-history record of each phase 1-6 for the date is
  success or degraded. A failure, a skip or a 'running' row (a run killed part way) recorded after the last
  success makes the date incomplete again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.contracts import GOOD, PIPELINE_PHASES
from core.settings import Settings
from dbt_project.control.runner import PipelineRunner, RunResult
from dbt_project.monitoring import history


# -- completeness -------------------------------------------------------------------------------------------
def incomplete_phases(phases: dict[int, str]) -> dict[int, str]:
    """phase -> latest status (or 'never ran') of the phases 1-6 that are not success/degraded."""
    return {p: phases.get(p, "never ran") for p in PIPELINE_PHASES if phases.get(p) not in GOOD}


def complete_dates(settings: Settings, dates: Sequence[date]) -> set[date]:
    if not dates:
        return set()
    outcomes = history.phase_outcomes(settings, min(dates), max(dates))
    return {d for d in dates if history.is_complete(outcomes.get(d, {}))}


# -- running dates ------------------------------------------------------------------------------------------
@dataclass
class DateRun:
    dates: list[date]
    run_id: str
    ok: bool
    seconds: float
    message: str


@dataclass
class BatchResult:
    requested: list[date]
    skipped: list[date] = field(default_factory=list)  # complete already
    runs: list[DateRun] = field(default_factory=list)
    not_attempted: list[date] = field(default_factory=list)  # after a failure

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.runs)

    def summary(self) -> dict[str, Any]:
        return {
            "requested": len(self.requested),
            "skipped_complete": [d.isoformat() for d in self.skipped],
            "runs": [{**asdict(r), "dates": [d.isoformat() for d in r.dates]} for r in self.runs],
            "not_attempted": [d.isoformat() for d in self.not_attempted],
            "ok": self.ok,
        }


def _chunks(dates: Sequence[date], size: int) -> Iterable[list[date]]:
    for i in range(0, len(dates), size):
        yield list(dates[i : i + size])


def label(dates: Sequence[date]) -> str:
    return dates[0].isoformat() if len(dates) == 1 else f"{dates[0]}..{dates[-1]}"


def _run_message(result: RunResult) -> str:
    failed = result.failed_phase
    if result.ok:
        return "complete"
    return failed.message if failed else "monitoring views failed"


def run_dates(
    settings: Settings,
    dates: Sequence[date],
    todo: Sequence[date],
    *,
    chunk_days: int = 1,
    verbose: bool = False,
    console: Console | None = None,
    title: str = "backfill",
) -> BatchResult:
    """Run ``todo`` (a subset of ``dates``, in date order) chunk by chunk with one runner (dbt parses once),
    with a progress bar over ``dates``; stops at the first failed run. The caller holds the run lock."""
    console = console or Console(stderr=True, soft_wrap=True)
    pending = set(todo)
    batch = BatchResult(list(dates), skipped=[d for d in dates if d not in pending])
    runner = PipelineRunner(settings, verbose=verbose, console=console)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    chunks = list(_chunks(sorted(todo), max(chunk_days, 1)))
    with progress:
        task = progress.add_task(title, total=len(dates), completed=len(batch.skipped))
        for i, chunk in enumerate(chunks):
            progress.update(task, description=f"{title} {label(chunk)}")
            started = time.perf_counter()
            result = runner.run(chunk)
            run = DateRun(
                chunk, result.run_id, result.ok, round(time.perf_counter() - started, 1), _run_message(result)
            )
            batch.runs.append(run)
            if not run.ok:
                console.print(f"{title}: {label(chunk)} [red]FAILED[/] (run {run.run_id}): {escape(run.message)}")
                batch.not_attempted = [d for c in chunks[i + 1 :] for d in c]
                break
            progress.advance(task, len(chunk))
            done = len(batch.skipped) + sum(len(r.dates) for r in batch.runs)
            console.print(
                f"{title}: {label(chunk)} complete (run {run.run_id}, {run.seconds:.1f}s) [{done}/{len(dates)}]"
            )
    return batch
