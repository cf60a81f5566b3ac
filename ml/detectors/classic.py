"""The classic detectors on the common base (Isolation Forest, Local Outlier Factor, one-class SVM,
Elliptic Envelope, kNN distance, autoencoder reconstruction error) and their registry entries
(registered by the package, ``ml/detectors/__init__.py``).
"""

from __future__ import annotations

import warnings

import numpy as np

from ml import registry
from ml.detectors.base import CONTAMINATION_SPEC, BaseDetector, _standardiser
from ml.detectors.networks import _reconstruction_error, make_network
from ml.params import ParamSpec

ELLIPTIC_MAX_DIMS = 10  # Elliptic Envelope works on at most this many principal components
ELLIPTIC_MAX_ROWS = 500  # ... and estimates its robust covariance on at most this many rows


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


CLASSIC_ENTRIES = (
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
)
