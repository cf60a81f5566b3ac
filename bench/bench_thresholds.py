"""Benchmark ml.thresholds.ThresholdEngine: preparation, per-threshold queries, thinned ROC, memory.

    python bench/bench_thresholds.py            # n = 1e4 … 1e7 (under 30 s on 2 cores)
    python bench/bench_thresholds.py --quick    # stop at 1e6

Scores are continuous (every score distinct: the largest curves), 30 % positives.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from ml.thresholds import ThresholdEngine  # noqa: E402


def timed(fn, reps: int) -> float:
    """Median wall time of `fn()` over `reps` runs, in seconds."""
    out = []
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def per_call_us(fn, args) -> float:
    """Median time of one `fn(a)` call over the arguments, in microseconds."""
    out = []
    clock = time.perf_counter_ns
    for a in args:
        t0 = clock()
        fn(a)
        out.append(clock() - t0)
    return statistics.median(out) / 1e3


def peak_mib(fn) -> tuple[float, object]:
    """(tracemalloc peak in MiB while running `fn`, its result)."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20, result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="stop at n = 10^6")
    args = ap.parse_args(argv)
    sizes = [10**4, 10**5, 10**6] + ([] if args.quick else [10**7])

    cols = (
        f"{'n':>10} {'prep ms':>9} {'prep MiB':>9} {'counts us':>10} {'metrics us':>11} "
        f"{'ROC 1st ms':>11} {'ROC ms':>8} {'PR ms':>8} {'curve MiB':>10} {'kept B/n':>9} {'+curve B/n':>11}"
    )
    print(cols)
    print("-" * len(cols))
    for n in sizes:
        rng = np.random.default_rng(n)
        y = rng.random(n) < 0.3
        s = rng.normal(size=n) + 1.0 * y
        reps = 7 if n <= 10**6 else 3

        prep = timed(lambda y=y, s=s: ThresholdEngine(y, s), reps)
        prep_peak, e = peak_mib(lambda y=y, s=s: ThresholdEngine(y, s))
        kept = e.nbytes

        ts = rng.uniform(e.score_min, e.score_max, size=1000).tolist()
        e.counts(ts[0]), e.metrics(ts[0])  # warm
        counts_us = per_call_us(e.counts, ts)
        metrics_us = per_call_us(e.metrics, ts)

        # first thinned ROC builds the per-threshold counts (lazily, once); later ones reuse them
        t0 = time.perf_counter()
        curve_peak, _ = peak_mib(lambda e=e: e.thinned_roc(2000))
        roc_first = (
            time.perf_counter() - t0
        )  # includes tracemalloc's overhead; see ROC ms for the cached figure
        e2 = ThresholdEngine(y, s)
        t0 = time.perf_counter()
        e2.thinned_roc(2000)
        roc_first = min(roc_first, time.perf_counter() - t0)
        roc = timed(lambda e=e: e.thinned_roc(2000), reps)
        pr = timed(lambda e=e: e.thinned_pr(2000), max(1, reps // 2))

        print(
            f"{n:>10,} {prep * 1e3:>9.1f} {prep_peak:>9.1f} {counts_us:>10.2f} {metrics_us:>11.2f} "
            f"{roc_first * 1e3:>11.1f} {roc * 1e3:>8.1f} {pr * 1e3:>8.1f} {curve_peak:>10.1f} {kept / n:>9.1f} "
            f"{e.nbytes / n:>11.1f}",
            flush=True,
        )
        del e, e2, y, s
    print(
        "\nprep: build the engine (validate, sort each class); prep MiB: tracemalloc peak while building."
        "\ncounts/metrics: median of 1000 single-threshold queries. ROC 1st: first thinned_roc(2000),"
        "\nwhich builds the per-threshold counts; ROC: later calls (O(k log n)); PR: thinned_pr(2000), O(n)."
        "\ncurve MiB: tracemalloc peak during the first thinned_roc."
        "\nkept B/n: bytes the engine holds per sample after building; +curve: after curves are cached."
    )


if __name__ == "__main__":
    main()
