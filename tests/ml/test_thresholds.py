"""ThresholdEngine against scikit-learn's metrics, on tied scores, in both score directions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from ml.thresholds import METRICS, PICKABLE, Counts, ThresholdEngine, thin

DIRECTIONS = [True, False]


def make_data(seed: int, n: int = 400, decimals: int = 1, pos_rate: float = 0.35):
    """Labels and rounded (hence heavily tied) scores that separate the classes a little."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < pos_rate
    y[:2] = [True, False]
    s = np.round(rng.normal(size=n) + 1.2 * y, decimals)
    return y.astype(int), s


def sk_scores(s, hip):
    """Scores as sklearn sees them (higher = positive)."""
    return s if hip else -s


def predict(s, t, hip):
    return (s >= t) if hip else (s <= t)


def probe_thresholds(e: ThresholdEngine, s, n_scores: int = 12, n_mids: int = 8):
    """Distinct scores, midpoints between them, values outside the range, ±inf, reject-all."""
    u = np.unique(s)
    mids = (u[1:] + u[:-1]) / 2
    return [
        *u[:: max(1, u.size // n_scores)],
        *mids[:: max(1, mids.size // n_mids)],
        u[0] - 5,
        u[-1] + 5,
        u[0],
        u[-1],
        np.inf,
        -np.inf,
        e.reject_all_threshold,
    ]


@pytest.fixture(params=[(seed, hip) for seed in (0, 1, 2) for hip in DIRECTIONS], ids=str)
def case(request):
    seed, hip = request.param
    y, s = make_data(seed, decimals=1 if seed != 2 else 0)
    return y, s, hip, ThresholdEngine(y, s, higher_is_positive=hip)


# ------------------------------------------------------------------------------- counts & metrics


def test_counts_match_confusion_matrix(case):
    y, s, hip, e = case
    for t in probe_thresholds(e, s):
        tn, fp, fn, tp = skm.confusion_matrix(y, predict(s, t, hip), labels=[0, 1]).ravel()
        c = e.counts(t)
        assert isinstance(c, Counts)
        assert c == (tp, fp, tn, fn), t
        assert all(type(v) is int for v in c)


def test_metrics_match_sklearn(case):
    y, s, hip, e = case
    for t in probe_thresholds(e, s, n_scores=5, n_mids=3):  # ~9 sklearn calls per threshold: fewer probes
        yp = predict(s, t, hip)
        m = e.metrics(t, beta=0.5)
        assert list(m) == list(METRICS)
        assert m["threshold"] == t
        approx = lambda v: pytest.approx(v, rel=1e-12, abs=1e-15)  # noqa: E731
        assert m["accuracy"] == approx(skm.accuracy_score(y, yp))
        assert m["balanced_accuracy"] == approx(skm.balanced_accuracy_score(y, yp))
        assert m["precision"] == approx(skm.precision_score(y, yp, zero_division=0))
        assert m["recall"] == m["tpr"] == m["signal_efficiency"] == approx(skm.recall_score(y, yp))
        assert m["specificity"] == approx(skm.recall_score(y, yp, pos_label=0))
        assert m["f1"] == approx(skm.f1_score(y, yp, zero_division=0))
        assert m["fbeta"] == approx(skm.fbeta_score(y, yp, beta=0.5, zero_division=0))
        assert m["mcc"] == approx(skm.matthews_corrcoef(y, yp))
        tn, fp, fn, tp = skm.confusion_matrix(y, yp, labels=[0, 1]).ravel()
        assert m["fpr"] == m["background_efficiency"] == fp / (fp + tn)
        assert m["fnr"] == fn / (fn + tp)
        assert m["youden_j"] == approx(tp / (tp + fn) - fp / (fp + tn))
        assert m["predicted_positive_rate"] == yp.mean()
        assert m["background_rejection"] == (math.inf if fp == 0 else (fp + tn) / fp)


def test_fbeta_betas_and_no_predicted_positives():
    y, s = make_data(5)
    e = ThresholdEngine(y, s)
    for beta in (0.25, 1.0, 2.0, 3.0):
        t = float(np.median(s))
        assert e.metrics(t, beta)["fbeta"] == pytest.approx(skm.fbeta_score(y, s >= t, beta=beta), rel=1e-12)
    m = e.metrics(e.reject_all_threshold)
    assert (m["tp"], m["fp"]) == (0, 0)
    assert m["precision"] == m["f1"] == m["fbeta"] == m["mcc"] == 0.0  # zero_division=0 convention
    assert m["background_rejection"] == math.inf
    m = e.metrics(-np.inf)  # everything positive: MCC's denominator is 0
    assert (m["tn"], m["fn"]) == (0, 0) and m["mcc"] == 0.0 and m["recall"] == 1.0


def test_table_rows_equal_scalar_metrics(case):
    y, s, hip, e = case
    tab = e.table(beta=2.0)
    assert list(tab.columns) == list(METRICS)
    assert len(tab) == np.unique(s).size
    np.testing.assert_array_equal(tab["threshold"].to_numpy(), e.thresholds)
    rows = pd.DataFrame([e.metrics(t, beta=2.0) for t in e.thresholds])
    pd.testing.assert_frame_equal(tab, rows, check_exact=True, check_dtype=False)


def test_thresholds_order_and_readonly(case):
    y, s, hip, e = case
    u = np.unique(s)
    np.testing.assert_array_equal(e.thresholds, u[::-1] if hip else u)
    assert not e.thresholds.flags.writeable
    assert (e.n, e.n_pos, e.n_neg) == (len(y), int(y.sum()), int(len(y) - y.sum()))
    assert (e.score_min, e.score_max) == (s.min(), s.max())
    assert e.counts(e.reject_all_threshold) == (0, 0, e.n_neg, e.n_pos)


def test_lower_is_positive_mirrors_negated_scores():
    y, s = make_data(7)
    lo, neg = ThresholdEngine(y, s, higher_is_positive=False), ThresholdEngine(y, -s)
    for t in probe_thresholds(lo, s):
        assert lo.counts(t) == neg.counts(-t)
    assert lo.auc == neg.auc and lo.average_precision == neg.average_precision


# ------------------------------------------------------------------------------- curves


def test_roc_pr_auc_ap_match_sklearn(case):
    y, s, hip, e = case
    sign = 1 if hip else -1
    fpr, tpr, thr = skm.roc_curve(y, sk_scores(s, hip), drop_intermediate=False)
    efpr, etpr, ethr = e.roc()
    np.testing.assert_array_equal(efpr, fpr)
    np.testing.assert_array_equal(etpr, tpr)
    np.testing.assert_array_equal(ethr, sign * thr)
    assert ethr[0] == sign * np.inf
    p, r, thr = skm.precision_recall_curve(y, sk_scores(s, hip))
    ep, er, ethr = e.pr()
    np.testing.assert_array_equal(ep, p)
    np.testing.assert_array_equal(er, r)
    np.testing.assert_array_equal(ethr, sign * thr)
    assert e.auc == pytest.approx(skm.roc_auc_score(y, sk_scores(s, hip)), rel=1e-12)
    assert e.average_precision == pytest.approx(skm.average_precision_score(y, sk_scores(s, hip)), rel=1e-12)


def test_curve_and_thin():
    y, s = make_data(3, n=20_000, decimals=3)
    e = ThresholdEngine(y, s)
    x, v = e.curve("f1", max_points=300)
    full = e.table()
    assert len(x) <= 300
    assert x[0] == e.thresholds[0] and x[-1] == e.thresholds[-1]
    assert v.max() == full["f1"].max() and v.min() == full["f1"].min()
    np.testing.assert_array_equal(v, full.set_index("threshold").loc[x, "f1"].to_numpy())
    xr, vr = e.curve("background_rejection", max_points=100)  # holds inf: still thins
    assert len(xr) <= 100 and np.isinf(vr[0])
    with pytest.raises(ValueError, match="unknown metric"):
        e.curve("auc")

    fpr, tpr, thr = e.thinned_roc(max_points=200)
    F, T, TH = e.roc()
    assert len(fpr) <= 200
    assert (fpr[0], tpr[0], thr[0]) == (0.0, 0.0, np.inf) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    idx = np.searchsorted(-TH, -thr)  # thinned points are points of the full curve
    np.testing.assert_array_equal(F[idx], fpr)
    np.testing.assert_array_equal(T[idx], tpr)
    # spread along the curve: no gap between kept points longer than a few per cent of the arc
    assert np.hypot(np.diff(fpr), np.diff(tpr)).max() < 0.05

    p, r, th = e.thinned_pr(max_points=150)
    assert len(p) == len(r) <= 150 and len(th) == len(p) - 1
    P, R, _ = e.pr()
    assert (p[0], r[0], p[-1], r[-1]) == (P[0], R[0], 1.0, 0.0)


@pytest.mark.parametrize("hip", DIRECTIONS)
@pytest.mark.parametrize("k", [2, 3, 7, 64])
def test_thinned_roc_is_a_sub_curve(hip, k):
    y, s = make_data(6, n=3000, decimals=3)
    e = ThresholdEngine(y, s, higher_is_positive=hip)
    F, T, TH = e.roc()
    fpr, tpr, thr = e.thinned_roc(max_points=k)
    assert 2 <= len(fpr) <= k and len(fpr) == len(tpr) == len(thr)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert thr[0] == (np.inf if hip else -np.inf) and thr[-1] == TH[-1]
    pos = {t: i for i, t in enumerate(TH)}
    idx = np.array([pos[t] for t in thr])
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(F[idx], fpr)
    np.testing.assert_array_equal(T[idx], tpr)
    if k >= 7:  # evenly spread in FPR + TPR (total length 2)
        assert np.diff(fpr + tpr).max() <= 2 / (k - 2) + 2 / min(e.n_pos, e.n_neg)


def test_thin_function():
    x = np.linspace(0, 1, 10_001)
    y = np.sin(7 * x) + x
    for k in (2, 3, 4, 10, 500):
        tx, ty = thin(x, y, k)
        assert len(tx) <= k
        assert tx[0] == 0 and tx[-1] == 1
        if k >= 4:
            assert ty.max() == y.max() and ty.min() == y.min()
    tx, ty = thin(x[:50], y[:50], 100)
    np.testing.assert_array_equal(tx, x[:50])
    tx, _ = thin(x, np.zeros_like(x), 10)  # flat: spread by index
    assert len(tx) == 10 and tx[0] == 0 and tx[-1] == 1
    with pytest.raises(ValueError, match="max_points"):
        thin(x, y, 1)
    with pytest.raises(ValueError, match="same length"):
        thin(x, y[:-1], 10)


def test_histograms_match_numpy(case):
    y, s, hip, e = case
    y = y.astype(bool)
    for bins, rng in ((60, None), (7, (-1.0, 1.5)), (1, None)):
        edges, pos, neg = e.histograms(bins=bins, range=rng)
        ref_rng = rng if rng is not None else (s.min(), s.max())
        ep, _ = np.histogram(s[y], bins=bins, range=ref_rng)
        en, ref_edges = np.histogram(s[~y], bins=bins, range=ref_rng)
        np.testing.assert_array_equal(edges, ref_edges)
        np.testing.assert_array_equal(pos, ep)
        np.testing.assert_array_equal(neg, en)
    with pytest.raises(ValueError, match="bins"):
        e.histograms(bins=0)
    with pytest.raises(ValueError, match="range"):
        e.histograms(range=(2, 1))


def test_memory_light_until_curves_are_asked_for():
    y, s = make_data(4, n=5000, decimals=4)
    e = ThresholdEngine(y, s)
    assert e.nbytes == 8 * 5000 and "_curve" not in e.__dict__
    e.counts(0.1), e.metrics(0.1), e.histograms()
    assert "_curve" not in e.__dict__
    e.roc()
    assert e.nbytes > 8 * 5000


# ------------------------------------------------------------------------------- pickers


def candidates(e):
    return [e.reject_all_threshold, *e.thresholds]


def test_best_threshold(case):
    y, s, hip, e = case
    tab = e.table(beta=2.0)
    for metric in PICKABLE:
        t = e.best_threshold(metric, beta=2.0)
        col = "fbeta" if metric == "fbeta" else metric
        best = tab[col].max()
        none = e.metrics(e.reject_all_threshold, beta=2.0)[col]
        if none > best:  # predicting all negative wins (accuracy when the scores point the wrong way)
            assert t == e.reject_all_threshold
            continue
        assert e.metrics(t, beta=2.0)[col] == best
        assert t in set(e.thresholds)
        assert t == tab["threshold"][tab[col] == best].iloc[0]  # strictest among ties
    assert e.best_threshold("f1") == e.best_threshold("fbeta", beta=1.0)
    with pytest.raises(ValueError, match="metric must be one of"):
        e.best_threshold("precision")


def test_best_accuracy_can_be_reject_all():
    e = ThresholdEngine([1, 0, 0, 0], [0.0, 1.0, 2.0, 3.0])
    t = e.best_threshold("accuracy")
    assert t == e.reject_all_threshold and t > 3.0
    assert e.metrics(t)["accuracy"] == 0.75


def test_threshold_for_tpr_and_fpr(case):
    y, s, hip, e = case
    cands = candidates(e)
    table = {t: e.metrics(t) for t in cands}  # strictest first
    for target in (0.0, 0.1, 0.5, 0.9, 0.95, 1.0, table[cands[5]]["tpr"]):
        t = e.threshold_for_tpr(target)
        ok = [c for c in cands if table[c]["tpr"] >= target]
        assert t == ok[0] and e.metrics(t)["tpr"] >= target
    for target in (0.0, 0.01, 0.1, 0.5, 1.0, table[cands[5]]["fpr"]):
        t = e.threshold_for_fpr(target)
        ok = [c for c in cands if table[c]["fpr"] <= target]
        assert t == ok[-1] and e.metrics(t)["fpr"] <= target
    assert e.threshold_for_tpr(0.0) == e.reject_all_threshold
    assert e.threshold_for_fpr(1.0) == e.thresholds[-1]
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="between 0 and 1"):
            e.threshold_for_tpr(bad)


def test_threshold_for_fpr_when_top_score_is_background():
    e = ThresholdEngine([0, 1, 1, 0], [9.0, 5.0, 4.0, 1.0])
    assert e.threshold_for_fpr(0.0) == e.reject_all_threshold > 9.0
    assert e.threshold_for_fpr(0.5) == 4.0
    e = ThresholdEngine([0, 1, 1, 0], [9.0, 5.0, 4.0, 1.0], higher_is_positive=False)
    assert e.threshold_for_fpr(0.0) == e.reject_all_threshold < 1.0
    assert e.threshold_for_fpr(0.5) == 5.0
    e = ThresholdEngine([1, 1, 0, 0], [9.0, 5.0, 4.0, 1.0])
    assert e.threshold_for_fpr(0.0) == 5.0


def test_min_cost_threshold_is_brute_force_minimum(case):
    y, s, hip, e = case
    probes = candidates(e) + probe_thresholds(e, s)
    for cost_fp, cost_fn, prior in ((1, 1, None), (1, 10, None), (5, 1, 0.1), (1, 0, None), (0, 1, 0.5)):
        t, cost = e.min_cost_threshold(cost_fp, cost_fn, prior)
        p = e.n_pos / e.n if prior is None else prior

        def expected(th, cfp=cost_fp, cfn=cost_fn, p=p):
            m = e.metrics(th)
            return cfp * m["fpr"] * (1 - p) + cfn * m["fnr"] * p

        brute = min(expected(th) for th in probes)
        assert cost == pytest.approx(brute, abs=1e-12)
        assert expected(t) == pytest.approx(cost, abs=1e-12)
    assert e.min_cost_threshold(1, 0)[0] == e.reject_all_threshold  # only false alarms cost: reject all
    with pytest.raises(ValueError, match="cost_fp"):
        e.min_cost_threshold(-1, 1)
    with pytest.raises(ValueError, match="prior_pos"):
        e.min_cost_threshold(1, 1, prior_pos=2)


# ------------------------------------------------------------------------------- property-based


@st.composite
def labelled_scores(draw):
    n = draw(st.integers(2, 60))
    y = draw(st.lists(st.booleans(), min_size=n, max_size=n).filter(lambda v: 0 < sum(v) < len(v)))
    tied = draw(st.booleans())
    elem = st.integers(-4, 4).map(float) if tied else st.floats(-1e6, 1e6, allow_nan=False, width=64)
    s = draw(st.lists(elem, min_size=n, max_size=n))
    return np.array(y), np.array(s), draw(st.booleans())


@pytest.mark.slow
@settings(deadline=None, database=None)  # how many examples: the profile (tests/conftest.py)
@given(labelled_scores(), st.lists(st.floats(-1e7, 1e7, allow_nan=False), min_size=1, max_size=5))
def test_property_matches_sklearn_and_brute_force(data, ts):
    y, s, hip = data
    e = ThresholdEngine(y, s, higher_is_positive=hip)
    sign = 1 if hip else -1
    fpr, tpr, thr = skm.roc_curve(y, sign * s, drop_intermediate=False)
    efpr, etpr, ethr = e.roc()
    np.testing.assert_array_equal(efpr, fpr)
    np.testing.assert_array_equal(etpr, tpr)
    np.testing.assert_array_equal(ethr, sign * thr)
    p, r, thr = skm.precision_recall_curve(y, sign * s)
    ep, er, ethr = e.pr()
    np.testing.assert_array_equal(ep, p)
    np.testing.assert_array_equal(er, r)
    np.testing.assert_array_equal(ethr, sign * thr)
    assert e.auc == pytest.approx(skm.roc_auc_score(y, sign * s), rel=1e-12)
    assert e.average_precision == pytest.approx(skm.average_precision_score(y, sign * s), rel=1e-12)
    for t in [*ts, *s[:3], e.reject_all_threshold]:
        yp = predict(s, t, hip)
        assert e.counts(t) == (
            int((yp & y).sum()),
            int((yp & ~y).sum()),
            int((~yp & ~y).sum()),
            int((~yp & y).sum()),
        )
        m = e.metrics(t)
        assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, yp), rel=1e-12, abs=1e-15)
        assert m["f1"] == pytest.approx(skm.f1_score(y, yp, zero_division=0), rel=1e-12)
    t = e.best_threshold("f1")
    assert e.metrics(t)["f1"] == e.table()["f1"].max()


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "y, s, match",
    [
        ([0, 1, 1], [0.1, 0.2], "same length.*3 labels and 2 scores"),
        ([1, 1, 1], [0.1, 0.2, 0.3], "both classes.*3 positive and 0 negative"),
        ([0, 0], [0.1, 0.2], "0 positive and 2 negative"),
        ([0, 1, 1, 0], [0.1, np.nan, np.inf, -np.inf], "3 NaN/inf values"),
        ([], [], "empty"),
        ([[0, 1], [1, 0]], [0.1, 0.2], "y_true must be 1-D.*shape \\(2, 2\\)"),
        ([0, 1], [[0.1, 0.2], [0.3, 0.4]], "scores must be 1-D.*proba\\[:, 1\\]"),
        ([0, 1, 2], [0.1, 0.2, 0.3], "0/1 labels.*1 other values"),
        (["cat", "dog"], [0.1, 0.2], "0/1 labels.*dtype"),
        ([0, 1], ["a", "b"], "scores must be real numbers"),
    ],
)
def test_bad_inputs_raise(y, s, match):
    with pytest.raises(ValueError, match=match):
        ThresholdEngine(y, s)


def test_bad_query_arguments():
    e = ThresholdEngine([0, 1, 0, 1], [0.1, 0.4, 0.35, 0.8])
    with pytest.raises(ValueError, match="NaN"):
        e.counts(float("nan"))
    with pytest.raises(ValueError, match="real number"):
        e.metrics("high")
    with pytest.raises(ValueError, match="beta"):
        e.metrics(0.5, beta=0)
    with pytest.raises(ValueError, match="beta"):
        e.table(beta=-1)


def test_accepts_bool_float_labels_and_series():
    s = [0.1, 0.4, 0.35, 0.8]
    a = ThresholdEngine([0, 0, 1, 1], s)
    for y in ([False, False, True, True], np.array([0.0, 0.0, 1.0, 1.0]), pd.Series([0, 0, 1, 1])):
        assert ThresholdEngine(y, pd.Series(s)).counts(0.35) == a.counts(0.35) == (2, 1, 1, 0)
    assert a.auc == skm.roc_auc_score([0, 0, 1, 1], s) == 0.75
