"""The `nba-props` command line."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from core.contracts import Status
from core.errors import ExitCode, Interrupted, NoDataError, UsageError, UserError
from core.settings import TARGETS, Settings
from dbt_project.control import progress
from dbt_project.control.picks import best_bets, picks_table
from dbt_project.evaluate import EvalConfig
from dbt_project.evaluate import evaluate as run_evaluation
from dbt_project.monitoring.dashboard import write_dashboard
from dbt_project.monitoring.history import NEVER_LOADED
from dbt_project.monitoring.history import status as read_status
from dbt_project.publish.export import export_feeds
from ingestion.convert import convert_parquet
from ingestion.demo import generate_demo
from ingestion.demo.generator import DEMO_DAYS, DEMO_SEED, DEMO_START
from ingestion.live import ODDS_MODES, SOURCES, LiveFetchError, fetch_landing

console = Console(stderr=True, soft_wrap=True)


def fail(code: ExitCode, message: str) -> NoReturn:
    """The one error path: one line on stderr (markup in the message is printed as it is), the documented code."""
    console.print(f"[red]error:[/] {escape(message)}")
    raise typer.Exit(int(code))


def _os_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


class Commands(TyperGroup):
    """Every command runs inside one handler: expected failures (UserError and its kinds, OS errors, Ctrl-C)
    end as one line and an exit code of `ExitCode` (README "Exit codes"), never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            fail(exc.code, str(exc))
        except KeyboardInterrupt:
            fail(ExitCode.INTERRUPTED, "interrupted")
        except OSError as exc:  # a folder or file that cannot be read or written
            fail(ExitCode.FILESYSTEM, _os_message(exc))


# rich_markup_mode=None: help texts are printed as written ("[start, end]" is not markup)
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="nba-props: NBA player-prop predictions.",
    cls=Commands,
    rich_markup_mode=None,
)
landing_app = typer.Typer(no_args_is_help=True, help="Create or inspect landing areas.", rich_markup_mode=None)
app.add_typer(landing_app, name="landing")

MAX_RANGE_DAYS = 400

TargetOpt = Annotated[str, typer.Option("--target", "-t", help=f"Warehouse target: {', '.join(TARGETS)}.")]
LandingOpt = Annotated[Path | None, typer.Option(help="Landing directory (default ./landing).")]
WarehouseOpt = Annotated[Path | None, typer.Option(help="Directory of the DuckDB files (default ./warehouse).")]
ExportsOpt = Annotated[Path | None, typer.Option(help="Directory for JSON exports (default ./exports).")]
StartOpt = Annotated[str | None, typer.Option(help="First date of a range.")]
EndOpt = Annotated[str | None, typer.Option(help="Last date of a range (inclusive).")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show dbt's own log output.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
DataDirOpt = Annotated[Path, typer.Option(help="Folder with player_box_scores, games, props_points_lines .parquet.")]
LandingOutOpt = Annotated[Path, typer.Option(help="Landing directory to write.")]


def parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint=name) from None


def resolve_dates(day: str | None, start: str | None, end: str | None) -> list[date]:
    d, s, e = parse_date(day, "--date"), parse_date(start, "--start"), parse_date(end, "--end")
    if d is not None and (s is not None or e is not None):
        raise typer.BadParameter("give either --date or --start/--end, not both", param_hint="--date")
    if d is not None:
        return [d]
    if s is None or e is None:
        raise typer.BadParameter("give --date D, or both --start and --end", param_hint="--start/--end")
    if e < s:
        raise typer.BadParameter(f"--end {e} is before --start {s}", param_hint="--end")
    if (e - s).days >= MAX_RANGE_DAYS:
        raise typer.BadParameter(f"range of {(e - s).days + 1} days exceeds {MAX_RANGE_DAYS}", param_hint="--end")
    return [s + timedelta(days=i) for i in range((e - s).days + 1)]


def _settings(target: str, landing_dir: Path | None, warehouse_dir: Path | None, exports_dir: Path | None) -> Settings:
    if target not in TARGETS:
        raise typer.BadParameter(
            f"unknown target {target!r}; choose one of {', '.join(TARGETS)}", param_hint="--target"
        )
    try:
        return Settings.from_env(target, landing_dir=landing_dir, warehouse_dir=warehouse_dir, exports_dir=exports_dir)
    except ValueError as exc:  # e.g. a phase timeout that is not a number
        raise typer.BadParameter(str(exc)) from None


def _require_warehouse(settings: Settings) -> None:
    """Commands that read a target's warehouse: a missing file is 'nothing there yet', not a new empty file."""
    if not settings.duckdb_path.exists():
        raise NoDataError(
            f"no warehouse for target {settings.target} at {settings.duckdb_path}: run the pipeline "
            "first (nba-props run --date D, or make demo)"
        )


def _execute(
    settings: Settings,
    dates: list[date],
    verbose: bool,
    phases: tuple[int, ...] | None = None,
    allow_degraded: bool = False,
) -> None:
    # lazy: the runner pulls in dbt (seconds), for start-up time, not a cycle
    from dbt_project.control.runner import ALL_PHASES, PipelineRunner

    result = PipelineRunner(settings, verbose=verbose, console=console).run(
        dates, phases or ALL_PHASES, allow_degraded=allow_degraded
    )
    if not result.ok:
        failed = result.failed_phase
        fail(
            ExitCode.FAILED,
            f"run {result.run_id} FAILED after {result.seconds:.1f}s: "
            f"{failed.message if failed else 'monitoring failed'}",
        )
    degraded = [p for p in result.phases if p.status == Status.DEGRADED]
    if degraded:
        console.print(
            f"[yellow bold]run {result.run_id} succeeded, degraded[/] in {result.seconds:.1f}s: "
            + escape("; ".join(f"phase {p.phase}: {p.message}" for p in degraded))
        )
        return
    console.print(f"[green bold]run {result.run_id} succeeded[/] in {result.seconds:.1f}s")


@app.command()
def run(
    day: Annotated[str | None, typer.Option("--date", help="Run all phases for one date (YYYY-MM-DD).")] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    target: TargetOpt = "dev",
    landing_dir: LandingOpt = None,
    warehouse_dir: WarehouseOpt = None,
    exports_dir: ExportsOpt = None,
    landing_url: Annotated[
        str | None,
        typer.Option(
            help="Replay from object storage (gs://bucket/prefix): the dates are mirrored into the "
            "landing directory first. Default: $NBA_PROPS_LANDING_URL."
        ),
    ] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run phases 1-6 for a date or a range of dates (a range runs each phase once over all its dates)."""
    dates = resolve_dates(day, start, end)
    settings = _settings(target, landing_dir, warehouse_dir, exports_dir)
    if landing_url:
        settings = replace(settings, landing_url=landing_url)
    _execute(settings, dates, verbose)


@app.command()
def predict(
    day: Annotated[str | None, typer.Option("--date", help="Predict one date (YYYY-MM-DD).")] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    allow_degraded: Annotated[
        bool,
        typer.Option(
            "--allow-degraded", help="Predict even where the P4->P5 gate failed (the run is recorded degraded)."
        ),
    ] = False,
    target: TargetOpt = "dev",
    warehouse_dir: WarehouseOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Phase 5 alone: predict (every system, every market) and grade. Refuses, exit 1, for dates whose latest
    phase 4 run failed the P4->P5 gate (or never ran), naming the failed checks."""
    dates = resolve_dates(day, start, end)
    _execute(_settings(target, None, warehouse_dir, None), dates, verbose, phases=(5,), allow_degraded=allow_degraded)


@app.command("export")
def export_cmd(
    day: Annotated[str, typer.Option("--date", help="Date whose feeds to write (phase 6 must have run).")],
    as_of: Annotated[
        str | None, typer.Option(help="Cut-off for the live feeds, ISO time (e.g. 2025-11-03T01:30:00Z); default now.")
    ] = None,
    target: TargetOpt = "dev",
    warehouse_dir: WarehouseOpt = None,
    exports_dir: ExportsOpt = None,
) -> None:
    """Write the six JSON feeds of a date again, e.g. live scores / live grading at a replay cut-off."""
    game_date = parse_date(day, "--date")
    cutoff = None
    if as_of:
        try:
            cutoff = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        except ValueError:
            raise typer.BadParameter(f"{as_of!r} is not an ISO time", param_hint="--as-of") from None
        cutoff = cutoff if cutoff.tzinfo else cutoff.replace(tzinfo=UTC)
    settings = _settings(target, None, warehouse_dir, exports_dir)
    _require_warehouse(settings)
    paths = export_feeds(settings, game_date, run_id=f"export_{game_date}", as_of=cutoff)
    typer.echo("\n".join(paths))


@app.command()
def picks(
    day: Annotated[str, typer.Option("--date", help="Game date whose best bets to show (YYYY-MM-DD).")],
    as_json: JsonOpt = False,
    target: TargetOpt = "dev",
    warehouse_dir: WarehouseOpt = None,
) -> None:
    """Tonight's best bets in the terminal: player, game, tip-off, market, side, line, best book and price,
    P(side), edge. Exit 1 when the date has no best bets (no predictions or no lines)."""
    game_date = parse_date(day, "--date")
    rows = best_bets(_settings(target, None, warehouse_dir, None), game_date)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    Console().print(picks_table(rows, game_date))


@app.command()
def dashboard(
    out: Annotated[Path | None, typer.Option(help="HTML file to write (default reports/dashboard.html).")] = None,
    target: TargetOpt = "dev",
    warehouse_dir: WarehouseOpt = None,
) -> None:
    """Write the pipeline-health dashboard: one static HTML page (plotly, works offline)."""
    settings = _settings(target, None, warehouse_dir, None)
    path = write_dashboard(settings, out or settings.reports_dir / "dashboard.html")
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


@app.command()
def status(
    as_json: JsonOpt = False,
    target: TargetOpt = "dev",
    warehouse_dir: WarehouseOpt = None,
) -> None:
    """Latest outcome and last successful date of every phase, recent degraded runs, stale sources."""
    settings = _settings(target, None, warehouse_dir, None)
    settings.duckdb_path  # noqa: B018 - a BigQuery target: UsageError naming what to use instead
    running = progress.current_run(settings)
    if running is not None:
        # a run holds the warehouse: its progress and the status recorded at the end of the last run, without
        # opening the DuckDB file (a reader's lock, even read-only, would stop the run's next write)
        info, as_of = progress.read_snapshot(settings), "the end of the last run"
    else:
        info, as_of = read_status(settings), None
    if as_json:
        typer.echo(json.dumps({**(info or {}), "running": running, "status_as_of": as_of or "now"}, indent=2))
        return
    out = Console()
    if running is not None:
        live = Table(
            title=f"run in progress: {running.get('run_id')} (pid {running.get('pid', '?')}, "
            f"dates {running.get('dates', '?')})"
        )
        for col in ("phase", "name", "status", "seconds", "message"):
            live.add_column(col)
        for phase, rec in sorted(running.get("phases", {}).items()):
            live.add_row(phase, rec["name"], rec["status"], f"{rec['seconds']:.1f}", escape(rec["message"] or "")[:80])
        out.print(live)
    if info is None:
        console.print("no status recorded before this run (the warehouse is held by the run; ask again after it)")
        return
    if as_of:
        console.print(f"[yellow]the warehouse is held by the run in progress: status as of {as_of}[/]")
    if not info["phases"]:
        console.print(f"no runs recorded in {escape(str(info['warehouse']))}")
        return
    table = Table(title=f"nba-props status ({info['target']}, {info['runs']} runs)")
    for col in ("phase", "name", "latest", "date", "last success", "message"):
        table.add_column(col)
    for p in info["phases"]:
        table.add_row(
            str(p["phase"]),
            p["name"],
            p["latest_status"],
            p["latest_date"],
            p["last_success_date"] or "-",
            escape((p["message"] or "")[:80]),
        )
    out.print(table)
    if info["degraded_runs"]:
        degraded = Table(title="recent degraded runs")
        for col in ("run", "phase", "dates", "finished", "message"):
            degraded.add_column(col)
        for d in info["degraded_runs"]:
            span = d["first_date"] if d["dates"] == 1 else f"{d['first_date']}..{d['last_date']}"
            degraded.add_row(
                d["run_id"], f"{d['phase']} {d['name']}", span, d["finished_at"], escape((d["message"] or "")[:80])
            )
        out.print(degraded)
    if info["stale_sources"]:
        stale = Table(title=f"stale sources (freshness check of run {info['stale_sources'][0]['run_id']})")
        for col in ("source", "status", "newest load", "age (h)"):
            stale.add_column(col)
        for src in info["stale_sources"]:  # never loaded: no load time, no age
            never = src["status"] == NEVER_LOADED
            stale.add_row(
                f"{src['source']}.{src['table']}",
                "never loaded" if never else src["status"],
                "never" if never else (src["max_loaded_at"] or "-"),
                f"{src['age_hours']:.1f}" if src["age_hours"] is not None else "-",
            )
        out.print(stale)


@app.command()
def backfill(
    start: Annotated[str, typer.Option(help="First date (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last date (inclusive).")],
    force: Annotated[bool, typer.Option("--force", help="Run complete dates again too.")] = False,
    chunk_days: Annotated[int, typer.Option(min=1, max=31, help="Dates per run (default 1: date by date).")] = 1,
    target: TargetOpt = "dev",
    landing_dir: LandingOpt = None,
    warehouse_dir: WarehouseOpt = None,
    exports_dir: ExportsOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run a range date by date (or in chunks), resumably: dates already complete (every phase 1-6 succeeded,
    nothing failed since) are skipped unless --force. Interrupted, rerun the same command to finish."""
    # lazy: imports the runner, which pulls in dbt (seconds), for start-up time, not a cycle
    from dbt_project.control.backfill import backfill as run_backfill

    dates = resolve_dates(None, start, end)
    settings = _settings(target, landing_dir, warehouse_dir, exports_dir)
    try:
        batch = run_backfill(settings, dates, force=force, chunk_days=chunk_days, verbose=verbose, console=console)
    except (KeyboardInterrupt, Interrupted):
        fail(ExitCode.INTERRUPTED, "backfill interrupted: rerun the same command to resume")
    ran = sum(len(r.dates) for r in batch.runs if r.ok)
    if not batch.ok:
        fail(
            ExitCode.FAILED,
            f"backfill FAILED at {batch.runs[-1].dates[0]}: {batch.runs[-1].message}; "
            f"{ran} date(s) run, {len(batch.skipped)} complete already, "
            f"{len(batch.not_attempted)} not attempted; fix the cause and rerun the same command "
            "to resume",
        )
    console.print(f"[green bold]backfill complete[/]: {ran} date(s) run, {len(batch.skipped)} complete already")


@app.command()
def heal(
    start: Annotated[str | None, typer.Option(help="First date to check (default: every known date).")] = None,
    end: Annotated[str | None, typer.Option(help="Last date to check (inclusive).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what needs a rerun.")] = False,
    as_json: JsonOpt = False,
    target: TargetOpt = "dev",
    landing_dir: LandingOpt = None,
    warehouse_dir: WarehouseOpt = None,
    exports_dir: ExportsOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Find dates with missing or failed phases (run history) or missing layers (landing files, raw rows,
    box scores, features, predictions without what follows from them) and rerun just those. Exit 1 when a
    rerun fails."""
    # lazy: imports the runner, which pulls in dbt (seconds), for start-up time, not a cycle
    from dbt_project.control.heal import heal as run_heal

    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first and last and last < first:
        raise typer.BadParameter(f"--end {last} is before --start {first}", param_hint="--end")
    settings = _settings(target, landing_dir, warehouse_dir, exports_dir)
    result = run_heal(settings, first, last, dry_run=dry_run, verbose=verbose, console=console)
    if as_json:
        typer.echo(json.dumps(result.summary(), indent=2))
    else:
        out = Console()
        if not result.findings:
            out.print("heal: nothing to heal")
        else:
            found = Table(title=f"heal: {len(result.dates)} date(s) need a rerun")
            for col in ("date", "rule", "what"):
                found.add_column(col)
            for f in result.findings:
                found.add_row(f.day.isoformat(), f.rule, escape(f.detail))
            out.print(found)
        for r in result.batch.runs if result.batch else []:
            state = "fixed" if r.ok else f"still failing: {r.message}"
            out.print(escape(f"heal: {', '.join(d.isoformat() for d in r.dates)} {state} (run {r.run_id})"))
        for d in result.batch.not_attempted if result.batch else []:
            out.print(f"heal: {d} not attempted (an earlier date failed)")
    if not result.ok:
        raise typer.Exit(int(ExitCode.FAILED))


@app.command()
def replay(
    day: Annotated[str, typer.Option("--date", help="Date to replay and compare (YYYY-MM-DD).")],
    as_json: JsonOpt = False,
    landing_dir: LandingOpt = None,
    warehouse_dir: WarehouseOpt = None,
    exports_dir: ExportsOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Rebuild the `test` target (own DuckDB file, test_ schemas) from the landing area for the dates dev ran
    up to DATE, then diff DATE's rows of every table against `dev`: row counts and order-independent checksums
    (volatile columns left out). Exit 1 on any difference."""
    # lazy: imports the runner, which pulls in dbt (seconds), for start-up time, not a cycle
    from dbt_project.control.replay import replay as run_replay

    game_date = parse_date(day, "--date")
    settings = _settings("dev", landing_dir, warehouse_dir, exports_dir)
    result = run_replay(settings, game_date, verbose=verbose, console=console)
    if not result.run.ok:
        failed = result.run.failed_phase
        fail(
            ExitCode.FAILED,
            f"replay run {result.run.run_id} FAILED: {failed.message if failed else 'monitoring failed'}",
        )
    if as_json:
        typer.echo(json.dumps(result.summary(), indent=2))
    else:
        table = Table(title=f"replay {game_date}: test vs dev ({len(result.differences)} different)")
        for col in ("table", "rows compared", "dev rows", "test rows", "checksum", "note"):
            table.add_column(col)
        for d in result.diffs:
            same = "[green]equal[/]" if d.equal else "[red]DIFFERENT[/]"
            table.add_row(
                d.table,
                d.rule,
                str(d.dev_rows if d.dev_rows is not None else "-"),
                str(d.test_rows if d.test_rows is not None else "-"),
                same,
                escape(d.note),
            )
        Console().print(table)
    if result.differences:
        fail(
            ExitCode.FAILED,
            f"replay: {len(result.differences)} table(s) differ: {', '.join(d.table for d in result.differences)}",
        )


@app.command()
def demo(
    days: Annotated[int, typer.Option(min=2, max=200, help="Days of season to generate.")] = DEMO_DAYS,
    seed: Annotated[int, typer.Option(help="Generator seed.")] = DEMO_SEED,
    target: TargetOpt = "dev",
    landing_dir: LandingOpt = None,
    warehouse_dir: WarehouseOpt = None,
    exports_dir: ExportsOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Generate the embedded demo season into the landing area and run every demo date end to end."""
    settings = _settings(target, landing_dir, warehouse_dir, exports_dir)
    manifest = generate_demo(settings.landing_dir, DEMO_START, days, seed)
    game_dates = [date.fromisoformat(d) for d in manifest["game_dates"]]
    console.print(f"generated {len(game_dates)} game days into {settings.landing_dir}: {manifest['counts']}")
    all_dates = [game_dates[0] + timedelta(days=i) for i in range((game_dates[-1] - game_dates[0]).days + 1)]
    _execute(settings, all_dates, verbose)
    board = write_dashboard(settings, settings.reports_dir / "dashboard.html")
    console.print(
        f"exports:   {settings.exports_dir}/<date>/{{predictions,best_bets,tonight,streaks,live_scores,"
        "live_grading}.json"
    )
    console.print(f"dashboard: {board}")
    if settings.is_duckdb:
        console.print(f"warehouse: {settings.duckdb_path}  (dbt target {settings.target})")


@app.command()
def evaluate(
    data_dir: DataDirOpt,
    start: Annotated[str, typer.Option(help="First game date scored (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last game date scored; nothing later is loaded.")],
    out: Annotated[Path, typer.Option(help="Result JSON; FILE.md and FILE_reliability.png are written beside it.")],
    work_dir: Annotated[Path, typer.Option(help="Landing + warehouse of the eval target (rebuilt each time).")] = Path(
        "eval_work"
    ),
    history_seasons: Annotated[int, typer.Option(min=0, max=5, help="Earlier seasons loaded for training.")] = 1,
) -> None:
    """Walk-forward evaluation on real data: replay DIR into the eval target, predict every date of the season
    with models trained only on earlier games, score games in [start, end] against the books' lines."""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if last < first:
        raise typer.BadParameter(f"--end {last} is before --start {first}", param_hint="--end")
    cfg = EvalConfig(
        data_dir=data_dir, start=first, end=last, out=out, work_dir=work_dir, history_seasons=history_seasons
    )
    result = run_evaluation(cfg, console=console)
    summary = {
        name: {k: s[k] for k in ("n", "mae", "mae_over_line", "n_picks", "hit_rate", "ece", "roi_at_price")}
        for name, s in result["systems"].items()
    }
    typer.echo(json.dumps({"book_line_mae": result["book_line_mae"], "systems": summary}, indent=2))
    console.print(f"wrote {out}, {result['report']}, {result['reliability_png']}")


@landing_app.command("demo")
def landing_demo(
    out: LandingOutOpt = Path("landing"),
    start: Annotated[str | None, typer.Option(help="First date (default 2025-10-21).")] = None,
    days: Annotated[int, typer.Option(min=2, max=200)] = DEMO_DAYS,
    seed: Annotated[int, typer.Option()] = DEMO_SEED,
) -> None:
    """Write the deterministic demo landing files (no pipeline run)."""
    first = parse_date(start, "--start") or DEMO_START
    try:
        manifest = generate_demo(out, first, days, seed)
    except FileExistsError as exc:  # a folder that holds something else: never written into
        raise UsageError(str(exc.strerror or exc)) from exc
    typer.echo(json.dumps({k: manifest[k] for k in ("start", "end", "counts")}, indent=2))


@landing_app.command("fetch")
def landing_fetch(
    day: Annotated[str | None, typer.Option("--date", help="Fetch one date (YYYY-MM-DD, US/Eastern).")] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="balldontlie, odds_api or nbacom; repeat for several (default: all three)."),
    ] = None,
    odds_mode: Annotated[str, typer.Option(help="auto (past dates historical), live or historical.")] = "auto",
    landing_dir: LandingOpt = None,
) -> None:
    """Live mode: fetch the providers' APIs into the landing area (load it with `nba-props run`)."""
    dates = resolve_dates(day, start, end)
    sources = tuple(dict.fromkeys(source or SOURCES))
    if bad := [s for s in sources if s not in SOURCES]:
        raise typer.BadParameter(
            f"unknown source {', '.join(bad)}; choose from {', '.join(SOURCES)}", param_hint="--source"
        )
    if odds_mode not in ODDS_MODES:
        raise typer.BadParameter(f"choose one of {', '.join(ODDS_MODES)}", param_hint="--odds-mode")
    settings = _settings("dev", landing_dir, None, None)
    try:
        result = fetch_landing(settings, dates, sources, odds_mode=odds_mode)
    except LiveFetchError as exc:
        if exc.result is not None:  # what was fetched before the failure, then the one error line
            typer.echo(json.dumps(exc.result.summary(), indent=2))
        fail(exc.code, f"fetch failed: {exc}")
    typer.echo(json.dumps(result.summary(), indent=2))
    console.print(f"fetched {len(result.files)} files into {settings.landing_dir}")


@landing_app.command("from-parquet")
def landing_from_parquet(
    data_dir: DataDirOpt,
    out: LandingOutOpt = Path("landing"),
    start: Annotated[str | None, typer.Option(help="First game date (default: the season's first).")] = None,
    end: Annotated[str | None, typer.Option(help="Last game date (default: the season's last).")] = None,
    season: Annotated[
        list[str] | None,
        typer.Option(help="Season to convert, as in the files' season column (default 2025-26); repeat for several."),
    ] = None,
) -> None:
    """Convert seasons held in parquet files into API-shaped landing files (no pipeline run)."""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first and last and last < first:
        raise typer.BadParameter(f"--end {last} is before --start {first}", param_hint="--end")
    try:
        manifest = convert_parquet(data_dir, out, first, last, sorted(season or ["2025-26"]))
    except FileExistsError as exc:  # a folder that holds something else: never written into
        raise UsageError(str(exc.strerror or exc)) from exc
    typer.echo(json.dumps({k: manifest[k] for k in ("start", "end", "counts", "skipped")}, indent=2))


def main() -> None:
    """The `nba-props` program. After Ctrl-C the run has recorded its outcome and closed its connections: the
    process ends at once with 130, so that no library's exit-time cleanup, still holding a late KeyboardInterrupt,
    turns the documented code into a death by SIGINT or prints a traceback under the one error line."""
    # multiprocessing's resource tracker (a child process, started by the ML libraries) takes its warning filters
    # from these options: after such an exit it would warn about the semaphores it then cleans up itself
    sys.warnoptions.append("ignore:resource_tracker:UserWarning")
    try:
        app()
    except SystemExit as done:
        if done.code == ExitCode.INTERRUPTED:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(ExitCode.INTERRUPTED))
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
