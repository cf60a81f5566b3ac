"""A real browser moves k on the Clustering page (the clusters are redrawn with one more colour), then
plays Lloyd's step-through, which animates in the browser without a rerun."""

from __future__ import annotations

import json

import pytest

from bench.harness import ROOT, browser_page, press_and_settle, slider_handle, streamlit_server, wait_settled

pytestmark = pytest.mark.browser

CLUSTERS_JS = """() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const lay = el._fullLayout || el.layout || {};
    const title = ((lay.title && lay.title.text) || '').replace(/<[^>]+>/g, '');  // Streamlit wraps it in <b>
    if (title.startsWith('k-means')) {
      const names = (el._fullData || []).map(t => t.name).filter(n => n && n.startsWith('cluster'));
      return JSON.stringify([title, names]);
    }
  }
  return null;
}"""


TITLES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(el => ((el._fullLayout || {}).title || {}).text || '')"""


def test_moving_k_redraws_the_clusters_and_the_steps_play(tmp_path):
    with streamlit_server(ROOT / "pages" / "4_Clustering.py") as url, browser_page(1366, 768) as page:
        page.goto(url)
        wait_settled(page)
        page.wait_for_function(f"({CLUSTERS_JS})() !== null", timeout=120_000)
        before = page.evaluate(CLUSTERS_JS)
        assert "3 clusters" in before
        handle = slider_handle(page, label="k (number of clusters)")
        press_and_settle(page, handle, "ArrowRight")
        page.wait_for_function(f"(b) => ({CLUSTERS_JS})() !== b", arg=before, timeout=60_000)
        after = page.evaluate(CLUSTERS_JS)
        assert "4 clusters" in after and after.count("cluster ") == 4  # four legend entries
        press_and_settle(page, handle, "ArrowLeft")
        page.wait_for_function(f"(b) => ({CLUSTERS_JS})() !== b", arg=after, timeout=60_000)
        back = page.evaluate(CLUSTERS_JS)
        assert "3 clusters" in back
        assert page.locator("[data-testid='stException']").count() == 0
        page.get_by_text("Step through", exact=True).first.click()
        wait_settled(page)
        page.wait_for_function(f"() => ({TITLES_JS})().some(t => t.includes('Step '))", timeout=60_000)
        last = page.evaluate(TITLES_JS)
        page.locator("g.updatemenu-button").first.click()  # ▶ Play: Plotly frames, no server round trip
        page.wait_for_function(
            f"(b) => JSON.stringify(({TITLES_JS})()) !== b", arg=json.dumps(last), timeout=10_000
        )
        playing = page.evaluate(TITLES_JS)
        assert playing != last and any(t.startswith("Step ") for t in playing)  # an earlier step is on show
        page.screenshot(path=str(tmp_path / "clustering.png"))
