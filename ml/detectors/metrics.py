"""Metrics for labelled data (the notes' benchmark): ROC AUC, average precision, precision@k,
MCC at the top n_o rows (n_o = number of true anomalies) and RWS, the rank-weighted score
RWS = Σ_{i=1..n_o} w_i I_i / Σ w_i with w_i = n_o + 1 - i, so the TOP-ranked row weighs most
(Σ w_i = n_o(n_o+1)/2, so a perfect ranking scores 1; DRAMA's published ``rws_score`` reverses
the weights, which rewards anomalies ranked last within the top n_o); and `anomaly_labels`, 0/1
labels from any label column.
"""

from __future__ import annotations

import math

import numpy as np


def _labels_scores(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float).ravel()
    if y.shape[0] != s.shape[0]:
        raise ValueError(f"got {y.shape[0]} labels but {s.shape[0]} scores; pass one score per labelled row.")
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise ValueError(
            f"anomaly labels must be 0/1 (1 = anomaly); got the values {sorted(map(str, values))[:5]}. "
            "Choose which value means 'anomaly'."
        )
    y = y.astype(bool)
    n_o = int(y.sum())
    if n_o == 0:
        raise ValueError("the labels hold no anomalies (no 1s): metrics need at least one labelled anomaly.")
    if n_o == y.size:
        raise ValueError("every row is labelled an anomaly: metrics need some normal rows too.")
    if not np.isfinite(s).all():
        raise ValueError(
            f"{int((~np.isfinite(s)).sum())} scores are NaN or infinite; the detector failed on those rows."
        )
    return y, s


def top_ranked(scores, k: int) -> np.ndarray:
    """Indices of the k highest scores, highest first (stable: earlier rows first on ties)."""
    s = np.asarray(scores, dtype=float)
    return np.argsort(-s, kind="stable")[:k]


def rws(y_true, scores, n_o: int | None = None) -> float:
    """Rank-weighted score of the notes: Σ w_i I_i / Σ w_i over the top n_o rows, w_i = n_o + 1 - i.

    I_i = 1 when the i-th highest-scoring row is a true anomaly. The top-ranked row weighs n_o, the
    n_o-th weighs 1; a perfect ranking gives 1, no anomaly in the top n_o gives 0.
    """
    y, s = _labels_scores(y_true, scores)
    n_o = int(y.sum()) if n_o is None else int(n_o)
    hits = y[top_ranked(s, n_o)].astype(float)
    w = np.arange(n_o, 0, -1, dtype=float)
    return float(np.sum(w * hits) / (n_o * (n_o + 1) / 2))


def mcc_at_top(y_true, scores, n_o: int | None = None) -> float:
    """Matthews correlation when the top n_o rows (n_o = true anomalies) are called anomalies."""
    y, s = _labels_scores(y_true, scores)
    n_o = int(y.sum()) if n_o is None else int(n_o)
    pred = np.zeros(y.size, dtype=bool)
    pred[top_ranked(s, n_o)] = True
    tp = float(np.sum(pred & y))
    fp = float(np.sum(pred & ~y))
    fn = float(np.sum(~pred & y))
    tn = float(np.sum(~pred & ~y))
    den = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return float((tp * tn - fp * fn) / den) if den > 0 else 0.0


def precision_at_k(y_true, scores, k: int | None = None) -> float:
    """Share of true anomalies among the k highest scores (k defaults to the number of anomalies)."""
    y, s = _labels_scores(y_true, scores)
    k = int(y.sum()) if k is None else max(1, int(k))
    return float(y[top_ranked(s, k)].mean())


def evaluate(y_true, scores) -> dict[str, float]:
    """ROC AUC, average precision, precision@n_o, MCC at top n_o and RWS of `scores` against 0/1 labels."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y, s = _labels_scores(y_true, scores)
    return {
        "auc": float(roc_auc_score(y, s)),
        "average_precision": float(average_precision_score(y, s)),
        "precision_at_k": precision_at_k(y, s),
        "mcc": mcc_at_top(y, s),
        "rws": rws(y, s),
        "n_anomalies": int(y.sum()),
    }


def anomaly_labels(y, anomaly=None) -> np.ndarray:
    """0/1 anomaly labels from any label column: 0/1 as is, else 1 where y == `anomaly`.

    Raises ValueError when the column has more than two values and no `anomaly` value is named,
    when the named value is absent, or when the labels hold no anomalies or only anomalies.
    """
    y = np.asarray(y)
    if y.size == 0:
        raise ValueError("the label column is empty.")
    values = np.unique(y[~_isnan(y)] if y.dtype.kind == "f" else y)
    if anomaly is None:
        if set(values.tolist()) <= {0, 1}:
            out = y.astype(int)
        elif len(values) == 2:
            raise ValueError(
                f"the label column holds {values[0]!r} and {values[1]!r}, not 0/1: choose which value means "
                "'anomaly'."
            )
        else:
            raise ValueError(
                f"the label column holds {len(values)} values ({', '.join(map(str, values[:6]))}"
                f"{', ...' if len(values) > 6 else ''}): choose which one means 'anomaly' (the rest are normal)."
            )
    else:
        if anomaly not in values.tolist():
            raise ValueError(f"{anomaly!r} is not among the label values {values.tolist()[:10]}.")
        out = (y == anomaly).astype(int)
    n_o = int(out.sum())
    if n_o == 0:
        raise ValueError(
            "the labels hold no anomalies: every row is normal, so there is nothing to score against."
        )
    if n_o == out.size:
        raise ValueError("every row is labelled an anomaly: there are no normal rows to score against.")
    return out


def _isnan(y: np.ndarray) -> np.ndarray:
    return np.isnan(y) if y.dtype.kind == "f" else np.zeros(y.shape, dtype=bool)
