"""The phase runner: ingest -> staging -> analytics -> precompute -> predictions -> publish.

Phases run in order for a set of dates. dbt phases build their selector (models and their tests); when any
error-severity test or model of phase N fails, the gate closes: phases N+1.. are recorded as skipped, the
run exits non-zero and the failing tests are named. Every phase outcome goes to run history.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape

from core.contracts import GOOD, PIPELINE_PHASES, FailureKind, Phase, PhaseResult, RunResult, Status
from core.errors import BusyError, Interrupted, NoDataError
from core.settings import Settings
from core.warehouse import connect, shared_connection, table_exists
from dbt_project.control import progress
from dbt_project.control.dbt_invoker import BuildOutcome, Dbt
from dbt_project.control.freshness import check_freshness, deployment_disabled, describe
from dbt_project.control.gates import precompute_circuit_breaker
from dbt_project.control.timeouts import PhaseTimeout, deadline
from dbt_project.monitoring import history
from dbt_project.monitoring.alerts import alerts_for_run, send_alert, stale_source_alert
from dbt_project.monitoring.history import PhaseRecord
from dbt_project.publish.export import (
    build_feeds,
    check_exportable,
    check_exports_owner,
    published_predictions,
    write_feeds,
)
from ingestion.landing import LandingArea
from ingestion.pipeline import has_box_scores, has_games, load_landing
from ml.predict import ensure_table, predict_dates

ALL_PHASES = PIPELINE_PHASES
UNIT_TESTS_EXCLUDED = ["--exclude-resource-type", "unit_test"]
STATUS_COLOURS = {
    Status.SUCCESS: "green",
    Status.DEGRADED: "yellow",
    Status.FAILED: "red",
    Status.SKIPPED: "yellow",
    Status.INTERRUPTED: "red",
}
_SHARED_LOCKS: set[str] = set()  # locks held with run_lock(..., share=True): runs inside the block reuse them


class RunLockedError(BusyError, RuntimeError):
    pass


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id() -> str:
    return f"run_{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}_{secrets.token_hex(3)}"


@contextmanager
def run_lock(settings: Settings, share: bool = False) -> Iterator[None]:
    """One run per warehouse at a time: DuckDB admits a single writer, and two runs of the same date
    would interleave their writes. A second run refuses at once instead of failing half way. With ``share``
    (backfill, heal, replay) the lock is held across several runs of this process: they run inside it instead
    of refusing, and no other run can slip in between them."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    path = progress.lock_path(settings)
    key = str(path.resolve())
    if key in _SHARED_LOCKS:
        yield
        return
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.seek(0)
            raise RunLockedError(
                f"another nba-props run holds {path} (pid {fh.read().strip() or '?'}); wait for it to finish"
            ) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        if share:
            _SHARED_LOCKS.add(key)
        try:
            yield
        finally:
            _SHARED_LOCKS.discard(key)
            fcntl.flock(fh, fcntl.LOCK_UN)


def span(dates: Sequence[date], limit: int = 4) -> str:
    """Dates for a message: '2025-10-21', '2025-10-21, 2025-10-23' or '2025-10-21..2025-11-02 (9 dates)'."""
    days = sorted(dates)
    if len(days) <= limit:
        return ", ".join(d.isoformat() for d in days)
    return f"{days[0]}..{days[-1]} ({len(days)} dates)"


@dataclass
class InterruptFlag:
    signal: str | None = None  # SIGINT / SIGTERM once one arrived during the run


@contextmanager
def interrupt_guard() -> Iterator[InterruptFlag]:
    """Ctrl-C (SIGINT) or SIGTERM during a run: remembered, then raised as KeyboardInterrupt as Python does.
    dbt swallows the interrupt and returns a failed build; the flag tells the runner the phase was interrupted,
    not failed by its gate. Signal handlers exist only in the main thread; elsewhere nothing is installed."""
    flag = InterruptFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, _frame: Any) -> None:
        flag.signal = signal.Signals(signum).name
        raise KeyboardInterrupt(flag.signal)

    def unraisable(info: Any) -> None:  # the interrupt landed in a finalizer: the flag has it, nothing to print
        if not (info.exc_type and issubclass(info.exc_type, KeyboardInterrupt)):
            hook(info)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield flag
    finally:
        sys.unraisablehook = hook
        for sig, old in previous.items():
            signal.signal(sig, old)


def _describe_failure(outcome: BuildOutcome) -> str:
    if outcome.failed_nodes:
        parts = [
            f"{n.resource_type} {n.name} ({n.status}{f', {n.failures} failing rows' if n.failures else ''})"
            for n in outcome.failed_nodes
        ]
        return "; ".join(parts)
    return outcome.error or "dbt reported failure (see logs/dbt.log)"


@dataclass
class RunContext:
    """The state of one run, made by ``PipelineRunner.run`` and passed to every phase body: nothing of a run is
    kept on the runner, so one runner can run again (a backfill's chunks, ``heal``) without leftovers."""

    run_id: str
    dates: list[date]
    phases: tuple[int, ...]  # the selected phases, in order
    allow_degraded: bool
    interrupt: InterruptFlag  # the signal that stopped the run, if any (interrupt_guard)
    progress: dict[str, Any] = field(default_factory=dict)  # what `nba-props status` reads while the run holds the lock

    @property
    def dbt_vars(self) -> list[str]:
        """Incremental models rebuild from the run's first date (macros/incremental.sql: rebuild_from), so a
        backfill of an older date reaches every layer; a nightly run rebuilds only the last few days."""
        return ["--vars", json.dumps({"rebuild_from": min(self.dates).isoformat()})]


PhaseBody = Callable[[RunContext], tuple[str, dict[str, Any]]]


class PipelineRunner:
    def __init__(self, settings: Settings, verbose: bool = False, console: Console | None = None) -> None:
        self.settings = settings
        self.console = console or Console(stderr=True, soft_wrap=True)
        self.dbt = Dbt(settings, verbose=verbose)

    # -- phase bodies -------------------------------------------------------------------------------------
    def _ingest(self, ctx: RunContext) -> tuple[str, dict[str, Any]]:
        dates = ctx.dates
        result = load_landing(self.settings, dates)
        history.record_dlt_load(self.settings, ctx.run_id, result.summary(), _now())
        total = sum(result.rows.values())
        without = self.dates_without_data(LandingArea(self.settings.landing_dir), dates)
        if len(without) == len(dates):  # e.g. nothing mirrored from object storage for these dates
            raise NoDataError(
                f"no data for {span(dates)}: no landing files or no games scheduled "
                f"({', '.join(sorted(set(without.values())))})"
            )
        message = f"loaded {total} rows into {self.settings.schema('nba_raw')}"
        if without:
            message += f"; no games on {span(list(without))}"
        details = {**result.summary(), "python_seconds": round(result.seconds, 3)}
        if result.dropped_packages:
            message += (
                f"; dropped {len(result.dropped_packages)} load package(s) an interrupted load left "
                "behind (their rows come from the landing files again)"
            )
        if result.rejected:
            # bad rows do not stop the good ones; the run is recorded as degraded and says where they went
            quarantined = sum(result.rejected.values())
            message += (
                f"; {quarantined} quarantined in {self.settings.schema('nba_raw')}.rejected_rows "
                f"({', '.join(f'{k} {v}' for k, v in result.rejected.items())}), e.g. {result.rejected_examples[0]}"
            )
            details["status"] = "degraded"
        if result.notes:
            message += "; " + "; ".join(result.notes)
            details["status"] = "degraded"
        if result.missing_injury_reports:
            # a soft dependency: predictions go on without that day's injury statuses, the run says so
            message += (
                f"; no injury report for {', '.join(result.missing_injury_reports)} (soft dependency: "
                "injury statuses unknown, the run goes on)"
            )
            details["status"] = "degraded"
        return message, details

    def _dbt_phase(self, phase: int) -> PhaseBody:
        def body(ctx: RunContext) -> tuple[str, dict[str, Any]]:
            outcome = self._build(ctx, phase, f"phase{phase}", ctx.dbt_vars)
            if not outcome.success:
                raise GateClosed(outcome)
            models = len(outcome.of_type("model")) + len(outcome.of_type("seed"))
            tests = len(outcome.of_type("test"))
            return f"built {models} models/seeds, {tests} tests passed", outcome.summary()

        return body

    def _build(self, ctx: RunContext, phase: int, selector: str, extra: list[str] | None = None) -> BuildOutcome:
        """dbt build of a selector without its unit tests; its run results go to nba_monitoring.dbt_node_results.

        Unit tests check the models' SQL on fixed inputs, not the data: as dbt recommends, they run where the
        code changes (``dbt build --selector phaseN`` or ``dbt test --select test_type:unit`` in development,
        and the test suite: tests/models/test_unit_tests.py), not on every pipeline run (about 2 s of a nightly
        run's 357 nodes)."""
        outcome = self.dbt.build(selector, [*(extra or []), *UNIT_TESTS_EXCLUDED])
        history.record_dbt_nodes(self.settings, ctx.run_id, phase, outcome.run_results)
        return outcome

    def _monitoring_selector(self) -> str:
        """The quarantine report reads nba_raw.rejected_rows, which dlt creates on the first load: on a
        warehouse that has never loaded, leave it (and its tests) out instead of failing the monitoring build."""
        with connect(self.settings, read_only=True) as con:
            loaded = table_exists(con, self.settings.schema("nba_raw"), "rejected_rows")
        return "monitoring" if loaded else "monitoring_before_first_load"

    def _precompute(self, ctx: RunContext) -> tuple[str, dict[str, Any]]:
        """Phase 4 and the P4 -> P5 circuit breaker (dbt_project/control/gates.py)."""
        outcome = self._build(ctx, 4, "phase4", ctx.dbt_vars)
        decision = precompute_circuit_breaker(self.settings, outcome, ctx.dates)
        if not decision.open:
            raise GateClosed(outcome, decision.details, decision.message, FailureKind.BREAKER_OPEN)
        details = {**decision.details, "dbt": outcome.summary()}
        if decision.degraded:
            details["status"] = "degraded"
        tests = len(outcome.of_type("test"))
        return f"built {len(outcome.of_type('model'))} models, {tests} tests; {decision.message}", details

    def _precompute_gate(self, ctx: RunContext) -> dict[str, Any]:
        """When phase 5 runs without phase 4 in the same run (`nba-props predict`): the P4 -> P5 gate as run
        history recorded it for each date. A date whose latest phase 4 failed, was skipped or never ran
        refuses, naming the failed checks, unless allow_degraded (then the run is recorded as degraded)."""
        outcomes = history.latest_phase_outcomes(self.settings, 4, ctx.dates)
        closed = {
            d.isoformat(): (outcomes[d][1] if d in outcomes else "phase 4 has never run for this date")
            for d in ctx.dates
            if d not in outcomes or outcomes[d][0] not in GOOD
        }
        if not closed:
            return {}
        first = next(iter(closed.items()))
        summary = f"P4->P5 gate failed for {len(closed)} date(s), e.g. {first[0]}: {first[1]}"
        if not ctx.allow_degraded:
            raise PredictRefused(f"refused: {summary} (rerun phase 4, or pass --allow-degraded)", closed)
        return {"status": "degraded", "gate_overridden": closed, "note": f"--allow-degraded: {summary}"}

    def _predict(self, ctx: RunContext) -> tuple[str, dict[str, Any]]:
        gate = self._precompute_gate(ctx) if 4 not in ctx.phases else {}
        self.dbt.parse()  # ml/ reads the feature list and feature_version from this project's manifest.json
        started = time.perf_counter()
        ensure_table(self.settings)
        per_date = predict_dates(self.settings, ctx.dates, ctx.run_id)
        python_seconds = round(time.perf_counter() - started, 3)
        outcome = self._build(ctx, 5, "phase5", ctx.dbt_vars)
        if not outcome.success:
            raise GateClosed(outcome, {"predictions": per_date, "python_seconds": python_seconds})
        message = f"wrote {sum(per_date.values())} predictions, graded"
        if gate:
            message += f"; {gate['note']}"
        return message, {**gate, "predictions": per_date, "python_seconds": python_seconds, "dbt": outcome.summary()}

    def _publish(self, ctx: RunContext) -> tuple[str, dict[str, Any]]:
        dates = ctx.dates
        outcome = self._build(ctx, 6, "phase6", ctx.dbt_vars)
        if not outcome.success:
            raise GateClosed(outcome)
        started = time.perf_counter()
        paths: list[str] = []
        no_games, no_predictions, unpublished = [], [], []
        system = None
        with shared_connection(self.settings):  # one connection for every feed of every date (DuckDB targets)
            for d in dates:
                documents = build_feeds(self.settings, d, ctx.run_id)
                try:
                    check_exportable(self.settings, d, documents, require_predictions=False)
                except NoDataError:  # no games that date: nothing to publish, and no empty feeds written
                    no_games.append(d)
                    continue
                system = documents["tonight"].get("system")
                if not documents["predictions"]["count"]:
                    no_predictions.append(d)
                elif not published_predictions(documents):
                    unpublished.append(d)
                paths += write_feeds(self.settings, d, documents)
        message = f"exported {len(paths)} feeds for {len(dates) - len(no_games)} date(s)"
        details: dict[str, Any] = {
            "exports": len(paths),
            "first": paths[:1],
            "python_seconds": round(time.perf_counter() - started, 3),
            "dbt": outcome.summary(),
            "no_games": [d.isoformat() for d in no_games],
            "no_predictions": [d.isoformat() for d in no_predictions],
            "published_system_empty": [d.isoformat() for d in unpublished],
        }
        if no_games:
            message += f"; no games on {span(no_games)} (nothing to publish)"
            if not paths:  # e.g. the date's schedule was quarantined: nothing published is never a success
                details["status"] = "degraded"
        if no_predictions or unpublished:
            # an empty slate in the feeds is not an output: the run says so (degraded) and what it needs
            details["status"] = "degraded"
            if no_predictions:
                message += f"; no predictions for {span(no_predictions)}: feeds carry games only"
            if unpublished:
                message += f"; the published system {system} predicted nothing for {span(unpublished)}"
            message += (
                " (the models need earlier games: load the season from its first day, and the season "
                "before, e.g. nba-props landing from-parquet --season 2024-25 --season 2025-26)"
            )
        return message, details

    # -- orchestration ------------------------------------------------------------------------------------
    def run(self, dates: list[date], phases: Sequence[int] = ALL_PHASES, allow_degraded: bool = False) -> RunResult:
        """Run ``phases`` (default all, in order) for ``dates``. Phases not selected are not recorded."""
        if not phases or set(phases) - set(ALL_PHASES):
            raise ValueError(f"phases must be a non-empty subset of {ALL_PHASES}, not {phases}")
        self.settings.duckdb_path  # noqa: B018 - a BigQuery target is refused (UsageError) before anything runs
        if 6 in phases:
            check_exports_owner(self.settings)  # another target's exports folder: refused before anything runs
        with run_lock(self.settings):
            if 1 in phases:
                self._refuse_without_data(dates)  # nothing recorded for dates without data
                deployment_disabled(self.settings, self.dbt.parse())  # an unknown source name: refused now
            with interrupt_guard() as interrupt:
                ctx = RunContext(new_run_id(), list(dates), tuple(sorted(set(phases))), allow_degraded, interrupt)
                try:
                    result = self._run(ctx)
                except KeyboardInterrupt as exc:  # between phases (recording, freshness): close what is open
                    if isinstance(exc, PhaseTimeout) or not ctx.progress:  # nothing recorded yet
                        raise
                    history.close_open_phases(
                        self.settings, ctx.run_id, "interrupted", "not finished: the run was interrupted"
                    )
                    raise Interrupted(
                        f"run {ctx.run_id} interrupted; its open phases are recorded as interrupted"
                    ) from None
        if result.interrupted:  # the user stopped it: recorded, not alerted
            where = next(p.phase for p in result.phases if p.status == Status.INTERRUPTED)
            raise Interrupted(
                f"run {result.run_id} interrupted ({result.interrupted}) in phase {where}; its open "
                "phases are recorded as interrupted (nba-props heal or backfill finishes the dates)"
            )
        self._alert(result)  # after the lock: a slow alert channel never holds up the next run
        return result

    def _refuse_without_data(self, dates: list[date]) -> None:
        """A run over dates the landing area has nothing for (no files, or no games scheduled) is refused
        before anything is recorded: it would otherwise 'succeed' with six empty feeds. Ranges that include
        days without games run as usual (phase 1 names those days). Replays from object storage are checked
        after the mirror, in phase 1."""
        landing = LandingArea(self.settings.landing_dir)
        if self.settings.landing_url or not landing.root.is_dir():
            return  # a missing landing folder fails phase 1 with its own message
        without = self.dates_without_data(landing, dates)
        if len(without) < len(dates):
            return
        if all(why == "no files" for why in without.values()):
            raise NoDataError(
                f"no data for {span(dates)}: the landing area {landing.root} has no files for "
                f"{'that date' if len(dates) == 1 else 'any of these dates'} (fetch them first: "
                "nba-props landing fetch, or pass --landing-dir)"
            )
        raise NoDataError(f"no data for {span(dates)}: no games scheduled in the landing area {landing.root}")

    @staticmethod
    def dates_without_data(landing: LandingArea, dates: Sequence[date]) -> dict[date, str]:
        """The dates with no landing files of any source ("no files"), or neither scheduled games nor box scores
        ("no games")."""
        sources = [p.name for p in landing.root.iterdir() if p.is_dir()] if landing.root.is_dir() else []
        without: dict[date, str] = {}
        for day in dates:
            folders = [landing.day_dir(source, day) for source in sources]
            if not any(f.is_dir() and any(f.iterdir()) for f in folders):
                without[day] = "no files"
            elif not has_games(landing, day) and not has_box_scores(landing, day):
                without[day] = "no games"
        return without

    def _alert(self, result: RunResult) -> None:
        """Gate failures, failed phases, degraded runs and stale sources go to the configured channels (Slack,
        e-mail); unset channels log one line. Sending never raises."""
        alerts = alerts_for_run(result, target=self.settings.target)
        if result.stale_sources:
            alerts.append(stale_source_alert(result.stale_sources, run_id=result.run_id, target=self.settings.target))
        for alert in alerts:
            sent = send_alert(alert)
            result.alerts.append(
                {"kind": alert.kind, "title": alert.title, "delivered": sent.delivered, "configured": sent.configured}
            )
            if sent.configured and not sent.delivered:
                self.console.print(f"  [yellow]alert not delivered[/]: {escape(f'{alert.kind}: {alert.title}')}")

    def _stale_sources(self, ctx: RunContext) -> list[dict[str, Any]]:
        return check_freshness(self.settings, self.dbt, ctx.run_id, self.console)

    def _run(self, ctx: RunContext) -> RunResult:
        dates = ctx.dates
        started = time.perf_counter()
        result = RunResult(ctx.run_id, list(dates))
        history.ensure_table(self.settings)
        history.ensure_observability_tables(self.settings)
        bodies: dict[int, PhaseBody] = {
            1: self._ingest,
            2: self._dbt_phase(2),
            3: self._dbt_phase(3),
            4: self._precompute,
            5: self._predict,
            6: self._publish,
        }
        label = f"{dates[0]}" if len(dates) == 1 else f"{dates[0]}..{dates[-1]} ({len(dates)} dates)"
        self.console.print(f"[bold]nba-props run[/] {ctx.run_id} target={self.settings.target} dates={label}")
        ctx.progress = {
            "run_id": ctx.run_id,
            "pid": os.getpid(),
            "target": self.settings.target,
            "dates": label,
            "started_at": _now().isoformat(timespec="seconds"),
            "phases": {},
        }
        # every selected phase is recorded 'running' first and replaced by its outcome: a run killed part way
        # leaves 'running' rows, so its dates never look complete (nba-props backfill / heal rerun them)
        for phase in ctx.phases:
            self._record(
                ctx, PhaseRecord(ctx.run_id, phase, Status.RUNNING, _now(), _now(), "started; not finished (yet)", {})
            )
        blocked_by: int | None = None
        blocked_why = "failed its gate"
        for phase, body in bodies.items():
            if phase not in ctx.phases:
                continue
            t0, began = time.perf_counter(), _now()
            failure: FailureKind | None = None
            if result.interrupted:
                status, details = Status.INTERRUPTED, {}
                message = f"not run: the run was interrupted in phase {blocked_by}"
            elif blocked_by is not None:
                status, message, details = Status.SKIPPED, f"not run: phase {blocked_by} {blocked_why}", {}
            else:
                limit = self.settings.phase_timeout(phase)
                try:
                    with deadline(
                        limit,
                        f"phase {phase}",
                        self.settings.phase_timeout_grace_seconds,
                        self._abandon_recorder(ctx, phase, began),
                    ) as watch:
                        try:
                            message, details = body(ctx)
                            status = Status.DEGRADED if details.get("status") == Status.DEGRADED else Status.SUCCESS
                        except PhaseTimeout:
                            raise
                        except BaseException:
                            if not watch.expired:
                                raise
                            # a timeout dbt swallowed surfaces as a failed build: the timeout is the cause
                    if watch.expired:
                        raise PhaseTimeout(watch.message)
                except PhaseTimeout as timeout:
                    status, details, failure = Status.FAILED, {"timeout_seconds": limit}, FailureKind.TIMEOUT
                    message = str(timeout)
                    blocked_by, blocked_why = phase, "exceeded its time limit"
                except KeyboardInterrupt:  # Ctrl-C / SIGTERM (PhaseTimeout, a subclass, is handled above)
                    status, details, message = Status.INTERRUPTED, {}, f"phase {phase} interrupted"
                except PredictRefused as refused:
                    status, details, message = Status.FAILED, {"gate_closed": refused.closed}, str(refused)
                    failure = FailureKind.REFUSED
                    blocked_by = phase
                except GateClosed as gate:
                    status, details, failure = Status.FAILED, {**gate.details, "dbt": gate.outcome.summary()}, gate.kind
                    message = f"phase {phase} gate failed: {gate.reason or _describe_failure(gate.outcome)}"
                    blocked_by = phase
                except Exception as exc:  # any failure is recorded and stops the run, never swallowed
                    status, details = Status.FAILED, {"error": repr(exc)}
                    failure = FailureKind.NO_DATA if isinstance(exc, NoDataError) else FailureKind.ERROR
                    message = f"phase {phase} failed: {exc}"
                    blocked_by = phase
                if ctx.interrupt.signal and status != Status.INTERRUPTED:  # dbt swallowed it: not a gate failure
                    status, details, message, failure = Status.INTERRUPTED, {}, f"phase {phase} interrupted", None
                if status == Status.INTERRUPTED:
                    result.interrupted, blocked_by = ctx.interrupt.signal or "SIGINT", phase
                    message += f" ({result.interrupted})"
            seconds = time.perf_counter() - t0
            if failure is not None:
                details = {**details, "failure": failure}
            record = PhaseRecord(ctx.run_id, phase, status, began, _now(), message, details)
            self._record(ctx, record)
            result.phases.append(PhaseResult(Phase(phase), status, seconds, message, details, failure))
            colour = STATUS_COLOURS.get(status, "white")
            self.console.print(
                f"  phase {phase} {Phase(phase).label:<11} [{colour}]{status:<8}[/] {seconds:6.1f}s  {escape(message)}"
            )
        if result.interrupted:
            result.seconds = time.perf_counter() - started
            return result
        if 1 in ctx.phases and not any(p.phase == Phase.INGEST and p.status == Status.FAILED for p in result.phases):
            result.stale_sources = self._stale_sources(ctx)
            for src in result.stale_sources:
                self.console.print(f"  [yellow]stale source[/] {escape(describe(src))}")
        selector = self._monitoring_selector()
        try:
            with deadline(
                self.settings.phase_timeout_seconds or None,
                "monitoring build",
                self.settings.phase_timeout_grace_seconds,
            ) as watch:
                monitoring = self._build(ctx, 0, selector)
        except PhaseTimeout:
            monitoring = BuildOutcome(selector, False, 0.0, error=watch.message)
        if watch.expired and monitoring.success:
            monitoring = BuildOutcome(selector, False, monitoring.seconds, error=watch.message)
        if not monitoring.success:
            self.console.print(f"  [red]monitoring views failed[/]: {escape(_describe_failure(monitoring))}")
            result.phases.append(
                PhaseResult(
                    Phase.MONITORING,
                    Status.FAILED,
                    monitoring.seconds,
                    _describe_failure(monitoring),
                    failure=FailureKind.ERROR,
                )
            )
        progress.write_snapshot(self.settings, history.status(self.settings))  # what `status` shows while locked
        result.seconds = time.perf_counter() - started
        return result

    def _record(self, ctx: RunContext, record: PhaseRecord) -> None:
        """Run history, and the progress file `nba-props status` reads while this run holds the warehouse."""
        history.record(self.settings, record, ctx.dates)
        ctx.progress["phases"][str(record.phase)] = {
            "name": Phase(record.phase).label,
            "status": record.status,
            "message": record.message,
            "seconds": round(record.seconds, 1),
            "finished_at": record.finished_at.isoformat(timespec="seconds"),
        }
        progress.write_progress(self.settings, ctx.progress)

    def _abandon_recorder(self, ctx: RunContext, phase: int, began: datetime) -> Callable[[str], None]:
        """The hard backstop's last act (dbt_project/control/timeouts.py): record the stuck phase as failed and the
        later ones as skipped before the process exits."""
        run_id, dates = ctx.run_id, ctx.dates

        def record(message: str) -> None:
            history.record(
                self.settings,
                PhaseRecord(run_id, phase, Status.FAILED, began, _now(), message, {"timeout": "abandoned"}),
                dates,
            )
            for later in (p for p in ctx.phases if p > phase):
                history.record(
                    self.settings,
                    PhaseRecord(
                        run_id,
                        later,
                        Status.SKIPPED,
                        _now(),
                        _now(),
                        f"not run: phase {phase} exceeded its time limit",
                        {},
                    ),
                    dates,
                )

        return record


class PredictRefused(Exception):
    def __init__(self, message: str, closed: dict[str, str]) -> None:
        super().__init__(message)
        self.closed = closed


class GateClosed(Exception):
    def __init__(
        self,
        outcome: BuildOutcome,
        details: dict[str, Any] | None = None,
        reason: str | None = None,
        kind: FailureKind = FailureKind.GATE_CLOSED,
    ) -> None:
        super().__init__(reason or _describe_failure(outcome))
        self.outcome = outcome
        self.details = details or {}
        self.reason = reason
        self.kind = kind
