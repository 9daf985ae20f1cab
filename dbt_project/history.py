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


NODE_TABLE = "dbt_node_results"
LOAD_TABLE = "dlt_load_info"


def ensure_observability_tables(settings: Settings) -> None:
    """The tables the monitoring models read besides run history: dbt node results and dlt load info."""
    schema = settings.schema("nba_monitoring")
    with connect(settings) as con:
        con.execute(f"create schema if not exists {schema}")
        con.execute(
            f"""create table if not exists {schema}.{NODE_TABLE} (
                run_id varchar not null, phase integer not null, invocation_id varchar,
                unique_id varchar not null, name varchar, resource_type varchar, status varchar,
                execution_seconds double, rows_affected bigint, bytes_processed bigint, bytes_billed bigint,
                failures bigint, message varchar, completed_at timestamp,
                primary key (run_id, phase, unique_id)
            )"""
        )
        con.execute(
            f"""create table if not exists {schema}.{LOAD_TABLE} (
                run_id varchar not null, load_id varchar, table_name varchar not null, row_count bigint,
                extract_seconds double, normalize_seconds double, load_seconds double, loaded_at timestamp,
                primary key (run_id, table_name)
            )"""
        )


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _completed_at(timing: list[dict[str, Any]]) -> datetime | None:
    ends = [t.get("completed_at") for t in timing or [] if t.get("completed_at")]
    if not ends:
        return None
    return datetime.fromisoformat(max(ends).replace("Z", "+00:00")).replace(tzinfo=None)


def record_dbt_nodes(settings: Settings, run_id: str, phase: int, run_results: dict[str, Any]) -> int:
    """Load one dbt invocation's run_results.json into nba_monitoring.dbt_node_results."""
    invocation = (run_results.get("metadata") or {}).get("invocation_id")
    rows = []
    for r in run_results.get("results") or []:
        response = r.get("adapter_response") or {}
        unique_id = r.get("unique_id") or ""
        parts = unique_id.split(".")
        # <type>.<package>.<name>[.<hash or version>]; a unit test is unit_test.<package>.<model>.<name>
        name = parts[-1] if parts[0] == "unit_test" or len(parts) < 3 else parts[2]
        rows.append((
            run_id, phase, invocation, unique_id, name, parts[0],
            r.get("status"), float(r.get("execution_time") or 0.0), _int(response.get("rows_affected")),
            _int(response.get("bytes_processed")), _int(response.get("bytes_billed")), _int(r.get("failures")),
            (r.get("message") or None), _completed_at(r.get("timing")),
        ))
    if rows:
        with connect(settings) as con:
            con.executemany(
                f"insert or replace into {settings.schema('nba_monitoring')}.{NODE_TABLE} "
                f"values ({', '.join('?' * 14)})",
                rows,
            )
    return len(rows)


def record_dlt_load(settings: Settings, run_id: str, load: dict[str, Any], finished_at: datetime) -> int:
    """Record phase 1's dlt load info (rows per table, step times, load ids)."""
    steps = load.get("step_seconds") or {}
    load_ids = ",".join(load.get("load_ids") or [])
    rows = [
        (run_id, load_ids or None, table, int(n), steps.get("extract"), steps.get("normalize"), steps.get("load"),
         finished_at)
        for table, n in sorted((load.get("rows") or {}).items())
    ]
    if rows:
        with connect(settings) as con:
            con.executemany(
                f"insert or replace into {settings.schema('nba_monitoring')}.{LOAD_TABLE} "
                "values (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    return len(rows)


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
