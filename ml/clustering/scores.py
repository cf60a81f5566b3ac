"""Cluster validation: internal scores (silhouette, Davies–Bouldin, Calinski–Harabasz), external
scores against true labels (adjusted Rand index, NMI, homogeneity, completeness, V-measure), their
labels and help texts, the cluster-against-class contingency table and per-point silhouettes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.clustering.limits import SILHOUETTE_SAMPLE, capped


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
