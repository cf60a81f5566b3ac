"""A real browser moves k on the Clustering page (the clusters are redrawn with one more colour), plays
Lloyd's step-through (it animates in the browser without a rerun), then moves the dendrogram cut: the
cut line, the branch colours and the scatter's colours change through marks and restyles alone (the
charts keep the data they hold: no figure is sent again)."""

from __future__ import annotations

import json
import time

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

# The scatter and the chart beside it are live charts (ui.live_plot): each draws in its own iframe.
CLUSTERS_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const lay = gd && (gd._fullLayout || gd.layout);
  if (!lay) return null;
  const title = ((lay.title && lay.title.text) || '').replace(/<[^>]+>/g, '');
  if (!title.startsWith('k-means')) return null;
  // the points' own fills (a live k paints them point by point): how many colours the scatter shows
  const fills = new Set(Array.from(gd.querySelectorAll('.scatterlayer .trace:first-child path.point'))
    .map(p => p.style.fill)).size;
  return JSON.stringify([title, window.parent.__cluKey ? window.parent.__cluKey() : [], fills]);
}"""

# The hierarchical page: the scatter's title, how many colours its points have, its legend and whether
# its points are still the arrays the probe marked; the dendrogram's cut label, its branch colours and
# whether its traces are the ones the probe marked (a cut restyles colours and relayouts marks only).
CUT_JS = """(probe) => {
  const gd = document.querySelector('.js-plotly-plot');
  const lay = gd && gd._fullLayout;
  if (!lay || !lay.title) return null;
  const title = (lay.title.text || '').replace(/<[^>]+>/g, '');
  if (probe) window.__probe = gd.data.map(t => t.x);
  const same = !!window.__probe && window.__probe.length === gd.data.length
    && gd.data.every((t, i) => t.x === window.__probe[i]);
  if (title.startsWith('Hierarchical')) {
    // the colours the points show (painted point by point under a live cut)
    const colours = new Set(Array.from(gd.querySelectorAll('.scatterlayer path.point')).map(p => p.style.fill)).size;
    return JSON.stringify({title, colours, same, legend: window.parent.__cluKey()});
  }
  if (title.startsWith('Dendrogram')) {
    return JSON.stringify({title, cut: lay.shapes.filter(s => s.name === 'cut').map(s => s.label.text)[0], same,
      colours: new Set(gd.data.filter(t => t.mode === 'lines').map(t => t.line.color)).size});
  }
  return null;
}"""

# each chart's title, or for the step-through (a live chart whose frames the Step slider animates) the
# step's caption (a text trace: frames change it without a redraw)
TITLES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => {
  const cap = (el._fullData || []).find(t => t.mode === 'text');
  if (cap) return String(Array.isArray(cap.text) ? cap.text[0] : cap.text);
  return ((el._fullLayout || {}).title || {}).text || '';
})"""

STEP_VALUE_JS = """() => { const s = document.querySelector("input[aria-label='Step']"); return s ? s.value : null; }"""


def _titles(page) -> list[str]:
    """TITLES_JS in the page and in every component iframe."""
    return [t for found in in_frames(page, TITLES_JS, every=True) for t in found]


def _step_value(page):
    return in_frames(page, STEP_VALUE_JS)


# the colour key under the scatter (names of its entries): in the main page, or in the live k slider's
# readout frame (ui.live_slider.live_readouts) when k is a live slider
KEY_JS = """() => { window.__cluKey = () => {
  const docs = [document];
  for (const f of document.querySelectorAll('iframe')) { try { if (f.contentDocument) docs.push(f.contentDocument); } catch (e) {} }
  for (const d of docs) {
    const found = d.querySelectorAll('.clu-legend .clu-key');
    if (found.length) return Array.from(found).map(e => e.dataset.name);
  }
  return [];
}; }"""


def _in_frames(page, js: str, arg=None) -> list:
    """`js` evaluated in every component iframe; the answers that are not null."""
    page.evaluate(KEY_JS)
    return [json.loads(v) for v in in_frames(page, js, arg, every=True)]


def _wait(page, fn, timeout: float = 60):
    """Poll `fn()` until it returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last value {value!r}")
        page.wait_for_timeout(100)


def _clusters(page):
    found = _in_frames(page, CLUSTERS_JS)
    return found[0] if found else None


def _cut(page, probe: bool = False) -> dict:
    found = {d["title"].split(" ")[0]: d for d in _in_frames(page, CUT_JS, probe)}
    return found if {"Hierarchical", "Dendrogram"} <= set(found) else {}


def test_moving_k_redraws_the_clusters_and_the_steps_play(tmp_path):
    with streamlit_server(ROOT / "pages" / "4_Clustering.py") as url, browser_page(1366, 768) as page:
        page.goto(url)
        wait_settled(page)
        before = _wait(page, lambda: _clusters(page), 120)
        assert "3 clusters" in before[0] and len(before[1]) == 3
        handle = slider_handle(page, label="k (number of clusters)")
        press_and_settle(page, handle, "ArrowRight")
        after = _wait(page, lambda: (c := _clusters(page)) != before and c)
        assert "4 clusters" in after[0] and len(after[1]) == 4  # four legend entries
        after = _wait(page, lambda: (c := _clusters(page)) and c[2] == 4 and c)  # the points in four colours
        press_and_settle(page, handle, "ArrowLeft")
        back = _wait(page, lambda: (c := _clusters(page)) != after and c)
        assert "3 clusters" in back[0]
        _wait(page, lambda: (c := _clusters(page)) and c[2] == 3)
        assert page.locator("[data-testid='stException']").count() == 0
        page.get_by_text("Step through", exact=True).first.click()
        wait_settled(page)
        last = _wait(page, lambda: (t := _titles(page)) and any(x.startswith("Step ") for x in t) and t, 60)
        slider_at = _step_value(page)
        step = slider_handle(page, label="Step")  # the live step slider: the chart animates in the browser
        press_and_settle(page, step, "ArrowLeft")
        moved = _wait(page, lambda: (t := _titles(page)) != last and t)
        assert any(x.startswith("Step ") for x in moved) and _step_value(page) != slider_at
        play = None
        for frame in page.frames:  # ▶ Play: Plotly frames in the chart's iframe, no server round trip
            if frame.locator("g.updatemenu-button").count():
                play = frame.locator("g.updatemenu-button").first
        play.click()
        playing = _wait(page, lambda: (t := _titles(page)) != moved and t, 10)
        assert any(t.startswith("Step ") for t in playing)  # an earlier step is on show
        _wait(page, lambda: _step_value(page) != str(int(slider_at) - 1) or None, 10)  # the slider follows Play
        page.screenshot(path=str(tmp_path / "clustering.png"))

        # the dendrogram cut: marks only
        page.get_by_text("Clusters", exact=True).first.click()
        wait_settled(page)
        page.locator("[data-testid='stSelectbox']").filter(has_text="Algorithm").first.click()
        page.get_by_role("option", name="Hierarchical (agglomerative)", exact=True).click()
        wait_settled(page)
        first = _wait(page, lambda: _cut(page, probe=True), 120)
        assert first["Hierarchical"]["colours"] == 3 and len(first["Hierarchical"]["legend"]) == 3
        assert first["Dendrogram"]["cut"] == "cut: 3 clusters" and first["Dendrogram"]["colours"] == 4  # + grey
        cut = slider_handle(page, label="Number of clusters (the cut)")
        press_and_settle(page, cut, "ArrowRight")
        moved = _wait(page, lambda: (c := _cut(page)) and c["Dendrogram"]["cut"] != "cut: 3 clusters" and c)
        assert moved["Dendrogram"]["cut"] == "cut: 4 clusters" and moved["Dendrogram"]["colours"] == 5
        assert moved["Hierarchical"]["colours"] == 4 and "4 clusters" in moved["Hierarchical"]["title"]
        # neither chart was sent again: the same point and branch arrays, recoloured in place
        assert moved["Hierarchical"]["same"] and moved["Dendrogram"]["same"]
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "clustering_cut.png"))
