"""Alert settings, from environment variables only (the NBA_PROPS_* names in the package docstring).

A variable that does not parse, or is below its minimum, is logged (logger ``nba_props.alerts``) and replaced
by its default or minimum: a typo in the alert settings must not stop a pipeline run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

log = logging.getLogger("nba_props.alerts")

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
