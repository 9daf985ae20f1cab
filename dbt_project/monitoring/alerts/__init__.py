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
attempt accounting are added to dlt's own tenacity policy (``core.http_retry``, shared with
``ingestion/live/http.py``). SMTP has a small retry loop of its own. Delivery is at least once: a timeout after
the server accepted a message can repeat it.
The webhook URL (its path is the secret) and the SMTP password never appear in logs or results.

The package: `settings` (AlertSettings, read from the environment), `policy` (what an alert says and which alerts
a run calls for) and `channels` (delivery to Slack and e-mail, `send_alert`). This module is its public interface.
"""

from __future__ import annotations

from dbt_project.monitoring.alerts.channels import (
    SLACK_RETRY_STATUS,
    USER_AGENT,
    AlertResult,
    ChannelResult,
    send_alert,
)
from dbt_project.monitoring.alerts.policy import (
    ALERT_KINDS,
    Alert,
    AlertKind,
    alert_heading,
    alerts_for_run,
    email_body,
    email_message,
    slack_payload,
    stale_source_alert,
)
from dbt_project.monitoring.alerts.settings import (
    CHANNELS,
    ENV_BACKOFF_SECONDS,
    ENV_CONNECT_TIMEOUT,
    ENV_EMAIL_TO,
    ENV_MAX_ATTEMPTS,
    ENV_MAX_DELAY_SECONDS,
    ENV_READ_TIMEOUT,
    ENV_SLACK_WEBHOOK_URL,
    ENV_SMTP_FROM,
    ENV_SMTP_HOST,
    ENV_SMTP_PASSWORD,
    ENV_SMTP_PORT,
    ENV_SMTP_STARTTLS,
    ENV_SMTP_USER,
    AlertSettings,
)

__all__ = [
    "ALERT_KINDS",
    "CHANNELS",
    "ENV_BACKOFF_SECONDS",
    "ENV_CONNECT_TIMEOUT",
    "ENV_EMAIL_TO",
    "ENV_MAX_ATTEMPTS",
    "ENV_MAX_DELAY_SECONDS",
    "ENV_READ_TIMEOUT",
    "ENV_SLACK_WEBHOOK_URL",
    "ENV_SMTP_FROM",
    "ENV_SMTP_HOST",
    "ENV_SMTP_PASSWORD",
    "ENV_SMTP_PORT",
    "ENV_SMTP_STARTTLS",
    "ENV_SMTP_USER",
    "SLACK_RETRY_STATUS",
    "USER_AGENT",
    "Alert",
    "AlertKind",
    "AlertResult",
    "AlertSettings",
    "ChannelResult",
    "alert_heading",
    "alerts_for_run",
    "email_body",
    "email_message",
    "send_alert",
    "slack_payload",
    "stale_source_alert",
]
