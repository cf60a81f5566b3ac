"""Clustering page benchmarks: fit time per algorithm at growing sizes, the cached sweeps and step
histories, the cheap queries (dendrogram cut, k-distance), and slider latency in a real browser.

    python bench/bench_clustering.py               # everything (browser needs chromium)
    python bench/bench_clustering.py --no-browser  # compute timings only
    python bench/bench_clustering.py --sizes 1000 10000 --moves 20

1. Fit time of every registry clusterer at its page defaults (k = 5 where it has a k) on five
   standardised Gaussian blobs in 2-D, at 10^3, 10^4 and 10^5 rows. Hierarchical and spectral
   refuse more than 20,000 rows with a message (the linkage needs n(n-1)/2 distances: 1.6 GB at
   20,000 rows); k-means switches to mini-batch k-means above 20,000 rows.
2. What a page computes once per data and parameters (Lloyd and EM histories, elbow/silhouette and
   BIC/AIC sweeps, k-distance curve, linkage) and what a move costs afterwards (cut, eps line).
3. Real browser (Debian chromium): key press -> page settled for the k slider (k-means, 1,000 uploaded
   blob rows; k up, then back down), the step-through's Step slider and the dendrogram cut
   (hierarchical, same data), each beside the framework floor (bench/floor_app.py) measured in the
   same run, in blocks of 5 moves alternating with the page's blocks (both apps served at once). All
   three are live sliders (ui/live_slider.py): every k, cut and step is computed once (k_states: the
   table above), a move is answered in the browser and the value reaches the server once the slider
   rests; so a second set of rows times a press left to rest until the server's rerun has finished.
   Screenshots of the default page at 1366x768 and 1920x1080 go to /tmp.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import latency_table, timed  # noqa: E402
from ml import clustering as mlc  # noqa: E402
from ml import registry  # noqa: E402

K_PARAMS = {
    "kmeans": "n_clusters",
    "agglomerative": "n_clusters",
    "gmm": "n_components",
    "spectral": "n_clusters",
}


def blobs(n: int, seed: int = 0) -> np.ndarray:
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n, centers=5, n_features=2, cluster_std=1.0, random_state=seed)
    return mlc.prepare(X, "standard").X


def fit_table(sizes: list[int]) -> None:
    print("Fit time per clusterer (s; median of 3 at 10^3, one run above), 5 blobs in 2-D, standardised")
    names = [e.name for e in registry.entries("clusterer")]
    print(f"{'algorithm':<30}" + "".join(f"{n:>14,}" for n in sizes))
    data = {n: blobs(n) for n in sizes}
    for name in names:
        entry = registry.get("clusterer", name)
        params = {K_PARAMS[name]: 5} if name in K_PARAMS else {}
        if name == "dbscan":
            params = {"eps": 0.1, "min_samples": 5}
        cells = []
        for n in sizes:
            try:
                secs, f = timed(
                    lambda X=data[n], a=name, p=params: mlc.fit(a, p, X), reps=3 if n <= 1000 else 1
                )
                used = getattr(f.estimator, "algorithm_used_", "")
                cells.append(f"{secs:>12.3f}{'*' if 'mini-batch' in used else ' '} ")
            except ValueError as exc:
                cells.append(f"{'refused':>14}")
                refused = str(exc).split(":")[0][:80]
            except MemoryError:
                cells.append(f"{'memory':>14}")
        print(f"{entry.title:<30}" + "".join(cells))
        sys.stdout.flush()
    print("* mini-batch k-means (tables past 20,000 rows).")
    if "refused" in locals():
        print(f"refused: {refused} ...")


def _k_path_kmeans(X):
    """What the page computes once so that moving k is answered in the browser (ui.clustering.k_states,
    up to 2,500 rows): k-means at the page's defaults for every k of the slider, colours matched, scores."""
    fits = {k: mlc.fit("kmeans", {"n_clusters": k, "init": "k-means++", "n_init": 10}, X, 0) for k in range(1, 31)}
    return mlc.k_path({k: (f.labels, f.seconds) for k, f in fits.items()}, X, 0)


def _k_path_tree(X):
    tree = mlc.Hierarchical(1).fit(X)
    return mlc.k_path({k: (tree.cut(n_clusters=k)[0], 0.0) for k in range(1, 31)}, X, 0)


def once_table(sizes: list[int]) -> None:
    print("\nComputed once per data and parameters (s), then read by every move")
    rows = [
        (
            "Lloyd history (k = 5, 1 start)",
            lambda X: mlc.lloyd_history(X, 5, seed=0, keep=np.arange(min(len(X), 1000))),
        ),
        (
            "EM history (5 components, full)",
            lambda X: mlc.em_history(X, 5, seed=0, keep=np.arange(min(len(X), 1000))),
        ),
        ("elbow + silhouette, k = 1..10", lambda X: mlc.k_sweep(X, seed=0)),
        ("BIC / AIC, 1..10 components", lambda X: mlc.information_sweep(X, seed=0)),
        ("k-distance curve (MinPts 5)", lambda X: mlc.k_distance(X, 5)),
        ("linkage matrix (ward)", lambda X: mlc.Hierarchical(5).fit(X) if len(X) <= 20_000 else None),
        ("every k = 1..30: k-means + scores", lambda X: _k_path_kmeans(X) if len(X) <= 2_500 else None),
        ("every cut 1..30 of a tree + scores", lambda X: _k_path_tree(X) if len(X) <= 2_500 else None),
    ]
    sizes = [n for n in sizes if n <= 10_000]
    print(f"{'computation':<34}" + "".join(f"{n:>12,}" for n in sizes))
    data = {n: blobs(n) for n in sizes}
    for label, fn in rows:
        cells = [
            f"{timed(lambda X=data[n], g=fn: g(X), reps=1)[0]:>12.3f}" if "every" not in label or n <= 2_500 else f"{'—':>12}"
            for n in sizes
        ]
        print(f"{label:<34}" + "".join(cells))
        sys.stdout.flush()
    n = max(sizes)
    tree = mlc.Hierarchical(5).fit(data[n])
    cut, _ = timed(lambda: tree.cut(n_clusters=7), reps=5)
    layout, lay = timed(lambda: mlc.dendrogram_layout(tree), reps=3)
    kd = mlc.k_distance(data[n], 5)
    eps, _ = timed(lambda: kd.core_fraction(0.2), reps=5)
    from ml.plots.clustering import dendrogram_figure

    fig_s, fig = timed(
        lambda: dendrogram_figure(lay, tree.cut(n_clusters=7)[1], tree.height_for_k(7), 7), reps=3
    )
    from ml.plots import clustering as pc

    groups = pc.dendrogram_groups(lay, tree.cut(n_clusters=30)[1])
    fine = tree.cut(n_clusters=30)[0]
    point_groups = [np.flatnonzero(fine == c) for c in np.unique(fine)]

    def live_cut():  # what the page sends on a cut move: marks and colour restyles, no figure
        labels, nodes = tree.cut(n_clusters=7)
        return (
            pc.dendrogram_marks(lay, tree.height_for_k(7), 7),
            pc.dendrogram_colours(lay, groups, nodes),
            pc.group_colours([labels[g[0]] for g in point_groups]),
        )

    live, _ = timed(live_cut, reps=5)
    print(f"\nQueries at {n:,} rows: dendrogram cut {cut * 1000:.1f} ms; a cut's live update (marks and "
          f"colours of {len(groups)} branch and {len(point_groups)} point traces) {live * 1000:.1f} ms; "
          f"dendrogram layout (last "
          f"{len(lay.nodes)} merges) {layout * 1000:.1f} ms + figure {fig_s * 1000:.1f} ms; core share at an "
          f"eps {eps * 1e6:.0f} µs")  # fmt: skip


def _csv(n: int, path: Path) -> None:
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n, centers=3, n_features=2, cluster_std=1.0, center_box=(-8, 8), random_state=0)
    np.savetxt(path, X, delimiter=",", header="x1,x2", comments="", fmt="%.5f")


IN_FRAMES_TITLE_JS = """(start) => {
  const gd = document.querySelector('.js-plotly-plot');
  const t = gd && gd._fullLayout && gd._fullLayout.title && gd._fullLayout.title.text;
  return !!t && t.startsWith(start);
}"""


def _wait_live_title(page, start: str, timeout: float = 180) -> None:
    """Wait until a live chart (ui.live_plot draws in a component iframe) shows a title starting `start`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame == page.main_frame:
                continue
            try:
                if frame.evaluate(IN_FRAMES_TITLE_JS, start):
                    return
            except Exception:  # noqa: BLE001 - a frame still loading
                pass
        page.wait_for_timeout(200)
    raise TimeoutError(f"no live chart titled {start!r}")


def _rests(page, handle, n: int = 4) -> list[float]:
    """A live slider answers a press in the browser and sends its value once it rests (1 s): key press
    -> the end of the server's rerun, each press left to rest."""
    from bench.harness import press_and_settle

    return [press_and_settle(page, handle, "ArrowRight" if i % 2 == 0 else "ArrowLeft", quiet_ms=1800) for i in range(n)]


def _presses(page, handle, key: str, n: int) -> list[float]:
    from bench.harness import press_and_settle

    return [press_and_settle(page, handle, key) for _ in range(n)]


def browser(n: int, rows: int, shots: bool = True, block: int = 5) -> None:
    """Key press -> settled on the Clustering page, in blocks of `block` moves, each block followed by
    a block on the one-slider floor app served and open at the same time (the machine is shared: the
    floor is measured under the same load as the page, not only before it)."""
    from playwright.sync_api import sync_playwright

    from bench.harness import (
        CHROMIUM_FLAGS,
        ROOT,
        chromium_path,
        max_trace_points,
        slider_handle,
        streamlit_server,
        upload_file,
        wait_settled,
    )

    out = {"k_new": [], "k_seen": [], "step": [], "cut": [], "floor": []}
    with (
        tempfile.TemporaryDirectory() as tmp,
        streamlit_server(ROOT / "bench" / "floor_app.py") as floor_url,
        streamlit_server(ROOT / "pages" / "4_Clustering.py") as url,
        sync_playwright() as pw,
    ):
        chrome = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        fpage = chrome.new_page(viewport={"width": 1280, "height": 800})
        page = chrome.new_page(viewport={"width": 1280, "height": 800})
        fpage.goto(floor_url)
        wait_settled(fpage)
        fpage.wait_for_timeout(1000)
        fh = slider_handle(fpage)
        _presses(fpage, fh, "ArrowRight", 3)  # warm-up

        def floor() -> None:
            out["floor"].extend(
                _presses(fpage, fh, "ArrowRight" if len(out["floor"]) % 40 < 20 else "ArrowLeft", block)
            )

        csv = Path(tmp) / "blobs.csv"
        _csv(rows, csv)
        page.goto(url)
        wait_settled(page)
        page.get_by_text("Upload", exact=True).first.click()
        wait_settled(page)
        upload_file(page, csv)
        _wait_live_title(page, "k-means")
        wait_settled(page)
        page.wait_for_timeout(1500)
        k = slider_handle(page, label="k (number of clusters)")
        half = max(n // 2, 1)
        for key, where in (("ArrowRight", "k_new"), ("ArrowLeft", "k_seen")):  # k = 3 -> 3 + half and back
            done = 0
            while done < half:
                floor()
                out[where] += _presses(page, k, key, min(block, half - done))
                done += min(block, half - done)
        out["k_rest"] = _rests(page, k)
        page.get_by_text("Step through", exact=True).first.click()
        wait_settled(page)
        page.wait_for_timeout(1500)
        step = slider_handle(page, label="Step")  # the live step slider over the chart's frames
        _presses(page, step, "Home", 1)
        while len(out["step"]) < n:
            floor()
            out["step"] += _presses(page, step, "ArrowRight", min(block, n - len(out["step"])))
        out["step_rest"] = _rests(page, step)
        page.get_by_text("Clusters", exact=True).first.click()
        wait_settled(page)
        for _ in range(3):  # the select box's list sometimes closes while the page settles: try again
            try:
                page.locator("[data-testid='stSelectbox']").filter(has_text="Algorithm").first.click()
                page.get_by_role("option", name="Hierarchical (agglomerative)", exact=True).click(
                    timeout=5000
                )
                break
            except Exception:  # noqa: BLE001
                page.keyboard.press("Escape")
        wait_settled(page)
        _wait_live_title(page, "Hierarchical")
        page.wait_for_timeout(2000)
        cut = slider_handle(page, label="Number of clusters (the cut)")
        _presses(page, cut, "ArrowRight", 2)  # warm-up: k = 5
        for key in ("ArrowRight", "ArrowLeft"):  # new cuts up to 5 + half, then back over cached ones
            done = 0
            while done < half:
                floor()
                out["cut"] += _presses(page, cut, key, min(block, half - done))
                done += min(block, half - done)
        out["cut_rest"] = _rests(page, cut)
        floor()
        out["points"] = max_trace_points(page)
        if shots:
            for w, h in ((1366, 768), (1920, 1080)):
                shot = chrome.new_page(viewport={"width": w, "height": h})
                shot.goto(url)
                wait_settled(shot)
                _wait_live_title(shot, "k-means")
                shot.wait_for_timeout(1500)
                shot.screenshot(path=f"/tmp/clustering_{w}x{h}.png", full_page=True)
                shot.close()
            print("screenshots: /tmp/clustering_1366x768.png, /tmp/clustering_1920x1080.png")
        chrome.close()
    latency_table(
        f"Key press -> page settled, {rows:,} uploaded blob rows (median, p95, ratio to the floor measured "
        f"in blocks of {block} between the page's blocks)",
        out["floor"],
        [
            (f"k-means k up (every k precomputed) ×{len(out['k_new'])}", out["k_new"]),
            (f"k-means k back down ×{len(out['k_seen'])}", out["k_seen"]),
            (f"k-means step slider ×{len(out['step'])}", out["step"]),
            (f"dendrogram cut (number of clusters) ×{len(out['cut'])}", out["cut"]),
            ("  … k, press then rest: rerun done", out["k_rest"]),
            ("  … step, press then rest: rerun done", out["step_rest"]),
            ("  … cut, press then rest: rerun done", out["cut_rest"]),
        ],
        out["points"],
        width=50,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-compute", action="store_true")
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--rows", type=int, default=1000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    if not args.no_compute:
        fit_table(args.sizes)
        once_table(args.sizes)
    if not args.no_browser:
        browser(args.moves, args.rows)
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
