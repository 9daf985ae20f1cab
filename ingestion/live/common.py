"""Shared pieces of live mode: errors, the run result, API keys, and atomic writes into the landing area."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dlt

from core.errors import ExitCode, UserError
from ingestion.landing import EASTERN


class LiveFetchError(UserError, RuntimeError):
    """A live fetch that failed; the message names the provider, the (sanitized) URL and what was asked for."""

    def __init__(self, message: str, result: FetchResult | None = None) -> None:
        super().__init__(message)
        self.result = result


class MissingApiKeyError(LiveFetchError):
    """An API key that is neither in the environment nor in .dlt/secrets.toml (a configuration error)."""

    code = ExitCode.USAGE


@dataclass
class FetchResult:
    files: list[str] = field(default_factory=list)  # landing-relative paths written, in order
    requests: int = 0  # HTTP attempts, retries included
    retries: int = 0
    retry_log: list[dict[str, Any]] = field(default_factory=list)  # one entry per retry: url, reason, sleep
    quota: dict[str, str] = field(default_factory=dict)  # latest The Odds API quota headers
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "requests": self.requests,
            "retries": self.retries,
            "quota": self.quota,
            "warnings": self.warnings,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
        }


def api_key(source: str, label: str) -> str:
    """The API key of `source` from dlt's secrets (env SOURCES__<SOURCE>__API_KEY or .dlt/secrets.toml)."""
    value = dlt.secrets.get(f"sources.{source}.api_key")
    if not value or not str(value).strip():
        raise MissingApiKeyError(
            f"missing {label} API key: set SOURCES__{source.upper()}__API_KEY "
            f"or [sources.{source}] api_key in .dlt/secrets.toml"
        )
    return str(value).strip()


def config_value(key: str, default: Any = None) -> Any:
    """A non-secret setting from dlt's config (env or .dlt/config.toml), e.g. sources.nbacom.injury_report_url."""
    value = dlt.config.get(key)
    return default if value in (None, "") else value


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(value: str) -> datetime:
    """An ISO timestamp ('...Z' or with offset) as an aware UTC datetime; ValueError if it is not one."""
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def eastern_date(value: str) -> date:
    return parse_utc(value).astimezone(EASTERN).date()


@dataclass
class FetchContext:
    """What every fetcher of one run shares: the landing root, the clock and the result being filled in."""

    root: Path
    result: FetchResult
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def path(self, source: str, day: date, name: str) -> Path:
        return self.root / source / day.isoformat() / name

    def write(self, source: str, day: date, name: str, content: bytes | Any) -> str:
        """Write one landing file atomically (tmp file + rename); bytes as given, anything else as JSON."""
        path = self.path(source, day, name)
        data = content if isinstance(content, bytes) else json.dumps(content, indent=1).encode("utf-8")
        write_atomic(path, data)
        relative = path.relative_to(self.root).as_posix()
        self.result.files.append(relative)
        return relative

    def warn(self, message: str) -> None:
        self.result.warnings.append(message)


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
