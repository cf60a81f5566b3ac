"""How every fit runs: thread caps and readable errors, in one place.

- `compute_threads()` is the number of threads one fit may use (ML_EXPLORER_THREADS, default 1;
  0 keeps the libraries' own choice).
- `cpu_threads(device)` applies it to torch (process-wide, shared by concurrent fits);
  `limited_threads()` applies it to OpenMP libraries (HistGradientBoosting, k-NN, …) in the
  calling thread.
- `readable_errors(estimator)` turns library failures into a `ValueError` that names the model and
  its parameters; `fit_model(estimator, X, y)` fits under both and keeps convergence warnings.

This module imports neither torch nor Streamlit at import time.
"""

from __future__ import annotations

import os
import threading
import warnings
from contextlib import contextmanager

from sklearn.exceptions import ConvergenceWarning

_threads_lock = threading.Lock()
_threads_users = 0
_threads_saved = 0


def compute_threads() -> int:
    """Threads per fit: ML_EXPLORER_THREADS (default 1); 0 keeps the libraries' own choice."""
    value = os.environ.get("ML_EXPLORER_THREADS", "1").strip() or "0"
    try:
        return max(int(value), 0)
    except ValueError:
        raise ValueError(
            f"ML_EXPLORER_THREADS must be a whole number (0 = library default), got {value!r}."
        ) from None


@contextmanager
def cpu_threads(device: str):
    """Train/predict on the CPU with `compute_threads()` torch threads (default 1).

    A step of these small networks is too little work to share: a second thread gains at most
    1.5x on an idle machine but costs up to 80x when the cores are busy (other users, other
    fits), because each step waits for a descheduled thread. Concurrent fits share one
    setting (torch's is process-wide), restored when the last one ends.
    """
    global _threads_users, _threads_saved
    wanted = compute_threads()
    if device != "cpu" or wanted <= 0:
        yield
        return
    import torch

    with _threads_lock:
        if _threads_users == 0:
            _threads_saved = torch.get_num_threads()
            torch.set_num_threads(wanted)
        _threads_users += 1
    try:
        yield
    finally:
        with _threads_lock:
            _threads_users -= 1
            if _threads_users == 0:
                torch.set_num_threads(_threads_saved)


@contextmanager
def limited_threads(user_api: str | None = "openmp"):
    """Cap OpenMP threads (HistGradientBoosting, k-NN, …) in the calling thread to `compute_threads()`;
    `user_api=None` caps BLAS too (clustering and detectors: tiny matrix products per step).

    Measured on a busy 2-core machine: HistGradientBoosting on 5,000 × 9 rows took 22 s with
    two OpenMP threads and 1.1 s with one; a 5-component Gaussian mixture on 1,000 points 3 s with
    two BLAS threads and 0.04 s with one. The cap is per calling thread (OpenMP's own rule),
    so concurrent Streamlit sessions do not disturb each other.
    """
    from threadpoolctl import threadpool_limits

    n = compute_threads()
    if n <= 0:
        yield
        return
    with threadpool_limits(limits=n, user_api=user_api):
        yield


class ReadableError(ValueError):
    """A ValueError already worded for the user: `readable_errors` lets it through unchanged.

    `ml.nets.TrainingDiverged` is one.
    """


_ReadableError = ReadableError  # the name ml.models used


def _describe(estimator) -> str:
    from ml.models import describe  # lazy: ml.models imports this module

    return describe(estimator)


@contextmanager
def readable_errors(estimator, action: str = "Training"):
    """Turn sklearn/torch failures (ValueError, FloatingPointError, RuntimeError, …) into a ValueError
    that names the model and its parameters. Our own clear errors (divergence) pass through."""
    try:
        yield
    except ReadableError:
        raise
    except (ValueError, FloatingPointError, RuntimeError, ArithmeticError, MemoryError) as exc:
        raise ReadableError(
            f"{action} {_describe(estimator)} failed: {exc} — try other parameter values or another model."
        ) from exc


# Estimator parameters that cannot exceed the number of training rows (k-NN's k): the last line of
# defence for fits the pages do not size themselves (cross-validation folds, sweeps, comparisons).
# The registry's `Entry.size_limits` / `fit_to_data` size the page's own fit first, with a note.
ROW_BOUND_PARAMS = ("n_neighbors",)


def clip_to_rows(estimator, n_rows: int) -> list[str]:
    """Clip row-bound parameters of `estimator` (or its pipeline's last step) to `n_rows`; one note per clip."""
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    try:
        params = final.get_params(deep=False)
    except AttributeError:
        return []
    notes = []
    for name in ROW_BOUND_PARAMS:
        value = params.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > n_rows >= 1:
            final.set_params(**{name: int(n_rows)})
            notes.append(f"{name} = {value} is more than the {n_rows:,} training rows allow; used {n_rows:,}.")
    return notes


def fit_model(estimator, X, y):
    """Fit `estimator` on X, y; failures come back as a readable ValueError naming the model.

    Convergence warnings are kept (not raised) in `estimator.fit_warnings_` for the page to show;
    row-bound parameters clipped to the data (`clip_to_rows`) are said in `estimator.fit_notes_`.
    """
    notes = clip_to_rows(estimator, len(X)) if hasattr(X, "__len__") else []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        with readable_errors(estimator), limited_threads():
            estimator.fit(X, y)
    estimator.fit_notes_ = notes
    estimator.fit_warnings_ = sorted(
        {str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)}
    )
    for w in caught:  # re-emit anything that is not a convergence warning
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return estimator


# -- how long a fit will take, before it starts -------------------------------------------------------
LONG_FIT_S = 20.0  # fits and sweeps expected to take longer are announced and asked for first


def estimate_fit_seconds(estimator, n_rows: int, n_features: int) -> float:
    """A rough forecast (within a factor of ~3) of `fit` seconds on this machine, from the model's kind,
    its cost-setting parameters and the data size. Measured on the project's 2-core machine under
    load: RBF-SVC 0.33 s at 4,000 × 9 (quadratic in rows; C = 1000, γ = 100 costs 16× more), a
    100-tree random forest 2.8 s, HistGradientBoosting (100 iterations) 1.5 s, the torch MLP
    4.4 µs per row per epoch at batch 64 (6× that at batch 8). Unknown models: linear in the data.
    """
    import math

    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    final = getattr(final, "regressor", None) or final  # TransformedTargetRegressor wraps SVR, nets, …
    p = final.get_params(deep=False) if hasattr(final, "get_params") else {}
    name = type(final).__name__
    n, d = max(int(n_rows), 1), max(int(n_features), 1)
    if name in ("SVC", "SVR"):
        c_cost = 1 + math.log10(max(float(p.get("C", 1.0)), 1.0))
        g = p.get("gamma", 0.1)
        g_cost = 1 + math.log10(max(float(g) / 0.1, 1.0)) if isinstance(g, (int, float)) else 1.0
        return 2e-8 * n**2 * c_cost * g_cost * (d / 9) ** 0.5
    per_tree = 0.028 * (n * math.log2(n + 1)) / (4000 * math.log2(4001)) * (d / 9) ** 0.5
    if name.startswith(("RandomForest", "ExtraTrees")):
        return per_tree * int(p.get("n_estimators", 100))
    if name.startswith("Bagging"):
        return per_tree * int(p.get("n_estimators", 10)) * 1.3
    if name.startswith("DecisionTree"):
        return per_tree * 2
    if name.startswith("HistGradientBoosting"):
        return 1.46 * int(p.get("max_iter", 100)) / 100 * (0.3 + 0.7 * n / 4000) * (d / 9)
    if name.startswith("AdaBoost"):
        return per_tree * 0.1 * int(p.get("n_estimators", 50))
    if "epochs" in p:  # the torch networks
        batch = max(int(p.get("batch_size", 64)), 1)
        width = int(p.get("hidden_units", 32)) * int(p.get("hidden_layers", 2)) / 64
        return 4.4e-6 * n * int(p["epochs"]) * max(1.0, 64 / batch) ** 0.85 * max(width, 0.25)
    if name.startswith("KNeighbors"):
        return _knn_seconds(p, n, d)
    return 2e-7 * n * d


KNN_TREE_MAX_FEATURES = 15  # scikit-learn's algorithm="auto" searches a k-d tree up to this many features


def _knn_seconds(p: dict, n: int, d: int) -> float:
    """k-NN: `fit` only indexes the rows (a k-d tree, ~n log n); what costs is predicting, and every fit here
    is followed by predicting about as many rows (the page's train and test scores, a CV fold's held-out
    rows). So the forecast is the index plus n queries. scikit-learn's "auto" searches a k-d tree for up to
    15 dense features (measured on the loaded 2-core machine: 14 µs a query at 15,000 × 4, 22 µs at
    3,750 × 9, a fit of 15,000 rows 0.02 s) and compares every row with every row beyond (brute force).
    """
    import math

    k = int(p.get("n_neighbors", 5) or 5)
    algorithm = p.get("algorithm", "auto")
    brute = algorithm == "brute" or (algorithm == "auto" and (d > KNN_TREE_MAX_FEATURES or k >= n / 2))
    if brute:
        return 2e-9 * n * n * d
    log_n = math.log2(n + 1)
    index = 1e-6 * n * log_n
    per_query = 0.6e-6 * log_n * 1.14 ** min(d, KNN_TREE_MAX_FEATURES) * (1 + k / 50)
    return index + n * per_query
