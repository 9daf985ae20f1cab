"""What an alert says: the `Alert` record, its Slack and e-mail renderings, and which alerts a run calls for
(`alerts_for_run`) or stale sources call for (`stale_source_alert`)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal

from core.contracts import FailureKind, Phase, RunResult, Status
from dbt_project.monitoring.history import FRESHNESS_STALE, NEVER_LOADED

AlertKind = Literal["gate_failed", "degraded_run", "phase_failed", "stale_source"]
ALERT_KINDS: tuple[str, ...] = ("gate_failed", "degraded_run", "phase_failed", "stale_source")

_SLACK_HEADER_MAX = 150  # Slack Block Kit limits
_SLACK_SECTION_MAX = 3000
_SLACK_FIELD_MAX = 2000
_EMAIL_DETAILS_MAX = 20_000
_KIND_EMOJI = {
    "gate_failed": ":no_entry:",
    "phase_failed": ":rotating_light:",
    "degraded_run": ":warning:",
    "stale_source": ":hourglass:",
}


# -- alerts ---------------------------------------------------------------------------------------------------
@dataclass
class Alert:
    kind: AlertKind
    title: str
    message: str
    run_id: str | None = None
    target: str | None = None
    dates: list[str] = field(default_factory=list)  # ISO dates; date objects are converted
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ALERT_KINDS:
            raise ValueError(f"unknown alert kind {self.kind!r}: choose one of {', '.join(ALERT_KINDS)}")
        self.dates = [d.isoformat() if isinstance(d, (date, datetime)) else str(d) for d in self.dates]

    def summary(self) -> str:
        """One line: what the alert says, for logs."""
        message = " ".join(self.message.split())
        if len(message) > 300:
            message = message[:299] + "…"
        return (
            f"{self.kind} {self.title!r} run_id={self.run_id or '-'} target={self.target or '-'} "
            f"dates={_format_dates(self.dates)}: {message}"
        )


# -- formatting -------------------------------------------------------------------------------------------------
def _format_dates(dates: Sequence[str]) -> str:
    if not dates:
        return "-"
    if len(dates) <= 5:
        return ", ".join(dates)
    ordered = sorted(dates)
    return f"{ordered[0]}..{ordered[-1]} ({len(dates)} dates)"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str) -> str:
    return " ".join(text.split())


def _slack_escape(text: str) -> str:
    """Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def alert_heading(alert: Alert) -> str:
    return one_line(f"{alert.kind}: {alert.title}")


def slack_payload(alert: Alert) -> dict[str, Any]:
    """Block Kit message: header (kind + title), the message, run id, target and dates; `text` is the
    notification fallback."""
    dates = _format_dates(alert.dates)
    fields = [
        ("Run id", f"`{alert.run_id}`" if alert.run_id else "-"),
        ("Target", alert.target or "-"),
        ("Dates", dates),
    ]
    message = _truncate(_slack_escape(alert.message) or "(no message)", _SLACK_SECTION_MAX)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _truncate(alert_heading(alert), _SLACK_HEADER_MAX)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": message}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": _truncate(f"*{name}*\n{_slack_escape(value)}", _SLACK_FIELD_MAX)}
                for name, value in fields
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"nba-props alert `{alert.kind}`"}]},
    ]
    text = (
        f"{_KIND_EMOJI.get(alert.kind, '')} [nba-props] {alert_heading(alert)} "
        f"(run {alert.run_id or '-'}, target {alert.target or '-'}, dates {dates})"
    ).strip()
    return {"text": _truncate(_slack_escape(text), _SLACK_SECTION_MAX), "blocks": blocks}


def email_body(alert: Alert) -> str:
    lines = [
        f"nba-props alert: {alert.kind}",
        f"Title:   {alert.title}",
        f"Run id:  {alert.run_id or '-'}",
        f"Target:  {alert.target or '-'}",
        f"Dates:   {_format_dates(alert.dates)}",
        "",
        alert.message,
    ]
    if alert.details:
        details = json.dumps(alert.details, indent=2, sort_keys=True, default=str)
        lines += ["", "Details:", _truncate(details, _EMAIL_DETAILS_MAX)]
    return "\n".join(lines) + "\n"


def email_message(alert: Alert, sender: str, recipients: Sequence[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = _truncate(f"[nba-props] {alert_heading(alert)}", 250)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="nba-props")  # the same on every retry: receivers can de-duplicate
    msg["X-NBA-Props-Alert"] = alert.kind
    msg.set_content(email_body(alert))
    return msg


# -- alerts from a run ----------------------------------------------------------------------------------------
def _phase_label(phase: int) -> str:
    return Phase(phase).title


def _iso_dates(dates: Sequence[Any]) -> list[str]:
    return [d.isoformat() if isinstance(d, (date, datetime)) else str(d) for d in dates]


def _default_target() -> str:
    return os.environ.get("NBA_PROPS_TARGET", "dev")


def alerts_for_run(result: RunResult, target: str | None = None) -> list[Alert]:
    """The alerts a pipeline run calls for: one per failed phase ("gate_failed" when its gate closed or
    predictions were refused, "phase_failed" otherwise) and one "degraded_run" listing every degraded phase.
    Successful and skipped phases add nothing. `target` defaults to $NBA_PROPS_TARGET (else "dev")."""
    target = target or _default_target()
    dates = _iso_dates(result.dates)
    skipped = [p for p in result.phases if p.status == Status.SKIPPED]
    skipped_note = "Skipped: " + ", ".join(_phase_label(p.phase) for p in skipped) + "." if skipped else ""
    alerts: list[Alert] = []
    for p in result.phases:
        if p.status != Status.FAILED:
            continue
        label = _phase_label(p.phase)
        if p.failure == FailureKind.REFUSED:
            kind, title = "gate_failed", f"{label} refused"
        elif p.failure is not None and p.failure.is_gate:
            kind, title = "gate_failed", f"{label} gate failed"
        else:
            kind, title = "phase_failed", f"{label} failed"
        message = "\n\n".join(part for part in (p.message, skipped_note) if part)
        details = {
            "phase": p.phase,
            "phase_name": Phase(p.phase).label,
            "failure": p.failure,
            "status": p.status,
            "seconds": round(p.seconds, 3),
            "skipped_phases": [s.phase for s in skipped],
            "phase_details": p.details,
        }
        alerts.append(Alert(kind, title, message, result.run_id, target, dates, details))
    degraded = [p for p in result.phases if p.status == Status.DEGRADED]
    if degraded:
        labels = ", ".join(_phase_label(p.phase) for p in degraded)
        message = "\n".join(f"• {_phase_label(p.phase)}: {p.message}" for p in degraded)
        details = {
            "degraded_phases": [
                {"phase": p.phase, "phase_name": Phase(p.phase).label, "message": p.message, "details": p.details}
                for p in degraded
            ]
        }
        alerts.append(Alert("degraded_run", f"run degraded: {labels}", message, result.run_id, target, dates, details))
    return alerts


def stale_source_alert(
    stale: Sequence[Mapping[str, Any]], *, run_id: str | None = None, target: str | None = None
) -> Alert:
    """One "stale_source" alert for source tables past their freshness threshold or never loaded. Each entry:
    source, table, max_loaded_at (datetime/ISO string, None when never loaded), age_hours (None when never
    loaded), status ("warn", "error" or "never_loaded")."""
    if not stale:
        raise ValueError("stale_source_alert needs at least one stale source")
    order = {status: i for i, status in enumerate(FRESHNESS_STALE)}  # errors first, as `nba-props status`
    rows = sorted(stale, key=lambda r: (order.get(r.get("status"), len(order)), -(r.get("age_hours") or 0.0)))
    errors = sum(1 for r in rows if r.get("status") == "error")
    never = sum(1 for r in rows if r.get("status") == NEVER_LOADED)

    def line(r: Mapping[str, Any]) -> str:
        if r.get("status") == NEVER_LOADED:
            return f"• {r.get('source')}.{r.get('table')}: never loaded"
        loaded = r.get("max_loaded_at")
        loaded_text = loaded.isoformat(sep=" ") if isinstance(loaded, datetime) else (loaded or "never")
        age = r.get("age_hours")
        age_text = f" ({float(age):.1f} h ago)" if age is not None else ""
        return f"• {r.get('source')}.{r.get('table')}: {r.get('status')}, last loaded {loaded_text}{age_text}"

    title = (
        f"{len(rows)} stale source table(s)"
        + (f", {errors} past the error threshold" if errors else "")
        + (f", {never} never loaded" if never else "")
    )
    details = {
        "errors": errors,
        "warnings": len(rows) - errors - never,
        "never_loaded": never,
        "stale": [dict(r) for r in rows],
    }
    return Alert(
        "stale_source", title, "\n".join(line(r) for r in rows), run_id, target or _default_target(), [], details
    )
