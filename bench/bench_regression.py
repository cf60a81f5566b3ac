"""Regression page benchmarks: gradient-descent step rendering, and slider latency in a real browser.

    python bench/bench_regression.py               # step rendering, then the browser (needs chromium)
    python bench/bench_regression.py --no-browser  # step rendering only (~10 s on 2 cores)
    python bench/bench_regression.py --moves 20    # browser moves per measurement

1. Gradient descent at 1,000 points (the 1-D curve generator): the path is precomputed once (its
   time is shown); a step move only builds the two figures for that step (the line with the data
   and the loss curve), so the time per step is `ml.plots.regression.gd_step_figures` plus the
   JSON encoding Streamlit does, with the JSON size, for each update rule.
2. In a real browser (headless Chromium, 1280 × 800), key press -> page settled:
   - the framework floor (bench/floor_app.py: one slider, one number);
   - the Regression page's polynomial-degree slider on the 1-D curve (60 points): the first
     10 moves reach degrees not fitted before, the next 10 come back through fitted ones;
   - the gradient-descent step slider at 1,000 points (a live slider: presses in a row answered in
     the browser, and press then rest -> the server's rerun done): the page's own `ui.regression.gd_steps`
     fragment, run in a small app that feeds it a 1,000-point path (the page's dataset options
     are not in the URL, so this is the same fragment without 90 key presses to get there).
   Fit and predict times of every model on every dataset are in bench/bench_models.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import key_moves, latency_table, live_moves, timed  # noqa: E402
from ml import simulate  # noqa: E402
from ml.plots.regression import gd_step_figures  # noqa: E402
from ml.regression import GD_METHODS, gd_path, ols_line  # noqa: E402

N_POINTS = 1000
CHART_DRAWN = """() => [...document.querySelectorAll('iframe')].some((f) => {
  try { return !!f.contentDocument.querySelector('.js-plotly-plot .main-svg'); } catch (e) { return false; }
})"""  # the page's charts are live components (ui/live_plot.py), drawn in their frames
STEPS = 200
GD_APP = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from ml import simulate
from ml.regression import gd_path, ols_line
from ui.regression import gd_steps

st.set_page_config(layout="wide")
df = simulate.curve_1d("linear", {N_POINTS}, 0.3, 0)
x, y = df["x"].to_numpy(), df["y"].to_numpy()
path = gd_path(x, y, "minibatch", 0.05, {STEPS}, 16, 0)
gd_steps(path, x, y, ols_line(x, y), "x", "y")
"""


def step_table(n_steps_timed: int = 30) -> None:
    df = simulate.curve_1d("linear", N_POINTS, 0.3, 0)
    x, y = df["x"].to_numpy(), df["y"].to_numpy()
    ols = ols_line(x, y)
    print(f"Gradient descent at {N_POINTS:,} points, {STEPS} steps: one step move = two figures + JSON")
    print(f"{'update rule':<12}{'path ms':>9}{'figures ms':>12}{'JSON ms':>9}{'total ms':>10}{'JSON kB':>9}")
    rng = np.random.default_rng(0)
    for method in GD_METHODS:
        t_path, path = timed(lambda m=method: gd_path(x, y, m, 0.05, STEPS, 16, 0), 3)
        steps = rng.integers(0, path.n_steps + 1, n_steps_timed)
        figs, enc, size = [], [], 0
        for s in steps:
            t0 = time.perf_counter()
            line, loss = gd_step_figures(x, y, path, int(s), ols, "x", "y")
            t1 = time.perf_counter()
            payload = line.to_json() + loss.to_json()
            t2 = time.perf_counter()
            figs.append(t1 - t0)
            enc.append(t2 - t1)
            size = len(payload)
        f_ms, e_ms = 1e3 * statistics.median(figs), 1e3 * statistics.median(enc)
        print(
            f"{method:<12}{1e3 * t_path:>9.1f}{f_ms:>12.1f}{e_ms:>9.1f}{f_ms + e_ms:>10.1f}{size / 1e3:>9.0f}"
        )


def browser(n: int) -> None:
    from bench.harness import (
        browser_page,
        floor_moves,
        max_trace_points,
        slider_handle,
        streamlit_server,
        wait_settled,
    )

    floor = floor_moves(n)
    with streamlit_server(ROOT / "app.py") as url, browser_page(1280, 800) as page:
        page.goto(f"{url}/Regression?reg.model=Polynomial+regression")
        wait_settled(page)
        page.wait_for_function(CHART_DRAWN, timeout=120_000)
        page.wait_for_timeout(1000)
        degree = key_moves(page, slider_handle(page, label="Degree"), n)
        most = max_trace_points(page)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "gd_step_app.py"
        script.write_text(GD_APP)
        with streamlit_server(script) as url, browser_page(1280, 800) as page:
            page.goto(url)
            wait_settled(page)
            page.wait_for_function(CHART_DRAWN, timeout=120_000)
            page.wait_for_timeout(1000)
            handle = slider_handle(page, label="Step")
            handle.focus()
            handle.press("Home")  # start at step 0, so ArrowRight moves forward
            page.wait_for_timeout(1500)  # a live slider (ui/live_slider.py) sends its value after a rest
            wait_settled(page)
            steps, rested = live_moves(page, handle, n)
            most = max(most, max_trace_points(page))
    latency_table(
        f"Key press -> page settled, headless Chromium 1280 × 800 ({n} moves each)",
        floor,
        [
            ("polynomial degree, new degree (fit + redraw)", degree[:10]),
            ("polynomial degree, degree fitted before", degree[10:]),
            (f"gradient-descent step, {N_POINTS:,} points, presses in a row", steps),
            ("gradient-descent step, press then rest -> rerun done", rested),
        ],
        most,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--moves", type=int, default=20)
    args = ap.parse_args()
    step_table()
    if not args.no_browser:
        browser(args.moves)


if __name__ == "__main__":
    main()
