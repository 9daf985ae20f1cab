"""Benchmark (`make bench`): one real season end to end, the nightly run, the demo, memory and scaling.

    .venv/bin/python benchmarks/bench_pipeline.py [--data-dir ../shared/data] [--season 2024-25]
        [--baseline ../before] [--suite] [--no-scaling] [--no-demo]
        [--work-dir benchmarks/results/work] [--out-dir benchmarks/results] [--keep-work]

Writes ``<out-dir>/latest.json`` (every figure) and ``<out-dir>/latest.md`` (the table: metric | before | after |
goal | met?). Goals are computed, never asserted: the script exits 0 whether they are met or not. With
``--baseline`` another checkout (its own ``.venv``; e.g. ``git worktree add ../before <rev>``, then ``make
install`` there) runs the same scenarios first, so that before and after come from one run on one machine.

What is measured (each run is its own process: the figures include Python start-up, imports and dbt's parse):

* ``full``: the season replayed on a fresh DuckDB warehouse with the product's own command for a season,
  ``nba-props run --start <first game date> --end <last game date>`` (one range run: every phase 1-6 once
  over every calendar day, phase 5 date by date inside it).
* ``daily``: then the nightly job for the last date, ``nba-props run --date <last>`` (its landing files
  loaded again, phases 1-6 for that date, incremental models rebuilt from it), with the week's saved models.
* ``daily_retrain``: the same after removing that week's xgboost models: what the one night a week that
  retrains costs.
* ``phase5_again``: after the full run, phase 5 once more over the season with every model saved: phase 5
  without xgboost training (the predictions it writes are the same).
* ``scaling``: three seasons (the real season and two copies of it shifted back 52 and 104 weeks with new game
  ids and seasons: synthetic history), phases 1-6 in one run over their game dates (`PipelineRunner.run`: the
  CLI's ranges stop at 400 days); over ``full``'s wall.
* ``demo``: ``nba-props demo`` (the pipeline of `make demo`, after the install) on fresh folders; the pipeline
  figure is the run's phases as the runner records them.
* ``--suite``: the test suite, ``python -m pytest -n auto --dist loadscope`` as `make test` runs it (lint excluded).
* peak memory: VmHWM of the run's process (read by the process itself at exit) and the largest sampled sum of
  RSS over it and its children.

Lines. The converter reads ``props_points_lines.parquet``, which holds no line before 2025-10-21. For dates it
does not cover, the lines of the history files (``props_history_player_threes``,
``props_history_player_points_rebounds_assists``) are added in a scratch copy under the work directory, with
home/away and the event id taken from ``games.parquet``'s schedule and the snapshot an hour before tip-off
where the file has none. For 2024-25 that gives real lines in two of the five markets (threes, PRA).
Nothing of the data is written outside the work directory (git-ignored; removed unless ``--keep-work``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from core.settings import Settings  # noqa: E402
from core.warehouse import connect  # noqa: E402
from dbt_project.evaluate import _days, eval_settings  # noqa: E402
from ingestion.convert import convert_parquet  # noqa: E402

BOX, GAMES, PROPS = "player_box_scores.parquet", "games.parquet", "props_points_lines.parquet"
HISTORY_PROPS = ("props_history_player_threes.parquet", "props_history_player_points_rebounds_assists.parquet")
SHIFT_DAYS = 364  # 52 weeks: a shifted season keeps its weekdays


# -- data -----------------------------------------------------------------------------------------------------
def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def prepare_data(data_dir: Path, out: Path) -> dict[str, Any]:
    """A scratch data directory for the converter: box scores and games as they are, and the props file
    with the history files' lines added for dates it has none of (see the module docstring)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in (BOX, GAMES):
        (out / name).unlink(missing_ok=True)
        (out / name).symlink_to((data_dir / name).resolve())
    src = {name: _sql_path(data_dir / name) for name in (GAMES, PROPS, *HISTORY_PROPS)}
    history = [n for n in HISTORY_PROPS if (data_dir / n).is_file()]
    parts = []
    for name in history:
        columns = {r[0] for r in duckdb.sql(f"describe select * from '{src[name]}'").fetchall()}
        commence = "h.commence_time" if "commence_time" in columns else "cast(null as timestamptz)"
        snapshot = "h.snapshot_utc" if "snapshot_utc" in columns else "cast(null as timestamptz)"
        parts.append(
            f"select h.game_date, {commence} as commence_time, h.home_team, h.away_team, h.player_name, "
            f"h.market, h.bookmaker, h.line, h.over_price, h.under_price, {snapshot} as snapshot_utc "
            f"from '{src[name]}' as h"
        )
    target = _sql_path(out / PROPS)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    if not parts:
        con.execute(f"copy (select * from '{src[PROPS]}') to '{target}' (format parquet)")
        return {"added_lines": {}}
    con.execute(f"""
        create temp table added as
        with history as ({" union all ".join(parts)}),
        uncovered as (
            select * from history
            where game_date not in (select distinct game_date from '{src[PROPS]}')
        ),
        schedule as (select game_date, home_team, away_team from '{src[GAMES]}'),
        oriented as (  -- home/away as the schedule has them (neutral sites differ between sources)
            select u.* replace (s.home_team as home_team, s.away_team as away_team)
            from uncovered as u inner join schedule as s
                on s.game_date = u.game_date
                and least(s.home_team, s.away_team) = least(u.home_team, u.away_team)
                and greatest(s.home_team, s.away_team) = greatest(u.home_team, u.away_team)
        ),
        tipoff as (
            select game_date, home_team, away_team, min(commence_time) as tip from oriented group by all
        )
        select
            o.game_date,
            coalesce(t.tip, cast(o.game_date as timestamp) + interval 23 hour) as commence_time,
            md5(concat_ws('|', o.game_date, o.home_team, o.away_team)) as event_id,
            o.home_team, o.away_team, o.player_name, o.market, o.bookmaker, o.line, o.over_price, o.under_price,
            coalesce(o.snapshot_utc, coalesce(t.tip, cast(o.game_date as timestamp) + interval 23 hour)
                     - interval 1 hour) as snapshot_utc,
            'bench: history file' as source
        from oriented as o left join tipoff as t using (game_date, home_team, away_team)
    """)
    con.execute(
        f"copy (select * from '{src[PROPS]}' union all by name select * from added) to '{target}' (format parquet)"
    )
    added = dict(con.execute("select market, count(*) from added group by 1 order by 1").fetchall())
    return {"added_lines": added, "from": history}


def shift_seasons(prepared: Path, season: str, copies: int, out: Path) -> list[str]:
    """Box scores, games and lines of ``season`` plus ``copies`` earlier synthetic seasons: the season shifted
    back k * 52 weeks, season label k years earlier, game ids k seasons earlier (the season is digits 4-5 of
    an NBA game id), player ids kept. Real games of those earlier seasons are replaced. Oldest first."""
    out.mkdir(parents=True, exist_ok=True)
    first = int(season[:4])
    labels = [f"{first - k}-{str(first - k + 1)[2:]}" for k in range(copies, -1, -1)]
    src = {name: _sql_path(prepared / name) for name in (BOX, GAMES, PROPS)}
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    shifts = " union all ".join(f"select {k} as k, '{labels[copies - k]}' as label" for k in range(copies + 1))

    start, end = con.execute(
        f"select min(game_date), max(game_date) from '{src[BOX]}' where season = ?", [season]
    ).fetchone()

    def shifted(name: str, columns: str) -> str:  # the regular season (the dates with box scores), shifted
        return f"""
            select r.* replace ({columns}) from '{src[name]}' as r cross join ({shifts}) as s
            where r.season = '{season}' and r.game_date between '{start}' and '{end}'
        """

    day = f"r.game_date - {SHIFT_DAYS} * s.k"
    game_id = (
        "case when r.game_id is null then null else lpad(cast(cast(r.game_id as bigint) - 100000 * s.k "
        "as varchar), 10, '0') end"
    )
    con.execute(f"""copy (
        {shifted(BOX, f"{day} as game_date, s.label as season, {game_id} as game_id")}
    ) to '{_sql_path(out / BOX)}' (format parquet)""")
    con.execute(f"""copy (
        select * from '{src[GAMES]}' where season not in ({", ".join(f"'{x}'" for x in labels)})
        union all by name
        {shifted(GAMES, f"{day} as game_date, s.label as season, {game_id} as game_id")}
    ) to '{_sql_path(out / GAMES)}' (format parquet)""")
    offset = f"interval {SHIFT_DAYS} day * s.k"
    con.execute(
        f"""copy (
        select r.* replace (r.game_date - {SHIFT_DAYS} * s.k as game_date,
                            r.commence_time - {offset} as commence_time,
                            r.snapshot_utc - {offset} as snapshot_utc,
                            r.event_id || case when s.k = 0 then '' else '-' || s.k end as event_id)
        from '{src[PROPS]}' as r cross join ({shifts}) as s
        where r.game_date between ? and ?
    ) to '{_sql_path(out / PROPS)}' (format parquet)""",
        [start, end],
    )
    return labels


# -- child processes --------------------------------------------------------------------------------------------
# The run's own process: its peak RSS is VmHWM at exit (ru_maxrss of a forked child can carry its parent's).
CHILD = """
import atexit, json, os, sys
def _peak():
    with open("/proc/self/status") as fh:
        hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    with open(os.environ["NBA_PROPS_BENCH_PEAK"], "w") as fh:
        json.dump({"vmhwm_kb": hwm}, fh)
atexit.register(_peak)
mode, args = sys.argv[1], json.loads(sys.argv[2])
if mode == "cli":
    sys.argv = ["nba-props", *args]
    from dbt_project.cli import app
    app()
else:
    from datetime import date
    from pathlib import Path
    from dbt_project.control.runner import PipelineRunner
    from core.settings import Settings
    settings = Settings(target=args["target"], **{k: Path(args[k]) for k in ("landing_dir", "warehouse_dir",
                                                                              "exports_dir")})
    result = PipelineRunner(settings).run([date.fromisoformat(d) for d in args["dates"]], args["phases"])
    sys.exit(0 if result.ok else 1)
"""


def _tree_rss_kb(root: int) -> tuple[int, int]:
    """Sum of VmRSS over ``root`` and its descendants (a snapshot of /proc), and how many processes."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    parents[int(entry.name)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier and pid not in tree]
        tree.update(frontier)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total, len(tree)


@dataclass
class Measured:
    label: str
    command: str
    wall_seconds: float
    returncode: int
    peak_rss_mb: float | None
    peak_tree_rss_mb: float
    max_processes: int
    load_before: list[float]
    load_after: list[float]
    load_1min_mean: float
    stderr_tail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("stderr_tail", "extra")}
        if self.returncode:
            out["stderr_tail"] = self.stderr_tail
        return {**out, **self.extra}


@dataclass(frozen=True)
class Checkout:
    """The code a scenario runs: this checkout, or the one given by --baseline (its own .venv)."""

    label: str
    root: Path

    @property
    def python(self) -> str:
        venv = self.root / ".venv" / "bin" / "python"
        return str(venv) if self.root != REPO and venv.is_file() else sys.executable


HERE = Checkout("after", REPO)


def run_child(label: str, mode: str, args: Any, work: Path, command: str, code: Checkout = HERE) -> Measured:
    """Run one pipeline run in its own process (the code of ``code``), sampling its process tree's RSS and the
    load average."""
    peak_file = work / f".peak-{label}.json"
    peak_file.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(code.root), os.environ.get("PYTHONPATH")])),
        "NBA_PROPS_BENCH_PEAK": str(peak_file),
        "NBA_PROPS_REPORTS_DIR": str(work / "reports"),
        "DBT_TARGET_PATH": str(work / "dbt_target"),
        "DBT_LOG_PATH": str(work / "dbt_logs"),
        "DO_NOT_TRACK": "1",
        "RUNTIME__DLT_TELEMETRY": "false",
    }
    print(f"[bench] {label}: {command}", file=sys.stderr, flush=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    log = (work / f"{label}.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [code.python, "-c", CHILD, mode, json.dumps(args)], cwd=code.root, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    samples = {"rss": 0, "procs": 0, "load": []}

    def sample() -> None:
        while proc.poll() is None:
            rss, procs = _tree_rss_kb(proc.pid)
            samples["rss"], samples["procs"] = max(samples["rss"], rss), max(samples["procs"], procs)
            samples["load"].append(os.getloadavg()[0])
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    returncode = proc.wait()
    wall = time.perf_counter() - started
    sampler.join()
    log.close()
    peak = json.loads(peak_file.read_text())["vmhwm_kb"] / 1024 if peak_file.is_file() else None
    tail = (work / f"{label}.log").read_text(errors="replace")[-3000:]
    load_after = [round(x, 2) for x in os.getloadavg()]
    measured = Measured(
        label,
        command,
        round(wall, 2),
        returncode,
        peak and round(peak, 1),
        round(samples["rss"] / 1024, 1),
        samples["procs"],
        load_before,
        load_after,
        round(sum(samples["load"]) / max(len(samples["load"]), 1), 2),
        tail,
    )
    print(
        f"[bench] {label}: {wall:.1f} s, rc {returncode}, peak RSS {measured.peak_rss_mb} MB",
        file=sys.stderr,
        flush=True,
    )
    return measured


# -- what the runner recorded ------------------------------------------------------------------------------------
def latest_run_id(settings: Settings) -> str:
    with connect(settings, read_only=True) as con:
        return con.execute(
            f"select run_id from {settings.schema('nba_monitoring')}.pipeline_run_history "
            "order by started_at desc limit 1"
        ).fetchone()[0]


def run_breakdown(settings: Settings, run_id: str) -> dict[str, Any]:
    """Per phase of one run: status, wall seconds (run history), dbt node seconds (dbt_node_results), Python
    step seconds (run history details) and what is left (dbt's own overhead, history writes, ...)."""
    monitoring = settings.schema("nba_monitoring")
    with connect(settings, read_only=True) as con:
        phases = con.execute(
            f"select phase, phase_name, any_value(status), any_value(duration_seconds), any_value(details) "
            f"from {monitoring}.pipeline_run_history where run_id = ? group by 1, 2 order by 1",
            [run_id],
        ).fetchall()
        nodes = dict(
            con.execute(
                f"select phase, sum(execution_seconds) from {monitoring}.dbt_node_results where run_id = ? group by 1",
                [run_id],
            ).fetchall()
        )
        counts = dict(
            con.execute(
                f"select phase, count(*) from {monitoring}.dbt_node_results where run_id = ? group by 1", [run_id]
            ).fetchall()
        )
    out: dict[str, Any] = {}
    for phase, name, status, seconds, details in phases:
        info = json.loads(details or "{}")
        python = float(info.get("python_seconds") or 0.0)
        node = float(nodes.get(phase, 0.0))
        out[f"{phase}_{name}"] = {
            "status": status,
            "seconds": round(seconds, 2),
            "dbt_node_seconds": round(node, 2),
            "dbt_nodes": counts.get(phase, 0),
            "python_seconds": round(python, 2),
            "other_seconds": round(seconds - node - python, 2),
        }
        if info.get("step_seconds"):  # phase 1: dlt's extract / normalize / load
            out[f"{phase}_{name}"]["dlt_step_seconds"] = info["step_seconds"]
    out["0_monitoring"] = {"dbt_node_seconds": round(float(nodes.get(0, 0.0)), 2), "dbt_nodes": counts.get(0, 0)}
    return out


def accounted_seconds(breakdown: dict[str, Any]) -> float:
    return sum(p.get("dbt_node_seconds", 0.0) + p.get("python_seconds", 0.0) for p in breakdown.values())


def predictions_checksum(settings: Settings) -> dict[str, Any]:
    """Exact (no rounding) order-independent checksums of what phase 5 writes, without run ids and times:
    two runs on the same data with the same code must agree bit for bit."""
    predictions = settings.schema("nba_predictions")
    tables = {
        "player_prop_predictions": "game_date, player_id, player_name, team_abbr, market, bookmaker, line, "
        "over_price, under_price, system, model_version, feature_version, predicted_value, prob_over, edge, "
        "recommendation, confidence",
        "model_registry": "system, model_version, market, feature_version, trained_through, n_train_rows, "
        "features, params, train_fingerprint, artifact_sha256",
    }
    out = {}
    with connect(settings, read_only=True) as con:
        for table, columns in tables.items():
            rows, total = con.execute(
                f"select count(*), coalesce(sum(hash({columns})), 0)::varchar from {predictions}.{table}"
            ).fetchone()
            out[table] = {"rows": rows, "hash_sum": total}
    return out


def forget_models(settings: Settings, day: date) -> int:
    """Remove the xgboost models ``day`` uses (registry rows and artifacts): the next run of it retrains."""
    from ml import store, xgb
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
                f"delete from {settings.schema('nba_predictions')}.{store.REGISTRY_TABLE} "
                "where system = ? and model_version = ? and market = ? and trained_through = ?",
                [system.name, system.model_version, market.key, through],
            )
    return removed


# -- scenarios ---------------------------------------------------------------------------------------------------
def _cli_args(settings: Settings, *extra: str, command: str = "run") -> list[str]:
    return [
        command,
        *extra,
        "--target",
        settings.target,
        "--landing-dir",
        str(settings.landing_dir),
        "--warehouse-dir",
        str(settings.warehouse_dir),
        "--exports-dir",
        str(settings.exports_dir),
    ]


def _convert(data: Path, settings: Settings, seasons: list[str], end: date | None) -> tuple[list[date], float]:
    shutil.rmtree(settings.warehouse_dir, ignore_errors=True)
    started = time.perf_counter()
    manifest = convert_parquet(data, settings.landing_dir, None, end, seasons)
    return [date.fromisoformat(d) for d in manifest["game_dates"]], time.perf_counter() - started


def _fresh(work: Path, name: str) -> Settings:
    shutil.rmtree(work / name, ignore_errors=True)
    return eval_settings(work / name)


def season_runs(data: Path, season: str, work: Path, code: Checkout = HERE) -> dict[str, Any]:
    """The full season (one range run), then the nightly run of its last date, warm and retraining."""
    settings = _fresh(work, f"season_{code.label}")
    with duckdb.connect() as con:
        last_box = con.execute(
            f"select max(game_date) from '{_sql_path(data / BOX)}' where season = ?", [season]
        ).fetchone()[0]
    dates, convert_seconds = _convert(data, settings, [season], last_box)
    first, last = dates[0], dates[-1]
    full = run_child(
        f"full_{code.label}",
        "cli",
        _cli_args(settings, "--start", first.isoformat(), "--end", last.isoformat()),
        work,
        f"nba-props run --start {first} --end {last}",
        code,
    )
    if full.returncode:
        raise SystemExit(f"full season run failed:\n{full.stderr_tail}")
    full_run = latest_run_id(settings)
    full_breakdown = run_breakdown(settings, full_run)
    checksum = predictions_checksum(settings)
    with connect(settings, read_only=True) as con:
        predicted = con.execute(
            f"select market, count(*), count(distinct game_date) from {settings.schema('nba_predictions')}"
            ".player_prop_predictions group by 1 order by 1"
        ).fetchall()
        slowest = con.execute(
            f"select phase, name, resource_type, round(execution_seconds, 3) from "
            f"{settings.schema('nba_monitoring')}.dbt_node_results where run_id = ? "
            "order by execution_seconds desc limit 10",
            [full_run],
        ).fetchall()
    # phase 5 once more over the season with every model saved: what phase 5 costs without xgboost training
    again = run_child(
        f"phase5_again_{code.label}",
        "runner",
        {
            "target": settings.target,
            "landing_dir": str(settings.landing_dir),
            "warehouse_dir": str(settings.warehouse_dir),
            "exports_dir": str(settings.exports_dir),
            "dates": [d.isoformat() for d in _days(first, last)],
            "phases": [5],
        },
        work,
        f"PipelineRunner.run(<{first}..{last}>, phases=[5]) with the saved models",
        code,
    )
    if again.returncode:
        raise SystemExit(f"phase 5 again failed:\n{again.stderr_tail}")
    again_breakdown = run_breakdown(settings, latest_run_id(settings))
    runs = {}
    for label in ("daily", "daily_retrain"):
        removed = forget_models(settings, last) if label == "daily_retrain" else 0
        measured = run_child(
            f"{label}_{code.label}",
            "cli",
            _cli_args(settings, "--date", last.isoformat()),
            work,
            f"nba-props run --date {last}" + (f" ({removed} xgboost models removed first)" if removed else ""),
            code,
        )
        if measured.returncode:
            raise SystemExit(f"{label} run failed:\n{measured.stderr_tail}")
        run_id = latest_run_id(settings)
        runs[label] = (measured, run_breakdown(settings, run_id), run_id)
    return {
        "season": season,
        "first_date": first.isoformat(),
        "last_date": last.isoformat(),
        "game_dates": len(dates),
        "calendar_days": (last - first).days + 1,
        "convert_seconds": round(convert_seconds, 2),
        "predictions_by_market": {m: {"rows": n, "dates": d} for m, n, d in predicted},
        "slowest_dbt_nodes": [list(r) for r in slowest],
        "full": {
            **full.as_dict(),
            "run_id": full_run,
            "phases": full_breakdown,
            "accounted_seconds": round(accounted_seconds(full_breakdown), 2),
            "checksums": checksum,
        },
        "phase5_again": {**again.as_dict(), "phases": again_breakdown, "checksums": predictions_checksum(settings)},
        **{
            label: {**m.as_dict(), "run_id": run_id, "phases": b, "accounted_seconds": round(accounted_seconds(b), 2)}
            for label, (m, b, run_id) in runs.items()
        },
        "checksums_after_daily": predictions_checksum(settings),
    }


def scaling_run(prepared: Path, season: str, work: Path, code: Checkout = HERE) -> dict[str, Any]:
    """Three seasons (the real one and two synthetic ones before it, see shift_seasons), phases 1-6 in one run
    over their game dates (the CLI's ranges stop at 400 days; the off-season days between have no landing
    files). Its wall over the full season's is the scaling ratio."""
    data = work / "data_3_seasons"
    labels = shift_seasons(prepared, season, 2, data)
    settings = _fresh(work, f"scaling_{code.label}")
    dates, _ = _convert(data, settings, labels, None)
    args = {
        "target": settings.target,
        "landing_dir": str(settings.landing_dir),
        "warehouse_dir": str(settings.warehouse_dir),
        "exports_dir": str(settings.exports_dir),
        "dates": [d.isoformat() for d in dates],
        "phases": [1, 2, 3, 4, 5, 6],
    }
    measured = run_child(
        f"scaling_3_{code.label}",
        "runner",
        args,
        work,
        f"PipelineRunner.run(<{len(dates)} game dates of {', '.join(labels)}>, phases 1-6)",
        code,
    )
    if measured.returncode:
        return {"error": measured.stderr_tail, "seasons": labels, **measured.as_dict()}
    return {
        "seasons": labels,
        "game_dates": len(dates),
        **measured.as_dict(),
        "phases": run_breakdown(settings, latest_run_id(settings)),
        "checksums": predictions_checksum(settings),
    }


def demo_run(work: Path, code: Checkout = HERE) -> dict[str, Any]:
    """`nba-props demo` (what `make demo` runs after the install) on fresh folders of the eval target; the
    pipeline figure is the run's own wall time as the runner records it (generation and dashboard excluded)."""
    settings = _fresh(work, f"demo_{code.label}")
    measured = run_child(f"demo_{code.label}", "cli", _cli_args(settings, command="demo"), work, "nba-props demo", code)
    if measured.returncode:
        raise SystemExit(f"demo failed:\n{measured.stderr_tail}")
    with connect(settings, read_only=True) as con:
        (seconds,) = con.execute(
            f"select sum(duration_seconds) from (select any_value(duration_seconds) as duration_seconds from "
            f"{settings.schema('nba_monitoring')}.pipeline_run_history group by run_id, phase)"
        ).fetchone()
    return {
        **measured.as_dict(),
        "pipeline_seconds": round(seconds, 2),
        "phases": run_breakdown(settings, latest_run_id(settings)),
        "checksums": predictions_checksum(settings),
    }


def suite_run(work: Path) -> dict[str, Any]:
    """The test suite as `make test` runs it (pytest -n auto --dist loadscope), lint excluded."""
    log = work / "suite.log"
    started = time.perf_counter()
    with log.open("w") as fh:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "auto", "--dist", "loadscope"],
            cwd=REPO,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    wall = time.perf_counter() - started
    tail = log.read_text(errors="replace").strip().splitlines()[-1:]
    return {"wall_seconds": round(wall, 1), "returncode": done.returncode, "summary": tail[0] if tail else ""}


def scenarios(prepared: Path, season: str, work: Path, code: Checkout, demo: bool, scaling: bool) -> dict[str, Any]:
    print(f"[bench] == {code.label}: {code.root}", file=sys.stderr, flush=True)
    out: dict[str, Any] = {"code": str(code.root), "git_commit": _git(code.root, "rev-parse", "HEAD")}
    out["git_dirty"] = bool(_git(code.root, "status", "--porcelain", "--untracked-files=no"))
    out["season"] = season_runs(prepared, season, work, code)
    out["demo"] = demo_run(work, code) if demo else None
    out["scaling"] = scaling_run(prepared, season, work, code) if scaling else None
    return out


# -- report ------------------------------------------------------------------------------------------------------
def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def machine() -> dict[str, Any]:
    def first_line(path: str, key: str) -> str | None:
        try:
            with open(path) as fh:
                return next((line.split(":", 1)[1].strip() for line in fh if line.startswith(key)), None)
        except OSError:
            return None

    versions = {}
    for package in ("duckdb", "dbt-core", "dbt-duckdb", "dlt", "xgboost", "scikit-learn", "pandas"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": first_line("/proc/cpuinfo", "model name"),
        "memory_total": first_line("/proc/meminfo", "MemTotal"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": _git(REPO, "rev-parse", "HEAD"),
        "git_dirty": bool(_git(REPO, "status", "--porcelain", "--untracked-files=no")),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


GOALS = {  # metric: (goal, how it is met) -- issue K's table
    "full_season_seconds": (60.0, "<="),
    "peak_rss_mb_full": (1024.0, "<="),
    "daily_seconds": (10.0, "<="),
    "daily_over_full": (0.05, "<="),
    "demo_pipeline_seconds": (40.0, "<="),
    "test_suite_seconds": (720.0, "<="),
    "scaling_3_over_1": (2.0, "<="),
}


def _met(metric: str, value: float | None) -> bool | None:
    if value is None or metric not in GOALS:
        return None
    goal, how = GOALS[metric]
    return value <= goal if how == "<=" else value >= goal


def metrics(side: dict[str, Any], suite: dict[str, Any] | None = None) -> dict[str, Any]:
    season, scaling, demo = side["season"], side.get("scaling"), side.get("demo")
    full, daily = season["full"], season["daily"]
    p5 = full["phases"]["5_predictions"]["seconds"]
    p5_saved = season["phase5_again"]["phases"]["5_predictions"]["seconds"]
    return {
        "full_season_seconds": full["wall_seconds"],
        "load_1min_mean_during_full": full["load_1min_mean"],  # the machine may be shared: context for the times
        "peak_rss_mb_full": full["peak_rss_mb"],
        "peak_tree_rss_mb_full": full["peak_tree_rss_mb"],
        "daily_seconds": daily["wall_seconds"],
        "daily_over_full": round(daily["wall_seconds"] / full["wall_seconds"], 4),
        "daily_retrain_seconds": season["daily_retrain"]["wall_seconds"],
        "peak_rss_mb_daily": daily["peak_rss_mb"],
        "demo_pipeline_seconds": demo["pipeline_seconds"] if demo else None,
        "demo_process_seconds": demo["wall_seconds"] if demo else None,
        "test_suite_seconds": suite["wall_seconds"] if suite else None,
        "scaling_3_season_seconds": scaling["wall_seconds"] if scaling and "error" not in scaling else None,
        "scaling_3_over_1": (
            round(scaling["wall_seconds"] / full["wall_seconds"], 3) if scaling and "error" not in scaling else None
        ),
        "phase5_full_seconds": p5,
        "phase5_with_saved_models_seconds": p5_saved,
        "xgboost_training_seconds_est": round(p5 - p5_saved, 2),
        "wall_over_node_time": round(full["wall_seconds"] / full["accounted_seconds"], 3),
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _phase_table(title: str, run: dict[str, Any]) -> list[str]:
    lines = [
        title,
        "",
        "| phase | status | wall | dbt nodes (sum) | Python step | other |",
        "|---|---|---|---|---|---|",
    ]
    for name, p in run["phases"].items():
        if "seconds" in p:
            lines.append(
                f"| {name} | {p['status']} | {_fmt(p['seconds'])} | {_fmt(p['dbt_node_seconds'])} "
                f"({p['dbt_nodes']}) | {_fmt(p['python_seconds'])} | {_fmt(p['other_seconds'])} |"
            )
    monitoring = run["phases"]["0_monitoring"]
    phases_total = sum(p.get("seconds", 0.0) for p in run["phases"].values())
    steps = next((p["dlt_step_seconds"] for p in run["phases"].values() if "dlt_step_seconds" in p), None)
    lines += [
        f"| monitoring build | - | - | {_fmt(monitoring['dbt_node_seconds'])} ({monitoring['dbt_nodes']}) | - | - |",
        "",
        f"Process wall {_fmt(run['wall_seconds'])} s = phases {_fmt(round(phases_total, 2))} s + start-up, "
        f"source freshness, monitoring build and alerts {_fmt(round(run['wall_seconds'] - phases_total, 2))} s."
        + (f" Phase 1's dlt steps: {', '.join(f'{k} {_fmt(v)} s' for k, v in steps.items())}." if steps else ""),
        "",
    ]
    return lines


def write_markdown(result: dict[str, Any], path: Path) -> None:
    info, after, before = result["machine"], result["after"], result.get("before")
    season = after["season"]
    lines = [
        f"# nba-props benchmark ({info['date']}, commit {info['git_commit'][:10]}"
        f"{' + local changes' if info['git_dirty'] else ''})",
        "",
        f"Season {season['season']} from `{result['data_dir']}`: {season['game_dates']} game dates, "
        f"{season['first_date']}..{season['last_date']}, DuckDB target `eval` on fresh warehouses. "
        f"Machine: {info['cpus']} CPUs ({info['cpu_model']}), {info['memory_total']}; load average at start "
        f"{', '.join(map(str, info['load_average_at_start']))}, at the end "
        f"{', '.join(map(str, result['load_average_at_end']))} (1, 5, 15 min; a shared machine makes timings noisy).",
        "",
        "Lines: `props_points_lines.parquet` has none before 2025-10-21; added from the history files for the "
        "dates it does not cover: "
        + (
            ", ".join(f"{m} {n:,}" for m, n in result["lines_added_from_history_files"]["added_lines"].items())
            or "none"
        )
        + " quotes.",
        "",
    ]
    if before:
        lines += [
            f"Before = `{before['code']}` at {before['git_commit'][:10]}, after = this checkout at "
            f"{after['git_commit'][:10]}{' + local changes' if after['git_dirty'] else ''}: the same scenarios, "
            "one after the other in this run.",
            "",
            "| metric | before | after | after / before | goal | met (after)? |",
            "|---|---|---|---|---|---|",
        ]
    else:
        lines += ["| metric | value | goal | met? |", "|---|---|---|---|"]
    for name, m in result["metrics"].items():
        goal = f"{GOALS[name][1]} {GOALS[name][0]:g}" if name in GOALS else "-"
        met = "-" if m["met"] is None else ("yes" if m["met"] else "**no**")
        if before:
            ratio = (
                _fmt(round(m["after"] / m["before"], 3))
                if isinstance(m["after"], (int, float)) and isinstance(m["before"], (int, float)) and m["before"]
                else "-"
            )
            lines.append(f"| {name} | {_fmt(m['before'])} | {_fmt(m['after'])} | {ratio} | {goal} | {met} |")
        else:
            lines.append(f"| {name} | {_fmt(m['after'])} | {goal} | {met} |")
    lines.append("")
    if result.get("suite"):
        lines += [f"Test suite (`python -m pytest`, after): {result['suite']['summary']}.", ""]
    if before:
        same = {
            scenario: _checksums(before, key)["player_prop_predictions"]
            == _checksums(after, key)["player_prop_predictions"]
            for scenario, key in (("full season", "season_full"), ("3 seasons", "scaling"), ("demo", "demo"))
            if _checksums(before, key) and _checksums(after, key)
        }
        lines += [
            "Predictions before and after (exact, order-independent checksum of every column phase 5 writes but "
            "run ids and times): "
            + ", ".join(f"{k} {'identical' if v else '**different**'}" for k, v in same.items())
            + ".",
            "",
        ]
    lines += _phase_table(
        f"Full season after, `{season['full']['command']}` (run {season['full']['run_id']}), per phase in seconds "
        "(dbt nodes: the sum of their execution times and how many; dbt runs 2 threads, so the sum can exceed the "
        "phase's wall and `other` = wall - nodes - Python step is then negative):",
        season["full"],
    )
    if before:
        lines += _phase_table("The same before:", before["season"]["full"])
    again = season["phase5_again"]
    same_again = again["checksums"]["player_prop_predictions"] == season["full"]["checksums"]["player_prop_predictions"]
    lines += [
        "What remains of the season run (after): phase 5 again over the season with every model saved (no "
        f"xgboost training) takes {_fmt(again['phases']['5_predictions']['seconds'])} s of phase 5's "
        f"{_fmt(season['full']['phases']['5_predictions']['seconds'])} s (predictions identical to the full run's: "
        f"{'yes' if same_again else '**no**'}); the slowest dbt nodes: "
        + ", ".join(f"{name} {_fmt(sec)} s (phase {ph})" for ph, name, _t, sec in season["slowest_dbt_nodes"][:6])
        + ".",
        "",
        "Predictions per market: "
        + ", ".join(f"{m} {v['rows']:,} rows on {v['dates']} dates" for m, v in season["predictions_by_market"].items())
        + ".",
        "",
        "Nightly run (`"
        + season["daily"]["command"]
        + "`): "
        + ", ".join(f"{k} {_fmt(v['seconds'])} s" for k, v in season["daily"]["phases"].items() if "seconds" in v)
        + (
            "; before: "
            + ", ".join(
                f"{k} {_fmt(v['seconds'])} s" for k, v in before["season"]["daily"]["phases"].items() if "seconds" in v
            )
            if before
            else ""
        )
        + ".",
        "",
    ]
    if after.get("scaling") and "error" in after["scaling"]:
        lines += [f"Scaling: the 3-season run failed: {after['scaling']['error'][-300:]}", ""]
    elif after.get("scaling"):
        s = after["scaling"]
        lines += [
            f"Scaling: `{s['command']}` (the two earlier seasons are the real one shifted back 52 and 104 weeks): "
            f"{_fmt(s['wall_seconds'])} s against the full season's {_fmt(season['full']['wall_seconds'])} s "
            f"(peak RSS {_fmt(s['peak_rss_mb'])} MB).",
            "",
        ]
    lines += ["Every figure, with the commands, load averages and checksums of the predictions: `latest.json`.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _checksums(side: dict[str, Any], key: str) -> dict[str, Any] | None:
    if key == "season_full":
        return side["season"]["full"].get("checksums")
    return (side.get(key) or {}).get("checksums")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--season", default="2024-25")
    parser.add_argument("--work-dir", type=Path, default=REPO / "benchmarks" / "results" / "work")
    parser.add_argument("--out-dir", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--no-scaling", action="store_true", help="Skip the 3-season run.")
    parser.add_argument(
        "--baseline-scaling",
        action="store_true",
        help="Run the 3-season run on the baseline too (it trains about 9 times the season's xgboost work).",
    )
    parser.add_argument("--no-demo", action="store_true", help="Skip `nba-props demo`.")
    parser.add_argument("--suite", action="store_true", help="Also time the test suite (pytest; minutes).")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="Another checkout (with its own .venv, e.g. `git worktree add ../before <rev>`) run first with the "
        "same scenarios: the table shows before and after from this one run.",
    )
    parser.add_argument("--keep-work", action="store_true", help="Keep the work directory (warehouses, logs).")
    parser.add_argument("--render", type=Path, help="Only write latest.md again from this latest.json.")
    args = parser.parse_args()
    if args.render:
        write_markdown(json.loads(args.render.read_text(encoding="utf-8")), args.out_dir / "latest.md")
        return
    if not re.fullmatch(r"\d{4}-\d{2}", args.season):
        raise SystemExit(f"--season {args.season!r}: expected e.g. 2024-25")
    if not (args.data_dir / BOX).is_file():
        raise SystemExit(f"skipped: no real data in {args.data_dir} (pass --data-dir)")
    if args.baseline and not (args.baseline / "benchmarks").is_dir():
        raise SystemExit(f"--baseline {args.baseline}: not a checkout of nba-props")
    work = args.work_dir.resolve()
    marker = work / ".nba-props-bench-work"  # the bench deletes only a work folder it made itself
    if work.exists() and any(work.iterdir()) and not marker.is_file():
        raise SystemExit(f"--work-dir {work} holds files the benchmark did not write: choose an empty or new folder")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    marker.write_text("nba-props bench\n", encoding="utf-8")
    info = machine()
    started = time.perf_counter()
    prepared = work / "data"
    lines = prepare_data(args.data_dir, prepared)
    before = (
        scenarios(
            prepared,
            args.season,
            work,
            Checkout("before", args.baseline.resolve()),
            not args.no_demo,
            args.baseline_scaling and not args.no_scaling,
        )
        if args.baseline
        else None
    )
    if before:
        (work / "before.json").write_text(json.dumps(before, indent=2, default=str) + "\n", encoding="utf-8")
    after = scenarios(prepared, args.season, work, HERE, not args.no_demo, not args.no_scaling)
    suite = suite_run(work) if args.suite else None
    after_metrics, before_metrics = metrics(after, suite), metrics(before) if before else {}
    result = {
        "machine": info,
        "data_dir": str(args.data_dir),
        "lines_added_from_history_files": lines,
        "metrics": {
            name: {
                "before": before_metrics.get(name),
                "after": value,
                "goal": f"{GOALS[name][1]} {GOALS[name][0]:g}" if name in GOALS else None,
                "met": _met(name, value),
            }
            for name, value in after_metrics.items()
        },
        "before": before,
        "after": after,
        "suite": suite,
        "bench_seconds": round(time.perf_counter() - started, 1),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "latest.json").write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    write_markdown(result, args.out_dir / "latest.md")
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    print((args.out_dir / "latest.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
