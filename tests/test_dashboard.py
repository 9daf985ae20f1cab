"""`nba-props dashboard` renders in headless Chromium (the Debian package): no JavaScript error, the plots are
drawn, and the screenshot shows the phase-status heatmap (its green cells) and the coverage bars."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("NBA_PROPS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _colour_share(image: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 12) -> float:
    pixels = image[..., :3].astype(int)
    return float((np.abs(pixels - np.array(rgb)).max(axis=-1) <= tolerance).mean())


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium; "
                    ".ci/run installs it)")
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
