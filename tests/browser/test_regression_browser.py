"""A real browser moves the Regression page's polynomial degree with the keyboard; the fitted curve redraws."""

from __future__ import annotations

import pytest

from bench.harness import (
    ROOT,
    browser_page,
    in_frames,
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
    return in_frames(page, CURVE_JS)


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


GD_JS = """() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const d = el.data || [];
    const cap = d[7] && d[7].text && String(d[7].text[0] || '');
    if (cap && cap.startsWith('Step ')) return JSON.stringify({caption: cap, line: Array.from(d[4].y)});
  }
  return null;
}"""


def _gd(page) -> dict | None:
    """The gradient-descent chart's step caption and current line (the live chart draws in a component frame)."""
    import json

    found = in_frames(page, GD_JS)
    return None if found is None else json.loads(found)


def _wait_gd(page, caption: str, timeout_s: float = 60) -> dict:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = _gd(page)
        if now is not None and now["caption"].startswith(caption):
            return now
        page.wait_for_timeout(50)
    raise AssertionError(f"the chart did not show {caption!r} (it shows {_gd(page)})")


def _live_step(page, timeout_s: float = 60):
    """The live "Step" slider's range input (ui/live_slider.py draws it in its component frame)."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "live_slider" in frame.url and frame.locator("input[type='range'][aria-label='Step']").count():
                return frame.locator("input[type='range'][aria-label='Step']").first
        page.wait_for_timeout(200)
    raise AssertionError("no live Step slider")


def test_gd_step_keys_move_the_line_in_the_browser_and_reach_the_address(tmp_path):
    """The live Step slider: a key press moves the chart's line and its equation (answered in the browser from
    the precomputed states); once the slider rests the server has the value and the address carries it; the
    figure's own Play still runs its frames."""
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        page.goto(f"{url}/Regression?reg.model=gd&reg.gd.step=10")
        wait_settled(page)
        before = _wait_gd(page, "Step 10:", 120)
        handle = _live_step(page)
        handle.focus()
        handle.press("ArrowRight")
        after = _wait_gd(page, "Step 11:")
        assert after["line"] != before["line"]
        page.wait_for_function("() => location.search.includes('reg.gd.step=11')", timeout=30_000)
        wait_settled(page)
        assert _gd(page)["caption"].startswith("Step 11:")  # the rerun keeps what the browser drew
        page.screenshot(path=str(tmp_path / "gd_step.png"))
        # Play runs the figure's frames in the browser, to the last step
        for frame in page.frames:
            if frame.locator("text=▶ Play").count():
                frame.locator("text=▶ Play").first.click()
                break
        else:
            raise AssertionError("no Play button")
        _wait_gd(page, "Step 100:", 60)
        handle.focus()
        handle.press("ArrowLeft")  # the slider takes the chart back from where Play left it
        assert _wait_gd(page, "Step 10:")["line"] == before["line"]
        page.wait_for_function("() => location.search.includes('reg.gd.step=10')", timeout=30_000)
        assert page.locator("[data-testid='stException']").count() == 0
