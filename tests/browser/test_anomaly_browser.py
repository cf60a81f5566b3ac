"""A real browser moves the Anomaly detection page's contamination slider: the threshold line and
the flagged colouring move, and nothing is refitted (the fit time shown stays the same)."""

from __future__ import annotations

import pytest

from bench.harness import ROOT, browser_page, press_and_settle, slider_handle, streamlit_server, wait_settled

pytestmark = pytest.mark.browser

# [threshold x of the histogram, colour-step position of the 2-D view], read from the live charts
# iframes (ui.live_plot keeps each chart mounted and moves only these layout marks)
MARKS_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout) return null;
  const s = (gd._fullLayout.shapes || []).find(s => s.name === 'threshold');
  if (s) return ['threshold', s.x0];
  const ca = gd._fullLayout.coloraxis;
  if (ca && ca.colorscale && ca.colorscale.length === 4) return ['step', ca.colorscale[1][0]];
  return null;
}"""


def _marks(page) -> dict:
    out = {}
    for frame in page.frames:
        if frame != page.main_frame:
            got = frame.evaluate(MARKS_JS)
            if got:
                out[got[0]] = got[1]
    return out


def test_contamination_slider_moves_the_threshold_and_the_marks(tmp_path):
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        page.goto(f"{url}/Anomaly_detection")
        wait_settled(page)
        deadline = 120
        while len(_marks(page)) < 2 and deadline > 0:
            page.wait_for_timeout(500)
            deadline -= 0.5
        before = _marks(page)
        assert set(before) == {"threshold", "step"}, before
        fitted = page.get_by_text("scored 1,000 rows in").inner_text()
        handle = slider_handle(page, label="Contamination")
        for _ in range(4):  # 0.050 -> 0.070
            press_and_settle(page, handle, "ArrowRight")
        page.wait_for_timeout(500)
        after = _marks(page)
        assert after["threshold"] < before["threshold"]  # more contamination: a lower threshold
        assert after["step"] < before["step"]  # the colour step (flagged from here up) moved down with it
        assert page.get_by_text("scored 1,000 rows in").inner_text() == fitted  # no refit
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "anomaly.png"))
