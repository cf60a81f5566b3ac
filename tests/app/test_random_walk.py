"""A seeded random walk over every page's widgets, buttons and tabs (issue 10: never crash, never hang).

Pages come from `ui.navigation.installed()`, so a page is held to this as soon as its file lands.
WALK_STEPS (default 300 per page) makes the walk longer (buttons that start long work are then
pressed as often as any other); WALK_SEED changes the seed. A failure prints the seed and the steps.
"""

from __future__ import annotations

import os

import pytest

from ml import datasets
from tests.app.walk import Walk
from ui import navigation

DEFAULT_STEPS = 300
STEPS = int(os.environ.get("WALK_STEPS", DEFAULT_STEPS))
SEED = int(os.environ.get("WALK_SEED", 10))
# Widget changes sent per rerun: 2 by default (two controls moved between runs, as a quick user does),
# which keeps 300 steps a page inside CI's budget; 1 with WALK_PER_RUN=1 (every change its own rerun).
PER_RUN = int(os.environ.get("WALK_PER_RUN", 2))
SMALL_ROWS = 150  # simulated datasets are walked at this size (their n_samples sliders start here)

PAGES = [navigation.HOME, *navigation.installed()]


def _small_datasets(at, after_first: bool = False) -> None:
    """Start every simulated dataset of the page's picker small (the walk keeps them small)."""
    if not after_first:
        return
    prefixes = {k[: -len(".dataset")] for k in (getattr(s, "key", "") or "" for s in at.selectbox) if k.endswith(".dataset")}
    for prefix in prefixes:
        for name, spec in datasets.REGISTRY.items():
            for p in spec.params:
                if p.name == "n_samples":
                    at.session_state[f"{prefix}.dataset.{name}.n_samples"] = int(max(p.low, min(p.default, SMALL_ROWS)))


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[p.url_path for p in PAGES])
def test_random_walk(page):
    seed = SEED + PAGES.index(page)
    path = navigation.ROOT / ("app.py" if page is navigation.HOME else page.file)  # Home's links need the router
    walk = Walk(str(path), seed, STEPS, long=STEPS > DEFAULT_STEPS, per_run=PER_RUN).run(_small_datasets)
    assert not walk.failures, walk.report()
    assert walk.n_runs >= STEPS // PER_RUN, walk.report()
