"""DRAMA (Dimensionality Reduction Anomaly Meta-Algorithm, Vafaei Sadr, Bassett & Kunz 2019, the
Geneva notes) and its registry entry (registered by the package, ``ml/detectors/__init__.py``).

Scale the data to [0, 1], reduce it (none, PCA, ICA, NMF, autoencoder, VAE), split it into
prototypes by agglomerative splitting (each cluster cut in two, level after level), and score each
row by its distance to the nearest prototype under one of the ten metrics of
``ml.detectors.distance_metrics``, in the original space (prototypes reconstructed by the decoder)
or in the latent space; or an ensemble over the metrics (normalised sum or max).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ml import registry
from ml.detectors.base import CONTAMINATION_SPEC, BaseDetector, capped_threads
from ml.detectors.distance_metrics import (
    ENSEMBLES,
    METRICS,
    CovarianceFactors,
    covariance_factors,
    distances,
    metric_problem,
)
from ml.detectors.networks import make_network
from ml.params import ParamSpec

REDUCTIONS = ("none", "pca", "ica", "nmf", "ae", "vae")
REDUCTION_TITLES = {"none": "none", "pca": "PCA", "ica": "ICA", "nmf": "NMF", "ae": "AE", "vae": "VAE"}
SPREAD_FLOOR = 1e-2  # per-feature spread floor of weighted metrics (DRAMA clips the variance at 1e-4)


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


def _drama_build(params: dict, seed: int) -> DRAMA:
    return DRAMA(random_state=seed, **params)


DRAMA_ENTRIES = (
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
