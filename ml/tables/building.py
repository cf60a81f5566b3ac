"""Building a Dataset from an uploaded table: features, target, task, missing values, text columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.datasets import TASKS, Dataset
from ml.photometry import BANDS, COLOURS, derive_colours, has_ugriz
from ml.tables.messages import (
    _class_name,
    _cols,
    _n_of,
    _py,
    _q,
    _rows,
    _show,
    _show_list,
    _sort_id,
    _sort_key,
)
from ml.tables.roles import (
    MAX_CLASSES,
    _kind,
    _to_float,
    label_values,
    suggest_features,
)
from ml.tables.values import extreme_note, unusable

MAX_ONEHOT_CATEGORIES = 30  # per column, for non_numeric="onehot"
MIN_ROWS = 10  # fewest rows to_dataset accepts
REGRESSION_MIN_DISTINCT = 20  # a numeric target with more distinct values is inferred as regression

_SDSS_EXTRA = ("class", "subclass", "redshift", "ra", "dec", "objid", "specobjid")
_KIND_WORDS = {"boolean": "true/false values", "categorical": "categories", "text": "text"}
_SDSS_MISSING = -9999.0  # SDSS's placeholder for a magnitude that could not be measured


def to_dataset(
    df: pd.DataFrame,
    target: str,
    features: list[str] | None = None,
    *,
    task: str | None = None,
    non_numeric: str = "error",
    missing: str = "error",
    name: str = "upload",
) -> Dataset:
    """Turn an uploaded table into a Dataset for the classification or regression pages."""
    _check_option("non_numeric", non_numeric, ("error", "drop", "onehot"))
    _check_option("missing", missing, ("error", "drop", "impute"))
    if task is not None and task not in TASKS:
        named = ", ".join(t for t in TASKS if t is not None)
        raise ValueError(f"The task must be one of {named} (or None to infer it), not {task!r}.")
    if target not in df.columns:
        raise ValueError(f"There is no column {_q(target)} to predict. The columns are {_cols(df)}.")
    n_rows, n_cols = df.shape
    notes: list[str] = []
    sdss = has_ugriz(df)

    if features is None:  # the features a scientist would choose: no ids, bookkeeping or leaks
        suggestion = suggest_features(df, target, task)
        features = suggestion.features
        if not features:
            if suggestion.left_out:
                raise ValueError(
                    f"Every column other than {_q(target)} looks like an identifier, bookkeeping or a leak of "
                    f"the target ({suggestion.line()[len('Left out: ') :].rstrip('.')}). If one of them is a "
                    "real input, choose the features yourself."
                )
            raise ValueError(
                f"No column other than {_q(target)} can serve as a feature (numbers or categories). "
                "The table needs at least one input column besides the target."
            )
        if suggestion.left_out:
            notes.append(suggestion.line())
    else:
        features = list(dict.fromkeys(features))
        if not features:
            raise ValueError("No feature columns were chosen. Pick at least one column to predict from.")
        if target in features:
            raise ValueError(
                f"The target {_q(target)} is also among the features. A model that is shown the answer learns "
                "nothing useful: remove it from the features."
            )
        allowed = set(df.columns) | (set(COLOURS) if sdss else set())
        unknown = [c for c in features if c not in allowed]
        if unknown:
            raise ValueError(
                f"There is no column {', '.join(_q(c) for c in unknown)} in the table. The columns are {_cols(df)}."
            )

    work = df[[c for c in features if c in df.columns] + [target]].reset_index(drop=True)
    if sdss:
        work = _add_sdss_colours(df, work, features, target, notes)

    # Features: numbers in, text out (or one-hot).
    kinds = {c: _kind(work[c]) for c in features}
    text_cols = [c for c in features if kinds[c] in ("categorical", "text")]
    if text_cols:
        if non_numeric == "error":
            listed = ", ".join(
                f"{_q(c)} (e.g. {_show_list(list(work[c].dropna().unique()[:2]), 2)})" for c in text_cols
            )
            raise ValueError(
                f"These feature columns hold text, not numbers: {listed}. Models need numbers. Choose "
                '"drop" to leave them out, or "onehot" to turn each category into its own 0/1 column.'
            )
        if non_numeric == "drop":
            features = [c for c in features if c not in text_cols]
            work = work.drop(columns=text_cols)
            notes.append(f"Left out the text column(s) {', '.join(_q(c) for c in text_cols)}.")
            if not features:
                raise ValueError(
                    "Every chosen feature column holds text, so none is left after dropping them. Choose "
                    '"onehot" to encode the categories, or pick numeric feature columns.'
                )
        else:
            for c in text_cols:
                k = work[c].nunique()
                if k > MAX_ONEHOT_CATEGORIES:
                    raise ValueError(
                        f"The feature column {_q(c)} has {k:,} different values, too many to one-hot encode "
                        f"(at most {MAX_ONEHOT_CATEGORIES}). It is probably free text or an identifier: "
                        'leave it out of the features, or choose "drop".'
                    )
    numeric_cols = [c for c in features if c not in text_cols]
    for c in numeric_cols:
        arr = np.array(_to_float(work[c])[0])
        note = extreme_note(c, arr)  # ±inf and beyond ±1e100 (squares overflow) count as missing, named
        if note:
            notes.append(note)
        arr[unusable(arr)] = np.nan
        work[c] = arr

    if pd.api.types.is_float_dtype(work[target]):  # an infinite target is as unusable as a missing one
        t = work[target].to_numpy(dtype=float, copy=True)
        n_inf = int(np.isinf(t).sum())
        if n_inf:
            t[np.isinf(t)] = np.nan
            work[target] = t
            notes.append(f"{_rows(n_inf, verb=False)} had an infinite target value; they count as missing.")

    work, dropped = _handle_missing(work, features, numeric_cols, target, missing, notes)
    if text_cols and non_numeric == "onehot":
        for c in text_cols:  # plain objects with NaN gaps: the model's OneHotEncoder takes them as they are
            work[c] = work[c].astype(object).where(work[c].notna(), np.nan)
        k = sum(int(work[c].nunique()) for c in text_cols)
        notes.append(
            f"Kept {', '.join(_q(c) for c in text_cols)} as categories ({k} in the table); the model one-hot "
            "encodes them, learning the categories from its training rows only."
        )

    if len(work) < MIN_ROWS:
        why = f" after dropping {_rows(dropped, verb=False)} with missing values" if dropped else ""
        raise ValueError(
            f"Only {_rows(len(work), verb=False)} {'is' if len(work) == 1 else 'are'} left{why}; at least {MIN_ROWS} are needed to train and test a model. "
            "Upload more rows."
        )

    y, task, class_names = _encode_target(work[target], target, task, notes)
    X = work[features].astype({c: "float64" for c in numeric_cols}).reset_index(drop=True)
    extra = None
    if sdss:
        extra_cols = [c for c in _SDSS_EXTRA if c in df.columns and c != target and c not in features]
        if extra_cols:
            extra = df[extra_cols].iloc[work.index.to_numpy()].reset_index(drop=True)
            notes.append(f"Kept {', '.join(_q(c) for c in extra_cols)} alongside (not used as features).")

    what = f"{task}, {len(class_names)} classes" if class_names else task
    used = f" ({len(X):,} used)" if len(X) != n_rows else ""
    description = (
        f"Uploaded table: {n_rows:,} rows × {n_cols} columns{used}; predicting {_q(target)} ({what}) from "
        f"{X.shape[1]} feature{'s' if X.shape[1] != 1 else ''}."
    )
    if sdss:
        description += (
            " Recognised as an SDSS ugriz table (a SkyServer export): the colours u-g, g-r, r-i, i-z "
            "were derived from the magnitudes."
        )
    if notes:
        description += " " + " ".join(notes)
    return Dataset(
        name=name,
        X=X,
        y=y.reset_index(drop=True),
        task=task,
        description=description,
        source="uploaded file",
        simulated=False,
        class_names=class_names,
        target_name=str(target),
        extra=extra,
    )


def _check_option(param: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{param} must be one of {', '.join(repr(a) for a in allowed)}, not {value!r}.")


def _add_sdss_colours(
    df: pd.DataFrame, work: pd.DataFrame, features: list[str], target: str, notes: list[str]
) -> pd.DataFrame:
    """Add the colour columns the features ask for, treating SDSS's -9999 magnitudes as missing."""
    mags = df[list(BANDS)].reset_index(drop=True).apply(pd.to_numeric, errors="coerce")
    placeholder = mags.eq(_SDSS_MISSING)
    n_placeholder = int(placeholder.any(axis=1).sum())
    if n_placeholder:
        mags = mags.mask(placeholder)
        notes.append(
            f"{_rows(n_placeholder)} a magnitude of -9999 (SDSS's 'not measured'); it counts as missing."
        )
        for b in BANDS:
            if b in work.columns and b != target:
                work[b] = mags[b]
    colours = derive_colours(mags)
    for c in COLOURS:
        if c in features and c not in df.columns:
            work[c] = colours[c].to_numpy()
    return work


def _handle_missing(
    work: pd.DataFrame,
    features: list[str],
    numeric_cols: list[str],
    target: str,
    missing: str,
    notes: list[str],
) -> tuple[pd.DataFrame, int]:
    """Apply the `missing` policy; returns the table and how many rows were dropped."""
    na = work[features].isna()
    target_na = work[target].isna().to_numpy()
    row_na = na.any(axis=1).to_numpy() | target_na
    n_na = int(row_na.sum())
    if not n_na:
        return work, 0
    per_col = {c: int(k) for c, k in na.sum().items() if k}
    if target_na.any():
        per_col = {target: int(target_na.sum()), **per_col}
    detail = ", ".join(f"{_q(c)} {k:,}" for c, k in list(per_col.items())[:8])
    if missing == "error":
        tail = " Rows without a target value can only be dropped." if target_na.any() else ""
        raise ValueError(
            f'{_n_of(n_na, len(work))} missing (or infinite) values ({detail}). Choose "drop" to '
            'remove those rows, or "impute" to fill the gaps with each column\'s median (its most common '
            f"value for text columns).{tail}"
        )
    if missing == "drop":
        notes.append(f"Dropped {_rows(n_na, verb=False)} with missing values ({detail}).")
        return work.loc[~row_na], n_na
    # impute: features only; a target is never made up. The gaps stay in X: the model's pipeline
    # (ml.models.make_pipeline(..., X=X)) fills them with medians learned on its training rows only.
    dropped = int(target_na.sum())
    if dropped:
        work = work.loc[~target_na]
        notes.append(f"Dropped {_rows(dropped, verb=False)} without a value for the target {_q(target)}.")
    gaps = work[features].isna().sum()
    for c in features:
        if gaps[c] and gaps[c] == len(work):
            raise ValueError(
                f"The feature column {_q(c)} has no values at all, so there is nothing to fill its gaps with. "
                "Leave it out of the features."
            )
    filled = int(gaps.sum())
    if filled:
        notes.append(
            f"{filled:,} missing feature values are left as gaps; the model fills them with each column's median "
            "over its training rows only (a missing category counts as a category of its own)."
        )
    return work, dropped


def _encode_target(
    t: pd.Series, target: str, task: str | None, notes: list[str]
) -> tuple[pd.Series, str, tuple[str, ...]]:
    """The target as float (regression) or int codes 0..k-1 with class names (classification)."""
    kind = _kind(t)
    if task is None:
        if kind == "numeric" and t.nunique() > REGRESSION_MIN_DISTINCT:
            task = "regression"
        else:
            task = "binary" if t.nunique() <= 2 else "multiclass"
    if task == "regression":
        if kind != "numeric":
            examples = _show_list(label_values(t)[:3], 3)
            raise ValueError(
                f"The target {_q(target)} holds {_KIND_WORDS[kind]} ({examples}), not numbers; regression predicts a "
                "number. Use the classification page for categories, or choose a numeric target column."
            )
        y, _ = _to_float(t)
        if np.nanmin(y) == np.nanmax(y):
            raise ValueError(
                f"Every row has the same target value ({_show(_py(y[0]))}) in {_q(target)}, so there is nothing "
                "to predict. Choose another target column."
            )
        return pd.Series(y, name=target), task, ()

    codes, uniques = pd.factorize(t, use_na_sentinel=True)
    values = sorted((_py(v) for v in uniques), key=_sort_key)
    k = len(values)
    if k == 1:
        raise ValueError(
            f"All {len(t):,} rows have the target {_show(values[0])} in {_q(target)}; a classifier needs at least "
            "two classes. Upload rows of other classes too, or choose another target column."
        )
    if k > MAX_CLASSES:
        raise ValueError(
            f"The target {_q(target)} has {k:,} different values, too many to treat as classes (at most "
            f"{MAX_CLASSES}). If it is a measurement, use the regression page; otherwise choose another target "
            "column."
        )
    if task == "binary" and k > 2:
        raise ValueError(
            f"The target {_q(target)} has {k} classes ({_show_list(values, 6)}); a binary task needs exactly two. "
            "Choose the multiclass task, or a target with two values."
        )
    if task == "multiclass" and k == 2:
        task = "binary"
        notes.append("The target has two classes, so the task is binary.")
    order = {_sort_id(v): i for i, v in enumerate(values)}
    remap = np.array([order[_sort_id(_py(v))] for v in uniques], dtype="int64")
    y = pd.Series(remap[codes], name=target)
    counts = np.bincount(y.to_numpy(), minlength=k)
    rare = [values[i] for i in range(k) if counts[i] < 5]
    if rare:
        notes.append(
            f"Some classes have fewer than 5 rows ({_show_list(rare, 5)}); scores for them will be unreliable."
        )
    return y, task, tuple(_class_name(v) for v in values)

