"""A real browser moves the Regression page's polynomial degree with the keyboard; the fitted curve redraws."""

from __future__ import annotations

import pytest

from bench.harness import (
    ROOT,
    browser_page,
    max_trace_points,
    press_and_settle,
    slider_handle,
    streamlit_server,
    wait_settled,
)

pytestmark = pytest.mark.browser

CURVE_JS = """() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const tr = (el._fullData || []).find(t => t.name === 'fitted curve');
    if (tr) return JSON.stringify(Array.from(tr.y));
  }
  return null;
}"""


def test_degree_keys_redraw_the_fitted_curve(tmp_path):
    with streamlit_server(ROOT / "app.py") as url, browser_page(1280, 800) as page:
        page.goto(f"{url}/Regression?reg.model=Polynomial+regression")
        wait_settled(page)
        page.wait_for_function(f"({CURVE_JS})() !== null", timeout=120_000)
        before = page.evaluate(CURVE_JS)
        handle = slider_handle(page, label="Degree")
        for _ in range(3):
            press_and_settle(page, handle, "ArrowRight")
        page.wait_for_function(f"({CURVE_JS})() !== {before!r}", timeout=30_000)
        after = page.evaluate(CURVE_JS)
        assert after != before
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[data-testid='stAlertContentError']").count() == 0
        assert 0 < max_trace_points(page) <= 5000
        page.screenshot(path=str(tmp_path / "regression.png"))
