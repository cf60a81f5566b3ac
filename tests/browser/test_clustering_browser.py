"""A real browser moves k on the Clustering page (the clusters are redrawn with one more colour), plays
Lloyd's step-through (it animates in the browser without a rerun), then moves the dendrogram cut: the
cut line, the branch colours and the scatter's colours change through marks and restyles alone (the
charts keep the data they hold: no figure is sent again)."""

from __future__ import annotations

import json
import time

import pytest

from bench.harness import ROOT, browser_page, press_and_settle, slider_handle, streamlit_server, wait_settled

pytestmark = pytest.mark.browser

# The scatter and the chart beside it are live charts (ui.live_plot): each draws in its own iframe.
CLUSTERS_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const lay = gd && (gd._fullLayout || gd.layout);
  if (!lay) return null;
  const title = ((lay.title && lay.title.text) || '').replace(/<[^>]+>/g, '');
  if (!title.startsWith('k-means')) return null;
  return JSON.stringify([title, window.parent.__cluKey ? window.parent.__cluKey() : []]);
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
    return JSON.stringify({title, colours: new Set(gd.data.map(t => t.marker.color)).size, same,
      legend: window.parent.__cluKey()});
  }
  if (title.startsWith('Dendrogram')) {
    return JSON.stringify({title, cut: lay.shapes.filter(s => s.name === 'cut').map(s => s.label.text)[0], same,
      colours: new Set(gd.data.filter(t => t.mode === 'lines').map(t => t.line.color)).size});
  }
  return null;
}"""

TITLES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(el => ((el._fullLayout || {}).title || {}).text || '')"""


# the colour key under the scatter (names of its entries), read from the main page
KEY_JS = """() => { window.__cluKey = () => Array.from(document.querySelectorAll('.clu-legend .clu-key'))
  .map(e => e.dataset.name); }"""


def _in_frames(page, js: str, arg=None) -> list:
    """`js` evaluated in every component iframe; the answers that are not null."""
    page.evaluate(KEY_JS)
    out = []
    for frame in page.frames:
        if frame == page.main_frame:
            continue
        try:
            value = frame.evaluate(js, arg)
        except Exception:  # noqa: BLE001 - a frame detached or still loading
            continue
        if value is not None:
            out.append(json.loads(value))
    return out


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
        press_and_settle(page, handle, "ArrowLeft")
        back = _wait(page, lambda: (c := _clusters(page)) != after and c)
        assert "3 clusters" in back[0]
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
