"""Folders a command writes and may later clear: it deletes only what it created itself.

A writer (the demo generator, the parquet converter, `nba-props evaluate`) owns a folder through a marker
file, JSON with its name under "generator" (the landing writers' ``_manifest.json`` is that marker). Before it
writes, ``claim_folder`` checks the folder: empty or new, it is claimed; holding only the writer's own entries
under its own marker, those entries are removed; holding anything else (other files, or the same names under
another writer's marker or none), it is refused with FileExistsError naming the folder and the entries, and
nothing is touched.
"""

from __future__ import annotations

import errno
import json
import shutil
from collections.abc import Iterable
from pathlib import Path


def owner_of(folder: Path, marker: str) -> str | None:
    try:
        owner = json.loads((folder / marker).read_text(encoding="utf-8")).get("generator")
    except (OSError, ValueError, AttributeError):
        return None
    return owner if isinstance(owner, str) else None


def claim_folder(folder: Path, managed: Iterable[str], owner: str, marker: str = "_manifest.json") -> None:
    """Make ``folder`` ``owner``'s, empty of its previous output (``managed`` entries, ``marker`` among them)."""
    managed = set(managed) | {marker}
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(errno.EEXIST, f"{folder} is a file, not a folder", str(folder))
    entries = sorted(folder.iterdir()) if folder.is_dir() else []
    foreign = [p.name for p in entries if p.name not in managed]
    if foreign:
        raise FileExistsError(
            errno.EEXIST,
            f"{folder} holds files that {owner} did not write ({', '.join(foreign[:5])}"
            f"{', ...' if len(foreign) > 5 else ''}); nothing was changed: choose an empty folder (or a new one)",
            str(folder),
        )
    writer = owner_of(folder, marker)
    if entries and writer != owner:
        by = f"written by {writer}" if writer else f"without a {marker} of its own"
        raise FileExistsError(
            errno.EEXIST,
            f"{folder} holds {', '.join(p.name for p in entries)} {by}, not by {owner}; nothing was changed: "
            "choose an empty folder (or a new one)",
            str(folder),
        )
    for p in entries:
        shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / marker).write_text(json.dumps({"generator": owner}), encoding="utf-8")
