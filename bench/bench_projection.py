"""Dimensionality reduction benchmarks: fit costs, and slider latency in a real browser.

    python bench/bench_projection.py                # everything (needs chromium for the last part)
    python bench/bench_projection.py --no-browser   # compute figures only
    python bench/bench_projection.py --moves 20     # browser moves per slider

1. PCA with ALL components (the page's one fit per data and scaling) at growing sizes up to
   10⁵ × 50, and the cost of one slider query on it (a k-component embedding + reconstruction error).
2. UMAP on digits (1,797 × 64): cold (a fresh process: import + numba compile + fit) and warm
   (a second fit in that process); goal warm ≤ 5 s on 2 cores. `warm_umap()` (the app's start-up
   warm-up) timed in the same fresh process.
3. t-SNE on digits (perplexity 30, 1,000 iterations as scikit-learn's default, and the page's 500).
4. Autoencoder training throughput (samples/s) on the CPU, and on CUDA when present.
5. In Chromium: the PCA component slider and the digits reconstruction slider, key press -> page
   settled, median beside the one-slider floor (bench/floor_app.py); goal ≤ 2× the floor. Both are
   live sliders (ui/live_slider.py): a press is answered in the browser and the value reaches the
   server once the slider rests, so a second row per slider times a press left to rest until the
   server's rerun has finished.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import latency_table, timed  # noqa: E402
from ml import projection as P  # noqa: E402
from ml.datasets import load_dataset  # noqa: E402


def pca_table(reps: int = 3) -> None:
    print("PCA with all components (median of 3)")
    print(f"{'rows × features':<18}{'fit s':>9}{'query ms':>10}")
    rng = np.random.default_rng(0)
    for n, p in ((1_000, 50), (10_000, 50), (100_000, 50)):
        X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))
        t_fit, fit = timed(lambda X=X: P.fit_pca(X, "standard"), reps)

        def query(fit=fit):
            fit.embedding(3)
            fit.reconstruction_errors()
            return fit.n_for_target(0.85)

        t_q, _ = timed(query, 20)
        print(f"{f'{n:,} × {p}':<18}{t_fit:>9.3f}{t_q * 1000:>10.2f}")


COLD_UMAP = """
import json, time
t0 = time.perf_counter()
from ml import projection as P
from ml.datasets import load_dataset
X = P.scale(load_dataset("digits").X, "standard")
t1 = time.perf_counter()
c0 = time.process_time()
first = P.project("umap", X, seed=0).fit_time
c1 = time.process_time()
second = P.project("umap", X, {"min_dist": 0.2}, seed=0).fit_time
c2 = time.process_time()
print(json.dumps({"import": t1 - t0, "cold": first, "warm": second, "cold_cpu": c1 - c0, "warm_cpu": c2 - c1}))
"""

WARMUP = """
import json, time
from ml import projection as P
from ml.datasets import load_dataset
X = P.scale(load_dataset("digits").X, "standard")
w = P.warm_umap()
after = P.project("umap", X, seed=0).fit_time
print(json.dumps({"warm_umap": w, "first_fit_after": after}))
"""


def _fresh(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def umap_tsne_table() -> None:
    load0 = os.getloadavg()[0]
    cold = _fresh(COLD_UMAP)
    warmed = _fresh(WARMUP)
    X = P.scale(load_dataset("digits").X, "standard")
    c0 = time.process_time()
    t_tsne = P.project("tsne", X, {"max_iter": 1000}, seed=0).fit_time
    c1 = time.process_time()
    t_tsne_page = P.project("tsne", X, seed=0).fit_time
    c2 = time.process_time()
    print("\nNon-linear maps on digits (1,797 × 64), one run each (wall s; CPU s of this process beside)")
    print(f"{'what':<58}{'s':>8}{'CPU s':>8}")
    print(f"{'UMAP, cold (fresh process: numba compile + fit)':<58}{cold['cold']:>8.2f}{cold['cold_cpu']:>8.2f}")
    print(f"{'UMAP, warm (second fit in that process; goal ≤ 5 s)':<58}{cold['warm']:>8.2f}{cold['warm_cpu']:>8.2f}")
    print(f"{'warm_umap() in a fresh process (the app start-up warm-up)':<58}{warmed['warm_umap']:>8.2f}")
    print(f"{'UMAP first fit after warm_umap()':<58}{warmed['first_fit_after']:>8.2f}")
    print(f"{'t-SNE, 1,000 iterations (scikit-learn default)':<58}{t_tsne:>8.2f}{c1 - c0:>8.2f}")
    print(f"{'t-SNE, 500 iterations (the page default)':<58}{t_tsne_page:>8.2f}{c2 - c1:>8.2f}")
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.1f}' for v in os.getloadavg())} (1-min at the start {load0:.1f})")
    print(
        "UMAP's layout runs on one thread with a fixed random_state, so its CPU seconds are what the wall time "
        "would be on an idle core; wall above CPU is time spent waiting for a core on a loaded machine."
    )


def autoencoder_table(epochs: int = 20) -> None:
    import torch

    X = P.scale(load_dataset("digits").X, "standard")
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"\nAutoencoder on digits, {epochs} epochs, batch 64, 2 × 64 hidden units")
    print(f"{'model':<14}{'device':<8}{'fit s':>8}{'samples/s':>12}")
    from ml.nets import TorchAutoencoder, TorchVariationalAutoencoder

    for cls in (TorchAutoencoder, TorchVariationalAutoencoder):
        for dev in devices:
            net = cls(epochs=epochs, device=dev, random_state=0).fit(X)
            n_fit = len(X) * (1 - net.validation_fraction) * net.n_epochs_
            print(f"{cls.__name__.replace('Torch', '').replace('Variational', 'V'):<14}{dev:<8}{net.fit_time_:>8.2f}{n_fit / net.fit_time_:>12,.0f}")


def browser(n: int) -> None:
    """Key press -> page settled for the two PCA sliders, the one-slider floor measured before and after
    in the same run (pooled: the machine is shared and its load drifts)."""
    from bench.harness import (
        SERVER_PIDS,
        browser_page,
        floor_moves,
        live_moves,
        max_trace_points,
        slider_handle,
        streamlit_server,
        wait_server_idle,
    )
    from tests.browser.test_projection_browser import open_pca_tab

    loads = [os.getloadavg()[0]]
    floor = floor_moves(n // 2 + n % 2)
    with streamlit_server(ROOT / "app.py") as url, browser_page(1280, 800) as page:
        open_pca_tab(page, url)
        waited = wait_server_idle(SERVER_PIDS[url])
        loads.append(os.getloadavg()[0])
        comps, comps_rest = live_moves(page, slider_handle(page, label="Components k"), n)
        recon, recon_rest = live_moves(page, slider_handle(page, label="Reconstruct with k components"), n)
        most = max_trace_points(page)
    loads.append(os.getloadavg()[0])
    floor += floor_moves(n // 2)
    loads.append(os.getloadavg()[0])
    latency_table(
        f"Key press -> page settled, headless Chromium 1280 × 800, digits PCA tab ({n} moves each; "
        f"floor {len(floor)} moves, half before and half after)",
        floor,
        [
            ("PCA components k (3 tiles, scree + loadings marks)", comps),
            ("reconstruction k (20 images, one live chart)", recon),
            ("  … components k, press then rest: rerun done", comps_rest),
            ("  … reconstruction k, press then rest: rerun done", recon_rest),
        ],
        most,
        width=54,
    )
    print(f"server idle (UMAP warm-up done) after {waited:.0f} s; 1-min load average during the run: "
          f"{', '.join(f'{v:.1f}' for v in loads)} (2 cores)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--only", choices=("pca", "umap", "ae", "browser"), default=None)
    args = ap.parse_args()
    parts = {"pca": pca_table, "umap": umap_tsne_table, "ae": autoencoder_table, "browser": lambda: browser(args.moves)}
    for name, fn in parts.items():
        if args.only in (None, name) and not (name == "browser" and args.no_browser):
            fn()


if __name__ == "__main__":
    main()
