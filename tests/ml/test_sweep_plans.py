"""Sweeps as plans (ml.evaluation): a plan stopped after k steps assembles a partial result from them,
and run to the end it gives the same result as the one-call functions (and scikit-learn)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.inspection import permutation_importance

from ml import evaluation as ev
from ml.models import fit_model, make_pipeline


@pytest.fixture(scope="module")
def iris():
    data = load_iris(as_frame=True)
    return data.data, data.target.map(dict(enumerate(data.target_names)))


def _partial(plan, k):
    return plan.assemble([step.run() for step in plan.steps[:k]])


def test_cv_plan_partial_has_the_folds_done(iris):
    X, y = iris
    plan = ev.cv_plan(make_pipeline("tree", "classification", {"max_depth": 2}), X, y, "classification", k=4)
    assert len(plan.steps) == 4 and plan.unit == "fold"
    part = _partial(plan, 2)
    assert list(part["fold"]) == [1, 2]
    full = ev.cross_validate(make_pipeline("tree", "classification", {"max_depth": 2}), X, y, "classification", k=4)
    assert np.allclose(part["test_score"], full["test_score"][:2])


def test_learning_plan_partial_covers_every_size_over_fewer_folds(iris):
    X, y = iris
    plan = ev.learning_curve_plan(make_pipeline("tree", "classification"), X, y, "classification", (0.5, 1.0), k=3)
    assert len(plan.steps) == 6
    assert list(_partial(plan, 2)["fraction"]) == [0.5, 1.0]  # one fold, both sizes
    assert list(_partial(plan, 1)["fraction"]) == [0.5]


def test_validation_plan_partial_keeps_finished_values_and_refusals():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    plan = ev.validation_curve_plan("polynomial", "regression", "degree", [1, 12, 2], X, y, k=3)
    assert len(plan.steps) == 9
    part = _partial(plan, 5)  # value 1 done (3 fits), value 12 (refused) has 2 of its 3 folds
    assert list(part["value"]) == [1]
    part = _partial(plan, 6)
    assert list(part["value"]) == [1, 12] and np.isnan(part["val_mean"].iloc[1])
    assert part.attrs["errors"][0].startswith("degree=12:")


def test_grid_plan_partial_leaves_unfinished_cells_blank(iris):
    X, y = iris
    plan = ev.grid_search_plan("svm", "classification", "C", [0.1, 1.0], "gamma", [0.1, 1.0], X, y, k=3)
    assert len(plan.steps) == 12
    assert _partial(plan, 2) is None  # no cell finished
    part = _partial(plan, 7)  # two cells done, the third has one fold
    assert np.isfinite(part.scores).sum() == 2 and np.isnan(part.scores[1]).all()
    full = plan.assemble([s.run() for s in plan.steps])
    reference = ev.grid_search_data("svm", "classification", "C", [0.1, 1.0], "gamma", [0.1, 1.0], X, y, k=3)
    assert np.allclose(full.scores, reference.scores) and full.best == reference.best


def test_compare_plan_partial_has_the_models_done(iris):
    X, y = iris
    X_tr, X_te, y_tr, y_te = ev.split(X, y, "classification")
    plan = ev.compare_plan("classification", X_tr, y_tr, X_te, y_te, models=["tree", "knn", "logistic"])
    part = _partial(plan, 2)
    assert list(part["model"]) == ["tree", "knn"] and part["accuracy"].notna().all()


def test_permutation_plan_matches_scikit_learn(iris):
    X, y = iris
    X_tr, X_te, y_tr, y_te = ev.split(X, y, "classification", seed=1)
    knn = make_pipeline("knn", "classification")
    fit_model(knn, X_tr, y_tr)
    plan = ev.permutation_plan(knn, X_te, y_te, seed=3, n_repeats=4, task="classification")
    assert len(plan.steps) == 1 + X.shape[1] and plan.unit == "feature"
    full = plan.assemble([s.run() for s in plan.steps]).set_index("feature")
    ref = permutation_importance(knn, X_te, np.asarray(y_te), scoring="accuracy", n_repeats=4, random_state=3)
    expected = pd.Series(ref.importances_mean, index=[str(c) for c in X.columns])
    assert np.allclose(full.loc[expected.index, "importance"], expected)
    assert len(_partial(plan, 3)) == 2  # baseline + two features
