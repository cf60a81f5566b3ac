"""Anomaly detection benchmarks: fit-and-score time per detector, DRAMA's ten metrics, the full
benchmark table, and the contamination slider in a real browser.

    python bench/bench_anomaly.py                  # everything (the browser part needs chromium)
    python bench/bench_anomaly.py --no-browser     # compute timings only
    python bench/bench_anomaly.py --sizes 1000 10000 --no-table --no-browser

1. Fit + score (decision_scores_ on the training rows) of every registry detector at its defaults on
   the local-anomaly set with 2 features at 10³, 10⁴ and 10⁵ rows. One-class SVM (O(n²) kernel) and
   the autoencoder are skipped above --max-slow rows, said in the table.
2. DRAMA's ten metrics together at 10⁴ rows × 100 features (event signals): one fit (PCA, 8 prototypes),
   then every metric's distances (`scores_by_metric`), and the vectorised distance kernels alone.
3. The full benchmark table (every detector and the DRAMA none/PCA/ICA/NMF × metric grid, on every
   labelled built-in anomaly set, 3 seeds): total wall time; goal under 60 s on 2 cores.
4. The contamination control on the Anomaly detection page (the live threshold component,
   ui/live_threshold.py): key press -> display updated in the browser (the component's own update, no
   round trip) and key press -> the server's confirmed numbers on screen, median and p95, beside the
   one-slider floor (bench/floor_app.py) measured in the same run. Goal (issue 13): at most 2× the floor.
   Then a scripted pointer drag across the control: the component's update time per frame and the
   frame-to-frame interval, p50 and p95 (window.mlxFrames), and how many updates one drag produced.
   --browser-only runs just this part.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import latency_table, timed, wait_settled  # noqa: E402
from ml import datasets, registry  # noqa: E402
from ml import detectors as det  # noqa: E402

SLOW = ("ocsvm", "autoencoder")


def fit_table(sizes, max_slow: int, reps: int) -> None:
    print("Fit + score per detector (local-anomaly set, 2 features; median of", reps, "runs, seconds)")
    names = [e.name for e in registry.entries("detector")]
    print(f"{'detector':<34}" + "".join(f"{n:>12,}" for n in sizes))
    data = {}
    for n in sizes:
        ds = datasets.load_dataset("anomaly_local", n_samples=min(n, 20000)) if n <= 20000 else None
        if ds is None:
            from ml import simulate_anomaly

            df = simulate_anomaly.local_anomaly(n, 2, 0.02, 0.05, 0)
            data[n] = df.drop(columns="label").to_numpy()
        else:
            data[n] = ds.X.to_numpy()
    for name in names:
        e = registry.get("detector", name)
        cells = []
        for n in sizes:
            X = data[n]
            if name in SLOW and n > max_slow:
                cells.append("skipped")
                continue
            params, _ = e.fit_to_data(e.validate({}), *X.shape)
            t, _ = timed(lambda e=e, params=params, X=X: e.make(params, 0).fit(X), reps if n <= 10_000 else 1)
            cells.append(f"{t:.3f}")
        print(f"{e.title:<34}" + "".join(f"{c:>12}" for c in cells))
    print(
        f"(skipped above {max_slow:,} rows: the one-class SVM, whose RBF kernel costs O(n²), and the autoencoder, "
        "100 epochs over every row)"
    )


def drama_metrics(n: int = 10_000, d: int = 100, reps: int = 3) -> None:
    from ml import simulate_anomaly

    X = simulate_anomaly.event_signals(n, d, 0.05, 0.1, 0).drop(columns="label").to_numpy()
    print(
        f"\nDRAMA's ten metrics at {n:,} rows × {d} features (PCA, 2 components, 8 prototypes; median of {reps})"
    )
    t_fit, m = timed(lambda: det.DRAMA(reduction="pca", split_levels=3, metric="l2").fit(X), reps)
    print(f"{'fit (scaling, PCA, agglomerative splitting, L2 scores)':<58}{t_fit:>8.3f} s")
    for space in ("original", "latent"):
        mm = det.DRAMA(reduction="pca", split_levels=3, metric="l2", space=space).fit(X)
        t_all, (by, skipped) = timed(lambda mm=mm: mm.scores_by_metric(), reps)
        print(
            f"{'all ten metrics + both ensembles, ' + space + ' space':<58}{t_all:>8.3f} s  ({len(by)} score sets)"
        )
    P = m.centres_
    print(f"{'kernel':<20}{'s (n × 8 prototypes)':>22}")
    for metric in det.METRICS:
        if metric == "mahalanobis":
            covs = [
                det.covariance_factors(np.asarray(m._train_rows)[m.cluster_labels_ == j])
                for j in range(len(P))
            ]
            t, _ = timed(
                lambda covs=covs: [f.distances(m._train_rows, c) for f, c in zip(covs, P, strict=True)], reps
            )
        else:
            t, _ = timed(
                lambda metric=metric: det.distances(m._train_rows, P, metric, spreads=m.spreads_), reps
            )
        print(f"{det.metric_title(metric):<20}{t:>22.3f}")


def table(seeds: int) -> None:
    print(
        f"\nFull benchmark table: {len(det.BENCH_DATASETS)} labelled sets × {seeds} seeds × every detector + DRAMA grid"
    )
    t0, c0 = time.perf_counter(), time.process_time()
    long, notes = det.run_benchmark(seeds=tuple(range(seeds)))
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"total {total:.1f} s wall, {cpu:.1f} s CPU for {len(long):,} scored (dataset, seed, method) rows; goal "
        f"< 60 s on 2 cores (load average now {os.getloadavg()[0]:.1f}: wall time grows with other work here)"
    )
    by_family = long.groupby("family")["seconds"].sum().sort_values(ascending=False)
    by_data = long.groupby("dataset")["seconds"].sum().sort_values(ascending=False)
    print("seconds by family:  " + ", ".join(f"{k} {v:.1f}" for k, v in by_family.items()))
    print("seconds by dataset: " + ", ".join(f"{k} {v:.1f}" for k, v in by_data.items()))
    import pandas as pd

    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(det.notes_table(det.summarise(long)).to_string(index=False))
    if notes:
        print(f"{len(notes)} notes, e.g. {notes[0]}")


DRAWN_JS = """() => [...document.querySelectorAll('iframe')].some(f => f.src.includes('live_threshold')
  && f.contentDocument && f.contentDocument.querySelector('#chart .main-svg')
  && f.contentDocument.querySelector('#chart2 .main-svg'))"""
KEY_AT_JS = """() => { window.mlxKeyAt = null;
  if (!window.mlxKeyHooked) { window.addEventListener('keydown', () => { window.mlxKeyAt = performance.now(); }, true);
                              window.mlxKeyHooked = true; } }"""
CONFIRMED_JS = """(before) => window.mlxConfirmed > before
  && document.body.dataset.confirmedValue === document.body.dataset.value"""
TIMES_JS = """() => { const k = window.mlxKeyAt, f = window.mlxFrames.find(([a]) => a >= k);
  return [(f[1] - k) / 1000, (window.mlxConfirmedAt - k) / 1000]; }"""


def _pct(xs, q) -> float:
    return float(np.percentile(xs, q)) if len(xs) else float("nan")


def live_key_moves(page, frame, n: int, warmup: int = 2) -> tuple[list[float], list[float]]:
    """Arrow keys on the component's contamination control (ten right, ten left, ...): seconds from the
    key press to the browser's own update, and to the server's confirmed numbers on screen."""
    slider = frame.locator("#slider")
    shown, confirmed = [], []
    for i in range(n + warmup):
        key = "ArrowRight" if (i // 10) % 2 == 0 else "ArrowLeft"
        frame.evaluate(KEY_AT_JS)
        before = frame.evaluate("() => window.mlxConfirmed")
        slider.press(key)
        frame.wait_for_function(CONFIRMED_JS, arg=before, timeout=60_000, polling=10)
        a, b = frame.evaluate(TIMES_JS)
        wait_settled(page)
        if i >= warmup:
            shown.append(a)
            confirmed.append(b)
    return shown, confirmed


def live_drag(page, frame, moves: int) -> dict:
    """A scripted pointer drag across the control and back; the second (measured) drag's frame marks."""
    box = frame.locator("#slider").bounding_box()
    y = box["y"] + box["height"] / 2
    left, right = box["x"] + 2, box["x"] + box["width"] - 2
    out = {}
    for rep in range(2):  # the first drag warms the JIT; the second, back, is measured
        start, end = (left, right) if rep == 0 else (right, left)
        page.mouse.move(start, y)
        page.mouse.down()
        frame.evaluate("() => { window.mlxFrames = []; }")
        page.mouse.move(end, y, steps=moves)
        marks = frame.evaluate("() => window.mlxFrames")
        page.mouse.up()
        wait_settled(page)
        page.wait_for_timeout(500)
        starts = [a for a, _ in marks]
        out = {
            "updates": len(marks),
            "distinct": len(set(starts)),
            "update_ms": [b - a for a, b in marks],
            "interval_ms": list(np.diff(starts)),
        }
    return out


def browser(n: int, drag_moves: int = 150) -> None:
    from bench.harness import ROOT, browser_page, floor_moves, max_trace_points, streamlit_server

    print(
        f"machine load (uptime): {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"
    )
    floor = floor_moves(n)
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        page.goto(f"{url}/Anomaly_detection")
        wait_settled(page)
        page.wait_for_function(DRAWN_JS, timeout=180_000, polling=200)
        frame = page.locator("iframe[src*='live_threshold']").first.element_handle().content_frame()
        page.wait_for_timeout(2000)
        shown, confirmed = live_key_moves(page, frame, n)
        drag = live_drag(page, frame, drag_moves)
        most = max_trace_points(page)
    latency_table(
        f"Contamination control (live threshold component; Isolation Forest, local anomalies, 1,000 rows; {n} "
        "key presses)",
        floor,
        [("key -> display updated (browser)", shown), ("key -> server-confirmed numbers", confirmed)],
        most,
        width=44,
    )  # fmt: skip
    print(
        f"Drag ({drag_moves} pointer moves): {drag['updates']} updates; update per frame p50 "
        f"{_pct(drag['update_ms'], 50):.2f} ms, p95 {_pct(drag['update_ms'], 95):.2f} ms; frame-to-frame "
        f"p50 {_pct(drag['interval_ms'], 50):.1f} ms, p95 {_pct(drag['interval_ms'], 95):.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--max-slow", type=int, default=20_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--no-fit", action="store_true")
    ap.add_argument("--no-drama", action="store_true")
    ap.add_argument("--no-table", action="store_true")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--browser-only", action="store_true")
    ap.add_argument("--drag-moves", type=int, default=150)
    args = ap.parse_args()
    if args.browser_only:
        browser(args.moves, args.drag_moves)
        return
    if not args.no_fit:
        fit_table(args.sizes, args.max_slow, args.reps)
    if not args.no_drama:
        drama_metrics(reps=args.reps)
    if not args.no_table:
        table(args.seeds)
    if not args.no_browser:
        browser(args.moves, args.drag_moves)


if __name__ == "__main__":
    main()
