"""Healing of missing or failed dates (README "Operations").

**heal** finds dates with missing or failed phases in run history, and dates whose data says a layer is missing
(``HEAL_RULES``), and reruns just those dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console

from core.settings import Settings
from core.warehouse import connect, table_exists
from dbt_project.control.dates import BatchResult, incomplete_phases, run_dates
from dbt_project.control.replay import quote
from dbt_project.control.runner import run_lock
from dbt_project.monitoring import history

HEAL_RULES = {
    "history": "run history: a phase failed, was skipped, is still 'running' (killed) or never ran",
    "landing": "landing files for the date but no complete run",
    "raw": "rows in nba_raw loaded from the date's landing files but no complete run",
    "analytics": "box scores in staging for games missing from nba_analytics.player_game_summary",
    "features": "lines for players with earlier games (prediction_slate) but no nba_precompute.ml_feature_store rows",
    "predictions": "players the slate predicts (prediction_slate.is_predicted) but no "
    "nba_predictions.player_prop_predictions rows",
}


@dataclass
class Finding:
    day: date
    rule: str
    detail: str


def landing_dates(landing_dir: Path) -> set[date]:
    """Dates with at least one landing file (<source>/<YYYY-MM-DD>/<file>)."""
    found: set[date] = set()
    if not landing_dir.is_dir():
        return found
    for source in landing_dir.iterdir():
        if not source.is_dir():
            continue
        for day_dir in source.iterdir():
            try:
                day = date.fromisoformat(day_dir.name)
            except ValueError:
                continue
            if day_dir.is_dir() and any(p.is_file() for p in day_dir.rglob("*")):
                found.add(day)
    return found


def _raw_dates(con: duckdb.DuckDBPyConnection, settings: Settings) -> set[date]:
    raw = settings.schema("nba_raw")
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.columns where table_schema = ? and column_name = '_source_file' "
            "and table_name not like '\\_dlt%' escape '\\'",
            [raw],
        ).fetchall()
    ]
    found: set[date] = set()
    for table in tables:
        found |= {
            r[0]
            for r in con.execute(
                f"select distinct try_cast(split_part(_source_file, '/', 2) as date) from {quote(raw)}.{quote(table)}"
            ).fetchall()
            if r[0] is not None
        }
    return found


def _data_findings(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Finding]:
    """The layer checks of HEAL_RULES (analytics, features, predictions), over all dates. Features and
    predictions are checked against nba_precompute.prediction_slate (the slate the gate and phase 5 read)."""
    staging, analytics = settings.schema("nba_staging"), settings.schema("nba_analytics")
    precompute, predictions = settings.schema("nba_precompute"), settings.schema("nba_predictions")
    have = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    findings: list[Finding] = []
    if (staging, "stg_balldontlie__player_box_scores") in have:
        built = (
            f"select game_date, count(distinct game_id) as n from {analytics}.player_game_summary group by 1"
            if (analytics, "player_game_summary") in have
            else "select cast(null as date) as game_date, 0 as n where false"
        )
        for day, raw_n, built_n in con.execute(
            f"""
            with raw as (
                select game_date, count(distinct game_id) as n
                from {staging}.stg_balldontlie__player_box_scores group by 1
            ), built as ({built})
            select raw.game_date, raw.n, coalesce(built.n, 0) from raw left join built using (game_date)
            where coalesce(built.n, 0) < raw.n order by 1
            """
        ).fetchall():
            findings.append(
                Finding(day, "analytics", f"{raw_n} games with box scores, {built_n} in player_game_summary")
            )
    if (precompute, "prediction_slate") in have:  # the one slate (gates and phase 5 read it too)
        slate = f"{precompute}.prediction_slate"
        for day, players in con.execute(
            f"""
            select game_date, count(distinct player_name_key) filter (where has_history) as players
            from {slate}
            group by game_date
            having count(*) filter (where has_history) > 0 and not bool_or(has_features)
            order by 1
            """
        ).fetchall():
            findings.append(
                Finding(day, "features", f"{players} players with lines and earlier games, no feature rows")
            )
        if (predictions, "player_prop_predictions") in have:
            for day, players in con.execute(
                f"""
                select s.game_date, count(distinct s.player_id) as players from {slate} as s
                where s.is_predicted and not exists (select 1 from {predictions}.player_prop_predictions as p
                                                     where p.game_date = s.game_date)
                group by 1
                order by 1
                """
            ).fetchall():
                findings.append(
                    Finding(day, "predictions", f"{players} players with features and lines, no predictions")
                )
    return findings


def _describe(phases: dict[int, str]) -> str:
    missing = incomplete_phases(phases)
    by_status: dict[str, list[int]] = {}
    for phase, state in missing.items():
        by_status.setdefault(state, []).append(phase)
    return "; ".join(
        f"phase{'s' if len(p) > 1 else ''} {', '.join(map(str, p))} {state}" for state, p in by_status.items()
    )


def scan(settings: Settings, start: date | None = None, end: date | None = None) -> list[Finding]:
    """Every date in [start, end] (open ends: all) needing a rerun, with each rule that found it."""
    outcomes = history.phase_outcomes(settings, start, end)
    findings: list[Finding] = []
    raw: set[date] = set()
    if settings.duckdb_path.exists():
        with connect(settings, read_only=True) as con:
            if any(table_exists(con, settings.schema("nba_raw"), t) for t in ("games", "box_scores")):
                raw = _raw_dates(con, settings)
            findings += _data_findings(con, settings)
    complete = {d for d, phases in outcomes.items() if history.is_complete(phases)}
    for day, phases in outcomes.items():
        if day not in complete:
            findings.append(Finding(day, "history", _describe(phases)))
    for day in landing_dates(settings.landing_dir) - complete - set(outcomes):
        findings.append(Finding(day, "landing", "landing files, never run"))
    for day in raw - complete - set(outcomes):
        findings.append(Finding(day, "raw", "raw rows, never run"))

    def wanted(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    return sorted((f for f in findings if wanted(f.day)), key=lambda f: (f.day, list(HEAL_RULES).index(f.rule)))


@dataclass
class HealResult:
    findings: list[Finding]
    batch: BatchResult | None = None

    @property
    def dates(self) -> list[date]:
        return sorted({f.day for f in self.findings})

    @property
    def ok(self) -> bool:
        return self.batch is None or self.batch.ok

    def summary(self) -> dict[str, Any]:
        return {
            "found": [{"date": f.day.isoformat(), "rule": f.rule, "detail": f.detail} for f in self.findings],
            "dates": [d.isoformat() for d in self.dates],
            "reruns": self.batch.summary() if self.batch else None,
            "ok": self.ok,
        }


def heal(
    settings: Settings,
    start: date | None = None,
    end: date | None = None,
    *,
    dry_run: bool = False,
    verbose: bool = False,
    console: Console | None = None,
) -> HealResult:
    """Find the dates needing a rerun (``scan``) and rerun them, oldest first, one date per run."""
    console = console or Console(stderr=True, soft_wrap=True)
    with run_lock(settings, share=True):
        result = HealResult(scan(settings, start, end))
        if dry_run or not result.findings:
            return result
        result.batch = run_dates(settings, result.dates, result.dates, verbose=verbose, console=console, title="heal")
    return result
