"""In Chromium: the ROC Explorer's threshold follows the pointer while it is dragged (no server round
trip), the numbers after release equal scikit-learn's confusion matrix, keys and a typed value work,
and a new upload under a drag raises no JavaScript error."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from bench.harness import (
    ROOT,
    browser_page,
    live_plot_marks,
    max_trace_points,
    streamlit_server,
    upload_file,
    wait_settled,
)
from ml.thresholds import ThresholdEngine
from ui.roc import SHOWN

pytestmark = pytest.mark.browser


DRAWN_JS = """() => [...document.querySelectorAll('iframe')].some(f => f.src.includes('live_threshold')
  && f.contentDocument && f.contentDocument.querySelector('.js-plotly-plot .main-svg'))"""


def live_frame(page):
    """The live threshold component's frame, once it has drawn its chart."""
    page.wait_for_function(DRAWN_JS, timeout=180_000, polling=200)
    return page.locator("iframe[src*='live_threshold']").first.element_handle().content_frame()


def shown_counts(frame) -> dict[str, int]:
    return {k: int(v.replace(",", "").lstrip("≈")) for k, v in frame.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#line b[data-k]')].map(b => [b.dataset.k, b.textContent]))"
    ).items()}  # fmt: skip


def shown_threshold(frame) -> float:
    return float(frame.evaluate("() => document.body.dataset.threshold"))


def _scores(path, n=3000, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(int)
    s = np.round(rng.normal(y * 1.2, 1.0), 4)
    with open(path, "w") as f:
        f.write("label,score\n")
        for a, b in zip(y, s, strict=True):
            f.write(f"{a},{b}\n")
    return y, s


def _open_upload(page, url, csv):
    page.goto(f"{url}/ROC_Explorer")
    wait_settled(page)
    page.get_by_text("Upload labels and scores (CSV)").click()
    wait_settled(page)
    upload_file(page, csv)
    wait_settled(page)
    return live_frame(page)


def _drag(page, frame, steps=40, hold=None):
    """Press on the slider's left end and move the pointer right in `steps` moves; returns thresholds seen."""
    box = frame.locator("#slider").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 2, y)
    page.mouse.down()
    seen = set()
    for i in range(1, steps + 1):
        page.mouse.move(box["x"] + 2 + (box["width"] - 4) * i / steps, y)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        seen.add(frame.evaluate("() => document.body.dataset.threshold"))
        if hold is not None and i == steps // 2:
            hold()
    page.mouse.up()
    return seen


def test_drag_updates_in_the_browser_and_release_confirms_sklearn_counts(tmp_path):
    csv = tmp_path / "scores.csv"
    y, s = _scores(csv)
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        frame = _open_upload(page, url, csv)
        marks_before = live_plot_marks(page)
        runs_before = frame.evaluate("() => window.mlxUpdates")
        seen = _drag(page, frame, steps=60)
        assert len(seen) >= 10, seen  # the view followed the pointer, many distinct thresholds
        assert frame.evaluate("() => window.mlxUpdates") - runs_before >= 10
        wait_settled(page)
        t = shown_threshold(frame)
        # after release the server confirms: the shown counts equal scikit-learn's confusion matrix
        page.wait_for_timeout(500)
        tn, fp, fn, tp = confusion_matrix(y, (s >= t).astype(int)).ravel()
        assert shown_counts(frame) == {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
        assert "≈" not in frame.locator("#line").inner_text()
        # every tile the browser computed equals the threshold engine's metric at that threshold
        tiles = frame.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('.tile')].map(e => [e.dataset.label, e.dataset.value]))"
        )
        expected = ThresholdEngine(y, s).metrics(t)
        for key, label in SHOWN:
            label = "Fβ (β=1)" if key == "fbeta" else label
            assert float(tiles[label]) == pytest.approx(expected[key], rel=1e-12), label
        assert live_plot_marks(page) != marks_before  # the operating points and lines moved
        assert 0 < max_trace_points(page) <= 5000

        # keys step the threshold; a typed exact value is applied on Enter
        frame.locator("#slider").focus()
        before = shown_threshold(frame)
        frame.locator("#slider").press("ArrowLeft")
        wait_settled(page)
        assert shown_threshold(frame) < before
        frame.locator("#exact").fill("0.25")
        frame.locator("#exact").press("Enter")
        wait_settled(page)
        page.wait_for_timeout(300)
        tn, fp, fn, tp = confusion_matrix(y, (s >= 0.25).astype(int)).ravel()
        assert shown_threshold(frame) == pytest.approx(0.25)
        assert shown_counts(frame) == {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
        assert re.search(r"\b0\.25\b", frame.locator("#line").inner_text())
        assert not errors and page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "roc_live.png"))


def test_new_upload_under_a_drag_raises_no_error(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    _scores(first, seed=1)
    _scores(second, n=5000, seed=2)
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        frame = _open_upload(page, url, first)
        _drag(page, frame, steps=20, hold=lambda: upload_file(page, second))
        wait_settled(page)
        frame = live_frame(page)
        _drag(page, frame, steps=10)
        wait_settled(page)
        assert not errors, errors
        assert not frame.evaluate("() => !document.getElementById('error').hidden")
        assert page.locator("[data-testid='stException']").count() == 0


@pytest.mark.slow
def test_slider_matrix_and_roc_curve_share_the_first_screen(tmp_path):
    """At 1366 × 768 and 1920 × 1080, without scrolling: the threshold slider, the confusion matrix
    and the ROC curve's plot area are all inside the viewport."""
    boxes_js = """() => {
      const box = (el) => { const r = el.getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right]; };
      return {slider: box(document.getElementById('slider')), matrix: box(document.getElementById('counts')),
              roc: box(document.querySelector('.js-plotly-plot .subplot.xy .bglayer rect, .js-plotly-plot .subplot.xy'))};
    }"""
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        page.goto(f"{url}/ROC_Explorer")
        live_frame(page)
        for width, height in ((1366, 768), (1920, 1080)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(1500)  # the component re-lays itself out and tells Streamlit its height
            wait_settled(page)
            frame = live_frame(page)
            top = page.locator("iframe[src*='live_threshold']").first.bounding_box()
            for name, (t, b, left, right) in frame.evaluate(boxes_js).items():
                assert b > t and right > left, name
                assert 0 <= top["y"] + t and top["y"] + b <= height, (width, name, top["y"] + t, top["y"] + b)
                assert top["x"] + right <= width, (width, name)
            page.screenshot(path=str(tmp_path / f"roc_{width}.png"))
