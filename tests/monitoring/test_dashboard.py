"""`nba-props dashboard` renders in headless Chromium (the Debian package): no JavaScript error, the plots are
drawn, and the screenshot shows the phase-status heatmap (its green cells) and the coverage bars. The
prediction-performance section (nba_predictions.system_daily_performance) shows each system's MAE and hits
per pick per day, equal to the graded predictions (prediction_accuracy) aggregated independently."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.warehouse import connect
from dbt_project.monitoring.dashboard import _figures, load_views, render, system_performance

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("NBA_PROPS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _colour_share(image: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 12) -> float:
    pixels = image[..., :3].astype(int)
    return float((np.abs(pixels - np.array(rgb)).max(axis=-1) <= tolerance).mean())


@pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium; .ci/run installs it)"
)
def test_dashboard_renders_without_errors_and_shows_status_and_coverage(demo_env, tmp_path):
    from matplotlib.image import imread
    from playwright.sync_api import sync_playwright

    out = tmp_path / "dashboard.html"
    result = demo_env.cli("dashboard", "--out", str(out))
    assert result.exit_code == 0, result.output
    page_html = out.read_text()
    # plotly.js inline, no script or stylesheet fetched from the network: the page works offline
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?:", page_html)
    assert "Plotly.newPlot" in page_html
    shot = Path(os.environ.get("NBA_PROPS_SCREENSHOT_DIR", tmp_path)) / "dashboard.png"
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.route("http*://**", lambda route: route.abort())  # prove it needs no network
        page.goto(out.as_uri())
        page.wait_for_selector("#fig-phase_status .main-svg", timeout=20_000)
        page.wait_for_selector("#fig-coverage .main-svg", timeout=20_000)
        page.wait_for_selector("#fig-performance .main-svg", timeout=20_000)
        plots = page.locator(".plot-container").count()
        kpis = page.locator("#kpis .kpi").all_inner_texts()
        page.screenshot(path=str(shot), full_page=False)
        browser.close()
    print(f"dashboard screenshot: {shot}")
    assert errors == []
    assert plots >= 3
    assert any("coverage" in k for k in kpis) and any("phases ok" in k for k in kpis)
    image = imread(str(shot))
    if image.dtype != np.uint8:
        image = (image * 255).round().astype(np.uint8)
    white = _colour_share(image, (255, 255, 255), tolerance=3)
    assert white < 0.9, f"screenshot is {white:.0%} white"
    assert _colour_share(image, (0x2E, 0x9E, 0x5B)) > 0.01  # the heatmap's "success" cells are drawn
    assert _colour_share(image, (0x1A, 0x73, 0xE8)) > 0.002  # the coverage bars are drawn


def test_system_performance_weights_the_markets_of_a_day():
    daily = pd.DataFrame(
        {
            "game_date": ["2025-11-01"] * 3 + ["2025-11-02"],
            "system": ["a", "a", "b", "a"],
            "model_version": ["a-v1", "a-v1", "b-v1", "a-v1"],
            "market": ["player_points", "player_assists", "player_points", "player_points"],
            "n_predictions": [30, 10, 5, 4],
            "mae": [4.0, 2.0, 1.0, 3.0],
            "n_picks": [10, 0, 4, 2],
            "n_hits": [6, 0, 1, 1],
            "hit_rate": [0.6, None, 0.25, 0.5],
            "roi_at_price": [0.2, None, -0.5, 0.0],
        }
    )
    per = system_performance(daily)
    assert per[["game_date", "system"]].values.tolist() == [
        ["2025-11-01", "a"],
        ["2025-11-01", "b"],
        ["2025-11-02", "a"],
    ]
    first = per.iloc[0]
    assert first["n_predictions"] == 40 and first["mae"] == pytest.approx((30 * 4.0 + 10 * 2.0) / 40)
    assert first["n_picks"] == 10 and first["hits_per_pick"] == pytest.approx(0.6)
    assert first["roi_at_price"] == pytest.approx(0.2)
    assert per.iloc[1]["hits_per_pick"] == pytest.approx(0.25) and per.iloc[1]["roi_at_price"] == pytest.approx(-0.5)
    no_picks = system_performance(daily.assign(n_picks=0, n_hits=0, roi_at_price=None))
    assert no_picks["hits_per_pick"].isna().all() and no_picks["roi_at_price"].isna().all()
    assert system_performance(pd.DataFrame()).empty


def test_dashboard_shows_each_systems_graded_performance_per_day(demo_env, tmp_path):
    views = load_views(demo_env.settings)
    shown = system_performance(views["system_daily_performance"])
    with connect(demo_env.settings, read_only=True) as con:
        graded = con.execute("""
            select game_date, system, count(*) as n_predictions, avg(absolute_error) as mae,
                   count(*) filter (where recommendation != 'PASS') as n_picks,
                   count(*) filter (where is_hit) as n_hits,
                   avg(profit_at_price) filter (where recommendation != 'PASS') as roi_at_price
            from test_nba_predictions.prediction_accuracy group by game_date, system
        """).df()
    graded["game_date"] = graded["game_date"].dt.date
    graded["hits_per_pick"] = graded["n_hits"] / graded["n_picks"].where(graded["n_picks"] > 0)
    assert len(graded) > 0 and {"rolling_l10", "season_avg"} <= set(graded["system"])
    merged = shown.merge(graded, on=["game_date", "system"], how="outer", suffixes=("", "_sql"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    for column in ("n_predictions", "n_picks", "n_hits"):
        assert (merged[column] == merged[f"{column}_sql"]).all(), column
    for column in ("mae", "hits_per_pick", "roi_at_price"):
        assert np.allclose(merged[column], merged[f"{column}_sql"], equal_nan=True), column

    # the figure draws those numbers: MAE and hits per pick, one trace each per system
    figure = _figures(views)["performance"]
    for system, part in shown.groupby("system"):
        mae, hits = [t for t in figure.data if t.name == system]
        assert list(mae.x) == part["game_date"].astype(str).tolist()
        assert np.allclose(mae.y, part["mae"]) and np.allclose(hits.y, part["hits_per_pick"], equal_nan=True)

    out = tmp_path / "dashboard.html"
    result = demo_env.cli("dashboard", "--out", str(out))
    assert result.exit_code == 0, result.output
    page_html = out.read_text()
    assert "<h2>Prediction performance</h2>" in page_html and 'id="fig-performance"' in page_html
    latest = shown[shown["game_date"] == shown["game_date"].max()]
    assert all(f"<td>{system}</td>" in page_html for system in latest["system"])
    # a warehouse whose predictions were never graded: the section says so
    empty = render({**views, "system_daily_performance": pd.DataFrame()}, "t")
    assert "<h2>Prediction performance</h2>\n<p class='empty'>nothing recorded yet</p>" in empty
