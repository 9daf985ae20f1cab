"""Resumable backfills (README "Operations").

**backfill** runs the dates of a range in order, one chunk (default one date) per runner run, and skips the
complete ones (``dates.complete_dates``) unless forced. Interrupted (SIGINT, SIGKILL), it is rerun with the same
arguments: the killed run's dates are incomplete and run again, and every layer is idempotent (merge loads,
incremental rebuilds from the run's first date, predictions replaced per date), so the tables end as after an
uninterrupted backfill.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich.console import Console

from core.settings import Settings
from dbt_project.control.dates import BatchResult, complete_dates, run_dates
from dbt_project.control.runner import run_lock


def backfill(
    settings: Settings,
    dates: Sequence[date],
    *,
    force: bool = False,
    chunk_days: int = 1,
    verbose: bool = False,
    console: Console | None = None,
) -> BatchResult:
    """Run every date of ``dates`` that is not complete (all of them with ``force``), in order."""
    console = console or Console(stderr=True, soft_wrap=True)
    with run_lock(settings, share=True):  # held across the runs: no other run slips in between two dates
        done = set() if force else complete_dates(settings, dates)
        todo = [d for d in dates if d not in done]
        if done:
            console.print(
                f"backfill: skipping {len(done)} complete date(s): {', '.join(d.isoformat() for d in sorted(done))}"
            )
        if not todo:
            console.print("backfill: every date is complete (--force runs them again)")
            return BatchResult(list(dates), skipped=sorted(done))
        return run_dates(settings, dates, todo, chunk_days=chunk_days, verbose=verbose, console=console)
