"""The counts the live threshold component receives reproduce the engine at every threshold."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from ml.thresholds import ThresholdEngine


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
