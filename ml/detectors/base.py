"""The detector API every detector follows (PyOD's contract, registry kind "detector").

- ``fit(X)`` sets ``decision_scores_`` (one score per training row, **higher = more anomalous**),
  ``threshold_`` (from ``contamination``: the k-th highest training score, k = round(contamination·n),
  at least 1) and ``labels_`` (1 = anomaly, exactly ``decision_scores_ >= threshold_``, the same
  ``score >= t`` rule as ``ml.thresholds.ThresholdEngine``);
- ``decision_function(X)`` scores new rows on the same scale; ``predict(X)`` applies ``threshold_``.

Moving the contamination or the threshold never refits: the scores are fixed once fitted and a
threshold is a query (`threshold_for`, or a ThresholdEngine built on the scores).

Here: the contamination / threshold rule, input checks, the thread cap, `BaseDetector`, the
contamination parameter shared by every registry entry, and `make` (a detector by registry name).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator

from ml import registry
from ml.params import ParamSpec


def check_contamination(c) -> float:
    try:
        value = float(c)
    except (TypeError, ValueError):
        raise ValueError(f"contamination must be a number in (0, 0.5], got {c!r}.") from None
    if not (0 < value <= 0.5) or not math.isfinite(value):
        raise ValueError(
            f"contamination must be in (0, 0.5] (the share of rows expected to be anomalies), got {c!r}; "
            "e.g. 0.05 for 5%."
        )
    return value


def n_flagged(n: int, contamination: float) -> int:
    """Rows called anomalies at `contamination`: round(contamination · n), at least 1."""
    return max(1, min(n, int(round(check_contamination(contamination) * n))))


def threshold_for(scores, contamination: float) -> float:
    """The score of the k-th highest row (k = `n_flagged`): rows with score >= it are anomalies."""
    s = np.sort(np.asarray(scores, dtype=float))
    return float(s[s.size - n_flagged(s.size, contamination)])


def check_X(X, what: str = "X", min_rows: int = 2) -> np.ndarray:
    """X as a finite 2-D float array, or a ValueError saying what is wrong."""
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{what} must be numeric; some columns hold text. Drop or encode them first."
        ) from None
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{what} must be a table (rows × features), got an array of shape {arr.shape}.")
    if arr.shape[0] < min_rows:
        raise ValueError(f"{what} has {arr.shape[0]} rows; a detector needs at least {min_rows}.")
    if arr.shape[1] == 0:
        raise ValueError(f"{what} has no feature columns; choose at least one numeric column.")
    bad = int((~np.isfinite(arr)).any(axis=1).sum())
    if bad:
        raise ValueError(f"{what} has {bad} rows with missing or infinite values; drop or impute them first.")
    return arr


def capped_threads():
    """BLAS and OpenMP threads capped to `ml.runtime.compute_threads()` (default 1) in the calling thread.

    Measured here on a busy 2-core machine: the full benchmark table took 252 s with the libraries'
    own thread counts and 46 s with one thread each (12 s of CPU): threads that wait for a core cost
    more than they give.
    """
    from ml.runtime import limited_threads

    return limited_threads(user_api=None)


class BaseDetector(BaseEstimator):
    """PyOD-style base: subclasses implement `_fit(X) -> training scores` and `_score(X) -> scores`."""

    def fit(self, X, y=None):
        X = check_X(X)
        check_contamination(self.contamination)
        self.notes_: list[str] = []
        self.n_features_in_ = X.shape[1]
        with capped_threads():
            scores = np.asarray(self._fit(X), dtype=float)
        if not np.isfinite(scores).all():
            raise ValueError(
                f"{type(self).__name__} produced {int((~np.isfinite(scores)).sum())} NaN/infinite scores; "
                "try other parameters (e.g. another metric or reduction)."
            )
        self.decision_scores_ = scores
        self.threshold_ = threshold_for(scores, self.contamination)
        self.labels_ = (scores >= self.threshold_).astype(int)
        return self

    def decision_function(self, X) -> np.ndarray:
        """Anomaly scores of new rows (higher = more anomalous), on the training scores' scale."""
        if not hasattr(self, "decision_scores_"):
            raise ValueError(f"{type(self).__name__} is not fitted yet; call fit(X) first.")
        X = check_X(X, min_rows=1)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features but the detector was fitted on {self.n_features_in_}."
            )
        with capped_threads():
            return np.asarray(self._score(X), dtype=float)

    def predict(self, X) -> np.ndarray:
        return (self.decision_function(X) >= self.threshold_).astype(int)


def _standardiser(X: np.ndarray):
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return lambda A: (A - mean) / std


CONTAMINATION_SPEC = ParamSpec(
    "contamination",
    "Contamination",
    "float",
    0.05,
    low=0.005,
    high=0.5,
    step=0.005,
    help="Share of rows expected to be anomalies: sets threshold_ (moving it never refits).",
)


def make(name: str, params: dict | None = None, seed: int = 0):
    """An unfitted detector of registry entry `name`."""
    return registry.get("detector", name).make(params, seed)


def estimate_fit_seconds(name: str, params: dict, n_rows: int, n_features: int) -> float:
    """A rough forecast (within a factor of ~2-3) of a detector's fit-and-score seconds on the project's
    2-core machine, from its registry name, parameters and the data size, so a page can ask before a slow
    fit. Measured (100 epochs): the autoencoder 4.1 s at 1,669 × 64 and 9.3 s at 5,000 × 4; DRAMA with an
    autoencoder 5.5 s / 13.5 s, with a VAE about twice that; one-class SVM 0.4 s at 5,000 rows; the rest
    well under a second at these sizes."""
    n, d = max(int(n_rows), 1), max(int(n_features), 1)
    epochs = int(params.get("epochs", 100))
    if name == "autoencoder":
        return epochs * (0.015 + 1.8e-5 * n)
    if name == "drama":
        reduction = params.get("reduction", "pca")
        if reduction in ("ae", "vae"):
            return epochs * (0.02 + 2.3e-5 * n) * (2.0 if reduction == "vae" else 1.0)
        return 0.1 + 1e-6 * n * d
    if name == "ocsvm":
        return 1.6e-8 * n * n * max(d / 4, 1) ** 0.5
    if name in ("lof", "knn"):
        return 1e-5 * n * d**0.5 * math.log2(n + 1) / 12
    if name == "iforest":
        return 0.005 * int(params.get("n_estimators", 100)) * max(n / 5000, 0.1) ** 0.5
    return 2e-7 * n * d
