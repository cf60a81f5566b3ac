"""Column roles: kinds of columns, label and score candidates, features, ids and leaks."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.photometry import BANDS, COLOURS, has_ugriz
from ml.tables.messages import _py, _sort_key

MAX_CLASSES = 50  # more distinct values than this is not a class label

_NA_WORDS = frozenset({"", "nan", "-nan", "na", "n/a", "#n/a", "null", "none", "<na>"})
_LABEL_NAMES = ("label", "labels", "y", "target", "class", "truth", "is_signal", "issignal", "signal", "y_true",
                "ytrue", "true", "category", "outcome", "diagnosis", "species", "type")  # fmt: skip
_SCORE_WORDS = ("score", "prob", "proba", "pred", "output", "logit", "disc", "bdt", "mva", "nn", "dnn", "p_")
_POSITIVE_WORDS = ("1", "+1", "1.0", "true", "yes", "y", "t", "signal", "sig", "s", "photon", "gamma", "positive",
                   "pos", "malignant", "anomaly", "outlier", "fraud", "spam", "planet", "pulsar")  # fmt: skip
_ID_NAMES = frozenset({"id", "index", "idx", "rowid", "row", "objid", "specobjid", "objectid", "uid"})
_SDSS_META = frozenset({"objid", "specobjid", "ra", "dec", "run", "rerun", "camcol", "field", "plate", "mjd",
                        "fiberid", "class", "subclass", "redshift", "z_err", "zerr", "zwarning", "type"})  # fmt: skip


def column_kinds(df: pd.DataFrame) -> dict[str, str]:
    """Each column's kind: "numeric", "boolean", "categorical" (at most 50 values) or "text"."""
    return {c: _kind(df[c]) for c in df.columns}


def _kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or isinstance(s.dtype, pd.PeriodDtype):
        return "text"
    values = s.dropna()
    if len(values) == 0:
        return "text"
    if _is_boolean_like(values):
        return "boolean"
    if _is_numeric_like(values):
        return "numeric"
    n_unique = _nunique_capped(values, MAX_CLASSES)
    if n_unique <= MAX_CLASSES and not (n_unique == len(values) and len(values) > 10):
        return "categorical"
    return "text"


def _is_boolean_like(values: pd.Series) -> bool:
    head = values.iloc[:1000]
    if not all(isinstance(v, (bool, np.bool_, str)) for v in head):
        return False
    words = ("true", "false")
    if not head.astype(str).str.strip().str.lower().isin(words).all():
        return False
    return bool(values.astype(str).str.strip().str.lower().isin(words).all())


def _is_numeric_like(values: pd.Series) -> bool:
    """Strings that are all numbers ("0.5", " 3"); a sample is tried first so text fails fast."""
    head = values.iloc[:1000]
    if any(isinstance(v, (bool, np.bool_)) for v in head):
        return False
    if pd.to_numeric(head, errors="coerce").isna().any():
        return False
    return not pd.to_numeric(values, errors="coerce").isna().any()


def _nunique_capped(values: pd.Series, cap: int) -> int:
    """Distinct values, but a cheap lower bound above `cap` when a sample already has more."""
    sample = values.iloc[:20000].nunique()
    if sample > cap:
        return sample
    return values.nunique()


def _norm(name: object) -> str:
    return re.sub(r"[^a-z0-9_]", "", str(name).lower())


def label_candidates(df: pd.DataFrame) -> list[str]:
    """Columns usable as class labels (2..50 distinct values), best guess first."""
    found = []
    for pos, c in enumerate(df.columns):
        s = df[c].dropna()
        n = _nunique_capped(s, MAX_CLASSES)
        if not 2 <= n <= MAX_CLASSES or (n == len(s) and n > 2):
            continue  # every value different: an identifier or a measurement, not a class
        kind = _kind(df[c])
        if kind == "numeric" and not _integer_valued(s):
            name_rank = 3  # a float column with few values: possible, but unlikely
        else:
            name_rank = _label_name_rank(c)
        found.append(((name_rank, n != 2, pos), c))
    return [c for _, c in sorted(found, key=lambda t: t[0])]


def _label_name_rank(name: object) -> int:
    norm = _norm(name)
    if norm in _LABEL_NAMES:
        return 0
    if any(w in norm for w in ("label", "class", "target", "truth", "signal")):
        return 1
    if any(w in norm for w in _SCORE_WORDS):
        return 3
    return 2


def _integer_valued(s: pd.Series) -> bool:
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    values = values[np.isfinite(values)]
    return bool(np.all(values == np.round(values)))


def score_candidates(df: pd.DataFrame, label: str | None = None) -> list[str]:
    """Numeric (or boolean) columns other than `label`, likely scores first."""
    kinds = column_kinds(df)
    found = []
    for pos, (c, kind) in enumerate(kinds.items()):
        if c == label or kind not in ("numeric", "boolean") or not df[c].notna().any():
            continue  # an entirely empty column is no score (it reads as numeric: all NaN)
        norm = _norm(c)
        if any(w in norm for w in _SCORE_WORDS):
            rank = 0
        elif _is_index_like_name(c) or norm in _LABEL_NAMES:
            rank = 2
        else:
            rank = 1
        found.append(((rank, pos), c))
    return [c for _, c in sorted(found)]


def label_values(series: pd.Series) -> list:
    """The distinct non-missing values of `series`, sorted, as plain Python values."""
    _, uniques = pd.factorize(series, use_na_sentinel=True)
    return sorted((_py(v) for v in uniques), key=_sort_key)


def default_positive(values: list):
    """The value most likely meant as the positive class (1, True, "signal", "yes", …), else the last."""
    values = list(values)
    if not values:
        raise ValueError("There are no label values to choose a positive class from.")
    for v in values:
        if isinstance(v, (bool, np.bool_)) and bool(v):
            return v
    numbers = [v for v in values if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)]
    if numbers and len(numbers) == len(values) and set(numbers) <= {-1, 0, 1} and 1 in numbers:
        return next(v for v in values if v == 1)
    words = {str(v).strip().lower(): v for v in values if isinstance(v, str)}
    for w in _POSITIVE_WORDS:
        if w in words:
            return words[w]
    return sorted(values, key=_sort_key)[-1]



def _to_float(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values with NaN for missing, mask of cells that are present but not numbers)."""
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        arr = s.to_numpy(dtype="float64", na_value=np.nan)
        return arr, np.zeros(len(arr), dtype=bool)
    present = s.notna().to_numpy()
    text = s.astype("str").str.strip().str.lower()
    arr = np.array(pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan))
    is_true = (text == "true").to_numpy(dtype=bool, na_value=False)
    is_false = (text == "false").to_numpy(dtype=bool, na_value=False)
    bools = [isinstance(v, (bool, np.bool_)) for v in s.iloc[:1000]] if s.dtype == object else []
    if any(bools):
        obj = s.to_numpy(dtype=object)
        is_true |= np.fromiter((v is True or v is np.True_ for v in obj), bool, len(obj))
        is_false |= np.fromiter((v is False or v is np.False_ for v in obj), bool, len(obj))
    arr[is_true] = 1.0
    arr[is_false] = 0.0
    na_word = text.isin(_NA_WORDS).to_numpy(dtype=bool, na_value=True)
    bad = present & np.isnan(arr) & ~na_word
    return arr, bad



def feature_candidates(df: pd.DataFrame, target: str) -> list[str]:
    """Columns usable as features for predicting `target`: not the target, not free text, not row ids.

    For an SDSS ugriz table the colours u-g, g-r, r-i, i-z are offered too; to_dataset derives them.
    """
    kinds = column_kinds(df)
    out = [
        c
        for c in df.columns
        if c != target and kinds[c] != "text" and not (_is_index_like_name(c) and df[c].is_unique)
    ]
    if has_ugriz(df):
        out += [c for c in COLOURS if c not in out and c != target]
    return out


def _is_index_like_name(name: object) -> bool:
    norm = _norm(name)
    return norm in _ID_NAMES or norm.endswith("_id") or bool(re.fullmatch(r"unnamed: \d+", str(name).lower()))



# ---------------------------------------------------------------------------------------------
# Default features: what a scientist would choose (no ids, no bookkeeping, no leaks)
# ---------------------------------------------------------------------------------------------

LEAK_SUBSAMPLE = 5000  # rows (seeded) on which the leak test fits its trees
LEAK_TREE_SHARE = 0.99  # a column alone reaching this share of the all-features tree's score leaks...
LEAK_TREE_FLOOR = 0.98  # ...when its own held-out balanced accuracy is also at least this
LEAK_CORRELATION = 0.99  # |Pearson| or |Spearman| with a numeric target at or above this leaks
LARGE_INTEGER = 1e9  # integral values all this large are identifiers (SDSS objid as 1.23764870457714E+018)

# Reasons shown to the user, one short phrase each.
IDENTIFIER = "identifier"
ROW_NUMBER = "row number"
BOOKKEEPING = "survey bookkeeping"
SKY_POSITION = "sky position"
SIBLING_TARGET = "another target of this table"
TEXT = "text"
EMPTY = "empty"
CONSTANT = "constant (one value)"
NOT_PHOTOMETRY = "not ugriz photometry (an SDSS table's defaults are u, g, r, i, z and the colours)"

_ROW_NAMES = frozenset({"index", "idx", "rowid", "row", "rownum", "rownumber", "row_number", "row_id", "level_0"})
_IDENTIFIER_NAMES = frozenset({"id", "objid", "specobjid", "objectid", "uid", "bestobjid", "targetobjid",
                               "photoobjid", "specid", "sourceid", "source_id", "thingid", "fluxobjid"})  # fmt: skip
_BOOKKEEPING_NAMES = frozenset({"plate", "mjd", "fiberid", "fiber", "run", "rerun", "camcol", "field", "tile",
                                "plateid", "fieldid", "obsid", "objnum"})  # fmt: skip
_SKY_NAMES = frozenset({"ra", "dec", "radeg", "decdeg", "ra_deg", "dec_deg", "raj2000", "dej2000", "decj2000"})
# Known targets of the same table: with the key as target, these columns are other answers, not inputs.
_SIBLING_TARGETS = {
    "class": ("redshift", "z", "subclass", "zerr", "z_err", "zwarning"),
    "subclass": ("class", "redshift", "z", "zerr", "z_err", "zwarning"),
    "redshift": ("class", "subclass", "zerr", "z_err", "zwarning"),
    "z": ("class", "subclass", "zerr", "z_err", "zwarning"),
}


@dataclass(frozen=True)
class FeatureSuggestion:
    """The default features for a target, and every other column with the short reason it was left out.

    `features` may include the SDSS colours u-g, g-r, r-i, i-z when the table has u, g, r, i, z
    (`sdss` is then True); `to_dataset` derives them. `left_out` maps column -> reason, in table order.
    """

    features: list[str]
    left_out: dict[str, str]
    sdss: bool

    def line(self, limit: int = 6) -> str:
        """One sentence for the page: "Left out: objid (identifier), ra, dec (sky position), …"."""
        if not self.left_out:
            return ""
        groups: dict[str, list[str]] = {}
        for c, why in self.left_out.items():
            groups.setdefault(why, []).append(str(c))
        parts = []
        for why, cols in groups.items():
            shown = ", ".join(cols[:limit]) + (f" and {len(cols) - limit} more" if len(cols) > limit else "")
            parts.append(f"{shown} ({why})")
        return "Left out: " + "; ".join(parts) + "."


def suggest_features(
    df: pd.DataFrame, target: str | None, task: str | None = None, *, leaks: bool = True
) -> FeatureSuggestion:
    """The features a scientist would choose to predict `target` (None: no target, e.g. for clustering).

    Left out, with a reason: identifiers and survey bookkeeping (by name: *id, objid, plate, mjd,
    fiberid, run, rerun, camcol, field, ra, dec, row numbers; and by content: monotone or near-unique
    integers, and integers too large to be measurements, such as SDSS ids written 1.23764870457714E+018),
    free text, empty and constant columns; and, with a target, other known targets of the table
    (redshift for class, class for redshift) and columns that alone predict the target almost
    perfectly (see `leaking_columns`). For an SDSS ugriz table the defaults are u, g, r, i, z and
    the colours u-g, g-r, r-i, i-z.

    `leaks=False` skips the leak test (not the sibling targets): for curated built-in sets, where
    a feature that alone separates the classes (the `linear` set's x1) is the lesson, not a leak.
    `task` ("binary", "multiclass", "regression"; None: inferred) says how the leak test scores.
    """
    if target is not None and target not in df.columns:
        raise ValueError(f'There is no column "{target}" to predict. Choose one of the table\'s columns.')
    left_out = id_like_columns(df, exclude=target)
    sdss = has_ugriz(df)
    if target is not None:
        for c in _sibling_targets(df, target, sdss):
            left_out.setdefault(c, SIBLING_TARGET)
    candidates = [c for c in df.columns if c != target and c not in left_out]
    if sdss:
        photometry = [b for b in BANDS if b != target]
        photometry += [c for c in COLOURS if target not in c.split("-") and c != target]
        for c in candidates:
            if c not in photometry:
                left_out.setdefault(c, NOT_PHOTOMETRY)
        candidates = photometry
    if target is not None and leaks:
        leaking = leaking_columns(df, target, task, columns=candidates)
        left_out.update(leaking)
        candidates = [c for c in candidates if c not in leaking]
    order = {c: i for i, c in enumerate(df.columns)}
    left_out = dict(sorted(left_out.items(), key=lambda kv: order.get(kv[0], len(order))))
    return FeatureSuggestion(features=list(candidates), left_out=left_out, sdss=sdss)


def id_like_columns(df: pd.DataFrame, exclude: str | None = None) -> dict[str, str]:
    """Columns that are not measurements: ids, row numbers, survey bookkeeping, sky position, text, empty.

    Returns column -> reason. Needs no target, so it is also the whole rule set for unsupervised pages.
    """
    out: dict[str, str] = {}
    for c in df.columns:
        if c == exclude:
            continue
        why = _not_a_measurement(c, df[c])
        if why:
            out[c] = why
    return out


def _not_a_measurement(name: object, s: pd.Series) -> str | None:
    norm = _norm(name)
    raw = str(name).strip().lower()
    values = s.dropna()
    if len(values) == 0:
        return EMPTY
    kind = _kind(s)
    numeric = kind in ("numeric", "boolean")
    arr = _to_float(values)[0] if kind == "numeric" else None
    finite = arr[np.isfinite(arr)] if arr is not None else None
    integral = finite is not None and len(finite) > 0 and bool(np.all(finite == np.round(finite)))
    if norm in _ROW_NAMES or re.fullmatch(r"unnamed: \d+", raw) or raw == "":
        if integral or kind == "text" or values.is_unique:
            return ROW_NUMBER
    if norm in _BOOKKEEPING_NAMES and (integral or not numeric):
        return BOOKKEEPING
    if norm in _IDENTIFIER_NAMES or norm.endswith("_id"):
        return IDENTIFIER
    if norm.endswith("id") and (integral or kind in ("text", "categorical")):
        return IDENTIFIER  # *id: objid, bestobjid, ... (a float measurement named "fluid" stays)
    if norm in _SKY_NAMES and numeric:
        return SKY_POSITION
    if kind == "text":
        return TEXT
    if _is_constant(values, arr):
        return CONSTANT
    if integral:
        if np.abs(finite).min() >= LARGE_INTEGER:
            return IDENTIFIER  # only ids are integers this large; as floats they even lose their uniqueness
        n = len(finite)
        if n >= 20:
            steps = np.diff(arr) if len(arr) == len(finite) else np.diff(finite)
            if (steps > 0).all() or (steps < 0).all():
                return ROW_NUMBER if _looks_like_row_numbers(finite) else IDENTIFIER
            if len(np.unique(finite)) >= 0.95 * n:
                return IDENTIFIER
    return None


def _is_constant(values: pd.Series, arr: np.ndarray | None) -> bool:
    """One value in every (non-missing) row; min == max for numbers, so no hashing of 100k values."""
    if arr is not None:
        return bool(arr.min() == arr.max()) if len(arr) else True
    first = values.iloc[0]
    return bool((values == first).all())


def _looks_like_row_numbers(values: np.ndarray) -> bool:
    steps = np.diff(values)
    return bool(np.all(np.abs(steps) == 1) and abs(values[0]) <= 1)


def _sibling_targets(df: pd.DataFrame, target: str, sdss: bool) -> list[str]:
    siblings = _SIBLING_TARGETS.get(_norm(target), ())
    if sdss:  # in a ugriz table "z" is the z-band magnitude, not the redshift
        siblings = tuple(s for s in siblings if s != "z")
        if _norm(target) == "z":
            return []
    return [c for c in df.columns if c != target and _norm(c) in siblings]


def leaking_columns(
    df: pd.DataFrame, target: str, task: str | None = None, *, columns: list[str] | None = None
) -> dict[str, str]:
    """Columns that alone predict `target` almost perfectly: column -> reason.

    A class target (binary / multiclass): a depth-limited tree on the column alone, fitted on half
    of a seeded subsample of at most 5,000 rows and scored on the other half (balanced accuracy),
    reaches at least 0.99 of the all-columns tree's score and at least 0.98 itself. A numeric target
    (regression): |Pearson| or |Spearman| correlation at least 0.99. `columns` defaults to every
    column but the target; for a ugriz table the colours u-g, ... may be named and are derived.
    """
    if target not in df.columns:
        raise ValueError(f'There is no column "{target}" to predict. Choose one of the table\'s columns.')
    if columns is None:
        columns = [c for c in df.columns if c != target]
    columns = [c for c in columns if c != target]
    t = df[target]
    keep = t.notna().to_numpy()
    n_keep = int(keep.sum())
    if n_keep < 20 or not columns:
        return {}
    rows = np.flatnonzero(keep)
    if len(rows) > LEAK_SUBSAMPLE:
        rows = np.sort(np.random.default_rng(0).choice(rows, LEAK_SUBSAMPLE, replace=False))
    X = _numeric_matrix(df, columns, rows)
    if X.shape[1] == 0:
        return {}
    t = t.iloc[rows]
    if task is None:
        kind = _kind(t)
        task = "regression" if kind == "numeric" and t.nunique() > 20 else "classification"
    if task == "regression":
        y = _to_float(t)[0]
        return _correlation_leaks(X, y, columns)
    codes = pd.factorize(t)[0]
    if len(np.unique(codes)) < 2:
        return {}
    return _tree_leaks(X, codes, columns)


def _numeric_matrix(df: pd.DataFrame, columns: list[str], rows: np.ndarray) -> np.ndarray:
    """The columns (at `rows`) as float64, categories as codes, colours derived, ±inf and ±1e100+ as NaN."""
    from ml.tables.values import unusable

    sub = df.iloc[rows]
    out = np.empty((len(rows), len(columns)))
    for j, c in enumerate(columns):
        if c in sub.columns:
            s = sub[c]
            kind = _kind(s)
            if kind in ("numeric", "boolean"):
                col = _to_float(s)[0]
            else:
                codes = pd.factorize(s)[0].astype(float)
                codes[codes < 0] = np.nan
                col = codes
        elif c in COLOURS and has_ugriz(sub):
            a, b = c.split("-")
            col = _to_float(sub[a])[0] - _to_float(sub[b])[0]
        else:
            col = np.full(len(rows), np.nan)
        out[:, j] = col
    out[unusable(out)] = np.nan  # ±inf and beyond ±1e100: a tree's float32 cannot hold them
    return out


def _tree_leaks(X: np.ndarray, y: np.ndarray, columns: list[str]) -> dict[str, str]:
    """Columns whose single-feature tree scores (held out) near-perfectly and as well as all columns."""
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.tree import DecisionTreeClassifier

    n = len(y)
    order = np.random.default_rng(1).permutation(n)
    train, test = order[: n // 2], order[n // 2 :]
    k = int(y.max()) + 1
    leaves = int(min(max(8, 2 * k), 128))

    def score(cols: list[int]) -> float:
        tree = DecisionTreeClassifier(max_leaf_nodes=leaves, min_samples_leaf=2, random_state=0)
        tree.fit(X[np.ix_(train, cols)], y[train])
        return float(balanced_accuracy_score(y[test], tree.predict(X[np.ix_(test, cols)])))

    usable = [j for j in range(X.shape[1]) if np.isfinite(X[train, j]).any()]
    # A cheap screen first (a histogram classifier per column, all columns at once): only columns
    # that come close are fitted with a tree, so a table of 1,000 columns costs milliseconds.
    screen = _binned_scores(X, y, train, test, k)
    suspects = [j for j in usable if screen[j] >= _SCREEN_FLOOR]
    if not suspects:
        return {}
    full = score(usable)
    out = {}
    for j in suspects:
        alone = score([j])
        if alone >= LEAK_TREE_FLOOR and alone >= LEAK_TREE_SHARE * full:
            share = alone / full if full > 0 else 1.0
            out[columns[j]] = f"leaks the target: alone predicts it (tree score {min(share, 1.0):.2f} of full)"
    return out


_SCREEN_BINS = 32
_SCREEN_FLOOR = 0.85  # a histogram of 32 (or 2 per class) quantile bins reaching this is worth a tree


def _binned_scores(X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, k: int) -> np.ndarray:
    """Held-out balanced accuracy of a majority-class-per-quantile-bin classifier, for every column."""
    bins = max(_SCREEN_BINS, min(2 * k, 128))  # room for every class of a many-class target
    n_bins = bins + 1  # the last bin holds missing values
    qs = np.linspace(0, 1, bins + 1)[1:-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        edges = np.nanquantile(X[train], qs, axis=0)  # (bins - 1, p)
    p = X.shape[1]
    scores = np.zeros(p)
    y_train, y_test = y[train], y[test]
    per_class = np.bincount(y_test, minlength=k).astype(float)
    present = per_class > 0
    for j in range(p):
        col_edges = edges[:, j]
        if not np.isfinite(col_edges).all():
            continue
        b_train = _bin(X[train, j], col_edges)
        b_test = _bin(X[test, j], col_edges)
        counts = np.bincount(b_train * k + y_train, minlength=n_bins * k).reshape(n_bins, k)
        majority = counts.argmax(axis=1)
        right = majority[b_test] == y_test
        recall = np.bincount(y_test[right], minlength=k) / np.maximum(per_class, 1)
        scores[j] = recall[present].mean()
    return scores


def _bin(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    out = np.searchsorted(edges, values, side="right")
    out[np.isnan(values)] = len(edges) + 1
    return out


def _correlation_leaks(X: np.ndarray, y: np.ndarray, columns: list[str]) -> dict[str, str]:
    """Columns whose |Pearson| or |Spearman| correlation with the numeric target is at least 0.99."""
    ok_y = np.isfinite(y)
    out = {}
    complete = np.isfinite(X).all(axis=0)
    r_pearson = np.full(X.shape[1], np.nan)
    r_spearman = np.full(X.shape[1], np.nan)
    rows = ok_y
    if complete.any() and rows.sum() >= 20:  # all complete columns at once
        A, b = X[np.ix_(rows, complete)], y[rows]
        r_pearson[complete] = _corr_columns(A, b)
        r_spearman[complete] = _corr_columns(_ranks(A), _ranks(b[:, None])[:, 0])
    for j in np.flatnonzero(~complete):  # columns with gaps: their own complete rows
        ok = np.isfinite(X[:, j]) & ok_y
        if ok.sum() >= 20:
            a, b = X[ok, j][:, None], y[ok]
            r_pearson[j] = _corr_columns(a, b)[0]
            r_spearman[j] = _corr_columns(_ranks(a), _ranks(b[:, None])[:, 0])[0]
    for j, c in enumerate(columns):
        rp, rs = r_pearson[j], r_spearman[j]
        if not (np.isfinite(rp) or np.isfinite(rs)):
            continue
        r = rp if np.isfinite(rp) and (not np.isfinite(rs) or abs(rp) >= abs(rs)) else rs
        if abs(r) >= LEAK_CORRELATION:
            out[c] = f"leaks the target: correlation {r:+.3f} with it"
    return out


def _corr_columns(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of A with b (NaN where a column or b does not vary)."""
    A = A - A.mean(axis=0)
    b = b - b.mean()
    denom = np.sqrt((A * A).sum(axis=0) * (b * b).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (A * b[:, None]).sum(axis=0) / denom
    r[denom == 0] = np.nan
    return r


def _ranks(A: np.ndarray) -> np.ndarray:
    """Average ranks down each column (ties share their mean rank), as Spearman's correlation needs."""
    from scipy.stats import rankdata

    return rankdata(A, axis=0)
