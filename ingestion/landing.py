"""The landing area: recorded API responses, one folder per source and local game date.

Layout and payload shapes: docs/landing-format.md. Replay mode reads from here; live mode (later) writes
every raw response here first, so that anything fetched can be replayed. The demo generator and the parquet
converter write API-shaped files here through LandingWriter, so that both write them the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import UserError
from ingestion.quarantine import Quarantine

# the zone of the landing area's game dates (and of game_date everywhere): NBA game dates are US/Eastern dates
EASTERN = ZoneInfo("America/New_York")
# rows per page of a paginated BallDontLie response (stats_page_NNN.json), as the API's per_page
PAGE_SIZE = 100


def iso_z(moment: datetime) -> str:
    """A moment as the APIs write it: UTC, whole seconds, a trailing Z ("2025-10-21T23:30:00Z")."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LandingError(UserError, RuntimeError):
    """A landing file or folder that cannot be read; the message names the path."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # path relative to the landing root, recorded in nba_raw as _source_file
    payload: Any


@dataclass(frozen=True)
class LandingArea:
    root: Path

    def check(self) -> None:
        if not self.root.is_dir():
            raise LandingError(f"landing directory not found: {self.root}")

    def day_dir(self, source: str, day: date) -> Path:
        return self.root / source / day.isoformat()

    def files(
        self, source: str, day: date, pattern: str, quarantine: Quarantine | None = None, resource: str = ""
    ) -> Iterator[LandingFile]:
        """Parsed JSON files of one source and day matching `pattern`, in name order.

        A missing day folder is an empty day (no games, feed down): it yields nothing. A file that is not
        valid JSON raises LandingError naming it, or, given a quarantine, is quarantined whole (its raw text
        kept) and skipped so that the other files still load; the files read are told to the quarantine
        (``Quarantine.read``: a file read with nothing rejected resolves its earlier entries).
        """
        folder = self.day_dir(source, day)
        if not folder.is_dir():
            return
        for path in sorted(folder.glob(pattern)):
            relative = path.relative_to(self.root).as_posix()
            try:
                payload = read_json(path)
            except LandingError as exc:
                if quarantine is None:
                    raise
                quarantine.reject_file(resource or source, relative, str(exc), path)
                continue
            if quarantine is not None:
                quarantine.read(relative)
            yield LandingFile(path, relative, payload)

    def manifest(self) -> dict[str, Any]:
        path = self.root / "_manifest.json"
        return read_json(path) if path.exists() else {}

    def game_dates(self) -> list[date]:
        """Dates the landing area holds: the manifest's game_dates, else every dated folder found."""
        listed = self.manifest().get("game_dates")
        if listed:
            return sorted(date.fromisoformat(d) for d in listed)
        found: set[date] = set()
        for source_dir in self.root.iterdir() if self.root.is_dir() else []:
            if source_dir.is_dir():
                for day_dir in source_dir.iterdir():
                    try:
                        found.add(date.fromisoformat(day_dir.name))
                    except ValueError:
                        continue
        return sorted(found)


class LandingWriter:
    """Writes API-shaped files under a landing root and counts them: JSON payloads compact and key-sorted (so
    that the same input always gives byte-identical files) and text files (HTML pages, CSV) as given."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = 0
        self.bytes = 0

    def write(self, relative: str, payload: Any) -> None:
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        self._write_bytes(relative, text.encode("utf-8"))

    def write_text(self, relative: str, text: str) -> None:
        self._write_bytes(relative, text.encode("utf-8"))

    def _write_bytes(self, relative: str, data: bytes) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files += 1
        self.bytes += len(data)


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LandingError(f"cannot read landing file {path}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LandingError(
            f"malformed JSON in landing file {path}: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
