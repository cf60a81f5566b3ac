"""The ROC Explorer's live threshold in Chromium: frame time while dragging, payload per upload, and
release -> exact numbers confirmed, beside the framework's one-slider floor.

For each size: upload that many scores, drag the slider across with a scripted pointer (mouse down,
many moves, mouse up) and read the component's own marks (window.mlxFrames: start and end of every
in-browser update): the update time per frame and the frame-to-frame interval, p50 and p95. The
payload is the JSON the page sends for the counts (ThresholdEngine.browser_counts().payload()).
Usage: python bench/bench_threshold_drag.py [--rows 10000 1000000 10000000] [--moves 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (  # noqa: E402
    _DONE,
    _WATCH,
    ROOT,
    browser_page,
    floor_moves,
    streamlit_server,
    upload_file,
    wait_settled,
)
from ml.thresholds import ThresholdEngine  # noqa: E402

DRAWN_JS = """() => [...document.querySelectorAll('iframe')].some(f => f.src.includes('live_threshold')
  && f.contentDocument && f.contentDocument.querySelector('.js-plotly-plot .main-svg'))"""


def scores(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(rows) < 0.3
    return y, np.round(rng.normal(y * 1.0, 1.0), 6)


def write_csv(y, s, path: Path) -> None:
    with open(path, "w") as f:
        f.write("label,score\n")
        np.savetxt(f, np.column_stack([y.astype(int), s]), fmt=["%d", "%.6f"], delimiter=",")


def pct(xs, q) -> float:
    return float(np.percentile(xs, q)) if len(xs) else float("nan")


def drag_once(rows: int, csv: Path, moves: int) -> dict:
    out = {}
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        page.goto(f"{url}/ROC_Explorer")
        wait_settled(page)
        page.get_by_text("Upload labels and scores (CSV)").click()
        wait_settled(page)
        t0 = time.perf_counter()
        upload_file(page, csv)
        page.wait_for_function(DRAWN_JS, timeout=600_000, polling=200)
        wait_settled(page, timeout_ms=600_000)
        out["upload_to_ready_s"] = time.perf_counter() - t0
        frame = page.locator("iframe[src*='live_threshold']").first.element_handle().content_frame()
        box = frame.locator("#slider").bounding_box()
        y = box["y"] + box["height"] / 2
        left, right = box["x"] + 2, box["x"] + box["width"] - 2
        for rep in range(2):  # the first drag (left to right) warms the JIT; the second (back) is measured
            frame.evaluate("() => { window.mlxFrames = []; }")
            start, end = (left, right) if rep == 0 else (right, left)
            page.mouse.move(start, y)
            page.mouse.down()
            page.mouse.move(end, y, steps=moves)
            marks = frame.evaluate("() => window.mlxFrames")
            page.evaluate(_WATCH, None)
            t_up = time.perf_counter()
            page.mouse.up()
            page.wait_for_function(_DONE, arg=300, timeout=120_000, polling=20)
            confirm = page.evaluate("() => (window.__last - window.__t0) / 1000")
            wait_settled(page)
        starts = [a for a, _ in marks]
        out["updates"] = len(marks)
        out["update_ms"] = [b - a for a, b in marks]
        out["interval_ms"] = list(np.diff(starts))
        out["confirm_s"] = confirm
        out["wall_drag_s"] = time.perf_counter() - t_up
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--moves", type=int, default=200)
    ap.add_argument("--floor-moves", type=int, default=15)
    args = ap.parse_args()
    floor = floor_moves(args.floor_moves)
    fm = statistics.median(floor)
    print("Live threshold drag (Chromium, 1366x768); per-frame figures from the component's own marks")
    print(f"one-slider floor (key press -> settled): median {fm:.3f} s, p95 {pct(floor, 95):.3f} s")
    print(f"{'scores':>11} {'thresholds sent':>15} {'payload':>9} {'updates':>8} {'update p50/p95 ms':>18}"
          f" {'interval p50/p95 ms':>20} {'release->exact s':>17} {'ratio':>6} {'upload->ready s':>16}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            yv, sv = scores(rows)
            b = ThresholdEngine(yv, sv).browser_counts()
            payload = len(json.dumps(b.payload()))
            csv = Path(tmp) / f"scores_{rows}.csv"
            write_csv(yv, sv, csv)
            del yv, sv
            r = drag_once(rows, csv, args.moves)
            csv.unlink()
            exact = "exact" if b.step == 0 else f"grid ±{b.step}"
            print(
                f"{rows:>11,} {b.thresholds.size:>9,} {exact:>5} {payload / 1e6:>7.2f}MB {r['updates']:>8}"
                f" {pct(r['update_ms'], 50):>8.1f}/{pct(r['update_ms'], 95):<8.1f}"
                f" {pct(r['interval_ms'], 50):>9.1f}/{pct(r['interval_ms'], 95):<9.1f}"
                f" {r['confirm_s']:>17.3f} {r['confirm_s'] / fm:>6.2f} {r['upload_to_ready_s']:>16.1f}"
            )


if __name__ == "__main__":
    main()
