"""A real browser moves a decision tree's max-depth slider; the decision regions are redrawn."""

from __future__ import annotations

import pytest

from bench.harness import (
    ROOT,
    browser_page,
    in_frames,
    press_and_settle,
    slider_handle,
    streamlit_server,
    wait_settled,
)

pytestmark = pytest.mark.browser

# The regions chart stays mounted in a component frame (ui/live_plot.py): look in every frame.
REGIONS_JS = """() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const hm = (el._fullData || []).find(t => t.type === 'heatmap' && t.name === 'predicted class');
    if (hm) return JSON.stringify(Array.from(hm.z, row => Array.from(row)));
  }
  return null;
}"""


CROSSES_JS = """() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const t = (el._fullData || []).find(t => (t.name || '').startsWith('misclassified'));
    if (t) return t.name;
  }
  return null;
}"""

TILES_JS = """() => {
  const tiles = document.querySelectorAll('.tile');
  if (!tiles.length) return null;
  return Object.fromEntries([...tiles].map(t => [t.querySelector('.k').textContent, t.querySelector('.v').textContent]));
}"""


def _regions(page):
    """The predicted-class grid of the decision-region chart (JSON), from whichever frame draws it, or None."""
    return in_frames(page, REGIONS_JS)


def _wait_changed(page, before, timeout_s: float = 60) -> str:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = _regions(page)
        if now is not None and now != before:
            return now
        page.wait_for_timeout(100)
    raise AssertionError("the decision regions were not redrawn")


def test_max_depth_slider_redraws_the_decision_regions(tmp_path):
    with streamlit_server(ROOT / "app.py") as url, browser_page(1280, 800) as page:
        page.goto(f"{url}/Classification?model=Decision+tree")
        wait_settled(page)
        before = _wait_changed(page, None, 120)  # max depth 0 = unlimited: a patchwork
        handle = slider_handle(page, label="Maximum depth")
        press_and_settle(page, handle, "ArrowRight")  # depth 1: a single split
        stump = _wait_changed(page, before)
        press_and_settle(page, handle, "ArrowRight")  # depth 2
        depth2 = _wait_changed(page, stump)
        shown = in_frames(page, CROSSES_JS)
        assert shown and shown.startswith("misclassified (train ")
        assert in_frames(page, TILES_JS).get("Train accuracy")  # the live slider's tiles follow it
        # the depth is a live slider (the values around it fitted ahead): once it rests the server fits depth 2
        # itself, and what it draws is what the browser already showed
        page.wait_for_function("() => location.search.includes('model.tree.max_depth=2')", timeout=30_000)
        wait_settled(page)
        page.wait_for_timeout(500)
        assert _regions(page) == depth2 and in_frames(page, CROSSES_JS) == shown
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "classification.png"))


@pytest.mark.slow
def test_every_classifier_opens_in_the_roc_explorer(tmp_path):
    """The hand-off from a URL-bound model picker (?model=…) works for every registry classifier."""
    from urllib.parse import quote_plus

    from ml.models import list_models
    from ui.navigation import PAGES

    path = {p.file: p.url_path for p in PAGES}
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        for spec in list_models("classification"):
            page.goto(f"{url}/{path['pages/2_Classification.py']}?model={quote_plus(spec.title)}")
            wait_settled(page)
            if spec.is_torch:  # the network trains only on request
                page.get_by_role("button", name=f"Train {spec.title}").click()
                wait_settled(page)
            page.get_by_role("button", name="Open in ROC Explorer").click()
            page.get_by_role("heading", name="ROC Explorer").first.wait_for(timeout=60_000)
            wait_settled(page)
            assert page.locator("[data-testid='stException']").count() == 0, spec.name
            assert page.get_by_text("Cannot clear query parameters").count() == 0, spec.name
            assert page.get_by_text("Scores sent from the Classification page").count() >= 1, spec.name
            assert path["pages/3_ROC_Explorer.py"] in page.url, (spec.name, page.url)
        page.screenshot(path=str(tmp_path / "roc_after_handoff.png"))
