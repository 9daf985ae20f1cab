"""`nba-props dashboard`: one static, offline HTML page of pipeline health from the nba_monitoring views.

Sections: latest runs, phase status per date (heatmap), prediction coverage per game, graded performance of
each prediction system per day (nba_predictions.system_daily_performance), latency per phase and date,
quarantined rows, gate outcomes that were not a clean pass, degraded runs, rows loaded, and bytes billed
(BigQuery). plotly.js is embedded in the page, so it needs no network.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from core.contracts import Status
from core.errors import UserError
from core.settings import Settings
from core.warehouse import connect, table_exists

STATUS_CODES = {
    Status.SUCCESS: 0,
    Status.DEGRADED: 1,
    Status.SKIPPED: 2,
    Status.RUNNING: 2,
    Status.INTERRUPTED: 3,
    Status.FAILED: 3,
}
STATUS_COLOURS = ["#2e9e5b", "#e0a800", "#9aa0a6", "#d93025"]
PERFORMANCE_COLOURS = ["#1a73e8", "#e8710a", "#9334e6", "#12b5cb", "#c5221f", "#188038"]
VIEWS = (
    "pipeline_runs",
    "pipeline_phase_status",
    "gate_outcomes",
    "degraded_runs",
    "phase_latency",
    "prediction_coverage",
    "ingest_rejections",
    "ingest_loads",
    "warehouse_bytes_billed",
)
# models of other layers the page shows, with their schema
OTHER_VIEWS = {"system_daily_performance": "nba_predictions"}


class DashboardError(UserError, RuntimeError):
    pass


def load_views(settings: Settings) -> dict[str, pd.DataFrame]:
    """Every monitoring view (and OTHER_VIEWS model) that exists (one never built is an empty frame)."""
    if settings.is_duckdb and not settings.duckdb_path.exists():
        raise DashboardError(f"no warehouse at {settings.duckdb_path}: run the pipeline first (make demo)")
    schema = settings.schema("nba_monitoring")
    wanted = {**{view: "nba_monitoring" for view in VIEWS}, **OTHER_VIEWS}
    frames: dict[str, pd.DataFrame] = {}
    with connect(settings, read_only=True) as con:
        for view, logical in wanted.items():
            where = settings.schema(logical)
            frames[view] = (
                con.execute(f"select * from {where}.{view}").df() if table_exists(con, where, view) else pd.DataFrame()
            )
    for frame in frames.values():
        for column in [c for c in frame.columns if c.endswith("_date")]:
            frame[column] = pd.to_datetime(frame[column]).dt.date  # dates, not midnight timestamps
    if frames["pipeline_phase_status"].empty:
        raise DashboardError(f"no run history in {schema}: run the pipeline first (make demo)")
    return frames


def _table(df: pd.DataFrame, columns: list[str], empty: str, limit: int = 20) -> str:
    if df.empty:
        return f'<p class="empty">{html.escape(empty)}</p>'
    shown = df[columns].head(limit)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row) + "</tr>"
        for row in shown.itertuples(index=False)
    )
    more = f"<p class='note'>{len(df) - limit} more rows not shown</p>" if len(df) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def system_performance(daily: pd.DataFrame) -> pd.DataFrame:
    """Per game date and system, over its markets and model versions: graded predictions, MAE (weighted by
    predictions), picks, hits and hits per pick (a push is not a hit), and ROI per pick at the offered price."""
    if daily.empty:
        return pd.DataFrame(
            columns=[
                "game_date",
                "system",
                "n_predictions",
                "mae",
                "n_picks",
                "n_hits",
                "hits_per_pick",
                "roi_at_price",
            ]
        )
    d = daily.assign(
        error_sum=daily["mae"] * daily["n_predictions"], profit_sum=daily["roi_at_price"].fillna(0.0) * daily["n_picks"]
    )
    per = d.groupby(["game_date", "system"], as_index=False).agg(
        n_predictions=("n_predictions", "sum"),
        error_sum=("error_sum", "sum"),
        n_picks=("n_picks", "sum"),
        n_hits=("n_hits", "sum"),
        profit_sum=("profit_sum", "sum"),
    )
    counts = ["n_predictions", "n_picks", "n_hits"]
    per[counts] = per[counts].astype("int64")  # DuckDB's sum() arrives as a float (HUGEINT)
    picks = per["n_picks"].where(per["n_picks"] > 0)
    per["mae"] = per["error_sum"] / per["n_predictions"]
    per["hits_per_pick"] = per["n_hits"] / picks
    per["roi_at_price"] = per["profit_sum"] / picks
    return per.drop(columns=["error_sum", "profit_sum"]).sort_values(["game_date", "system"], ignore_index=True)


def _figures(v: dict[str, pd.DataFrame]) -> dict[str, Any]:
    import plotly.graph_objects as go

    figs: dict[str, Any] = {}
    status = v["pipeline_phase_status"].copy()
    status["label"] = status["phase"].astype(str) + " " + status["phase_name"]
    grid = status.pivot_table(index="label", columns="run_date", values="status", aggfunc="first")
    codes = grid.apply(lambda col: col.map(STATUS_CODES))
    scale = [[i / 3, colour] for i, colour in enumerate(STATUS_COLOURS)]
    figs["phase_status"] = go.Figure(
        go.Heatmap(
            z=codes.to_numpy(),
            x=[str(d) for d in grid.columns],
            y=list(grid.index),
            text=grid.to_numpy(),
            hovertemplate="%{y} on %{x}: %{text}<extra></extra>",
            colorscale=scale,
            zmin=0,
            zmax=3,
            showscale=False,
            xgap=1,
            ygap=1,
        )
    ).update_layout(
        title="Phase status per date (green success, yellow degraded, grey skipped, red failed)",
        height=320,
        margin={"l": 120, "r": 20, "t": 50, "b": 40},
    )

    coverage = v["prediction_coverage"]
    if not coverage.empty:
        per_day = (
            coverage.groupby("game_date")
            .agg(
                with_lines=("players_with_lines", "sum"),
                ruled_out=("players_ruled_out", "sum"),
                predicted=("players_predicted", "sum"),
                games=("nba_game_id", "count"),
            )
            .reset_index()
        )
        expected = (per_day["with_lines"] - per_day["ruled_out"]).where(lambda s: s > 0)
        per_day["coverage"] = per_day["predicted"] / expected
        figs["coverage"] = go.Figure(
            [
                go.Bar(
                    x=per_day["game_date"].astype(str),
                    y=per_day["with_lines"] - per_day["ruled_out"],
                    name="players with a line (not ruled out)",
                    marker_color="#9aa0a6",
                ),
                go.Bar(
                    x=per_day["game_date"].astype(str),
                    y=per_day["predicted"],
                    name="players predicted",
                    marker_color="#1a73e8",
                ),
            ]
        ).update_layout(
            title="Prediction coverage per date (per game in the table below)",
            barmode="overlay",
            height=320,
            margin={"t": 50, "b": 40},
        )
        low = coverage[coverage["coverage"].fillna(1.0) < 0.999].sort_values(["game_date", "coverage"])
        figs["coverage_table"] = low
    performance = system_performance(v["system_daily_performance"])
    if not performance.empty:
        from plotly.subplots import make_subplots

        fig = make_subplots(rows=1, cols=2, subplot_titles=("MAE", "hits per pick (a push is not a hit)"))
        for i, (system, part) in enumerate(performance.groupby("system")):
            # systems that agree (e.g. last-10 and season averages before a player's 10th game) overlap: the
            # dash tells them apart
            line = {"color": PERFORMANCE_COLOURS[i % len(PERFORMANCE_COLOURS)], "dash": ("solid", "dash", "dot")[i % 3]}
            x = part["game_date"].astype(str)
            fig.add_scatter(
                x=x, y=part["mae"], name=system, legendgroup=system, mode="lines+markers", line=line, row=1, col=1
            )
            fig.add_scatter(
                x=x,
                y=part["hits_per_pick"],
                name=system,
                legendgroup=system,
                showlegend=False,
                mode="lines+markers",
                line=line,
                row=1,
                col=2,
            )
        figs["performance"] = fig.update_layout(
            title="Graded predictions per system and game date (all markets and books)",
            height=340,
            margin={"t": 70, "b": 40},
        )
        figs["performance_table"] = performance[performance["game_date"] == performance["game_date"].max()]
    latency = v["phase_latency"]
    if not latency.empty:
        fig = go.Figure()
        for (phase, name), part in latency.sort_values("run_date").groupby(["phase", "phase_name"]):
            fig.add_bar(x=part["run_date"].astype(str), y=part["duration_seconds"], name=f"{phase} {name}")
        figs["latency"] = fig.update_layout(
            title="Wall seconds per phase (latest run of each date; a range run repeats its phases per date)",
            barmode="stack",
            height=320,
            margin={"t": 50, "b": 40},
        )
    rejections = v["ingest_rejections"]
    if not rejections.empty:
        per_day = rejections.groupby(["landing_date", "resource"])["rejected_rows"].sum().reset_index()
        fig = go.Figure()
        for resource, part in per_day.groupby("resource"):
            fig.add_bar(x=part["landing_date"].astype(str), y=part["rejected_rows"], name=resource)
        figs["quarantine"] = fig.update_layout(
            title="Rows quarantined per landing date", barmode="stack", height=280, margin={"t": 50, "b": 40}
        )
    return figs


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#202124;background:#fff}
h1{margin:0 0 4px}h2{margin:28px 0 8px;font-size:18px}.sub{color:#5f6368;margin:0 0 16px}
.kpis{display:flex;gap:12px;flex-wrap:wrap}.kpi{border:1px solid #dadce0;border-radius:8px;padding:10px 14px;
min-width:140px}.kpi b{display:block;font-size:22px}.kpi span{color:#5f6368;font-size:12px}
table{border-collapse:collapse;font-size:12px;margin:4px 0}th,td{border:1px solid #dadce0;padding:3px 6px;
text-align:left;vertical-align:top}th{background:#f1f3f4}.empty,.note{color:#5f6368;font-size:13px}
.failed{color:#d93025}.degraded{color:#b06000}.success{color:#188038}
"""


def render(v: dict[str, pd.DataFrame], title: str) -> str:
    import plotly.io as pio

    figs = _figures(v)
    runs = (
        v["pipeline_runs"].sort_values("started_at", ascending=False)
        if not v["pipeline_runs"].empty
        else v["pipeline_runs"]
    )
    status = v["pipeline_phase_status"]
    latest_date = status["run_date"].max()
    latest = status[status["run_date"] == latest_date]
    coverage = v["prediction_coverage"]
    last_cov = coverage[coverage["game_date"] == coverage["game_date"].max()] if not coverage.empty else coverage
    cov_value = (
        (
            last_cov["players_predicted"].sum()
            / max(1, (last_cov["players_with_lines"] - last_cov["players_ruled_out"]).sum())
        )
        if not last_cov.empty
        else None
    )
    quarantined = int(v["ingest_rejections"]["rejected_rows"].sum()) if not v["ingest_rejections"].empty else 0
    billed = v["warehouse_bytes_billed"]
    billed_total = billed["bytes_billed"].fillna(0).sum() if not billed.empty else 0
    kpis = [
        ("latest date", str(latest_date)),
        ("phases ok on it", f"{int(latest['status'].isin(['success', 'degraded']).sum())} / {len(latest)}"),
        ("runs recorded", str(len(runs))),
        ("latest run", str(runs.iloc[0]["status"]) if not runs.empty else "-"),
        ("coverage, latest slate", f"{cov_value:.0%}" if cov_value is not None else "-"),
        ("rows quarantined", f"{quarantined:,}"),
        ("bytes billed", f"{billed_total / 2**30:.2f} GiB"),
    ]
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p class='sub'>generated "
        f"{datetime.now(UTC).isoformat(timespec='seconds')} from the nba_monitoring views</p>",
        "<div class='kpis' id='kpis'>"
        + "".join(
            f"<div class='kpi'><b>{html.escape(value)}</b><span>{html.escape(name)}</span></div>"
            for name, value in kpis
        )
        + "</div>",
        "<h2>Latest runs</h2>",
        _table(
            runs,
            ["run_id", "status", "first_date", "last_date", "dates", "wall_seconds", "failed_phase"],
            "no runs",
            10,
        ),
    ]
    include = True  # plotly.js once, inline: the page works offline
    for key, heading in (
        ("phase_status", "Phase status"),
        ("coverage", "Prediction coverage"),
        ("performance", "Prediction performance"),
        ("latency", "Latency"),
        ("quarantine", "Quarantine"),
    ):
        parts.append(f"<h2>{heading}</h2>")
        if key in figs:
            parts.append(
                pio.to_html(
                    figs[key],
                    include_plotlyjs=include,
                    full_html=False,
                    div_id=f"fig-{key}",
                    config={"displayModeBar": False},
                )
            )
            include = False
        else:
            parts.append("<p class='empty'>nothing recorded yet</p>")
        if key == "coverage":
            parts.append(
                _table(
                    figs.get("coverage_table", pd.DataFrame()),
                    [
                        "game_date",
                        "nba_game_id",
                        "home_team_abbr",
                        "away_team_abbr",
                        "players_with_lines",
                        "players_ruled_out",
                        "players_predicted",
                        "coverage",
                    ],
                    "every game fully covered",
                )
            )
        if key == "performance" and "performance_table" in figs:
            table = figs["performance_table"].round({"mae": 3, "hits_per_pick": 3, "roi_at_price": 3})
            parts.append(
                "<p class='note'>latest graded date, per system</p>"
                + _table(
                    table,
                    [
                        "game_date",
                        "system",
                        "n_predictions",
                        "mae",
                        "n_picks",
                        "n_hits",
                        "hits_per_pick",
                        "roi_at_price",
                    ],
                    "nothing graded yet",
                )
            )
    gates = v["gate_outcomes"]
    not_clean = (
        gates[gates["outcome"] != "passed"].sort_values("finished_at", ascending=False) if not gates.empty else gates
    )
    parts += [
        "<h2>Gates not passed cleanly</h2>",
        _table(not_clean, ["run_date", "gate", "outcome", "run_id", "message"], "every gate passed"),
        "<h2>Degraded runs</h2>",
        _table(
            v["degraded_runs"].sort_values("finished_at", ascending=False)
            if not v["degraded_runs"].empty
            else v["degraded_runs"],
            ["run_date", "phase_name", "run_id", "message"],
            "no degraded run",
        ),
        "<h2>Rows loaded (latest loads)</h2>",
        _table(
            v["ingest_loads"].sort_values("loaded_at", ascending=False)
            if not v["ingest_loads"].empty
            else v["ingest_loads"],
            ["run_id", "table_name", "row_count", "load_seconds"],
            "no loads",
            12,
        ),
        "<h2>Bytes billed (BigQuery)</h2>",
        _table(billed, ["run_id", "phase", "dbt_nodes", "bytes_processed", "bytes_billed"], "no dbt builds", 12),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_dashboard(settings: Settings, out: Path) -> Path:
    page = render(load_views(settings), f"nba-props pipeline health ({settings.target})")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
