"""Hierarchical clustering: the `Hierarchical` estimator (scipy's linkage matrix, built once and cut
at any number of clusters or height in O(n)) and `dendrogram_layout`, the data that
`ml.plots.clustering.dendrogram_figure` draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from ml.clustering.limits import (
    DENDROGRAM_FULL_MAX,
    DENDROGRAM_LAST_P,
    HIERARCHICAL_MAX_ROWS,
    _capture,
    _check_k,
)


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
