"""Alerts to Slack and e-mail when a run fails a gate, fails, is degraded, or a source goes stale.

Channels are configured from environment variables only; a channel that is not configured is a no-op that
logs (logger ``nba_props.alerts``) the alert that would have gone out:

- Slack incoming webhook: ``NBA_PROPS_SLACK_WEBHOOK_URL``.
- E-mail over SMTP: ``NBA_PROPS_SMTP_HOST``, ``NBA_PROPS_SMTP_PORT`` (587), ``NBA_PROPS_SMTP_USER`` and
  ``NBA_PROPS_SMTP_PASSWORD`` (both or neither), ``NBA_PROPS_SMTP_FROM``, ``NBA_PROPS_ALERT_EMAIL_TO``
  (comma-separated), ``NBA_PROPS_SMTP_STARTTLS`` (true; false for a local test server).
- Delivery: ``NBA_PROPS_ALERT_MAX_ATTEMPTS`` (4, attempts in all, first one included),
  ``NBA_PROPS_ALERT_BACKOFF_SECONDS`` (1.0), ``NBA_PROPS_ALERT_MAX_DELAY_SECONDS`` (30, cap of one wait,
  ``Retry-After`` included), ``NBA_PROPS_ALERT_CONNECT_TIMEOUT`` (5 s), ``NBA_PROPS_ALERT_READ_TIMEOUT`` (10 s).

`send_alert` never raises into the caller: a pipeline must not die because Slack or the mail server is down.
Transient failures are retried with exponential backoff plus jitter: the wait after attempt n is
``min(max_delay, backoff * 2**(n-1)) + uniform(0, backoff)``, or the server's ``Retry-After`` (capped at
max_delay) plus the same jitter. Slack goes through dlt's retrying requests ``Client`` (timeouts, retry on 429,
5xx, connection errors and timeouts, ``Retry-After``); dlt 1.31 has no jitter option, so the jitter and the
attempt accounting are added to dlt's own tenacity policy (as ``ingestion/live/http.py`` does). SMTP has a small
retry loop of its own. Delivery is at least once: a timeout after the server accepted a message can repeat it.
The webhook URL (its path is the secret) and the SMTP password never appear in logs or results.
"""

from __future__ import annotations

import json
import logging
import os
import random
import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal
from urllib.parse import urlsplit

from dlt.sources.helpers.requests import Client, RequestException, Response
from dlt.sources.helpers.requests.session import Session
from tenacity import RetryCallState, wait_random

from core.contracts import FailureKind, Phase, RunResult, Status
from dbt_project.monitoring.history import FRESHNESS_STALE, NEVER_LOADED

log = logging.getLogger("nba_props.alerts")

AlertKind = Literal["gate_failed", "degraded_run", "phase_failed", "stale_source"]
ALERT_KINDS: tuple[str, ...] = ("gate_failed", "degraded_run", "phase_failed", "stale_source")
CHANNELS = ("slack", "email")

ENV_SLACK_WEBHOOK_URL = "NBA_PROPS_SLACK_WEBHOOK_URL"
ENV_SMTP_HOST = "NBA_PROPS_SMTP_HOST"
ENV_SMTP_PORT = "NBA_PROPS_SMTP_PORT"
ENV_SMTP_USER = "NBA_PROPS_SMTP_USER"
ENV_SMTP_PASSWORD = "NBA_PROPS_SMTP_PASSWORD"  # noqa: S105 - the name of a variable, not a password
ENV_SMTP_FROM = "NBA_PROPS_SMTP_FROM"
ENV_EMAIL_TO = "NBA_PROPS_ALERT_EMAIL_TO"
ENV_SMTP_STARTTLS = "NBA_PROPS_SMTP_STARTTLS"
ENV_MAX_ATTEMPTS = "NBA_PROPS_ALERT_MAX_ATTEMPTS"
ENV_BACKOFF_SECONDS = "NBA_PROPS_ALERT_BACKOFF_SECONDS"
ENV_MAX_DELAY_SECONDS = "NBA_PROPS_ALERT_MAX_DELAY_SECONDS"
ENV_CONNECT_TIMEOUT = "NBA_PROPS_ALERT_CONNECT_TIMEOUT"
ENV_READ_TIMEOUT = "NBA_PROPS_ALERT_READ_TIMEOUT"

SLACK_RETRY_STATUS = (429, *range(500, 600))
USER_AGENT = "nba-props-alerts"
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


# -- settings -----------------------------------------------------------------------------------------------
def _env_str(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _env_number(env: Mapping[str, str], name: str, default: float, cast: type, minimum: float) -> Any:
    raw = _env_str(env, name)
    if raw is None:
        return default
    try:
        value = cast(raw)
    except ValueError:
        log.warning("%s=%r is not a valid %s; using %s", name, raw, cast.__name__, default)
        return default
    if value < minimum:
        log.warning("%s=%r is below %s; using %s", name, raw, minimum, minimum)
        return cast(minimum)
    return value


def _env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _env_str(env, name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    log.warning("%s=%r is not true/false; using %s", name, raw, default)
    return default


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go and how hard delivery tries. `from_env` reads the NBA_PROPS_* variables."""

    slack_webhook_url: str | None = field(default=None, repr=False)  # the URL is the credential
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    email_to: tuple[str, ...] = ()
    smtp_starttls: bool = True
    max_attempts: int = 4
    backoff_seconds: float = 1.0
    max_delay_seconds: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 10.0  # also the SMTP socket timeout

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AlertSettings:
        env = os.environ if environ is None else environ
        recipients = tuple(a.strip() for a in (_env_str(env, ENV_EMAIL_TO) or "").split(",") if a.strip())
        return cls(
            slack_webhook_url=_env_str(env, ENV_SLACK_WEBHOOK_URL),
            smtp_host=_env_str(env, ENV_SMTP_HOST),
            smtp_port=_env_number(env, ENV_SMTP_PORT, 587, int, 1),
            smtp_user=_env_str(env, ENV_SMTP_USER),
            smtp_password=env.get(ENV_SMTP_PASSWORD) or None,  # not stripped: spaces may be part of it
            smtp_from=_env_str(env, ENV_SMTP_FROM),
            email_to=recipients,
            smtp_starttls=_env_bool(env, ENV_SMTP_STARTTLS, True),
            max_attempts=_env_number(env, ENV_MAX_ATTEMPTS, 4, int, 1),
            backoff_seconds=_env_number(env, ENV_BACKOFF_SECONDS, 1.0, float, 0.0),
            max_delay_seconds=_env_number(env, ENV_MAX_DELAY_SECONDS, 30.0, float, 0.0),
            connect_timeout=_env_number(env, ENV_CONNECT_TIMEOUT, 5.0, float, 0.001),
            read_timeout=_env_number(env, ENV_READ_TIMEOUT, 10.0, float, 0.001),
        )

    def with_overrides(self, max_attempts: int | None = None, backoff_seconds: float | None = None) -> AlertSettings:
        changes: dict[str, Any] = {}
        if max_attempts is not None:
            changes["max_attempts"] = max(1, int(max_attempts))
        if backoff_seconds is not None:
            changes["backoff_seconds"] = max(0.0, float(backoff_seconds))
        if not changes:
            return self
        return replace(self, **changes)

    def missing(self, channel: str) -> list[str]:
        """Environment variables a channel still needs (empty when it is configured)."""
        if channel == "slack":
            return [] if self.slack_webhook_url else [ENV_SLACK_WEBHOOK_URL]
        if channel == "email":
            needed = [(ENV_SMTP_HOST, self.smtp_host), (ENV_SMTP_FROM, self.smtp_from), (ENV_EMAIL_TO, self.email_to)]
            if self.smtp_user or self.smtp_password:  # login needs both
                needed += [(ENV_SMTP_USER, self.smtp_user), (ENV_SMTP_PASSWORD, self.smtp_password)]
            return [name for name, value in needed if not value]
        raise ValueError(f"unknown channel {channel!r}")

    def configured(self, channel: str) -> bool:
        return not self.missing(channel)

    def partially_configured(self, channel: str) -> bool:
        """Some of the channel's variables are set but not all: most likely a mistake, logged as a warning."""
        if channel != "email" or self.configured(channel):
            return False
        return any((self.smtp_host, self.smtp_from, self.email_to, self.smtp_user, self.smtp_password))


# -- alerts and results ---------------------------------------------------------------------------------------
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


@dataclass
class ChannelResult:
    channel: str
    configured: bool
    delivered: bool = False
    attempts: int = 0
    error: str | None = None


@dataclass
class AlertResult:
    alert: Alert
    channels: dict[str, ChannelResult] = field(default_factory=dict)

    def __getitem__(self, channel: str) -> ChannelResult:
        return self.channels[channel]

    @property
    def configured(self) -> bool:
        """At least one channel is configured."""
        return any(c.configured for c in self.channels.values())

    @property
    def delivered(self) -> bool:
        """At least one channel is configured and every configured channel delivered."""
        configured = [c for c in self.channels.values() if c.configured]
        return bool(configured) and all(c.delivered for c in configured)


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


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _slack_escape(text: str) -> str:
    """Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def alert_heading(alert: Alert) -> str:
    return _one_line(f"{alert.kind}: {alert.title}")


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


# -- delivery -------------------------------------------------------------------------------------------------
def _backoff_delay(attempt: int, settings: AlertSettings) -> float:
    """Wait after failed attempt `attempt` (1-based): the same policy as the Slack client's."""
    base = min(settings.max_delay_seconds, settings.backoff_seconds * 2 ** (attempt - 1))
    return base + random.uniform(0, settings.backoff_seconds)


class _WebhookClient(Client):
    """dlt's retrying requests Client (timeout, retry on 429/5xx/connection errors/timeouts, exponential
    backoff, Retry-After capped at max_delay) with jitter added to dlt's wait and every attempt counted."""

    def __init__(self, settings: AlertSettings, redact: Sequence[str]) -> None:
        self.attempts = 0
        self._settings = settings
        self._redact = redact
        super().__init__(
            request_timeout=(settings.connect_timeout, settings.read_timeout),
            raise_for_status=False,  # the status is judged after the retries, with a message free of the URL
            status_codes=SLACK_RETRY_STATUS,
            request_max_attempts=settings.max_attempts,
            request_backoff_factor=settings.backoff_seconds,
            request_max_retry_delay=settings.max_delay_seconds,
            respect_retry_after_header=True,
        )

    def _make_session(self) -> Session:
        session = super()._make_session()
        dlt_retry = session.send.retry  # the tenacity Retrying dlt built from the arguments above
        session.send = session.send.retry_with(  # type: ignore[method-assign]
            wait=dlt_retry.wait + wait_random(0, self._settings.backoff_seconds),
            before=self._before_attempt,
            before_sleep=self._before_sleep,
        )
        return session

    def _before_attempt(self, state: RetryCallState) -> None:
        self.attempts = state.attempt_number

    def _before_sleep(self, state: RetryCallState) -> None:
        outcome = state.outcome
        if outcome is None:
            return
        if outcome.failed:
            reason = _describe_request_error(outcome.exception(), self._redact)
        else:
            reason = _describe_response(outcome.result())
        sleep = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "alert channel slack: attempt %d/%d failed (%s); retrying in %.2fs",
            state.attempt_number, self._settings.max_attempts, reason, sleep,
        )


def _secrets_of(url: str) -> list[str]:
    parts = urlsplit(url)
    secrets = [url]
    if len(parts.path) > 1:
        secrets.append(parts.path)
    if parts.query:
        secrets.append(parts.query)
    return secrets


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "<redacted>")
    return text


def _describe_request_error(exc: BaseException | None, secrets: Sequence[str]) -> str:
    return _scrub(f"{type(exc).__name__}: {exc}", secrets) if exc is not None else "unknown error"


def _describe_response(response: Response) -> str:
    text = f"HTTP {response.status_code} {response.reason or ''}".strip()
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        text += f", Retry-After: {retry_after}"
    return text


def _send_slack(alert: Alert, settings: AlertSettings) -> ChannelResult:
    url = settings.slack_webhook_url or ""
    secrets = _secrets_of(url)
    client = _WebhookClient(settings, secrets)
    session = client.session
    try:
        response = session.post(
            url, json=slack_payload(alert), headers={"User-Agent": USER_AGENT}, allow_redirects=False
        )
    except RequestException as exc:  # connection errors/timeouts after the last attempt, or e.g. a bad URL
        error = _describe_request_error(exc, secrets)
        return ChannelResult("slack", True, False, client.attempts, error)
    finally:
        session.close()
    if 200 <= response.status_code < 300:
        return ChannelResult("slack", True, True, client.attempts)
    body = _one_line(response.text or "")[:200]
    error = _describe_response(response) + (f": {_scrub(body, secrets)}" if body else "")
    return ChannelResult("slack", True, False, client.attempts, error)


def _smtp_transient(exc: BaseException) -> bool:
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):  # every recipient refused: transient if all were 4xx
        return bool(exc.recipients) and all(400 <= code < 500 for code, _ in exc.recipients.values())
    return False


def _describe_smtp_error(exc: BaseException, settings: AlertSettings) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        text = f"{type(exc).__name__}: SMTP {exc.smtp_code} {_one_line(reply)}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{rcpt}: {code} {_one_line(reply.decode(errors='replace') if isinstance(reply, bytes) else str(reply))}"
            for rcpt, (code, reply) in exc.recipients.items()
        )
        text = f"SMTPRecipientsRefused: {refused}"
    elif isinstance(exc, smtplib.SMTPNotSupportedError) and settings.smtp_starttls:
        text = f"{type(exc).__name__}: {exc} (set {ENV_SMTP_STARTTLS}=false for a server without TLS)"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return _scrub(text, [settings.smtp_password] if settings.smtp_password else [])


def _smtp_deliver(msg: EmailMessage, settings: AlertSettings) -> dict[str, Any]:
    """One attempt on a fresh connection; returns the recipients the server refused (the others got it)."""
    smtp = smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=settings.read_timeout)
    try:
        smtp.ehlo()
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        return smtp.send_message(msg, from_addr=settings.smtp_from, to_addrs=list(settings.email_to))
    finally:
        try:
            smtp.quit()  # a failed QUIT after the message was accepted is no reason to send it again
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _send_email(alert: Alert, settings: AlertSettings) -> ChannelResult:
    msg = email_message(alert, settings.smtp_from or "", settings.email_to)
    attempt = 0
    while True:
        attempt += 1
        try:
            refused = _smtp_deliver(msg, settings)
        except Exception as exc:
            error = _describe_smtp_error(exc, settings)
            if not _smtp_transient(exc) or attempt >= settings.max_attempts:
                return ChannelResult("email", True, False, attempt, error)
            delay = _backoff_delay(attempt, settings)
            log.warning(
                "alert channel email: attempt %d/%d failed (%s); retrying in %.2fs",
                attempt, settings.max_attempts, error, delay,
            )
            time.sleep(delay)
            continue
        if refused:
            error = "some recipients refused: " + ", ".join(sorted(refused))
            return ChannelResult("email", True, True, attempt, error)
        return ChannelResult("email", True, True, attempt)


_SENDERS = {"slack": _send_slack, "email": _send_email}


def send_alert(
    alert: Alert,
    settings: AlertSettings | None = None,
    *,
    max_attempts: int | None = None,
    backoff_seconds: float | None = None,
) -> AlertResult:
    """Send `alert` to every configured channel (settings from the environment unless given; the keyword
    arguments override attempts and backoff). Never raises: failures are logged and returned per channel."""
    result = AlertResult(alert)
    try:
        settings = (settings or AlertSettings.from_env()).with_overrides(max_attempts, backoff_seconds)
        unconfigured: list[str] = []
        for channel in CHANNELS:
            missing = settings.missing(channel)
            if missing:
                error = f"not configured: set {', '.join(missing)}"
                result.channels[channel] = ChannelResult(channel, False, error=error)
                unconfigured.append(channel)
                continue
            try:
                outcome = _SENDERS[channel](alert, settings)
            except Exception as exc:  # a bug here must not take the pipeline down either
                log.exception("alert channel %s: unexpected error sending %s", channel, alert.summary())
                outcome = ChannelResult(channel, True, False, 0, f"unexpected error: {type(exc).__name__}: {exc}")
            result.channels[channel] = outcome
            if not outcome.delivered:
                log.error(
                    "alert channel %s: not delivered after %d attempt(s): %s; alert was %s",
                    channel, outcome.attempts, outcome.error, alert.summary(),
                )
            elif outcome.error:
                log.warning("alert channel %s: delivered with a problem: %s", channel, outcome.error)
            else:
                log.info("alert channel %s: delivered %s %r in %d attempt(s)", channel, alert.kind, alert.title,
                         outcome.attempts)
        if unconfigured:
            partial = [c for c in unconfigured if settings.partially_configured(c)]
            needs = "; ".join(f"{c}: set {', '.join(settings.missing(c))}" for c in unconfigured)
            log.log(
                logging.WARNING if partial else logging.INFO,
                "alert channel(s) %s not configured (%s); the alert that would have gone out: %s",
                ", ".join(unconfigured), needs, alert.summary(),
            )
    except Exception:
        log.exception("alerting failed unexpectedly; the alert was %s", alert.summary())
    return result


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
    skipped_note = (
        "Skipped: " + ", ".join(_phase_label(p.phase) for p in skipped) + "." if skipped else ""
    )
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

    title = (f"{len(rows)} stale source table(s)" + (f", {errors} past the error threshold" if errors else "")
             + (f", {never} never loaded" if never else ""))
    details = {
        "errors": errors,
        "warnings": len(rows) - errors - never,
        "never_loaded": never,
        "stale": [dict(r) for r in rows],
    }
    return Alert("stale_source", title, "\n".join(line(r) for r in rows), run_id, target or _default_target(), [],
                 details)
