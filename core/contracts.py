"""The contracts between the layers, as types: phases, statuses, failure kinds and a run's outcome.

The runner produces them, run history stores them (as their string/int values), alerts, the dashboard and the
CLI read them. Nothing parses a message back into a kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum, StrEnum
from typing import Any


class Phase(IntEnum):
    """The pipeline's phases in run order; MONITORING is the monitoring views' build after them."""

    MONITORING = 0
    INGEST = 1
    STAGING = 2
    ANALYTICS = 3
    PRECOMPUTE = 4
    PREDICTIONS = 5
    PUBLISH = 6

    @property
    def label(self) -> str:
        """The name run history stores in phase_name: ingest, staging, ... publish (monitoring for 0)."""
        return self.name.lower()

    @property
    def title(self) -> str:
        """How messages and alerts name the phase: 'phase 4 (precompute)', 'monitoring views'."""
        return "monitoring views" if self is Phase.MONITORING else f"phase {self.value} ({self.label})"

    @property
    def selector(self) -> str:
        """The dbt selector of a dbt phase (selectors.yml): phase2 .. phase6."""
        return f"phase{self.value}"


PIPELINE_PHASES: tuple[Phase, ...] = tuple(p for p in Phase if p is not Phase.MONITORING)


class Status(StrEnum):
    """A phase's outcome in run history. RUNNING: started and not finished (or the process was killed)."""

    SUCCESS = "success"
    DEGRADED = "degraded"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"
    RUNNING = "running"

    @property
    def good(self) -> bool:
        """A date is complete for a phase when its latest outcome is good (success or degraded)."""
        return self in GOOD


GOOD: tuple[Status, ...] = (Status.SUCCESS, Status.DEGRADED)


class FailureKind(StrEnum):
    """Why a phase failed; alerts and the CLI branch on this field, never on the message."""

    GATE_CLOSED = "gate_closed"  # an error-severity dbt test or model of the phase failed
    BREAKER_OPEN = "breaker_open"  # the P4 -> P5 circuit breaker (dbt_project/control/gates.py) stopped the run
    REFUSED = "refused"  # phase 5 alone refused: phase 4's gate had not passed for a date (no --allow-degraded)
    TIMEOUT = "timeout"  # the phase exceeded its time limit
    NO_DATA = "no_data"  # nothing to work on for the dates: never a success
    ERROR = "error"  # any other exception

    @property
    def is_gate(self) -> bool:
        return self in (FailureKind.GATE_CLOSED, FailureKind.BREAKER_OPEN, FailureKind.REFUSED)


@dataclass
class PhaseResult:
    phase: Phase
    status: Status
    seconds: float
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    failure: FailureKind | None = None  # set when status is FAILED


@dataclass
class RunResult:
    run_id: str
    dates: list[date]
    phases: list[PhaseResult] = field(default_factory=list)
    seconds: float = 0.0
    stale_sources: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    interrupted: str | None = None  # the signal that stopped the run (SIGINT, SIGTERM)

    @property
    def ok(self) -> bool:
        return all(p.status in GOOD for p in self.phases)

    @property
    def failed_phase(self) -> PhaseResult | None:
        return next((p for p in self.phases if p.status == Status.FAILED), None)
