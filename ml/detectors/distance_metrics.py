"""DRAMA's ten distance metrics (L1, L2, L4, weighted L2 / L4, Bray-Curtis, Chebyshev, Canberra,
correlation, Mahalanobis), their names and the two ensembles over them, and the (regularised)
cluster covariances Mahalanobis needs.

Distances are vectorised over rows and computed in blocks of rows (`_BLOCK` rows × features at a
time, which bounds memory): the only Python loops run over prototypes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    # the block size is read from the package (ml.detectors._BLOCK), the one place to tune it
    from ml import detectors

    step = max(1, detectors._BLOCK // max(d, 1))
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
