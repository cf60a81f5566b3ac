"""A real browser moves the Anomaly detection page's contamination slider: the threshold line and
the TP/FP marks move, and nothing is refitted (the fit time shown stays the same)."""

from __future__ import annotations

import json

import pytest

from bench.harness import ROOT, browser_page, press_and_settle, slider_handle, streamlit_server, wait_settled

pytestmark = pytest.mark.browser

# [threshold x, legend names of the 2-D view] read from the drawn Plotly charts
MARKS_JS = """() => {
  let t = null, names = null;
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const lay = el._fullLayout; if (!lay) continue;
    const s = (lay.shapes || []).find(s => s.name === 'threshold');
    if (s) t = s.x0;
    const tr = (el._fullData || []).map(d => d.name || '');
    if (tr.some(n => n.startsWith('normal'))) names = tr.join('|');
  }
  return JSON.stringify([t, names]);
}"""


def test_contamination_slider_moves_the_threshold_and_the_marks(tmp_path):
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        page.goto(f"{url}/Anomaly_detection")
        wait_settled(page)
        page.wait_for_function(f"JSON.parse(({MARKS_JS})())[0] !== null", timeout=120_000)
        before = page.evaluate(MARKS_JS)
        fitted = page.get_by_text("scored 1,000 rows in").inner_text()
        handle = slider_handle(page, label="Contamination")
        for _ in range(4):  # 0.050 -> 0.070
            press_and_settle(page, handle, "ArrowRight")
        page.wait_for_function(f"(b) => ({MARKS_JS})() !== b", arg=before, timeout=30_000)
        after = page.evaluate(MARKS_JS)
        (t0, names0), (t1, names1) = json.loads(before), json.loads(after)
        assert t1 < t0  # more contamination: a lower threshold
        assert names1 != names0  # more rows flagged: the TP/FP counts in the legend changed
        assert "false alarm (FP)" in names1 and "caught (TP)" in names1
        assert page.get_by_text("scored 1,000 rows in").inner_text() == fitted  # no refit
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "anomaly.png"))
