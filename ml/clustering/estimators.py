"""The clusterers behind the page and `fit`, which fits one through the registry.

Holds the k-means (`KMeansClusterer`), Gaussian-mixture (`GaussianMixtureClusterer`, with
`full_covariances`) and spectral (`SpectralClusterer`) wrappers, and the registry entries (kind
"clusterer") of all six clusterers: `Hierarchical` comes from `ml.clustering.hierarchy`,
`DBSCANClusterer` and `HDBSCANClusterer` from `ml.clustering.density`. The entries are registered when
this module is imported (`ml.clustering` imports it, and `ml.registry` imports `ml.clustering`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn import cluster as _sk_cluster  # noqa: F401 - imported here so no fit time includes the import
from sklearn import mixture as _sk_mixture  # noqa: F401
from sklearn.base import BaseEstimator, ClusterMixin

from ml import registry
from ml.clustering.density import DBSCANClusterer, HDBSCANClusterer
from ml.clustering.hierarchy import Hierarchical
from ml.clustering.limits import (
    HDBSCAN_MAX_ROWS,
    HIERARCHICAL_MAX_ROWS,
    MAX_CLUSTERS,
    MINIBATCH_ABOVE,
    SPECTRAL_MAX_ROWS,
    _capture,
    _check_k,
    _distinct,
)
from ml.params import ParamSpec

# ==================================================================================================
# Estimators (scikit-learn style: __init__ stores, fit validates and learns, learned attributes end in _)
# ==================================================================================================


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
