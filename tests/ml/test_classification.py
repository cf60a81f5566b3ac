"""Unit tests for ml/classification.py, ml/plots/classification.py and ml/plots/training.py (no Streamlit)."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs, make_moons
from sklearn.metrics import f1_score, fbeta_score, precision_score, recall_score

from ml import classification as mlc
from ml.models import fit_model, make_pipeline
from ml.plots import MAX_POINTS, class_colour
from ml.plots.classification import confusion_figure, decision_figure, importance_figure
from ml.plots.training import cv_figure, grid_figure, history_figure, param_curve_figure


def _n(values) -> int:
    if isinstance(values, dict):  # binary-encoded array in plotly JSON
        return len(base64.b64decode(values["bdata"])) // np.dtype(values["dtype"]).itemsize
    return len(values)


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(300, noise=0.2, random_state=0)
    X = pd.DataFrame(X, columns=["x1", "x2"])
    est = fit_model(make_pipeline("tree", "classification", {"max_depth": 4}, 0, "standard"), X, y)
    return X, y, est


@pytest.fixture(scope="module")
def blobs4():
    X, y = make_blobs(400, n_features=4, centers=3, random_state=1)
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    est = fit_model(make_pipeline("logistic", "classification", None, 0, "standard"), X, y)
    return X, y, est


# -- decision grids -----------------------------------------------------------------------------
def test_grid_shapes_and_matches_predict_on_two_features(moons):
    X, y, est = moons
    g = mlc.decision_grid(est, X, resolution=50)
    assert g.x.shape == (50,) and g.y.shape == (50,)
    assert g.pred.shape == (50, 50) and g.confidence.shape == (50, 50)
    assert (g.x_label, g.y_label, g.mode) == ("x1", "x2", "features")
    # the grid covers the data plus a margin
    assert g.x[0] < X["x1"].min() and g.x[-1] > X["x1"].max()
    # cell (i, j) is the prediction at (x[j], y[i])
    i, j = 7, 31
    point = pd.DataFrame([[g.x[j], g.y[i]]], columns=["x1", "x2"])
    assert g.classes[g.pred[i, j]] == est.predict(point)[0]
    assert np.allclose(g.project(X), X.to_numpy())
    assert ((g.confidence >= 0.5) & (g.confidence <= 1.0)).all()


def test_grid_default_resolution_is_200(moons):
    X, _, est = moons
    g = mlc.decision_grid(est, X)
    assert g.pred.shape == (200, 200)


def test_feature_slice_holds_others_at_median(blobs4):
    X, _, est = blobs4
    g = mlc.decision_grid(est, X, features=("c", "a"), resolution=20)
    assert (g.x_label, g.y_label) == ("c", "a")
    rows = g.projection.inverse(np.array([[1.0, 2.0]]))
    assert rows[0, 2] == 1.0 and rows[0, 0] == 2.0
    assert rows[0, 1] == pytest.approx(X["b"].median()) and rows[0, 3] == pytest.approx(X["d"].median())
    assert np.allclose(g.project(X), X[["c", "a"]].to_numpy())


def test_pca_mode(blobs4):
    X, y, est = blobs4
    g = mlc.decision_grid(est, X, mode="pca", resolution=30)
    assert g.pred.shape == (30, 30)
    assert g.x_label.startswith("PC 1") and "variance" in g.y_label
    xy = g.project(X)
    assert xy.shape == (len(X), 2)
    # well-separated blobs: the region under each projected point is (nearly always) its class
    cell_x = np.abs(g.x[None, :] - xy[:, :1]).argmin(axis=1)
    cell_y = np.abs(g.y[None, :] - xy[:, 1:]).argmin(axis=1)
    assert np.mean(g.classes[g.pred[cell_y, cell_x]] == y) > 0.9
    assert "principal components" in mlc.describe_plane(g, 4)


def test_grid_without_probabilities_uses_the_decision_function(moons):
    X, y, _ = moons
    est = fit_model(make_pipeline("svm", "classification", None, 0, "standard"), X, y)
    assert not hasattr(est, "predict_proba")
    g = mlc.decision_grid(est, X, resolution=20)
    assert set(np.unique(g.pred)) <= {0, 1}
    # sigmoid(|decision|): 0.5 on the boundary, 0.73 on the margin, towards 1 far away
    d = est.decision_function(
        pd.DataFrame(g.projection.inverse(np.array([[g.x[3], g.y[5]]])), columns=X.columns)
    )
    assert g.confidence[5, 3] == pytest.approx(1 / (1 + np.exp(-abs(d[0]))))
    assert ((g.confidence >= 0.5) & (g.confidence <= 1.0)).all()
    multi = mlc._pseudo_confidence(np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    assert multi[1] == pytest.approx(1 / 3) and multi[0] > 0.7


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"mode": "tsne"}, "mode"),
        ({"features": ("x1", "x1")}, "two different"),
        ({"features": ("x1", "nope")}, "two different"),
        ({"resolution": 5}, "resolution"),
    ],
)
def test_grid_bad_arguments(moons, kwargs, words):
    X, _, est = moons
    with pytest.raises(ValueError, match=words):
        mlc.decision_grid(est, X, **kwargs)


# -- metrics -------------------------------------------------------------------------------------
def test_summary_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    m = mlc.summary_metrics(y, p, beta=2.0)
    assert m["precision"] == pytest.approx(precision_score(y, p, average="macro"))
    assert m["F1"] == pytest.approx(f1_score(y, p, average="macro"))
    assert m["F2"] == pytest.approx(fbeta_score(y, p, beta=2, average="macro"))
    one = mlc.summary_metrics(y, p, positive=2)
    assert one["recall"] == pytest.approx(recall_score(y == 2, p == 2))
    with pytest.raises(ValueError, match="β"):
        mlc.summary_metrics(y, p, beta=0)


def test_metrics_frame_side_by_side():
    f = mlc.metrics_frame([0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0], [1, 1, 1, 0], beta=0.5, positive=1)
    assert list(f.columns) == ["train", "test"]
    assert list(f.index) == ["accuracy", "precision", "recall", "F1", "F0.5"]
    assert f.loc["accuracy", "train"] == 1.0 and f.loc["accuracy", "test"] == 0.75


def test_confusion_and_class_index_and_roc_scores(moons):
    X, y, est = moons
    m = mlc.confusion([0, 0, 1, 1], [0, 1, 1, 1], [0, 1])
    assert m.tolist() == [[1, 1], [0, 2]]
    assert mlc.class_index(np.array(["a", "b", "c"]), ["c", "a"]).tolist() == [2, 0]
    with pytest.raises(ValueError):
        mlc.class_index(np.array(["a", "b"]), ["z"])
    s = mlc.roc_scores(est, X)
    assert s.shape == (len(X),)


# -- figures ------------------------------------------------------------------------------------
def test_decision_figure_traces_and_titles(moons):
    X, y, est = moons
    g = mlc.decision_grid(est, X, resolution=40)
    pred = est.predict(X)
    fig = decision_figure(
        g, ["upper", "lower"], g.project(X[:200]), y[:200], g.project(X[200:]), y[200:],
        train_wrong=pred[:200] != y[:200], test_wrong=pred[200:] != y[200:],
    )  # fmt: skip
    kinds = [t.type for t in fig.data]
    assert kinds[:2] == ["heatmap", "heatmap"]  # classes, then the certainty veil
    names = [t.name for t in fig.data]
    assert "upper (train)" in names and "lower (test)" in names
    assert any(n.startswith("misclassified") for n in names)
    assert fig.layout.xaxis.title.text == "x1" and fig.layout.yaxis.title.text == "x2"
    upper = next(t for t in fig.data if t.name == "upper (train)")
    assert upper.marker.color == class_colour(0)
    no_veil = decision_figure(g, ["upper", "lower"], g.project(X), y, shading=False)
    assert [t.type for t in no_veil.data].count("heatmap") == 1
    with pytest.raises(ValueError, match="class names"):
        decision_figure(g, ["only one"])


def test_decision_figure_caps_points_per_trace():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(24_000, 2)), columns=["p", "q"])
    y = (X["p"] > 0).astype(int).to_numpy()
    est = fit_model(make_pipeline("naive_bayes", "classification", None, 0, "none"), X, y)
    g = mlc.decision_grid(est, X, resolution=200)
    fig = decision_figure(g, ["a", "b"], g.project(X), y, train_wrong=np.ones(len(X), bool))
    for t in fig.data:
        if t.type != "heatmap":
            assert _n(t.x) <= MAX_POINTS
    assert any("of 24,000 shown" in t.name for t in fig.data if t.name)  # the thinning is said


def test_confusion_figure():
    fig = confusion_figure([[5, 1], [2, 7]], ["neg", "pos"])
    assert fig.layout.xaxis.title.text == "predicted class" and fig.layout.yaxis.title.text == "true class"
    assert fig.data[0].text.tolist() == [["5", "1"], ["2", "7"]]
    shares = confusion_figure([[5, 5], [0, 0]], ["neg", "pos"], normalise=True)
    assert shares.data[0].z.tolist() == [[0.5, 0.5], [0.0, 0.0]]
    with pytest.raises(ValueError):
        confusion_figure([[1, 2]], ["a", "b"])


def test_importance_figure():
    frame = pd.DataFrame(
        {
            "feature": [f"f{i}" for i in range(30)],
            "importance": np.linspace(1, 0, 30),
            "std": 0.01,
            "method": "impurity",
        }
    )
    fig = importance_figure(frame, top=10)
    assert len(fig.data[0].y) == 10 and fig.data[0].y[-1] == "f0"  # most important on top
    assert "impurity" in fig.layout.xaxis.title.text


def test_history_figure():
    hist = [
        {
            "epoch": e,
            "train_loss": 1 / e,
            "val_loss": 1.2 / e,
            "train_score": 1 - 1 / e,
            "val_score": 0.9 - 1 / e,
        }
        for e in range(1, 21)
    ]
    fig = history_figure(hist, "classification", best_epoch=12)
    assert len(fig.data) == 4
    assert fig.layout.xaxis.title.text == "epoch"
    assert fig.layout.yaxis.title.text.startswith("loss") and fig.layout.yaxis2.title.text == "accuracy"
    assert history_figure(hist, "regression").layout.yaxis2.title.text == "R²"
    assert len(history_figure([], "classification").data) == 4  # an empty history still draws


def test_cv_and_param_curve_and_grid_figures():
    folds = pd.DataFrame(
        {"fold": [1, 2, 3], "train_score": [1, 1, 0.9], "test_score": [0.8, 0.9, 0.85], "fit_time": 0.1}
    )
    fig = cv_figure(folds, "classification")
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert "0.850" in fig.layout.annotations[0].text
    curve = param_curve_figure(
        [1, 10, 100], [0.7, 0.9, 1.0], None, [0.7, 0.85, 0.8], None, "C", "classification", log_x=True
    )
    assert curve.layout.xaxis.type == "log" and curve.layout.xaxis.title.text == "C"
    assert curve.data[-1].name == "best: 10"
    cat = param_curve_figure(
        ["gini", "entropy"], [1, 1], [0, 0], [0.8, 0.9], [0, 0], "criterion", "classification"
    )
    assert list(cat.layout.xaxis.ticktext) == ["gini", "entropy"]
    scores = np.array([[0.5, 0.7], [0.9, np.nan]])
    grid = grid_figure(scores, [1, 2], [0.1, 1.0], "depth", "C", (1, 0), "classification")
    assert grid.layout.xaxis.title.text == "C" and grid.layout.yaxis.title.text == "depth"
    assert grid.data[0].text[1][1] == "failed"
    assert grid.data[1].x == ("0.1",) and grid.data[1].y == ("2",)
    with pytest.raises(ValueError):
        grid_figure(scores, [1], [0.1, 1.0], "depth", "C", None, "classification")


def test_time_budget_coarsens_only_slow_models(moons):
    X, y, est = moons
    assert mlc.decision_grid(est, X, budget_s=10.0).pred.shape == (200, 200)  # a tree is fast
    slow = mlc.decision_grid(est, X, budget_s=1e-9)
    assert slow.pred.shape == (mlc.MIN_BUDGET_RESOLUTION, mlc.MIN_BUDGET_RESOLUTION)
