"""Many fits of one data set: the elbow and silhouette against k (`k_sweep`), BIC and AIC against
the number of Gaussian components (`information_sweep`), and the side-by-side comparison of
algorithms (`compare`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml import registry
from ml.clustering.density import knee_index
from ml.clustering.estimators import _SINGULAR_HELP, KMeansClusterer, fit
from ml.clustering.limits import SWEEP_SILHOUETTE_SAMPLE, _distinct, capped
from ml.clustering.scores import external_scores, internal_scores


@dataclass
class KSweep:
    ks: np.ndarray
    inertia: np.ndarray
    silhouette: np.ndarray  # NaN at k = 1
    knee_k: int
    best_silhouette_k: int | None


@capped
def k_sweep(X, ks=range(1, 11), init: str = "k-means++", n_init: int = 3, seed: int = 0) -> KSweep:
    """The elbow method: k-means inertia (sum of squared distances to the centroid) and mean silhouette
    for each k; the knee of the inertia curve is marked."""
    X = np.asarray(X, dtype=float)
    n_distinct = _distinct(X)
    ks = np.array([k for k in ks if 1 <= k <= min(len(X), n_distinct)])
    if len(ks) == 0:
        raise ValueError("No k from the sweep fits this data (too few distinct points).")
    inertia, sil = [], []
    for k in ks:
        est = KMeansClusterer(int(k), init, n_init, random_state=seed).fit(X)
        inertia.append(est.inertia_)
        if k >= 2 and k < len(X):
            scores, _ = internal_scores(X, est.labels_, sample_size=SWEEP_SILHOUETTE_SAMPLE, seed=seed)
            sil.append(scores["silhouette"] if scores["silhouette"] is not None else np.nan)
        else:
            sil.append(np.nan)
    inertia, sil = np.asarray(inertia), np.asarray(sil, dtype=float)
    knee = int(ks[knee_index(ks, inertia, log_y=True)]) if len(ks) >= 3 else int(ks[0])
    best = int(ks[np.nanargmax(sil)]) if np.isfinite(sil).any() else None
    return KSweep(ks, inertia, sil, knee, best)


@dataclass
class InfoSweep:
    ks: np.ndarray
    bic: np.ndarray
    aic: np.ndarray
    best_bic: int
    best_aic: int


@capped
def information_sweep(
    X, ks=range(1, 11), covariance_type: str = "full", reg_covar: float = 1e-6, seed: int = 0
) -> InfoSweep:
    """BIC and AIC of Gaussian mixtures with each number of components (lower is better); components
    that cannot be fitted are left blank."""
    from sklearn.mixture import GaussianMixture

    X = np.asarray(X, dtype=float)
    n_distinct = _distinct(X)
    ks = np.array([k for k in ks if 1 <= k <= min(len(X), n_distinct)])
    bic, aic = [], []
    for k in ks:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gm = GaussianMixture(
                    int(k), covariance_type=covariance_type, reg_covar=reg_covar, random_state=seed
                )
                gm.fit(X)
            bic.append(gm.bic(X))
            aic.append(gm.aic(X))
        except ValueError:
            bic.append(np.nan)
            aic.append(np.nan)
    bic, aic = np.asarray(bic, dtype=float), np.asarray(aic, dtype=float)
    if not np.isfinite(bic).any():
        raise ValueError(f"No Gaussian mixture could be fitted for 1–{ks.max()} components. {_SINGULAR_HELP}")
    return InfoSweep(ks, bic, aic, int(ks[np.nanargmin(bic)]), int(ks[np.nanargmin(aic)]))


# ==================================================================================================
# Comparison of algorithms
# ==================================================================================================


@capped
def compare(X, settings: list[tuple[str, dict]], y=None, seed: int = 0) -> pd.DataFrame:
    """Every (algorithm, params) in `settings` fitted on X: clusters, noise share, internal and (with
    y) external scores and fit time; an algorithm that refuses the data gets its message instead."""
    rows = []
    for name, params in settings:
        entry = registry.get("clusterer", name)
        row = {"algorithm": entry.title}
        try:
            f = fit(name, params, X, seed)
        except ValueError as exc:
            row["note"] = str(exc)
            rows.append(row)
            continue
        scores, _ = internal_scores(X, f.labels, seed=seed)
        row.update(clusters=f.n_clusters, noise=f.noise_fraction, **scores)
        if y is not None:
            row.update(external_scores(y, f.labels))
        row["fit_s"] = f.seconds
        row["note"] = "; ".join(f.notes)[:200]
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class KStep:
    """One k of a path over k: the clusterer's own labels, the labels matched along k (the numbers, so
    the colours, every view shows), raw cluster number -> shown number, internal scores, fit seconds."""

    k: int
    raw: np.ndarray
    labels: np.ndarray
    mapping: dict
    scores: dict
    seconds: float
    centres: np.ndarray | None = None  # k-means: the centroids, in the clusterer's own numbering


def k_path(raw_by_k: dict, X, seed: int = 0) -> dict[int, KStep]:
    """Every k's clustering with its colours matched along k, and its internal scores.

    `raw_by_k` = {k: (labels, fit seconds[, centroids])}. Going up in k, each clustering takes the numbers of the one
    before it where they overlap most (`match_labels`), so a step of k changes the colours of the clusters
    that split or merge and no others: the same colours whichever k the page was at before. Used where a
    slider over k is answered in the browser from precomputed states (ui.clustering)."""
    from ml.clustering.display import match_labels

    out, prev = {}, None
    for k in sorted(raw_by_k):
        raw, seconds, *centres = raw_by_k[k]
        raw = np.asarray(raw)
        labels = match_labels(raw, prev) if prev is not None else raw.copy()
        mapping = {int(c): int(labels[np.argmax(raw == c)]) for c in np.unique(raw)}
        scores, _ = internal_scores(X, labels, seed=seed)
        out[int(k)] = KStep(int(k), raw, labels, mapping, scores, float(seconds), centres[0] if centres else None)
        prev = labels
    return out
