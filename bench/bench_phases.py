"""Benchmark: phases 2-4 on the real 2025-26 season (../shared/data), full build and one-day incremental.

    .venv/bin/python bench/bench_phases.py [--data-dir ../shared/data] [--out bench/results/phases.json]

Converts the real data into a temporary landing area, loads it (phase 1), then times:
  * a full build (`--full-refresh`) of phase 2, 3 and 4 (models and tests);
  * a one-day incremental build of phases 3 and 4 after reloading the last day (what a nightly run does);
and reports rows per model. Timings are wall-clock seconds of in-process dbt invocations (dbt's own start-up
of ~2.5 s per process is not included: the runner parses once per run). Not a test: figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dbt_project.dbt_invoker import Dbt  # noqa: E402
from dbt_project.settings import Settings  # noqa: E402
from dbt_project.warehouse import connect, row_counts  # noqa: E402
from ingestion.convert import convert_parquet  # noqa: E402
from ingestion.pipeline import load_landing  # noqa: E402

PHASE_SCHEMAS = ("nba_staging", "nba_analytics", "nba_precompute")


def _rows(settings: Settings) -> dict[str, int]:
    schemas = tuple(f"{settings.schema(s)}." for s in PHASE_SCHEMAS)
    with connect(settings, read_only=True) as con:
        return {table: n for table, n in row_counts(con).items() if table.startswith(schemas)}


def _timed_build(dbt: Dbt, selector: str, extra: list[str]) -> dict:
    started = time.perf_counter()
    outcome = dbt.build(selector, extra)
    seconds = time.perf_counter() - started
    if not outcome.success:
        raise SystemExit(f"{selector} failed: {outcome.summary()['failed'] or outcome.error}")
    return {
        "seconds": round(seconds, 2),
        "models": len(outcome.of_type("model")),
        "tests": len(outcome.of_type("test")),
        "sql_seconds": round(outcome.node_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "phases.json")
    args = parser.parse_args()
    if not args.data_dir.is_dir():
        raise SystemExit(f"real data not found at {args.data_dir}: pass --data-dir")

    with tempfile.TemporaryDirectory(prefix="nba-props-bench-") as tmp:
        base = Path(tmp)
        os.environ.setdefault("DBT_TARGET_PATH", str(base / "target"))
        os.environ.setdefault("DBT_LOG_PATH", str(base / "logs"))
        t0 = time.perf_counter()
        manifest = convert_parquet(args.data_dir, base / "landing")
        convert_seconds = time.perf_counter() - t0
        dates = [date.fromisoformat(d) for d in manifest["game_dates"]]
        settings = Settings(
            target="test", landing_dir=base / "landing", warehouse_dir=base / "warehouse", exports_dir=base / "x"
        )
        t0 = time.perf_counter()
        loaded = load_landing(settings, dates)
        load_seconds = time.perf_counter() - t0

        dbt = Dbt(settings)
        t0 = time.perf_counter()
        dbt.parse()
        parse_seconds = time.perf_counter() - t0
        full = {p: _timed_build(dbt, p, ["--full-refresh"]) for p in ("phase2", "phase3", "phase4")}
        rows_full = _rows(settings)

        # the nightly case: the last day arrives again (late corrections), phases 3-4 build incrementally
        load_landing(settings, dates[-1:])
        extra = ["--vars", json.dumps({"rebuild_from": dates[-1].isoformat()})]
        incremental = {p: _timed_build(dbt, p, extra) for p in ("phase3", "phase4")}
        rows_incremental = _rows(settings)

    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "data": {"dates": f"{dates[0]}..{dates[-1]}", "game_dates": len(dates), "raw_rows": loaded.rows},
        "convert_seconds": round(convert_seconds, 2),
        "load_seconds": round(load_seconds, 2),
        "parse_seconds": round(parse_seconds, 2),
        "full_build": full,
        "full_build_seconds_phase2_4": round(sum(v["seconds"] for v in full.values()), 2),
        "one_day_incremental": incremental,
        "one_day_incremental_seconds_phase3_4": round(sum(v["seconds"] for v in incremental.values()), 2),
        "rows": rows_full,
        "rows_changed_by_incremental": {k: v for k, v in rows_incremental.items() if rows_full.get(k) != v},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
