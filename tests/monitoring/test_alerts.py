"""Alerting (dbt_project/monitoring/alerts/) against real local servers: an HTTP webhook on 127.0.0.1 (http.server
in a thread) standing in for Slack, and an aiosmtpd SMTP server. Backoff is tiny so the file runs in seconds."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytest

from core.contracts import FailureKind, PhaseResult, RunResult, Status
from dbt_project.monitoring.alerts import (
    Alert,
    AlertSettings,
    alerts_for_run,
    email_message,
    send_alert,
    slack_payload,
    stale_source_alert,
)
from tests.support.env import make_env
from tests.support.webhook import SECRET_PATH, Reply, webhook

LOGGER = "nba_props.alerts"


# alert_env (tests/conftest.py): no alert settings from the environment, no proxy, tiny backoff
pytestmark = pytest.mark.usefixtures("alert_env")


def _alert(**overrides: Any) -> Alert:
    values: dict[str, Any] = {
        "kind": "gate_failed",
        "title": "phase 2 (staging) gate failed",
        "message": "test not_null_stg_games_game_id (fail, 3 failing rows) <see logs> & more",
        "run_id": "run_20240101T000000_abcdef",
        "target": "test",
        "dates": [date(2024, 1, 1), "2024-01-02"],
        "details": {"phase": 2},
    }
    return Alert(**{**values, **overrides})


# -- Slack ----------------------------------------------------------------------------------------------------
def test_slack_retries_a_500_then_delivers(monkeypatch: pytest.MonkeyPatch) -> None:
    with webhook(Reply(500, body="oops"), Reply(200)) as hook:
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", hook.url)
        result = send_alert(_alert(), max_attempts=4, backoff_seconds=0.01)

    slack = result["slack"]
    assert (slack.configured, slack.delivered, slack.attempts, slack.error) == (True, True, 2, None)
    assert not result["email"].configured and result.delivered  # unconfigured e-mail does not count
    assert len(hook.requests) == 2
    for request in hook.requests:
        assert request["path"] == SECRET_PATH
        assert request["headers"]["Content-Type"] == "application/json"
        body = request["json"]
        assert "phase 2 (staging) gate failed" in json.dumps(body)
        assert "phase 2 (staging) gate failed" in body["text"]
    blocks = hook.requests[0]["json"]["blocks"]
    header = {"type": "plain_text", "text": "gate_failed: phase 2 (staging) gate failed"}
    assert blocks[0] == {"type": "header", "text": header}
    assert "&lt;see logs&gt; &amp; more" in blocks[1]["text"]["text"]  # mrkdwn control characters escaped
    fields = " ".join(f["text"] for f in blocks[2]["fields"])
    assert "run_20240101T000000_abcdef" in fields and "test" in fields and "2024-01-01, 2024-01-02" in fields


def test_slack_honours_retry_after_on_429(monkeypatch: pytest.MonkeyPatch) -> None:
    with webhook(Reply(429, {"Retry-After": "1"}, "rate_limited"), Reply(200)) as hook:
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", hook.url)
        result = send_alert(_alert(), max_attempts=3, backoff_seconds=0.01)

    assert result["slack"].delivered and result["slack"].attempts == 2
    assert len(hook.requests) == 2
    assert hook.requests[1]["at"] - hook.requests[0]["at"] >= 0.95


def test_slack_retry_after_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBA_PROPS_ALERT_MAX_DELAY_SECONDS", "0.2")
    with webhook(Reply(503, {"Retry-After": "3600"}), Reply(200)) as hook:
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", hook.url)
        started = time.monotonic()
        result = send_alert(_alert(), max_attempts=2, backoff_seconds=0.01)
        elapsed = time.monotonic() - started

    assert result["slack"].delivered and result["slack"].attempts == 2
    assert hook.requests[1]["at"] - hook.requests[0]["at"] >= 0.19 and elapsed < 2


def test_slack_gives_up_after_max_attempts_without_raising(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    with webhook(Reply(500, body="internal_error")) as hook:
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", hook.url)
        result = send_alert(_alert(), max_attempts=3, backoff_seconds=0.01)

    slack = result["slack"]
    assert (slack.delivered, slack.attempts) == (False, 3) and not result.delivered
    assert len(hook.requests) == 3
    assert "HTTP 500" in slack.error and "internal_error" in slack.error
    loud = [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]
    assert any("slack" in m and "500" in m and "3 attempt" in m for m in loud), loud
    assert all(SECRET_PATH not in r.getMessage() for r in caplog.records)


def test_slack_client_error_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    with webhook(Reply(400, body="invalid_payload")) as hook:
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", hook.url)
        result = send_alert(_alert(), max_attempts=4, backoff_seconds=0.01)

    assert (result["slack"].delivered, result["slack"].attempts, len(hook.requests)) == (False, 1, 1)
    assert "HTTP 400" in result["slack"].error and "invalid_payload" in result["slack"].error


def test_slack_read_timeout_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBA_PROPS_ALERT_READ_TIMEOUT", "0.2")
    with webhook(Reply(200, delay=0.6), Reply(200)) as hook:
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", hook.url)
        result = send_alert(_alert(), max_attempts=3, backoff_seconds=0.01)

    assert result["slack"].delivered and result["slack"].attempts == 2 and len(hook.requests) == 2


def test_slack_unreachable_is_retried_and_the_webhook_stays_secret(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{sock.getsockname()[1]}{SECRET_PATH}")
        result = send_alert(_alert(), max_attempts=3, backoff_seconds=0.01)

    slack = result["slack"]
    assert (slack.delivered, slack.attempts) == (False, 3)
    assert "ConnectionError" in slack.error and SECRET_PATH not in slack.error
    assert caplog.records and all(SECRET_PATH not in r.getMessage() for r in caplog.records)


# -- nothing configured ---------------------------------------------------------------------------------------
def test_nothing_configured_is_a_logged_noop(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no socket may be opened when no channel is configured")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    caplog.set_level(logging.DEBUG, logger=LOGGER)

    result = send_alert(_alert())

    assert not result.configured and not result.delivered
    for channel in ("slack", "email"):
        assert (result[channel].configured, result[channel].delivered, result[channel].attempts) == (False, False, 0)
        assert result[channel].error.startswith("not configured")
    records = [r for r in caplog.records if r.name == LOGGER]
    assert len(records) == 1 and records[0].levelno == logging.INFO
    line = records[0].getMessage()
    assert "not configured" in line and "NBA_PROPS_SLACK_WEBHOOK_URL" in line
    assert "gate_failed" in line and "phase 2 (staging) gate failed" in line and "run_20240101T000000_abcdef" in line


def test_partly_configured_email_warns(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("NBA_PROPS_SMTP_HOST", "127.0.0.1")
    caplog.set_level(logging.INFO, logger=LOGGER)

    result = send_alert(_alert())

    assert not result["email"].configured and "NBA_PROPS_ALERT_EMAIL_TO" in result["email"].error
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.WARNING and "not configured" in record.getMessage()


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    defaults = AlertSettings.from_env({})
    assert (defaults.smtp_port, defaults.smtp_starttls, defaults.max_attempts, defaults.backoff_seconds) == (
        587,
        True,
        4,
        1.0,
    )
    env = {
        "NBA_PROPS_SMTP_HOST": "smtp.example.com",
        "NBA_PROPS_SMTP_PORT": "2525",
        "NBA_PROPS_SMTP_FROM": "nba-props@example.com",
        "NBA_PROPS_ALERT_EMAIL_TO": " a@example.com, ,b@example.com ",
        "NBA_PROPS_SMTP_STARTTLS": "false",
        "NBA_PROPS_SMTP_PASSWORD": "hunter2",
        "NBA_PROPS_ALERT_MAX_ATTEMPTS": "not-a-number",
    }
    caplog.set_level(logging.WARNING, logger=LOGGER)
    settings = AlertSettings.from_env(env)
    assert settings.email_to == ("a@example.com", "b@example.com")
    assert (settings.smtp_port, settings.smtp_starttls, settings.max_attempts) == (2525, False, 4)
    assert settings.missing("email") == ["NBA_PROPS_SMTP_USER"]  # a password without a user
    assert "hunter2" not in repr(settings)
    assert any("NBA_PROPS_ALERT_MAX_ATTEMPTS" in r.getMessage() for r in caplog.records)
    assert settings.with_overrides(max_attempts=2, backoff_seconds=0).max_attempts == 2


# -- e-mail ---------------------------------------------------------------------------------------------------
class FlakySmtpHandler:
    """Refuses the first DATA with a temporary 451, accepts the next."""

    def __init__(self, failures: int = 1, code: str = "451 4.3.0 Temporary local problem, try again") -> None:
        self.failures = failures
        self.code = code
        self.data_commands = 0
        self.accepted: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's naming
        self.data_commands += 1
        if self.data_commands <= self.failures:
            return self.code
        self.accepted.append(envelope)
        return "250 2.0.0 Message accepted"


@contextmanager
def smtp_server(handler: FlakySmtpHandler, **kwargs: Any) -> Iterator[int]:
    from aiosmtpd.controller import Controller

    class EphemeralPortController(Controller):
        def _trigger_server(self) -> None:  # learn the port the OS picked for port=0 before the readiness probe
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    controller = EphemeralPortController(handler, hostname="127.0.0.1", port=0, **kwargs)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def _smtp_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("NBA_PROPS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NBA_PROPS_SMTP_PORT", str(port))
    monkeypatch.setenv("NBA_PROPS_SMTP_FROM", "nba-props@example.com")
    monkeypatch.setenv("NBA_PROPS_ALERT_EMAIL_TO", "ops@example.com, data@example.com")
    monkeypatch.setenv("NBA_PROPS_SMTP_STARTTLS", "false")


def test_email_retries_a_451_then_delivers(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from aiosmtpd.smtp import AuthResult

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"alerts", b"s3cret-pw"))

    caplog.set_level(logging.INFO, logger=LOGGER)
    handler = FlakySmtpHandler()
    with smtp_server(handler, authenticator=authenticator, auth_require_tls=False) as port:
        _smtp_env(monkeypatch, port)
        monkeypatch.setenv("NBA_PROPS_SMTP_USER", "alerts")
        monkeypatch.setenv("NBA_PROPS_SMTP_PASSWORD", "s3cret-pw")
        result = send_alert(_alert(), max_attempts=3, backoff_seconds=0.01)

    mail = result["email"]
    assert (mail.configured, mail.delivered, mail.attempts, mail.error) == (True, True, 2, None)
    assert result.delivered  # email delivered; Slack not configured does not count against it
    assert handler.data_commands == 2 and len(handler.accepted) == 1
    envelope = handler.accepted[0]
    assert envelope.mail_from == "nba-props@example.com"
    assert envelope.rcpt_tos == ["ops@example.com", "data@example.com"]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["Subject"] == "[nba-props] gate_failed: phase 2 (staging) gate failed"
    assert message["To"] == "ops@example.com, data@example.com"
    body = message.get_content()
    for expected in ("run_20240101T000000_abcdef", "Target:  test", "2024-01-01, 2024-01-02", "3 failing rows"):
        assert expected in body
    assert any("email" in r.getMessage() and "451" in r.getMessage() for r in caplog.records)
    assert all("s3cret-pw" not in r.getMessage() for r in caplog.records)


def test_email_permanent_error_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = FlakySmtpHandler(failures=99, code="554 5.7.1 Rejected")
    with smtp_server(handler) as port:
        _smtp_env(monkeypatch, port)
        result = send_alert(_alert(), max_attempts=3, backoff_seconds=0.01)

    assert (result["email"].delivered, result["email"].attempts, handler.data_commands) == (False, 1, 1)
    assert "554" in result["email"].error


def test_email_and_slack_payload_shapes() -> None:
    many = _alert(dates=[f"2024-01-{d:02d}" for d in range(1, 11)], title="multi\nline")
    payload = slack_payload(many)
    assert payload["blocks"][0]["text"]["text"] == "gate_failed: multi line"
    assert "2024-01-01..2024-01-10 (10 dates)" in json.dumps(payload)
    msg = email_message(many, "from@example.com", ["to@example.com"])
    assert msg["Subject"] == "[nba-props] gate_failed: multi line"
    assert '"phase": 2' in msg.get_content()
    with pytest.raises(ValueError, match="unknown alert kind"):
        _alert(kind="oops")


# -- alerts from a run -------------------------------------------------------------------------------------------
def _run(*phases: PhaseResult) -> RunResult:
    return RunResult("run_x", [date(2024, 1, 1), date(2024, 1, 2)], list(phases))


def test_alerts_for_run_gate_failure() -> None:
    result = _run(
        PhaseResult(1, "success", 1.0, "loaded 10 rows"),
        PhaseResult(
            2,
            Status.FAILED,
            2.0,
            "phase 2 gate failed: test not_null_x (fail, 3 failing rows)",
            {"dbt": {}},
            FailureKind.GATE_CLOSED,
        ),
        PhaseResult(3, "skipped", 0.0, "not run: phase 2 failed its gate"),
        PhaseResult(4, "skipped", 0.0, "not run: phase 2 failed its gate"),
    )
    [alert] = alerts_for_run(result, target="test")
    assert (alert.kind, alert.title, alert.run_id, alert.target) == (
        "gate_failed",
        "phase 2 (staging) gate failed",
        "run_x",
        "test",
    )
    assert alert.dates == ["2024-01-01", "2024-01-02"]
    assert "not_null_x" in alert.message and "Skipped: phase 3 (analytics), phase 4 (precompute)." in alert.message
    assert alert.details["phase"] == 2 and alert.details["skipped_phases"] == [3, 4]


def test_alerts_for_run_refused_predictions_is_a_gate_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBA_PROPS_TARGET", "prod")
    refused = "refused: P4->P5 gate failed for 1 date(s), e.g. 2024-01-01: x (rerun phase 4, or pass --allow-degraded)"
    [alert] = alerts_for_run(
        _run(
            PhaseResult(5, Status.FAILED, 0.1, refused, failure=FailureKind.REFUSED),
            PhaseResult(6, Status.SKIPPED, 0.0, "not run"),
        )
    )
    assert (alert.kind, alert.title, alert.target) == ("gate_failed", "phase 5 (predictions) refused", "prod")


def test_the_failure_kind_decides_the_alert_not_the_message() -> None:
    """An error whose text happens to say "gate failed" or start with "refused:" is a phase failure; a breaker that
    opened is a gate failure whatever its message says."""
    [error, breaker] = alerts_for_run(
        _run(
            PhaseResult(3, Status.FAILED, 0.1, "refused: upstream said the gate failed", failure=FailureKind.ERROR),
            PhaseResult(
                4,
                Status.FAILED,
                0.1,
                "circuit breaker open: critical ml_feature_store: not built",
                failure=FailureKind.BREAKER_OPEN,
            ),
        )
    )
    assert (error.kind, error.title) == ("phase_failed", "phase 3 (analytics) failed")
    assert (breaker.kind, breaker.title) == ("gate_failed", "phase 4 (precompute) gate failed")
    assert breaker.details["failure"] == "breaker_open"


def test_alerts_for_run_failed_phase_and_monitoring() -> None:
    result = _run(
        PhaseResult(
            1,
            Status.FAILED,
            0.5,
            "phase 1 failed: FileNotFoundError: landing/x.csv",
            {"error": "..."},
            FailureKind.ERROR,
        ),
        PhaseResult(2, "skipped", 0.0, "not run: phase 1 failed its gate"),
        PhaseResult(0, "failed", 0.3, "model mon_x (error)"),
    )
    alerts = alerts_for_run(result, target="dev")
    assert [(a.kind, a.title) for a in alerts] == [
        ("phase_failed", "phase 1 (ingest) failed"),
        ("phase_failed", "monitoring views failed"),
    ]
    assert alerts[0].details["phase_details"] == {"error": "..."}


def test_alerts_for_run_degraded() -> None:
    result = _run(
        PhaseResult(1, "degraded", 1.0, "loaded 10 rows; 2 quarantined", {"status": "degraded"}),
        PhaseResult(2, "success", 1.0, "built"),
        PhaseResult(4, "degraded", 1.0, "breaker: 1 check warned", {"status": "degraded"}),
    )
    [alert] = alerts_for_run(result, target="dev")
    assert alert.kind == "degraded_run"
    assert alert.title == "run degraded: phase 1 (ingest), phase 4 (precompute)"
    assert "phase 1 (ingest): loaded 10 rows; 2 quarantined" in alert.message
    assert "phase 4 (precompute): breaker: 1 check warned" in alert.message
    assert [p["phase"] for p in alert.details["degraded_phases"]] == [1, 4]


def test_alerts_for_run_success_and_skipped_only_say_nothing() -> None:
    assert alerts_for_run(_run(PhaseResult(5, "skipped", 0.0, "not run"), PhaseResult(6, "skipped", 0.0, "x"))) == []
    assert alerts_for_run(_run(PhaseResult(1, "success", 1.0, "ok"))) == []


def test_stale_source_alert() -> None:
    alert = stale_source_alert(
        [
            {
                "source": "nbacom",
                "table": "games",
                "max_loaded_at": "2024-01-01T06:00:00",
                "age_hours": 30.0,
                "status": "warn",
            },
            {
                "source": "odds",
                "table": "lines",
                "max_loaded_at": datetime(2023, 12, 30, 6),
                "age_hours": 78.5,
                "status": "error",
            },
        ],
        target="prod",
    )
    assert (alert.kind, alert.target) == ("stale_source", "prod")
    assert alert.title == "2 stale source table(s), 1 past the error threshold"
    lines = alert.message.splitlines()
    assert lines[0] == "• odds.lines: error, last loaded 2023-12-30 06:00:00 (78.5 h ago)"
    assert lines[1] == "• nbacom.games: warn, last loaded 2024-01-01T06:00:00 (30.0 h ago)"
    assert (alert.details["errors"], alert.details["warnings"]) == (1, 1)
    with pytest.raises(ValueError):
        stale_source_alert([])


# -- the runner sends them ----------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_a_refused_prediction_run_alerts_the_webhook_with_a_retry(
    monkeypatch: pytest.MonkeyPatch, tmp_path, demo_landing
) -> None:
    """End to end through the runner: `predict` for a date whose phase 4 never ran is refused (a closed
    P4->P5 gate); after the run, the gate_failed alert reaches the webhook, which fails once (500) first."""

    landing, game_dates = demo_landing
    env = make_env(tmp_path, landing, game_dates[:2])
    with webhook(Reply(500, body="busy"), Reply(200)) as hook:
        monkeypatch.setenv("NBA_PROPS_SLACK_WEBHOOK_URL", hook.url)
        result = env.cli("predict", "--date", game_dates[1].isoformat())
    assert result.exit_code == 1, result.output
    assert "monitoring" not in result.output  # an empty warehouse still builds its monitoring views
    assert len(hook.requests) == 2  # the 500, then the delivered retry: one alert
    payload = json.dumps(hook.requests[-1]["json"])
    assert "gate_failed" in payload and game_dates[1].isoformat() in payload
    assert "P4-&gt;P5 gate failed" in payload  # Slack mrkdwn escapes "<", ">" and "&"
