"""The model registry: every model builds, fits and predicts; bad parameters give clear errors."""

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris, make_classification
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from ml import models
from ml.models import MODELS, fit_model, list_models, make_model, make_pipeline, scores_for_roc
from ml.params import validate_all

torch.set_num_threads(1)

CLASSIFIERS = [
    "logistic", "perceptron", "tree", "naive_bayes", "svm", "knn",
    "bagging", "random_forest", "adaboost", "hist_gb", "mlp_torch",
]  # fmt: skip
REGRESSORS = [
    "linear", "polynomial", "ridge", "lasso", "elastic_net", "tree",
    "random_forest", "knn", "svr", "hist_gb", "mlp_torch",
]  # fmt: skip
# Small settings so the whole registry trains in a couple of seconds.
QUICK = {
    "mlp_torch": {"epochs": 10},
    "random_forest": {"n_estimators": 20},
    "bagging": {"n_estimators": 5},
    "adaboost": {"n_estimators": 20},
    "hist_gb": {"max_iter": 20},
}


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(200, 5, n_informative=3, n_clusters_per_class=1, random_state=0)
    return train_test_split(X, np.where(y == 1, "signal", "background"), test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def linear():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    y = 2 * X[:, 0] - X[:, 1] + 0.5 + 0.1 * rng.normal(size=150)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_registry_names():
    assert sorted(s.name for s in list_models("classification")) == sorted(CLASSIFIERS)
    assert sorted(s.name for s in list_models("regression")) == sorted(REGRESSORS)
    assert list_models("multiclass") == list_models("classification")  # dataset task names work too
    for spec in MODELS.values():
        assert spec.family in models.FAMILIES
        assert set(spec.tasks) <= set(models.TASKS)
        assert spec.description and spec.title
        assert spec.is_torch == (spec.name == "mlp_torch")


def test_every_default_and_grid_value_validates():
    for spec in MODELS.values():
        for task in spec.tasks:
            params = spec.params_for(task)
            assert len({p.name for p in params}) == len(params)
            for p in params:
                for value in p.grid(5):
                    validate_all(list(params), {p.name: value})


def test_tree_criterion_depends_on_task():
    spec = MODELS["tree"]
    cls_criterion = {p.name: p for p in spec.params_for("classification")}["criterion"]
    reg_criterion = {p.name: p for p in spec.params_for("regression")}["criterion"]
    assert cls_criterion.choices == ("gini", "entropy")
    assert "squared_error" in reg_criterion.choices
    assert make_model("tree", "regression").criterion == "squared_error"


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_every_classifier_fits_and_predicts(name, iris, binary):
    for X_train, X_test, y_train, y_test in (iris, binary):
        pipe = fit_model(make_pipeline(name, "classification", QUICK.get(name), seed=0), X_train, y_train)
        pred = pipe.predict(X_test)
        assert pred.shape == (len(X_test),) and set(pred) <= set(np.unique(y_train))
        scores = scores_for_roc(pipe, X_test)
        n_classes = len(np.unique(y_train))
        assert scores.shape == (len(X_test), 1 if n_classes == 2 else n_classes)
        assert np.isfinite(scores).all()
        assert pipe.score(X_test, y_test) > 0.6


@pytest.mark.parametrize("name", REGRESSORS)
def test_every_regressor_fits_and_predicts(name, linear):
    X_train, X_test, y_train, y_test = linear
    pipe = fit_model(make_pipeline(name, "regression", QUICK.get(name), seed=0), X_train, y_train)
    pred = pipe.predict(X_test)
    assert pred.shape == (len(X_test),) and np.isfinite(pred).all()
    if name in ("linear", "polynomial", "ridge", "lasso", "elastic_net"):
        assert pipe.score(X_test, y_test) > 0.95
    assert pipe.score(X_test, y_test) > (
        0.5 if name in ("tree", "knn", "random_forest", "mlp_torch") else 0.8
    )


@pytest.mark.parametrize("name", ["logistic", "random_forest"])
def test_iris_accuracy(name, iris):
    X_train, X_test, y_train, y_test = iris
    pipe = fit_model(make_pipeline(name, "classification"), X_train, y_train)
    assert pipe.score(X_test, y_test) >= 0.9


def test_logistic_l1_and_l2_both_fit(iris):
    X_train, X_test, y_train, y_test = iris
    for penalty in ("l1", "l2"):
        pipe = fit_model(
            make_pipeline("logistic", "classification", {"penalty": penalty, "C": 0.5}), X_train, y_train
        )
        assert pipe.score(X_test, y_test) >= 0.85
    l1 = fit_model(
        make_pipeline("logistic", "classification", {"penalty": "l1", "C": 0.05}), X_train, y_train
    )
    assert (l1[-1].coef_ == 0).any()  # L1 zeroes some weights


def test_pipeline_shape_and_scalers():
    assert isinstance(make_pipeline("knn", "classification")[0], StandardScaler)
    assert isinstance(make_pipeline("knn", "classification", scaling="minmax")[0], MinMaxScaler)
    pipe = make_pipeline("ridge", "regression", {"alpha": 3.0}, scaling="none")
    assert isinstance(pipe, Pipeline) and list(pipe.named_steps) == ["scale", "model"]
    assert pipe[0] == "passthrough" and pipe[-1].alpha == 3.0


def test_params_reach_the_estimator():
    tree = make_model("tree", "classification", {"max_depth": 0, "criterion": "entropy"}, seed=7)
    assert tree.max_depth is None and tree.criterion == "entropy" and tree.random_state == 7
    forest = make_model("random_forest", "regression", {"max_features": "all", "max_depth": 4})
    assert forest.max_features is None and forest.max_depth == 4
    net = make_model("mlp_torch", "regression", {"hidden_layers": 3, "optimizer": "sgd"}, seed=3)
    assert net.hidden_layers == 3 and net.optimizer == "sgd" and net.random_state == 3 and net.epochs == 50


@pytest.mark.parametrize(
    "name, task, params, match",
    [
        ("svm", "classification", {"C": 1e9}, "C"),
        ("svm", "classification", {"kernel": "sigmoid"}, "Kernel"),
        ("tree", "classification", {"colour": 1}, "Unknown parameter"),
        ("knn", "classification", {"n_neighbors": "five"}, "number"),
        ("tree", "regression", {"criterion": "gini"}, "criterion"),
        ("svm", "regression", None, "Unknown regression model"),
        ("nope", "classification", None, "Unknown classification model"),
        ("tree", "clustering", None, "Unknown task"),
    ],
)
def test_bad_params_raise(name, task, params, match):
    with pytest.raises(ValueError, match=match):
        make_model(name, task, params)


def test_bad_scaling_raises():
    with pytest.raises(ValueError, match="scaling"):
        make_pipeline("knn", "classification", scaling="robust")


def test_polynomial_with_too_many_terms_is_refused():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 12)), rng.normal(size=30)
    pipe = make_pipeline("polynomial", "regression", {"degree": 10})
    with pytest.raises(ValueError, match="terms"):
        fit_model(pipe, X, y)
    fit_model(make_pipeline("polynomial", "regression", {"degree": 3}), X[:, :2], y)


class _Broken(ClassifierMixin, BaseEstimator):
    def __init__(self, strength=3):
        self.strength = strength

    def fit(self, X, y):
        raise RuntimeError("CUDA out of memory")


def test_fit_model_turns_failures_into_readable_value_errors(linear):
    X_train, _, y_train, _ = linear
    with pytest.raises(ValueError, match=r"GaussianNB.*failed: Unknown label type"):
        fit_model(make_pipeline("naive_bayes", "classification"), X_train, y_train)  # continuous target
    with pytest.raises(ValueError, match=r"_Broken\(strength=5\) failed: CUDA out of memory"):
        fit_model(_Broken(strength=5), X_train, y_train > 0)
    with pytest.raises(ValueError, match="learning rate"):  # divergence keeps its own message
        net = make_model("mlp_torch", "classification", {"optimizer": "sgd", "learning_rate": 1.0})
        fit_model(net.set_params(learning_rate=1e6, device="cpu"), X_train * 1e4, y_train > 0)


def test_fit_model_keeps_convergence_warnings(iris):
    X_train, _, y_train, _ = iris
    pipe = fit_model(make_pipeline("perceptron", "classification", {"max_iter": 1}), X_train, y_train)
    assert any("iteration" in w.lower() for w in pipe.fit_warnings_)
    assert fit_model(make_pipeline("tree", "classification"), X_train, y_train).fit_warnings_ == []


def test_scores_for_roc_uses_decision_function_when_no_probabilities(binary):
    X_train, X_test, y_train, _ = binary
    svm = fit_model(make_pipeline("svm", "classification"), X_train, y_train)
    assert not hasattr(svm, "predict_proba")
    assert np.allclose(scores_for_roc(svm, X_test)[:, 0], svm.decision_function(X_test))
    forest = fit_model(
        make_pipeline("random_forest", "classification", QUICK["random_forest"]), X_train, y_train
    )
    assert np.allclose(scores_for_roc(forest, X_test)[:, 0], forest.predict_proba(X_test)[:, 1])


def test_limited_threads_caps_openmp_in_this_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    monkeypatch.delenv("ML_EXPLORER_THREADS", raising=False)
    with models.limited_threads():
        inside = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"]
    assert inside and set(inside) == {1}
