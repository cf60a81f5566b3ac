"""What the page shows beside the labels: colours that stay put when the clustering changes
(`match_labels`), per-cluster profiles in raw units, image-shaped features (`image_shape`) and the
2-D views of the data (`view_2d`: two features, PCA or UMAP; display only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.clustering.limits import MAX_CLUSTERS, capped
from ml.clustering.scores import cluster_name

# ==================================================================================================
# Colours that stay put, profiles
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
