"""Code that reads a fitted pipeline copes with the imputation / one-hot step learned on training rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.evaluation import tree_text
from ml.models import fit_model, make_pipeline
from ml.regression import most_correlated_feature


def _table(n=200, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(100, 140, n)
    X = pd.DataFrame({"a": a, "b": rng.normal(size=n), "kind": rng.choice(["x", "y"], n)})
    X.loc[[3, 7], "b"] = np.nan
    y = (a > 120).astype(int)
    return X, y


def test_tree_text_reads_prepared_columns_in_original_units():
    X, y = _table()
    pipe = fit_model(make_pipeline("tree", "classification", {"max_depth": 1}, 0, "standard", X=X), X, y)
    text = tree_text(pipe, list(X.columns))
    threshold = float(text.split("<=")[1].split()[0])
    assert 118 < threshold < 122  # a in its own units, not standardised
    assert "kind" in text or "a" in text


def test_most_correlated_feature_skips_text_and_ignores_gaps():
    X, y = _table()
    assert most_correlated_feature(X, y.astype(float)) == "a"
