"""Operations on top of the phase runner: resumable backfills, healing of missing or failed dates, and replays
into the `test` target diffed against `dev` (README "Operations").

* **Complete date** (``history.is_complete``): the latest run-history record of each phase 1-6 for the date is
  success or degraded. A failure, a skip or a 'running' row (a run killed part way) recorded after the last
  success makes the date incomplete again.
* **backfill** runs the dates of a range in order, one chunk (default one date) per runner run, and skips the
  complete ones unless forced. Interrupted (SIGINT, SIGKILL), it is rerun with the same arguments: the killed
  run's dates are incomplete and run again, and every layer is idempotent (merge loads, incremental rebuilds
  from the run's first date, predictions replaced per date), so the tables end as after an uninterrupted
  backfill.
* **heal** finds dates with missing or failed phases in run history, and dates whose data says a layer is
  missing (``HEAL_RULES``), and reruns just those dates.
* **replay** rebuilds the `test` target from the landing area for the dates dev has run up to the date and
  compares the date's rows of every table with dev's (``compare``): row counts and an order-independent
  checksum of the rows over the non-volatile columns.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.contracts import GOOD, PIPELINE_PHASES
from core.errors import UserError
from core.settings import SCHEMAS, Settings, target_folder
from core.warehouse import connect, table_exists
from dbt_project.control.runner import PipelineRunner, RunResult, run_lock
from dbt_project.monitoring import history

# -- what replay and the test suite compare ------------------------------------------------------------------
# Columns whose values differ between two runs of the same data by design: run ids, load ids and load / write
# times, dlt's row ids, and where a model artifact was written. Left out of every checksum.
VOLATILE_COLUMNS = frozenset({
    "run_id", "created_at", "_dlt_load_id", "_dlt_id", "loaded_at", "loaded_at_id", "inserted_at",
    "rejected_at", "last_rejected_at", "resolved_at", "trained_at", "artifact_path",
})
# Append-only logs of the runs themselves (and every nba_monitoring view, which reads them): never compared.
RUN_LOG_TABLES = frozenset({
    "nba_monitoring.pipeline_run_history", "nba_monitoring.dbt_node_results", "nba_monitoring.dlt_load_info",
    "nba_monitoring.source_freshness",
})
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


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _day_filter(columns: dict[str, str], staging: str) -> tuple[str, str] | None:
    """SQL filter (one `?`: the date) and its description for the rows of one date: rows loaded from the date's
    landing files, else the date column, else the date's games; None: the table has no date key."""
    for col in ("_source_file", "source_file"):
        if col in columns:  # landing files are <source>/<YYYY-MM-DD>/<file>
            return f"split_part({_quote(col)}, '/', 2) = cast(cast(? as date) as varchar)", f"{col} <source>/D/*"
    for col in ("game_date", "cache_date", "landing_date"):
        if col in columns:
            return f"try_cast({_quote(col)} as date) = cast(? as date)", f"{col} = D"
    if "trained_through" in columns:  # the models a date up to D could have used
        return "trained_through < cast(? as date)", "trained_through < D"
    if "nba_game_id" in columns:
        return (f"nba_game_id in (select nba_game_id from {staging}.stg_nbacom__schedule "
                "where game_date = cast(? as date))", "nba_game_id of D's games")
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
        f"coalesce(cast(try_cast({_quote(c)} as float) as double), {_quote(c)}) + 0.0"
        if columns[c].upper() in FLOAT_TYPES else _quote(c)
        for c in kept
    ]
    return (f"hash({', '.join(exprs)})" if exprs else "0"), kept


def checksums(settings: Settings, day: date | None = None) -> dict[str, TableSum]:
    """Rows and an order-independent checksum (sum of a 64-bit hash per row over the non-volatile columns)
    of every compared table of ``settings``' warehouse, keyed by logical name (schema without test_). Given
    ``day``, only that date's rows (``_day_filter``); tables without any date key are compared whole."""
    prefix = settings.schema_prefix
    staging = _quote(settings.schema("nba_staging"))
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
                f"from {_quote(schema)}.{_quote(name.split('.', 1)[1])}{where}",
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
        return (not self.note and self.dev_rows == self.test_rows and self.dev_checksum == self.test_checksum)


def compare(left: dict[str, TableSum], right: dict[str, TableSum]) -> list[TableDiff]:
    """Table by table: rows and checksums of ``left`` (dev) against ``right`` (test)."""
    diffs = []
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name), right.get(name)
        note = "only in dev" if b is None else "only in test" if a is None else ""
        if a is not None and b is not None and a.columns != b.columns:
            only_a, only_b = sorted(set(a.columns) - set(b.columns)), sorted(set(b.columns) - set(a.columns))
            note = f"columns differ (dev only: {only_a}, test only: {only_b})"
        diffs.append(TableDiff(name, (a or b).rule, a and a.rows, b and b.rows, a and a.checksum,
                               b and b.checksum, note))
    return diffs


# -- completeness -------------------------------------------------------------------------------------------
def incomplete_phases(phases: dict[int, str]) -> dict[int, str]:
    """phase -> latest status (or 'never ran') of the phases 1-6 that are not success/degraded."""
    return {p: phases.get(p, "never ran") for p in PIPELINE_PHASES if phases.get(p) not in GOOD}


def complete_dates(settings: Settings, dates: Sequence[date]) -> set[date]:
    if not dates:
        return set()
    outcomes = history.phase_outcomes(settings, min(dates), max(dates))
    return {d for d in dates if history.is_complete(outcomes.get(d, {}))}


# -- running dates ------------------------------------------------------------------------------------------
@dataclass
class DateRun:
    dates: list[date]
    run_id: str
    ok: bool
    seconds: float
    message: str


@dataclass
class BatchResult:
    requested: list[date]
    skipped: list[date] = field(default_factory=list)  # complete already
    runs: list[DateRun] = field(default_factory=list)
    not_attempted: list[date] = field(default_factory=list)  # after a failure

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.runs)

    def summary(self) -> dict[str, Any]:
        return {
            "requested": len(self.requested), "skipped_complete": [d.isoformat() for d in self.skipped],
            "runs": [{**asdict(r), "dates": [d.isoformat() for d in r.dates]} for r in self.runs],
            "not_attempted": [d.isoformat() for d in self.not_attempted], "ok": self.ok,
        }


def _chunks(dates: Sequence[date], size: int) -> Iterable[list[date]]:
    for i in range(0, len(dates), size):
        yield list(dates[i:i + size])


def _label(dates: Sequence[date]) -> str:
    return dates[0].isoformat() if len(dates) == 1 else f"{dates[0]}..{dates[-1]}"


def _run_message(result: RunResult) -> str:
    failed = result.failed_phase
    if result.ok:
        return "complete"
    return failed.message if failed else "monitoring views failed"


def run_dates(settings: Settings, dates: Sequence[date], todo: Sequence[date], *, chunk_days: int = 1,
              verbose: bool = False, console: Console | None = None, title: str = "backfill") -> BatchResult:
    """Run ``todo`` (a subset of ``dates``, in date order) chunk by chunk with one runner (dbt parses once),
    with a progress bar over ``dates``; stops at the first failed run. The caller holds the run lock."""
    console = console or Console(stderr=True, soft_wrap=True)
    pending = set(todo)
    batch = BatchResult(list(dates), skipped=[d for d in dates if d not in pending])
    runner = PipelineRunner(settings, verbose=verbose, console=console)
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=False)
    chunks = list(_chunks(sorted(todo), max(chunk_days, 1)))
    with progress:
        task = progress.add_task(title, total=len(dates), completed=len(batch.skipped))
        for i, chunk in enumerate(chunks):
            progress.update(task, description=f"{title} {_label(chunk)}")
            started = time.perf_counter()
            result = runner.run(chunk)
            run = DateRun(chunk, result.run_id, result.ok, round(time.perf_counter() - started, 1),
                          _run_message(result))
            batch.runs.append(run)
            if not run.ok:
                console.print(f"{title}: {_label(chunk)} [red]FAILED[/] (run {run.run_id}): {escape(run.message)}")
                batch.not_attempted = [d for c in chunks[i + 1:] for d in c]
                break
            progress.advance(task, len(chunk))
            done = len(batch.skipped) + sum(len(r.dates) for r in batch.runs)
            console.print(f"{title}: {_label(chunk)} complete (run {run.run_id}, {run.seconds:.1f}s) "
                          f"[{done}/{len(dates)}]")
    return batch


def backfill(settings: Settings, dates: Sequence[date], *, force: bool = False, chunk_days: int = 1,
             verbose: bool = False, console: Console | None = None) -> BatchResult:
    """Run every date of ``dates`` that is not complete (all of them with ``force``), in order."""
    console = console or Console(stderr=True, soft_wrap=True)
    with run_lock(settings, share=True):  # held across the runs: no other run slips in between two dates
        done = set() if force else complete_dates(settings, dates)
        todo = [d for d in dates if d not in done]
        if done:
            console.print(f"backfill: skipping {len(done)} complete date(s): "
                          f"{', '.join(d.isoformat() for d in sorted(done))}")
        if not todo:
            console.print("backfill: every date is complete (--force runs them again)")
            return BatchResult(list(dates), skipped=sorted(done))
        return run_dates(settings, dates, todo, chunk_days=chunk_days, verbose=verbose, console=console)


# -- heal ---------------------------------------------------------------------------------------------------
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
    tables = [r[0] for r in con.execute(
        "select table_name from information_schema.columns where table_schema = ? and column_name = '_source_file' "
        "and table_name not like '\\_dlt%' escape '\\'", [raw]).fetchall()]
    found: set[date] = set()
    for table in tables:
        found |= {r[0] for r in con.execute(
            f"select distinct try_cast(split_part(_source_file, '/', 2) as date) from {_quote(raw)}.{_quote(table)}"
        ).fetchall() if r[0] is not None}
    return found


def _data_findings(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Finding]:
    """The layer checks of HEAL_RULES (analytics, features, predictions), over all dates. Features and
    predictions are checked against nba_precompute.prediction_slate (the slate the gate and phase 5 read)."""
    staging, analytics = settings.schema("nba_staging"), settings.schema("nba_analytics")
    precompute, predictions = settings.schema("nba_precompute"), settings.schema("nba_predictions")
    have = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    findings: list[Finding] = []
    if (staging, "stg_balldontlie__player_box_scores") in have:
        built = (f"select game_date, count(distinct game_id) as n from {analytics}.player_game_summary group by 1"
                 if (analytics, "player_game_summary") in have else
                 "select cast(null as date) as game_date, 0 as n where false")
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
            findings.append(Finding(day, "analytics", f"{raw_n} games with box scores, {built_n} in "
                                                      "player_game_summary"))
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
            findings.append(Finding(day, "features", f"{players} players with lines and earlier games, no "
                                                     "feature rows"))
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
                findings.append(Finding(day, "predictions", f"{players} players with features and lines, no "
                                                            "predictions"))
    return findings


def _describe(phases: dict[int, str]) -> str:
    missing = incomplete_phases(phases)
    by_status: dict[str, list[int]] = {}
    for phase, state in missing.items():
        by_status.setdefault(state, []).append(phase)
    return "; ".join(f"phase{'s' if len(p) > 1 else ''} {', '.join(map(str, p))} {state}"
                     for state, p in by_status.items())


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


def heal(settings: Settings, start: date | None = None, end: date | None = None, *, dry_run: bool = False,
         verbose: bool = False, console: Console | None = None) -> HealResult:
    """Find the dates needing a rerun (``scan``) and rerun them, oldest first, one date per run."""
    console = console or Console(stderr=True, soft_wrap=True)
    with run_lock(settings, share=True):
        result = HealResult(scan(settings, start, end))
        if dry_run or not result.findings:
            return result
        result.batch = run_dates(settings, result.dates, result.dates, verbose=verbose, console=console,
                                 title="heal")
    return result


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
    from ingestion.pipeline import PIPELINE_NAME

    for folder in (settings.warehouse_dir / ".dlt_pipelines" / f"{PIPELINE_NAME}_{settings.target}",
                   settings.warehouse_dir / "models" / settings.target):
        shutil.rmtree(folder, ignore_errors=True)


def replay(settings: Settings, day: date, *, verbose: bool = False, console: Console | None = None) -> ReplayResult:
    """Rebuild the `test` target from ``settings``' landing area for ``replay_dates`` (one range run, its
    feeds written to the test target's exports_test/), then diff ``day``'s rows of every table against dev."""
    console = console or Console(stderr=True, soft_wrap=True)
    if settings.target != "dev":
        raise ReplayError(f"replay diffs the test target against dev, not {settings.target}")
    test = replace(settings, target="test", exports_dir=target_folder(settings.exports_dir, "test"),
                   reports_dir=target_folder(settings.reports_dir, "test"))  # the test target's own folders
    if not settings.duckdb_path.exists():
        raise ReplayError(f"no dev warehouse at {settings.duckdb_path}: nothing to compare with")
    dates = replay_dates(settings, day)
    console.print(f"replay: rebuilding the test target ({test.duckdb_path}) for {_label(dates)}")
    with run_lock(test, share=True):
        reset_target(test)
        run = PipelineRunner(test, verbose=verbose, console=console).run(dates)
    if not run.ok:
        return ReplayResult(day, dates, run, [])
    with run_lock(settings):  # no dev run may write while it is read
        diffs = compare(checksums(settings, day), checksums(test, day))
    return ReplayResult(day, dates, run, diffs)
