"""core.http_retry.add_jitter: dlt's retry policy (what is retried, attempts, exponential wait, Retry-After) with
uniform(0, backoff factor) jitter added to each wait and every attempt and retry reported to the hooks. No
network: a transport adapter mounted on the session answers with canned statuses."""

from __future__ import annotations

import random

import pytest
from dlt.sources.helpers.requests import Client
from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from tenacity import RetryCallState

from core.http_retry import add_jitter

BACKOFF = 0.01


class Canned(BaseAdapter):
    """Answers each request with the next status of `statuses` (and its Retry-After header, if any)."""

    def __init__(self, statuses: list[int], retry_after: str | None = None) -> None:
        super().__init__()
        self.statuses = list(statuses)
        self.retry_after = retry_after
        self.calls = 0

    def send(self, request: PreparedRequest, *args: object, **kwargs: object) -> Response:
        response = Response()
        response.status_code = self.statuses[min(self.calls, len(self.statuses) - 1)]
        response.request = request
        response.url = request.url or ""
        if self.retry_after is not None:
            response.headers["Retry-After"] = self.retry_after
        self.calls += 1
        return response

    def close(self) -> None:
        pass


def _client(attempts: int = 4, backoff: float = BACKOFF, max_delay: float = 30.0) -> Client:
    return Client(
        raise_for_status=False,
        status_codes=(429, 503),
        request_max_attempts=attempts,
        request_backoff_factor=backoff,
        request_max_retry_delay=max_delay,
        respect_retry_after_header=True,
    )


def _state(session: object, attempt: int, response: Response) -> RetryCallState:
    state = RetryCallState(session.send.retry, None, (), {})  # type: ignore[attr-defined]
    state.attempt_number = attempt
    state.set_result(response)
    return state


@pytest.mark.parametrize("retry_after", [None, "7"])
def test_wait_is_dlts_wait_plus_uniform_jitter_of_one_backoff_unit(
    monkeypatch: pytest.MonkeyPatch, retry_after: str | None
) -> None:
    response = Response()
    response.status_code = 503
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    plain = _client(backoff=2.0, max_delay=10.0).session  # dlt's own retrying session
    jittered = add_jitter(_client(backoff=2.0, max_delay=10.0).session, lambda s: None, lambda s: None)
    monkeypatch.setattr(random, "random", lambda: 0.25)  # what tenacity's wait_random draws from
    for attempt in (1, 2, 3, 4):
        dlt_wait = plain.send.retry.wait(_state(plain, attempt, response))  # type: ignore[attr-defined]
        wait = jittered.send.retry.wait(_state(jittered, attempt, response))  # type: ignore[attr-defined]
        assert wait == pytest.approx(dlt_wait + 0.25 * 2.0)
    # dlt's wait itself: backoff * 2**(n-1) capped at max_delay, or Retry-After capped at max_delay
    expected = [7.0] * 4 if retry_after else [2.0, 4.0, 8.0, 10.0]
    assert [plain.send.retry.wait(_state(plain, n, response)) for n in (1, 2, 3, 4)] == expected  # type: ignore


def test_no_backoff_means_no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    response = Response()
    response.status_code = 503
    session = add_jitter(_client(backoff=0.0).session, lambda s: None, lambda s: None)
    monkeypatch.setattr(random, "random", lambda: 0.99)
    assert session.send.retry.wait(_state(session, 3, response)) == 0.0  # type: ignore[attr-defined]


def test_every_attempt_and_retry_reaches_the_hooks() -> None:
    attempts: list[int] = []
    sleeps: list[tuple[int, float]] = []

    def before(state: RetryCallState) -> None:
        attempts.append(state.attempt_number)

    def before_sleep(state: RetryCallState) -> None:
        assert state.next_action is not None
        sleeps.append((state.attempt_number, state.next_action.sleep))

    adapter = Canned([503, 429, 200])
    session = add_jitter(_client().session, before, before_sleep)
    session.mount("http://canned/", adapter)
    response = session.get("http://canned/hook")
    assert response.status_code == 200
    assert attempts == [1, 2, 3] and adapter.calls == 3
    assert [n for n, _ in sleeps] == [1, 2]
    for n, sleep in sleeps:  # dlt's backoff * 2**(n-1) plus jitter in [0, backoff]
        assert BACKOFF * 2 ** (n - 1) <= sleep <= BACKOFF * 2 ** (n - 1) + BACKOFF


def test_attempts_stop_at_dlts_limit_and_the_last_response_is_returned() -> None:
    attempts: list[int] = []
    adapter = Canned([503])
    session = add_jitter(_client(attempts=3).session, lambda s: attempts.append(s.attempt_number), lambda s: None)
    session.mount("http://canned/", adapter)
    assert session.get("http://canned/hook").status_code == 503
    assert attempts == [1, 2, 3] and adapter.calls == 3


def test_a_status_dlt_does_not_retry_is_one_attempt() -> None:
    attempts: list[int] = []
    adapter = Canned([400])
    session = add_jitter(_client().session, lambda s: attempts.append(s.attempt_number), lambda s: None)
    session.mount("http://canned/", adapter)
    assert session.get("http://canned/hook").status_code == 400
    assert attempts == [1]
