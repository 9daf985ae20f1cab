"""The model inputs of the feature store and their version, read from dbt's manifest: declared once, in
``models/precompute/_precompute__models.yml``. The ml_feature_store model's ``config: meta: {feature_version: ..}``
is the version (written into every row by the model's SQL too); each column with ``meta: {feature: true}`` is a
numeric model input, in the yml's column order.

The manifest is ``manifest.json`` in dbt's target path (``Settings.dbt_target_path``). dbt writes it on every
parse and build: a run with phase 1 parses the project before anything else and phases 2-4 build, so it exists
and matches the yml when phase 5 predicts. A missing manifest, or one without the declarations, is a
FeatureDefinitionError naming the file. The file is parsed again only when it changes.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import Settings

MODEL = "ml_feature_store"
PROJECT = "nba_props"
NODE = f"model.{PROJECT}.{MODEL}"
YML = "models/precompute/_precompute__models.yml"


class FeatureDefinitionError(RuntimeError):
    """The manifest is missing or does not declare the feature store's inputs."""


@dataclass(frozen=True)
class FeatureSpec:
    version: str  # ml_feature_store's meta feature_version
    columns: tuple[str, ...]  # its columns flagged meta feature: true, in the yml's order


def manifest_path(settings: Settings) -> Path:
    """dbt's manifest.json of ``settings`` (a relative target path is relative to the project, as for dbt)."""
    target = settings.dbt_target_path
    return (target if target.is_absolute() else settings.project_dir / target) / "manifest.json"


def _meta(entry: dict[str, Any]) -> dict[str, Any]:
    """A node's or column's meta: dbt writes it as ``meta`` and (1.10+) as ``config.meta`` too."""
    return {**(entry.get("config") or {}).get("meta", {}), **(entry.get("meta") or {})}


def spec_from_manifest(manifest: dict[str, Any], source: str = "manifest.json") -> FeatureSpec:
    """The feature store's declared version and inputs in a parsed manifest; ``source`` names it in errors."""
    node = (manifest.get("nodes") or {}).get(NODE)
    if node is None:
        raise FeatureDefinitionError(
            f"{source}: no model {MODEL} (node {NODE}): is it dbt's manifest of this "
            "project? Run `dbt parse` to rebuild it"
        )
    version = _meta(node).get("feature_version")
    if not isinstance(version, str) or not version.strip():
        raise FeatureDefinitionError(
            f"{source}: model {MODEL} declares no feature_version (config: meta: {{feature_version: ...}} in {YML})"
        )
    columns = tuple(name for name, column in (node.get("columns") or {}).items() if _meta(column).get("feature"))
    if not columns:
        raise FeatureDefinitionError(
            f"{source}: model {MODEL} flags no column as a model input (meta: {{feature: true}} in {YML})"
        )
    return FeatureSpec(version.strip(), columns)


@functools.lru_cache(maxsize=8)
def _spec_of_file(path: str, mtime_ns: int, size: int) -> FeatureSpec:
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise FeatureDefinitionError(f"{path}: not a dbt manifest ({exc}): run `dbt parse` to rebuild it") from None
    return spec_from_manifest(manifest, path)


def feature_spec(settings: Settings) -> FeatureSpec:
    """The feature store's inputs and version from the manifest in ``settings``' dbt target path."""
    path = manifest_path(settings)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FeatureDefinitionError(
            f"{path} is missing: the model inputs of {MODEL} are read from dbt's manifest (run `dbt parse`, or "
            "any nba-props run, first)"
        ) from None
    return _spec_of_file(str(path), stat.st_mtime_ns, stat.st_size)
