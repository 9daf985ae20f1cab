"""Replay from a landing area in object storage (`gs://bucket/prefix`, or any fsspec URL).

When `NBA_PROPS_LANDING_URL` (or `--landing-url`) is set, phase 1 first mirrors the requested dates' folders
(and `_manifest.json`) from that URL into the local landing directory, then replays them exactly as local
files. The local copy is the archive the run used; re-syncing a date replaces its folder, so a file removed
upstream does not linger. `gs://` needs `gcsfs` (in the `bigquery` extra) and Google credentials as usual.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ingestion.landing import LandingError

SOURCES = ("balldontlie", "odds_api", "nbacom", "bref", "bigdataball")


def sync_landing(url: str, local_root: Path, dates: Sequence[date]) -> int:
    """Copy `<url>/<source>/<date>/` for every source and date (and the manifest) into `local_root`;
    return the number of files copied. An absent date folder is an empty day, as locally."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise LandingError(f"cannot open landing URL {url}: {exc}") from exc
    root = root.rstrip("/")
    if not fs.exists(root):
        raise LandingError(f"landing URL not found: {url}")
    copied = 0
    local_root.mkdir(parents=True, exist_ok=True)
    manifest = f"{root}/_manifest.json"
    if fs.exists(manifest):
        fs.get(manifest, str(local_root / "_manifest.json"))
        copied += 1
    for source in SOURCES:
        for day in dates:
            remote = f"{root}/{source}/{day.isoformat()}"
            if not fs.isdir(remote):
                continue
            target = local_root / source / day.isoformat()
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            for path in fs.find(remote):
                relative = path[len(remote) :].lstrip("/")
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                fs.get(path, str(target / relative))
                copied += 1
    return copied
