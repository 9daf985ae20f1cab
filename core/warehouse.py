"""Connections for the Python steps (predictions, run history, exports).

The dev and test targets are DuckDB files. Connections are short-lived: DuckDB admits one writing
process per file, so nothing here keeps a connection open while dbt or dlt run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from core.errors import BusyError, FileSystemError
from core.settings import Settings


class WarehouseError(BusyError, RuntimeError):
    """The DuckDB file is held by another process (DuckDB admits one writer)."""


_SHARED: dict[str, duckdb.DuckDBPyConnection] = {}


@contextmanager
def shared_connection(settings: Settings) -> Iterator[None]:
    """Within this block every `connect` to the same file reuses one read-write connection (opening a DuckDB
    file costs ~10 ms; a day's predictions make hundreds of small queries). Leave the block before dbt or
    dlt touch the file."""
    key = str(settings.duckdb_path)
    if key in _SHARED:
        yield
        return
    with connect(settings) as con:
        _SHARED[key] = con
        try:
            yield
        finally:
            del _SHARED[key]


@contextmanager
def connect(settings: Settings, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if settings.is_duckdb and str(settings.duckdb_path) in _SHARED:
        yield _SHARED[str(settings.duckdb_path)]
        return
    path = settings.duckdb_path  # a BigQuery target: UsageError, naming what to run instead
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():  # not another process: a folder or file that cannot be opened
            raise FileSystemError(f"cannot open {settings.duckdb_path}: {exc}") from exc
        raise WarehouseError(
            f"cannot open {settings.duckdb_path}: {exc}. Another nba-props or dbt process may be writing "
            "to it (DuckDB allows one writer); wait for it to finish."
        ) from exc
    try:
        con.execute("set TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in every base table of the warehouse, keyed schema.table (dlt's bookkeeping tables and its
    merge staging datasets excluded)."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_name not like '\\_dlt%' escape '\\' "
        "and table_schema not like '%\\_dlt\\_staging' escape '\\' "
        "order by 1, 2"
    ).fetchall()
    return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}
