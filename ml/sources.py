"""Turning a stored upload into the Dataset a page asked for: row filters and label-free datasets.

The supervised path is `ml.tables.to_dataset` (a target is required there); unsupervised pages may
have no label column, which `unlabelled_dataset` covers. `RowFilter` keeps rows where a column takes
chosen values or lies in a range ("class = GALAXY" for galaxy photo-z), and says what it kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.datasets import Dataset
from ml.photometry import COLOURS, derive_colours, has_ugriz
from ml.tables.values import extreme_note, unusable

MIN_ROWS = 10  # fewest rows an unsupervised page accepts


@dataclass(frozen=True)
class RowFilter:
    """Keep rows where `column` is one of `values`, or lies in [low, high] (numbers)."""

    column: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None

    @property
    def is_range(self) -> bool:
        return not self.values

    def describe(self) -> str:
        if self.is_range:
            return f"rows with {self.low:g} ≤ {self.column} ≤ {self.high:g}"
        shown = ", ".join(str(v) for v in self.values[:5]) + (" …" if len(self.values) > 5 else "")
        return f"rows with {self.column} = {shown}" if len(self.values) == 1 else f"rows with {self.column} in {{{shown}}}"

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """The kept rows (index reset); ValueError when the filter keeps none."""
        if self.column not in df.columns:
            raise ValueError(
                f"The row filter names the column '{self.column}', which this table does not have. "
                "Clear the filter or choose another column."
            )
        col = df[self.column]
        if self.is_range:
            values = pd.to_numeric(col, errors="coerce")
            mask = (values >= self.low) & (values <= self.high)
        else:
            wanted = {str(v) for v in self.values}
            mask = col.astype(str).isin(wanted)
        kept = df[mask.fillna(False).to_numpy(bool)].reset_index(drop=True)
        if kept.empty:
            raise ValueError(
                f"The row filter ({self.describe()}) keeps no rows of {len(df):,}. Widen it or clear it."
            )
        return kept


def unlabelled_dataset(
    df: pd.DataFrame, features: list[str], *, missing: str = "error", name: str = "upload", filename: str = ""
) -> Dataset:
    """Numeric feature columns of an upload as a Dataset with no target (clustering, projections, detectors).

    Infinite values count as missing. `missing` is "error", "drop" (rows) or "impute" (column median:
    there is no held-out split on these pages, so nothing leaks).
    """
    if missing not in ("error", "drop", "impute"):
        raise ValueError(f"missing must be 'error', 'drop' or 'impute', not {missing!r}.")
    features = list(dict.fromkeys(features))
    if not features:
        raise ValueError("No feature columns were chosen. Pick at least one numeric column.")
    work = df.copy()
    if has_ugriz(df) and any(c in COLOURS for c in features):
        work = derive_colours(work)
    absent = [c for c in features if c not in work.columns]
    if absent:
        raise ValueError(f"There is no column {', '.join(map(repr, absent))} in the table.")
    X = pd.DataFrame(index=work.index)
    notes: list[str] = []
    for c in features:
        values = pd.to_numeric(work[c], errors="coerce")
        bad = values.isna() & work[c].notna()
        if bad.any():
            rows = (np.flatnonzero(bad.to_numpy()) + 2)[:5]  # + header line, 1-based
            examples = ", ".join(repr(str(v)) for v in work[c][bad].head(3))
            raise ValueError(
                f"Column '{c}' is not all numbers: {int(bad.sum()):,} cell(s) such as {examples} (file lines "
                f"{', '.join(map(str, rows))}). Fix those cells, or leave the column out of the features."
            )
        values = values.astype("float64")
        note = extreme_note(str(c), values)  # ±inf and beyond ±1e100 count as missing, named
        if note:
            notes.append(note)
        X[str(c)] = values.mask(unusable(values))
    gaps = X.isna().any(axis=1)
    if gaps.any():
        if missing == "error":
            raise ValueError(
                f"{int(gaps.sum()):,} of {len(X):,} rows have missing, infinite or extreme values in the chosen "
                'columns. Choose "drop" to leave those rows out, or "impute" to fill gaps with the column median.'
                + (" " + " ".join(notes) if notes else "")
            )
        if missing == "drop":
            X = X[~gaps]
            notes.append(f"Dropped {int(gaps.sum()):,} rows with missing values.")
        else:
            X = X.fillna(X.median())
            notes.append(f"Filled the gaps of {int(gaps.sum()):,} rows with column medians.")
    empty = [c for c in X.columns if X[c].isna().all()]
    if empty:
        raise ValueError(f"Column(s) {', '.join(map(repr, empty))} hold no numbers at all: leave them out.")
    if len(X) < MIN_ROWS:
        raise ValueError(f"Only {len(X)} rows are left; at least {MIN_ROWS} are needed. Upload more rows.")
    what = f"{filename}: " if filename else ""
    description = f"Uploaded table {what}{len(X):,} rows × {X.shape[1]} feature(s), no label column." + (
        " " + " ".join(notes) if notes else ""
    )
    return Dataset(
        name=name,
        X=X.reset_index(drop=True),
        y=None,
        task=None,
        description=description,
        source="uploaded file",
        simulated=False,
    )
