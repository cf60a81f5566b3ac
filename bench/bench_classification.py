"""Classification page benchmarks: decision-region grid cost, and slider latency in a real browser.

    python bench/bench_classification.py              # grid timings, then the browser (needs chromium)
    python bench/bench_classification.py --no-browser # grid timings only (~1 min on 2 cores)
    python bench/bench_classification.py --moves 20   # browser moves per app

1. Decision regions (200 × 200 = 40,000 predictions) for every classifier at its defaults: the
   grid's prediction time, the figure build time and the figure's JSON size, on two-moons (two
   features) and on the simulated SDSS table (9 features, PCA plane). Fit and predict times of
   the models themselves are in bench/bench_models.py.
2. Max-depth slider of a decision tree on two-moons, key press -> page settled, beside the
   framework floor (bench/floor_app.py: one slider, one number). The first 10 moves reach depths
   not seen before (fit + grid + figure); the next 10 come back through cached depths.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import key_moves, latency_table, timed  # noqa: E402
from ml import classification as mlc  # noqa: E402
from ml import datasets  # noqa: E402
from ml.models import fit_model, list_models, make_pipeline  # noqa: E402
from ml.plots.classification import decision_figure  # noqa: E402

FAST_EPOCHS = {"mlp_torch": {"epochs": 20}}  # the grid cost does not depend on training length


def grid_table(resolution: int = 200, reps: int = 3) -> None:
    cases = [("moons", {}, "features"), ("sdss", {}, "pca")]
    print(f"Decision regions, {resolution} × {resolution} grid (median of {reps})")
    print(f"{'dataset':<8}{'plane':<10}{'model':<32}{'grid s':>9}{'figure s':>10}{'JSON kB':>9}")
    for name, options, mode in cases:
        ds = datasets.load_dataset(name, **options)
        X, y = ds.X, ds.y.to_numpy()
        for spec in list_models("classification"):
            est = fit_model(
                make_pipeline(spec.name, "classification", FAST_EPOCHS.get(spec.name), 0, "standard"), X, y
            )
            t_grid, grid = timed(
                lambda est=est, X=X, mode=mode: mlc.decision_grid(est, X, mode=mode, resolution=resolution),
                reps,
            )
            xy = grid.project(X)
            wrong = est.predict(X) != y

            def build(grid=grid, xy=xy, wrong=wrong, names=tuple(ds.class_names), y=y):
                return decision_figure(grid, list(names), xy, y, train_wrong=wrong)

            t_fig, fig = timed(build, reps)
            size = len(fig.to_json()) / 1e3
            print(f"{name:<8}{mode:<10}{spec.title:<32}{t_grid:>9.3f}{t_fig:>10.3f}{size:>9.0f}")


def browser(n: int) -> None:
    from bench.harness import (
        ROOT,
        browser_page,
        floor_moves,
        max_trace_points,
        slider_handle,
        streamlit_server,
        wait_settled,
    )

    floor = floor_moves(n)
    with streamlit_server(ROOT / "app.py") as url, browser_page(1280, 800) as page:
        page.goto(f"{url}/Classification?model=Decision+tree")
        wait_settled(page)
        page.wait_for_selector(".js-plotly-plot", timeout=120_000)
        page.wait_for_timeout(1000)
        handle = slider_handle(page, label="Maximum depth")
        times = key_moves(page, handle, n)
        most = max_trace_points(page)
    latency_table(
        f"Max-depth slider, key press -> page settled (decision tree, two moons; {n} moves)",
        floor,
        [("Classification, new depth (fit + regions)", times[:10]), ("Classification, depth seen before", times[10:])],
        most,
        width=44,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-grid", action="store_true")
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--resolution", type=int, default=200)
    args = ap.parse_args()
    if not args.no_grid:
        grid_table(args.resolution)
    if not args.no_browser:
        browser(args.moves)


if __name__ == "__main__":
    main()
