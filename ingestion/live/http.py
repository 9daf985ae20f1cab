"""HTTP for live fetches, built on dlt's helpers.

`dlt.sources.helpers.requests.Client` gives every request a timeout and retries 429, 5xx, timeouts and dropped
connections with exponential backoff, honouring `Retry-After`; its settings are dlt's own `[runtime]` keys
(`request_timeout`, `request_max_attempts`, `request_backoff_factor`, `request_max_retry_delay`, env
`RUNTIME__REQUEST_TIMEOUT` ...), read when a client is made. dlt 1.31 has no jitter option, so `LiveClient` adds
up to one backoff unit of random jitter to dlt's own wait strategy (`core.http_retry.add_jitter`) and counts
attempts and retries; the retry loop itself stays dlt's (tenacity). `Api` puts dlt's `RESTClient` (auth,
pagination) on top of that session.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dlt.sources.helpers.requests import Client, HTTPError, RequestException, Response
from dlt.sources.helpers.requests.session import Session
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from dlt.sources.helpers.rest_client.redaction import sanitize_url
from requests.auth import AuthBase
from requests.exceptions import JSONDecodeError
from tenacity import RetryCallState

from core.http_retry import add_jitter
from ingestion.live.common import LiveFetchError

log = logging.getLogger("nba_props.live")

QUOTA_HEADERS = ("x-requests-remaining", "x-requests-used", "x-requests-last")


@dataclass
class HttpStats:
    """Counters shared by the clients of one fetch run."""

    attempts: int = 0  # every HTTP attempt, retries included
    retries: int = 0
    retry_log: list[dict[str, Any]] = field(default_factory=list)
    last_url: str = ""  # sanitized URL of the latest attempt (for error messages)
    last_attempt: int = 0  # attempt number of the latest attempt of the current request
    quota: dict[str, str] = field(default_factory=dict)  # latest Odds API quota headers seen


class LiveClient(Client):
    """dlt's retrying requests Client with jitter and attempt accounting added to dlt's retry policy."""

    def __init__(self, stats: HttpStats, **kwargs: Any) -> None:
        self.stats = stats
        # raise_for_status is done by a response hook (Api._raise_for_status) with a sanitized message;
        # an HTTPError raised there is what dlt's retry policy inspects (status code, Retry-After).
        super().__init__(raise_for_status=False, respect_retry_after_header=True, **kwargs)

    def _make_session(self) -> Session:
        return add_jitter(super()._make_session(), self._before_attempt, self._before_sleep)

    def _before_attempt(self, state: RetryCallState) -> None:
        self.stats.attempts += 1
        self.stats.last_attempt = state.attempt_number
        request = state.args[0] if state.args else None
        if request is not None and getattr(request, "url", None):
            self.stats.last_url = sanitize_url(request.url)

    def _before_sleep(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        response = getattr(exc, "response", None)
        if isinstance(exc, HTTPError) and response is not None:
            reason = f"HTTP {response.status_code}"
            retry_after = response.headers.get("Retry-After")
            if retry_after is not None:
                reason += f" (Retry-After: {retry_after})"
        elif exc is not None:
            reason = type(exc).__name__
        else:
            reason = f"HTTP {getattr(state.outcome.result(), 'status_code', '?')}" if state.outcome else "?"
        sleep = round(state.next_action.sleep, 3) if state.next_action else None
        entry = {"url": self.stats.last_url, "attempt": state.attempt_number, "reason": reason, "sleep": sleep}
        self.stats.retry_log.append(entry)
        log.warning("retrying GET %s after attempt %s: %s; waiting %ss", entry["url"], entry["attempt"], reason, sleep)


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Api:
    """One provider's REST client: dlt RESTClient on a LiveClient session, sanitized errors, raw bodies."""

    def __init__(
        self,
        name: str,
        base_url: str,
        stats: HttpStats,
        *,
        auth: AuthBase | None = None,
        headers: dict[str, str] | None = None,
        secrets: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.stats = stats
        self.secrets = [s for s in secrets if s]
        self.request_log: list[dict[str, Any]] = []  # one entry per HTTP response received
        self.client = RESTClient(base_url=base_url, headers=headers, auth=auth, session=LiveClient(stats).session)

    # -- hooks (run inside each attempt, so dlt's retry sees the HTTPError and its response) ------------------
    def _record(self, response: Response, *args: Any, **kwargs: Any) -> None:
        url = sanitize_url(response.url)
        self.stats.last_url = url
        entry: dict[str, Any] = {"requested_at": _utc_now(), "url": url, "status": response.status_code}
        for header in QUOTA_HEADERS:
            value = response.headers.get(header)
            if value is not None:
                entry[header] = value
                self.stats.quota[header] = value
        self.request_log.append(entry)

    def _raise_for_status(self, response: Response, *args: Any, **kwargs: Any) -> None:
        if response.status_code >= 400:
            raise HTTPError(
                f"HTTP {response.status_code} {response.reason or ''} from GET {sanitize_url(response.url)}".strip(),
                response=response,
            )

    def _hooks(self) -> dict[str, list[Callable[..., Any]]]:
        return {"response": [self._record, self._raise_for_status]}

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def failure(self, exc: BaseException, what: str) -> LiveFetchError:
        response = getattr(exc, "response", None)
        if isinstance(exc, HTTPError) and response is not None:
            detail = f"HTTP {response.status_code} {response.reason or ''}".strip()
            if response.status_code in (401, 403):
                detail += " (check the API key)"
        else:
            detail = f"{type(exc).__name__}: {self.redact(str(exc))}"
        attempts = self.stats.last_attempt
        return LiveFetchError(
            f"{self.name}: {what}: GET {self.stats.last_url} failed after {attempts} attempt(s): {detail}"
        )

    def malformed(self, exc: ValueError, what: str) -> LiveFetchError:
        return LiveFetchError(f"{self.name}: {what}: malformed JSON from GET {self.stats.last_url}: {exc}")

    # -- requests -------------------------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None, what: str) -> tuple[Response, Any]:
        """One GET; returns the response (raw bytes in .content) and its parsed JSON."""
        try:
            response = self.client.get(path, params=params, hooks=self._hooks())
        except RequestException as exc:
            raise self.failure(exc, what) from exc
        try:
            return response, json.loads(response.content)
        except ValueError as exc:
            raise self.malformed(exc, what) from exc

    def pages(
        self, path: str, params: dict[str, Any], paginator: BasePaginator, data_selector: str, what: str
    ) -> Iterator[tuple[int, Response, Any]]:
        """(page number, response, parsed JSON) of each page, following `paginator` (dlt RESTClient.paginate)."""
        pages = self.client.paginate(
            path, params=params, paginator=paginator, data_selector=data_selector, hooks=self._hooks()
        )
        number = 0
        while True:
            number += 1
            try:
                page = next(pages)
            except StopIteration:
                return
            except JSONDecodeError as exc:  # before RequestException: requests' JSONDecodeError is both
                raise self.malformed(exc, f"{what} page {number}") from exc
            except RequestException as exc:
                raise self.failure(exc, f"{what} page {number}") from exc
            except ValueError as exc:
                raise self.malformed(exc, f"{what} page {number}") from exc
            try:
                body = json.loads(page.response.content)
            except ValueError as exc:
                raise self.malformed(exc, f"{what} page {number}") from exc
            yield number, page.response, body
