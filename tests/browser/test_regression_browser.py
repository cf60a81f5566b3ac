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


def _curve(page):
    """The fitted curve's y values (JSON) from whichever frame draws it (the live chart is a component), or None."""
    for frame in page.frames:
        try:
            found = frame.evaluate(CURVE_JS)
        except Exception:  # noqa: BLE001 - a frame navigating away
            continue
        if found is not None:
            return found
    return None


def _wait_curve(page, before, timeout_s: float = 60) -> str:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = _curve(page)
        if now is not None and now != before:
            return now
        page.wait_for_timeout(100)
    raise AssertionError("the fitted curve was not redrawn")


def test_degree_keys_redraw_the_fitted_curve(tmp_path):
    with streamlit_server(ROOT / "app.py") as url, browser_page(1280, 800) as page:
        page.goto(f"{url}/Regression?reg.model=Polynomial+regression")
        wait_settled(page)
        before = _wait_curve(page, None, 120)
        handle = slider_handle(page, label="Degree")
        for _ in range(3):
            press_and_settle(page, handle, "ArrowRight")
        _wait_curve(page, before)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[data-testid='stAlertContentError']").count() == 0
        assert 0 < max_trace_points(page) <= 5000
        page.screenshot(path=str(tmp_path / "regression.png"))
