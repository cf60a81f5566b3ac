"""Preparing the data: the scalings offered (`SCALINGS`), `scale`, and `prepare`, which checks a
table, drops its constant columns (saying so) and scales it into a `Prepared` matrix."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SCALINGS = {
    "standard": "Standardise (mean 0, std 1)",
    "minmax": "Min-max (0 to 1)",
    "normalize": "Row-wise normalise (each row to length 1)",
    "none": "None (raw features)",
}


@dataclass
class Prepared:
    """The numeric matrix the algorithms see, after scaling, with what was changed and why."""

    X: np.ndarray
    features: list[str]
    scaling: str
    notes: list[str] = field(default_factory=list)
    n_distinct: int = 0

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


def scale(X: np.ndarray, how: str) -> np.ndarray:
    """X scaled column-wise (standard, minmax), row-wise to unit length (normalize), or unchanged."""
    from sklearn import preprocessing

    if how not in SCALINGS:
        raise ValueError(f"Scaling must be one of {list(SCALINGS)}, got {how!r}.")
    X = np.asarray(X, dtype=float)
    if how == "standard":
        return preprocessing.StandardScaler().fit_transform(X)
    if how == "minmax":
        return preprocessing.MinMaxScaler().fit_transform(X)
    if how == "normalize":
        return preprocessing.normalize(X)
    return X.copy()


def prepare(X, scaling: str = "standard", features: list[str] | None = None) -> Prepared:
    """Check X (numeric, finite, at least 2 rows), drop constant columns (saying so) and scale it."""
    if isinstance(X, pd.DataFrame):
        features = [str(c) for c in X.columns]
        bad = [str(c) for c in X.columns if X[c].dtype.kind not in "iufb"]
        if bad:
            raise ValueError(
                f"Clustering needs numeric features; {', '.join(bad[:5])} hold text. Leave those columns out "
                "or encode them as numbers."
            )
        X = X.to_numpy(dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"Expected a table (rows × features), got an array of shape {X.shape}.")
    features = list(features or [f"x{i + 1}" for i in range(X.shape[1])])
    if X.shape[1] == 0:
        raise ValueError("No feature columns are chosen: pick at least one numeric feature.")
    if X.shape[0] < 2:
        raise ValueError(f"Clustering needs at least 2 rows; the data has {X.shape[0]}.")
    if not np.isfinite(X).all():
        bad_rows = int((~np.isfinite(X)).any(axis=1).sum())
        raise ValueError(
            f"{bad_rows:,} rows have missing or infinite values; clustering needs every value. Drop those "
            "rows or fill the gaps (the data panel offers both)."
        )
    notes = []
    constant = np.ptp(X, axis=0) == 0
    if constant.all():
        raise ValueError(
            "Every chosen feature is constant (one value in every row): there is nothing to cluster. "
            "Choose features that vary."
        )
    if constant.any():
        names = [f for f, c in zip(features, constant, strict=True) if c]
        notes.append(
            f"Left out {len(names)} constant column(s) ({', '.join(names[:5])}): a column with one value "
            "cannot separate clusters."
        )
        X = X[:, ~constant]
        features = [f for f, c in zip(features, constant, strict=True) if not c]
    Xs = scale(X, scaling)
    if scaling == "normalize" and Xs.shape[1] == 1:
        notes.append(
            "Row-wise normalising a single feature maps every value to +1 or -1: choose another scaling."
        )
    n_distinct = len(np.unique(Xs, axis=0)) if Xs.shape[0] <= 200_000 else Xs.shape[0]
    return Prepared(Xs, features, scaling, notes, int(n_distinct))
