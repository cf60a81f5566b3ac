"""One registry for every kind of model: each entry of each kind builds at its defaults, fits a small
table and follows its kind's attribute contract (DESIGN.md's "one API per task")."""

from __future__ import annotations

import numpy as np
import pytest

from ml import registry
from ml.params import ParamSpec

SLOW = {"umap", "tsne"}  # numba compile / many iterations: covered by tests/ml/test_projection.py
N_ROWS, N_FEATURES = 60, 4


def _entries():
    for kind in registry.KINDS:
        for entry in registry.entries(kind):
            marks = [pytest.mark.slow] if entry.name in SLOW or entry.is_torch else []
            yield pytest.param(kind, entry.name, id=f"{kind}-{entry.name}", marks=marks)


def test_every_kind_has_entries_and_names_are_unique_per_kind():
    for kind in registry.KINDS:
        names = [e.name for e in registry.entries(kind)]
        assert names, f"no {kind} registered"
        assert len(names) == len(set(names))
        assert all(e.kind == kind and e.task == registry.KIND_TASK[kind] for e in registry.entries(kind))


@pytest.mark.parametrize("kind,name", list(_entries()))
def test_entry_builds_fits_and_follows_its_contract(kind, name):
    entry = registry.get(kind, name)
    params, _ = entry.fit_to_data(entry.validate({}), N_ROWS, N_FEATURES)
    if entry.is_torch:  # keep the networks short: the contract, not the convergence, is tested here
        low = {p.name: p.low for p in entry.params}
        params = {k: (int(low[k]) if k == "epochs" else v) for k, v in params.items()}
    rng = np.random.default_rng(0)
    X = np.abs(rng.normal(size=(N_ROWS, N_FEATURES))) + 0.1  # positive, for NMF
    est = entry.make(params, seed=0)
    if kind == "classifier":
        y = (X[:, 0] > np.median(X[:, 0])).astype(int)
        est.fit(X, y)
    elif kind == "regressor":
        est.fit(X, X @ np.arange(1, N_FEATURES + 1))
    else:
        est.fit(X)
    registry.check_contract(kind, est)
    if kind == "clusterer":
        assert len(est.labels_) == N_ROWS
    elif kind == "projector":
        assert est.embedding_.shape[0] == N_ROWS
    elif kind == "detector":
        assert est.decision_scores_.shape == (N_ROWS,)
        assert set(np.unique(est.labels_)) <= {0, 1}
        assert np.array_equal(est.labels_ == 1, est.decision_scores_ >= est.threshold_) or est.labels_.sum() > 0


def test_bad_kind_and_unknown_names_are_clear_messages():
    with pytest.raises(ValueError, match="Unknown kind"):
        registry.entries("forecaster")
    with pytest.raises(ValueError, match="Unknown clusterer"):
        registry.get("clusterer", "nope")
    with pytest.raises(ValueError, match="kind must be one of"):
        registry.Entry("x", "X", "forecaster", (), lambda p, s: None)


def test_size_limits_clip_with_a_note():
    spec = ParamSpec("k", "k", "int", 5, 1, 50)
    entry = registry.Entry("t", "T", "clusterer", (spec,), lambda p, s: None, size_limits={"k": lambda n, d: n})
    params, notes = entry.fit_to_data({"k": 30}, 10, 2)
    assert params == {"k": 10} and len(notes) == 1 and "using 10" in notes[0]
