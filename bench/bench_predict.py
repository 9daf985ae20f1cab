"""Benchmark: training + predicting one day's slate (every system, every market), time and peak memory.

    .venv/bin/python bench/bench_predict.py [--data-dir ../shared/data] [--date 2025-11-22]
                                             [--out bench/results/predict.json]

Set-up (not timed): the real data through --date is replayed like `nba-props evaluate` does (phases 1-4, then
phase 5 walk-forward for the season), so the slate has its full history of stored predictions (calibration,
stack). Then the models the slate uses (xgboost, one per market, trained through trained_through(date)) are
removed from the registry and from disk, and two fresh processes each run phase 5's `predict_date` for the
date:
  * cold: trains the 5 xgboost models, fits 5 stacks and predicts (what the first run of a week does);
  * warm: the same with the saved artifacts (what every other day of the week does).
Each reports wall seconds and the process's peak RSS (VmHWM). Not a test: figures only.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dbt_project.settings import Settings  # noqa: E402
from dbt_project.warehouse import connect  # noqa: E402

CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, {repo!r})
from dbt_project.settings import Settings
from ml.predict import predict_date
settings = Settings(target="eval", landing_dir=Path({landing!r}), warehouse_dir=Path({warehouse!r}),
                    exports_dir=Path({exports!r}))
settings.export_env()
started = time.perf_counter()
rows = predict_date(settings, date.fromisoformat({day!r}), "bench")
seconds = time.perf_counter() - started
# VmHWM: this process's peak RSS (ru_maxrss would carry the parent's peak across exec on Linux)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"seconds": round(seconds, 2), "rows": rows, "peak_rss_mb": round(hwm / 1024, 1)}}))
"""


def _child(settings: Settings, day: date) -> dict:
    code = CHILD.format(repo=str(REPO), landing=str(settings.landing_dir), warehouse=str(settings.warehouse_dir),
                        exports=str(settings.exports_dir), day=day.isoformat())
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"predict_date failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _forget_models(settings: Settings, day: date) -> int:
    """Remove the xgboost models the slate uses (registry rows and artifacts): the next run must train."""
    from ml import xgb
    from ml.markets import MARKETS
    from ml.systems import build_systems

    removed = 0
    for market in MARKETS.values():
        system = next(s for s in build_systems({}, market) if s.name == "xgboost")
        through = xgb.trained_through(day, system.retrain_days)
        folder = xgb.artifact_dir(settings, system, through)
        if folder.exists():
            shutil.rmtree(folder)
            removed += 1
        with connect(settings) as con:
            con.execute(
                f"delete from {settings.schema('nba_predictions')}.{xgb.REGISTRY_TABLE} "  # noqa: S608 (fixed names)
                "where system = ? and model_version = ? and market = ? and trained_through = ?",
                [system.name, system.model_version, market.key, through],
            )
    return removed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--date", type=date.fromisoformat, default=date(2025, 11, 22))
    parser.add_argument("--work-dir", type=Path, default=REPO / "bench" / "results" / "predict_work")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "predict.json")
    parser.add_argument("--reuse", action="store_true", help="Skip the set-up: reuse --work-dir's warehouse.")
    args = parser.parse_args()
    if not (args.data_dir / "player_box_scores.parquet").is_file():
        raise SystemExit(f"skipped: no real data in {args.data_dir} (see README: benchmarks)")

    from ml.evaluate import EvalConfig, replay

    started = time.perf_counter()
    cfg = EvalConfig(data_dir=args.data_dir, start=args.date, end=args.date, out=args.out, work_dir=args.work_dir)
    if args.reuse:
        work = args.work_dir.resolve()
        settings = Settings(target="eval", landing_dir=work / "landing", warehouse_dir=work / "warehouse",
                            exports_dir=work / "exports")
        info = {"reused": str(work)}
    else:
        settings, info = replay(cfg)
    setup_seconds = time.perf_counter() - started
    removed = _forget_models(settings, args.date)
    cold = _child(settings, args.date)
    warm = _child(settings, args.date)
    result = {
        "date": args.date.isoformat(),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "setup_seconds": round(setup_seconds, 1),
        "setup": info,
        "models_removed_before_cold_run": removed,
        "cold_train_and_predict": cold,
        "warm_predict_with_saved_models": warm,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: result[k] for k in ("date", "cold_train_and_predict", "warm_predict_with_saved_models")},
                     indent=2))


if __name__ == "__main__":
    main()
