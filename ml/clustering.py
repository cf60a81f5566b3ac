"""Clustering engine: scaling, the clusterer registry entries, step histories, scores and sweeps.

Terms follow the course notes (section 3 of the Udacity notes): k-means with its elbow method,
hierarchical (single / complete / average / Ward linkage) with its dendrogram, DBSCAN with eps,
MinPts, core, border and noise points, Gaussian mixtures fitted by expectation maximisation
(initialise from k-means, E-step, M-step, log-likelihood), and cluster validation by internal
indices (silhouette, Davies–Bouldin, Calinski–Harabasz) and external ones (adjusted Rand index...).

Every clusterer is a scikit-learn style estimator whose `fit(X)` leaves `labels_` (-1 = noise),
`warnings_` (convergence and similar notes worded for users) and, for the ones that need it, what a
page draws (centroids, the linkage matrix, core points, means and covariances). Pages reach them
through `ml.registry` (kind "clusterer"); the entries are registered when this module is imported.

Compute once, query cheaply: the linkage matrix is built once per (data, linkage, metric) and cut
at any number of clusters or height in O(n); the k-distance curve, the elbow and BIC sweeps and the
step histories are computed once per data and parameters and read at any k, eps or step.
"""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn import cluster as _sk_cluster  # noqa: F401 - imported here so no fit time includes the import
from sklearn import mixture as _sk_mixture  # noqa: F401
from sklearn.base import BaseEstimator, ClusterMixin

from ml import registry
from ml.params import ParamSpec

SCALINGS = {
    "standard": "Standardise (mean 0, std 1)",
    "minmax": "Min-max (0 to 1)",
    "normalize": "Row-wise normalise (each row to length 1)",
    "none": "None (raw features)",
}
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
# Preparing the data
# ==================================================================================================


@dataclass
class Prepared:
    """The numeric matrix the algorithms see, after scaling, with what was changed and why."""

    X: np.ndarray
    features: list[str]
    scaling: str
    notes: list[str] = field(default_factory=list)
    n_distinct: int = 0

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


def scale(X: np.ndarray, how: str) -> np.ndarray:
    """X scaled column-wise (standard, minmax), row-wise to unit length (normalize), or unchanged."""
    from sklearn import preprocessing

    if how not in SCALINGS:
        raise ValueError(f"Scaling must be one of {list(SCALINGS)}, got {how!r}.")
    X = np.asarray(X, dtype=float)
    if how == "standard":
        return preprocessing.StandardScaler().fit_transform(X)
    if how == "minmax":
        return preprocessing.MinMaxScaler().fit_transform(X)
    if how == "normalize":
        return preprocessing.normalize(X)
    return X.copy()


def prepare(X, scaling: str = "standard", features: list[str] | None = None) -> Prepared:
    """Check X (numeric, finite, at least 2 rows), drop constant columns (saying so) and scale it."""
    if isinstance(X, pd.DataFrame):
        features = [str(c) for c in X.columns]
        bad = [str(c) for c in X.columns if X[c].dtype.kind not in "iufb"]
        if bad:
            raise ValueError(
                f"Clustering needs numeric features; {', '.join(bad[:5])} hold text. Leave those columns out "
                "or encode them as numbers."
            )
        X = X.to_numpy(dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"Expected a table (rows × features), got an array of shape {X.shape}.")
    features = list(features or [f"x{i + 1}" for i in range(X.shape[1])])
    if X.shape[1] == 0:
        raise ValueError("No feature columns are chosen: pick at least one numeric feature.")
    if X.shape[0] < 2:
        raise ValueError(f"Clustering needs at least 2 rows; the data has {X.shape[0]}.")
    if not np.isfinite(X).all():
        bad_rows = int((~np.isfinite(X)).any(axis=1).sum())
        raise ValueError(
            f"{bad_rows:,} rows have missing or infinite values; clustering needs every value. Drop those "
            "rows or fill the gaps (the data panel offers both)."
        )
    notes = []
    constant = np.ptp(X, axis=0) == 0
    if constant.all():
        raise ValueError(
            "Every chosen feature is constant (one value in every row): there is nothing to cluster. "
            "Choose features that vary."
        )
    if constant.any():
        names = [f for f, c in zip(features, constant, strict=True) if c]
        notes.append(
            f"Left out {len(names)} constant column(s) ({', '.join(names[:5])}): a column with one value "
            "cannot separate clusters."
        )
        X = X[:, ~constant]
        features = [f for f, c in zip(features, constant, strict=True) if not c]
    Xs = scale(X, scaling)
    if scaling == "normalize" and Xs.shape[1] == 1:
        notes.append(
            "Row-wise normalising a single feature maps every value to +1 or -1: choose another scaling."
        )
    n_distinct = len(np.unique(Xs, axis=0)) if Xs.shape[0] <= 200_000 else Xs.shape[0]
    return Prepared(Xs, features, scaling, notes, int(n_distinct))


# ==================================================================================================
# Estimators (scikit-learn style: __init__ stores, fit validates and learns, learned attributes end in _)
# ==================================================================================================


@contextmanager
def limited():
    """Cap BLAS and OpenMP threads to `compute_threads()` (default 1) in the calling thread.

    Measured on the busy 2-core machine: a 5-component Gaussian mixture on 1,000 points took 3 s
    with two BLAS threads and 0.04 s with one (tiny matrix products, each waiting for a thread).
    """
    from threadpoolctl import threadpool_limits

    n = _threads()
    if n <= 0:
        yield
        return
    with threadpool_limits(limits=n):
        yield


def _threads() -> int:
    """ML_EXPLORER_THREADS (default 1; 0 = the libraries' own choice), as `ml.nets.compute_threads`
    reads it; read here so clustering never imports torch."""
    import os

    value = os.environ.get("ML_EXPLORER_THREADS", "1").strip() or "0"
    try:
        return max(int(value), 0)
    except ValueError:
        raise ValueError(
            f"ML_EXPLORER_THREADS must be a whole number (0 = library default), got {value!r}."
        ) from None


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


class KMeansClusterer(ClusterMixin, BaseEstimator):
    """k-means (Lloyd's algorithm, best of n_init starts); mini-batch k-means past `minibatch_above` rows."""

    def __init__(
        self,
        n_clusters=3,
        init="k-means++",
        n_init=10,
        max_iter=300,
        random_state=None,
        minibatch_above=MINIBATCH_ABOVE,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state
        self.minibatch_above = minibatch_above

    def fit(self, X, y=None):
        from sklearn.cluster import KMeans, MiniBatchKMeans

        X = np.asarray(X, dtype=float)
        _check_k(int(self.n_clusters), len(X), _distinct(X), "k (number of clusters)")
        self.warnings_ = []
        if len(X) > self.minibatch_above:
            est = MiniBatchKMeans(
                n_clusters=self.n_clusters,
                init=self.init,
                n_init=self.n_init,
                max_iter=self.max_iter,
                random_state=self.random_state,
                batch_size=2048,
            )
            self.algorithm_used_ = (
                f"mini-batch k-means (batches of 2,048 rows: the data has more than {self.minibatch_above:,})"
            )
        else:
            est = KMeans(
                n_clusters=self.n_clusters,
                init=self.init,
                n_init=self.n_init,
                max_iter=self.max_iter,
                random_state=self.random_state,
            )
            self.algorithm_used_ = f"k-means (Lloyd's algorithm, best of {self.n_init} starts)"
        with _capture(self):
            est.fit(X)
        self.labels_ = est.labels_.astype(int)
        self.cluster_centers_ = est.cluster_centers_
        self.inertia_ = float(est.inertia_)
        self.n_iter_ = int(est.n_iter_)
        return self


class Hierarchical(ClusterMixin, BaseEstimator):
    """Agglomerative clustering through scipy's linkage matrix, cut by number of clusters or height.

    `fit` builds the linkage matrix once; `cut(n_clusters=...)` or `cut(height=...)` relabels the
    points in O(n) without refitting. Cluster numbers follow the dendrogram from left to right.
    """

    def __init__(
        self, n_clusters=3, linkage="ward", metric="euclidean", height=None, max_rows=HIERARCHICAL_MAX_ROWS
    ):
        self.n_clusters = n_clusters
        self.linkage = linkage
        self.metric = metric
        self.height = height
        self.max_rows = max_rows

    def fit(self, X, y=None):
        from scipy.cluster.hierarchy import leaves_list
        from scipy.cluster.hierarchy import linkage as scipy_linkage

        X = np.asarray(X, dtype=float)
        n = len(X)
        if n > self.max_rows:
            raise ValueError(
                f"Hierarchical clustering keeps every pairwise distance: {n:,} rows would need "
                f"{n * (n - 1) / 2 * 8 / 1e9:.1f} GB. It is limited to {self.max_rows:,} rows here; filter "
                "the rows or use k-means, DBSCAN or HDBSCAN."
            )
        if self.linkage == "ward" and self.metric != "euclidean":
            raise ValueError(
                f"Ward linkage works with euclidean distances only (it merges by variance); got metric "
                f"{self.metric!r}. Choose euclidean, or another linkage."
            )
        if n < 2:
            raise ValueError("Hierarchical clustering needs at least 2 rows.")
        self.warnings_ = []
        with _capture(self):
            Z = scipy_linkage(X, method=self.linkage, metric=self.metric)
        # single / complete / average / ward give monotone heights; keep them sorted for height cuts
        self.linkage_matrix_ = Z
        self.n_leaves_ = n
        order = leaves_list(Z)
        pos = np.empty(n, dtype=np.int64)
        pos[order] = np.arange(n)
        self.leaf_order_ = order
        first = np.empty(2 * n - 1, dtype=np.int64)  # leftmost leaf position of each node
        first[:n] = pos
        size = np.ones(2 * n - 1, dtype=np.int64)
        a, b = Z[:, 0].astype(np.int64), Z[:, 1].astype(np.int64)
        for i in range(n - 1):
            first[n + i] = min(first[a[i]], first[b[i]])
            size[n + i] = size[a[i]] + size[b[i]]
        self.first_leaf_ = first
        self.node_size_ = size
        self.heights_ = np.maximum.accumulate(Z[:, 2])
        if self.height is not None:
            self.labels_, self.node_labels_ = self.cut(height=self.height)
        else:
            _check_k(int(self.n_clusters), n, n, "Number of clusters")
            self.labels_, self.node_labels_ = self.cut(n_clusters=int(self.n_clusters))
        return self

    def k_for_height(self, height: float) -> int:
        """How many clusters a cut at `height` leaves (merges above it undone)."""
        return int(self.n_leaves_ - np.searchsorted(self.heights_, float(height), side="right"))

    def height_for_k(self, k: int) -> float:
        """A cut height that leaves k clusters: midway between the last merge kept and the first undone."""
        n = self.n_leaves_
        k = int(np.clip(k, 1, n))
        below = self.heights_[n - k - 1] if n - k - 1 >= 0 else 0.0
        above = self.heights_[n - k] if n - k <= n - 2 else self.heights_[-1] * 1.05
        return float((below + above) / 2)

    def cut(self, n_clusters: int | None = None, height: float | None = None):
        """(labels of the points 0..k-1 from left to right in the dendrogram, label of every tree node
        or -1 for merges above the cut). Give either `n_clusters` or `height`."""
        n = self.n_leaves_
        if height is not None:
            k = self.k_for_height(height)
        elif n_clusters is not None:
            k = int(n_clusters)
            if not 1 <= k <= n:
                raise ValueError(f"Number of clusters must be from 1 to {n:,} (the rows), got {k}.")
        else:
            raise ValueError("Give the number of clusters or the cut height.")
        Z = self.linkage_matrix_
        node = np.full(2 * n - 1, -1, dtype=np.int64)
        # the clusters are the children of the last k-1 merges that are not themselves among them
        if k == 1:
            roots = np.array([2 * n - 2])
        else:
            undone = Z[n - k :, :2].astype(np.int64).ravel()
            roots = undone[undone < 2 * n - 1 - (k - 1)]
        roots = roots[np.argsort(self.first_leaf_[roots], kind="stable")]
        node[roots] = np.arange(len(roots))
        a, b = Z[:, 0].astype(np.int64), Z[:, 1].astype(np.int64)
        for i in range(n - 2, -1, -1):
            lab = node[n + i]
            if lab >= 0:
                node[a[i]] = lab
                node[b[i]] = lab
        return node[:n].copy(), node


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

    n = len(X)
    if n * n <= DBSCAN_MAX_PAIRS:
        return
    rows = np.random.default_rng(0).choice(n, min(sample, n), replace=False)
    counts = (
        NearestNeighbors(radius=eps, metric=metric).fit(X).radius_neighbors(X[rows], return_distance=False)
    )
    pairs = float(np.mean([len(c) for c in counts])) * n
    if pairs > DBSCAN_MAX_PAIRS:
        raise ValueError(
            f"eps = {eps:g} is so large for {n:,} rows that each point has about {pairs / n:,.0f} neighbours "
            f"({pairs:,.0f} pairs in all, more than the {DBSCAN_MAX_PAIRS:,} this server can hold). Lower eps "
            "(the knee of the k-distance plot is a good start) or filter the rows."
        )


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


def full_covariances(covariances, covariance_type: str, n_components: int, n_features: int) -> np.ndarray:
    """Covariances of a GaussianMixture in full form (k, d, d), whatever its covariance type."""
    c = np.asarray(covariances, dtype=float)
    if covariance_type == "full":
        return c.copy()
    if covariance_type == "tied":
        return np.repeat(c[None], n_components, axis=0)
    if covariance_type == "diag":
        return np.stack([np.diag(v) for v in c])
    if covariance_type == "spherical":
        return np.stack([np.eye(n_features) * v for v in c])
    raise ValueError(f"Unknown covariance type {covariance_type!r}.")


_SINGULAR_HELP = (
    "A component collapsed onto too few points (a singular covariance). Raise the regularisation "
    "(reg_covar), use fewer components, or a simpler covariance type (diag or spherical)."
)


class GaussianMixtureClusterer(ClusterMixin, BaseEstimator):
    """A Gaussian mixture fitted by EM, initialised from k-means; hard labels = most likely component."""

    def __init__(
        self, n_components=3, covariance_type="full", reg_covar=1e-6, max_iter=100, random_state=None
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        from sklearn.mixture import GaussianMixture

        X = np.asarray(X, dtype=float)
        _check_k(int(self.n_components), len(X), _distinct(X), "Number of components")
        self.warnings_ = []
        gm = GaussianMixture(
            n_components=self.n_components,
            covariance_type=self.covariance_type,
            reg_covar=self.reg_covar,
            max_iter=self.max_iter,
            random_state=self.random_state,
            init_params="kmeans",
        )
        try:
            with _capture(self):
                gm.fit(X)
        except ValueError as exc:
            if "ill-defined empirical covariance" in str(exc) or "singular" in str(exc).lower():
                raise ValueError(f"The Gaussian mixture could not be fitted. {_SINGULAR_HELP}") from exc
            raise
        if not gm.converged_:
            self.warnings_ = [
                f"EM did not converge in {self.max_iter} iterations (the log-likelihood was still rising). "
                "The result may change with more iterations, another seed, fewer components or more "
                "regularisation."
            ]
        self.model_ = gm
        self.labels_ = gm.predict(X).astype(int)
        self.proba_ = gm.predict_proba(X)
        self.means_ = gm.means_
        self.covariances_full_ = full_covariances(
            gm.covariances_, self.covariance_type, self.n_components, X.shape[1]
        )
        self.weights_ = gm.weights_
        self.bic_ = float(gm.bic(X))
        self.aic_ = float(gm.aic(X))
        self.log_likelihood_ = float(gm.score(X))
        self.converged_ = bool(gm.converged_)
        return self


class SpectralClusterer(ClusterMixin, BaseEstimator):
    """Spectral clustering on a nearest-neighbours graph: clusters are the graph's weakly linked parts."""

    def __init__(self, n_clusters=2, n_neighbors=10, random_state=None, max_rows=SPECTRAL_MAX_ROWS):
        self.n_clusters = n_clusters
        self.n_neighbors = n_neighbors
        self.random_state = random_state
        self.max_rows = max_rows

    def fit(self, X, y=None):
        from sklearn.cluster import SpectralClustering

        X = np.asarray(X, dtype=float)
        if len(X) > self.max_rows:
            raise ValueError(
                f"Spectral clustering is limited to {self.max_rows:,} rows here (its eigen-decomposition "
                f"would take minutes on {len(X):,}); filter the rows or use k-means or HDBSCAN."
            )
        _check_k(int(self.n_clusters), len(X), _distinct(X), "Number of clusters")
        if self.n_neighbors >= len(X):
            raise ValueError(f"Neighbours = {self.n_neighbors} must be fewer than the {len(X):,} rows.")
        self.warnings_ = []
        est = SpectralClustering(
            n_clusters=self.n_clusters,
            affinity="nearest_neighbors",
            n_neighbors=self.n_neighbors,
            random_state=self.random_state,
            assign_labels="kmeans",
        )
        with _capture(self):
            est.fit(X)
        self.labels_ = est.labels_.astype(int)
        self.warnings_ = [
            "The neighbour graph falls apart into pieces; raise the number of neighbours."
            if "not fully connected" in w
            else w
            for w in self.warnings_
        ]
        return self


# ==================================================================================================
# Registry entries
# ==================================================================================================


def _k_spec(
    name: str, label: str, default: int = 3, low: int = 1, high: int = 30, help: str = ""
) -> ParamSpec:
    return ParamSpec(name, label, "int", default, low, high, 1, help=help)


def _rows(n_rows: int, n_features: int) -> int:
    return n_rows


_ENTRIES = (
    registry.Entry(
        name="kmeans",
        title="k-means",
        kind="clusterer",
        params=(
            _k_spec("n_clusters", "k (number of clusters)", help="How many centroids to place."),
            ParamSpec(
                "init",
                "Initialisation",
                "choice",
                "k-means++",
                choices=("k-means++", "random"),
                help="k-means++ spreads the first centroids apart; random picks k rows at random.",
            ),
            ParamSpec(
                "n_init",
                "Starts (n_init)",
                "int",
                10,
                1,
                20,
                1,
                help="k-means runs this many times from different starts and keeps the lowest inertia.",
            ),
        ),
        build=lambda p, seed: KMeansClusterer(p["n_clusters"], p["init"], p["n_init"], random_state=seed),
        description=(
            "Place k centroids, assign each point to the closest, move each centroid to the mean of its "
            "points, repeat until nothing moves. Finds round clusters of similar size; fails on moons."
        ),
        family="centroid",
        tags=("k",),
        size_limits={"n_clusters": _rows},
        extra={"k_param": "n_clusters", "steps": "lloyd"},
    ),
    registry.Entry(
        name="agglomerative",
        title="Hierarchical (agglomerative)",
        kind="clusterer",
        params=(
            _k_spec("n_clusters", "Number of clusters (the cut)", help="Where the dendrogram is cut."),
            ParamSpec(
                "linkage",
                "Linkage",
                "choice",
                "ward",
                choices=("ward", "complete", "average", "single"),
                help=(
                    "Distance between clusters: ward = increase in variance; complete = farthest points; "
                    "average = mean distance; single = closest points."
                ),
            ),
            ParamSpec(
                "metric",
                "Distance",
                "choice",
                "euclidean",
                choices=("euclidean", "cityblock", "cosine"),
                help="How far apart two points are (Ward needs euclidean).",
            ),
        ),
        build=lambda p, seed: Hierarchical(p["n_clusters"], p["linkage"], p["metric"]),
        description=(
            "Start with every point its own cluster and merge the two closest, again and again; the "
            "dendrogram records every merge, and a cut through it gives the clusters."
        ),
        family="hierarchical",
        tags=("k",),
        size_limits={"n_clusters": _rows},
        extra={"k_param": "n_clusters", "max_rows": HIERARCHICAL_MAX_ROWS},
    ),
    registry.Entry(
        name="dbscan",
        title="DBSCAN",
        kind="clusterer",
        params=(
            ParamSpec(
                "eps",
                "eps (search radius)",
                "float",
                0.3,
                0.01,
                10.0,
                0.01,
                help="Points closer than eps are neighbours. Read a value off the k-distance plot's knee.",
            ),
            ParamSpec(
                "min_samples",
                "MinPts (min_samples)",
                "int",
                5,
                1,
                100,
                1,
                help="Neighbours (the point itself included) a core point needs within eps.",
            ),
        ),
        build=lambda p, seed: DBSCANClusterer(p["eps"], p["min_samples"]),
        description=(
            "Groups points that are closely packed: a core point has MinPts neighbours within eps; border "
            "points sit near a core point; the rest are noise. No k to choose; any cluster shape."
        ),
        family="density",
        tags=("noise",),
        size_limits={"min_samples": _rows},
        extra={"noise": True},
    ),
    registry.Entry(
        name="hdbscan",
        title="HDBSCAN",
        kind="clusterer",
        params=(
            ParamSpec(
                "min_cluster_size",
                "Minimum cluster size",
                "int",
                10,
                2,
                200,
                1,
                help="The smallest group that counts as a cluster.",
            ),
            ParamSpec(
                "min_samples",
                "MinPts (min_samples)",
                "int",
                5,
                1,
                100,
                1,
                help="How conservative: more means more points called noise.",
            ),
        ),  # fmt: skip
        build=lambda p, seed: HDBSCANClusterer(p["min_cluster_size"], p["min_samples"]),
        description=(
            "Hierarchical DBSCAN: tries every eps at once and keeps the clusters that last longest, so "
            "clusters of different densities are found without choosing eps."
        ),
        family="density",
        tags=("noise",),
        size_limits={"min_cluster_size": _rows, "min_samples": _rows},
        extra={"noise": True, "max_rows": HDBSCAN_MAX_ROWS},
    ),
    registry.Entry(
        name="gmm",
        title="Gaussian mixture (EM)",
        kind="clusterer",
        params=(
            _k_spec("n_components", "Components", help="How many Gaussians in the mixture.", high=20),
            ParamSpec(
                "covariance_type",
                "Covariance type",
                "choice",
                "full",
                choices=("full", "tied", "diag", "spherical"),
                help=(
                    "The shape of each Gaussian: full = any ellipse; tied = one shared ellipse; diag = "
                    "axis-aligned ellipses; spherical = circles."
                ),
            ),
            ParamSpec(
                "reg_covar",
                "Regularisation (reg_covar)",
                "float",
                1e-6,
                1e-6,
                1e-1,
                log=True,
                help="Added to each covariance's diagonal: raise it when a component collapses.",
            ),
        ),
        build=lambda p, seed: GaussianMixtureClusterer(
            p["n_components"], p["covariance_type"], p["reg_covar"], random_state=seed
        ),
        description=(
            "Each cluster is a Gaussian (an ellipse); EM alternates soft assignment (E-step) and "
            "re-estimating means and covariances (M-step) until the log-likelihood stops rising."
        ),
        family="model-based",
        tags=("k",),
        size_limits={"n_components": _rows},
        extra={"k_param": "n_components", "steps": "em"},
    ),
    registry.Entry(
        name="spectral",
        title="Spectral clustering",
        kind="clusterer",
        params=(
            _k_spec("n_clusters", "Number of clusters", default=3, high=20),
            ParamSpec(
                "n_neighbors",
                "Neighbours in the graph",
                "int",
                10,
                2,
                50,
                1,
                help="Each point links to this many nearest neighbours; clusters are weakly linked parts.",
            ),
        ),  # fmt: skip
        build=lambda p, seed: SpectralClusterer(p["n_clusters"], p["n_neighbors"], random_state=seed),
        description=(
            "Builds a graph linking each point to its nearest neighbours and cuts it where few links "
            "cross: follows moons and rings that k-means cannot."
        ),
        family="graph",
        tags=("k",),
        # ARPACK needs fewer eigenvectors than points: k < n (k = n raised a TypeError, issue 10)
        size_limits={"n_clusters": lambda n, d: n - 1, "n_neighbors": lambda n, d: n - 1},
        extra={"k_param": "n_clusters", "max_rows": SPECTRAL_MAX_ROWS},
    ),
)
for _entry in _ENTRIES:
    registry.register(_entry)
del _entry


# ==================================================================================================
# Fitting through the registry
# ==================================================================================================


@dataclass
class Fit:
    """A fitted clusterer and what every view needs from it."""

    name: str
    params: dict
    estimator: object
    labels: np.ndarray
    seconds: float
    notes: list[str]

    @property
    def n_clusters(self) -> int:
        return len(set(self.labels[self.labels >= 0].tolist()))

    @property
    def noise_fraction(self) -> float:
        return float(np.mean(self.labels < 0))


def fit(name: str, params: dict, X: np.ndarray, seed: int = 0) -> Fit:
    """Fit registry clusterer `name` with `params` (clipped to what the data allows, saying so)."""
    entry = registry.get("clusterer", name)
    X = np.asarray(X, dtype=float)
    params = entry.validate(params)
    params, notes = entry.fit_to_data(params, X.shape[0], X.shape[1])
    est = entry.build(params, int(seed))
    t0 = time.perf_counter()
    est.fit(X)
    seconds = time.perf_counter() - t0
    registry.check_contract("clusterer", est)
    notes = notes + list(getattr(est, "warnings_", []))
    labels = np.asarray(est.labels_, dtype=int)
    k = len(set(labels[labels >= 0].tolist()))
    if k > MAX_CLUSTERS:
        notes.append(f"{k} clusters: the legend and tables show the {MAX_CLUSTERS} largest.")
    return Fit(name, params, est, labels, seconds, notes)


# ==================================================================================================
# Step histories: Lloyd's iterations and EM
# ==================================================================================================


@dataclass
class LloydHistory:
    """Lloyd's algorithm step by step: step 0 places the centroids, then assign / move alternate.

    `labels[s]` are the labels of the kept rows after step s (-1 before the first assignment),
    `centroids[s]` the centroids after step s, `inertia[s]` the sum of squared distances from each
    point to its assigned centroid after step s (NaN at step 0); it never increases.
    """

    kinds: list[str]
    centroids: np.ndarray
    labels: np.ndarray
    inertia: np.ndarray
    converged: bool
    keep: np.ndarray
    start: int = 0

    @property
    def n_steps(self) -> int:
        return len(self.kinds)


def _sq_dist(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    return (X * X).sum(1)[:, None] - 2 * X @ C.T + (C * C).sum(1)[None, :]


def _lloyd_run(X, C, max_iter):
    kinds, cents, labs, inert = ["init"], [C.copy()], [None], [np.nan]
    prev = None
    converged = False
    for _ in range(max_iter):
        D = np.maximum(_sq_dist(X, C), 0)
        lab = D.argmin(1)
        kinds.append("assign")
        cents.append(C.copy())
        labs.append(lab)
        inert.append(float(D[np.arange(len(X)), lab].sum()))
        if prev is not None and np.array_equal(lab, prev):
            converged = True
            kinds.pop(), cents.pop(), labs.pop(), inert.pop()  # an assignment that changed nothing
            break
        newC = C.copy()
        counts = np.bincount(lab, minlength=len(C))
        sums = np.zeros_like(C)
        np.add.at(sums, lab, X)
        filled = counts > 0
        newC[filled] = sums[filled] / counts[filled, None]  # an empty cluster keeps its centroid
        kinds.append("move")
        cents.append(newC.copy())
        labs.append(lab)
        inert.append(float(((X - newC[lab]) ** 2).sum()))
        prev = lab
        if np.allclose(newC, C, rtol=0, atol=1e-12):
            converged = True
            break
        C = newC
    return kinds, cents, labs, inert, converged


@capped
def lloyd_history(
    X,
    k: int,
    init: str = "k-means++",
    seed: int = 0,
    n_init: int = 1,
    max_iter: int = HISTORY_MAX_ITER,
    keep=None,
) -> LloydHistory:
    """Lloyd's iterations from `n_init` seeded starts; the run with the lowest final inertia is kept.

    Step 0 places the centroids (k-means++ or k random rows); each iteration is an "assign" step
    (each point to its closest centroid) and a "move" step (each centroid to the mean of its points),
    until the assignment stops changing or `max_iter` iterations.
    """
    from sklearn.cluster import kmeans_plusplus

    X = np.asarray(X, dtype=float)
    n = len(X)
    _check_k(int(k), n, _distinct(X), "k (number of clusters)")
    if init not in ("k-means++", "random"):
        raise ValueError(f"Initialisation must be 'k-means++' or 'random', got {init!r}.")
    keep = np.arange(n) if keep is None else np.asarray(keep)
    rng = np.random.RandomState(seed)
    best = None
    for start in range(max(1, int(n_init))):
        state = rng.randint(np.iinfo(np.int32).max)
        if init == "k-means++":
            C, _ = kmeans_plusplus(X, int(k), random_state=state)
        else:
            C = X[np.random.RandomState(state).choice(n, int(k), replace=False)]
        run = _lloyd_run(X, C.astype(float), max_iter)
        if best is None or run[3][-1] < best[1][3][-1] - 1e-12:
            best = (start, run)
    start, (kinds, cents, labs, inert, converged) = best
    labels = np.stack([np.full(len(keep), -1) if lab is None else lab[keep] for lab in labs]).astype(np.int16)
    return LloydHistory(kinds, np.stack(cents), labels, np.asarray(inert), converged, keep, start)


@dataclass
class EMHistory:
    """EM for a Gaussian mixture step by step: step 0 initialises from k-means, then E / M alternate.

    Per step: means (k, d), full covariances (k, d, d), weights, the kept rows' most likely component
    and its responsibility, and the mean log-likelihood per point under the current parameters
    (it never decreases).
    """

    kinds: list[str]
    means: np.ndarray
    covariances: np.ndarray
    weights: np.ndarray
    labels: np.ndarray
    max_resp: np.ndarray
    log_likelihood: np.ndarray
    converged: bool
    keep: np.ndarray

    @property
    def n_steps(self) -> int:
        return len(self.kinds)


@capped
def em_history(
    X,
    n_components: int,
    covariance_type: str = "full",
    reg_covar: float = 1e-6,
    seed: int = 0,
    max_iter: int = HISTORY_MAX_ITER,
    tol: float = 1e-3,
    keep=None,
) -> EMHistory:
    """EM one iteration at a time (scikit-learn's GaussianMixture with warm starts), recording each step.

    Step 0: the means and covariances of a k-means clustering (points coloured by it). Then each
    iteration shows an E-step (every point's membership probabilities under the current Gaussians)
    and an M-step (new weighted means, covariances and weights), until the log-likelihood rises by
    less than `tol` or `max_iter` iterations.
    """
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    X = np.asarray(X, dtype=float)
    n, d = X.shape
    k = int(n_components)
    _check_k(k, n, _distinct(X), "Number of components")
    keep = np.arange(n) if keep is None else np.asarray(keep)
    gm = GaussianMixture(
        k, covariance_type=covariance_type, reg_covar=reg_covar, max_iter=0, warm_start=True,
        random_state=seed, init_params="kmeans", tol=0.0,
    )  # fmt: skip
    kinds, means, covs, weights, labels, resp_max, loglik = [], [], [], [], [], [], []

    def record(kind, lab, rmax):
        kinds.append(kind)
        means.append(gm.means_.copy())
        covs.append(full_covariances(gm.covariances_, covariance_type, k, d))
        weights.append(gm.weights_.copy())
        labels.append(lab[keep].astype(np.int16))
        resp_max.append(rmax[keep].astype(np.float32))
        loglik.append(float(gm.score(X)))

    converged = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            gm.fit(X)  # initialisation only (max_iter = 0)
            km = KMeans(k, n_init=1, random_state=seed).fit(X).labels_
            record("init", km, np.ones(n))
            for _ in range(int(max_iter)):
                resp = gm.predict_proba(X)
                record("E", resp.argmax(1), resp.max(1))
                gm.max_iter = 1
                gm.fit(X)  # one E-step and one M-step from the current parameters
                record("M", resp.argmax(1), resp.max(1))
                if abs(loglik[-1] - loglik[-2]) < tol:
                    converged = True
                    break
        except ValueError as exc:
            raise ValueError(f"EM failed at step {len(kinds)}. {_SINGULAR_HELP}") from exc
    return EMHistory(
        kinds,
        np.stack(means),
        np.stack(covs),
        np.stack(weights),
        np.stack(labels),
        np.stack(resp_max),
        np.asarray(loglik),
        converged,
        keep,
    )


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


# ==================================================================================================
# Scores
# ==================================================================================================


@capped
def internal_scores(X, labels, sample_size: int = SILHOUETTE_SAMPLE, seed: int = 0) -> tuple[dict, list[str]]:
    """Silhouette, Davies–Bouldin and Calinski–Harabasz of `labels` on X (noise points left out).

    Returns ({score: value or None}, notes). A score is None when it is undefined (fewer than 2
    clusters, or every point its own cluster).
    """
    from sklearn import metrics

    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    notes = []
    mask = labels >= 0
    if not mask.all():
        notes.append(
            f"{int((~mask).sum()):,} noise points are left out of the internal scores. The notes warn: "
            "silhouette suits dense, round clusters, not DBSCAN's noise and odd shapes."
        )
    Xm, lm = X[mask], labels[mask]
    k = len(np.unique(lm))
    out = {"silhouette": None, "davies_bouldin": None, "calinski_harabasz": None}
    if k < 2 or k >= len(lm):
        notes.append(f"Internal scores need from 2 to n−1 clusters; this clustering has {k}.")
        return out, notes
    if len(lm) > sample_size:
        out["silhouette"] = float(
            metrics.silhouette_score(Xm, lm, sample_size=sample_size, random_state=seed)
        )
        notes.append(
            f"Silhouette estimated on a fixed random sample of {sample_size:,} points (seed {seed})."
        )
    else:
        out["silhouette"] = float(metrics.silhouette_score(Xm, lm))
    out["davies_bouldin"] = float(metrics.davies_bouldin_score(Xm, lm))
    out["calinski_harabasz"] = float(metrics.calinski_harabasz_score(Xm, lm))
    return out, notes


def external_scores(labels_true, labels_pred) -> dict:
    """Adjusted Rand index, normalised mutual information, homogeneity, completeness and V-measure
    (noise, label -1, counts as one more cluster)."""
    from sklearn import metrics

    t, p = np.asarray(labels_true), np.asarray(labels_pred)
    h, c, v = metrics.homogeneity_completeness_v_measure(t, p)
    return {
        "ari": float(metrics.adjusted_rand_score(t, p)),
        "nmi": float(metrics.normalized_mutual_info_score(t, p)),
        "homogeneity": float(h),
        "completeness": float(c),
        "v_measure": float(v),
    }


SCORE_LABELS = {
    "silhouette": "Silhouette",
    "davies_bouldin": "Davies–Bouldin",
    "calinski_harabasz": "Calinski–Harabasz",
    "ari": "Adjusted Rand index",
    "nmi": "Normalised mutual info",
    "homogeneity": "Homogeneity",
    "completeness": "Completeness",
    "v_measure": "V-measure",
}
SCORE_HELP = {
    "silhouette": "−1 to 1, higher is better: points sit closer to their own cluster than to the next.",
    "davies_bouldin": "0 and up, lower is better: clusters compact and far apart.",
    "calinski_harabasz": "0 and up, higher is better: between-cluster over within-cluster spread.",
    "ari": "−0.5 to 1: 1 = the same grouping as the true labels, 0 = chance.",
    "nmi": "0 to 1: information the clusters share with the labels.",
    "homogeneity": "0 to 1: each cluster holds one class only.",
    "completeness": "0 to 1: each class sits in one cluster only.",
    "v_measure": "0 to 1: harmonic mean of homogeneity and completeness.",
}


def cluster_name(label: int) -> str:
    return "noise" if label < 0 else f"cluster {label}"


def contingency(labels_true, labels_pred, class_names=()) -> pd.DataFrame:
    """Counts of each cluster (rows) against each true class (columns)."""
    t, p = np.asarray(labels_true), np.asarray(labels_pred)
    names = {i: str(n) for i, n in enumerate(class_names)}
    table = pd.crosstab(
        pd.Series([cluster_name(v) for v in p], name="cluster"),
        pd.Series([names.get(v, str(v)) for v in t], name="true class"),
    )
    order = sorted(table.index, key=lambda s: (s == "noise", int(s.split()[-1]) if s != "noise" else 0))
    return table.loc[order]


@capped
def silhouette_values(X, labels) -> np.ndarray:
    """Per-sample silhouette (noise points get NaN); O(n²), call it on a sample."""
    from sklearn.metrics import silhouette_samples

    labels = np.asarray(labels)
    out = np.full(len(labels), np.nan)
    mask = labels >= 0
    k = len(np.unique(labels[mask]))
    if 2 <= k < mask.sum():
        out[mask] = silhouette_samples(np.asarray(X, dtype=float)[mask], labels[mask])
    return out


# ==================================================================================================
# Sweeps: elbow and silhouette against k, BIC / AIC against components
# ==================================================================================================


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
# Colours that stay put, profiles, comparison
# ==================================================================================================


def match_labels(new, old) -> np.ndarray:
    """`new` relabelled so each cluster takes the number of the old cluster it overlaps most
    (Hungarian assignment on the overlap counts); clusters with no partner take the smallest free
    numbers. Noise (-1) stays -1. Used so colours stay stable when k changes."""
    from scipy.optimize import linear_sum_assignment

    new, old = np.asarray(new), np.asarray(old)
    if old is None or len(old) != len(new):
        return new.copy()
    new_ids = np.unique(new[new >= 0])
    old_ids = np.unique(old[old >= 0])
    if len(new_ids) == 0:
        return new.copy()
    if len(old_ids) == 0:
        mapping = {int(c): i for i, c in enumerate(new_ids)}
    else:
        ni = {c: i for i, c in enumerate(new_ids)}
        oi = {c: i for i, c in enumerate(old_ids)}
        overlap = np.zeros((len(new_ids), len(old_ids)))
        both = (new >= 0) & (old >= 0)
        np.add.at(overlap, ([ni[v] for v in new[both]], [oi[v] for v in old[both]]), 1)
        rows, cols = linear_sum_assignment(-overlap)
        mapping = {
            int(new_ids[r]): int(old_ids[c]) for r, c in zip(rows, cols, strict=True) if overlap[r, c] > 0
        }
        used = set(mapping.values())
        free = (i for i in range(len(new_ids) + len(old_ids) + 1) if i not in used)
        for c in new_ids:
            if int(c) not in mapping:
                mapping[int(c)] = next(free)
    out = new.copy()
    for c, m in mapping.items():
        out[new == c] = m
    return out


def profiles(X_raw: pd.DataFrame, labels) -> pd.DataFrame:
    """Per cluster (noise last): its size, share of rows and the mean of each feature in raw units."""
    labels = np.asarray(labels)
    df = X_raw.reset_index(drop=True).copy()
    df.insert(0, "_cluster", labels)
    means = df.groupby("_cluster").mean()
    sizes = df.groupby("_cluster").size()
    order = sorted(means.index, key=lambda c: (c < 0, -sizes[c], c))[: MAX_CLUSTERS + 1]
    out = means.loc[order]
    out.insert(0, "share", (sizes.loc[order] / len(labels)).to_numpy())
    out.insert(0, "size", sizes.loc[order].to_numpy())
    out.index = [cluster_name(int(c)) for c in order]
    out.index.name = "cluster"
    return out


def image_shape(features: list[str]) -> tuple[int, int] | None:
    """(rows, columns) when the features are the pixels of a square image (e.g. digits' 8×8)."""
    n = len(features)
    side = int(round(np.sqrt(n)))
    if n >= 16 and side * side == n and all(str(f).startswith("pixel") for f in features):
        return side, side
    return None


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


# ==================================================================================================
# 2-D views for display (clustering always uses all chosen features)
# ==================================================================================================


@dataclass
class View2D:
    """Display coordinates of some rows, and the linear map (if any) that took the data there:
    coords = (x - center) @ W.T, so centroids and covariance ellipses can be mapped too."""

    coords: np.ndarray
    x_title: str
    y_title: str
    W: np.ndarray | None
    center: np.ndarray | None
    note: str = ""

    def project(self, points: np.ndarray) -> np.ndarray | None:
        if self.W is None:
            return None
        return (np.asarray(points) - self.center) @ self.W.T

    def project_cov(self, covs: np.ndarray) -> np.ndarray | None:
        if self.W is None:
            return None
        return np.einsum("ij,kjl,ml->kim", self.W, covs, self.W)


@capped
def view_2d(
    X, how: str, features: list[str], pair=(0, 1), rows=None, seed: int = 0, scaled: str = ""
) -> View2D:
    """The chosen rows of X in two dimensions: two features, the first two principal components, or
    UMAP (display only; non-linear, so centroids and ellipses are not drawn there)."""
    X = np.asarray(X, dtype=float)
    rows = np.arange(len(X)) if rows is None else np.asarray(rows)
    d = X.shape[1]
    suffix = f" ({scaled})" if scaled else ""
    if d == 1:
        jitter = np.random.default_rng(seed).uniform(-1, 1, len(rows))
        W = np.array([[1.0], [0.0]])
        coords = np.column_stack([X[rows, 0], jitter])
        return View2D(coords, features[0] + suffix, "jitter (no meaning)", W, np.zeros(1),
                      "One feature: a strip plot, spread vertically at random so points do not hide each other.")  # fmt: skip
    if how == "features":
        i, j = (int(p) for p in pair)
        if i == j or not (0 <= i < d and 0 <= j < d):
            raise ValueError("Choose two different features for the axes.")
        W = np.zeros((2, d))
        W[0, i] = W[1, j] = 1.0
        return View2D(X[rows][:, [i, j]], features[i] + suffix, features[j] + suffix, W, np.zeros(d))
    if how == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(2, random_state=seed).fit(X)
        ev = pca.explained_variance_ratio_ * 100
        return View2D(
            pca.transform(X[rows]),
            f"PC1 ({ev[0]:.0f}% of variance)",
            f"PC2 ({ev[1]:.0f}% of variance)",
            pca.components_,
            pca.mean_,
            "Principal components of the clustered (scaled) features: a linear view, for display only.",
        )
    if how == "umap":
        import umap  # slow import (numba): only when asked for

        n_neighbors = int(min(15, len(rows) - 1))
        if n_neighbors < 2:
            raise ValueError("UMAP needs at least 3 rows.")
        emb = umap.UMAP(n_neighbors=n_neighbors, random_state=seed, n_jobs=1).fit_transform(X[rows])
        return View2D(
            emb, "UMAP 1", "UMAP 2", None, None,
            "UMAP bends the space to keep neighbours together: distances and shapes are not to scale, and "
            "centroids and ellipses are not drawn. For display only; clustering uses all features.",
        )  # fmt: skip
    raise ValueError(f"View must be 'features', 'pca' or 'umap', got {how!r}.")


# ==================================================================================================
# Dendrogram layout (drawn by ml.plots.clustering.dendrogram_figure)
# ==================================================================================================


@dataclass
class DendrogramLayout:
    """Where each merge of a linkage matrix is drawn: one ∩ per merge, from child a up to the merge
    height and down to child b. Leaves sit at x = 0, 1, 2, ... in the dendrogram's order.

    Past `DENDROGRAM_FULL_MAX` rows only the last `p` merges are drawn; each leaf then stands for a
    whole subtree (`leaf_size` points).
    """

    nodes: np.ndarray  # node id (n + merge index) of each drawn merge
    xs: np.ndarray  # (m, 4) x of the ∩'s four corners
    ys: np.ndarray  # (m, 4) heights of the four corners
    leaf_nodes: np.ndarray  # node id of each drawn leaf, left to right
    leaf_size: np.ndarray  # points under each drawn leaf
    truncated: bool
    n_rows: int


def dendrogram_layout(est: Hierarchical, p: int | None = None) -> DendrogramLayout:
    n = est.n_leaves_
    Z = est.linkage_matrix_
    if p is None:
        p = n - 1 if n <= DENDROGRAM_FULL_MAX else DENDROGRAM_LAST_P
    p = int(np.clip(p, 1, n - 1))
    lowest = n - 1 - p  # merges with index >= lowest are drawn
    a, b = Z[:, 0].astype(np.int64), Z[:, 1].astype(np.int64)
    shown = np.arange(lowest, n - 1)
    children = np.concatenate([a[shown], b[shown]])
    leaves = children[children < n + lowest]
    leaves = leaves[np.argsort(est.first_leaf_[leaves], kind="stable")]
    x = np.zeros(2 * n - 1)
    h = np.zeros(2 * n - 1)
    x[leaves] = np.arange(len(leaves))
    xs = np.zeros((len(shown), 4))
    ys = np.zeros((len(shown), 4))
    heights = est.heights_
    for row, i in enumerate(shown):
        xa, xb = x[a[i]], x[b[i]]
        node = n + i
        x[node] = (xa + xb) / 2
        h[node] = heights[i]
        xs[row] = (xa, xa, xb, xb)
        ys[row] = (h[a[i]], heights[i], heights[i], h[b[i]])
    return DendrogramLayout(n + shown, xs, ys, leaves, est.node_size_[leaves], p < n - 1, n)
