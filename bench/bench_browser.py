"""Threshold-slider latency in a real browser: ROC Explorer with 10^6 uploaded scores vs the framework floor.

Prints median and 95th percentile of key press -> page settled over N moves for a minimal
Streamlit app (one slider, one number) and for the ROC Explorer, their ratio, the server's
memory before and after the upload, and the most points any Plotly trace holds.
Usage: python bench/bench_browser.py [--moves 25] [--rows 1000000]
       python bench/bench_browser.py --pages [--moves 10]   (each page's main slider, first visits)
       python bench/bench_browser.py --pages --only Classification --no-visits --app /old/app.py --app app.py
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (
    ROOT,
    SERVER_PIDS,
    browser_page,
    floor_moves,
    key_moves,
    live_moves,
    max_trace_points,
    press_and_settle,
    rss_mb,
    slider_handle,
    streamlit_server,
    upload_file,
    wait_server_idle,
    wait_settled,
)


def p95(xs):
    return float(np.percentile(xs, 95))


def scores_csv(rows: int, path: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    y = rng.random(rows) < 0.3
    s1 = np.clip(rng.normal(0.35 + 0.3 * y, 0.18), 0, 1)
    s2 = np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1)
    with open(path, "w") as f:
        f.write("label,model_a,model_b\n")
        np.savetxt(f, np.column_stack([y.astype(int), s1, s2]), fmt=["%d", "%.6f", "%.6f"], delimiter=",")


def roc_page(n: int, csv: Path) -> tuple[list[float], dict]:
    info = {}
    with streamlit_server(ROOT / "app.py") as url, browser_page(1280, 800) as page:
        page.goto(f"{url}/ROC_Explorer")
        wait_settled(page)
        pid = SERVER_PIDS[url]
        page.get_by_text("Upload labels and scores (CSV)").click()
        wait_settled(page)
        info["rss_before_mb"] = rss_mb(pid)
        t0 = time.perf_counter()
        upload_file(page, csv)
        # the threshold is the live threshold component (ui/live_threshold.py): its slider draws in its frame
        page.wait_for_function("() => [...document.querySelectorAll('iframe')].some(f => f.src.includes('live_threshold')"
                               " && f.contentDocument && f.contentDocument.querySelector('#slider:not([disabled])'))",
                               timeout=180_000)  # fmt: skip
        wait_settled(page)
        info["upload_to_ready_s"] = time.perf_counter() - t0
        page.wait_for_timeout(1000)
        info["rss_after_mb"] = rss_mb(pid)
        frame = page.locator("iframe[src*='live_threshold']").first.element_handle().content_frame()
        handle = frame.locator("#slider")
        times = key_moves(page, handle, n, warmup=3)
        info["max_trace_points"] = max_trace_points(page)
        info["rss_end_mb"] = rss_mb(pid)
    return times, info


# (page file, query string, slider label, what it does) on the built-in default datasets
PAGE_SLIDERS = (
    ("pages/2_Classification.py", "model=tree", "Maximum depth", "live-retrain"),  # values around it fitted ahead
    ("pages/2_Classification.py", "model=svm", "Kernel width", "live-retrain"),
    ("pages/2_Classification.py", "model=knn", "Neighbours k", "live-retrain"),
    ("pages/1_Regression.py", "reg.model=polynomial", "Degree", "live-retrain"),  # every degree fitted once
    ("pages/1_Regression.py", "reg.model=gd", "Step", "live"),
    ("pages/3_ROC_Explorer.py", "", "Threshold", "threshold"),  # the live threshold component, default scores
)


def live_handle(page, label: str, timeout_s: float = 60):
    """The range input of the live slider (ui/live_slider.py) whose label starts with `label`, in its
    component's frame ("Step" must not match the sidebar's "Number of steps", a plain slider)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "live_slider" in frame.url:
                found = frame.locator(f"input[type='range'][aria-label^={label!r}]")  # the label starts so
                if found.count():
                    return found.first
        page.wait_for_timeout(200)
    raise RuntimeError(f"no live slider labelled {label!r}")


def page_sliders(
    n: int, only: str = "", visits_too: bool = True, app: Path = ROOT / "app.py"
) -> tuple[list[tuple[str, str, list[float]]], list[tuple[str, float]]]:
    """Key press -> settled on each page's main slider (warm server, one browser), and the first visit
    of each page in a new browser session on the warm server. `only`: sliders whose row name holds it;
    `app`: the router to serve (another checkout's app.py, to compare before and after in one run)."""
    from ui.navigation import HOME, PAGES

    path = {p.file: p.url_path for p in (HOME, *PAGES)}
    out, visits = [], []
    with streamlit_server(app) as url:
        with browser_page(1366, 768) as page:  # warm the server: every page once
            for f in (HOME.file, *(p.file for p in PAGES if p.file.endswith(("1_Regression.py", "2_Classification.py", "3_ROC_Explorer.py")))):
                page.goto(f"{url}/{path[f]}")
                wait_settled(page)
                page.wait_for_timeout(2000)
                wait_settled(page)
        wait_server_idle(SERVER_PIDS[url])  # the app's background UMAP warm-up (a numba compile) has finished
        for f, query, label, kind in PAGE_SLIDERS:
            if only and only.lower() not in f"{path[f]} {label} {query}".lower():
                continue
            with browser_page(1366, 768) as page:
                page.goto(f"{url}/{path[f]}?{query}")
                wait_settled(page)
                page.wait_for_timeout(1500)
                if kind == "threshold":  # ui/live_threshold.py: answered in the browser, a key press confirmed exactly
                    page.wait_for_function("() => [...document.querySelectorAll('iframe')].some(f => "
                                           "f.src.includes('live_threshold') && f.contentDocument && "
                                           "f.contentDocument.querySelector('#slider:not([disabled])'))", timeout=120_000)  # fmt: skip
                    frame = page.locator("iframe[src*='live_threshold']").first.element_handle().content_frame()
                    out.append((f"{path[f]} {label} (built-in scores)", "view", key_moves(page, frame.locator("#slider"), n, 2)))
                    continue
                if kind.startswith("live"):  # answered in the browser; the value reaches the server after a rest
                    handle = live_handle(page, label)
                    if kind == "live":
                        handle.focus()
                        handle.press("Home")  # the step slider opens at its last step: start from step 0
                        page.wait_for_timeout(1500)
                        wait_settled(page)
                    quick, rested = live_moves(page, handle, n)
                    goal = "view" if kind == "live" else "retrain"
                    out.append((f"{path[f]} {label} ({query}), presses in a row", goal, quick))
                    if kind == "live-retrain":  # a press past where the model stops changing settles at once
                        changed = []
                        handle.focus()
                        handle.press("Home")
                        page.wait_for_timeout(2500)
                        for _ in range(n):
                            t = press_and_settle(page, handle, "ArrowRight")
                            if page.evaluate("() => window.__outside"):
                                changed.append(t)
                        out.append((f"{path[f]} {label}, from the lowest: presses that changed the page "
                                    f"({len(changed)} of {n})", goal, changed))
                    out.append((f"{path[f]} {label}, press then rest -> rerun done", "rest", rested))
                    continue
                # the label starts the slider's text ("Step" must not match "Number of steps")
                handle = slider_handle(page, label=re.compile(rf"^{re.escape(label)}"))
                if kind == "view":  # the step slider opens at its last step: start from step 0
                    handle.focus()
                    handle.press("Home")
                    page.wait_for_timeout(1500)
                    wait_settled(page)
                press_and_settle(page, handle, "ArrowRight")  # warm-up move (untimed)
                press_and_settle(page, handle, "ArrowLeft")
                right = [press_and_settle(page, handle, "ArrowRight") for _ in range(n)]  # new settings each
                left = [press_and_settle(page, handle, "ArrowLeft") for _ in range(n)]  # back: fits are cached
                out.append((f"{path[f]} {label} ({query})", kind, right))
                out.append((f"{path[f]} {label} back (cached fits)", "view", left))
        for f in (HOME.file, "pages/1_Regression.py", "pages/2_Classification.py", "pages/3_ROC_Explorer.py"):
            if not visits_too or (only and only.lower() not in path[f].lower()):
                continue
            with browser_page(1366, 768) as page:
                t0 = time.perf_counter()
                page.goto(f"{url}/{path[f]}")
                page.wait_for_timeout(300)
                wait_settled(page)
                if "ROC" in f:  # the live threshold component has drawn its chart
                    page.wait_for_function("() => [...document.querySelectorAll('iframe')].some(fr => "
                                           "fr.contentDocument && fr.contentDocument.querySelector('.main-svg'))",
                                           timeout=120_000)  # fmt: skip
                visits.append((path[f], time.perf_counter() - t0))
    return out, visits


def pages_main(n: int, only: str = "", visits_too: bool = True, apps: tuple[Path, ...] = (ROOT / "app.py",)) -> None:
    f = floor_moves(n)
    fm = statistics.median(f)
    rows, visits = [], []
    for app in apps:
        tag = "" if len(apps) == 1 else f"[{app.parent.name}] "
        r, v = page_sliders(n, only, visits_too, app)
        rows += [(tag + name, kind, t) for name, kind, t in r]
        visits += [(tag + name, s) for name, s in v]
    print(f"Main sliders, key press -> page settled ({n} moves each, 1366x768, warm server)")
    print(f"{'slider':<62}{'median s':>10}{'p95 s':>9}{'ratio':>8}{'goal':>7}")
    print(f"{'floor (one slider, one number)':<62}{fm:>10.3f}{p95(f):>9.3f}{1.0:>8.2f}")
    for name, kind, t in rows:
        goal = {"view": "≤2×", "rest": ""}.get(kind, "≤4×")
        print(f"{name:<62}{statistics.median(t):>10.3f}{p95(t):>9.3f}{statistics.median(t) / fm:>8.2f}{goal:>7}")
    print("First visit of each page (new browser session, warm server), goal ≤ 3 s")
    for name, s in visits:
        print(f"  {name:<40}{s:>7.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--moves", type=int, default=25)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pages", action="store_true", help="each page's main slider and first visits instead")
    ap.add_argument("--only", default="", help="with --pages: only the sliders and first visits whose name holds this")
    ap.add_argument("--no-visits", action="store_true", help="with --pages: sliders only, no first visits")
    ap.add_argument("--app", action="append", type=Path, default=None,
                    help="with --pages: the app.py to serve; repeat to compare checkouts in one run (one floor)")  # fmt: skip
    args = ap.parse_args()
    if args.pages:
        pages_main(args.moves, args.only, not args.no_visits, tuple(args.app or [ROOT / "app.py"]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "scores.csv"
        scores_csv(args.rows, csv)
        size_mb = csv.stat().st_size / 1e6
        f = floor_moves(args.moves)
        r, info = roc_page(args.moves, csv)
    fm, rm = statistics.median(f), statistics.median(r)
    print(f"Threshold slider latency, key press -> page settled ({args.moves} moves each)")
    print(f"{'app':<34}{'median s':>10}{'p95 s':>10}{'ratio':>8}")
    print(f"{'floor (one slider, one number)':<34}{fm:>10.3f}{p95(f):>10.3f}{1.0:>8.2f}")
    print(f"{f'ROC Explorer, {args.rows:,} scores':<34}{rm:>10.3f}{p95(r):>10.3f}{rm / fm:>8.2f}")
    print(f"upload: {size_mb:.1f} MB CSV, upload -> ready {info['upload_to_ready_s']:.1f} s")
    print(
        f"server memory: {info['rss_before_mb']:.0f} MB before upload, {info['rss_after_mb']:.0f} MB after "
        f"(+{info['rss_after_mb'] - info['rss_before_mb']:.0f} MB), {info['rss_end_mb']:.0f} MB after the moves"
    )
    print(f"most points in any Plotly trace: {info['max_trace_points']:,}")


if __name__ == "__main__":
    main()
