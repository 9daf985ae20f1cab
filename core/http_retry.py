"""Jitter and attempt accounting on top of dlt's retrying requests session.

dlt's `Client` retries 429, 5xx, timeouts and dropped connections with exponential backoff (honouring
`Retry-After` when asked), through a tenacity `Retrying` it builds from its arguments. dlt 1.31 has no jitter
option, so `add_jitter` keeps that policy (what is retried, how many attempts, the exponential wait and its cap)
and adds uniform(0, backoff unit) of random jitter to each wait, where the unit is dlt's backoff factor (the
multiplier of its wait strategy). `before` runs before every attempt (to count attempts), `before_sleep` before
every wait (to log the retry). The live fetches (`ingestion/live/http.py`) and the Slack alerts
(`dbt_project/monitoring/alerts/channels.py`) share it.
"""

from __future__ import annotations

from collections.abc import Callable

from dlt.sources.helpers.requests.session import Session
from tenacity import RetryCallState, wait_random

RetryHook = Callable[[RetryCallState], None]


def add_jitter(session: Session, before: RetryHook, before_sleep: RetryHook) -> Session:
    """Replace `session.send` (dlt's retrying send) by the same retry policy with jitter and the two hooks."""
    dlt_retry = session.send.retry  # the tenacity Retrying dlt configured (status codes, backoff, Retry-After)
    unit = float(getattr(dlt_retry.wait, "multiplier", 1.0) or 0.0)  # dlt's request_backoff_factor
    session.send = session.send.retry_with(  # type: ignore[method-assign]
        wait=dlt_retry.wait + wait_random(0, unit),
        before=before,
        before_sleep=before_sleep,
    )
    return session
