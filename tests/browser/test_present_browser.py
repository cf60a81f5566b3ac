"""Presentation mode in Chromium: every page opened with `?present=1` fits 1920×1080 and 1280×720 without
horizontal scrolling or clipped metric tiles, starts with the sidebar closed, and draws its charts at the
presentation scale; at 1920×1080 the main chart is on the first screen; `&lock=threshold` disables the
ROC Explorer's threshold slider.

One server and one browser visit the seven pages; each page is checked at both sizes by resizing the
window (no reload). Screenshots go to a temporary folder whose path is printed (pytest -s shows it).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.harness import ROOT, browser_page, streamlit_server, wait_settled
from ml.plots import FONT_SIZE, PRESENTATION_SCALE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ["home", "Regression", "Classification", "ROC_Explorer", "Clustering", "Dimensionality_reduction",
         "Anomaly_detection"]  # fmt: skip
SIZES = [(1920, 1080), (1280, 720)]
# Each page's demonstrated control: a sidebar widget (checked with the sidebar opened by its arrow) or the
# live threshold component's slider ("frame ..."): all of it must be on the first screen with the main chart.
CONTROLS = {
    "Regression": "[data-testid='stSidebar'] .st-key-reg-model",
    "Classification": "[data-testid='stSidebar'] .st-key-model",
    "ROC_Explorer": "frame #slider",
    "Clustering": "[data-testid='stSidebar'] .st-key-clu-k_live",  # the live k slider (ui.live_slider)
    "Dimensionality_reduction": "[data-testid='stSidebar'] .st-key-method",
    "Anomaly_detection": "frame #slider",
}

# Facts about one frame (the page or a component's iframe): overflowing tiles, chart tick font sizes.
FRAME_JS = """() => {
  const clipped = [...document.querySelectorAll('.mx-metric > div, .tile .k, .tile .v')]
    .filter(e => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.textContent.trim().slice(0, 40));
  const ticks = [...document.querySelectorAll('.js-plotly-plot .xtick text')].slice(0, 3)
    .map(t => parseFloat(t.style.fontSize));
  return {clipped, ticks};
}"""

# The page's main chart (its first chart over 250 px tall; inside a component's iframe, the Plotly chart
# itself, not the frame) and the share of it on the first screen; the demonstrated control's box (`control`:
# a selector in the page, or in a component's iframe when it starts with "frame ") and whether all of it is
# on screen.
PAGE_JS = """(control) => {
  const main = document.querySelector("[data-testid='stMain']");
  const boxes = [];
  for (const el of main.querySelectorAll('.stPlotlyChart, iframe')) {
    const r = el.getBoundingClientRect();
    if (el.tagName !== 'IFRAME') { if (r.height > 250) boxes.push({top: r.top, bottom: r.bottom, height: r.height}); continue; }
    let doc = null;
    try { doc = el.contentDocument; } catch (err) { doc = null; }
    for (const p of doc ? doc.querySelectorAll('.js-plotly-plot') : []) {
      const q = p.getBoundingClientRect();
      if (q.height > 250) boxes.push({top: r.top + q.top, bottom: r.top + q.bottom, height: q.height});
    }
  }
  const r = boxes.length ? boxes[0] : null;
  const shown = r ? Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0)) / r.height : null;
  let box = null;
  if (control) {
    let el = null, dx = 0, dy = 0;
    if (control.startsWith('frame ')) {
      for (const f of main.querySelectorAll('iframe')) {
        let doc = null;
        try { doc = f.contentDocument; } catch (err) { doc = null; }
        const found = doc && doc.querySelector(control.slice(6));
        if (found && found.getClientRects().length) { el = found; const fr = f.getBoundingClientRect(); dx = fr.left; dy = fr.top; break; }
      }
    } else {
      el = document.querySelector(control);
    }
    if (el) { const q = el.getBoundingClientRect(); box = {left: q.left + dx, right: q.right + dx, top: q.top + dy, bottom: q.bottom + dy}; }
  }
  const controlShown = !!box && box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth
    && box.bottom > box.top;
  const sb = document.querySelector("[data-testid='stSidebar']");
  return {scrollWidth: document.documentElement.scrollWidth, width: innerWidth, chartShown: shown, control: box, controlShown,
          sidebarOpen: sb ? sb.getBoundingClientRect().right > 5 : false,
          rootFont: parseFloat(getComputedStyle(document.documentElement).fontSize)};
}"""


COLLAPSE = "[data-testid='stSidebarCollapseButton'] button"  # shown on hover only: clicked by script
EXPAND = "[data-testid='stExpandSidebarButton']"


def _click(page, selector: str) -> None:
    page.wait_for_selector(selector, state="attached")
    page.evaluate("(s) => document.querySelector(s).click()", selector)


def _wait_for_charts(page, timeout_s: float = 90) -> None:
    """Until a Plotly chart has drawn in the page or in a component's iframe (they draw after the script)."""
    import time

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!document.querySelector('.js-plotly-plot .main-svg .xtick')"):
                    page.wait_for_timeout(500)
                    return
            except Exception:  # noqa: BLE001 - a frame navigating away
                continue
        page.wait_for_timeout(250)


def _threshold_locked(page) -> bool:
    for frame in page.frames:
        try:
            state = frame.evaluate("() => { const s = document.getElementById('slider'), e = document.getElementById('exact');"
                                   " return s && e ? s.disabled && e.disabled : null; }")
        except Exception:  # noqa: BLE001
            continue
        if state is not None:
            return state
    return False


def _frames(page) -> list[dict]:
    out = []
    for frame in page.frames:
        try:
            out.append(frame.evaluate(FRAME_JS))
        except Exception:  # noqa: BLE001 - a frame navigating away: not ours to check
            continue
    return out


def test_every_page_presents_without_overflow_at_projector_sizes(tmp_path_factory):
    shots = tmp_path_factory.mktemp("present")
    print(f"presentation screenshots in {shots}")
    problems, report = [], []
    big = FONT_SIZE * PRESENTATION_SCALE
    with streamlit_server(ROOT / "app.py") as url, browser_page(*SIZES[0]) as page:
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        for name in PAGES:
            page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
            path = "" if name == "home" else name  # Home is the default page, at the root
            page.goto(f"{url}/{path}")
            # the user opened the sidebar before (Streamlit remembers it in localStorage and that wins over
            # initial_sidebar_state): the ?present=1 link must close it all the same
            wait_settled(page)
            if page.locator(COLLAPSE).count():  # open by default: close it, so that opening it is remembered
                _click(page, COLLAPSE)
                page.wait_for_timeout(300)
            _click(page, EXPAND)
            page.wait_for_timeout(300)
            remembered = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('stSidebarCollapsed-'))"
                                       ".map(k => localStorage.getItem(k))")
            assert remembered == ["false"], remembered  # remembered open
            # the ROC Explorer's link also locks its threshold (the live component's slider and exact box)
            page.goto(f"{url}/{path}?present=1" + ("&lock=threshold" if name == "ROC_Explorer" else ""))
            wait_settled(page)
            if name != "home":
                _wait_for_charts(page)
            wait_settled(page)
            # a busy machine can settle before the run that turns presentation on has painted: wait for its
            # CSS and for the sidebar to fold (the checks below then say what is wrong if they never come)
            for done in (f"getComputedStyle(document.documentElement).fontSize === '{16 * PRESENTATION_SCALE:g}px'",
                         "(() => { const sb = document.querySelector(\"[data-testid='stSidebar']\"); "
                         "return !sb || sb.getBoundingClientRect().right <= 5; })()"):  # fmt: skip
                try:
                    page.wait_for_function(done, timeout=20_000)
                except PlaywrightTimeout:
                    pass
            assert not page.locator("[role='dialog']:has-text('Page not found')").count(), name
            for i, (w, h) in enumerate(SIZES):
                if i:
                    page.set_viewport_size({"width": w, "height": h})
                    page.wait_for_timeout(1000)
                control = CONTROLS.get(name)
                facts = page.evaluate(PAGE_JS, control if control and control.startswith("frame ") else None)
                frames = _frames(page)
                page.screenshot(path=str(shots / f"{name}_{w}x{h}.png"))
                where = f"{name} at {w}×{h}"
                shown = [facts["chartShown"]]
                if control and not control.startswith("frame "):  # open the sidebar, as the presenter would
                    _click(page, EXPAND)
                    page.wait_for_timeout(1200)
                    opened = page.evaluate(PAGE_JS, control)
                    page.screenshot(path=str(shots / f"{name}_{w}x{h}_sidebar.png"))
                    _click(page, COLLAPSE)
                    page.wait_for_timeout(600)
                    shown.append(opened["chartShown"])
                    facts["controlShown"], facts["control"] = opened["controlShown"], opened["control"]
                report.append((name, w, h, shown))
                if name != "home":
                    if min(x or 0 for x in shown) < 0.9:
                        problems.append(f"{where}: the main chart is {shown} on screen (sidebar closed, open)")
                    if not facts["controlShown"]:
                        problems.append(f"{where}: the control {control} is not all on screen ({facts['control']})")
                if facts["scrollWidth"] > facts["width"]:
                    problems.append(f"{where}: scrolls sideways ({facts['scrollWidth']} > {facts['width']} px)")
                clipped = [t for f in frames for t in f["clipped"]]
                if clipped:
                    problems.append(f"{where}: clipped metric tiles {clipped}")
                if facts["rootFont"] != pytest.approx(16 * PRESENTATION_SCALE):
                    problems.append(f"{where}: page text at {facts['rootFont']} px, not {16 * PRESENTATION_SCALE}")
                if i == 0:
                    if name == "ROC_Explorer" and not _threshold_locked(page):
                        problems.append(f"{where}: ?lock=threshold left the threshold slider enabled")
                    if facts["sidebarOpen"]:
                        problems.append(f"{where}: the sidebar is open")
                    ticks = [t for f in frames for t in f["ticks"]]
                    if name != "home" and not any(t == pytest.approx(big) for t in ticks):
                        problems.append(f"{where}: no chart ticks at {big} px (saw {ticks})")
        assert not errors, errors
    for name, w, h, shown in report:
        print(f"{name:26s} {w}×{h}: main chart {' / '.join('-' if x is None else f'{x:.0%}' for x in shown)} "
              "on the first screen (sidebar closed / open)")
    assert not problems, problems
