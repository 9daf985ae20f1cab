"""Digests of folder trees (landing areas, exports): equal digests, byte-identical files."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from pathlib import Path


def tree_digest(root: Path, patterns: Sequence[str] = ("*",), skip: Collection[str] = ()) -> str:
    """sha256 over the relative path and the bytes of every file below ``root`` matching ``patterns`` (in that
    order), files named in ``skip`` left out."""
    h = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(root.rglob(pattern)):
            if path.is_file() and path.name not in skip:
                h.update(path.relative_to(root).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()
