"""Step histories for the step-through views: Lloyd's iterations of k-means (`lloyd_history`) and
EM for a Gaussian mixture (`em_history`), recorded once and read at any step."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ml.clustering.estimators import _SINGULAR_HELP, full_covariances
from ml.clustering.limits import HISTORY_MAX_ITER, _check_k, _distinct, capped


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
