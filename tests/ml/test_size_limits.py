"""Every registry parameter bounded by the data's size (k, n_neighbors, components, perplexity,
max_samples, …), set to the top of its range, is clipped by `Entry.fit_to_data` to what a small table
allows, and the estimator then fits that table (issue 10: k = 5 on NAND's four rows crashed)."""

from __future__ import annotations

import numpy as np
import pytest

from ml import registry

SKIP = {"umap", "tsne"}  # slow to compile or fit; their limits are checked without fitting below
N_ROWS, N_FEATURES = 12, 3


def _cases():
    for kind in registry.KINDS:
        for entry in registry.entries(kind):
            if entry.size_limits:
                yield pytest.param(kind, entry.name, id=f"{kind}-{entry.name}")


@pytest.mark.parametrize("kind,name", list(_cases()))
def test_size_bound_parameters_at_their_maximum_fit_a_small_table(kind, name):
    entry = registry.get(kind, name)
    specs = {p.name: p for p in entry.params}
    params = entry.validate({k: specs[k].high for k in entry.size_limits if specs[k].high is not None})
    try:
        clipped, notes = entry.fit_to_data(params, N_ROWS, N_FEATURES)
    except ValueError as exc:  # a table too small for any value: a clear message is the right answer
        assert "too few" in str(exc) and "at least" in str(exc)
        return
    for k in entry.size_limits:
        assert clipped[k] <= entry.size_limits[k](N_ROWS, N_FEATURES)
    assert len(notes) == sum(params[k] > clipped[k] for k in entry.size_limits)
    if name in SKIP or entry.is_torch:
        return
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_ROWS, N_FEATURES)) + 5  # positive, for NMF
    y = np.array([0, 1] * (N_ROWS // 2)) if kind == "classifier" else rng.normal(size=N_ROWS)
    est = entry.make(clipped, seed=0)
    if kind in ("classifier", "regressor"):
        est.fit(X, y)
        assert len(est.predict(X)) == N_ROWS
    else:
        est.fit(X)
        registry.check_contract(kind, est)


def test_too_few_rows_for_any_value_is_a_clear_message():
    entry = registry.get("classifier", "knn")
    with pytest.raises(ValueError, match="too few"):
        entry.fit_to_data(entry.validate({}), 0, 2)
