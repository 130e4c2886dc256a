"""Headless Chromium renders the dashboard with its ECharts charts; screenshots for the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.demo.seed import seed_demo_cases
from tests.analytics.analytics_app import analytics_app, serve

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHARTS = ["chart-trend", "chart-trend-intent", "chart-hours", "chart-by-intent", "chart-by-department",
          "chart-by-town", "chart-by-channel", "chart-by-service_item"]


@pytest.mark.browser
@pytest.mark.parametrize("fresh_engine", ["sqlite"], indirect=True)
def test_dashboard_renders_charts_in_chromium(fresh_engine, tmp_path):
    from playwright.sync_api import sync_playwright

    seed_demo_cases(fresh_engine, cases=3000, days=60, seed=5, batch=1000)
    app = analytics_app(fresh_engine, tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{base}/analytics", wait_until="networkidle")
            for chart in CHARTS:
                page.wait_for_selector(f"#{chart}[data-rendered='1'] canvas", timeout=15_000)
                box = page.locator(f"#{chart} canvas").first.bounding_box()
                assert box and box["width"] > 200 and box["height"] > 200, chart
            # a chart is drawn, not blank: the canvas has coloured pixels
            painted = page.evaluate("""() => {
                const c = document.querySelector('#chart-by-intent canvas');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 0; i < d.length; i += 4) { if (d[i+3] > 0 && (d[i] < 200 || d[i+2] < 200)) n++; }
                return n; }""")
            assert painted > 500
            assert page.locator("#rates .rate-card").count() >= 5
            assert "响应率" in page.inner_text("#rates")
            page.screenshot(path=str(SHOTS / "analytics-dashboard.png"), full_page=True)
            # clicking a bar of the intent chart opens the cases behind it
            page.locator("#chart-by-intent canvas").first.click(position={"x": 300, "y": 40})
            page.wait_for_url("**/analytics/cases?**", timeout=10_000)
            assert page.locator("#case-list tbody tr").count() > 0
            page.screenshot(path=str(SHOTS / "analytics-drilldown.png"))
            page.goto(f"{base}/analytics/wallboard", wait_until="networkidle")
            page.wait_for_selector("#chart-today[data-rendered='1'] canvas", timeout=15_000)
            page.screenshot(path=str(SHOTS / "analytics-wallboard.png"))
        finally:
            browser.close()
    assert errors == []
