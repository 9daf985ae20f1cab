"""The harness of the fault-injection suite (tests/faults/test_faults.py): copies of one baseline warehouse, snapshots
of every table, and the invariants every scenario asserts (``assert_no_loss_no_duplicates``, ``assert_blocked``).

A snapshot holds, per table, the multiset of row hashes over the columns replay compares (replay.row_hash:
volatile columns such as run and load ids and write times left out, floats at single precision) with the rows
and checksum replay would compute from them, the number of duplicated primary keys, the finished run-history
records and a digest of every export file. Primary
keys are derived, not listed: the error-severity ``unique`` / ``unique_combination`` tests of the dbt manifest
(models, seeds, sources), dlt's primary keys of the raw tables (its stored schemas) and the keys DuckDB declares.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from core.settings import PROJECT_DIR, SCHEMAS, Settings
from dbt_project.control.replay import TableSum, _compared_tables, checksums, compare, quote, row_hash
from dbt_project.control.runner import PipelineRunner, RunResult
from dbt_project.monitoring import history
from tests.support.env import Env, make_env


# -- workspaces ----------------------------------------------------------------------------------------------
def clone(env: Env, base: Path, landing: Path | None = None) -> Env:
    """A copy of ``env``'s warehouse (DuckDB file, dlt pipeline state, model artifacts), exports and landing area
    under ``base``; ``landing``: use that (e.g. an empty live landing area) instead of a copy."""
    base.mkdir(parents=True, exist_ok=True)
    shutil.copytree(env.settings.warehouse_dir, base / "warehouse")
    if env.settings.exports_dir.is_dir():
        shutil.copytree(env.settings.exports_dir, base / "exports")
    if landing is not None:
        landing.mkdir(parents=True, exist_ok=True)
        return make_env(base, landing, env.game_dates)
    return make_env(base, env.settings.landing_dir, env.game_dates, copy_landing=True)


def run(env: Env, dates: Sequence[date], phases: Sequence[int] = (1, 2, 3, 4, 5, 6), **kwargs: Any) -> RunResult:
    """The phase runner in-process (as `nba-props run` does, with a choice of phases)."""
    return PipelineRunner(env.settings).run(list(dates), phases, **kwargs)


def sql(env: Env, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
    with duckdb.connect(str(env.settings.duckdb_path)) as con:
        return con.execute(statement, list(params)).fetchall()


def recorded(settings: Settings, run_id: str) -> dict[tuple[date, int], tuple[str, str]]:
    """(date, phase) -> (status, message) that run history holds for one run."""
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        rows = con.execute(
            f"select run_date, phase, status, message from {settings.schema('nba_monitoring')}.{history.TABLE} "
            "where run_id = ?",
            [run_id],
        ).fetchall()
    return {(d, p): (s, m) for d, p, s, m in rows}


def latest_runs(settings: Settings, since: set[str]) -> list[str]:
    """Run ids in run history that are not in ``since``."""
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        ids = {
            r[0]
            for r in con.execute(
                f"select distinct run_id from {settings.schema('nba_monitoring')}.{history.TABLE}"
            ).fetchall()
        }
    return sorted(ids - since)


def subprocess_env(tmp: Path) -> dict[str, str]:
    """Environment of a child `nba-props` process: this checkout first on the path, its own dbt target folder
    (seeded with the session's partial parse so it does not parse the project from scratch)."""
    target = tmp / "dbt_target"
    target.mkdir(parents=True, exist_ok=True)
    session = Path(os.environ.get("DBT_TARGET_PATH", PROJECT_DIR / "target")) / "partial_parse.msgpack"
    if session.is_file():
        shutil.copy2(session, target / session.name)
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), os.environ.get("PYTHONPATH", "")]),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(tmp / "dbt_logs"),
    }


def spawn(args: Sequence[str], tmp: Path, log: Path) -> subprocess.Popen:
    """Start ``python args...`` in this checkout (``-c code ...`` or ``-m module ...``), output to ``log``."""
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, *args], cwd=PROJECT_DIR, env=subprocess_env(tmp), stdout=out, stderr=subprocess.STDOUT
        )


def crashing_connect(real: Callable[..., Any], crash: Callable[[], None]) -> Callable[..., Any]:
    """A stand-in for ml.store's ``connect`` whose connections call ``crash`` (raise, or kill the process) when
    the predictions are inserted: inside the write transaction, after the date's old rows were deleted."""

    class Connection:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self._con = con

        def execute(self, statement: str, *args: Any) -> Any:
            if statement.lstrip().startswith("insert into") and "player_prop_predictions" in statement:
                crash()
            return self._con.execute(statement, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._con, name)

    @contextmanager
    def connect(settings: Settings, read_only: bool = False) -> Iterator[Any]:
        with real(settings, read_only) as con:
            yield Connection(con)

    return connect


# -- primary keys ---------------------------------------------------------------------------------------------
def _logical(settings: Settings, schema: str) -> str | None:
    physical = {settings.schema(s): s for s in SCHEMAS}
    return physical.get(schema)


def _manifest_keys(settings: Settings) -> set[tuple[str, tuple[str, ...]]]:
    """(table, key columns) of every enabled error-severity unique / unique_combination test of the project."""
    path = settings.dbt_target_path / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    keys = set()
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        config = node.get("config") or {}
        if (
            node["resource_type"] != "test"
            or not config.get("enabled", True)
            or str(config.get("severity", "error")).lower() != "error"
        ):
            continue
        kwargs = meta.get("kwargs") or {}
        if meta.get("name") == "unique":
            columns = (kwargs["column_name"],)
        elif meta.get("name") == "unique_combination":
            columns = tuple(kwargs["columns"])
        else:
            continue
        assert not config.get("where"), f"{node['unique_id']}: a filtered key test is not supported here"
        parent = node["depends_on"]["nodes"][0]
        relation = manifest["nodes"].get(parent) or manifest["sources"][parent]
        logical = _logical(settings, relation["schema"])
        if logical:
            keys.add((f"{logical}.{relation.get('alias') or relation.get('identifier') or relation['name']}", columns))
    return keys


def _warehouse_keys(con: duckdb.DuckDBPyConnection, settings: Settings) -> set[tuple[str, tuple[str, ...]]]:
    """dlt's primary keys of the raw tables (latest stored version of each dlt schema) and DuckDB's declared
    primary / unique keys."""
    keys = set()
    raw = settings.schema("nba_raw")
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = '_dlt_version'", [raw]
    ).fetchone()[0]
    if exists:
        for (stored,) in con.execute(
            f"select schema from {quote(raw)}._dlt_version "
            "qualify row_number() over (partition by schema_name order by version desc) = 1"
        ).fetchall():
            for table, spec in json.loads(stored)["tables"].items():
                pk = tuple(c for c, col in (spec.get("columns") or {}).items() if col.get("primary_key"))
                if pk and not table.startswith("_dlt"):
                    keys.add((f"nba_raw.{table}", pk))
    for schema, table, columns in con.execute(
        "select schema_name, table_name, constraint_column_names from duckdb_constraints() "
        "where constraint_type in ('PRIMARY KEY', 'UNIQUE') and database_name = current_database()"
    ).fetchall():
        if logical := _logical(settings, schema):
            keys.add((f"{logical}.{table}", tuple(columns)))
    return keys


def _duplicates(
    con: duckdb.DuckDBPyConnection, settings: Settings, keys: Iterable[tuple[str, tuple[str, ...]]]
) -> dict[str, int]:
    """table (and key) -> key values held by more than one row; tables not in the warehouse are left out."""
    present = {
        f"{_logical(settings, s)}.{t}"
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = current_database()"
        ).fetchall()
        if _logical(settings, s)
    }
    found = {}
    for table, columns in sorted(keys):
        if table not in present:
            continue
        schema, name = table.split(".", 1)
        cols = ", ".join(quote(c) for c in columns)
        found[f"{table} ({', '.join(columns)})"] = con.execute(
            f"select count(*) from (select {cols} from {quote(settings.schema(schema))}.{quote(name)} "
            f"group by {cols} having count(*) > 1)"
        ).fetchone()[0]
    return found


# -- snapshots ------------------------------------------------------------------------------------------------
@dataclass
class Snapshot:
    sums: dict[str, TableSum]  # as replay.checksums: rows, checksum, columns per table
    rows: dict[str, Counter]  # row hash -> rows, over the same columns
    kinds: dict[str, str]  # BASE TABLE or VIEW
    columns: dict[str, tuple[str, ...]]  # every non-volatile column (the hashes may cover fewer)
    duplicates: dict[str, int]  # "table (key)" -> duplicated key values
    history: set[tuple]  # finished run-history records: (run_id, run_date, phase, status)
    exports: dict[str, str]  # export file (relative) -> sha256
    days: dict[date, dict[str, Any]] = field(default_factory=dict)  # per-date checksums, when asked for


def _row_multisets(
    settings: Settings, columns: Mapping[str, Sequence[str]] | None = None
) -> tuple[dict[str, Counter], dict[str, str], dict[str, tuple[str, ...]], dict[str, tuple]]:
    """Per table: a Counter of row hashes (replay.row_hash, over ``columns[table]`` where given), its kind
    (BASE TABLE, VIEW), the columns hashed and all its non-volatile columns."""
    out: dict[str, Counter] = {}
    kinds: dict[str, str] = {}
    hashed: dict[str, tuple[str, ...]] = {}
    every: dict[str, tuple[str, ...]] = {}
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for name, (schema, kind, cols) in sorted(_compared_tables(con, settings.schema_prefix).items()):
            expr, hashed[name] = row_hash(cols, None if columns is None or name not in columns else columns[name])
            every[name] = row_hash(cols)[1]
            table = f"{quote(schema)}.{quote(name.split('.', 1)[1])}"
            out[name] = Counter(dict(con.execute(f"select {expr}, count(*) from {table} group by 1").fetchall()))
            kinds[name] = kind
    return out, kinds, hashed, every


def _exports(settings: Settings) -> dict[str, str]:
    root = settings.exports_dir
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def snapshot(
    settings: Settings,
    *,
    days: Sequence[date] = (),
    columns: Mapping[str, Sequence[str]] | None = None,
    keys: Iterable[tuple[str, tuple[str, ...]]] | None = None,
) -> Snapshot:
    """Every compared table of the warehouse (see the module docstring); ``days``: also per-date checksums."""
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        all_keys = set(keys) if keys is not None else _manifest_keys(settings) | _warehouse_keys(con, settings)
        duplicates = _duplicates(con, settings, all_keys)
        runs = con.execute(
            f"select run_id, run_date, phase, status from {settings.schema('nba_monitoring')}.{history.TABLE} "
            "where status <> 'running'"
        ).fetchall()
    rows, kinds, hashed, every = _row_multisets(settings, columns)
    # replay.checksums' rows and checksum (the sum of the row hashes), from the multisets just read
    sums = {
        name: TableSum(sum(c.values()), str(sum(h * n for h, n in c.items())), "all rows", hashed[name])
        for name, c in rows.items()
    }
    return Snapshot(
        sums, rows, kinds, every, duplicates, set(runs), _exports(settings), {d: checksums(settings, d) for d in days}
    )


def _label(counter: Counter, limit: int = 3) -> str:
    return f"{sum(counter.values())} row(s), e.g. hashes {list(counter)[:limit]}"


def assert_no_loss_no_duplicates(
    before: Snapshot,
    after: Settings,
    *,
    grows: Iterable[str] = (),
    new_columns: Mapping[str, set[str]] | None = None,
    reference: Snapshot | None = None,
    replaced_on: date | None = None,
    planted: Mapping[str, int] | None = None,
) -> Snapshot:
    """The invariants of every fault scenario, ``before`` the fault against the warehouse of ``after`` now.

    * No table and no column is gone, and a new column appears only where ``new_columns`` says.
    * **0 rows lost**: every row of every table of ``before`` is still there (row-hash multisets over the columns
      the table had before). ``replaced_on``: a correction of that date: its rows may be replaced one for one
      (same count per table and date), every other date's rows are unchanged (replay.checksums per date).
    * Nothing else changed: tables gain rows only when ``grows`` names them (a table, a prefix such as
      ``nba_raw.``, or ``views``: every view, as views over raw tables grow with them); every other table has
      exactly the rows it had.
    * ``reference``: the tables equal that uninterrupted run's (replay.compare: rows and checksums).
    * **0 duplicates**: no primary key value is held by two rows, in any table or view with a key; ``planted``:
      "table (key)" -> the duplicated keys the scenario planted itself, which must be exactly those.
    * Run history lost nothing: every finished record of ``before`` is still there.
    Returns the snapshot of ``after``.
    """
    columns = {name: s.columns for name, s in before.sums.items()}
    now = snapshot(after, days=sorted(before.days), columns=columns)
    grows = tuple(grows)
    problems: list[str] = []
    for name in before.sums:
        if name not in now.sums:
            problems.append(f"{name}: table is gone")
            continue
        added_columns = set(now.columns[name]) - set(before.columns[name])
        missing_columns = set(before.columns[name]) - set(now.columns[name])
        if missing_columns:
            problems.append(f"{name}: columns gone: {sorted(missing_columns)}")
        if added_columns != set((new_columns or {}).get(name, set())):
            problems.append(f"{name}: new columns {sorted(added_columns)}, expected {(new_columns or {}).get(name)}")
        lost = before.rows[name] - now.rows[name]
        gained = now.rows[name] - before.rows[name]
        if replaced_on is not None and lost:
            if sum(lost.values()) != sum(gained.values()):
                problems.append(f"{name}: {_label(lost)} replaced by {sum(gained.values())}")
            lost = Counter()
            gained = Counter()
        if lost:
            problems.append(f"{name}: LOST {_label(lost)}")
        if gained and not any(name.startswith(g) or g == "views" and now.kinds[name] == "VIEW" for g in grows):
            problems.append(f"{name}: unexpected new rows: {_label(gained)}")
    if replaced_on is not None:
        assert before.days, "replaced_on needs a before snapshot with per-date checksums (snapshot(days=...))"
        for day, sums in before.days.items():
            for d in compare(sums, now.days[day]):
                if d.table not in before.sums:
                    continue
                if day != replaced_on and not d.equal or day == replaced_on and d.dev_rows != d.test_rows:
                    problems.append(
                        f"{d.table} on {day}: {d.dev_rows} -> {d.test_rows} rows, "
                        f"checksum {'equal' if d.dev_checksum == d.test_checksum else 'changed'}"
                    )
    if reference is not None:
        problems += [
            f"{d.table}: differs from the uninterrupted run ({d.dev_rows} vs {d.test_rows} rows; {d.note})"
            for d in compare(reference.sums, now.sums)
            if not d.equal
        ]
    expected = dict(planted or {})
    for key, n in now.duplicates.items():
        if n != expected.get(key, 0):
            problems.append(f"{key}: {n} duplicated key value(s), expected {expected.get(key, 0)}")
    problems += [f"{key}: planted duplicates not found" for key in expected if key not in now.duplicates]
    if lost_runs := before.history - now.history:
        problems.append(f"run history lost {len(lost_runs)} record(s), e.g. {sorted(lost_runs)[:2]}")
    assert not problems, "invariants broken:\n  " + "\n  ".join(problems)
    assert any(now.duplicates), "no table with a primary key was checked"
    return now


def assert_blocked(
    run_result: RunResult, settings: Settings, failed: int, day: date, before: Snapshot, message: str
) -> None:
    """A failed gate: the run failed (the CLI exits 1), phase ``failed`` is recorded failed with ``message`` in
    it, every later phase of the run is recorded skipped (in the result and in run history), and the date's
    exports are unchanged (nothing new, nothing removed, no temporary file)."""
    assert not run_result.ok  # what makes `nba-props run` exit 1
    phases = {p.phase: p for p in run_result.phases if p.phase}
    assert phases[failed].status == "failed" and message in phases[failed].message, phases[failed].message
    later = [p for p in phases if p > failed]
    assert later and all(phases[p].status == "skipped" for p in later), {p: phases[p].status for p in phases}
    history_rows = recorded(settings, run_result.run_id)
    assert history_rows[day, failed][0] == "failed" and message in history_rows[day, failed][1]
    assert all(history_rows[day, p][0] == "skipped" for p in later), history_rows
    exports = {k: v for k, v in _exports(settings).items() if k.startswith(f"{day.isoformat()}/")}
    assert exports == {k: v for k, v in before.exports.items() if k.startswith(f"{day.isoformat()}/")}
