"""What `nba-props status` can read while a run holds the warehouse.

DuckDB admits one writing process per file and no reader beside it, so while a run writes the warehouse,
run history cannot be queried. The runner therefore keeps two small JSON files beside the DuckDB file:

* ``.nba-props-<target>.progress.json``: the run in progress (run id, pid, dates, each phase as recorded so
  far), rewritten atomically at every phase record; meaningful only while the run lock is held;
* ``.nba-props-<target>.status.json``: `history.status` as it stood at the end of the last run.

Both are the runner's own files in the target's warehouse folder; nothing else reads or deletes them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from pathlib import Path
from typing import Any

from core.files import write_text_atomic
from core.settings import Settings


def lock_path(settings: Settings) -> Path:
    """The run lock of a target (an flock held by the running process; dbt_project/control/runner.run_lock)."""
    return settings.warehouse_dir / f".nba-props-{settings.target}.lock"


def progress_path(settings: Settings) -> Path:
    return settings.warehouse_dir / f".nba-props-{settings.target}.progress.json"


def snapshot_path(settings: Settings) -> Path:
    return settings.warehouse_dir / f".nba-props-{settings.target}.status.json"


def _write(path: Path, payload: dict[str, Any]) -> None:
    write_text_atomic(path, json.dumps(payload, default=str))


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_progress(settings: Settings, payload: dict[str, Any]) -> None:
    """Best effort: progress is for operators; a full disk must not fail the run over it."""
    with contextlib.suppress(OSError):
        _write(progress_path(settings), payload)


def write_snapshot(settings: Settings, info: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        _write(snapshot_path(settings), info)


def read_snapshot(settings: Settings) -> dict[str, Any] | None:
    return _read(snapshot_path(settings))


def lock_held(settings: Settings) -> bool:
    """Another process holds the target's run lock (a run, backfill, heal or replay is in progress)."""
    path = lock_path(settings)
    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def current_run(settings: Settings) -> dict[str, Any] | None:
    """The run in progress on the target, as its runner last recorded it; None when no run holds the lock."""
    if not lock_held(settings):
        return None
    return _read(progress_path(settings)) or {"run_id": "?", "phases": {}, "note": "no progress recorded yet"}
