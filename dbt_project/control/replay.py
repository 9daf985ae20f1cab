"""Replays into the `test` target diffed against `dev` (README "Operations"), and the table comparison they
(and the test suite) use.

**replay** rebuilds the `test` target from the landing area for the dates dev has run up to the date and
compares the date's rows of every table with dev's (``compare``): row counts and an order-independent checksum
of the rows over the non-volatile columns.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

import duckdb
from rich.console import Console

from core.contracts import GOOD
from core.errors import UserError
from core.settings import SCHEMAS, Settings, target_folder
from dbt_project.control.dates import label
from dbt_project.control.runner import PipelineRunner, RunResult, run_lock
from dbt_project.monitoring import history
from ingestion.pipeline import PIPELINE_NAMES, pipeline_name

# -- what replay and the test suite compare ------------------------------------------------------------------
# Columns whose values differ between two runs of the same data by design: run ids, load ids and load / write
# times, dlt's row ids, and where a model artifact was written. Left out of every checksum.
VOLATILE_COLUMNS = frozenset(
    {
        "run_id",
        "created_at",
        "_dlt_load_id",
        "_dlt_id",
        "loaded_at",
        "loaded_at_id",
        "inserted_at",
        "rejected_at",
        "last_rejected_at",
        "resolved_at",
        "trained_at",
        "artifact_path",
    }
)
# Append-only logs of the runs themselves (and every nba_monitoring view, which reads them): never compared.
RUN_LOG_TABLES = frozenset(
    {
        "nba_monitoring.pipeline_run_history",
        "nba_monitoring.dbt_node_results",
        "nba_monitoring.dlt_load_info",
        "nba_monitoring.source_freshness",
    }
)
# Floating-point columns are compared at single precision (float32, about 7 significant digits): sums over
# threads may differ in the last bits of a double. Not rounded to decimals: a value on a decimal half-way point
# (1.23 / 480 = 0.0025625) lands on either side of it depending on those bits, a spurious difference; binary
# rounding boundaries are not where decimal data sits. -0.0 and 0.0 count as equal.
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass
class TableSum:
    rows: int
    checksum: str
    rule: str  # which rows: "all rows", "game_date = D", ...
    columns: tuple[str, ...] = ()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _day_filter(columns: dict[str, str], staging: str) -> tuple[str, str] | None:
    """SQL filter (one `?`: the date) and its description for the rows of one date: rows loaded from the date's
    landing files, else the date column, else the date's games; None: the table has no date key."""
    for col in ("_source_file", "source_file"):
        if col in columns:  # landing files are <source>/<YYYY-MM-DD>/<file>
            return f"split_part({quote(col)}, '/', 2) = cast(cast(? as date) as varchar)", f"{col} <source>/D/*"
    for col in ("game_date", "cache_date", "landing_date"):
        if col in columns:
            return f"try_cast({quote(col)} as date) = cast(? as date)", f"{col} = D"
    if "trained_through" in columns:  # the models a date up to D could have used
        return "trained_through < cast(? as date)", "trained_through < D"
    if "nba_game_id" in columns:
        return (
            f"nba_game_id in (select nba_game_id from {staging}.stg_nbacom__schedule "
            "where game_date = cast(? as date))",
            "nba_game_id of D's games",
        )
    return None


def _compared_tables(con: duckdb.DuckDBPyConnection, prefix: str) -> dict[str, tuple[str, str, dict[str, str]]]:
    """logical schema.table -> (physical schema, table type, {column: type}) of the tables a comparison covers."""
    physical = {prefix + s: s for s in SCHEMAS}
    rows = con.execute(
        "select t.table_schema, t.table_name, t.table_type, c.column_name, c.data_type "
        "from information_schema.tables t join information_schema.columns c "
        "on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema and c.table_name = t.table_name "
        "where t.table_catalog = current_database() order by c.ordinal_position"
    ).fetchall()
    tables: dict[str, tuple[str, str, dict[str, str]]] = {}
    for schema, table, kind, column, dtype in rows:
        logical = physical.get(schema)
        if logical is None or table.startswith("_dlt"):
            continue
        name = f"{logical}.{table}"
        if name in RUN_LOG_TABLES or (logical == "nba_monitoring" and kind == "VIEW"):
            continue
        tables.setdefault(name, (schema, kind, {}))[2][column] = dtype
    return tables


def row_hash(columns: dict[str, str], only: Iterable[str] | None = None) -> tuple[str, tuple[str, ...]]:
    """SQL of a 64-bit hash of each row over the non-volatile ``columns`` ({name: type}; floats at single
    precision), or over those of ``only`` (e.g. the columns a table had before a column was added), and the
    columns it covers."""
    wanted = set(columns) if only is None else set(only) & set(columns)
    kept = tuple(sorted(c for c in wanted if c not in VOLATILE_COLUMNS))
    exprs = [
        # beyond float32's range a double is compared as it is
        f"coalesce(cast(try_cast({quote(c)} as float) as double), {quote(c)}) + 0.0"
        if columns[c].upper() in FLOAT_TYPES
        else quote(c)
        for c in kept
    ]
    return (f"hash({', '.join(exprs)})" if exprs else "0"), kept


def checksums(settings: Settings, day: date | None = None) -> dict[str, TableSum]:
    """Rows and an order-independent checksum (sum of a 64-bit hash per row over the non-volatile columns)
    of every compared table of ``settings``' warehouse, keyed by logical name (schema without test_). Given
    ``day``, only that date's rows (``_day_filter``); tables without any date key are compared whole."""
    prefix = settings.schema_prefix
    staging = quote(settings.schema("nba_staging"))
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        out: dict[str, TableSum] = {}
        for name, (schema, _kind, columns) in sorted(_compared_tables(con, prefix).items()):
            hashed, kept = row_hash(columns)
            where, rule, params = "", "all rows", []
            if day is not None and (found := _day_filter(columns, staging)):
                where, rule, params = f" where {found[0]}", found[1], [day]
            count, total = con.execute(
                f"select count(*), coalesce(sum({hashed}), 0)::varchar "
                f"from {quote(schema)}.{quote(name.split('.', 1)[1])}{where}",
                params,
            ).fetchone()
            out[name] = TableSum(count, total, rule, kept)
    return out


@dataclass
class TableDiff:
    table: str
    rule: str
    dev_rows: int | None
    test_rows: int | None
    dev_checksum: str | None
    test_checksum: str | None
    note: str = ""

    @property
    def equal(self) -> bool:
        return not self.note and self.dev_rows == self.test_rows and self.dev_checksum == self.test_checksum


def compare(left: dict[str, TableSum], right: dict[str, TableSum]) -> list[TableDiff]:
    """Table by table: rows and checksums of ``left`` (dev) against ``right`` (test)."""
    diffs = []
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name), right.get(name)
        note = "only in dev" if b is None else "only in test" if a is None else ""
        if a is not None and b is not None and a.columns != b.columns:
            only_a, only_b = sorted(set(a.columns) - set(b.columns)), sorted(set(b.columns) - set(a.columns))
            note = f"columns differ (dev only: {only_a}, test only: {only_b})"
        diffs.append(
            TableDiff(name, (a or b).rule, a and a.rows, b and b.rows, a and a.checksum, b and b.checksum, note)
        )
    return diffs


# -- replay -------------------------------------------------------------------------------------------------
class ReplayError(UserError, RuntimeError):
    pass


@dataclass
class ReplayResult:
    day: date
    dates: list[date]
    run: RunResult
    diffs: list[TableDiff]

    @property
    def differences(self) -> list[TableDiff]:
        return [d for d in self.diffs if not d.equal]

    def summary(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "replayed": [self.dates[0].isoformat(), self.dates[-1].isoformat()],
            "run_id": self.run.run_id,
            "tables": [{**asdict(d), "equal": d.equal} for d in self.diffs],
            "differences": [d.table for d in self.differences],
            "volatile_columns": sorted(VOLATILE_COLUMNS),
            "not_compared": sorted(RUN_LOG_TABLES) + ["nba_monitoring views"],
        }


def replay_dates(dev: Settings, day: date) -> list[date]:
    """The dates to rebuild so that ``day`` sees the same history as in dev: from the first date dev loaded
    (phase 1 success/degraded) through ``day``."""
    outcomes = history.phase_outcomes(dev, None, day)
    loaded = [d for d, phases in outcomes.items() if phases.get(1) in GOOD]
    first = min(loaded, default=day)
    return [first + timedelta(days=i) for i in range((day - first).days + 1)]


def reset_target(settings: Settings) -> None:
    """Remove a target's warehouse file, its dlt pipeline state and its model artifacts (the replay target
    starts from nothing)."""
    for path in (settings.duckdb_path, settings.duckdb_path.with_name(settings.duckdb_path.name + ".wal")):
        path.unlink(missing_ok=True)
    for folder in (
        *(settings.dlt_pipelines_dir / pipeline_name(settings, name) for name in PIPELINE_NAMES),
        settings.warehouse_dir / "models" / settings.target,
    ):
        shutil.rmtree(folder, ignore_errors=True)


def replay(settings: Settings, day: date, *, verbose: bool = False, console: Console | None = None) -> ReplayResult:
    """Rebuild the `test` target from ``settings``' landing area for ``replay_dates`` (one range run, its
    feeds written to the test target's exports_test/), then diff ``day``'s rows of every table against dev."""
    console = console or Console(stderr=True, soft_wrap=True)
    if settings.target != "dev":
        raise ReplayError(f"replay diffs the test target against dev, not {settings.target}")
    test = replace(
        settings,
        target="test",
        exports_dir=target_folder(settings.exports_dir, "test"),
        reports_dir=target_folder(settings.reports_dir, "test"),
    )  # the test target's own folders
    if not settings.duckdb_path.exists():
        raise ReplayError(f"no dev warehouse at {settings.duckdb_path}: nothing to compare with")
    dates = replay_dates(settings, day)
    console.print(f"replay: rebuilding the test target ({test.duckdb_path}) for {label(dates)}")
    with run_lock(test, share=True):
        reset_target(test)
        run = PipelineRunner(test, verbose=verbose, console=console).run(dates)
    if not run.ok:
        return ReplayResult(day, dates, run, [])
    with run_lock(settings):  # no dev run may write while it is read
        diffs = compare(checksums(settings, day), checksums(test, day))
    return ReplayResult(day, dates, run, diffs)
