"""The counts the live threshold component receives reproduce the engine at every threshold (ROC Explorer and
the Anomaly detection page, whose contamination -> threshold search must equal the server's)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from ml import detectors as det
from ml.thresholds import ThresholdEngine, flag_counts


def _engine(n=5000, seed=0, digits=None, higher=True):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    s = rng.normal(y * 1.0, 1.0)
    if digits is not None:
        s = np.round(s, digits)
    return y, s, ThresholdEngine(y, s, higher_is_positive=higher)


@pytest.mark.parametrize("higher", [True, False])
def test_exact_counts_match_the_engine_at_every_distinct_threshold_and_between(higher):
    y, s, e = _engine(digits=2, higher=higher)
    b = e.browser_counts()
    assert b.step == 0 and b.thresholds.size == np.unique(s).size
    probes = np.concatenate([b.thresholds, b.thresholds + 0.004, b.thresholds - 0.004, [-99.0, 99.0]])
    for t in probes:
        c = e.counts(float(t))
        assert b.counts(float(t)) == (c.tp, c.fp)
    t = float(b.thresholds[len(b.thresholds) // 3])
    pred = s >= t if higher else s <= t
    tn, fp, fn, tp = confusion_matrix(y, pred).ravel()
    assert b.counts(t) == (tp, fp)


def test_grid_past_the_budget_keeps_every_big_jump_and_stays_within_step():
    rng = np.random.default_rng(1)
    n = 20_000
    y = rng.random(n) < 0.4
    s = rng.normal(y * 1.0, 1.0)
    s[:3000] = 0.25  # one tie block of 3,000 rows: a jump far larger than the step
    e = ThresholdEngine(y, s)
    b = e.browser_counts(budget=500)
    assert 0 < b.thresholds.size <= 500 and b.step == -(-n // 499)
    assert 0.25 in b.thresholds  # the big jump is on the grid
    thr, tp, fp = e._curve
    total = tp.astype(np.int64) + fp
    jumps = np.diff(total, prepend=0)
    assert set(thr[jumps >= b.step]) <= set(b.thresholds)
    for t in rng.normal(0.5, 1.2, 2000):
        c = e.counts(float(t))
        btp, bfp = b.counts(float(t))
        assert 0 <= c.tp - btp < b.step and 0 <= c.fp - bfp < b.step


def test_payload_round_trips_and_fits_the_size_goal():
    _, _, e = _engine(n=200_000)
    b = e.browser_counts()
    p = b.payload()
    thr = np.frombuffer(base64.b64decode(p["thr"]), "<f8")
    tp = np.frombuffer(base64.b64decode(p["tp"]), "<u4")
    assert np.array_equal(thr, b.thresholds) and np.array_equal(tp, b.tp)
    assert p["n"] <= 40_000 and len(json.dumps(p)) <= 1_000_000


def test_budget_must_allow_two_points():
    _, _, e = _engine(n=100)
    with pytest.raises(ValueError, match="at least 2"):
        e.browser_counts(budget=1)


# ---- the anomaly page's counts (ml.thresholds.flag_counts) and its contamination -> threshold --------


def _anomaly_scores(n=3000, seed=3, digits=3):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.05).astype(int)
    s = np.round(rng.normal(y * 2.0, 1.0), digits)  # rounded: many ties, as tree and kNN scores have
    return y, s


@pytest.mark.parametrize("labelled", [True, False])
def test_flag_counts_reproduce_the_anomaly_engine_at_every_threshold(labelled):
    y, s = _anomaly_scores()
    b = flag_counts(s, y if labelled else None)
    assert b.step == 0 and b.thresholds.size == np.unique(s).size
    sorted_s = np.sort(s)
    engine = ThresholdEngine(y, s)  # the page's engine (ui.cache.anomaly_engine)
    probes = np.concatenate([b.thresholds, b.thresholds + 5e-4, [s.min() - 1, s.max() + 1]])
    for t in probes:
        tp, fp = b.counts(float(t))
        flagged = int(s.size - np.searchsorted(sorted_s, t, "left"))  # the page's flagged count
        assert tp + fp == flagged
        if labelled:
            c = engine.counts(float(t))
            assert (tp, fp) == (c.tp, c.fp)
        else:
            assert fp == 0 and b.n_neg == 0 and b.n_pos == s.size


def _half_way_contaminations(n: int) -> list[float]:
    """Contaminations where c·n lands on x.5 (Python's round goes to the even neighbour)."""
    return [c for c in (k / (2 * n) for k in range(1, n + 1, 2)) if 0 < c <= 0.5 and (c * n) % 1 == 0.5]


@pytest.mark.parametrize("n", [300, 1000, 1669])
@pytest.mark.parametrize("labelled", [True, False])
def test_contamination_to_threshold_matches_the_server_at_every_slider_position(n, labelled):
    y, s = _anomaly_scores(n=n, seed=n)
    b = flag_counts(s, y if labelled else None)
    grid = [round(0.005 * i, 3) for i in range(1, 101)]  # the page's slider: 0.005 ... 0.5 by 0.005
    halves = _half_way_contaminations(n)[:50]
    assert halves or n % 2 == 0
    for c in grid + halves + [1e-6, 0.123456]:
        k = det.n_flagged(n, c)
        assert b.flagged_threshold(k) == det.threshold_for(s, c), c


def test_round_half_even_is_what_the_browser_must_copy():
    """ml.detectors.n_flagged rounds c·n half to even (Python's round): 0.0125·1000 = 12.5 -> 12, not 13."""
    assert det.n_flagged(1000, 0.0125) == 12 and det.n_flagged(1000, 0.0135) == 14
    assert det.n_flagged(300, 0.015) == 4  # 4.5 -> 4


def test_flag_counts_past_the_budget_stay_within_step():
    rng = np.random.default_rng(5)
    s = rng.normal(size=20_000)
    b = flag_counts(s, None, budget=300)
    assert b.step > 0 and b.thresholds.size <= 300
    sorted_s = np.sort(s)
    for c in (0.01, 0.05, 0.2, 0.5):
        t = b.flagged_threshold(det.n_flagged(s.size, c))
        exact = det.threshold_for(s, c)
        between = abs(np.searchsorted(sorted_s, t) - np.searchsorted(sorted_s, exact))
        assert t <= exact and between < b.step  # the first grid point flagging at least k rows


def test_flag_counts_reject_bad_scores():
    with pytest.raises(ValueError, match="NaN"):
        flag_counts(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="empty"):
        flag_counts(np.array([]))
