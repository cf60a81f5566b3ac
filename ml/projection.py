"""Dimensionality reduction: PCA, ICA, random projection, NMF, autoencoders, UMAP and t-SNE.

The engine behind the Dimensionality reduction page, pure Python (no Streamlit). Terms follow the
lecture notes (Udacity 3.4-3.5, the DRAMA list): principal components are the eigenvectors,
`explained_variance_ratio_` the share of variance each holds, and the number of components is
chosen by a cumulative target (85 % in the notes); FastICA unmixes X = A S into S = W X with
W = A⁻¹; a random projection keeps pairwise distances within 1 ± ε when it has at least the
Johnson-Lindenstrauss minimum dimension.

What lives here:
- `PCAFit`: PCA fitted ONCE per (data, scaling) with all components. The component slider, the
  target line, loadings, the biplot and the reconstruction slider are queries on that one fit.
- `pca_accuracy_curve`: the notes' `pca_optimize`, a classifier on k components for k = 1 … p.
- the cocktail party: `match_sources` (Hungarian matching on |correlation|, signs fixed).
- random projection: `jl_min_dim`, `distance_ratios` (seeded pair subsample).
- `trustworthiness` (scikit-learn's, k = 5, on a stated seeded subsample past a row budget).
- the projector registry entries (kind "projector"): every estimator has `embedding_` after fit.
- `warm_umap()`: pays UMAP's numba compile once per process (call it in a background thread).
"""

from __future__ import annotations

import re
import threading
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import NMF, PCA, FastICA
from sklearn.exceptions import ConvergenceWarning
from sklearn.random_projection import GaussianRandomProjection, SparseRandomProjection

from ml import registry
from ml.params import ParamSpec

SCALINGS = ("standard", "minmax", "none")
SCALING_LABELS = {
    "standard": "Standardise (mean 0, standard deviation 1)",
    "minmax": "Min-max (0 to 1)",
    "none": "None (raw values)",
}
DEFAULT_TARGET = 0.85  # the notes' "components to explain 85 % of the variability"
TRUST_K = 5
TRUST_ROWS = 2000  # trustworthiness is O(n²): above this many rows it is computed on a seeded subsample
# Rows above which the slow non-linear maps fit a seeded subsample (stated on the page).
ROW_BUDGET = {"umap": 5000, "tsne": 2500, "autoencoder": 50_000, "vae": 50_000}
LINEAR = ("pca", "ica", "rp_gaussian", "rp_sparse", "nmf")


# ============================================================================================
# Data preparation
# ============================================================================================


def as_matrix(X) -> np.ndarray:
    """X as a finite float matrix with at least 2 rows and 1 column, or a ValueError saying what is wrong."""
    A = np.asarray(X, dtype=float)
    if A.ndim == 1:
        A = A.reshape(-1, 1)
    if A.ndim != 2 or A.shape[0] < 2 or A.shape[1] < 1:
        raise ValueError(
            f"Dimensionality reduction needs a table of at least 2 rows and 1 numeric feature; got shape {A.shape}."
        )
    if not np.isfinite(A).all():
        bad = int((~np.isfinite(A)).any(axis=1).sum())
        raise ValueError(
            f"{bad:,} rows hold missing or infinite values; drop or fill them (the data options do this) and retry."
        )
    return A


def scale(X, scaling: str = "standard") -> np.ndarray:
    """X standardised, min-max scaled to [0, 1] or left as it is. Constant columns become 0, not NaN."""
    A = as_matrix(X)
    if scaling == "none":
        return A.copy()
    if scaling == "standard":
        sd = A.std(axis=0)
        return (A - A.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    if scaling == "minmax":
        lo, hi = A.min(axis=0), A.max(axis=0)
        return (A - lo) / np.where(hi > lo, hi - lo, 1.0)
    raise ValueError(f"Unknown scaling {scaling!r}; expected one of {list(SCALINGS)}.")


def unscale(A, raw, scaling: str) -> np.ndarray:
    """Scaled values A back in the units of `raw` (the unscaled matrix `scale` was given): for
    showing reconstructions as images in their own units."""
    R = as_matrix(raw)
    A = np.asarray(A, dtype=float)
    if scaling == "standard":
        sd = R.std(axis=0)
        return A * np.where(sd > 0, sd, 1.0) + R.mean(axis=0)
    if scaling == "minmax":
        lo, hi = R.min(axis=0), R.max(axis=0)
        return A * np.where(hi > lo, hi - lo, 1.0) + lo
    return A


def data_notes(X, feature_names=None) -> list[str]:
    """What a user should know before reducing X: one feature, constant or duplicate columns."""
    A = as_matrix(X)
    names = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(A.shape[1])]
    notes = []
    if A.shape[1] == 1:
        notes.append("The data has one feature: every projection is that feature, rescaled; pick more columns.")
    const = [names[i] for i in np.flatnonzero(A.std(axis=0) == 0)]
    if const:
        notes.append(
            f"{len(const)} constant column(s) ({', '.join(map(str, const[:4]))}{' …' if len(const) > 4 else ''}) "
            "carry no variance: PCA gives them zero-variance components."
        )
    varying = np.flatnonzero(A.std(axis=0) > 0)
    dup = len(varying) - len({np.ascontiguousarray(A[:, j]).tobytes() for j in varying})
    if dup:
        notes.append(
            f"{dup} column(s) duplicate another: they add no information, and PCA's last components "
            "have zero variance."
        )
    return notes


def subsample(n_rows: int, budget: int | None, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most `budget` of `n_rows` rows: all, or a seeded random subset."""
    if budget is None or n_rows <= budget:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=int(budget), replace=False))


def image_shape(feature_names) -> tuple[int, int] | None:
    """(height, width) when the features are the pixels of an image (named pixel_<row>_<col>), else None."""
    names = [str(n) for n in feature_names]
    cells = [re.fullmatch(r"pixel_(\d+)_(\d+)", n) for n in names]
    if not names or not all(cells):
        return None
    rows = max(int(m.group(1)) for m in cells) + 1
    cols = max(int(m.group(2)) for m in cells) + 1
    if rows * cols != len(names):
        return None
    expected = [f"pixel_{r}_{c}" for r in range(rows) for c in range(cols)]
    return (rows, cols) if names == expected else None


# ============================================================================================
# PCA: one full fit, many queries
# ============================================================================================


@dataclass
class PCAFit:
    """PCA with ALL components of one (data, scaling); everything the page asks is a query on it."""

    mean_: np.ndarray
    components_: np.ndarray  # (n_components, n_features), rows = eigenvectors
    explained_variance_: np.ndarray  # eigenvalues
    explained_variance_ratio_: np.ndarray
    singular_values_: np.ndarray
    scores_: np.ndarray  # the data projected on every component (n_rows, n_components)
    n_rows: int
    n_features: int
    fit_time: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def n_components(self) -> int:
        return len(self.explained_variance_ratio_)

    @property
    def cumulative(self) -> np.ndarray:
        return np.cumsum(self.explained_variance_ratio_)

    def n_for_target(self, target: float = DEFAULT_TARGET) -> int:
        """The fewest components whose cumulative explained variance reaches `target` (0-1)."""
        if not 0 < target <= 1:
            raise ValueError(f"The variance target must be between 0 and 1 (e.g. 0.85), got {target}.")
        cum = self.cumulative
        hit = np.flatnonzero(cum >= target - 1e-12)
        return int(hit[0]) + 1 if hit.size else self.n_components

    def _k(self, k: int) -> int:
        k = int(k)
        if not 1 <= k <= self.n_components:
            raise ValueError(
                f"The number of components must be from 1 to {self.n_components} "
                f"(at most min(rows, features)); got {k}."
            )
        return k

    def embedding(self, k: int = 2) -> np.ndarray:
        """The fitted rows on the first k components."""
        return self.scores_[:, : self._k(k)]

    def transform(self, X, k: int) -> np.ndarray:
        k = self._k(k)
        return (as_matrix(X) - self.mean_) @ self.components_[:k].T

    def inverse_transform(self, Z) -> np.ndarray:
        Z = np.asarray(Z, dtype=float)
        return Z @ self.components_[: Z.shape[1]] + self.mean_

    def reconstruct_rows(self, rows, k: int) -> np.ndarray:
        """Fitted rows `rows` rebuilt from their first k components."""
        k = self._k(k)
        return self.scores_[rows, :k] @ self.components_[:k] + self.mean_

    def reconstruction_errors(self) -> np.ndarray:
        """Mean squared reconstruction error (per value, in the scaled units) of the fitted data with
        k = 1 … n_components: the variance the dropped components held. Falls with k; 0 at full rank."""
        s2 = self.singular_values_**2
        tail = np.concatenate([np.cumsum(s2[::-1])[::-1][1:], [0.0]])
        return tail / (self.n_rows * self.n_features)

    def loadings(self, k: int) -> np.ndarray:
        """The first k eigenvectors (k × features): each feature's weight in each component."""
        return self.components_[: self._k(k)]

    def biplot_arrows(self) -> np.ndarray:
        """Feature arrows for the PC1-PC2 biplot (features × 2): loadings × √eigenvalue, i.e. each
        (scaled) feature's covariance with the two components."""
        k = min(2, self.n_components)
        return (self.components_[:k] * np.sqrt(self.explained_variance_[:k])[:, None]).T


def fit_pca(X, scaling: str = "standard", feature_names=None) -> PCAFit:
    """PCA with every component (min(rows, features)) of X after `scaling`."""
    from threadpoolctl import threadpool_limits

    from ml.runtime import compute_threads

    A = scale(X, scaling)
    start = time.perf_counter()
    n_threads = compute_threads() or None  # BLAS threads fight each other on a busy 2-core server
    # tall data: eigen-decompose the p × p covariance (0.05 s at 10⁵ × 50, against 0.6 s for a full SVD)
    tall = A.shape[0] >= 10 * A.shape[1] and A.shape[1] <= 1000
    pca = PCA(n_components=None, svd_solver="covariance_eigh" if tall else "full")
    with threadpool_limits(limits=n_threads, user_api="blas"):
        scores = pca.fit_transform(A)
    fit = PCAFit(
        mean_=pca.mean_,
        components_=pca.components_,
        explained_variance_=pca.explained_variance_,
        explained_variance_ratio_=np.nan_to_num(pca.explained_variance_ratio_),
        singular_values_=pca.singular_values_,
        scores_=scores,
        n_rows=A.shape[0],
        n_features=A.shape[1],
        fit_time=time.perf_counter() - start,
        notes=data_notes(A, feature_names),
    )
    zero = int((fit.explained_variance_ratio_ < 1e-10).sum())
    if zero:
        fit.notes.append(
            f"{zero} of {fit.n_components} components have (almost) zero variance: the data has rank "
            f"{fit.n_components - zero}, so those components carry no information."
        )
    return fit


def pca_accuracy_curve(
    X,
    y,
    ks=None,
    *,
    classifier: str = "random_forest",
    test_size: float = 0.33,
    seed: int = 42,
    max_points: int = 24,
    callback=None,
) -> list[dict]:
    """The notes' `pca_optimize`: test accuracy of a classifier trained on k principal components.

    Standardised X is split once (33 % test, seed 42 as in the notes); PCA is fitted on the
    training rows ONCE with all components and k-component data is its first k columns (exactly
    what a k-component PCA gives). k runs from 1 to the number of features (at most `max_points`
    values, evenly spread). `callback(i, total, k, accuracy)` reports each point; return False
    from it to stop early, keeping the points done.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    from ml.models import limited_threads

    A = as_matrix(X)
    y = np.asarray(y)
    if len(y) != len(A):
        raise ValueError(f"X has {len(A)} rows but the labels have {len(y)}.")
    if len(np.unique(y)) < 2:
        raise ValueError("Downstream accuracy needs a label column with at least two classes.")
    strat = y if np.unique(y, return_counts=True)[1].min() >= 2 else None
    X_tr, X_te, y_tr, y_te = train_test_split(A, y, test_size=test_size, random_state=seed, stratify=strat)
    mu, sd = X_tr.mean(axis=0), X_tr.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    X_tr, X_te = (X_tr - mu) / sd, (X_te - mu) / sd
    pca = PCA(n_components=None, svd_solver="full").fit(X_tr)
    Z_tr, Z_te = pca.transform(X_tr), pca.transform(X_te)
    n = pca.n_components_
    if ks is None:
        ks = np.unique(np.linspace(1, n, min(n, max_points)).round().astype(int))
    ks = [int(k) for k in ks if 1 <= int(k) <= n]
    out = []
    for i, k in enumerate(ks):
        if classifier == "random_forest":
            clf = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1)
        elif classifier == "logistic":
            clf = LogisticRegression(max_iter=500)
        else:
            raise ValueError(f"Unknown classifier {classifier!r}; expected 'random_forest' or 'logistic'.")
        with warnings.catch_warnings(), limited_threads():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(Z_tr[:, :k], y_tr)
        acc = float(accuracy_score(y_te, clf.predict(Z_te[:, :k])))
        out.append({"k": k, "accuracy": acc, "variance": float(pca.explained_variance_ratio_[:k].sum())})
        if callback is not None and callback(i + 1, len(ks), k, acc) is False:
            break
    return out


# ============================================================================================
# ICA: the cocktail party
# ============================================================================================


def match_sources(S_true, S_est) -> dict:
    """Match estimated signals to true sources (Hungarian assignment on |correlation|).

    ICA and PCA return components in any order and with any sign and scale; this finds the
    pairing that maximises the total |correlation|. Returns `order` (estimated column for each
    source), `signs` (±1), `corr` (|correlation| per source) and `aligned` (the estimated signals
    reordered, sign-flipped and scaled to each source's standard deviation).
    """
    from scipy.optimize import linear_sum_assignment

    S, E = np.asarray(S_true, float), np.asarray(S_est, float)
    if S.shape[0] != E.shape[0]:
        raise ValueError(f"Sources have {S.shape[0]} samples but the estimates have {E.shape[0]}.")
    k = S.shape[1]
    Sz = (S - S.mean(0)) / np.where(S.std(0) > 0, S.std(0), 1)
    Ez = (E - E.mean(0)) / np.where(E.std(0) > 0, E.std(0), 1)
    C = Sz.T @ Ez / S.shape[0]  # (sources, estimates)
    rows, cols = linear_sum_assignment(-np.abs(C))
    order = np.full(k, -1)
    order[rows] = cols
    signs = np.array([np.sign(C[i, order[i]]) or 1.0 if order[i] >= 0 else 1.0 for i in range(k)])
    corr = np.array([abs(C[i, order[i]]) if order[i] >= 0 else 0.0 for i in range(k)])
    aligned = np.zeros_like(S)
    for i in range(k):
        if order[i] >= 0:
            aligned[:, i] = signs[i] * Ez[:, order[i]] * S[:, i].std() + S[:, i].mean()
    return {"order": order, "signs": signs, "corr": corr, "aligned": aligned}


def unmix(X, method: str = "ica", n_components: int | None = None, seed: int = 0, **params) -> dict:
    """Unmix the microphone recordings X (samples × mics) with FastICA or PCA.

    Returns `signals` (samples × components, unit variance), `fit_time`, `notes` (non-convergence)
    and, for ICA, the estimated `mixing` matrix.
    """
    A = as_matrix(X)
    k = n_components or A.shape[1]
    if k > A.shape[1]:
        raise ValueError(
            f"{k} components asked of {A.shape[1]} recordings: ICA needs at least as many recordings "
            "(observations) as the sources it separates. Use fewer components."
        )
    notes = []
    start = time.perf_counter()
    if method == "pca":
        est = PCA(n_components=k, whiten=True, random_state=seed)
        S = est.fit_transform(A)
    elif method == "ica":
        est = FastICA(n_components=k, random_state=seed, whiten="unit-variance", **params)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            S = est.fit_transform(A)
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            notes.append(ica_convergence_note(est))
    else:
        raise ValueError(f"Unknown unmixing method {method!r}; expected 'ica' or 'pca'.")
    S = S / np.where(S.std(0) > 0, S.std(0), 1)
    return {
        "signals": S,
        "fit_time": time.perf_counter() - start,
        "notes": notes,
        "mixing": getattr(est, "mixing_", None),
    }


def ica_convergence_note(est) -> str:
    it = getattr(est, "max_iter", "?")
    return (
        f"FastICA did not converge in {it} iterations: the components may be only partly unmixed. "
        "Raise Max iterations, loosen the tolerance, or ask for fewer components."
    )


def to_audio(signal, peak: float = 0.9) -> np.ndarray:
    """A signal scaled to [-peak, peak] float32, ready for st.audio(…, sample_rate=…)."""
    s = np.asarray(signal, float)
    s = s - s.mean()
    m = np.abs(s).max()
    return (s / m * peak if m > 0 else s).astype(np.float32)


# ============================================================================================
# Random projection: Johnson-Lindenstrauss
# ============================================================================================


def jl_min_dim(n_rows: int, eps: float) -> int:
    """The Johnson-Lindenstrauss minimum dimension that keeps every pairwise squared distance among
    n_rows points within 1 ± eps (scikit-learn's `johnson_lindenstrauss_min_dim`):
    k ≥ 4 ln(n) / (eps²/2 − eps³/3)."""
    from sklearn.random_projection import johnson_lindenstrauss_min_dim

    if not 0 < eps < 1:
        raise ValueError(f"ε must be strictly between 0 and 1, got {eps}.")
    return int(johnson_lindenstrauss_min_dim(int(n_rows), eps=float(eps)))


def distance_ratios(X, X_proj, n_pairs: int = 3000, seed: int = 0) -> np.ndarray:
    """Squared-distance ratios ||p(u) − p(v)||² / ||u − v||² over `n_pairs` random pairs of rows
    (seeded; pairs at distance 0 skipped). Johnson-Lindenstrauss: within 1 ± ε at ≥ the min dimension."""
    A, P = as_matrix(X), as_matrix(X_proj)
    if len(A) != len(P):
        raise ValueError(f"X has {len(A)} rows but the projection has {len(P)}.")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, len(A), n_pairs)
    j = rng.integers(0, len(A), n_pairs)
    d0 = ((A[i] - A[j]) ** 2).sum(1)
    keep = d0 > 1e-12
    d1 = ((P[i] - P[j]) ** 2).sum(1)
    return d1[keep] / d0[keep]


# ============================================================================================
# Quality of an embedding
# ============================================================================================


def trustworthiness(X, embedding, k: int = TRUST_K, max_rows: int = TRUST_ROWS, seed: int = 0) -> float:
    """scikit-learn's `trustworthiness` (k nearest neighbours, default 5): 1 when every point's
    neighbours in the embedding were its neighbours in the data. Past `max_rows` rows it is
    computed on a seeded random subsample of that size (the measure is O(n²))."""
    from sklearn.manifold import trustworthiness as sk_trust

    A, E = as_matrix(X), as_matrix(embedding)
    idx = subsample(len(A), max_rows, seed)
    k = int(min(k, len(idx) // 2 - 1))
    if k < 1:
        raise ValueError("Trustworthiness needs at least 4 rows.")
    return float(sk_trust(A[idx], E[idx], n_neighbors=k))


def reconstruction_error(X, X_hat) -> float:
    """Mean squared difference per value between X and its reconstruction."""
    return float(np.mean((as_matrix(X) - np.asarray(X_hat, float)) ** 2))


# ============================================================================================
# Estimators behind the registry: every one has `embedding_` after fit
# ============================================================================================


class _EmbeddingMixin:
    def fit(self, X, y=None):
        super().fit(X)
        self.embedding_ = self.transform(X)
        return self


class PCAProjector(_EmbeddingMixin, PCA):
    """scikit-learn's PCA with `embedding_` (the fitted rows' component scores)."""


class ICAProjector(_EmbeddingMixin, FastICA):
    """scikit-learn's FastICA with `embedding_` (the recovered independent components)."""


class GaussianRPProjector(_EmbeddingMixin, GaussianRandomProjection):
    """Gaussian random projection with `embedding_`."""


class SparseRPProjector(_EmbeddingMixin, SparseRandomProjection):
    """Sparse (Achlioptas / Li) random projection with `embedding_`."""


class NMFProjector(_EmbeddingMixin, NMF):
    """Non-negative matrix factorisation X ≈ W H with `embedding_` = W; refuses negative data."""

    def fit(self, X, y=None):
        check_non_negative(X)
        self.embedding_ = NMF.fit_transform(self, X)
        return self


def check_non_negative(X) -> None:
    A = np.asarray(X, dtype=float)
    if (A < 0).any():
        raise ValueError(
            f"NMF needs non-negative data, but {int((A < 0).sum()):,} values are negative (smallest "
            f"{A.min():.3g}). Choose min-max scaling (0 to 1) for this data, or another method."
        )


class UMAPProjector(TransformerMixin, BaseEstimator):
    """UMAP (umap-learn) with `embedding_`; imported on first fit (it pays a numba compile once)."""

    def __init__(self, n_components=2, n_neighbors=15, min_dist=0.1, metric="euclidean", random_state=None):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state

    def fit(self, X, y=None):
        import umap

        A = as_matrix(X)
        if self.n_neighbors >= len(A):
            raise ValueError(
                f"UMAP's n_neighbors must be smaller than the number of rows ({len(A)}); got {self.n_neighbors}."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "n_jobs overridden by setting random_state" and numba notes
            self.umap_ = umap.UMAP(
                n_components=self.n_components,
                n_neighbors=self.n_neighbors,
                min_dist=self.min_dist,
                metric=self.metric,
                random_state=self.random_state,
            )
            self.embedding_ = self.umap_.fit_transform(A)
        _UMAP_WARM.set()
        return self

    def transform(self, X):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.umap_.transform(as_matrix(X))


class TSNEProjector(BaseEstimator):
    """scikit-learn's t-SNE with `embedding_`; no transform (t-SNE embeds only the rows it saw)."""

    def __init__(self, n_components=2, perplexity=30.0, learning_rate="auto", max_iter=1000, random_state=None):
        self.n_components = n_components
        self.perplexity = perplexity
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        from sklearn.manifold import TSNE

        A = as_matrix(X)
        if not self.perplexity < len(A):
            raise ValueError(
                f"t-SNE's perplexity ({self.perplexity:g}) must be smaller than the number of rows ({len(A)}); "
                "lower it (5-50 is usual)."
            )
        self.tsne_ = TSNE(
            n_components=self.n_components,
            perplexity=self.perplexity,
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            init="pca",
            random_state=self.random_state,
            method="barnes_hut" if self.n_components <= 3 else "exact",
        )
        self.embedding_ = self.tsne_.fit_transform(A)
        self.kl_divergence_ = float(self.tsne_.kl_divergence_)
        return self


def fit_projector(estimator, X) -> tuple[object, list[str]]:
    """Fit a projector on X with the OpenMP cap; returns (estimator, notes). Convergence warnings
    become notes (ICA's with what to do); failures become a ValueError naming the estimator."""
    from ml.models import limited_threads

    A = as_matrix(X)
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            with limited_threads():
                estimator.fit(A)
        except ValueError:
            raise
        except (FloatingPointError, RuntimeError, np.linalg.LinAlgError) as exc:
            raise ValueError(f"{type(estimator).__name__} failed on this data: {exc}") from exc
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        if isinstance(estimator, FastICA):
            notes.append(ica_convergence_note(estimator))
        else:
            notes.append(
                f"{type(estimator).__name__} stopped at its iteration limit before converging; raise the "
                "maximum number of iterations."
            )
    registry.check_contract("projector", estimator)
    return estimator, notes


# ---- UMAP warm-up -------------------------------------------------------------------------------

_UMAP_WARM = threading.Event()
_UMAP_LOCK = threading.Lock()


def umap_is_warm() -> bool:
    """True once a UMAP fit has completed in this process (the numba compile is paid)."""
    return _UMAP_WARM.is_set()


def warm_umap() -> float:
    """Fit a tiny UMAP so numba compiles its kernels now, not during a user's first fit.

    Call once per server, in a background thread, at app start. Returns the seconds it took
    (0 when already warm). Safe to call from several threads: one compiles, the others return.
    """
    if _UMAP_WARM.is_set() or not _UMAP_LOCK.acquire(blocking=False):
        return 0.0
    try:
        start = time.perf_counter()
        X = np.random.default_rng(0).normal(size=(80, 6))
        UMAPProjector(n_neighbors=10, random_state=0).fit(X).transform(X[:5])
        return time.perf_counter() - start
    finally:
        _UMAP_LOCK.release()


# ============================================================================================
# Registry entries (kind "projector")
# ============================================================================================


def _ncomp(default: int = 2, high: int = 100, label: str = "Number of components") -> ParamSpec:
    return ParamSpec(
        "n_components",
        label,
        "int",
        default,
        1,
        high,
        1,
        help="Dimensions of the projection; at most min(rows, features).",
    )


def _min_rows_features(n_rows: int, n_features: int) -> int:
    return min(n_rows, n_features)


def _ae_build(variational: bool):
    def build(p, seed):
        from ml.nets import TorchAutoencoder, TorchVariationalAutoencoder

        cls = TorchVariationalAutoencoder if variational else TorchAutoencoder
        kw = dict(
            latent_dim=p["latent_dim"],
            hidden_layers=p["hidden_layers"],
            hidden_units=p["hidden_units"],
            epochs=p["epochs"],
            learning_rate=p["learning_rate"],
            random_state=seed,
        )
        if variational:
            kw["beta"] = p["beta"]
        return cls(**kw)

    return build


_AE_PARAMS = (
    ParamSpec("latent_dim", "Latent size", "int", 2, 1, 32, 1, help="Width of the bottleneck (the embedding)."),
    ParamSpec("hidden_layers", "Hidden layers", "int", 2, 1, 4, 1, help="Layers in the encoder (and decoder)."),
    ParamSpec("hidden_units", "Units per hidden layer", "int", 64, 8, 256, 8),
    ParamSpec("epochs", "Epochs", "int", 60, 5, 500, 5, help="Passes over the data."),
    ParamSpec("learning_rate", "Learning rate", "float", 1e-3, 1e-4, 1e-1, log=True, help="Adam's step size."),
)

ENTRIES = (
    registry.Entry(
        "pca",
        "PCA",
        "projector",
        (
            _ncomp(2),
            ParamSpec("whiten", "Whiten", "bool", False, help="Scale each component to unit variance."),
        ),
        lambda p, seed: PCAProjector(n_components=p["n_components"], whiten=p["whiten"], random_state=seed),
        description=(
            "Principal component analysis: orthogonal directions of largest variance (eigenvectors of "
            "the covariance), ordered by the variance they explain (eigenvalues)."
        ),
        family="linear",
        size_limits={"n_components": _min_rows_features},
        extra={"inverse": True, "linear": True},
    ),
    registry.Entry(
        "ica",
        "ICA (FastICA)",
        "projector",
        (
            _ncomp(2),
            ParamSpec("algorithm", "Algorithm", "choice", "parallel", choices=("parallel", "deflation")),
            ParamSpec(
                "fun",
                "Contrast function",
                "choice",
                "logcosh",
                choices=("logcosh", "exp", "cube"),
                help="The non-Gaussianity measure FastICA maximises.",
            ),
            ParamSpec("max_iter", "Max iterations", "int", 200, 50, 2000, 50),
        ),
        lambda p, seed: ICAProjector(
            n_components=p["n_components"],
            algorithm=p["algorithm"],
            fun=p["fun"],
            max_iter=p["max_iter"],
            whiten="unit-variance",
            random_state=seed,
        ),
        description=(
            "Independent component analysis: assumes X = A S, independent non-Gaussian sources S, and "
            "finds the unmixing matrix W = A⁻¹."
        ),
        family="linear",
        size_limits={"n_components": _min_rows_features},
        extra={"inverse": True, "linear": True},
    ),
    registry.Entry(
        "rp_gaussian",
        "Random projection (Gaussian)",
        "projector",
        (_ncomp(2, 1000),),
        lambda p, seed: GaussianRPProjector(
            n_components=p["n_components"], compute_inverse_components=True, random_state=seed
        ),
        description="Multiply the data by a random Gaussian matrix: cheap, and keeps distances (Johnson-Lindenstrauss).",
        family="linear",
        size_limits={"n_components": lambda n, p: p},
        extra={"inverse": True, "linear": True, "jl": True},
    ),
    registry.Entry(
        "rp_sparse",
        "Random projection (sparse)",
        "projector",
        (_ncomp(2, 1000),),
        lambda p, seed: SparseRPProjector(
            n_components=p["n_components"], compute_inverse_components=True, random_state=seed
        ),
        description="A random matrix of mostly zeros (Achlioptas / Li): faster still, same guarantee.",
        family="linear",
        size_limits={"n_components": lambda n, p: p},
        extra={"inverse": True, "linear": True, "jl": True},
    ),
    registry.Entry(
        "nmf",
        "NMF",
        "projector",
        (
            _ncomp(2),
            ParamSpec("init", "Initialisation", "choice", "nndsvda", choices=("nndsvda", "nndsvd", "random")),
            ParamSpec(
                "beta_loss",
                "β-loss",
                "choice",
                "frobenius",
                choices=("frobenius", "kullback-leibler"),
                help="The distance NMF minimises between X and W H.",
            ),
            ParamSpec("max_iter", "Max iterations", "int", 300, 50, 2000, 50),
        ),
        lambda p, seed: NMFProjector(
            n_components=p["n_components"],
            init=p["init"],
            beta_loss=p["beta_loss"],
            solver="mu" if p["beta_loss"] != "frobenius" else "cd",
            max_iter=p["max_iter"],
            random_state=seed,
        ),
        description="Non-negative matrix factorisation X ≈ W H with W, H ≥ 0: parts that add up, never cancel.",
        family="linear",
        size_limits={"n_components": _min_rows_features},
        extra={"inverse": True, "linear": True, "non_negative": True},
    ),
    registry.Entry(
        "autoencoder",
        "Autoencoder (PyTorch)",
        "projector",
        _AE_PARAMS,
        _ae_build(False),
        description="A network squeezed through a narrow latent layer, trained to rebuild its input.",
        family="neural",
        is_torch=True,
        size_limits={"latent_dim": _min_rows_features},
        extra={"inverse": True},
    ),
    registry.Entry(
        "vae",
        "Variational autoencoder (PyTorch)",
        "projector",
        (
            *_AE_PARAMS,
            ParamSpec(
                "beta",
                "β (KL weight)",
                "float",
                1.0,
                0.01,
                10.0,
                log=True,
                help="Weight of the KL term pulling the latent codes towards a standard normal.",
            ),
        ),
        _ae_build(True),
        description="An autoencoder whose latent codes are distributions, kept close to N(0, 1) by a KL term.",
        family="neural",
        is_torch=True,
        size_limits={"latent_dim": _min_rows_features},
        extra={"inverse": True},
    ),
    registry.Entry(
        "umap",
        "UMAP",
        "projector",
        (
            _ncomp(2, 3, "Dimensions"),
            ParamSpec("n_neighbors", "n_neighbors", "int", 15, 2, 200, 1, help="Local (small) vs global (large) structure."),
            ParamSpec("min_dist", "min_dist", "float", 0.1, 0.0, 0.99, 0.01, help="How tightly points may pack."),
            ParamSpec(
                "metric",
                "Metric",
                "choice",
                "euclidean",
                choices=("euclidean", "manhattan", "cosine", "correlation"),
            ),
        ),
        lambda p, seed: UMAPProjector(
            n_components=p["n_components"],
            n_neighbors=p["n_neighbors"],
            min_dist=p["min_dist"],
            metric=p["metric"],
            random_state=seed,
        ),
        description="Uniform manifold approximation and projection: a fuzzy k-neighbour graph laid out in 2-D.",
        family="non-linear",
        size_limits={"n_neighbors": lambda n, p: n - 1},
        extra={"row_budget": ROW_BUDGET["umap"], "slow": True},
    ),
    registry.Entry(
        "tsne",
        "t-SNE",
        "projector",
        (
            _ncomp(2, 3, "Dimensions"),
            ParamSpec("perplexity", "Perplexity", "float", 30.0, 2.0, 100.0, 1.0, help="About the number of close neighbours."),
            ParamSpec("max_iter", "Iterations", "int", 500, 250, 2000, 50),
        ),
        lambda p, seed: TSNEProjector(
            n_components=p["n_components"], perplexity=p["perplexity"], max_iter=p["max_iter"], random_state=seed
        ),
        description="t-distributed stochastic neighbour embedding: keeps neighbours close; distances between clusters mean little.",
        family="non-linear",
        size_limits={"perplexity": lambda n, p: n - 1},
        extra={"row_budget": ROW_BUDGET["tsne"], "slow": True},
    ),
)

for _entry in ENTRIES:
    registry.register(_entry)
del _entry


@dataclass
class Projection:
    """A fitted projector on (a seeded subsample of) the data, with what the page states about it."""

    name: str
    estimator: object
    embedding: np.ndarray
    rows: np.ndarray  # indices of the rows embedded (all rows unless subsampled)
    fit_time: float
    params: dict
    notes: list[str] = field(default_factory=list)


def project(name: str, X, params: dict | None = None, seed: int = 0, row_budget: int | None = None) -> Projection:
    """Fit registry projector `name` on X (already scaled) and return its embedding.

    Size-bound parameters are clipped to the data (with a note); above the row budget (UMAP,
    t-SNE) a seeded random subsample of that size is fitted, and a note says so.
    """
    entry = registry.get("projector", name)
    A = as_matrix(X)
    budget = row_budget if row_budget is not None else entry.extra.get("row_budget")
    rows = subsample(len(A), budget, seed)
    notes = []
    if len(rows) < len(A):
        notes.append(
            f"{entry.title} fitted on {len(rows):,} of {len(A):,} rows (random subsample, seed {seed}) to stay quick."
        )
    p, clip_notes = entry.fit_to_data(entry.validate(params), len(rows), A.shape[1])
    notes += clip_notes
    est = entry.make(p, seed)
    start = time.perf_counter()
    est, fit_notes = fit_projector(est, A[rows])
    return Projection(name, est, np.asarray(est.embedding_), rows, time.perf_counter() - start, p, notes + fit_notes)


def reconstruction_curve(name: str, X, ks, seed: int = 0, params: dict | None = None, callback=None) -> list[dict]:
    """Mean squared reconstruction error of projector `name` (pca, nmf, autoencoder, …) at each k
    (n_components or latent_dim), refitting per k. `callback(i, total, k, error)` reports progress."""
    entry = registry.get("projector", name)
    if not entry.extra.get("inverse"):
        raise ValueError(f"{entry.title} has no inverse transform, so no reconstruction error.")
    A = as_matrix(X)
    knob = "latent_dim" if entry.is_torch else "n_components"
    out = []
    for i, k in enumerate(ks):
        p = {**(params or {}), knob: int(k)}
        est, _ = fit_projector(entry.make(p, seed), A)
        err = reconstruction_error(A, est.inverse_transform(est.embedding_))
        out.append({"method": entry.title, "k": int(k), "error": err})
        if callback is not None:
            callback(i + 1, len(ks), int(k), err)
    return out


def numeric_matrix(X) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """The numeric, finite part of a feature table: (matrix, kept row indices, column names, notes).

    Text columns are left out and rows with a gap dropped (uploads may keep both), each said in a note."""
    import pandas as pd

    df = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    notes = []
    numeric = df.select_dtypes(include=["number", "bool"])
    text = [str(c) for c in df.columns if c not in numeric.columns]
    if text:
        notes.append(
            f"{len(text)} text column(s) left out ({', '.join(text[:4])}{' …' if len(text) > 4 else ''}): "
            "projections need numbers."
        )
    if numeric.shape[1] == 0:
        raise ValueError("No numeric feature column: choose numeric columns for the projection.")
    values = numeric.to_numpy(dtype=float)
    ok = np.isfinite(values).all(axis=1)
    if not ok.all():
        notes.append(f"{int((~ok).sum()):,} of {len(ok):,} rows with missing or infinite values dropped.")
    rows = np.flatnonzero(ok)
    if len(rows) < 2:
        raise ValueError("Fewer than 2 complete rows remain: fill or drop the gaps in the data and retry.")
    return values[rows], rows, [str(c) for c in numeric.columns], notes
