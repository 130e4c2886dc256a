"""Headless Chromium renders the dashboard with its ECharts charts; screenshots for the record."""

from __future__ import annotations

import pytest
from testkit.browser import chromium_page, screenshot

from hotline.demo.seed import seed_demo_cases
from tests.analytics.analytics_app import analytics_app, serve

CHARTS = ["chart-trend", "chart-trend-intent", "chart-hours", "chart-by-intent", "chart-by-department",
          "chart-by-town", "chart-by-channel", "chart-by-service_item"]


@pytest.mark.browser
@pytest.mark.parametrize("fresh_engine", ["sqlite"], indirect=True)
def test_dashboard_renders_charts_in_chromium(fresh_engine, tmp_path):
    seed_demo_cases(fresh_engine, cases=3000, days=60, seed=5, batch=1000)
    app = analytics_app(fresh_engine, tmp_path)
    with serve(app) as base, chromium_page(width=1400, height=1000) as (page, errors):
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
        screenshot(page, "analytics-dashboard")
        # clicking a bar of the intent chart opens the cases behind it
        page.locator("#chart-by-intent canvas").first.click(position={"x": 300, "y": 40})
        page.wait_for_url("**/analytics/cases?**", timeout=10_000)
        assert page.locator("#case-list tbody tr").count() > 0
        screenshot(page, "analytics-drilldown", full_page=False)
        page.goto(f"{base}/analytics/wallboard", wait_until="networkidle")
        page.wait_for_selector("#chart-today[data-rendered='1'] canvas", timeout=15_000)
        screenshot(page, "analytics-wallboard", full_page=False)
    assert errors == []
