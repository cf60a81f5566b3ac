"""Memory soak (issue 10): many big uploads and visits to every page with every built-in dataset, and the
server's memory after each step. Not a test: it prints a table.

The pages run in this process through Streamlit's AppTest (the same scripts, caches and stores a
`streamlit run` server holds), so this process's resident memory is the server's. A few sessions stay
open at once (`--sessions`), as students' tabs would; older ones are closed.

    python bench/bench_memory.py                 # 20 uploads of 1,000,000 rows (long: minutes)
    python bench/bench_memory.py --quick         # 4 uploads of 200,000 rows, fewer datasets
    python bench/bench_memory.py --parse         # only: reading a 1M-row upload, plain vs with progress

Goal: memory flat once the caches are full (their byte budgets are ui.cache.CACHE_BUDGET_MB), and
under 1.5 GB.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ML_EXPLORER_THREADS", "1")

from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.app.test_hostile_uploads import to_upload  # noqa: E402
from tests.app.walk import _set_raw  # noqa: E402
from ui import navigation  # noqa: E402

GOAL_MB = 1500


def rss_mb() -> float:
    """Resident memory of this process (Linux /proc), after a garbage collection."""
    gc.collect()
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024**2


def trimmed_rss_mb() -> float:
    """Resident memory after also handing freed heap pages back to the system (glibc malloc_trim): the part
    of RSS that is live data, not the allocator's free lists."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    return rss_mb()


def big_csv(n: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    df = pd.DataFrame({
        "a": rng.normal(y, 1.0).round(5), "b": rng.normal(-y, 1.0).round(5), "c": rng.uniform(size=n).round(5),
        "label": np.where(y == 1, "signal", "background"), "score": (0.4 * y + rng.uniform(size=n) * 0.6).round(5),
    })  # fmt: skip
    return df.to_csv(index=False).encode()


def every_cache() -> list[tuple[str, int, float]]:
    """(function, entries, MB) of every st.cache_resource / st.cache_data cache in this process (resources
    estimated by ui.budget.nbytes, data by its pickled bytes), largest first: the budgeted and the others."""
    from streamlit.runtime.caching import cache_data_api, cache_resource_api

    from ui.budget import nbytes

    out = []
    for session in list(cache_resource_api._resource_caches._function_caches.values()):
        for cache in list(session.values()):
            with cache._mem_cache_lock:
                values = [r.value for r in cache._mem_cache.values()]
            out.append((f"resource {cache.display_name.rsplit('.', 1)[-1]}", len(values), sum(nbytes(v) for v in values) / 1024**2))
    for session in list(cache_data_api._data_caches._function_caches.values()):
        for cache in list(session.values()):
            stats = cache.storage.get_stats().get("cache_memory_bytes", []) if hasattr(cache, "storage") else []
            out.append((f"data {cache.display_name.rsplit('.', 1)[-1]}", len(stats), sum(st.byte_length for st in stats) / 1024**2))
    return sorted(out, key=lambda r: -r[2])


def parse_bench(n_rows: int, repeats: int = 7) -> None:
    """Seconds to read an `n_rows` upload: read_table as before (no progress) against the page's way
    (read_table with a progress callback in a worker thread, the page polling it every 0.25 s), interleaved."""
    import statistics
    from concurrent.futures import Future
    from concurrent.futures import wait as wait_futures
    from threading import Thread

    from ml import tables

    data = big_csv(n_rows, seed=0)
    plain, progress = [], []

    def threaded() -> tables.Table:
        fut: Future = Future()
        seen = []
        Thread(target=lambda: fut.set_result(tables.read_table(data, "big.csv", progress=seen.append))).start()
        while not fut.done():
            wait_futures([fut], timeout=0.25)
        return fut.result()

    for _ in range(repeats):
        t0 = time.perf_counter()
        a = tables.read_table(data, "big.csv")
        plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b = threaded()
        progress.append(time.perf_counter() - t0)
    same = a.df.equals(b.df) and a.df.dtypes.equals(b.df.dtypes) and a.notes == b.notes
    print(f"read {n_rows:,} rows ({len(data) / 1024**2:.0f} MB), {repeats} runs each, interleaved; load {os.getloadavg()[0]:.1f}")
    print(f"  as before (no progress): median {statistics.median(plain):.3f} s  (min {min(plain):.3f})")
    print(f"  with progress (thread):  median {statistics.median(progress):.3f} s  (min {min(progress):.3f})")
    print(f"  ratio of medians {statistics.median(progress) / statistics.median(plain):.3f}; same table: {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sessions", type=int, default=3, help="sessions kept open at once")
    ap.add_argument("--max-datasets", type=int, default=100, help="built-in datasets visited per page")
    ap.add_argument("--quick", action="store_true", help="4 uploads of 200,000 rows, 4 datasets per page")
    ap.add_argument("--trim", action="store_true", help="also show RSS after malloc_trim (live data vs free lists)")
    ap.add_argument("--parse", action="store_true", help="only time reading a --rows upload, plain vs with progress")
    args = ap.parse_args()
    if args.parse:
        parse_bench(args.rows)
        return
    if args.quick:
        args.uploads, args.rows, args.max_datasets = 4, 200_000, 4
    pages = navigation.installed()
    rows: list[tuple[str, float, float]] = []
    start = time.perf_counter()
    base = rss_mb()
    rows.append(("start", base, 0.0))
    print(f"{'step':58s} {'RSS MB':>8s} {'s':>7s} {'cached MB':>9s} {'disk MB':>8s} {'trimmed':>8s}")
    from ui import budget, cache

    def record(step: str, t0: float) -> None:
        rows.append((step, rss_mb(), time.perf_counter() - t0))
        held = sum(h for _, h, _ in budget.usage().values()) / 1024**2
        disk = cache.upload_files().total / 1024**2
        trimmed = trimmed_rss_mb() if args.trim else float("nan")
        print(f"{step[:58]:58s} {rows[-1][1]:8.0f} {rows[-1][2]:7.1f} {held:9.0f} {disk:8.0f} {trimmed:8.0f}", flush=True)

    open_sessions: list[AppTest] = []

    def keep(at: AppTest) -> None:
        open_sessions.append(at)
        while len(open_sessions) > args.sessions:
            open_sessions.pop(0)

    # 1. every page with every built-in dataset it offers
    for page in pages:
        t0 = time.perf_counter()
        at = AppTest.from_file(str(ROOT / page.file), default_timeout=600)
        at.run()
        picker = next((s for s in at.selectbox if (s.key or "").endswith(".dataset")), None)
        options = list(picker.options)[: args.max_datasets] if picker else []
        for option in options:
            picker = next(s for s in at.selectbox if (s.key or "").endswith(".dataset"))
            _set_raw(picker, option)
            at.run()
        keep(at)
        record(f"{page.title}: {len(options)} built-in datasets", t0)

    # 2. big uploads, each to every page that takes uploads, a new session each time
    for i in range(args.uploads):
        data = big_csv(args.rows, seed=i)
        for page in pages:
            t0 = time.perf_counter()
            at = AppTest.from_file(str(ROOT / page.file), default_timeout=600)
            at.run()
            uploader = to_upload(at)
            if uploader is None:
                continue
            uploader.set_value((f"big_{i}.csv", data, "text/csv"))
            at.run()
            keep(at)
            record(f"upload {i + 1}/{args.uploads} ({len(data) / 1024**2:.0f} MB, {args.rows:,} rows): {page.title}", t0)
        del data

    peak = max(r[1] for r in rows)
    half = rows[len(rows) // 2 :]
    print()
    print(f"start {base:.0f} MB · peak {peak:.0f} MB · end {rows[-1][1]:.0f} MB · goal < {GOAL_MB} MB: "
          f"{'met' if peak < GOAL_MB else 'NOT met'} · {time.perf_counter() - start:.0f} s in all")  # fmt: skip
    print(f"second half of the run: min {min(r[1] for r in half):.0f} MB, max {max(r[1] for r in half):.0f} MB "
          "(flat once the caches are full)")  # fmt: skip
    print("\ncache            entries   held MB  budget MB")
    for name, (n, held, limit) in sorted(budget.usage().items()):
        print(f"{name:16s} {n:7d} {held / 1024**2:9.1f} {limit / 1024**2:10.0f}")
    print("\nevery st.cache_* (largest first)          entries   MB")
    for name, n, mb in every_cache()[:25]:
        print(f"{name[:40]:40s} {n:7d} {mb:6.1f}")


if __name__ == "__main__":
    main()
