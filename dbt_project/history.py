"""Run history: one row per run, phase and date, written by the runner to nba_monitoring."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dbt_project.settings import Settings
from dbt_project.warehouse import connect, table_exists

TABLE = "pipeline_run_history"
PHASE_NAMES = {1: "ingest", 2: "staging", 3: "analytics", 4: "precompute", 5: "predictions", 6: "publish"}


@dataclass
class PhaseRecord:
    run_id: str
    phase: int
    status: str  # success | failed | skipped | degraded
    started_at: datetime
    finished_at: datetime
    message: str
    details: dict[str, Any]

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def _qualified(settings: Settings) -> str:
    return f"{settings.schema('nba_monitoring')}.{TABLE}"


def ensure_table(settings: Settings) -> None:
    with connect(settings) as con:
        con.execute(f"create schema if not exists {settings.schema('nba_monitoring')}")
        con.execute(
            f"""create table if not exists {_qualified(settings)} (
                run_id varchar not null,
                run_date date not null,
                phase integer not null,
                phase_name varchar not null,
                status varchar not null,
                target_name varchar not null,
                started_at timestamp not null,
                finished_at timestamp not null,
                duration_seconds double not null,
                message varchar,
                details varchar,
                primary key (run_id, run_date, phase)
            )"""
        )


def record(settings: Settings, rec: PhaseRecord, dates: list[date]) -> None:
    details = json.dumps(rec.details, default=str, sort_keys=True)
    rows = [
        (rec.run_id, d, rec.phase, PHASE_NAMES[rec.phase], rec.status, settings.target, rec.started_at,
         rec.finished_at, round(rec.seconds, 3), rec.message, details)
        for d in dates
    ]
    with connect(settings) as con:
        con.executemany(
            f"insert or replace into {_qualified(settings)} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )


def status(settings: Settings) -> dict[str, Any]:
    """Per phase: the latest outcome and the last date it succeeded for; and the latest run."""
    if not settings.duckdb_path.exists():
        return {"target": settings.target, "warehouse": str(settings.duckdb_path), "runs": 0, "phases": []}
    with connect(settings, read_only=True) as con:
        if not table_exists(con, settings.schema("nba_monitoring"), TABLE):
            return {"target": settings.target, "warehouse": str(settings.duckdb_path), "runs": 0, "phases": []}
        table = _qualified(settings)
        runs = con.execute(f"select count(distinct run_id) from {table}").fetchone()[0]
        rows = con.execute(
            f"""
            with latest as (
                select *, row_number() over (partition by phase order by finished_at desc, run_date desc) as rn
                from {table}
            ),
            good as (
                select phase, max(run_date) as last_success_date
                from {table} where status in ('success', 'degraded') group by phase
            )
            select latest.phase, latest.phase_name, latest.status, latest.run_date, latest.run_id,
                   latest.finished_at, latest.message, good.last_success_date
            from latest left join good using (phase)
            where latest.rn = 1
            order by latest.phase
            """
        ).fetchall()
    phases = [
        {
            "phase": r[0],
            "name": r[1],
            "latest_status": r[2],
            "latest_date": r[3].isoformat(),
            "latest_run_id": r[4],
            "latest_finished_at": r[5].isoformat(timespec="seconds"),
            "message": r[6],
            "last_success_date": r[7].isoformat() if r[7] else None,
        }
        for r in rows
    ]
    return {"target": settings.target, "warehouse": str(settings.duckdb_path), "runs": runs, "phases": phases}


def latest_phase_outcomes(settings: Settings, phase: int, dates: list[date]) -> dict[date, tuple[str, str]]:
    """date -> (status, message) of the latest recorded run of ``phase`` covering that date (dates never run
    are absent)."""
    if not dates or not settings.duckdb_path.exists():
        return {}
    with connect(settings, read_only=True) as con:
        if not table_exists(con, settings.schema("nba_monitoring"), TABLE):
            return {}
        rows = con.execute(
            f"""
            select run_date, status, message from (
                select *, row_number() over (partition by run_date order by finished_at desc, run_id desc) as rn
                from {_qualified(settings)}
                where phase = ? and run_date between ? and ?
            ) where rn = 1
            """,
            [phase, min(dates), max(dates)],
        ).fetchall()
    wanted = set(dates)
    return {r[0]: (r[1], r[2]) for r in rows if r[0] in wanted}
