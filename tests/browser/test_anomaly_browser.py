"""In Chromium: the Anomaly detection page's contamination control is the live threshold component
(ui/live_threshold.py, mode "anomaly"): dragging it moves the histogram's threshold line, the counts and
the tiles in the browser with no server round trip; keys step it; after release the numbers equal
scikit-learn's confusion matrix at that threshold; the browser's contamination -> threshold mapping is
the server's (ml.detectors.threshold_for); and switching the dataset under a drag raises no error."""

from __future__ import annotations

import pytest
from sklearn.metrics import confusion_matrix

from bench.harness import ROOT, browser_page, streamlit_server, wait_settled
from ml import detectors as det
from ml import registry
from ml.datasets import load_dataset
from ml.plots import anomaly as plots

pytestmark = pytest.mark.browser

DRAWN_JS = """() => [...document.querySelectorAll('iframe')].some(f => f.src.includes('live_threshold')
  && f.contentDocument && f.contentDocument.querySelector('#chart .main-svg')
  && f.contentDocument.querySelector('#chart2 .main-svg'))"""
LINE_X_JS = """() => { const l = document.querySelector('#marks line[data-name=threshold]');
  return l && l.style.display !== 'none' ? Number(l.getAttribute('x1')) : null; }"""
POINTS_JS = """(t) => { const HOT = '""" + plots.ANOMALY_COLOUR + """'; const pts = [...document.querySelectorAll('#chart2 .scatterlayer .point')];
  const probe = document.createElement('div'); probe.style.color = HOT; document.body.appendChild(probe);
  const hot = getComputedStyle(probe).color; probe.remove();
  const isHot = (el) => getComputedStyle(el).fill === hot;
  return [pts.filter(isHot).length, pts.filter(el => (el.__data__.mc >= t) !== isHot(el)).length]; }"""
COUNTS_JS = """() => Object.fromEntries([...document.querySelectorAll('#line b[data-k]')]
  .map(b => [b.dataset.k, b.textContent]))"""


def live_frame(page):
    page.wait_for_function(DRAWN_JS, timeout=180_000, polling=200)
    return page.locator("iframe[src*='live_threshold']").first.element_handle().content_frame()


def shown(frame) -> dict[str, float]:
    raw = frame.evaluate(COUNTS_JS)
    return {k: float(v.replace(",", "").lstrip("≈")) for k, v in raw.items()}


def threshold(frame) -> float:
    return float(frame.evaluate("() => document.body.dataset.threshold"))


def default_scores():
    """The page's default: Isolation Forest at its defaults, seed 0, on the local-anomaly set."""
    ds = load_dataset("anomaly_local")
    X = ds.X.to_numpy(dtype=float)
    entry = registry.get("detector", "iforest")
    params, _ = entry.fit_to_data({**{p.name: p.default for p in entry.params}, "contamination": 0.05}, *X.shape)
    params.pop("contamination")
    return ds.y.to_numpy().astype(int), det.make("iforest", params, 0).fit(X).decision_scores_


def drag(page, frame, steps=40, hold=None):
    """Press on the slider's left end and move right in `steps` moves; returns what was shown at each."""
    box = frame.locator("#slider").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 2, y)
    page.mouse.down()
    seen = []
    for i in range(1, steps + 1):
        page.mouse.move(box["x"] + 2 + (box["width"] - 4) * 0.6 * i / steps, y)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        if hold is None or i < steps // 2:
            seen.append((threshold(frame), frame.evaluate(LINE_X_JS), shown(frame).get("flagged")))
        if hold is not None and i == steps // 2:
            hold()
    page.mouse.up()
    return seen


def test_contamination_drag_keys_release_and_a_switch_under_a_drag(tmp_path):
    y, s = default_scores()
    n = s.size
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/Anomaly_detection")
        wait_settled(page)
        frame = live_frame(page)
        page.wait_for_timeout(500)
        assert page.get_by_text(f"scored {n:,} rows in").count() == 1
        fitted = page.get_by_text(f"scored {n:,} rows in").inner_text()

        # the browser's contamination -> threshold is the server's, at every slider position and at the
        # half-way cases of round() (c·n = x.5: Python rounds half to even)
        cs = [round(0.005 * i, 3) for i in range(1, 101)] + [0.0125, 0.0145, 0.0025 * 3, 0.0005 * 41]
        got = frame.evaluate("(cs) => cs.map(c => resolve(c))", cs)
        for c, (t, tp, fp) in zip(cs, got, strict=True):
            assert t == det.threshold_for(s, c), c
            tn_, fp_, fn_, tp_ = confusion_matrix(y, (s >= t).astype(int)).ravel()
            assert (tp, fp) == (tp_, fp_), c

        # a drag: the threshold line, the counts and the tiles follow the pointer, no round trip
        updates = frame.evaluate("() => window.mlxUpdates")
        seen = drag(page, frame, steps=40)
        assert len({t for t, _, _ in seen}) >= 10, seen  # at least ten distinct thresholds shown
        assert len({x for _, x, _ in seen}) >= 10 and len({f for _, _, f in seen}) >= 10
        xs = [x for _, x, _ in seen]
        assert xs[-1] < xs[0]  # more contamination: the line moved left (a lower threshold)
        assert frame.evaluate("() => window.mlxUpdates") - updates >= 10
        wait_settled(page)
        page.wait_for_timeout(500)
        t = threshold(frame)
        tn, fp, fn, tp = confusion_matrix(y, (s >= t).astype(int)).ravel()
        got = shown(frame)
        assert {k: got[k] for k in ("tp", "fp", "fn", "tn", "flagged")} == {
            "tp": tp, "fp": fp, "fn": fn, "tn": tn, "flagged": tp + fp
        }  # fmt: skip
        c = float(frame.evaluate("() => document.body.dataset.value"))
        assert t == det.threshold_for(s, c)  # the server confirmed the k-th highest score
        # the 2-D view's flagged colouring followed: every point at or above t (and only those) vermillion
        assert float(frame.evaluate("() => document.getElementById('chart2').dataset.flagAt")) == t
        hot, wrong = frame.evaluate(POINTS_JS, t)
        assert wrong == 0 and hot == tp + fp  # all 1,000 rows are drawn: the vermillion points are the flagged
        tiles = frame.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('.tile')].map(e => [e.dataset.label, e.dataset.value]))"
        )
        assert float(tiles["Precision"]) == pytest.approx(tp / (tp + fp))
        assert float(tiles["Recall"]) == pytest.approx(tp / (tp + fn))
        assert page.get_by_text(f"scored {n:,} rows in").inner_text() == fitted  # no refit

        # keys: focusable, stepped by the arrows, the value announced
        slider = frame.locator("#slider")
        slider.focus()
        before_t, before_f = t, shown(frame)["flagged"]
        slider.press("ArrowRight")
        wait_settled(page)
        page.wait_for_timeout(300)
        assert threshold(frame) <= before_t and shown(frame)["flagged"] > before_f
        assert "flagged" in slider.get_attribute("aria-valuetext")
        assert frame.evaluate("() => document.activeElement.id") == "slider"
        assert not errors and page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "anomaly_live.png"))

        # switching the dataset under a drag: no JavaScript error, the new data's counts and marks
        def switch():  # keyboard only: the mouse stays down on the slider
            box = page.locator("[data-testid='stSelectbox']").filter(has_text="Dataset").first
            box.locator("input").focus()
            page.keyboard.type("wine")
            page.keyboard.press("Enter")

        drag(page, frame, steps=20, hold=switch)
        wait_settled(page)
        page.wait_for_timeout(1000)
        wait_settled(page)
        frame = live_frame(page)
        assert page.get_by_text("scored 129 rows in").count() == 1  # the wine set
        drag(page, frame, steps=10)
        wait_settled(page)
        assert not errors, errors
        assert frame.evaluate("() => document.getElementById('error').hidden")
        assert page.locator("[data-testid='stException']").count() == 0
        c, got = float(frame.evaluate("() => document.body.dataset.value")), shown(frame)
        assert got["flagged"] >= det.n_flagged(129, c) and got["tp"] + got["fp"] == got["flagged"]
