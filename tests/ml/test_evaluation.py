"""Evaluation helpers: shapes, agreement with scikit-learn's own tools, and clear errors."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score

from ml import evaluation as ev
from ml.models import fit_model, make_pipeline

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    names = np.array(["setosa", "versicolor", "virginica"])
    return X, pd.Series(names[y], name="species")


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(200, 4, n_informative=3, n_redundant=0, random_state=0)
    return pd.DataFrame(X, columns=["a", "b", "c", "d"]), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(120, 3, noise=5.0, random_state=0)
    return X, y


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, fraction, text):
        self.calls.append((fraction, text))


def _check_progress(rec: Recorder):
    fractions = [f for f, _ in rec.calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(isinstance(t, str) and t for _, t in rec.calls)


# -- split ----------------------------------------------------------------------------------------
def test_split_is_stratified(iris):
    X, y = iris
    X_train, X_test, y_train, y_test = ev.split(X, y, "classification", test_size=0.2, seed=0)
    assert len(X_train) == 120 and len(X_test) == 30
    assert (y_test.value_counts() == 10).all()


def test_split_regression_and_sizes(regression):
    X, y = regression
    X_train, X_test, y_train, y_test = ev.split(X, y, "regression")
    assert X_train.shape == (90, 3) and X_test.shape == (30, 3) and len(y_test) == 30


def test_split_refuses_singleton_class(iris):
    X, y = iris
    y = y.copy()
    y.iloc[0] = "unicorn"
    with pytest.raises(ValueError, match=r"at least 2 rows of every class.*unicorn"):
        ev.split(X, y, "classification")
    with pytest.raises(ValueError, match="test_size"):
        ev.split(X, y, "regression", test_size=1.5)


# -- cross-validation ----------------------------------------------------------------------------
@pytest.mark.slow
def test_cross_validate_matches_sklearn(iris):
    X, y = iris
    pipe = make_pipeline("logistic", "classification")
    rec = Recorder()
    frame = ev.cross_validate(pipe, X, y, "classification", k=5, seed=3, progress=rec)
    assert list(frame.columns) == ["fold", "train_score", "test_score", "fit_time"]
    assert list(frame["fold"]) == [1, 2, 3, 4, 5]
    reference = cross_val_score(pipe, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=3))
    assert np.allclose(frame["test_score"], reference)
    _check_progress(rec)


def test_cross_validate_regression_uses_r2(regression):
    X, y = regression
    frame = ev.cross_validate(make_pipeline("ridge", "regression"), X, y, "regression", k=4, seed=0)
    reference = cross_val_score(
        make_pipeline("ridge", "regression"), X, y, cv=KFold(4, shuffle=True, random_state=0)
    )
    assert len(frame) == 4 and np.allclose(frame["test_score"], reference)


def test_cross_validate_fold_errors(iris):
    X, y = iris
    with pytest.raises(ValueError, match=r"fewer rows \(3\) than folds \(5\)"):
        ev.cross_validate(make_pipeline("ridge", "regression"), X[:3], y[:3], "regression", k=5)
    y_rare = y.copy()
    y_rare.iloc[:3] = "rare"
    y_rare.iloc[3:50] = "versicolor"
    with pytest.raises(ValueError, match=r"fewer members \(3\) than folds \(5\)"):
        ev.cross_validate(make_pipeline("tree", "classification"), X, y_rare, "classification", k=5)
    with pytest.raises(ValueError, match="k ≥ 2"):
        ev.cross_validate(make_pipeline("tree", "classification"), X, y, "classification", k=1)


# -- curves ---------------------------------------------------------------------------------------
def test_learning_curve_shape(iris):
    X, y = iris
    rec = Recorder()
    frame = ev.learning_curve_data(
        make_pipeline("tree", "classification", {"max_depth": 3}), X, y, "classification", (0.2, 0.5, 1.0), k=3,
        progress=rec,
    )  # fmt: skip
    assert list(frame.columns) == ["train_size", "fraction", "train_mean", "train_std", "val_mean", "val_std"]
    assert list(frame["fraction"]) == [0.2, 0.5, 1.0]
    assert list(frame["train_size"]) == [20, 50, 100]
    assert frame["val_mean"].iloc[-1] > 0.85
    _check_progress(rec)


def test_validation_curve_shape(iris):
    X, y = iris
    frame = ev.validation_curve_data("tree", "classification", "max_depth", [1, 2, 0], X, y, k=3)
    assert list(frame.columns) == ["value", "train_mean", "train_std", "val_mean", "val_std"]
    assert list(frame["value"]) == [1, 2, 0]
    assert frame["train_mean"].iloc[-1] == 1.0  # an unlimited tree memorises its training set
    assert frame["train_mean"].iloc[0] < 0.7  # a stump cannot separate three classes
    with pytest.raises(ValueError, match="no parameter 'depth'"):
        ev.validation_curve_data("tree", "classification", "depth", [1, 2], X, y)


def test_validation_curve_leaves_refused_values_blank():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    # degree 12 on 10 features has far more terms than the limit: refused, the others still drawn
    frame = ev.validation_curve_data("polynomial", "regression", "degree", [1, 2, 12], X, y, k=3)
    assert frame["val_mean"].iloc[:2].notna().all() and np.isnan(frame["val_mean"].iloc[2])
    assert len(frame.attrs["errors"]) == 1 and frame.attrs["errors"][0].startswith("degree=12:")
    with pytest.raises(ValueError, match="Every value failed"):
        ev.validation_curve_data("polynomial", "regression", "degree", [12, 15], X, y, k=3)


# -- grid search ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_grid_search_matches_gridsearchcv(iris):
    X, y = iris
    C, gamma = [0.1, 1.0, 10.0], [0.01, 0.1, 1.0]
    result = ev.grid_search_data("svm", "classification", "C", C, "gamma", gamma, X, y, k=3, seed=0)
    assert result.scores.shape == (3, 3) == result.std.shape == result.train_scores.shape
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    reference = GridSearchCV(
        make_pipeline("svm", "classification"), {"model__C": C, "model__gamma": gamma}, cv=cv
    )
    reference.fit(X, y)
    expected = reference.cv_results_["mean_test_score"].reshape(3, 3)
    assert np.allclose(result.scores, expected)
    assert result.best["score"] == pytest.approx(reference.best_score_)
    assert result.scores[result.best["row"], result.best["col"]] == result.best["score"]
    assert len(result.frame()) == 9 and result.errors == []


def test_grid_search_rejects_bad_grids(iris):
    X, y = iris
    with pytest.raises(ValueError, match="two different parameters"):
        ev.grid_search_data("svm", "classification", "C", [1], "C", [2], X, y)
    with pytest.raises(ValueError, match="C"):
        ev.grid_search_data("svm", "classification", "C", [1e9], "gamma", [0.1], X, y)


# -- comparing models -----------------------------------------------------------------------------
def test_compare_models_classification(binary):
    X, y = binary
    X_train, X_test, y_train, y_test = ev.split(X, y, "classification")
    rec = Recorder()
    frame = ev.compare_models(
        "classification", X_train, y_train, X_test, y_test, models=["logistic", "svm", "tree"], progress=rec
    )
    assert list(frame.columns) == ["model", "title", "accuracy", "f1_macro", "auc", "fit_time", "error"]
    assert list(frame["model"]) == ["logistic", "svm", "tree"]
    assert (frame["error"] == "").all() and frame[["accuracy", "f1_macro", "auc"]].notna().all().all()
    logistic = fit_model(make_pipeline("logistic", "classification"), X_train, y_train)
    auc = roc_auc_score(y_test, logistic.predict_proba(X_test)[:, 1])
    assert frame.loc[0, "auc"] == pytest.approx(auc)
    _check_progress(rec)


def test_compare_models_multiclass_auc(iris):
    X, y = iris
    X_train, X_test, y_train, y_test = ev.split(X, y, "classification", seed=1)
    frame = ev.compare_models(
        "classification", X_train, y_train, X_test, y_test, models=["svm", "naive_bayes"]
    )
    assert (frame["auc"] > 0.9).all()  # decision scores (svm) and probabilities (naive Bayes) both work


def test_compare_models_regression_keeps_going_after_a_failure():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 200))  # degree-2 polynomial: 20,300 terms, over the limit
    y = X[:, 0] + 0.1 * rng.normal(size=60)
    frame = ev.compare_models(
        "regression", X[:40], y[:40], X[40:], y[40:], models=["linear", "polynomial", "ridge"]
    )
    assert list(frame.columns) == ["model", "title", "r2", "rmse", "mae", "fit_time", "error"]
    failed = frame.set_index("model").loc["polynomial"]
    assert np.isnan(failed["r2"]) and "terms" in failed["error"]
    assert frame.set_index("model").loc["ridge", "error"] == ""
    assert np.isfinite(frame.set_index("model").loc["ridge", ["r2", "rmse", "mae"]].astype(float)).all()


# -- inspecting a fitted model --------------------------------------------------------------------
def test_feature_importance_impurity_and_permutation(binary):
    X, y = binary
    forest = fit_model(make_pipeline("random_forest", "classification", {"n_estimators": 20}), X, y)
    frame = ev.feature_importance(forest, X, y)
    assert list(frame.columns) == ["feature", "importance", "std", "method"]
    assert set(frame["feature"]) == {"a", "b", "c", "d"} and (frame["method"] == "impurity").all()
    assert frame["importance"].is_monotonic_decreasing and frame["importance"].sum() == pytest.approx(1.0)
    assert frame["std"].notna().all()
    knn = fit_model(make_pipeline("knn", "classification"), X, y)
    perm = ev.feature_importance(knn, X, y, seed=0, n_repeats=3)
    assert (perm["method"] == "permutation").all() and len(perm) == 4


def test_tree_text_in_original_units(iris):
    X, y = iris
    scaled = fit_model(make_pipeline("tree", "classification", {"max_depth": 2}), X, y)
    raw = fit_model(make_pipeline("tree", "classification", {"max_depth": 2}, scaling="none"), X, y)
    text = ev.tree_text(scaled, X.columns, None)
    assert "petal" in text and "class: setosa" in text
    assert text == ev.tree_text(raw, X.columns, None)  # thresholds mapped back through the scaler
    minmax = fit_model(make_pipeline("tree", "classification", {"max_depth": 2}, scaling="minmax"), X, y)
    assert ev.tree_text(minmax, X.columns) == text
    with pytest.raises(ValueError, match="decision tree"):
        ev.tree_text(fit_model(make_pipeline("knn", "classification"), X, y), X.columns)


def test_classification_report_frame(iris):
    X, y = iris
    pred = fit_model(make_pipeline("naive_bayes", "classification"), X, y).predict(X)
    frame = ev.classification_report_frame(y, pred)
    assert list(frame.index) == ["setosa", "versicolor", "virginica", "accuracy", "macro avg", "weighted avg"]
    assert list(frame.columns) == ["precision", "recall", "f1", "support"]
    p, r, f, s = precision_recall_fscore_support(y, pred)
    assert np.allclose(frame["precision"].iloc[:3], p) and np.allclose(frame["recall"].iloc[:3], r)
    assert list(frame["support"].iloc[:3]) == list(s)
    named = ev.classification_report_frame(y, pred, ["Setosa", "Versicolour", "Virginica"])
    assert list(named.index[:3]) == ["Setosa", "Versicolour", "Virginica"]
    with pytest.raises(ValueError, match="one name per class"):
        ev.classification_report_frame(y, pred, ["a", "b"])
