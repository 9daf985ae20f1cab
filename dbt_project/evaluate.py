"""`nba-props evaluate`: an honest walk-forward evaluation on real data.

1. The seasons of the scoring window (and ``history_seasons`` before it) in DIR's parquet files are converted
   into a landing area, cut at the window's last date: nothing after D2 is even loaded.
2. Phases 1-4 run once over every date into the ``eval`` target (its own DuckDB file under ``work_dir``).
3. Phase 5 runs date by date from the first game date of D1's season to D2: every model for date D is trained
   only on games before D (``ml.xgb``, ``ml.stack``, ``ml.calibration``), so the early weeks of the season are
   predicted too (they feed the calibration and the stack) but only games in [D1, D2] are scored.
4. Scoring (points market for the headline, every market in ``markets``), on player-games every system
   predicted and that were played:
   * ``book_line_mae``: the consensus pre-game line used as the prediction (``line_consensus`` of
     nba_analytics.player_prop_consensus, the median across books; player-games without one are counted);
   * per system ``mae`` of its predicted mean;
   * picks: for each player-game the system recommends, the one book quote it would bet (the largest edge);
     ``hit_rate`` (pushes excluded), ``brier`` and ``ece`` of P(recommended side) (10 equal-width bins),
     ``roi_at_110`` and ``roi_at_price`` (profit per unit staked; a push returns the stake);
   * ``calibration_all_lines``: Brier and ECE of P(over) over every quoted line, picked or not;
   * 95% intervals by bootstrap over player-games (MAE, MAE / line MAE) and over picks (hit rate, ROI).
5. FILE.json, FILE.md (table) and FILE_reliability.png (reliability diagrams).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import UsageError, UserError
from core.settings import Settings, project_vars
from core.warehouse import connect
from ingestion.convert import convert_parquet
from ingestion.convert.parquet import check_data_dir
from ingestion.convert.parquet import season_of as _season_of
from ingestion.output import claim_folder
from ml.markets import MARKETS, POINTS

BOOTSTRAP_SAMPLES = 1000
BINS = 10
GRADED_COLUMNS = (
    "game_date",
    "player_id",
    "market",
    "bookmaker",
    "system",
    "model_version",
    "line",
    "over_price",
    "under_price",
    "predicted_value",
    "prob_over",
    "recommendation",
    "edge",
    "actual_value",
    "outcome",
    "is_hit",
    "profit_at_110",
    "profit_at_price",
)


class EvaluationError(UserError, RuntimeError):
    pass


@dataclass(frozen=True)
class EvalConfig:
    data_dir: Path
    start: date
    end: date
    out: Path
    work_dir: Path = Path("eval_work")
    history_seasons: int = 1
    seed: int = 20251123


def _seasons(cfg: EvalConfig) -> list[str]:
    first = int(_season_of(cfg.start)[:4])
    return [f"{y}-{str(y + 1)[2:]}" for y in range(first - cfg.history_seasons, first + 1)]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# -- pipeline -------------------------------------------------------------------------------------------------
WORK_OWNER = "nba-props evaluate"
WORK_MARKER = ".nba-props-eval-work"
WORK_ENTRIES = ("landing", "warehouse", "exports", "reports")  # eval_settings' folders, all evaluate's own


def eval_settings(work: Path) -> Settings:
    """The `eval` target in a work directory: its own landing area, warehouse and exports (evaluate, make bench)."""
    return Settings(
        target="eval",
        landing_dir=work / "landing",
        warehouse_dir=work / "warehouse",
        exports_dir=work / "exports",
        reports_dir=work / "reports",
    )


def replay(cfg: EvalConfig, console=None) -> tuple[Settings, dict[str, Any]]:
    """Convert, load, build phases 1-4 over every date and predict walk-forward through ``cfg.end``."""
    from dbt_project.control.runner import PipelineRunner  # lazy: the runner pulls in dbt (start-up time)

    if cfg.end < cfg.start:
        raise EvaluationError(f"--end {cfg.end} is before --start {cfg.start}")
    work = cfg.work_dir.resolve()
    check_data_dir(cfg.data_dir)  # before anything is cleared
    out = cfg.out.resolve()
    if out == work or work in out.parents:
        raise UsageError(
            f"--out {cfg.out} is inside --work-dir {cfg.work_dir}, which is rebuilt each time: "
            "write the result elsewhere"
        )
    settings = eval_settings(work)
    # a fresh work folder each time (the result depends on DIR only), clearing only what evaluate wrote there
    # before; a folder holding anything else (the project, a warehouse, other files) is refused untouched
    try:
        claim_folder(work, WORK_ENTRIES, WORK_OWNER, WORK_MARKER)
    except FileExistsError as exc:
        raise UsageError(f"--work-dir: {exc.strerror or exc}") from exc
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    manifest = convert_parquet(cfg.data_dir, settings.landing_dir, None, cfg.end, _seasons(cfg))
    timings["convert"] = time.perf_counter() - t0
    game_dates = [date.fromisoformat(d) for d in manifest["game_dates"]]
    season_dates = [d for d in game_dates if _season_of(d) == _season_of(cfg.start)]
    scored = [d for d in season_dates if cfg.start <= d <= cfg.end]
    if not scored:
        raise EvaluationError(f"{cfg.data_dir}: no game dates between {cfg.start} and {cfg.end}")
    runner = PipelineRunner(settings, console=console)
    for label, dates, phases in (
        ("phases_1_4", _days(game_dates[0], cfg.end), (1, 2, 3, 4)),
        ("phase_5", _days(season_dates[0], cfg.end), (5,)),
    ):
        t0 = time.perf_counter()
        result = runner.run(dates, phases)
        timings[label] = time.perf_counter() - t0
        if not result.ok:
            failed = result.failed_phase
            raise EvaluationError(f"{label} failed: {failed.message if failed else 'monitoring failed'}")
    info = {
        "seasons": manifest["seasons"],
        "history_start": game_dates[0].isoformat(),
        "first_predicted_date": season_dates[0].isoformat(),
        "game_dates_scored": len(scored),
        "landing_counts": manifest["counts"],
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }
    return settings, info


# -- scoring --------------------------------------------------------------------------------------------------
def graded_rows(settings: Settings, start: date, end: date) -> pd.DataFrame:
    """Graded predictions (prediction_accuracy) of the registered system versions in [start, end], each with
    the consensus line of its player-game (nba_analytics.player_prop_consensus: the one definition of it; the
    player's name key from the feature row the prediction was made from; null without one)."""
    from ml.systems import build_systems

    versions = {(s.name, s.model_version) for s in build_systems({})}
    graded = ", ".join(f"a.{c}" for c in GRADED_COLUMNS)
    with connect(settings, read_only=True) as con:
        rows = con.execute(
            f"""
            select {graded}, c.line_consensus
            from {settings.schema("nba_predictions")}.prediction_accuracy as a
            left join {settings.schema("nba_precompute")}.ml_feature_store as f
                on f.player_id = a.player_id and f.game_date = a.game_date
            left join {settings.schema("nba_analytics")}.player_prop_consensus as c
                on c.game_date = a.game_date and c.market = a.market and c.player_name_key = f.player_name_key
                and (a.team_abbr is null or a.team_abbr in (c.home_team_abbr, c.away_team_abbr))
            where a.game_date between ? and ? and a.actual_value is not null
            """,
            [start, end],
        ).df()
    keep = [(s, v) in versions for s, v in zip(rows["system"], rows["model_version"], strict=True)]
    return rows[keep].reset_index(drop=True)


def ece(prob: np.ndarray, outcome: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error: the count-weighted mean |mean prob - observed frequency| over equal-width
    probability bins."""
    prob, outcome = np.asarray(prob, float), np.asarray(outcome, float)
    if prob.size == 0:
        return float("nan")
    which = np.minimum((prob * bins).astype(int), bins - 1)
    total = 0.0
    for b in np.unique(which):
        mask = which == b
        total += mask.sum() * abs(prob[mask].mean() - outcome[mask].mean())
    return float(total / prob.size)


def reliability(prob: np.ndarray, outcome: np.ndarray, bins: int = BINS) -> list[dict[str, float]]:
    prob, outcome = np.asarray(prob, float), np.asarray(outcome, float)
    which = np.minimum((prob * bins).astype(int), bins - 1)
    return [
        {
            "bin": int(b),
            "n": int((which == b).sum()),
            "mean_prob": float(prob[which == b].mean()),
            "observed": float(outcome[which == b].mean()),
        }
        for b in np.unique(which)
    ]


def _interval(values: np.ndarray, stat, rng: np.random.Generator) -> list[float] | None:
    values = np.asarray(values, float)
    if values.size < 2:
        return None
    idx = rng.integers(0, values.size, size=(BOOTSTRAP_SAMPLES, values.size))
    draws = np.array([stat(values[i]) for i in idx])
    return [round(float(np.nanpercentile(draws, 2.5)), 4), round(float(np.nanpercentile(draws, 97.5)), 4)]


def _ratio_interval(errors: np.ndarray, line_errors: np.ndarray, rng: np.random.Generator) -> list[float] | None:
    if errors.size < 2:
        return None
    idx = rng.integers(0, errors.size, size=(BOOTSTRAP_SAMPLES, errors.size))
    denominator = line_errors[idx].mean(axis=1)
    # a resample in which the line is exact everywhere has no ratio: left out
    draws = errors[idx].mean(axis=1)[denominator > 0] / denominator[denominator > 0]
    if draws.size == 0:
        return None
    return [round(float(np.percentile(draws, 2.5)), 4), round(float(np.percentile(draws, 97.5)), 4)]


def picks_of(rows: pd.DataFrame) -> pd.DataFrame:
    """One bet per system and player-game: the recommended quote with the largest edge (ties: book name)."""
    picked = rows[rows["recommendation"] != "PASS"]
    picked = picked.sort_values(
        ["system", "game_date", "player_id", "edge", "bookmaker"], ascending=[True, True, True, False, True]
    )
    picked = picked.drop_duplicates(["system", "game_date", "player_id"]).copy()
    picked["p_side"] = np.where(picked["recommendation"] == "OVER", picked["prob_over"], 1.0 - picked["prob_over"])
    return picked


def score_market(
    rows: pd.DataFrame, rng: np.random.Generator, with_intervals: bool = True, registered: list[str] | None = None
) -> dict[str, Any]:
    """Metrics of one market's graded rows (see the module docstring). A ``registered`` system without a
    single graded prediction is reported with n = 0 and a note, never dropped silently. The book line of a
    player-game is its ``line_consensus``; player-games without one are left out and counted
    (``n_player_games_without_consensus``)."""
    no_consensus = rows["line_consensus"].isna()
    without = rows.loc[no_consensus, ["game_date", "player_id"]].drop_duplicates()
    rows = rows[~no_consensus]
    games = (
        rows.groupby(["game_date", "player_id", "system"])
        .agg(predicted=("predicted_value", "first"), line=("line_consensus", "first"), actual=("actual_value", "first"))
        .reset_index()
    )
    systems = sorted(games["system"].unique())
    complete = games.groupby(["game_date", "player_id"])["system"].transform("nunique") == len(systems)
    games = games[complete]
    keys = games[["game_date", "player_id"]].drop_duplicates()
    common = rows.merge(keys, on=["game_date", "player_id"])
    first = games.drop_duplicates(["game_date", "player_id"])
    line_errors = (first["line"] - first["actual"]).abs().to_numpy()
    line_by_key = first.set_index(["game_date", "player_id"])["line"]
    result: dict[str, Any] = {
        "n_player_games": int(len(keys)),
        "n_player_games_without_consensus": int(len(without)),
        "book_line_mae": round(float(line_errors.mean()), 4) if len(keys) else None,
        "systems": {},
    }
    for system in systems:
        own = games[games["system"] == system].set_index(["game_date", "player_id"])
        errors = (own["predicted"] - own["actual"]).abs()
        paired_line = (line_by_key.loc[own.index] - own["actual"]).abs().to_numpy()
        sys_rows = common[common["system"] == system]
        picks = picks_of(sys_rows)
        decided = picks[picks["outcome"] != "PUSH"]
        hits = decided["is_hit"].astype(float).to_numpy()
        over = sys_rows[sys_rows["outcome"] != "PUSH"]
        over_outcome = (over["outcome"] == "OVER").astype(float).to_numpy()
        entry: dict[str, Any] = {
            "n": int(len(own)),
            "mae": round(float(errors.mean()), 4),
            "mae_over_line": round(float(errors.mean() / line_errors.mean()), 4) if line_errors.mean() > 0 else None,
            "n_picks": int(len(picks)),
            "n_over_picks": int((picks["recommendation"] == "OVER").sum()),
            "hit_rate": round(float(hits.mean()), 4) if hits.size else None,
            "brier": round(float(np.mean((decided["p_side"].to_numpy() - hits) ** 2)), 4) if hits.size else None,
            "ece": round(ece(decided["p_side"].to_numpy(), hits), 4) if hits.size else None,
            "roi_at_110": round(float(picks["profit_at_110"].mean()), 4) if len(picks) else None,
            "roi_at_price": round(float(picks["profit_at_price"].mean()), 4) if len(picks) else None,
            "calibration_all_lines": {
                "n": int(len(over)),
                "brier": round(float(np.mean((over["prob_over"].to_numpy() - over_outcome) ** 2)), 4),
                "ece": round(ece(over["prob_over"].to_numpy(), over_outcome), 4),
            },
        }
        if with_intervals:
            entry["ci95"] = {
                "mae": _interval(errors.to_numpy(), np.mean, rng),
                "mae_over_line": _ratio_interval(errors.to_numpy(), paired_line, rng),
                "hit_rate": _interval(hits, np.mean, rng),
                "roi_at_110": _interval(picks["profit_at_110"].to_numpy(), np.mean, rng),
                "roi_at_price": _interval(picks["profit_at_price"].to_numpy(), np.mean, rng),
            }
            entry["reliability_picks"] = reliability(decided["p_side"].to_numpy(), hits) if hits.size else []
            entry["reliability_all_lines"] = reliability(over["prob_over"].to_numpy(), over_outcome)
        result["systems"][system] = entry
    for system in registered or []:
        if system not in result["systems"]:
            result["systems"][system] = {
                "n": 0,
                "mae": None,
                "mae_over_line": None,
                "n_picks": 0,
                "hit_rate": None,
                "brier": None,
                "ece": None,
                "roi_at_110": None,
                "roi_at_price": None,
                "calibration_all_lines": {"n": 0, "brier": None, "ece": None},
                "note": "no graded predictions in the window (e.g. fewer than xgb_min_train_rows training rows "
                "before it: load more history with --history-seasons)",
            }
    if with_intervals and len(keys):
        result["book_line_mae_ci95"] = _interval(line_errors, np.mean, rng)
    return result


def score(settings: Settings, start: date, end: date, seed: int = 20251123) -> dict[str, Any]:
    rows = graded_rows(settings, start, end)
    if rows.empty:
        raise EvaluationError(f"no graded predictions between {start} and {end}")
    from ml.systems import REGISTRY

    rng = np.random.default_rng(seed)
    by_market = {
        m: score_market(rows[rows["market"] == m], rng, m == POINTS.key, list(REGISTRY))
        for m in MARKETS
        if (rows["market"] == m).any()
    }
    if POINTS.key not in by_market:
        raise EvaluationError(f"no graded points predictions between {start} and {end}")
    points = by_market[POINTS.key]
    return {
        "book_line_mae": points["book_line_mae"],
        "book_line_mae_ci95": points.get("book_line_mae_ci95"),
        "n_player_games": points["n_player_games"],
        "n_player_games_without_consensus": points["n_player_games_without_consensus"],
        "systems": points["systems"],
        "markets": {m: {k: v for k, v in r.items() if k != "book_line_mae_ci95"} for m, r in by_market.items()},
    }


# -- report ---------------------------------------------------------------------------------------------------
def _fmt(value, pct: bool = False, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    return f"{value * 100:.1f}%" if pct else f"{value:.{digits}f}"


def _ci(ci, pct: bool = False) -> str:
    return f" [{_fmt(ci[0], pct)}, {_fmt(ci[1], pct)}]" if ci else ""


def plot_reliability(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 5), dpi=110)
    for ax, key, title in (
        (axes[0], "reliability_picks", "Recommended picks: P(side) vs hit rate"),
        (axes[1], "reliability_all_lines", "Every quoted points line: P(over) vs over rate"),
    ):
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
        for name, entry in result["systems"].items():
            cells = [c for c in entry.get(key, []) if c["n"] >= 20]
            if cells:
                ax.plot([c["mean_prob"] for c in cells], [c["observed"] for c in cells], marker="o", label=name)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("predicted probability (bins with >= 20 outcomes)")
        ax.set_ylabel("observed frequency")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    window = result["window"]
    fig.suptitle(f"nba-props evaluate {window['start']}..{window['end']} (points)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_report(result: dict[str, Any], path: Path, png: Path) -> None:
    window = result["window"]
    line = result["book_line_mae"]
    lines = [
        f"# nba-props evaluation {window['start']} .. {window['end']}",
        "",
        f"Data: `{window['data_dir']}`; seasons {', '.join(window['seasons'])}; history from "
        f"{window['history_start']}; predictions walk-forward from {window['first_predicted_date']}; scored: "
        f"{window['game_dates_scored']} game dates, {result['n_player_games']} points player-games that every "
        "system predicted and that were played"
        + (
            f" ({result['n_player_games_without_consensus']} more without a consensus line left out)."
            if result.get("n_player_games_without_consensus")
            else "."
        ),
        "",
        f"Book line (consensus median) MAE: **{_fmt(line)}**{_ci(result.get('book_line_mae_ci95'))}. "
        "Goals: MAE <= 0.98 x line, ECE <= 0.03, picks >= 55% with positive ROI at the offered prices.",
        "",
        "| system | n | MAE [95% CI] | MAE / line [95% CI] | picks | hit rate [95% CI] | Brier | ECE | "
        "ROI at -110 | ROI at price [95% CI] | ECE all lines |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in result["systems"].items():
        ci = s.get("ci95", {})
        lines.append(
            f"| {name} | {s['n']} | {_fmt(s['mae'])}{_ci(ci.get('mae'))} | {_fmt(s['mae_over_line'])}"
            f"{_ci(ci.get('mae_over_line'))} | {s['n_picks']} | {_fmt(s['hit_rate'], True)}"
            f"{_ci(ci.get('hit_rate'), True)} | {_fmt(s['brier'])} | {_fmt(s['ece'])} | "
            f"{_fmt(s['roi_at_110'], True)} | {_fmt(s['roi_at_price'], True)}{_ci(ci.get('roi_at_price'), True)} | "
            f"{_fmt(s['calibration_all_lines']['ece'])} |"
        )
    missing = [name for name, s in result["systems"].items() if s["n"] == 0]
    if missing:
        lines += [
            "",
            f"**No predictions in the window from: {', '.join(missing)}** ({result['systems'][missing[0]]['note']}).",
        ]
    lines += [
        "",
        "Other markets (same protocol, no intervals):",
        "",
        "| market | player-games | line MAE | system | MAE / line | picks | hit rate | ROI at price | ECE all lines |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for market, m in result["markets"].items():
        if market == POINTS.key:
            continue
        for name, s in m["systems"].items():
            lines.append(
                f"| {market} | {m['n_player_games']} | {_fmt(m['book_line_mae'])} | {name} | "
                f"{_fmt(s['mae_over_line'])} | {s['n_picks']} | {_fmt(s['hit_rate'], True)} | "
                f"{_fmt(s['roi_at_price'], True)} | {_fmt(s['calibration_all_lines']['ece'])} |"
            )
    lines += ["", f"![reliability]({png.name})", ""]
    path.write_text("\n".join(lines))


def evaluate(cfg: EvalConfig, console=None) -> dict[str, Any]:
    started = time.perf_counter()
    settings, info = replay(cfg, console)
    scored = score(settings, cfg.start, cfg.end, cfg.seed)
    params = project_vars(settings.project_dir)
    result = {
        "window": {"start": cfg.start.isoformat(), "end": cfg.end.isoformat(), "data_dir": str(cfg.data_dir), **info},
        **scored,
        "config": {
            k: params[k]
            for k in ("min_edge", "min_calibration_residuals", "xgb_retrain_days", "xgb_min_train_rows")
            if k in params
        },
    }
    out = cfg.out
    out.parent.mkdir(parents=True, exist_ok=True)
    png = out.with_name(f"{out.stem}_reliability.png")
    report = out.with_suffix(".md")
    plot_reliability(result, png)
    write_report(result, report, png)
    result["report"], result["reliability_png"] = str(report), str(png)
    result["window"]["seconds"]["total"] = round(time.perf_counter() - started, 1)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(result, indent=2, default=str))
    tmp.replace(out)
    return result
