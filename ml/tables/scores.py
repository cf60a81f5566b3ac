"""Labels and scores for the ROC Explorer: a table's label and score columns -> ScoreTable."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.tables.messages import _class_name, _cols, _n_of, _py, _q, _show, _show_list, _sort_key
from ml.tables.reading import _DECIMAL_COMMA
from ml.tables.roles import MAX_CLASSES, _kind, _to_float, default_positive
from ml.tables.values import unusable


class NonFiniteScores(ValueError):
    """Some scores are NaN or ±inf; `n_rows` rows are affected, `columns` counts them per column."""

    def __init__(self, message: str, n_rows: int = 0, columns: dict[str, int] | None = None):
        super().__init__(message)
        self.n_rows = n_rows
        self.columns = dict(columns or {})

    def __reduce__(self):
        return (type(self), (str(self), self.n_rows, self.columns))


@dataclass
class ScoreTable:
    """Validated labels and scores: y (True = positive), float64 scores per column (treat as read-only)."""

    y: np.ndarray
    scores: dict[str, np.ndarray]
    positive: object
    classes: list
    labels: np.ndarray
    n_dropped: int = 0
    notes: list[str] = field(default_factory=list)


def prepare_scores(
    df: pd.DataFrame,
    label: str,
    score_cols: list[str],
    positive=None,
    *,
    drop_nonfinite: bool = False,
) -> ScoreTable:
    """Check a label column and score columns and turn them into arrays for ROC curves."""
    if label not in df.columns:
        raise ValueError(f"There is no column {_q(label)} to use as the label. The columns are {_cols(df)}.")
    score_cols = [score_cols] if isinstance(score_cols, str) else list(score_cols or [])
    if not score_cols:
        raise ValueError("No score column was chosen. Pick at least one column of classifier scores.")
    missing = [c for c in score_cols if c not in df.columns]
    if missing:
        raise ValueError(
            f"There is no column {_q(missing[0])} to use as a score. The columns are {_cols(df)}."
        )
    if label in score_cols:
        raise ValueError(
            f"{_q(label)} is chosen both as the label and as a score. The score should be the classifier's "
            "output; pick a different column for one of them."
        )
    if len(set(score_cols)) != len(score_cols):
        score_cols = list(dict.fromkeys(score_cols))

    s = df[label]
    n = len(s)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    n_nan = int((codes < 0).sum())
    if n_nan:
        raise ValueError(
            f"The label column {_q(label)} is empty (NaN) in {n_nan:,} of {n:,} rows. Every row needs a label "
            "for the ROC: drop those rows or fill in their labels, then upload the file again."
        )
    values = sorted((_py(v) for v in uniques), key=_sort_key)
    _check_label_count(values, label, n, s)

    if positive is None:
        pos = default_positive(values)
    else:
        pos = _find_value(values, positive)
        if pos is _MISSING:
            raise ValueError(
                f"The positive class {_show(positive)} is not among the values of {_q(label)}: "
                f"{_show_list(values, 10)}. Choose one of those."
            )
    notes: list[str] = []
    if len(values) > 2:
        notes.append(
            f"The label {_q(label)} has {len(values)} classes: one is the positive class (first {_show(pos)}; "
            "you can choose another) and all the others together are negative (one-vs-rest)."
        )

    scores = {c: _score_array(df[c], c) for c in score_cols}
    bad = np.zeros(n, dtype=bool)
    per_col = {}
    where = {}
    for c, arr in scores.items():
        nonfinite = unusable(arr)  # NaN, ±inf, and beyond ±1e100 (no threshold or histogram can hold them)
        count = int(nonfinite.sum())
        if count:
            per_col[c] = count
            rows = np.flatnonzero(nonfinite)
            where[c] = ", ".join(f"row {r + 1:,}: {arr[r]:g}" for r in rows[:5]) + (" …" if len(rows) > 5 else "")
            bad |= nonfinite
    n_bad = int(bad.sum())

    pos_index = next(i for i, v in enumerate(uniques) if _py(v) == pos and type(_py(v)) is type(pos))
    y = codes == pos_index
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        labels = s.to_numpy()
    else:  # one Python object per class, shared by its rows
        labels = np.array([_py(v) for v in uniques], dtype=object)[codes]
    n_dropped = 0
    if n_bad:
        detail = ", ".join(f"{_q(c)} {k:,}" for c, k in per_col.items())
        if not drop_nonfinite:
            rows = "; ".join(f"{_q(c)}: {w}" for c, w in where.items())
            raise NonFiniteScores(
                f"{_n_of(n_bad, n)} a missing (NaN), infinite or extreme (beyond ±1e100) score ({detail}; {rows}). "
                "The ROC needs a finite score on every row: drop those rows, or fix the scores in the file.",
                n_rows=n_bad,
                columns=per_col,
            )
        keep = ~bad
        codes, y, labels = codes[keep], y[keep], labels[keep]
        scores = {c: arr[keep] for c, arr in scores.items()}
        n_dropped = n_bad
        notes.append(f"Dropped {n_bad:,} of {n:,} rows whose score was missing (NaN) or infinite ({detail}).")
        values = sorted((_py(uniques[i]) for i in np.unique(codes)), key=_sort_key)
        n_pos = int(y.sum())
        if n_pos == 0 or n_pos == len(y):
            if n_pos:
                left = f"all {len(y):,} remaining rows have the positive label {_show(pos)}"
            else:
                left = f"none of the {len(y):,} remaining rows has the positive label {_show(pos)}"
            raise ValueError(
                f"After dropping the {n_bad:,} row(s) with missing or infinite scores, {left}. The ROC needs "
                "both positive and negative examples: fix the scores in the file rather than dropping those rows."
            )

    return ScoreTable(
        y=np.asarray(y, dtype=bool),
        scores=scores,
        positive=pos,
        classes=values,
        labels=labels,
        n_dropped=n_dropped,
        notes=notes,
    )


def _check_label_count(values: list, label: str, n: int, s: pd.Series) -> None:
    if len(values) == 1:
        raise ValueError(
            f"All {n:,} rows have label {_show(values[0])} in column {_q(label)}; the ROC needs both positive "
            "and negative examples. Upload rows of the other class too, or choose another label column."
        )
    if len(values) > MAX_CLASSES:
        hint = (
            " It looks like a continuous measurement or a score, not a class label."
            if pd.api.types.is_float_dtype(s.dtype) or _kind(s) == "numeric"
            else ""
        )
        raise ValueError(
            f"The label column {_q(label)} has {len(values):,} different values.{hint} The ROC needs a label "
            "saying which class each row belongs to, ideally two values such as 0/1 or signal/background "
            f"(at most {MAX_CLASSES} classes). Choose another column as the label."
        )


_MISSING = object()


def _find_value(values: list, wanted):
    """`wanted` among `values`: an exact match first, then by its text ("1" finds 1, as from a URL)."""
    wanted = _py(wanted)
    for v in values:
        if type(v) is type(wanted) and v == wanted:
            return v
    text = str(wanted).strip()
    for v in values:
        if str(v).strip() == text or _class_name(v) == text:
            return v
    return _MISSING


def _score_array(s: pd.Series, name: str) -> np.ndarray:
    """The column as float64, booleans as 0/1, numbers in text accepted; else a clear ValueError."""
    arr, bad = _to_float(s)
    n_bad = int(bad.sum())
    if n_bad:
        examples = list(dict.fromkeys(str(v) for v in s[bad].iloc[:200]))[:3]
        hint = ""
        if any(_DECIMAL_COMMA.match(e.strip()) for e in examples):
            hint = (
                " They look like numbers with decimal commas: save the file with decimal points, or with "
                "semicolons between columns so the commas are read as decimals."
            )
        raise ValueError(
            f"The score column {_q(name)} should hold numbers, but {n_bad:,} of {len(s):,} cells are not numbers "
            f"(for example {', '.join(_q(e) for e in examples)}).{hint} Fix those cells, or choose another "
            "score column."
        )
    return arr

