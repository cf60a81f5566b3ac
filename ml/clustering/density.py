"""Density-based clustering: the `DBSCANClusterer` (with its guard against an eps so large that the
neighbour pairs would not fit in memory) and `HDBSCANClusterer` estimators, and the DBSCAN helpers:
the k-distance curve (`k_distance`), its knee (`knee_index`, also the elbow of the k sweep) and
`dbscan_advice` when eps makes everything noise or one cluster."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from ml.clustering.limits import HDBSCAN_MAX_ROWS, _capture, capped


class DBSCANClusterer(ClusterMixin, BaseEstimator):
    """DBSCAN: eps (search radius) and MinPts (`min_samples`, the point itself included).

    After fit: `labels_` (-1 = noise), `point_kind_` (0 core, 1 border, 2 noise), `n_clusters_`,
    `noise_fraction_`.
    """

    def __init__(self, eps=0.5, min_samples=5, metric="euclidean"):
        self.eps = eps
        self.min_samples = min_samples
        self.metric = metric

    def fit(self, X, y=None):
        from sklearn.cluster import DBSCAN

        X = np.asarray(X, dtype=float)
        if self.min_samples > len(X):
            raise ValueError(
                f"MinPts = {self.min_samples} is more than the {len(X):,} rows: no point can be a core point."
            )
        _check_pairs(X, self.eps, self.metric)
        self.warnings_ = []
        est = DBSCAN(eps=self.eps, min_samples=self.min_samples, metric=self.metric)
        with _capture(self):
            est.fit(X)
        self.labels_ = est.labels_.astype(int)
        kind = np.where(self.labels_ < 0, 2, 1)
        kind[est.core_sample_indices_] = 0
        self.point_kind_ = kind
        self.core_sample_indices_ = est.core_sample_indices_
        self.n_clusters_ = int(self.labels_.max() + 1) if len(self.labels_) else 0
        self.noise_fraction_ = float(np.mean(self.labels_ < 0))
        return self


def _check_pairs(X: np.ndarray, eps: float, metric: str = "euclidean", sample: int = 400) -> None:
    """Refuse an eps so large that DBSCAN would hold more than DBSCAN_MAX_PAIRS neighbour pairs
    (estimated from a fixed sample of rows): on a big table that runs the server out of memory."""
    from sklearn.neighbors import NearestNeighbors

    limit = _max_pairs()
    n = len(X)
    if n * n <= limit:
        return
    rows = np.random.default_rng(0).choice(n, min(sample, n), replace=False)
    counts = (
        NearestNeighbors(radius=eps, metric=metric).fit(X).radius_neighbors(X[rows], return_distance=False)
    )
    pairs = float(np.mean([len(c) for c in counts])) * n
    if pairs > limit:
        raise ValueError(
            f"eps = {eps:g} is so large for {n:,} rows that each point has about {pairs / n:,.0f} neighbours "
            f"({pairs:,.0f} pairs in all, more than the {limit:,} this server can hold). Lower eps "
            "(the knee of the k-distance plot is a good start) or filter the rows."
        )


def _max_pairs() -> int:
    """`DBSCAN_MAX_PAIRS` as `ml.clustering` holds it now: read from the package at call time, so that
    setting `ml.clustering.DBSCAN_MAX_PAIRS` (a test, or a server with more memory) takes effect."""
    from ml import clustering

    return clustering.DBSCAN_MAX_PAIRS


class HDBSCANClusterer(ClusterMixin, BaseEstimator):
    """HDBSCAN: DBSCAN over every eps at once, keeping the clusters that persist; no eps to choose."""

    def __init__(self, min_cluster_size=10, min_samples=5, max_rows=HDBSCAN_MAX_ROWS):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.max_rows = max_rows

    def fit(self, X, y=None):
        from sklearn.cluster import HDBSCAN

        X = np.asarray(X, dtype=float)
        if len(X) > self.max_rows:
            raise ValueError(
                f"HDBSCAN is limited to {self.max_rows:,} rows here (100,000 rows took four minutes on two "
                f"cores); this data has {len(X):,}. Filter the rows, or use DBSCAN or k-means."
            )
        if self.min_cluster_size > len(X):
            raise ValueError(
                f"Minimum cluster size = {self.min_cluster_size} is more than the {len(X):,} rows."
            )
        self.warnings_ = []
        est = HDBSCAN(
            min_cluster_size=self.min_cluster_size, min_samples=min(self.min_samples, len(X)), copy=True
        )
        with _capture(self):
            est.fit(X)
        self.labels_ = np.where(est.labels_ < 0, -1, est.labels_).astype(int)
        self.probabilities_ = est.probabilities_
        self.n_clusters_ = int(self.labels_.max() + 1) if len(self.labels_) else 0
        self.noise_fraction_ = float(np.mean(self.labels_ < 0))
        return self


# ==================================================================================================
# DBSCAN helpers: k-distance curve, knee, advice
# ==================================================================================================


def knee_index(x, y, log_y: bool = False) -> int:
    """Index of the knee of a monotone curve: the point farthest from the chord joining its ends
    (both axes scaled to [0, 1], the "kneedle" idea); `log_y` finds it on log(y) (the elbow of
    inertia, whose first drop dwarfs the rest)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if log_y:
        y = np.log(np.where(y > 0, y, np.nan))
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return int(np.flatnonzero(ok)[0]) if ok.any() else 0
    idx = np.flatnonzero(ok)
    xs, ys = x[ok], y[ok]
    xn = (xs - xs.min()) / (np.ptp(xs) or 1.0)
    yn = (ys - ys.min()) / (np.ptp(ys) or 1.0)
    x0, y0, x1, y1 = xn[0], yn[0], xn[-1], yn[-1]
    dist = np.abs((y1 - y0) * xn - (x1 - x0) * yn + x1 * y0 - y1 * x0) / np.hypot(x1 - x0, y1 - y0)
    return int(idx[int(dist.argmax())])


@dataclass
class KDistance:
    """Each point's distance to its (MinPts - 1)-th nearest other point, sorted ascending.

    A point is a core point for eps exactly when its k-distance is at most eps, so the share of core
    points at any eps is a binary search on this curve.
    """

    distances: np.ndarray
    k: int
    knee_eps: float

    def core_fraction(self, eps: float) -> float:
        return float(np.searchsorted(self.distances, eps, side="right") / len(self.distances))


@capped
def k_distance(X, min_samples: int) -> KDistance:
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(X, dtype=float)
    k = int(min(max(min_samples, 1), len(X)))
    if k == 1:
        d = np.zeros(len(X))
    else:
        nn = NearestNeighbors(n_neighbors=k).fit(X)
        dist, _ = nn.kneighbors(X)
        d = dist[:, -1]
    d = np.sort(d)
    return KDistance(d, k, float(d[knee_index(np.arange(len(d)), d)]))


def dbscan_advice(labels: np.ndarray, eps: float, knee_eps: float) -> str | None:
    """A message when eps makes DBSCAN useless: everything noise, or everything one cluster."""
    labels = np.asarray(labels)
    if (labels < 0).all():
        return (
            f"eps = {eps:g} is so small that every point is noise (no point has MinPts neighbours within "
            f"eps). Try eps ≈ {knee_eps:.3g}, the knee of the k-distance plot."
        )
    if (labels == 0).all():
        return (
            f"eps = {eps:g} is so large that all points form one cluster. Try eps ≈ {knee_eps:.3g}, the knee "
            "of the k-distance plot."
        )
    return None
