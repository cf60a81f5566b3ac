"""A real browser moves the ROC Explorer's threshold with the keyboard; the confusion matrix and the
live chart (drawn in its component iframe) follow."""

from __future__ import annotations

import pytest

from bench.harness import (
    ROOT,
    browser_page,
    live_plot_marks,
    max_trace_points,
    press_and_settle,
    slider_handle,
    streamlit_server,
    wait_settled,
)

pytestmark = pytest.mark.browser

MATRIX_JS = """() => {
  const table = document.querySelector("[data-testid='stTable']");
  return table ? table.innerText : null;
}"""


def _lines(marks):
    return [x for name, x, _ in marks if name == "threshold"]


def _points(marks):
    return [(x, y) for name, x, y in marks if name.startswith("pt_")]


def test_threshold_keys_change_the_confusion_matrix(tmp_path):
    with streamlit_server(ROOT / "app.py") as url, browser_page(1280, 800) as page:
        page.goto(f"{url}/ROC_Explorer")
        wait_settled(page)
        page.get_by_text("Simulated photon vs jet discriminants").click()
        page.locator("[data-testid='stSlider']").filter(has_text="Threshold on").wait_for(timeout=120_000)
        wait_settled(page)
        page.wait_for_function(f"({MATRIX_JS})() !== null", timeout=60_000)
        before = page.evaluate(MATRIX_JS)
        page.wait_for_function(
            "() => [...document.querySelectorAll('iframe')].some(f => f.contentDocument"
            " && f.contentDocument.querySelector('.js-plotly-plot .main-svg'))",
            timeout=60_000,
        )
        marks_before = live_plot_marks(page)
        handle = slider_handle(page, label="Threshold on")
        for _ in range(5):
            press_and_settle(page, handle, "ArrowRight")
        after = page.evaluate(MATRIX_JS)
        assert after != before
        marks_after = live_plot_marks(page)
        assert len(_lines(marks_before)) == 2 and _lines(marks_after) != _lines(marks_before)
        assert _points(marks_after) != _points(marks_before)  # the operating point moved along the curve
        assert page.locator("[data-testid='stException']").count() == 0
        assert 0 < max_trace_points(page) <= 5000
        page.screenshot(path=str(tmp_path / "roc.png"))
