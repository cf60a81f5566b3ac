"""Two display coordinates of the rows for drawing (two features, PCA or UMAP)."""

from __future__ import annotations

import numpy as np

from ml.detectors.base import _standardiser, check_X


def display_2d(X, how: str = "pca", pair=(0, 1), rows=None, seed: int = 0, names=None):
    """(coordinates (len(rows), 2), x title, y title) of rows `rows` of X for drawing.

    how: "features" (the two columns `pair`), "pca" (first two principal components of the
    standardised data) or "umap" (fitted on the given rows only: display, not measurement).
    """
    X = check_X(X)
    rows = np.arange(len(X)) if rows is None else np.asarray(rows)
    names = list(names) if names is not None else [f"feature {i + 1}" for i in range(X.shape[1])]
    if X.shape[1] == 1:
        jitter = np.random.default_rng(seed).uniform(-1, 1, rows.size)
        return np.column_stack([X[rows, 0], jitter]), names[0], "jitter (no meaning)"
    if how == "features":
        i, j = (int(p) for p in pair)
        if i == j or not (0 <= i < X.shape[1] and 0 <= j < X.shape[1]):
            raise ValueError("Choose two different features for the axes.")
        return X[rows][:, [i, j]], names[i], names[j]
    Z = _standardiser(X)(X)
    if how == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(2, random_state=seed).fit(Z)
        ev = pca.explained_variance_ratio_ * 100
        return pca.transform(Z[rows]), f"PC1 ({ev[0]:.0f}% of variance)", f"PC2 ({ev[1]:.0f}% of variance)"
    if how == "umap":
        import umap

        emb = umap.UMAP(
            n_components=2, random_state=seed, n_neighbors=min(15, max(2, rows.size - 1))
        ).fit_transform(Z[rows])
        return emb, "UMAP 1 (no units)", "UMAP 2 (no units)"
    raise ValueError(f"Unknown view {how!r}; expected 'features', 'pca' or 'umap'.")
