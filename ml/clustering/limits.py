"""Shared by every part of `ml.clustering`: the size and time limits, the thread cap every heavy
function runs under (`limited`, `capped`), the capture of fit warnings into `warnings_` (`_capture`)
and the checks on the number of clusters (`_check_k`, `_distinct`).

The limits are re-exported by `ml.clustering`; `DBSCAN_MAX_PAIRS` is read from there at call time
(see `ml.clustering.density`).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np

MINIBATCH_ABOVE = 20_000  # k-means switches to mini-batch k-means above this many rows
HIERARCHICAL_MAX_ROWS = 20_000  # the condensed distance matrix of 20,000 rows is 1.6 GB
SPECTRAL_MAX_ROWS = 20_000  # eigenvectors of the neighbour graph: minutes beyond this on two cores
HDBSCAN_MAX_ROWS = 20_000  # 1.8 s at 10,000 rows, 230 s at 100,000 (2 busy cores)
DBSCAN_MAX_PAIRS = 50_000_000  # neighbour pairs within eps DBSCAN may hold (~0.8 GB)
DENDROGRAM_FULL_MAX = 2_000  # beyond this many rows the dendrogram shows the last merges only
DENDROGRAM_LAST_P = 60  # merges shown in a truncated dendrogram
SILHOUETTE_SAMPLE = 5_000  # silhouette is O(n^2): computed on a fixed sample beyond this
SWEEP_SILHOUETTE_SAMPLE = 2_000  # the same, for each k of the silhouette-against-k sweep
MAX_CLUSTERS = 50  # more clusters than this: the legend and tables are capped
HISTORY_MAX_ITER = 100


# ==================================================================================================
# Thread cap, warning capture and checks on k (used by every estimator and heavy function)
# ==================================================================================================


def limited():
    """Cap BLAS and OpenMP threads to `ml.runtime.compute_threads()` (default 1) in the calling thread."""
    from ml.runtime import limited_threads

    return limited_threads(user_api=None)


def capped(fn):
    """Run `fn` under `limited()` (used on every heavy function here)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with limited():
            return fn(*args, **kwargs)

    return wrapper


@contextmanager
def _capture(est):
    """Collect warnings raised during fit into `est.warnings_` (worded for users) and cap threads."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with limited():
            yield
    texts = []
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, (DeprecationWarning, FutureWarning, PendingDeprecationWarning)):
            continue
        if text not in texts:
            texts.append(text)
    est.warnings_ = list(getattr(est, "warnings_", [])) + texts


def _check_k(k: int, n_rows: int, n_distinct: int, what: str = "k") -> None:
    if k > n_rows:
        raise ValueError(
            f"{what} = {k} is more than the {n_rows:,} rows of the data: ask for at most {n_rows} clusters."
        )
    if k > n_distinct:
        raise ValueError(
            f"{what} = {k} is more than the {n_distinct:,} distinct points in the data (some rows are "
            f"identical): ask for at most {n_distinct} clusters."
        )


def _distinct(X: np.ndarray) -> int:
    return len(np.unique(X, axis=0)) if len(X) <= 200_000 else len(X)
