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
   blob rows; the first 10 moves are new k, the next 10 come back to cached ones) and for the
   dendrogram cut (hierarchical, same data), each beside the framework floor (bench/floor_app.py).
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
    ]
    sizes = [n for n in sizes if n <= 10_000]
    print(f"{'computation':<34}" + "".join(f"{n:>12,}" for n in sizes))
    data = {n: blobs(n) for n in sizes}
    for label, fn in rows:
        cells = [f"{timed(lambda X=data[n], g=fn: g(X), reps=1)[0]:>12.3f}" for n in sizes]
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
    print(f"\nQueries at {n:,} rows: dendrogram cut {cut * 1000:.1f} ms; dendrogram layout (last "
          f"{len(lay.nodes)} merges) {layout * 1000:.1f} ms + figure {fig_s * 1000:.1f} ms; core share at an "
          f"eps {eps * 1e6:.0f} µs")  # fmt: skip


def _csv(n: int, path: Path) -> None:
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n, centers=3, n_features=2, cluster_std=1.0, center_box=(-8, 8), random_state=0)
    np.savetxt(path, X, delimiter=",", header="x1,x2", comments="", fmt="%.5f")


def browser(n: int, rows: int) -> None:
    from bench.harness import (
        ROOT,
        browser_page,
        floor_moves,
        key_moves,
        max_trace_points,
        slider_handle,
        streamlit_server,
        upload_file,
        wait_settled,
    )

    floor = floor_moves(n)
    out = {}
    with tempfile.TemporaryDirectory() as tmp, streamlit_server(ROOT / "pages" / "4_Clustering.py") as url:
        csv = Path(tmp) / "blobs.csv"
        _csv(rows, csv)
        with browser_page(1280, 800) as page:
            page.goto(url)
            wait_settled(page)
            page.get_by_text("Upload", exact=True).first.click()
            wait_settled(page)
            upload_file(page, csv)
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(el => "
                "((el._fullLayout||{}).title||{}).text && el._fullLayout.title.text.includes('k-means'))",
                timeout=180_000,
            )
            wait_settled(page)
            page.wait_for_timeout(1500)
            out["k"] = key_moves(page, slider_handle(page, label="k (number of clusters)"), n)
            page.locator("[data-testid='stSelectbox']").filter(has_text="Algorithm").first.click()
            page.get_by_role("option", name="Hierarchical (agglomerative)", exact=True).click()
            wait_settled(page)
            page.wait_for_timeout(2000)
            out["cut"] = key_moves(
                page, slider_handle(page, label="Number of clusters (the cut)"), n, warmup=2
            )
            out["points"] = max_trace_points(page)
    latency_table(
        f"Key press -> page settled, {rows:,} uploaded blob rows ({n} moves each; median, p95, ratio to floor)",
        floor,
        [
            ("k-means, new k (fit + figures)", out["k"][:10]),
            ("k-means, k seen before (cached)", out["k"][10:]),
            ("hierarchical, dendrogram cut (cached tree)", out["cut"]),
        ],
        out["points"],
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
