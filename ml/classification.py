"""Classification helpers for the Classification page: decision-region grids, metrics, ROC scores.

Pure Python (no Streamlit). `decision_grid` evaluates a fitted classifier over a plane: either two
chosen features with the others held at their median ("features" mode) or the plane of the first
two principal components mapped back to feature space ("pca" mode). The result carries a
projection so the page can draw the data points in the same plane.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.metrics import accuracy_score, confusion_matrix, fbeta_score, precision_score, recall_score
from sklearn.preprocessing import StandardScaler

from ml.models import final_estimator, scores_for_roc

MODES = ("features", "pca")
DEFAULT_RESOLUTION = 200
MAX_RESOLUTION = 400
MIN_BUDGET_RESOLUTION = 80  # a time budget never coarsens the grid below this


@dataclass
class DecisionGrid:
    """A classifier evaluated on a resolution × resolution grid over a plane.

    x, y: the grid coordinates along the plane's axes; pred: (len(y), len(x)) index into
    `classes` of the predicted class; confidence: the predicted class's probability, or for
    models without probabilities a pseudo-probability from the decision function (a sigmoid, or a
    softmax over classes: 0.73 on an SVM's margin), or None. `projection` maps rows onto the plane.
    """

    x: np.ndarray
    y: np.ndarray
    pred: np.ndarray
    confidence: np.ndarray | None
    classes: np.ndarray
    x_label: str
    y_label: str
    mode: str
    projection: _Projection

    def project(self, X) -> np.ndarray:
        """(n, 2) coordinates of rows X in this grid's plane."""
        return self.projection.transform(X)


class _Projection:
    numeric: list | None = None  # the numeric columns the plane is built from (None: every column)
    fixed: dict | None = None  # text columns held at their most common value {column: value}

    def transform(self, X) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def inverse(self, plane: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class _FeatureSlice(_Projection):
    """Two columns of the data; the other columns held at fixed values (their medians)."""

    def __init__(self, columns: list[str], i: int, j: int, fill: np.ndarray):
        self.columns, self.i, self.j, self.fill = columns, i, j, fill

    def transform(self, X) -> np.ndarray:
        arr = _values(X, self.numeric)
        return arr[:, [self.i, self.j]]

    def inverse(self, plane: np.ndarray) -> np.ndarray:
        out = np.tile(self.fill, (len(plane), 1))
        out[:, self.i], out[:, self.j] = plane[:, 0], plane[:, 1]
        return out


class _PCAPlane(_Projection):
    """The plane of the first two principal components of the standardised data."""

    def __init__(self, X: np.ndarray, seed: int = 0):
        self.fill = np.nan_to_num(np.nanmedian(X, axis=0))  # gaps sit at the median in the plane
        X = self._filled(X)
        self.scaler = StandardScaler().fit(X)
        self.pca = PCA(n_components=2, random_state=seed).fit(self.scaler.transform(X))

    def _filled(self, arr: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(arr), self.fill, arr)

    def transform(self, X) -> np.ndarray:
        return self.pca.transform(self.scaler.transform(self._filled(_values(X, self.numeric))))

    def inverse(self, plane: np.ndarray) -> np.ndarray:
        return self.scaler.inverse_transform(self.pca.inverse_transform(plane))


def _values(X, columns: list | None = None) -> np.ndarray:
    if columns is not None and hasattr(X, "columns"):
        X = X[columns]
    return np.asarray(X.to_numpy() if hasattr(X, "to_numpy") else X, dtype=float)


def _split_text(X) -> tuple[list | None, dict]:
    """(numeric columns, {text column: its most common value}) of a frame; (None, {}) when all are numbers."""
    if not hasattr(X, "columns"):
        return None, {}
    text = [c for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    if not text:
        return None, {}
    fixed = {c: (X[c].mode(dropna=True).iloc[0] if X[c].notna().any() else np.nan) for c in text}
    return [c for c in X.columns if c not in fixed], fixed


def _column_names(X) -> list[str]:
    if hasattr(X, "columns"):
        return [str(c) for c in X.columns]
    return [f"x{i}" for i in range(np.shape(X)[1])]


def _axis(values: np.ndarray, n: int, margin: float) -> np.ndarray:
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    span = hi - lo if hi > lo else max(abs(lo), 1.0)
    return np.linspace(lo - margin * span, hi + margin * span, n)


def decision_grid(
    fitted,
    X,
    *,
    mode: str = "features",
    features: Sequence[str] | None = None,
    resolution: int = DEFAULT_RESOLUTION,
    margin: float = 0.08,
    seed: int = 0,
    budget_s: float | None = None,
) -> DecisionGrid:
    """Predict `fitted` (a classifier or pipeline) over a plane spanned by the data X.

    mode "features": the plane of two columns `features` (default: the first two), every other
    column held at its median in X. mode "pca": the plane of the first two principal components of
    the standardised X, mapped back to feature space. The grid covers the points' range plus
    `margin` of it on each side. With `budget_s`, a 32 × 32 probe is timed first and the
    resolution lowered (not below MIN_BUDGET_RESOLUTION) so that predicting the grid should take
    about that long: slow models (an RBF SVM on many rows) stay responsive. ValueError for an
    unknown mode, unknown features, or a resolution outside 10..MAX_RESOLUTION.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}.")
    resolution = int(resolution)
    if not 10 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"resolution must be from 10 to {MAX_RESOLUTION} points per axis, got {resolution}.")
    numeric, fixed = _split_text(X)  # text columns (one-hot inside the model) stay at their commonest value
    names = _column_names(X[numeric] if numeric is not None else X)
    arr = _values(X, numeric)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise ValueError(f"Need a table of at least 2 rows to draw decision regions, got shape {arr.shape}.")
    if mode == "pca":
        if arr.shape[1] < 2:
            raise ValueError("A PCA projection needs at least 2 features; this data has 1.")
        projection: _Projection = _PCAPlane(arr, seed)
        var = projection.pca.explained_variance_ratio_
        x_label, y_label = f"PC 1 ({var[0]:.0%} of variance)", f"PC 2 ({var[1]:.0%} of variance)"
    else:
        if arr.shape[1] < 2:
            raise ValueError("Decision regions need two features; this data has only one.")
        chosen = list(features) if features is not None else names[:2]
        unknown = [f for f in chosen if f not in names]
        if len(chosen) != 2 or unknown or chosen[0] == chosen[1]:
            raise ValueError(f"Choose two different features from {names}; got {chosen}.")
        i, j = names.index(chosen[0]), names.index(chosen[1])
        projection = _FeatureSlice(names, i, j, np.nanmedian(arr, axis=0))
        x_label, y_label = chosen
    projection.numeric, projection.fixed = numeric, fixed
    plane_points = projection.transform(arr)
    classes = np.asarray(final_estimator(fitted).classes_)
    if budget_s is not None and resolution > MIN_BUDGET_RESOLUTION:
        probe = _axis(plane_points[:, 0], 32, margin), _axis(plane_points[:, 1], 32, margin)
        start = time.perf_counter()
        _predict_plane(fitted, projection, X, classes, *probe)
        per_point = (time.perf_counter() - start) / 32**2
        affordable = int(np.sqrt(budget_s / max(per_point, 1e-9)))
        resolution = int(np.clip(affordable, MIN_BUDGET_RESOLUTION, resolution))
    gx = _axis(plane_points[:, 0], resolution, margin)
    gy = _axis(plane_points[:, 1], resolution, margin)
    pred, confidence = _predict_plane(fitted, projection, X, classes, gx, gy)
    return DecisionGrid(
        x=gx,
        y=gy,
        pred=pred.astype(np.int16),
        confidence=confidence,
        classes=classes,
        x_label=x_label,
        y_label=y_label,
        mode=mode,
        projection=projection,
    )


def _predict_plane(fitted, projection: _Projection, X, classes, gx, gy):
    """(class index, certainty or None) on the grid gx × gy, each of shape (len(gy), len(gx))."""
    xx, yy = np.meshgrid(gx, gy)
    rows = projection.inverse(np.column_stack([xx.ravel(), yy.ravel()]))
    if hasattr(X, "columns"):
        grid_X = pd.DataFrame(rows, columns=projection.numeric if projection.numeric is not None else X.columns)
        for c, v in (projection.fixed or {}).items():
            grid_X[c] = v
        grid_X = grid_X[list(X.columns)]
    else:
        grid_X = rows
    confidence = None
    if hasattr(fitted, "predict_proba"):
        proba = np.asarray(fitted.predict_proba(grid_X), dtype=float)
        pred = proba.argmax(axis=1)
        confidence = proba.max(axis=1).reshape(xx.shape)
    else:
        pred = np.searchsorted(classes, np.asarray(fitted.predict(grid_X)))
        if hasattr(fitted, "decision_function"):
            confidence = _pseudo_confidence(np.asarray(fitted.decision_function(grid_X), dtype=float))
            confidence = None if confidence is None else confidence.reshape(xx.shape)
    return pred.reshape(xx.shape), confidence


def _pseudo_confidence(scores: np.ndarray) -> np.ndarray | None:
    """A probability-like certainty from decision scores: sigmoid(|d|) for two classes, softmax max for more."""
    with np.errstate(over="ignore"):
        if scores.ndim == 1:
            return 1.0 / (1.0 + np.exp(-np.abs(scores)))
        if scores.ndim == 2 and scores.shape[1] > 1:
            z = scores - scores.max(axis=1, keepdims=True)
            e = np.exp(z)
            return e.max(axis=1) / e.sum(axis=1)
    return None


def class_index(classes, labels) -> np.ndarray:
    """Index of each label in `classes` (sorted, as a fitted classifier's `classes_`)."""
    classes = np.asarray(classes)
    labels = np.asarray(labels)
    idx = np.searchsorted(classes, labels)
    idx = np.clip(idx, 0, len(classes) - 1)
    if not np.array_equal(classes[idx], labels):
        raise ValueError("Some labels are not among the model's classes.")
    return idx


def summary_metrics(y_true, y_pred, *, beta: float = 1.0, positive=None) -> dict[str, float]:
    """Accuracy, precision, recall, F1 and F-beta.

    With `positive` (a class label) precision, recall and F scores are for that class (binary
    view); without, they are macro averages over the classes (each class counts equally).
    """
    if beta <= 0:
        raise ValueError(f"β must be positive, got {beta}. β = 1 is the F1 score; β > 1 favours recall.")
    kw = {"zero_division": 0}
    if positive is not None:
        # one-vs-rest: `positive` becomes 1, every other class 0
        y_true, y_pred = (
            (np.asarray(y_true) == positive).astype(int),
            (np.asarray(y_pred) == positive).astype(int),
        )
        kw.update(average="binary", pos_label=1)
    else:
        kw["average"] = "macro"
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision_score(y_true, y_pred, **kw)),
        "recall": float(recall_score(y_true, y_pred, **kw)),
        "F1": float(fbeta_score(y_true, y_pred, beta=1.0, **kw)),
        f"F{beta:g}": float(fbeta_score(y_true, y_pred, beta=beta, **kw)),
    }


def metrics_frame(
    y_train, pred_train, y_test, pred_test, *, beta: float = 1.0, positive=None
) -> pd.DataFrame:
    """summary_metrics on train and on test, side by side (rows: metrics; columns: train, test)."""
    train = summary_metrics(y_train, pred_train, beta=beta, positive=positive)
    test = summary_metrics(y_test, pred_test, beta=beta, positive=positive)
    return pd.DataFrame({"train": train, "test": test})


def confusion(y_true, y_pred, classes) -> np.ndarray:
    """Counts: rows are the true class, columns the predicted class, both in `classes` order."""
    return confusion_matrix(y_true, y_pred, labels=list(classes))


def roc_scores(fitted, X) -> np.ndarray:
    """Held-out scores for the ROC Explorer: (n,) for two classes, else (n, k) one column per class."""
    scores = scores_for_roc(fitted, X)
    return scores[:, 0] if scores.shape[1] == 1 else scores


def describe_plane(grid: DecisionGrid, n_features: int) -> str:
    """One sentence on what the plane is, for the caption under the figure."""
    if grid.mode == "pca":
        return (
            "Regions in the plane of the first two principal components (standardised features). Points are "
            "projected onto it; a point's marker shows the model's prediction from all its features, which "
            "can differ from the region colour at its projected position."
        )
    if n_features > 2:
        return (
            f"Regions over {grid.x_label} and {grid.y_label}, the other {n_features - 2} feature(s) held at their "
            "median. Points are shown at their own two values, so a slice can disagree with a point's prediction."
        )
    return f"Regions over {grid.x_label} and {grid.y_label}: the whole input space."
