"""Binary-threshold engine: confusion counts and metrics at any cut on a classifier's score.

Built once from (labels, scores) by sorting; after that a threshold is answered in O(log n) by
binary search, and whole curves (ROC, precision-recall, a metric vs threshold) are computed lazily,
once, and cached. Conventions follow scikit-learn's `roc_curve`: a sample is predicted positive
iff ``score >= t`` (``score <= t`` with ``higher_is_positive=False``); tied scores move together.

Undefined ratios follow scikit-learn's ``zero_division=0``: precision is 0 when nothing is
predicted positive, and F-scores are 0 when precision and recall are both 0. MCC is 0 when any
margin of the confusion matrix is empty. Background rejection (1/FPR) is ``inf`` when FPR is 0.

Memory: the engine keeps only the positive and the negative scores, each sorted (8 bytes a
sample). The per-distinct-threshold counts (for curves, tables and pickers) are built on first
use and cached.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["BROWSER_BUDGET", "BrowserCounts", "Counts", "ThresholdEngine", "flag_counts", "thin", "METRICS", "PICKABLE"]  # fmt: skip

METRICS = (
    "threshold",
    "tp",
    "fp",
    "tn",
    "fn",
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "tpr",
    "signal_efficiency",
    "specificity",
    "fpr",
    "background_efficiency",
    "background_rejection",
    "fnr",
    "f1",
    "fbeta",
    "mcc",
    "youden_j",
    "predicted_positive_rate",
)
"""Keys of `ThresholdEngine.metrics`, in order (also the columns of `ThresholdEngine.table`)."""

PICKABLE = ("fbeta", "f1", "youden_j", "mcc", "accuracy", "balanced_accuracy")
"""Metrics `ThresholdEngine.best_threshold` can maximise."""


class Counts(NamedTuple):
    """Confusion-matrix counts at one threshold."""

    tp: int
    fp: int
    tn: int
    fn: int


# --------------------------------------------------------------------------------------------
# validation helpers


def _as_labels(y_true) -> np.ndarray:
    """Return `y_true` as a 1-D bool array, or raise ValueError."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(
            f"y_true must be 1-D (one label per sample); got an array of shape {y.shape}. "
            "Pass a single column, e.g. y.ravel() or df['label']."
        )
    if y.dtype == bool:
        return y
    if y.dtype.kind in "iuf":
        ok = (y == 0) | (y == 1)
        if not ok.all():
            bad = y[~ok]
            raise ValueError(
                f"y_true must hold bool or 0/1 labels (1 = positive); got {bad.size} other values, "
                f"e.g. {bad[:3].tolist()}. Map the positive class to 1 and the rest to 0, e.g. y == 'signal'."
            )
        return y == 1
    sample = y[:3].tolist()
    raise ValueError(
        f"y_true must hold bool or 0/1 labels (1 = positive); got dtype {y.dtype} (e.g. {sample}). "
        "Map the positive class to 1 and the rest to 0, e.g. y == 'signal'."
    )


def _as_scores(scores) -> np.ndarray:
    """Return `scores` as a 1-D finite float64 array, or raise ValueError."""
    try:
        s = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"scores must be real numbers; could not convert them to floats ({exc}). "
            "Pass the classifier's decision_function or predict_proba[:, 1] output."
        ) from None
    if s.ndim != 1:
        raise ValueError(
            f"scores must be 1-D (one score per sample); got an array of shape {s.shape}. "
            "For predict_proba output pass the positive column, e.g. proba[:, 1]."
        )
    return s


def _check_threshold(t) -> float:
    """Return `t` as a float (±inf allowed), or raise ValueError for NaN or non-numbers."""
    try:
        t = float(t)
    except (TypeError, ValueError):
        raise ValueError(f"threshold must be a real number; got {t!r}.") from None
    if t != t:
        raise ValueError("threshold is NaN; pass a real number (±inf is allowed).")
    return t


def _real(name: str, value, rule: str, ok) -> float:
    """`value` as a float when ok(it), else ValueError naming `rule`."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not ok(v):
        raise ValueError(f"{name} must be {rule}; got {value!r}.")
    return v


def _check_beta(beta) -> float:
    return _real(
        "beta",
        beta,
        "a positive finite number (1 gives F1, 2 weighs recall more)",
        lambda b: 0 < b < math.inf,
    )


def _check_fraction(name: str, value) -> float:
    return _real(name, value, "a fraction between 0 and 1", lambda v: 0.0 <= v <= 1.0)


def _check_cost(name: str, value) -> float:
    return _real(name, value, "a finite number >= 0 (a cost per wrong call)", lambda v: 0.0 <= v < math.inf)


# --------------------------------------------------------------------------------------------
# metric formulas: one scalar version (fast path for a single threshold) and one vectorised
# version; both evaluate the same expressions in the same order, so they agree to the last bit.


def _scalar_metrics(t: float, tp: int, fp: int, n_pos: int, n_neg: int, beta: float) -> dict[str, float]:
    tn = n_neg - fp
    fn = n_pos - tp
    n = n_pos + n_neg
    tpr = tp / n_pos
    fpr = fp / n_neg
    spec = tn / n_neg
    pp = tp + fp
    precision = tp / pp if pp else 0.0
    b2 = beta * beta
    fbeta = (1 + b2) * tp / (b2 * n_pos + pp)
    f1 = 2 * tp / (n_pos + pp)
    den = float(pp) * float(n_pos) * float(n_neg) * float(tn + fn)
    mcc = (float(tp) * float(tn) - float(fp) * float(fn)) / math.sqrt(den) if den else 0.0
    return {
        "threshold": t,
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "accuracy": (tp + tn) / n,
        "balanced_accuracy": (tpr + spec) / 2,
        "precision": precision,
        "recall": tpr,
        "tpr": tpr,
        "signal_efficiency": tpr,
        "specificity": spec,
        "fpr": fpr,
        "background_efficiency": fpr,
        "background_rejection": n_neg / fp if fp else math.inf,
        "fnr": fn / n_pos,
        "f1": f1,
        "fbeta": fbeta,
        "mcc": mcc,
        "youden_j": tpr - fpr,
        "predicted_positive_rate": pp / n,
    }


def _vector_metric(name: str, tp: np.ndarray, fp: np.ndarray, n_pos: int, n_neg: int, beta: float):
    """One metric (a METRICS key other than 'threshold') at every (tp, fp) pair."""
    n = n_pos + n_neg
    if name == "tp":
        return tp
    if name == "fp":
        return fp
    if name == "tn":
        return n_neg - fp
    if name == "fn":
        return n_pos - tp
    if name == "accuracy":
        return (tp + (n_neg - fp)) / n
    if name == "balanced_accuracy":
        return (tp / n_pos + (n_neg - fp) / n_neg) / 2
    if name in ("precision",):
        pp = tp + fp
        return np.divide(tp, pp, out=np.zeros(tp.shape), where=pp > 0)
    if name in ("recall", "tpr", "signal_efficiency"):
        return tp / n_pos
    if name == "specificity":
        return (n_neg - fp) / n_neg
    if name in ("fpr", "background_efficiency"):
        return fp / n_neg
    if name == "background_rejection":
        return np.divide(n_neg, fp, out=np.full(tp.shape, np.inf), where=fp > 0)
    if name == "fnr":
        return (n_pos - tp) / n_pos
    if name == "f1":
        return 2 * tp / (n_pos + (tp + fp))
    if name == "fbeta":
        b2 = beta * beta
        return (1 + b2) * tp / (b2 * n_pos + (tp + fp))
    if name == "mcc":
        tpf, fpf = tp.astype(np.float64), fp.astype(np.float64)
        tnf, fnf = n_neg - fpf, n_pos - tpf
        den = (tpf + fpf) * float(n_pos) * float(n_neg) * (tnf + fnf)
        num = tpf * tnf - fpf * fnf
        return np.divide(num, np.sqrt(den), out=np.zeros(tp.shape), where=den > 0)
    if name == "youden_j":
        return tp / n_pos - fp / n_neg
    if name == "predicted_positive_rate":
        return (tp + fp) / n
    raise ValueError(f"unknown metric {name!r}; expected one of {list(METRICS[1:])}.")


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _shift(a: np.ndarray) -> np.ndarray:
    """`a` moved one place right, with 0 in front (counts strictly below each distinct score)."""
    out = np.empty_like(a)
    out[0] = 0
    out[1:] = a[:-1]
    return out


# --------------------------------------------------------------------------------------------
# thinning


def _check_max_points(max_points) -> int:
    rule = "an integer >= 2 (the two ends are always kept)"
    ok = lambda v: 2 <= v < math.inf and v == int(v) and not isinstance(max_points, bool)  # noqa: E731
    return int(_real("max_points", max_points, rule, ok))


def _to_unit(v: np.ndarray) -> np.ndarray:
    """`v` scaled to [0, 1] over its finite values; +inf goes to 1, -inf and NaN to 0."""
    fin = np.isfinite(v)
    if fin.all():
        lo, hi = v.min(), v.max()
    elif fin.any():
        lo, hi = v[fin].min(), v[fin].max()
        v = np.clip(np.nan_to_num(v, nan=lo, posinf=hi, neginf=lo), lo, hi)
    else:
        return np.zeros(v.shape)
    return (v - lo) * (1.0 / (hi - lo)) if hi > lo else np.zeros(v.shape)


def _pick(arc_total: float, first_reaching, m: int, must, max_points: int) -> np.ndarray:
    """`must` plus points spread evenly along a curve's arc length, <= max_points in all."""
    must = np.unique(np.asarray(must, dtype=np.intp))
    if must.size > max_points:
        must = np.array([0, m - 1], dtype=np.intp)
    k = max_points - must.size
    if k <= 0:
        return must
    if arc_total > 0:
        picks = first_reaching(np.linspace(0.0, arc_total, k + 2)[1:-1])
    else:  # a curve that never moves: spread by index
        picks = np.linspace(0, m - 1, k + 2).round().astype(np.intp)[1:-1]
    return np.union1d(must, picks)


def _first_reaching_monotone(arc_at, m: int, targets: np.ndarray) -> np.ndarray:
    """First index j < m with arc_at(j) >= target, for each target; arc_at nondecreasing.

    A vectorised binary search: O(len(targets) * log m), touching only the probed indices.
    """
    lo = np.zeros(targets.size, dtype=np.intp)
    hi = np.full(targets.size, m - 1, dtype=np.intp)
    while True:
        open_ = lo < hi
        if not open_.any():
            return lo
        mid = (lo + hi) // 2
        below = arc_at(mid) < targets
        lo = np.where(open_ & below, mid + 1, lo)
        hi = np.where(open_ & ~below, mid, hi)


def _thin_indices(x, y, max_points: int = 2000) -> np.ndarray:
    """Sorted indices (<= max_points) that keep a curve's ends, the extremes of y and its shape."""
    max_points = _check_max_points(max_points)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(
            f"x and y must be 1-D arrays of the same length; got shapes {x.shape} and {y.shape}."
        )
    m = x.size
    if m <= max_points:
        return np.arange(m)
    uy = _to_unit(y)
    must = [0, m - 1, int(np.argmax(uy)), int(np.argmin(uy))]
    # arc length in the L1 norm, each axis scaled to [0, 1]
    steps = np.abs(np.diff(uy))
    del uy
    steps += np.abs(np.diff(_to_unit(x)))
    arc = np.empty(m)
    arc[0] = 0.0
    np.cumsum(steps, out=arc[1:])
    del steps
    return _pick(arc[-1], lambda t: np.minimum(np.searchsorted(arc, t), m - 1), m, must, max_points)


def thin(x, y, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a curve to <= max_points points for drawing.

    Points are spread evenly along the curve's arc length (L1, each axis scaled to [0, 1]), so
    gaps between kept points stay near 1 / max_points of it (save single long segments); the first
    and last points and the minimum and maximum of y are always kept. Short curves come back whole.
    """
    idx = _thin_indices(x, y, max_points)
    return np.asarray(x)[idx], np.asarray(y)[idx]


# --------------------------------------------------------------------------------------------


BROWSER_BUDGET = 40_000
"""Most thresholds sent to the browser for in-browser dragging: 16 bytes each, 0.85 MB as base64."""


class BrowserCounts(NamedTuple):
    """Cumulative TP and FP at chosen thresholds (strictest first), for answering thresholds in a browser.

    A threshold t gets the counts of the last listed threshold at least as strict as t (none: 0, 0).
    ``step == 0``: every distinct threshold is listed, the counts are exact; else they are within
    ``step`` rows of the truth.
    """

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    n_pos: int
    n_neg: int
    higher_is_positive: bool
    step: int

    def counts(self, t: float) -> tuple[int, int]:
        """(TP, FP) at threshold t, by the same binary search the browser runs."""
        sign = 1.0 if self.higher_is_positive else -1.0
        k = int(np.searchsorted(-sign * self.thresholds, -sign * t, side="right"))
        return (int(self.tp[k - 1]), int(self.fp[k - 1])) if k else (0, 0)

    def flagged_threshold(self, k: int) -> float:
        """The first listed threshold (strictest first) at which at least `k` rows are predicted positive
        (TP + FP >= k), or the loosest one: the browser's search for a contamination. With every distinct
        score listed (``step == 0``) and higher scores positive it is exactly the score of the k-th highest
        row, the rule of ``ml.detectors.threshold_for``."""
        total = self.tp.astype(np.int64) + self.fp
        j = int(np.searchsorted(total, int(k), side="left"))
        return float(self.thresholds[min(j, self.thresholds.size - 1)])

    def payload(self) -> dict:
        """JSON-ready: arrays as base64 of little-endian float64 / uint32, the rest as numbers."""
        import base64

        def b64(a: np.ndarray, dtype: str) -> str:
            return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")

        return {
            "thr": b64(self.thresholds, "<f8"),
            "tp": b64(self.tp, "<u4"),
            "fp": b64(self.fp, "<u4"),
            "n": int(self.thresholds.size),
            "n_pos": self.n_pos,
            "n_neg": self.n_neg,
            "higher": self.higher_is_positive,
            "step": self.step,
        }


class ThresholdEngine:
    """Confusion counts and metrics at any threshold on a binary classifier's scores.

    `y_true`: bool or 0/1 labels (1 = positive, "signal"). `scores`: finite real numbers.
    With ``higher_is_positive=False`` a sample is predicted positive when ``score <= t``;
    all thresholds going in and coming out are in the original score units.

    Attributes: ``n``, ``n_pos``, ``n_neg``, ``score_min``, ``score_max``, ``higher_is_positive`` and
    ``reject_all_threshold`` (just past the strictest score: everything is predicted negative).
    """

    def __init__(self, y_true, scores, *, higher_is_positive: bool = True):
        y = _as_labels(y_true)
        s = _as_scores(scores)
        if y.shape[0] != s.shape[0]:
            raise ValueError(
                f"y_true and scores must have the same length; got {y.shape[0]} labels and "
                f"{s.shape[0]} scores. Pass one score per labelled sample."
            )
        if s.size == 0:
            raise ValueError(
                "y_true and scores are empty (0 samples); need at least one positive and one negative sample."
            )
        n_bad = s.size - int(np.count_nonzero(np.isfinite(s)))
        if n_bad:
            raise ValueError(
                f"scores contain {n_bad} NaN/inf values (of {s.size}); drop those rows or impute "
                "the scores before building the engine."
            )
        n_pos = int(np.count_nonzero(y))
        n_neg = int(y.size - n_pos)
        if n_pos == 0 or n_neg == 0:
            raise ValueError(
                f"need both classes to draw thresholds; got {n_pos} positive and {n_neg} negative "
                "samples. Check which class is 'positive', or use a sample that holds both."
            )
        self.higher_is_positive = bool(higher_is_positive)
        self.n, self.n_pos, self.n_neg = int(y.size), n_pos, n_neg
        # the only O(n) state: each class's scores, sorted ascending, in original units
        self._pos = _readonly(np.sort(s[y]))
        self._neg = _readonly(np.sort(s[~y]))
        self.score_min = float(min(self._pos[0], self._neg[0]))
        self.score_max = float(max(self._pos[-1], self._neg[-1]))
        if self.higher_is_positive:
            self.reject_all_threshold = float(np.nextafter(self.score_max, np.inf))
        else:
            self.reject_all_threshold = float(np.nextafter(self.score_min, -np.inf))

    def __repr__(self) -> str:
        side = ">=" if self.higher_is_positive else "<="
        return (
            f"ThresholdEngine(n={self.n}, n_pos={self.n_pos}, n_neg={self.n_neg}, "
            f"positive iff score {side} t, scores in [{self.score_min:g}, {self.score_max:g}])"
        )

    # ---------------------------------------------------------------- single threshold, O(log n)

    def counts(self, t: float) -> Counts:
        """TP, FP, TN, FN at threshold `t` (any real, ±inf allowed), by binary search."""
        t = _check_threshold(t)
        tp, fp = self._tp_fp(t)
        return Counts(tp, fp, self.n_neg - fp, self.n_pos - tp)

    def _tp_fp(self, t: float) -> tuple[int, int]:
        if self.higher_is_positive:
            return (
                self.n_pos - int(self._pos.searchsorted(t, "left")),
                self.n_neg - int(self._neg.searchsorted(t, "left")),
            )
        return int(self._pos.searchsorted(t, "right")), int(self._neg.searchsorted(t, "right"))

    def metrics(self, t: float, beta: float = 1.0) -> dict[str, float]:
        """Every metric in `METRICS` at threshold `t` (counts as ints, the rest as floats)."""
        t = _check_threshold(t)
        beta = _check_beta(beta)
        tp, fp = self._tp_fp(t)
        return _scalar_metrics(t, tp, fp, self.n_pos, self.n_neg, beta)

    # ---------------------------------------------------------------- all distinct thresholds (lazy)

    @cached_property
    def _curve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(distinct thresholds strictest first, tp, fp at each); built on first use, O(n)."""
        n, n_pos, n_neg = self.n, self.n_pos, self.n_neg
        idt = np.int32 if n < 2**31 else np.int64
        both = np.concatenate((self._pos, self._neg))
        order = np.argsort(both, kind="stable")  # two sorted runs: timsort does one O(n) merge
        is_pos = order < n_pos
        merged = both[order]
        del both, order
        last = np.empty(n, dtype=bool)  # last occurrence of each distinct score
        last[-1] = True
        np.not_equal(merged[1:], merged[:-1], out=last[:-1])
        ends = np.flatnonzero(last)
        del last
        thr = merged[ends]  # ascending
        del merged
        le_pos = np.cumsum(is_pos, dtype=idt)[ends]  # positives scoring <= each distinct score
        del is_pos
        le_neg = (ends + 1).astype(idt) - le_pos
        del ends
        if self.higher_is_positive:  # positive iff score >= u: all but those strictly below u
            tp = (n_pos - _shift(le_pos))[::-1]
            fp = (n_neg - _shift(le_neg))[::-1]
            thr = thr[::-1]
        else:  # positive iff score <= u
            tp, fp = le_pos, le_neg
        return tuple(_readonly(np.ascontiguousarray(a)) for a in (thr, tp, fp))

    def browser_counts(self, budget: int = BROWSER_BUDGET) -> BrowserCounts:
        """The cumulative counts a browser needs to answer any threshold itself while a slider is dragged.

        At most `budget` distinct thresholds: all of them (``step == 0``, exact). Past the budget, a grid
        that keeps the first threshold of every block of `step` = ceil(n / budget) rows (by predicted-
        positive count) and so every threshold whose own tie block moves a count by `step` or more;
        between grid points TP and FP are each off by less than `step` rows (shown as "≈").
        """
        thr, tp, fp = self._curve
        budget = int(budget)
        if budget < 2:
            raise ValueError(f"budget must be at least 2 thresholds, got {budget}.")
        if thr.size <= budget:
            keep, step = np.arange(thr.size), 0
        else:
            step = -(-self.n // (budget - 1))  # ceil: at most `budget` blocks plus the last point
            total = tp.astype(np.int64) + fp
            bucket = total // step
            first = np.flatnonzero(np.diff(bucket, prepend=-1))
            keep = np.union1d(first, [thr.size - 1])
        return BrowserCounts(
            thresholds=np.ascontiguousarray(thr[keep], dtype=np.float64),
            tp=np.ascontiguousarray(tp[keep], dtype=np.uint32),
            fp=np.ascontiguousarray(fp[keep], dtype=np.uint32),
            n_pos=self.n_pos,
            n_neg=self.n_neg,
            higher_is_positive=self.higher_is_positive,
            step=int(step),
        )

    @property
    def thresholds(self) -> np.ndarray:
        """Distinct scores, strictest first (descending when higher is positive). Read-only."""
        return self._curve[0]

    @property
    def nbytes(self) -> int:
        """Bytes held in the engine's arrays, including any curves cached so far."""
        total = self._pos.nbytes + self._neg.nbytes
        if "_curve" in self.__dict__:
            total += sum(a.nbytes for a in self._curve)
        return total

    def _metric_array(self, name: str, beta: float = 1.0) -> np.ndarray:
        _, tp, fp = self._curve
        return _vector_metric(name, tp.astype(np.int64), fp.astype(np.int64), self.n_pos, self.n_neg, beta)

    def table(self, beta: float = 1.0) -> pd.DataFrame:
        """All of `METRICS` at every distinct threshold (one row each, strictest first)."""
        beta = _check_beta(beta)
        thr, tp, fp = self._curve
        tp, fp = tp.astype(np.int64), fp.astype(np.int64)
        cols = {"threshold": np.array(thr)}
        cols.update({k: _vector_metric(k, tp, fp, self.n_pos, self.n_neg, beta) for k in METRICS[1:]})
        return pd.DataFrame(cols)

    def roc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(fpr, tpr, thresholds) exactly as sklearn's ``roc_curve(..., drop_intermediate=False)``.

        Starts at (0, 0) with threshold +inf (-inf when lower scores are positive).
        """
        thr, tp, fp = self._curve
        first = np.inf if self.higher_is_positive else -np.inf
        fpr = np.concatenate(([0.0], fp / self.n_neg))
        tpr = np.concatenate(([0.0], tp / self.n_pos))
        return fpr, tpr, np.concatenate(([first], thr))

    def pr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(precision, recall, thresholds) exactly as sklearn's ``precision_recall_curve``.

        Loosest threshold first; precision/recall end with the extra point (1, 0).
        """
        thr, tp, fp = self._curve
        precision = (tp / (tp + fp))[::-1]  # every distinct threshold selects >= 1
        recall = (tp / self.n_pos)[::-1]
        return np.append(precision, 1.0), np.append(recall, 0.0), thr[::-1].copy()

    @cached_property
    def auc(self) -> float:
        """Area under the ROC curve (ties count half), computed exactly from integer counts."""
        _, tp, fp = self._curve
        tp = np.concatenate(([0], tp)).astype(np.int64)
        fp = np.concatenate(([0], fp)).astype(np.int64)
        twice_area = int(np.sum(np.diff(fp) * (tp[1:] + tp[:-1])))
        return twice_area / (2 * self.n_pos * self.n_neg)

    @cached_property
    def average_precision(self) -> float:
        """Average precision, as sklearn's ``average_precision_score`` (step-wise, no interpolation)."""
        precision, recall, _ = self.pr()
        return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))

    # ---------------------------------------------------------------- drawing helpers

    def curve(self, name: str, max_points: int = 2000, beta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """(thresholds, values) of one metric vs threshold, thinned to <= max_points points."""
        if name not in METRICS[1:]:
            raise ValueError(f"unknown metric {name!r}; expected one of {list(METRICS[1:])}.")
        beta = _check_beta(beta)
        thr = self._curve[0]
        values = self._metric_array(name, beta)
        idx = _thin_indices(thr, values, max_points)
        return thr[idx], values[idx]

    def thinned_roc(self, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`roc()` reduced to <= max_points points (ends and shape kept), for drawing.

        Points are spread evenly along the curve (in FPR + TPR, which only grows); finding them is a
        binary search per point, so this costs O(max_points log n) once the curve is cached.
        """
        max_points = _check_max_points(max_points)
        thr, tp, fp = self._curve
        m = thr.size + 1  # roc() has the extra (0, 0) point in front
        if m <= max_points:
            return self.roc()

        def arc_at(j):  # FPR + TPR at point j of roc()
            k = np.maximum(j - 1, 0)
            return np.where(j > 0, fp[k] / self.n_neg + tp[k] / self.n_pos, 0.0)

        idx = _pick(2.0, lambda t: _first_reaching_monotone(arc_at, m, t), m, [0, m - 1], max_points)
        k = idx[1:] - 1  # idx[0] is always 0
        first = np.inf if self.higher_is_positive else -np.inf
        return (
            np.concatenate(([0.0], fp[k] / self.n_neg)),
            np.concatenate(([0.0], tp[k] / self.n_pos)),
            np.concatenate(([first], thr[k])),
        )

    def thinned_pr(self, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`pr()` reduced to <= max_points points (ends, extremes and shape kept), for drawing.

        As in `pr()`, thresholds has one entry fewer: the final point (recall 0, precision 1) has none.
        """
        precision, recall, thr = self.pr()
        idx = _thin_indices(recall, precision, max_points)
        return precision[idx], recall[idx], thr[idx[idx < thr.size]]

    def histograms(self, bins: int = 60, range=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(edges, positive counts, negative counts) of the scores, as ``np.histogram`` bins them.

        `range` defaults to (score_min, score_max); scores outside it are not counted. Costs
        O(bins log n): the sorted scores are searched at each edge.
        """
        nb = _real("bins", bins, "a positive integer", lambda v: 1 <= v < math.inf and v == int(v))
        if range is None:
            lo, hi = self.score_min, self.score_max
        else:
            try:
                lo, hi = (float(v) for v in range)
            except (TypeError, ValueError):
                raise ValueError(f"range must be a pair (low, high) of numbers; got {range!r}.") from None
            if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
                raise ValueError(f"range must be finite with low <= high; got {range!r}.")
        edges = np.histogram_bin_edges(np.array([lo, hi]), bins=int(nb), range=(lo, hi))

        def _count(a):
            idx = a.searchsorted(edges, "left")
            idx[-1] = a.searchsorted(edges[-1], "right")  # the last bin is closed, as in np.histogram
            return np.diff(idx)

        return edges, _count(self._pos), _count(self._neg)

    # ---------------------------------------------------------------- pickers

    def _candidates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reject-all threshold followed by the distinct thresholds, with tp and fp at each."""
        thr, tp, fp = self._curve
        return (
            np.concatenate(([self.reject_all_threshold], thr)),
            np.concatenate(([0], tp)).astype(np.int64),
            np.concatenate(([0], fp)).astype(np.int64),
        )

    def best_threshold(self, metric: str = "fbeta", beta: float = 1.0) -> float:
        """The distinct score that maximises `metric` (one of `PICKABLE`); the strictest on ties.

        Predicting everything negative (`reject_all_threshold`) is returned only when it is
        strictly better than every distinct score (possible for accuracy).
        """
        if metric not in PICKABLE:
            raise ValueError(f"best_threshold: metric must be one of {list(PICKABLE)}; got {metric!r}.")
        beta = _check_beta(beta)
        thr = self._curve[0]
        values = self._metric_array(metric, beta)
        i = int(np.argmax(values))
        none = _scalar_metrics(self.reject_all_threshold, 0, 0, self.n_pos, self.n_neg, beta)[metric]
        if none > values[i]:
            return self.reject_all_threshold
        return float(thr[i])

    def threshold_for_tpr(self, target: float) -> float:
        """The strictest threshold whose TPR (signal efficiency) is >= `target`.

        `target` = 0 gives `reject_all_threshold`.
        """
        target = _check_fraction("target TPR", target)
        thr, tp, _ = self._candidates()
        i = int(np.searchsorted(tp / self.n_pos, target, "left"))  # TPR never decreases as t loosens
        return float(thr[min(i, thr.size - 1)])

    def threshold_for_fpr(self, target: float) -> float:
        """The loosest threshold whose FPR (background efficiency) is <= `target`.

        When every distinct score lets more background through, that is `reject_all_threshold`.
        """
        target = _check_fraction("target FPR", target)
        thr, _, fp = self._candidates()
        i = int(np.searchsorted(fp / self.n_neg, target, "right")) - 1
        return float(thr[max(i, 0)])

    def min_cost_threshold(
        self, cost_fp: float, cost_fn: float, prior_pos: float | None = None
    ) -> tuple[float, float]:
        """(threshold, expected cost per sample) minimising
        ``cost_fp * FPR * (1 - prior) + cost_fn * FNR * prior``.

        `prior_pos` (the positive rate where the classifier will be used) defaults to n_pos / n.
        Candidates are the distinct scores and `reject_all_threshold`; the strictest wins ties.
        """
        cost_fp, cost_fn = _check_cost("cost_fp", cost_fp), _check_cost("cost_fn", cost_fn)
        prior = self.n_pos / self.n if prior_pos is None else _check_fraction("prior_pos", prior_pos)
        thr, tp, fp = self._candidates()
        cost = cost_fp * (fp / self.n_neg) * (1 - prior) + cost_fn * ((self.n_pos - tp) / self.n_pos) * prior
        i = int(np.argmin(cost))
        return float(thr[i]), float(cost[i])


def flag_counts(scores, y=None, *, budget: int = BROWSER_BUDGET) -> BrowserCounts:
    """Browser counts for "flag a row when its score >= t" (anomaly scores, higher = more anomalous).

    With 0/1 labels `y` these are the engine's (`ThresholdEngine(y, scores).browser_counts`); without
    labels every row counts as a positive: ``tp`` = rows flagged at each threshold, ``fp`` = 0,
    ``n_pos`` = rows, ``n_neg`` = 0. Same grid rule past `budget` distinct scores.
    """
    if y is not None:
        return ThresholdEngine(y, scores).browser_counts(budget)
    s = _as_scores(scores)
    if s.size == 0:
        raise ValueError("scores are empty (0 rows); need at least one score.")
    if not np.isfinite(s).all():
        raise ValueError("scores contain NaN/inf values; drop those rows before thresholding them.")
    budget = int(budget)
    if budget < 2:
        raise ValueError(f"budget must be at least 2 thresholds, got {budget}.")
    values, counts = np.unique(s, return_counts=True)
    thr = values[::-1]  # strictest (highest) first
    total = np.cumsum(counts[::-1])  # rows scoring >= each distinct score
    if thr.size <= budget:
        keep, step = np.arange(thr.size), 0
    else:
        step = -(-s.size // (budget - 1))
        first = np.flatnonzero(np.diff(total // step, prepend=-1))
        keep = np.union1d(first, [thr.size - 1])
    return BrowserCounts(
        thresholds=np.ascontiguousarray(thr[keep], dtype=np.float64),
        tp=np.ascontiguousarray(total[keep], dtype=np.uint32),
        fp=np.zeros(keep.size, dtype=np.uint32),
        n_pos=int(s.size),
        n_neg=0,
        higher_is_positive=True,
        step=int(step),
    )
