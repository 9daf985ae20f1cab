"""Run history: one row per run, phase and date, written by the runner to nba_monitoring."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from core.contracts import GOOD, PIPELINE_PHASES, Phase, Status
from core.settings import Settings
from core.warehouse import connect, table_exists

TABLE = "pipeline_run_history"


@dataclass
class PhaseRecord:
    run_id: str
    phase: Phase
    status: Status  # RUNNING: started, not finished (or killed)
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
FRESHNESS_TABLE = "source_freshness"
# source_freshness statuses besides dbt's pass/warn/error: a table without any rows (no load time, no age)
NEVER_LOADED = "never_loaded"
FRESHNESS_STALE = ("error", NEVER_LOADED, "warn")  # worth showing and alerting, in this order


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
        con.execute(
            f"""create table if not exists {schema}.{FRESHNESS_TABLE} (
                run_id varchar not null, checked_at timestamp not null, source_name varchar not null,
                table_name varchar not null, status varchar, max_loaded_at timestamp, age_hours double,
                primary key (run_id, source_name, table_name)
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
        rows.append(
            (
                run_id,
                phase,
                invocation,
                unique_id,
                name,
                parts[0],
                r.get("status"),
                float(r.get("execution_time") or 0.0),
                _int(response.get("rows_affected")),
                _int(response.get("bytes_processed")),
                _int(response.get("bytes_billed")),
                _int(r.get("failures")),
                (r.get("message") or None),
                _completed_at(r.get("timing")),
            )
        )
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
        (
            run_id,
            load_ids or None,
            table,
            int(n),
            steps.get("extract"),
            steps.get("normalize"),
            steps.get("load"),
            finished_at,
        )
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


def record_source_freshness(
    settings: Settings, run_id: str, checked_at: datetime, checked: list[dict[str, Any]]
) -> int:
    """Record one `dbt source freshness` check: every source table with its status (pass, warn, error;
    never_loaded with no max_loaded_at and age_hours). Disabled sources are not checked, so not recorded."""
    rows = [
        (run_id, checked_at, c["source"], c["table"], c["status"], c.get("max_loaded_at"), c.get("age_hours"))
        for c in checked
    ]
    if rows:
        with connect(settings) as con:
            con.executemany(
                f"insert or replace into {settings.schema('nba_monitoring')}.{FRESHNESS_TABLE} "
                "values (?, ?, ?, ?, ?, cast(cast(? as timestamptz) as timestamp), ?)",
                rows,
            )
    return len(rows)


def record(settings: Settings, rec: PhaseRecord, dates: list[date]) -> None:
    details = json.dumps(rec.details, default=str, sort_keys=True)
    rows = [
        (
            rec.run_id,
            d,
            rec.phase,
            Phase(rec.phase).label,
            rec.status,
            settings.target,
            rec.started_at,
            rec.finished_at,
            round(rec.seconds, 3),
            rec.message,
            details,
        )
        for d in dates
    ]
    with connect(settings) as con:
        con.executemany(f"insert or replace into {_qualified(settings)} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def close_open_phases(settings: Settings, run_id: str, status: str, message: str) -> None:
    """Phases of ``run_id`` still recorded `running` get ``status`` (an interrupted run closes what it opened)."""
    with connect(settings) as con:
        con.execute(
            f"update {_qualified(settings)} set status = ?, message = ?, finished_at = ? "
            "where run_id = ? and status = 'running'",
            [status, message, datetime.now(UTC).replace(tzinfo=None), run_id],
        )


def status(settings: Settings, recent: int = 10) -> dict[str, Any]:
    """Per phase: the latest outcome and the last date it succeeded for; the ``recent`` latest degraded
    phases; and the sources the latest `dbt source freshness` check found stale."""
    empty = {
        "target": settings.target,
        "warehouse": str(settings.duckdb_path),
        "runs": 0,
        "phases": [],
        "degraded_runs": [],
        "stale_sources": [],
    }
    if not settings.duckdb_path.exists():
        return empty
    with connect(settings, read_only=True) as con:
        if not table_exists(con, settings.schema("nba_monitoring"), TABLE):
            return empty
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
    with connect(settings, read_only=True) as con:
        degraded = _degraded_runs(con, settings, recent)
        stale = _stale_sources(con, settings)
    return {**empty, "runs": runs, "phases": phases, "degraded_runs": degraded, "stale_sources": stale}


def _degraded_runs(con: Any, settings: Settings, recent: int) -> list[dict[str, Any]]:
    """The latest degraded phases (a run that went on with less), one entry per run and phase."""
    rows = con.execute(
        f"""
        select run_id, phase, any_value(phase_name), min(run_date), max(run_date), count(*), max(finished_at),
               any_value(message)
        from {_qualified(settings)} where status = 'degraded'
        group by run_id, phase order by max(finished_at) desc, phase limit ?
        """,
        [recent],
    ).fetchall()
    return [
        {
            "run_id": r[0],
            "phase": r[1],
            "name": r[2],
            "first_date": r[3].isoformat(),
            "last_date": r[4].isoformat(),
            "dates": r[5],
            "finished_at": r[6].isoformat(timespec="seconds"),
            "message": r[7],
        }
        for r in rows
    ]


def _stale_sources(con: Any, settings: Settings) -> list[dict[str, Any]]:
    """Sources past their warn/error age, or never loaded, in the latest freshness check (the runner checks
    after each load); a never-loaded one has no max_loaded_at and no age_hours."""
    schema = settings.schema("nba_monitoring")
    if not table_exists(con, schema, FRESHNESS_TABLE):
        return []
    rows = con.execute(
        f"""
        with latest as (
            select run_id from {schema}.{FRESHNESS_TABLE} order by checked_at desc, run_id desc limit 1
        )
        select f.source_name, f.table_name, f.status, f.max_loaded_at, f.age_hours, f.checked_at, f.run_id
        from {schema}.{FRESHNESS_TABLE} as f inner join latest using (run_id)
        where list_contains(?, f.status)
        order by list_position(?, f.status), f.age_hours desc, f.source_name, f.table_name
        """,
        [list(FRESHNESS_STALE), list(FRESHNESS_STALE)],
    ).fetchall()
    return [
        {
            "source": r[0],
            "table": r[1],
            "status": r[2],
            "max_loaded_at": r[3].isoformat(timespec="seconds") if r[3] else None,
            "age_hours": r[4],
            "checked_at": r[5].isoformat(timespec="seconds"),
            "run_id": r[6],
        }
        for r in rows
    ]


def phase_outcomes(
    settings: Settings, first: date | None = None, last: date | None = None
) -> dict[date, dict[int, str]]:
    """date -> {phase: status of the latest record of that phase for the date} over [first, last] (all
    dates when not given); dates never run are absent."""
    if not settings.duckdb_path.exists():
        return {}
    with connect(settings, read_only=True) as con:
        if not table_exists(con, settings.schema("nba_monitoring"), TABLE):
            return {}
        rows = con.execute(
            f"""
            select run_date, phase, status from (
                select *, row_number() over (
                    partition by run_date, phase order by finished_at desc, run_id desc) as rn
                from {_qualified(settings)}
                where run_date between coalesce(?, date '0001-01-01') and coalesce(?, date '9999-12-31')
            ) where rn = 1
            """,
            [first, last],
        ).fetchall()
    outcomes: dict[date, dict[int, str]] = {}
    for day, phase, state in rows:
        outcomes.setdefault(day, {})[phase] = state
    return outcomes


def is_complete(phases: dict[int, str]) -> bool:
    """A date is complete when the latest record of each phase 1-6 is success or degraded (so any later
    failure, skip or unfinished 'running' row makes it incomplete)."""
    return all(phases.get(p) in GOOD for p in PIPELINE_PHASES)


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
