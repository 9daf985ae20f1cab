"""Delivery of an alert to Slack (incoming webhook) and e-mail (SMTP), with retries; `send_alert` never raises.

Slack goes through dlt's retrying requests ``Client`` with jitter and attempt accounting added by
`core.http_retry.add_jitter`; SMTP has a small retry loop of its own with the same backoff policy.
"""

from __future__ import annotations

import logging
import random
import smtplib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from dlt.sources.helpers.requests import Client, RequestException, Response
from dlt.sources.helpers.requests.session import Session
from tenacity import RetryCallState

from core.http_retry import add_jitter
from dbt_project.monitoring.alerts.policy import Alert, email_message, one_line, slack_payload
from dbt_project.monitoring.alerts.settings import CHANNELS, ENV_SMTP_STARTTLS, AlertSettings

log = logging.getLogger("nba_props.alerts")

SLACK_RETRY_STATUS = (429, *range(500, 600))
USER_AGENT = "nba-props-alerts"


# -- results --------------------------------------------------------------------------------------------------
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
        # jitter of up to dlt's backoff factor, i.e. settings.backoff_seconds
        return add_jitter(super()._make_session(), self._before_attempt, self._before_sleep)

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
            state.attempt_number,
            self._settings.max_attempts,
            reason,
            sleep,
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
    body = one_line(response.text or "")[:200]
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
        text = f"{type(exc).__name__}: SMTP {exc.smtp_code} {one_line(reply)}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{rcpt}: {code} {one_line(reply.decode(errors='replace') if isinstance(reply, bytes) else str(reply))}"
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
                attempt,
                settings.max_attempts,
                error,
                delay,
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
                    channel,
                    outcome.attempts,
                    outcome.error,
                    alert.summary(),
                )
            elif outcome.error:
                log.warning("alert channel %s: delivered with a problem: %s", channel, outcome.error)
            else:
                log.info(
                    "alert channel %s: delivered %s %r in %d attempt(s)",
                    channel,
                    alert.kind,
                    alert.title,
                    outcome.attempts,
                )
        if unconfigured:
            partial = [c for c in unconfigured if settings.partially_configured(c)]
            needs = "; ".join(f"{c}: set {', '.join(settings.missing(c))}" for c in unconfigured)
            log.log(
                logging.WARNING if partial else logging.INFO,
                "alert channel(s) %s not configured (%s); the alert that would have gone out: %s",
                ", ".join(unconfigured),
                needs,
                alert.summary(),
            )
    except Exception:
        log.exception("alerting failed unexpectedly; the alert was %s", alert.summary())
    return result
