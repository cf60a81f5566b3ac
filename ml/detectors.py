"""Anomaly detectors behind one API (PyOD's), DRAMA's distance metrics and the anomaly metrics.

Every detector follows PyOD's contract (registry kind "detector"):

- ``fit(X)`` sets ``decision_scores_`` (one score per training row, **higher = more anomalous**),
  ``threshold_`` (from ``contamination``: the k-th highest training score, k = round(contamination·n),
  at least 1) and ``labels_`` (1 = anomaly, exactly ``decision_scores_ >= threshold_``, the same
  ``score >= t`` rule as ``ml.thresholds.ThresholdEngine``);
- ``decision_function(X)`` scores new rows on the same scale; ``predict(X)`` applies ``threshold_``.

Moving the contamination or the threshold never refits: the scores are fixed once fitted and a
threshold is a query (`threshold_for`, or a ThresholdEngine built on the scores).

DRAMA (Dimensionality Reduction Anomaly Meta-Algorithm, Vafaei Sadr, Bassett & Kunz 2019, the
Geneva notes): scale the data to [0, 1], reduce it (none, PCA, ICA, NMF, autoencoder, VAE), split
it into prototypes by agglomerative splitting (each cluster cut in two, level after level), and
score each row by its distance to the nearest prototype under one of ten metrics (L1, L2, L4,
weighted L2 / L4, Bray-Curtis, Chebyshev, Canberra, correlation, Mahalanobis), in the original
space (prototypes reconstructed by the decoder) or in the latent space; or an ensemble over the
metrics (normalised sum or max). Distances are vectorised over rows: the only Python loops run
over prototypes (at most 2**levels) and metrics.

Metrics for labelled data (the notes' benchmark): ROC AUC, average precision, precision@k,
MCC at the top n_o rows (n_o = number of true anomalies) and RWS, the rank-weighted score
RWS = Σ_{i=1..n_o} w_i I_i / Σ w_i with w_i = n_o + 1 - i, so the TOP-ranked row weighs most
(Σ w_i = n_o(n_o+1)/2, so a perfect ranking scores 1; DRAMA's published ``rws_score`` reverses
the weights, which rewards anomalies ranked last within the top n_o).
"""

from __future__ import annotations

import inspect
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ml import registry
from ml.params import ParamSpec

# ============================================================================================
# The ten metrics of the notes
# ============================================================================================

METRICS = (
    "l1",
    "l2",
    "l4",
    "wl2",
    "wl4",
    "braycurtis",
    "chebyshev",
    "canberra",
    "correlation",
    "mahalanobis",
)
METRIC_TITLES = {
    "l1": "L1",
    "l2": "L2",
    "l4": "L4",
    "wl2": "weighted L2",
    "wl4": "weighted L4",
    "braycurtis": "Bray–Curtis",
    "chebyshev": "Chebyshev",
    "canberra": "Canberra",
    "correlation": "correlation",
    "mahalanobis": "Mahalanobis",
}
ENSEMBLES = ("ensemble_sum", "ensemble_max")
ENSEMBLE_TITLES = {"ensemble_sum": "ensemble: normalised sum", "ensemble_max": "ensemble: max"}
REDUCTIONS = ("none", "pca", "ica", "nmf", "ae", "vae")
REDUCTION_TITLES = {"none": "none", "pca": "PCA", "ica": "ICA", "nmf": "NMF", "ae": "AE", "vae": "VAE"}
ELLIPTIC_MAX_DIMS = 10  # Elliptic Envelope works on at most this many principal components
ELLIPTIC_MAX_ROWS = 500  # ... and estimates its robust covariance on at most this many rows
SPREAD_FLOOR = 1e-2  # per-feature spread floor of weighted metrics (DRAMA clips the variance at 1e-4)
_BLOCK = 2_000_000  # rows × features handled at once when computing distances (bounds memory)


def metric_title(metric: str) -> str:
    return METRIC_TITLES.get(metric) or ENSEMBLE_TITLES.get(metric) or metric


def metric_problem(metric: str, X: np.ndarray, prototypes: np.ndarray) -> str | None:
    """Why `metric` is undefined between these rows and prototypes, or None when it is fine."""
    if metric == "braycurtis":
        lo = min(float(np.min(X)), float(np.min(prototypes)))
        scale = max(1.0, float(np.max(np.abs(X))))
        if lo < -1e-6 * scale:  # a reconstruction's rounding (-1e-8) is not a negative value
            return (
                f"Bray–Curtis is undefined here: it needs non-negative values (a sum of |u - v| over a sum "
                f"of |u + v|), and the data reach {lo:.3g}. Use min-max scaling in the original space, or "
                "another metric."
            )
    if metric == "correlation":
        if X.shape[1] < 2:
            return "correlation is undefined on one feature (every row is constant); use another metric."
        const = int(np.count_nonzero(np.ptp(X, axis=1) == 0)) + int(
            np.count_nonzero(np.ptp(prototypes, axis=1) == 0)
        )
        if const:
            return (
                f"correlation is undefined for constant rows (no spread to correlate); {const} row(s) or "
                "prototype(s) are constant. Use another metric."
            )
    return None


def _blocks(n: int, d: int):
    step = max(1, _BLOCK // max(d, 1))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def _one_centre(X: np.ndarray, c: np.ndarray, metric: str, spread=None, inv_cov=None) -> np.ndarray:
    """Distance of every row of X to the single vector `c` (vectorised over rows)."""
    if metric in ("wl2", "wl4"):
        if spread is None:
            raise ValueError(
                f"{metric_title(metric)} needs the per-feature spread of the prototype's cluster."
            )
        diff = (X - c) / spread
        return (
            np.linalg.norm(diff, ord=2 if metric == "wl2" else 4, axis=1)
            if diff.shape[1]
            else np.zeros(len(X))
        )
    if metric == "mahalanobis":
        if inv_cov is None:
            raise ValueError("Mahalanobis needs the inverse covariance of the prototype's cluster.")
        diff = X - c
        d2 = np.einsum("ij,jk,ik->i", diff, inv_cov, diff, optimize=True)
        return np.sqrt(np.maximum(d2, 0.0))
    if metric == "correlation":
        xc = X - X.mean(axis=1, keepdims=True)
        cc = c - c.mean()
        num = xc @ cc
        den = np.linalg.norm(xc, axis=1) * np.linalg.norm(cc)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 1.0 - num / den
    diff = X - c
    if metric == "l1":
        return np.abs(diff).sum(axis=1)
    if metric == "l2":
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))
    if metric == "l4":
        return np.power((diff**2) ** 2 @ np.ones(diff.shape[1]), 0.25)
    if metric == "chebyshev":
        return np.abs(diff).max(axis=1)
    if metric == "braycurtis":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.abs(diff).sum(axis=1) / np.abs(X + c).sum(axis=1)
    if metric == "canberra":
        num = np.abs(diff)
        den = np.abs(X) + np.abs(c)
        with np.errstate(invalid="ignore", divide="ignore"):
            terms = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)  # 0/0 terms count 0, as scipy
        return terms.sum(axis=1)
    raise ValueError(f"Unknown metric {metric!r}; expected one of {list(METRICS)}.")


def distances(X, prototypes, metric: str, spreads=None, inv_covs=None) -> np.ndarray:
    """(n_rows, n_prototypes) distances of each row to each prototype under `metric`.

    `spreads` (k, d): per-feature spread of each prototype's cluster (weighted L2/L4);
    `inv_covs` (k, d, d): inverse covariance of each cluster (Mahalanobis). Equals scipy's
    ``cdist`` (for weighted metrics, ``cdist`` of X/σ and c/σ).
    """
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}; expected one of {list(METRICS)}.")
    X = np.asarray(X, dtype=float)
    P = np.atleast_2d(np.asarray(prototypes, dtype=float))
    if X.ndim != 2 or P.shape[1] != X.shape[1]:
        raise ValueError(f"rows have {X.shape[-1]} features but prototypes have {P.shape[1]}.")
    out = np.empty((X.shape[0], P.shape[0]))
    for j, c in enumerate(P):
        s = None if spreads is None else np.asarray(spreads, dtype=float)[j]
        vi = None if inv_covs is None else np.asarray(inv_covs, dtype=float)[j]
        for b in _blocks(X.shape[0], X.shape[1]):
            out[b, j] = _one_centre(X[b], c, metric, s, vi)
    return out


@dataclass
class CovarianceFactors:
    """The (regularised) inverse covariance of a cluster as  a·I + V diag(b) Vᵀ.

    Full rank: a = 0, V = the eigenvectors, b = 1 / eigenvalues. Singular (fewer rows than features, or
    constant features): the covariance gets a ridge λ·I, λ = 0.1% of the mean variance, and by Woodbury
    a = 1/λ, b = 1/(s² + λ) − 1/λ: a squared Mahalanobis distance then costs O(d·r) a row, not O(d²).
    """

    a: float
    V: np.ndarray  # (d, r)
    b: np.ndarray  # (r,)
    rank: int
    ridge: float = 0.0

    def inverse(self) -> np.ndarray:
        return self.a * np.eye(self.V.shape[0]) + (self.V * self.b) @ self.V.T

    def distances(self, X: np.ndarray, c: np.ndarray) -> np.ndarray:
        out = np.empty(X.shape[0])
        for blk in _blocks(X.shape[0], X.shape[1]):
            diff = X[blk] - c
            proj = diff @ self.V
            d2 = self.a * np.einsum("ij,ij->i", diff, diff) + (proj**2) @ self.b
            out[blk] = np.sqrt(np.maximum(d2, 0.0))
        return out


def covariance_factors(rows: np.ndarray) -> CovarianceFactors:
    """`CovarianceFactors` of the rows' covariance (ridge-regularised when singular; identity for one row)."""
    rows = np.asarray(rows, dtype=float)
    m, d = rows.shape
    if m < 2:
        return CovarianceFactors(1.0, np.zeros((d, 0)), np.zeros(0), 0, 1.0)
    C = (rows - rows.mean(axis=0)) / np.sqrt(m - 1)
    _, S, Vt = np.linalg.svd(C, full_matrices=False)
    s2 = S**2
    tol = 1e-10 * max(1.0, float(np.max(np.sum(C**2, axis=0))))
    rank = int(np.count_nonzero(s2 > tol))
    if rank < d:
        ridge = 1e-3 * max(float(s2.sum()) / d, 1e-12)  # 0.1% of the mean variance (the trace over d)
        return CovarianceFactors(1.0 / ridge, Vt.T, 1.0 / (s2 + ridge) - 1.0 / ridge, rank, ridge)
    return CovarianceFactors(0.0, Vt.T, 1.0 / s2, rank)


def inverse_covariance(rows: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Inverse covariance of `rows`, regularised (ridge) when singular; (inverse, note or None)."""
    f = covariance_factors(rows)
    d = f.V.shape[0]
    if f.ridge and f.rank == 0 and np.asarray(rows).shape[0] < 2:
        return f.inverse(), "a cluster with one row has no covariance: Mahalanobis uses the identity there."
    note = None
    if f.ridge:
        note = (
            f"a cluster's covariance is singular (rank {f.rank} of {d}): Mahalanobis regularised it by adding "
            f"{f.ridge:.2g}·I (a ridge of 0.1% of the mean variance)."
        )
    return f.inverse(), note


# ============================================================================================
# Metrics for labelled data (the notes' benchmark)
# ============================================================================================


def _labels_scores(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float).ravel()
    if y.shape[0] != s.shape[0]:
        raise ValueError(f"got {y.shape[0]} labels but {s.shape[0]} scores; pass one score per labelled row.")
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise ValueError(
            f"anomaly labels must be 0/1 (1 = anomaly); got the values {sorted(map(str, values))[:5]}. "
            "Choose which value means 'anomaly'."
        )
    y = y.astype(bool)
    n_o = int(y.sum())
    if n_o == 0:
        raise ValueError("the labels hold no anomalies (no 1s): metrics need at least one labelled anomaly.")
    if n_o == y.size:
        raise ValueError("every row is labelled an anomaly: metrics need some normal rows too.")
    if not np.isfinite(s).all():
        raise ValueError(
            f"{int((~np.isfinite(s)).sum())} scores are NaN or infinite; the detector failed on those rows."
        )
    return y, s


def top_ranked(scores, k: int) -> np.ndarray:
    """Indices of the k highest scores, highest first (stable: earlier rows first on ties)."""
    s = np.asarray(scores, dtype=float)
    return np.argsort(-s, kind="stable")[:k]


def rws(y_true, scores, n_o: int | None = None) -> float:
    """Rank-weighted score of the notes: Σ w_i I_i / Σ w_i over the top n_o rows, w_i = n_o + 1 - i.

    I_i = 1 when the i-th highest-scoring row is a true anomaly. The top-ranked row weighs n_o, the
    n_o-th weighs 1; a perfect ranking gives 1, no anomaly in the top n_o gives 0.
    """
    y, s = _labels_scores(y_true, scores)
    n_o = int(y.sum()) if n_o is None else int(n_o)
    hits = y[top_ranked(s, n_o)].astype(float)
    w = np.arange(n_o, 0, -1, dtype=float)
    return float(np.sum(w * hits) / (n_o * (n_o + 1) / 2))


def mcc_at_top(y_true, scores, n_o: int | None = None) -> float:
    """Matthews correlation when the top n_o rows (n_o = true anomalies) are called anomalies."""
    y, s = _labels_scores(y_true, scores)
    n_o = int(y.sum()) if n_o is None else int(n_o)
    pred = np.zeros(y.size, dtype=bool)
    pred[top_ranked(s, n_o)] = True
    tp = float(np.sum(pred & y))
    fp = float(np.sum(pred & ~y))
    fn = float(np.sum(~pred & y))
    tn = float(np.sum(~pred & ~y))
    den = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return float((tp * tn - fp * fn) / den) if den > 0 else 0.0


def precision_at_k(y_true, scores, k: int | None = None) -> float:
    """Share of true anomalies among the k highest scores (k defaults to the number of anomalies)."""
    y, s = _labels_scores(y_true, scores)
    k = int(y.sum()) if k is None else max(1, int(k))
    return float(y[top_ranked(s, k)].mean())


def evaluate(y_true, scores) -> dict[str, float]:
    """ROC AUC, average precision, precision@n_o, MCC at top n_o and RWS of `scores` against 0/1 labels."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y, s = _labels_scores(y_true, scores)
    return {
        "auc": float(roc_auc_score(y, s)),
        "average_precision": float(average_precision_score(y, s)),
        "precision_at_k": precision_at_k(y, s),
        "mcc": mcc_at_top(y, s),
        "rws": rws(y, s),
        "n_anomalies": int(y.sum()),
    }


def anomaly_labels(y, anomaly=None) -> np.ndarray:
    """0/1 anomaly labels from any label column: 0/1 as is, else 1 where y == `anomaly`.

    Raises ValueError when the column has more than two values and no `anomaly` value is named,
    when the named value is absent, or when the labels hold no anomalies or only anomalies.
    """
    y = np.asarray(y)
    if y.size == 0:
        raise ValueError("the label column is empty.")
    values = np.unique(y[~_isnan(y)] if y.dtype.kind == "f" else y)
    if anomaly is None:
        if set(values.tolist()) <= {0, 1}:
            out = y.astype(int)
        elif len(values) == 2:
            raise ValueError(
                f"the label column holds {values[0]!r} and {values[1]!r}, not 0/1: choose which value means "
                "'anomaly'."
            )
        else:
            raise ValueError(
                f"the label column holds {len(values)} values ({', '.join(map(str, values[:6]))}"
                f"{', ...' if len(values) > 6 else ''}): choose which one means 'anomaly' (the rest are normal)."
            )
    else:
        if anomaly not in values.tolist():
            raise ValueError(f"{anomaly!r} is not among the label values {values.tolist()[:10]}.")
        out = (y == anomaly).astype(int)
    n_o = int(out.sum())
    if n_o == 0:
        raise ValueError(
            "the labels hold no anomalies: every row is normal, so there is nothing to score against."
        )
    if n_o == out.size:
        raise ValueError("every row is labelled an anomaly: there are no normal rows to score against.")
    return out


def _isnan(y: np.ndarray) -> np.ndarray:
    return np.isnan(y) if y.dtype.kind == "f" else np.zeros(y.shape, dtype=bool)


# ============================================================================================
# The common detector base
# ============================================================================================


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


@contextmanager
def capped_threads():
    """BLAS and OpenMP threads capped to `ml.runtime.compute_threads()` (default 1) in the calling thread.

    Measured here on a busy 2-core machine: the full benchmark table took 252 s with the libraries'
    own thread counts and 46 s with one thread each (12 s of CPU): threads that wait for a core cost
    more than they give.
    """
    from threadpoolctl import threadpool_limits

    from ml.runtime import compute_threads

    n = compute_threads()
    if n <= 0:
        yield
        return
    with threadpool_limits(limits=n):
        yield


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


class IForest(BaseDetector):
    """Isolation Forest: anomalies are isolated by fewer random splits (score = −score_samples)."""

    def __init__(self, n_estimators=100, max_samples=256, contamination=0.05, random_state=0):
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X):
        from sklearn.ensemble import IsolationForest

        n = min(int(self.max_samples), X.shape[0])
        self.model_ = IsolationForest(
            n_estimators=int(self.n_estimators), max_samples=n, random_state=self.random_state, n_jobs=1
        ).fit(X)
        return -self.model_.score_samples(X)

    def _score(self, X):
        return -self.model_.score_samples(X)


class LOF(BaseDetector):
    """Local Outlier Factor: a row's local density against its neighbours' (score = LOF)."""

    def __init__(self, n_neighbors=10, contamination=0.05, random_state=0):
        self.n_neighbors = n_neighbors
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X):
        from sklearn.neighbors import LocalOutlierFactor

        if int(self.n_neighbors) >= X.shape[0]:
            raise ValueError(
                f"LOF: n_neighbors = {self.n_neighbors} must be less than the number of rows ({X.shape[0]}); "
                f"choose at most {X.shape[0] - 1}."
            )
        self.scale_ = _standardiser(X)
        self.model_ = LocalOutlierFactor(n_neighbors=int(self.n_neighbors), novelty=True).fit(self.scale_(X))
        return -self.model_.negative_outlier_factor_

    def _score(self, X):
        return -self.model_.score_samples(self.scale_(X))


class OCSVM(BaseDetector):
    """One-class SVM (RBF kernel) on standardised features: score = −decision_function."""

    def __init__(self, nu=0.1, gamma="scale", contamination=0.05, random_state=0):
        self.nu = nu
        self.gamma = gamma
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X):
        from sklearn.svm import OneClassSVM

        self.scale_ = _standardiser(X)
        gamma = self.gamma if isinstance(self.gamma, str) else float(self.gamma)
        self.model_ = OneClassSVM(nu=float(self.nu), gamma=gamma).fit(self.scale_(X))
        return -self.model_.decision_function(self.scale_(X))

    def _score(self, X):
        return -self.model_.decision_function(self.scale_(X))


class Elliptic(BaseDetector):
    """Elliptic Envelope: robust (minimum covariance determinant) Mahalanobis distance of each row."""

    def __init__(self, support_fraction=None, contamination=0.05, random_state=0):
        self.support_fraction = support_fraction
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X):
        from sklearn.covariance import EllipticEnvelope
        from sklearn.decomposition import PCA

        scale = _standardiser(X)
        Z = scale(X)
        if np.ptp(Z, axis=0).max() == 0:
            raise ValueError("Elliptic Envelope: every feature is constant; there is nothing to measure.")
        # the minimum covariance determinant costs ~d³ per step and needs n ≫ d: above ELLIPTIC_MAX_DIMS
        # features it runs on the leading principal components, and says so
        k = min(ELLIPTIC_MAX_DIMS, Z.shape[1], max(1, Z.shape[0] // 5))
        pca = PCA(n_components=k, random_state=self.random_state).fit(Z)
        if k < Z.shape[1]:
            self.notes_.append(
                f"Elliptic Envelope measured the {k} leading principal components of the {Z.shape[1]} "
                f"standardised features ({pca.explained_variance_ratio_.sum():.0%} of the variance): the robust "
                "covariance needs many more rows than dimensions and grows as d³."
            )
        self.project_ = lambda A: pca.transform(scale(A))
        sf = None if self.support_fraction in (None, 0, 0.0) else float(self.support_fraction)
        P = self.project_(X)
        if P.shape[0] > ELLIPTIC_MAX_ROWS:  # the MCD search costs seconds per 10⁴ rows: estimate on a sample
            rows = np.random.default_rng(self.random_state).choice(
                P.shape[0], ELLIPTIC_MAX_ROWS, replace=False
            )
            self.notes_.append(
                f"Elliptic Envelope estimated its robust covariance on {ELLIPTIC_MAX_ROWS:,} of the {P.shape[0]:,} "
                "rows (a seeded sample) and scored every row with it."
            )
            P = P[np.sort(rows)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "covariance matrix is not full rank"
            self.model_ = EllipticEnvelope(support_fraction=sf, random_state=self.random_state).fit(P)
        return self._score(X)

    def _score(self, X):
        return np.sqrt(np.maximum(self.model_.mahalanobis(self.project_(X)), 0))


class KNNDistance(BaseDetector):
    """k-nearest-neighbour distance: far from its k-th (or mean of k) nearest neighbours = anomalous."""

    def __init__(self, n_neighbors=5, method="largest", contamination=0.05, random_state=0):
        self.n_neighbors = n_neighbors
        self.method = method
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X):
        from sklearn.neighbors import NearestNeighbors

        k = int(self.n_neighbors)
        if k >= X.shape[0]:
            raise ValueError(
                f"kNN distance: n_neighbors = {k} must be less than the number of rows ({X.shape[0]}); "
                f"choose at most {X.shape[0] - 1}."
            )
        self.scale_ = _standardiser(X)
        self.model_ = NearestNeighbors(n_neighbors=k + 1).fit(self.scale_(X))
        dist, _ = self.model_.kneighbors(self.scale_(X), n_neighbors=k + 1)
        return self._reduce(dist[:, 1:])  # the first neighbour is the row itself

    def _reduce(self, dist):
        return dist[:, -1] if self.method == "largest" else dist.mean(axis=1)

    def _score(self, X):
        dist, _ = self.model_.kneighbors(self.scale_(X), n_neighbors=int(self.n_neighbors))
        return self._reduce(dist)


# ---- networks from ml.nets (imported lazily), with a scikit-learn stand-in for the autoencoder ----


def _net_kwargs(cls, n_components: int, epochs: int, seed: int) -> dict:
    """Keyword arguments `cls` accepts among the usual names for latent size, epochs and seed."""
    names = set(inspect.signature(cls).parameters)
    kw = {}
    for options, value in (
        (("n_components", "latent_dim", "encoding_dim", "latent_size", "z_dim"), n_components),
        (("epochs", "max_epochs", "max_iter", "n_epochs"), epochs),
        (("random_state", "seed"), seed),
    ):
        for name in options:
            if name in names:
                kw[name] = value
                break
    return kw


class _SklearnAutoencoder:
    """A small dense autoencoder from scikit-learn's MLPRegressor (X -> X), used when ml.nets has none.

    Layers: d -> h -> z -> h -> d with tanh; `transform` runs the encoder half, `inverse_transform`
    the decoder half.
    """

    def __init__(self, n_components=2, epochs=200, random_state=0):
        self.n_components = n_components
        self.epochs = epochs
        self.random_state = random_state

    def fit(self, X):
        from sklearn.neural_network import MLPRegressor

        d = X.shape[1]
        h = int(min(64, max(2 * self.n_components, d // 2)))
        self.net_ = MLPRegressor(
            hidden_layer_sizes=(h, int(self.n_components), h),
            activation="tanh",
            max_iter=int(self.epochs),
            random_state=int(self.random_state),
            early_stopping=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning at few epochs is expected
            self.net_.fit(X, X)
        return self

    def _run(self, A, layers):
        for i in layers:
            A = A @ self.net_.coefs_[i] + self.net_.intercepts_[i]
            if i < len(self.net_.coefs_) - 1:
                A = np.tanh(A)
        return A

    def transform(self, X):
        return self._run(np.asarray(X, dtype=float), (0, 1))

    def inverse_transform(self, Z):
        return self._run(np.asarray(Z, dtype=float), (2, 3))

    def reconstruction_error(self, X):
        X = np.asarray(X, dtype=float)
        return np.mean((self.net_.predict(X) - X) ** 2, axis=1)


def make_network(kind: str, n_components: int, epochs: int, seed: int):
    """An (unfitted) autoencoder ("ae") or VAE ("vae"): ml.nets' torch models when present.

    The autoencoder falls back to `_SklearnAutoencoder` when ml.nets has no TorchAutoencoder; the
    VAE has no stand-in and raises ValueError saying so.
    """
    import ml.nets as nets

    name = "TorchAutoencoder" if kind == "ae" else "TorchVariationalAutoencoder"
    cls = getattr(nets, name, None)
    if cls is None:
        if kind == "ae":
            return _SklearnAutoencoder(n_components, epochs, seed)
        raise ValueError(
            "The VAE reduction needs ml.nets.TorchVariationalAutoencoder, which this build does not have yet; "
            "choose another reduction (PCA, ICA, NMF or the autoencoder)."
        )
    return cls(**_net_kwargs(cls, n_components, epochs, seed))


def _reconstruction_error(net, X) -> np.ndarray:
    if hasattr(net, "reconstruction_error"):
        return np.asarray(net.reconstruction_error(X), dtype=float).ravel()
    R = net.inverse_transform(net.transform(X))
    return np.mean((np.asarray(R) - X) ** 2, axis=1)


class AutoencoderDetector(BaseDetector):
    """Autoencoder reconstruction error: rows the network cannot rebuild from its bottleneck are anomalous."""

    def __init__(self, n_components=2, epochs=100, contamination=0.05, random_state=0):
        self.n_components = n_components
        self.epochs = epochs
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X):
        self.scale_ = _standardiser(X)
        self.net_ = make_network("ae", int(self.n_components), int(self.epochs), int(self.random_state))
        self.net_.fit(self.scale_(X))
        return _reconstruction_error(self.net_, self.scale_(X))

    def _score(self, X):
        return _reconstruction_error(self.net_, self.scale_(X))


# ============================================================================================
# DRAMA
# ============================================================================================


@dataclass
class _Reducer:
    """A fitted reduction: encode (rows -> latent) and decode (latent -> rows), both in scaled units."""

    encode: object
    decode: object


def _fit_reducer(kind: str, Xs: np.ndarray, n_components: int, epochs: int, seed: int) -> _Reducer:
    if kind == "none":
        return _Reducer(lambda A: A, lambda Z: Z)
    k = int(min(n_components, Xs.shape[1], Xs.shape[0]))
    if kind == "pca":
        from sklearn.decomposition import PCA

        m = PCA(n_components=k, random_state=seed).fit(Xs)
    elif kind == "ica":
        from sklearn.decomposition import FastICA

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FastICA convergence warnings on tiny data
            m = FastICA(n_components=k, whiten="unit-variance", max_iter=400, random_state=seed).fit(Xs)
    elif kind == "nmf":
        from sklearn.decomposition import NMF

        lo = float(Xs.min())
        if lo < 0:
            raise ValueError(
                f"NMF needs non-negative data, but the (scaled) data reach {lo:.3g}. Use min-max scaling "
                "(DRAMA's default) or another reduction."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = NMF(n_components=k, init="nndsvda", max_iter=400, random_state=seed).fit(Xs)
    elif kind in ("ae", "vae"):
        m = make_network(kind, k, epochs, seed)
        m.fit(Xs)
    else:
        raise ValueError(f"Unknown reduction {kind!r}; expected one of {list(REDUCTIONS)}.")
    return _Reducer(
        lambda A: np.asarray(m.transform(A), dtype=float),
        lambda Z: np.asarray(m.inverse_transform(Z), dtype=float),
    )


def agglomerative_split(Z: np.ndarray, levels: int, seed: int = 0, max_rows: int = 1000) -> np.ndarray:
    """Cluster labels 0..k-1 (k <= 2**levels) from DRAMA's splitting: each cluster cut in two, level by level.

    Each cut is Ward agglomerative clustering into 2; on clusters bigger than `max_rows` it runs on a
    seeded subsample and the other rows join the nearer half's centroid (agglomerative clustering is
    O(n²) in memory). Clusters with fewer than 4 rows are not split further.
    """
    from sklearn.cluster import AgglomerativeClustering

    rng = np.random.default_rng(seed)
    labels = np.zeros(Z.shape[0], dtype=int)
    for _ in range(int(levels)):
        new = np.empty_like(labels)
        nxt = 0
        for c in np.unique(labels):
            idx = np.flatnonzero(labels == c)
            if idx.size < 4 or np.ptp(Z[idx], axis=0).max() == 0:
                new[idx] = nxt
                nxt += 1
                continue
            sub = idx if idx.size <= max_rows else np.sort(rng.choice(idx, max_rows, replace=False))
            part = AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(Z[sub])
            if idx.size > sub.size:
                cents = np.stack([Z[sub][part == h].mean(axis=0) for h in (0, 1)])
                d = ((Z[idx][:, None, :] - cents[None, :, :]) ** 2).sum(axis=2)
                part = d.argmin(axis=1)
            for h in (0, 1):
                members = idx[part == h]
                if members.size:
                    new[members] = nxt
                    nxt += 1
        labels = new
    return labels


class DRAMA(BaseDetector):
    """DRAMA: reduce, split into prototypes by agglomerative splitting, score by distance to the nearest prototype.

    reduction: none / pca / ica / nmf / ae / vae; n_components: latent size; split_levels: L, giving up
    to 2**L prototypes; metric: one of METRICS or an ensemble (ensemble_sum / ensemble_max over the
    metrics defined on the data, each min-max normalised on the training scores); space: "original"
    (rows against prototypes decoded back to feature space) or "latent" (reduced rows against the
    clusters' latent means); scaling: "minmax" (DRAMA's, to [0, 1]), "standard" or "none".
    """

    def __init__(
        self,
        reduction="pca",
        n_components=2,
        split_levels=3,
        metric="l2",
        space="original",
        scaling="minmax",
        epochs=100,
        contamination=0.05,
        random_state=0,
    ):
        self.reduction = reduction
        self.n_components = n_components
        self.split_levels = split_levels
        self.metric = metric
        self.space = space
        self.scaling = scaling
        self.epochs = epochs
        self.contamination = contamination
        self.random_state = random_state

    # -- fitting ------------------------------------------------------------------------------
    def _scale(self, X):
        return (X - self.offset_) / self.unit_

    def _fit(self, X):
        if self.metric not in METRICS + ENSEMBLES:
            raise ValueError(f"Unknown metric {self.metric!r}; expected one of {list(METRICS + ENSEMBLES)}.")
        if self.space not in ("original", "latent"):
            raise ValueError(f"space must be 'original' or 'latent', got {self.space!r}.")
        if self.scaling == "minmax":  # DRAMA's `standard`: one global min and max
            lo, hi = float(X.min()), float(X.max())
            self.offset_, self.unit_ = lo, (hi - lo) if hi > lo else 1.0
        elif self.scaling == "standard":
            self.offset_, std = X.mean(axis=0), X.std(axis=0)
            self.unit_ = np.where(std > 0, std, 1.0)
        elif self.scaling == "none":
            self.offset_, self.unit_ = 0.0, 1.0
        else:
            raise ValueError(f"scaling must be 'minmax', 'standard' or 'none', got {self.scaling!r}.")
        Xs = self._scale(X)
        seed = int(self.random_state)
        self.reducer_ = _fit_reducer(self.reduction, Xs, int(self.n_components), int(self.epochs), seed)
        Z = self.reducer_.encode(Xs)
        self.cluster_labels_ = agglomerative_split(Z, int(self.split_levels), seed)
        k = int(self.cluster_labels_.max()) + 1
        self.latent_prototypes_ = np.stack([Z[self.cluster_labels_ == j].mean(axis=0) for j in range(k)])
        self.prototypes_ = self.reducer_.decode(self.latent_prototypes_)  # reconstructed, scaled units
        rows = Xs if self.space == "original" else Z
        protos = self.prototypes_ if self.space == "original" else self.latent_prototypes_
        self.centres_ = protos
        self.spreads_ = np.stack(
            [np.maximum(rows[self.cluster_labels_ == j].std(axis=0), SPREAD_FLOOR) for j in range(k)]
        )
        self._inv_covs = None
        self._train_rows = rows
        metrics = METRICS if self.metric in ENSEMBLES else (self.metric,)
        self.metric_scores_, self.skipped_ = {}, {}
        for m in metrics:
            problem = metric_problem(m, rows, protos)
            if problem:
                self.skipped_[m] = problem
                continue
            self.metric_scores_[m] = self._metric_scores(rows, m)
        if self.metric in ENSEMBLES:
            if not self.metric_scores_:
                raise ValueError("no metric is defined on this data, so the ensemble is empty.")
            for why in self.skipped_.values():
                self.notes_.append(f"Left out of the ensemble: {why}")
            stack = np.stack(list(self.metric_scores_.values()), axis=1)
            self.ens_lo_, span = stack.min(axis=0), np.ptp(stack, axis=0)
            self.ens_span_ = np.where(span > 0, span, 1.0)
            return self._combine(stack)
        if self.skipped_:
            raise ValueError(next(iter(self.skipped_.values())))
        return self.metric_scores_[self.metric]

    def _covariances(self, rows) -> list[CovarianceFactors]:
        if self._inv_covs is None:
            self._inv_covs = [
                covariance_factors(rows[self.cluster_labels_ == j]) for j in range(self.centres_.shape[0])
            ]
            singular = [f for f in self._inv_covs if f.ridge]
            if singular:
                d = rows.shape[1]
                self.notes_.append(
                    f"{len(singular)} of {len(self._inv_covs)} clusters have a singular covariance (rank "
                    f"{min(f.rank for f in singular)}-{max(f.rank for f in singular)} of {d}): Mahalanobis "
                    "regularised each by adding a ridge of 0.1% of its mean variance to the diagonal."
                )
        return self._inv_covs

    def _metric_scores(self, rows, metric):
        if metric == "mahalanobis":
            covs = self._covariances(self._train_rows)
            d = np.column_stack([f.distances(rows, c) for f, c in zip(covs, self.centres_, strict=True)])
        else:
            d = distances(rows, self.centres_, metric, spreads=self.spreads_)
        return np.nan_to_num(d.min(axis=1), nan=0.0)

    def _combine(self, stack):
        norm = (stack - self.ens_lo_) / self.ens_span_
        return norm.sum(axis=1) if self.metric == "ensemble_sum" else norm.max(axis=1)

    # -- scoring ------------------------------------------------------------------------------
    def _rows(self, X):
        Xs = self._scale(X)
        return Xs if self.space == "original" else self.reducer_.encode(Xs)

    def _score(self, X):
        rows = self._rows(X)
        if self.metric in ENSEMBLES:
            stack = np.stack([self._metric_scores(rows, m) for m in self.metric_scores_], axis=1)
            return self._combine(stack)
        return self._metric_scores(rows, self.metric)

    def scores_by_metric(self, metrics=METRICS) -> tuple[dict[str, np.ndarray], dict[str, str]]:
        """Training scores under each of `metrics` from the same prototypes: ({metric: scores}, {metric: why skipped}).

        One DRAMA fit gives the whole metric row of the notes' table.
        """
        with capped_threads():
            return self._scores_by_metric(metrics)

    def _scores_by_metric(self, metrics):
        rows = self._train_rows if hasattr(self, "_train_rows") else None
        if rows is None:
            raise ValueError("scores_by_metric needs the fitted training rows; refit the detector.")
        out, skipped = {}, {}
        for m in metrics:
            if m in self.metric_scores_:
                out[m] = self.metric_scores_[m]
                continue
            problem = metric_problem(m, rows, self.centres_)
            if problem:
                skipped[m] = problem
                continue
            out[m] = self._metric_scores(rows, m)
        if out:
            stack = np.stack(list(out.values()), axis=1)
            lo, span = stack.min(axis=0), np.ptp(stack, axis=0)
            norm = (stack - lo) / np.where(span > 0, span, 1.0)
            out["ensemble_sum"] = norm.sum(axis=1)
            out["ensemble_max"] = norm.max(axis=1)
        return out, skipped


# ============================================================================================
# Registry entries
# ============================================================================================

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


def _drama_build(params: dict, seed: int) -> DRAMA:
    return DRAMA(random_state=seed, **params)


DETECTOR_ENTRIES = (
    registry.Entry(
        name="iforest",
        title="Isolation Forest",
        kind="detector",
        params=(
            ParamSpec("n_estimators", "Trees", "int", 100, 10, 500, 10, help="Number of isolation trees."),
            ParamSpec(
                "max_samples",
                "Max samples per tree",
                "int",
                256,
                16,
                4096,
                16,
                help="Rows drawn for each tree (capped at the number of rows).",
            ),
            CONTAMINATION_SPEC,
        ),
        build=lambda p, seed: IForest(random_state=seed, **p),
        description="Random axis-parallel cuts isolate an anomaly in few steps: score = average path length, shorter = more anomalous.",
        family="trees",
        tags=("fast",),
        size_limits={"max_samples": lambda n, d: n},
    ),
    registry.Entry(
        name="lof",
        title="Local Outlier Factor",
        kind="detector",
        params=(
            ParamSpec(
                "n_neighbors",
                "Neighbours",
                "int",
                10,
                2,
                200,
                1,
                help="k of the local density; the notes compare 5, 10 and 35.",
            ),
            CONTAMINATION_SPEC,
        ),
        build=lambda p, seed: LOF(random_state=seed, **p),
        description="Local density against the neighbours' density (on standardised features): LOF ≫ 1 is an outlier of its neighbourhood.",
        family="neighbours",
        tags=("fast",),
        size_limits={"n_neighbors": lambda n, d: n - 1},
    ),
    registry.Entry(
        name="ocsvm",
        title="One-class SVM",
        kind="detector",
        params=(
            ParamSpec(
                "nu",
                "ν (outlier share bound)",
                "float",
                0.1,
                0.01,
                0.5,
                0.01,
                help="Upper bound on the share of training errors.",
            ),
            ParamSpec(
                "gamma",
                "RBF γ",
                "choice",
                "scale",
                choices=("scale", "auto", 0.01, 0.1, 1.0),
                help="Kernel width; 'scale' = 1 / (n_features · variance).",
            ),
            CONTAMINATION_SPEC,
        ),
        build=lambda p, seed: OCSVM(random_state=seed, **p),
        description="A boundary around the bulk of the data in an RBF feature space (standardised features); slow above ~20k rows.",
        family="kernel",
    ),
    registry.Entry(
        name="elliptic",
        title="Elliptic Envelope",
        kind="detector",
        params=(CONTAMINATION_SPEC,),
        build=lambda p, seed: Elliptic(random_state=seed, **p),
        description="Robust Mahalanobis distance from a minimum-covariance-determinant fit: one Gaussian ellipse for all the data.",
        family="covariance",
        tags=("fast",),
    ),
    registry.Entry(
        name="knn",
        title="kNN distance",
        kind="detector",
        params=(
            ParamSpec(
                "n_neighbors",
                "Neighbours",
                "int",
                5,
                1,
                200,
                1,
                help="k: distance to the k-th nearest neighbour.",
            ),
            ParamSpec(
                "method",
                "Distance used",
                "choice",
                "largest",
                choices=("largest", "mean"),
                help="k-th neighbour or mean of the k.",
            ),
            CONTAMINATION_SPEC,
        ),
        build=lambda p, seed: KNNDistance(random_state=seed, **p),
        description="Distance to the k-th nearest neighbour (standardised features): isolated rows are far from everything.",
        family="neighbours",
        tags=("fast",),
        size_limits={"n_neighbors": lambda n, d: n - 1},
    ),
    registry.Entry(
        name="autoencoder",
        title="Autoencoder reconstruction error",
        kind="detector",
        params=(
            ParamSpec(
                "n_components",
                "Bottleneck size",
                "int",
                2,
                1,
                32,
                1,
                help="Latent units; small = only the common structure survives.",
            ),
            ParamSpec("epochs", "Epochs", "int", 100, 5, 500, 5, help="Training passes over the data."),
            CONTAMINATION_SPEC,
        ),
        build=lambda p, seed: AutoencoderDetector(random_state=seed, **p),
        description="A network squeezes each row through a bottleneck and rebuilds it: what it rebuilds badly is unusual.",
        family="neural",
        is_torch=True,
        size_limits={"n_components": lambda n, d: d},
    ),
    registry.Entry(
        name="drama",
        title="DRAMA",
        kind="detector",
        params=(
            ParamSpec(
                "reduction",
                "Dimensionality reduction",
                "choice",
                "pca",
                choices=REDUCTIONS,
                help="none, PCA, ICA, NMF, autoencoder or VAE (the notes' DRTs).",
            ),
            ParamSpec(
                "n_components", "Latent size", "int", 2, 1, 32, 1, help="Components kept by the reduction."
            ),
            ParamSpec(
                "split_levels",
                "Splitting levels",
                "int",
                3,
                1,
                6,
                1,
                help="Agglomerative splitting cuts every cluster in two per level: up to 2^levels prototypes.",
            ),
            ParamSpec(
                "metric",
                "Distance metric",
                "choice",
                "l2",
                choices=METRICS + ENSEMBLES,
                help="Distance to the nearest prototype; the ensembles combine all ten (min-max normalised).",
            ),
            ParamSpec(
                "space",
                "Measured in",
                "choice",
                "original",
                choices=("original", "latent"),
                help="original: rows against prototypes decoded back to feature space; latent: in the reduced space.",
            ),
            ParamSpec(
                "scaling",
                "Scaling",
                "choice",
                "minmax",
                choices=("minmax", "standard", "none"),
                help="minmax = DRAMA's (all data to [0, 1] with one min and max).",
            ),
            ParamSpec(
                "epochs",
                "Epochs (AE / VAE)",
                "int",
                100,
                5,
                500,
                5,
                help="Used only by the network reductions.",
            ),
            CONTAMINATION_SPEC,
        ),
        build=_drama_build,
        description="Reduce, split into prototypes, score by the distance to the nearest prototype (Vafaei Sadr, Bassett & Kunz 2019).",
        family="DRAMA",
        size_limits={
            "n_components": lambda n, d: min(n, d),
            "split_levels": lambda n, d: max(1, int(math.log2(max(n, 2) / 2))),
        },
        extra={"metrics": METRICS, "ensembles": ENSEMBLES, "reductions": REDUCTIONS},
    ),
)

for _entry in DETECTOR_ENTRIES:
    registry.register(_entry)
del _entry


def make(name: str, params: dict | None = None, seed: int = 0):
    """An unfitted detector of registry entry `name`."""
    return registry.get("detector", name).make(params, seed)


# ============================================================================================
# The benchmark table (the notes' Table 6): every detector on every labelled dataset, over seeds
# ============================================================================================

BENCH_DATASETS = (
    "odds_wbc", "odds_wine", "odds_digits", "odds_photon_jet",
    "anomaly_local", "anomaly_new_class", "anomaly_events", "anomaly_huge",
)  # fmt: skip
# Sizes the benchmark uses where a dataset's default is big (the table stays under a minute on two cores).
BENCH_OPTIONS = {"odds_photon_jet": {"n_samples": 2000}, "anomaly_huge": {"n_samples": 300}}
BENCH_SCORES = ("auc", "mcc", "rws")
SCORE_TITLES = {
    "auc": "AUC",
    "mcc": "MCC",
    "rws": "RWS",
    "average_precision": "AP",
    "precision_at_k": "P@n_o",
}
# The baselines of the notes (LOF at 5, 10 and 35 neighbours, Isolation Forest) and the other detectors.
BENCH_BASELINES = (
    ("LOF k=5", "LOF", "lof", {"n_neighbors": 5}),
    ("LOF k=10", "LOF", "lof", {"n_neighbors": 10}),
    ("LOF k=35", "LOF", "lof", {"n_neighbors": 35}),
    ("i-Forest", "i-Forest", "iforest", {}),
    ("one-class SVM", "one-class SVM", "ocsvm", {}),
    ("Elliptic Envelope", "Elliptic Envelope", "elliptic", {}),
    ("kNN distance", "kNN", "knn", {}),
)
BENCH_REDUCTIONS = ("none", "pca", "ica", "nmf")  # + "ae", "vae" on request (networks take longer)


def bench_tasks(
    datasets=BENCH_DATASETS, seeds=(0, 1, 2), reductions=BENCH_REDUCTIONS, networks: bool = False
):
    """The (dataset, seed, kind, label) units of work of one benchmark run, in order."""
    tasks = []
    for name in datasets:
        for seed in seeds:
            for label, *_ in BENCH_BASELINES:
                tasks.append((name, int(seed), "baseline", label))
            if networks:
                tasks.append((name, int(seed), "baseline", "Autoencoder"))
            for red in tuple(reductions) + (("ae", "vae") if networks else ()):
                tasks.append((name, int(seed), "drama", red))
    return tasks


def _bench_data(name: str, seed: int):
    from ml import datasets as ds_mod

    spec = ds_mod.REGISTRY[name]
    options = dict(BENCH_OPTIONS.get(name, {}))
    if any(p.name == "seed" for p in spec.params):
        options["seed"] = seed
    ds = ds_mod.load_dataset(name, **options)
    if ds.y is None:
        raise ValueError(f"{name} has no labels; the benchmark needs labelled data.")
    return ds.X.to_numpy(dtype=float), anomaly_labels(ds.y.to_numpy())


def run_benchmark(
    datasets=BENCH_DATASETS,
    seeds=(0, 1, 2),
    reductions=BENCH_REDUCTIONS,
    networks: bool = False,
    progress=None,
    data=None,
    n_components: int = 2,
    split_levels: int = 3,
) -> tuple[pd.DataFrame, list[str]]:
    """Scores of every detector (and the DRAMA reduction × metric grid) on every dataset and seed.

    Returns (long table: one row per dataset, seed and method with AUC, MCC, RWS, AP and P@n_o;
    notes on what was skipped). The seed changes both the draw of the data (ODDS-style subsample,
    simulation) and the detector's randomness. `data` maps extra dataset titles to (X, y) (e.g. an
    upload), scored with the same seeds. `progress(done, total, text)` is called after each unit.
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("choose at least one seed.")
    names = list(datasets) + list(data or {})
    tasks = bench_tasks(names, seeds, reductions, networks)
    with capped_threads():
        return _run_tasks(tasks, data, progress, n_components, split_levels)


def _run_tasks(tasks, data, progress, n_components, split_levels) -> tuple[pd.DataFrame, list[str]]:
    import time

    rows, notes, cache = [], [], {}
    for i, (name, seed, kind, what) in enumerate(tasks):
        t0 = time.perf_counter()
        if (name, seed) not in cache:
            cache.clear()
            cache[(name, seed)] = data[name] if data and name in data else _bench_data(name, seed)
        X, y = cache[(name, seed)]
        X, y = check_X(X), np.asarray(y)
        try:
            if kind == "baseline":
                if what == "Autoencoder":
                    family, entry, params = "Autoencoder", "autoencoder", {}
                else:
                    _, family, entry, params = next(b for b in BENCH_BASELINES if b[0] == what)
                e = registry.get("detector", entry)
                p, _ = e.fit_to_data(e.validate(params), *X.shape)
                scores = e.make(p, seed).fit(X).decision_scores_
                rows.append(_bench_row(name, seed, what, family, "", "", y, scores, time.perf_counter() - t0))
            else:
                k = min(n_components, X.shape[1])
                levels = min(split_levels, max(1, int(math.log2(max(X.shape[0], 2) / 2))))
                m = DRAMA(
                    reduction=what, n_components=k, split_levels=levels, metric="l2", random_state=seed
                ).fit(X)
                by_metric, skipped = m.scores_by_metric()
                dt = (time.perf_counter() - t0) / max(len(by_metric), 1)
                for metric, scores in by_metric.items():
                    label = f"DRAMA {REDUCTION_TITLES[what]}-{metric_title(metric)}"
                    rows.append(_bench_row(name, seed, label, "DRAMA", what, metric, y, scores, dt))
                for metric, why in skipped.items():
                    notes.append(
                        f"{name}, {REDUCTION_TITLES[what]}-{metric_title(metric)} skipped: {why.split(':')[0]}."
                    )
        except ValueError as exc:
            notes.append(f"{name} (seed {seed}), {what}: not scored — {exc}")
        if progress is not None:
            progress(i + 1, len(tasks), f"{name} · seed {seed} · {what}")
    return pd.DataFrame(rows), sorted(set(notes))


def _bench_row(dataset, seed, method, family, drt, metric, y, scores, seconds) -> dict:
    ev = evaluate(y, scores)
    return {
        "dataset": dataset, "seed": seed, "method": method, "family": family, "drt": drt, "metric": metric,
        "auc": ev["auc"], "mcc": ev["mcc"], "rws": ev["rws"], "average_precision": ev["average_precision"],
        "precision_at_k": ev["precision_at_k"], "seconds": seconds,
    }  # fmt: skip


def summarise(long: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over seeds of every score, one row per (dataset, method), best AUC first per dataset."""
    if long.empty:
        return long
    keys = ["dataset", "method", "family", "drt", "metric"]
    scores = ["auc", "mcc", "rws", "average_precision", "precision_at_k", "seconds"]
    g = long.groupby(keys, sort=False)[scores]
    out = g.mean().add_suffix("_mean").join(g.std(ddof=0).add_suffix("_std")).reset_index()
    out["n_seeds"] = g.size().to_numpy()
    order = {n: i for i, n in enumerate(dict.fromkeys(long["dataset"]))}
    out["_d"] = out["dataset"].map(order)
    return (
        out.sort_values(["_d", "auc_mean"], ascending=[True, False]).drop(columns="_d").reset_index(drop=True)
    )


def notes_table(
    summary: pd.DataFrame,
    columns=("DRAMA", "LOF", "i-Forest", "one-class SVM", "Elliptic Envelope", "kNN", "Autoencoder"),
) -> pd.DataFrame:
    """The notes' Table 6 layout: per dataset the best DRAMA DRT-metric (by mean AUC), then AUC, MCC and
    RWS (×100, "mean ± std") of DRAMA's best, the best LOF (over k = 5, 10, 35), i-Forest and the rest.

    Returns a frame of strings with a ("", "DRT-metric") column and (score, method) columns; the
    numeric means ride along in `.attrs["means"]` (same shape) for highlighting the best per dataset.
    """
    if summary.empty:
        return pd.DataFrame()
    families = [c for c in columns if c in set(summary["family"])]
    text, means = [], []
    for name, block in summary.groupby("dataset", sort=False):
        best = {f: block[block["family"] == f].sort_values("auc_mean", ascending=False).iloc[0] for f in families
                if (block["family"] == f).any()}  # fmt: skip
        drama = best.get("DRAMA")
        t_row = {
            ("", "dataset"): name,
            ("", "DRT-metric"): (
                f"{REDUCTION_TITLES[drama['drt']]}-{metric_title(drama['metric'])}"
                if drama is not None
                else ""
            ),
        }  # noqa: E501
        m_row = {}
        for s in BENCH_SCORES:
            for f in families:
                r = best.get(f)
                if r is None:
                    t_row[(SCORE_TITLES[s], f)] = ""
                    m_row[(SCORE_TITLES[s], f)] = np.nan
                    continue
                mean, std = 100 * r[f"{s}_mean"], 100 * r[f"{s}_std"]
                t_row[(SCORE_TITLES[s], f)] = f"{mean:.0f} ± {std:.0f}" if std >= 1 else f"{mean:.0f}"
                m_row[(SCORE_TITLES[s], f)] = mean
        text.append(t_row)
        means.append(m_row)
    out = pd.DataFrame(text)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    m = pd.DataFrame(means)
    m.columns = pd.MultiIndex.from_tuples(m.columns)
    out.attrs["means"] = m
    return out


def best_per_dataset(table: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame (same shape as `notes_table`'s output): True where a method has the best mean of its score."""
    means = table.attrs.get("means")
    flags = pd.DataFrame(False, index=table.index, columns=table.columns)
    if means is None or means.empty:
        return flags
    for s in BENCH_SCORES:
        block = means.xs(SCORE_TITLES[s], axis=1, level=0, drop_level=False)
        best = block.max(axis=1)
        for col in block.columns:
            flags[col] = flags[col] | ((block[col] >= best - 1e-9) & block[col].notna())
    return flags


def display_2d(X, how: str = "pca", pair=(0, 1), rows=None, seed: int = 0, names=None):
    """(coordinates (len(rows), 2), x title, y title) of rows `rows` of X for drawing.

    how: "features" (the two columns `pair`), "pca" (first two principal components of the
    standardised data) or "umap" (fitted on the given rows only: display, not measurement).
    """
    X = check_X(X)
    rows = np.arange(len(X)) if rows is None else np.asarray(rows)
    names = list(names) if names is not None else [f"feature {i + 1}" for i in range(X.shape[1])]
    if X.shape[1] == 1:
        jitter = np.random.default_rng(seed).uniform(-1, 1, rows.size)
        return np.column_stack([X[rows, 0], jitter]), names[0], "jitter (no meaning)"
    if how == "features":
        i, j = (int(p) for p in pair)
        if i == j or not (0 <= i < X.shape[1] and 0 <= j < X.shape[1]):
            raise ValueError("Choose two different features for the axes.")
        return X[rows][:, [i, j]], names[i], names[j]
    Z = _standardiser(X)(X)
    if how == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(2, random_state=seed).fit(Z)
        ev = pca.explained_variance_ratio_ * 100
        return pca.transform(Z[rows]), f"PC1 ({ev[0]:.0f}% of variance)", f"PC2 ({ev[1]:.0f}% of variance)"
    if how == "umap":
        import umap

        emb = umap.UMAP(
            n_components=2, random_state=seed, n_neighbors=min(15, max(2, rows.size - 1))
        ).fit_transform(Z[rows])
        return emb, "UMAP 1 (no units)", "UMAP 2 (no units)"
    raise ValueError(f"Unknown view {how!r}; expected 'features', 'pca' or 'umap'.")
