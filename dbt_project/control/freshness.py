"""Source freshness after a load: `dbt source freshness` in-process over the sources this deployment uses,
every checked source recorded in nba_monitoring.source_freshness (what `nba-props status` shows); the stale and
never-loaded ones are returned for alerts.

Sources a deployment does not use are off: their freshness is not checked (dbt does not even select them, so
its console prints nothing about them), not recorded, not alerted. A source is off when

* the dbt var ``disabled_sources`` (dbt_project.yml) or the environment variable ``NBA_PROPS_DISABLED_SOURCES``
  (comma-separated; it adds to the var) names it: a source (``bref``) or one source table
  (``nbacom.injury_report``); an unknown name is a usage error naming it;
* or the landing area's ``_manifest.json`` lists the sources it carries (key ``sources``, same names; the
  parquet converter writes it) and it is not among them. A manifest without that key carries every source.

A checked table with no rows at all is ``never_loaded`` (no load time, no age), not an error of 17 million hours.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from core.errors import UsageError
from core.settings import Settings, project_vars
from dbt_project.control.dbt_invoker import Dbt
from dbt_project.control.timeouts import PhaseTimeout, deadline
from dbt_project.monitoring import history
from dbt_project.monitoring.history import FRESHNESS_STALE, NEVER_LOADED
from ingestion.landing import LandingArea

DISABLED_VAR = "disabled_sources"
DISABLED_ENV = "NBA_PROPS_DISABLED_SOURCES"
LANDING_SOURCES_KEY = "sources"  # the landing manifest's list of the sources it carries
NEVER_YEAR = 1  # dbt reports a table without rows as max_loaded_at 0001-01-01 (datetime.min)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def checked_tables(manifest: Any) -> dict[str, list[str]]:
    """source name -> its tables that `dbt source freshness` checks (those with a freshness config)."""
    tables: dict[str, list[str]] = {}
    for node in manifest.sources.values():
        if node.has_freshness:
            tables.setdefault(node.source_name, []).append(node.name)
    return {src: sorted(names) for src, names in sorted(tables.items())}


def _resolve(names: Iterable[str], known: Mapping[str, Sequence[str]], origin: str) -> set[tuple[str, str]]:
    """(source, table) pairs of `names` ("source" or "source.table"); an unknown one is a UsageError."""
    pairs: set[tuple[str, str]] = set()
    for name in names:
        source, _, table = name.partition(".")
        if source not in known or (table and table not in known[source]):
            listing = "; ".join(f"{s} ({', '.join(t)})" for s, t in known.items())
            raise UsageError(f"{origin}: unknown source {name!r} (sources whose freshness is checked: {listing})")
        pairs |= {(source, table)} if table else {(source, t) for t in known[source]}
    return pairs


def _names(value: Any, origin: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{origin}: must be a list of source names (e.g. [bref, nbacom.injury_report]), not {value!r}")
    return [v.strip() for v in value if v.strip()]


def disabled_tables(
    known: Mapping[str, Sequence[str]],
    var: Any = None,
    env: str = "",
    carried: Any = None,
    manifest_path: str = "_manifest.json",
) -> set[tuple[str, str]]:
    """The (source, table) pairs that are off: named by the var (a list) or the env value (comma-separated), or
    not among `carried` (the landing manifest's list; None: it carries every source)."""
    off = _resolve(_names(var, f"dbt_project.yml vars.{DISABLED_VAR}"), known, f"dbt_project.yml vars.{DISABLED_VAR}")
    off |= _resolve([n.strip() for n in env.split(",") if n.strip()], known, DISABLED_ENV)
    if carried is not None:
        origin = f"{manifest_path} key {LANDING_SOURCES_KEY!r}"
        on = _resolve(_names(carried, origin), known, origin)
        off |= {(s, t) for s, tables in known.items() for t in tables} - on
    return off


def deployment_disabled(settings: Settings, manifest: Any) -> set[tuple[str, str]]:
    """The source tables this deployment does not use: dbt var, environment and landing manifest (see the
    module docstring). Raises UsageError for an unknown name, naming it and where it came from."""
    landing = LandingArea(settings.landing_dir)
    return disabled_tables(
        checked_tables(manifest),
        project_vars(settings.project_dir).get(DISABLED_VAR),
        os.environ.get(DISABLED_ENV, ""),
        landing.manifest().get(LANDING_SOURCES_KEY),
        str(landing.root / "_manifest.json"),
    )


def describe(src: Mapping[str, Any]) -> str:
    """One line about a stale or never-loaded source table, e.g. "bref.rosters: never loaded"."""
    name = f"{src['source']}.{src['table']}"
    if src["status"] == NEVER_LOADED:
        return f"{name}: never loaded"
    return f"{name}: last load {src['age_hours']} h ago ({src['status']})"


def _entry(r: Any) -> dict[str, Any] | None:
    """One checked table from a dbt freshness result; None when dbt could not check it (no max_loaded_at)."""
    loaded = getattr(r, "max_loaded_at", None)
    if loaded is None:
        return None
    entry = {"source": r.node.source_name, "table": r.node.name}
    if loaded.year == NEVER_YEAR:  # no rows at all
        return {**entry, "max_loaded_at": None, "age_hours": None, "status": NEVER_LOADED}
    return {
        **entry,
        "max_loaded_at": str(loaded),
        "age_hours": round(float(r.age) / 3600, 1),  # age: seconds
        "status": str(getattr(r, "status", "")),
    }


def check_freshness(settings: Settings, dbt: Dbt, run_id: str, console: Console) -> list[dict[str, Any]]:
    """`dbt source freshness` (in-process) after a load, over the sources in use: those past their warn/error
    age or never loaded. Every checked source goes to nba_monitoring.source_freshness. Freshness is advisory:
    its own failure is reported, never fatal; an unknown disabled-source name is a UsageError."""
    try:
        manifest = dbt.parse()
        off = deployment_disabled(settings, manifest)
    except UsageError:
        raise
    except Exception as exc:  # dbt cannot parse, the landing manifest cannot be read: reported by that step
        console.print(f"  [yellow]source freshness not checked[/]: {exc}")
        return []
    known = checked_tables(manifest)
    if all((s, t) in off for s, tables in known.items() for t in tables):
        return []  # every checked source is off
    exclude = [f"source:{s}.{t}" for s, t in sorted(off)]
    try:
        with deadline(
            settings.phase_timeout_seconds or None, "source freshness", settings.phase_timeout_grace_seconds
        ) as watch:
            res = dbt.invoke(
                [
                    "source",
                    "freshness",
                    "--output",
                    str(settings.dbt_target_path / "sources.json"),
                    *(["--exclude", *exclude] if exclude else []),
                ]
            )
        if watch.expired:
            raise PhaseTimeout(watch.message)
    except (Exception, PhaseTimeout) as exc:
        console.print(f"  [yellow]source freshness not checked[/]: {exc}")
        return []
    checked = [e for e in map(_entry, getattr(res.result, "results", None) or []) if e is not None]
    history.record_source_freshness(settings, run_id, _now(), checked)
    return [c for c in checked if c["status"] in FRESHNESS_STALE]
