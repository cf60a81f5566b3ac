"""AppTest runs of the Classification page: every model, each kind of dataset, sweeps, bad input, ROC handoff.

Kept small (few rows, few epochs) so the file runs in well under three minutes on two cores.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ml.models import list_models
from tests.app.live_helpers import live_figures, live_readouts
from tests.app.upload_helpers import features_box, set_target, target_box, upload
from ui import classification as cls
from ui.handoff import KEY as ROC_KEY

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "2_Classification.py")
TIMEOUT = 120


def _page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for k, v in state.items():
        if k == "dataset" or k.startswith("dataset."):  # the data component keeps them under "cls."
            k = f"cls.{k}"
        at.session_state[k] = v
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _figures(at: AppTest) -> list[dict]:
    """Every Plotly figure on the page: st.plotly_chart's and the live charts' (ui/live_plot.py), the
    live slider's part for its value applied as the browser applies it."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")] + live_figures(at)


def _live_args(at: AppTest) -> dict | None:
    """The arguments of the model's live main slider (ui.live_slider), or None."""
    for el in at.get("component_instance"):
        if el.proto.component_name.endswith("live_slider"):
            args = json.loads(el.proto.json_args)
            if args["sliders"]:
                return args
    return None


def _regions(at: AppTest) -> dict:
    figs = [
        f
        for f in _figures(at)
        if any(t.get("type") == "heatmap" and t.get("name") == "predicted class" for t in f["data"])
    ]
    assert figs, "no decision-region figure"
    return figs[0]


def _metric(at: AppTest, label: str) -> float:
    """A headline number: an st.metric, or a tile of the live slider's readouts."""
    found = [m.value for m in at.metric if m.label == label]
    return float(found[0]) if found else float(live_readouts(at)[0][label])


def _n_points(trace: dict) -> int:
    x = trace.get("x")
    if isinstance(x, dict):  # plotly's binary encoding: {"dtype": ..., "bdata": ...}
        import base64

        return len(base64.b64decode(x["bdata"])) // np.dtype(x["dtype"]).itemsize
    return len(x or [])


def test_default_page_trains_and_draws_regions():
    at = _page()
    at.run()
    _ok(at)
    assert not at.error
    assert 0.8 <= _metric(at, "Test accuracy") <= 1.0
    fig = _regions(at)
    assert fig["layout"]["xaxis"]["title"]["text"] == "x1"
    assert fig["layout"]["yaxis"]["title"]["text"] == "x2"
    assert all(_n_points(t) <= 5000 for t in fig["data"] if t.get("type", "scatter").startswith("scatter"))
    assert at.markdown or at.title
    assert any("Simulated data" in i.value for i in at.info)  # the real/simulated badge


def test_changing_a_hyperparameter_refits_and_a_view_does_not():
    at = _page()
    at.run()
    deep = _metric(at, "Train accuracy")
    at.session_state["model.tree.max_depth"] = 1  # a live slider: its value is kept in the session
    at.run()
    _ok(at)
    shallow = _metric(at, "Train accuracy")
    assert shallow < deep  # a stump underfits the moons
    from ui.training import store

    n_fitted = len(store("fitted", 16))
    at.toggle(key="regions.shading").set_value(False).run()
    _tab(at, "view", "Metrics")
    at.selectbox(key="metrics.positive").set_value(0).run()
    _ok(at)
    assert len(store("fitted", 16)) == n_fitted  # view changes never refit


# Every model on one dataset of each kind: 2-D synthetic, real tabular, simulated physics/astronomy.
_MODELS = [s.name for s in list_models("classification")]
_DATASETS = [
    ("moons", {}),
    ("iris", {}),
    ("photon_jet", {"dataset.photon_jet.n_samples": 1000}),
    ("wine", {}),
    ("sdss", {"dataset.sdss.n_samples": 600}),
    ("blobs", {}),
    ("breast_cancer", {}),
    ("circles", {}),
]


@pytest.mark.parametrize("i,model", list(enumerate(_MODELS)))
def test_every_model_runs(i, model):
    dataset, options = _DATASETS[i % len(_DATASETS)]
    state = {"dataset": dataset, "model": model, **options}
    if model == "mlp_torch":
        state["model.mlp_torch.epochs"] = 5
    if model in ("random_forest",):
        state["model.random_forest.n_estimators"] = 20
    at = _page(**state)
    at.run()
    if model == "mlp_torch":  # a network never trains by itself: nothing to show until Train
        assert not at.metric and at.button(key="cls.train")
        at.button(key="cls.train").click().run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert 0.0 <= _metric(at, "Test accuracy") <= 1.0
    fig = _regions(at)
    assert fig["layout"]["xaxis"]["title"]["text"]
    if model == "mlp_torch":
        _tab(at, "view", "Training curves")
        history = [
            f
            for f in _figures(at)
            if f["layout"].get("yaxis", {}).get("title", {}).get("text", "").startswith("loss")
        ]
        assert history, "no training-curve figure for the network"
        assert any("Trained on" in c.value for c in at.caption)


def test_every_builtin_dataset_loads():
    from ml.datasets import list_datasets

    at = _page(model="naive_bayes")
    at.run()
    for spec in [d for d in list_datasets(("binary", "multiclass")) if "anomaly" not in d.tags]:
        at.selectbox(key="cls.dataset").set_value(spec.name).run()
        _ok(at)
        assert not at.error, (spec.name, [e.value for e in at.error])


def test_pca_plane_and_feature_pair_on_many_features():
    at = _page(dataset="wine", model="logistic")
    at.run()
    _ok(at)
    assert _regions(at)["layout"]["xaxis"]["title"]["text"].startswith("PC 1")
    at.radio(key="regions.mode").set_value("features").run()
    at.selectbox(key="regions.x").set_value("alcohol").run()
    at.selectbox(key="regions.y").set_value("flavanoids").run()
    _ok(at)
    fig = _regions(at)
    assert (fig["layout"]["xaxis"]["title"]["text"], fig["layout"]["yaxis"]["title"]["text"]) == (
        "alcohol",
        "flavanoids",
    )


def test_metrics_tables_and_tree_text():
    at = _page(dataset="iris")
    at.run()
    _tab(at, "view", "Tree structure")
    _ok(at)
    assert any("petal" in c.value for c in at.code)  # the tree, in feature units
    drawn = next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith("The fitted tree"))
    boxes = next(t for t in drawn["data"] if t.get("mode") == "markers+text")
    assert "petal" in boxes["text"][0] and "rows" in boxes["text"][0]  # the root's split and rows
    assert {"setosa", "versicolor", "virginica"} <= {t.get("name") for t in drawn["data"]}  # a colour per class
    _tab(at, "view", "Metrics")
    _ok(at)
    frames = [d.value for d in at.dataframe]
    summary = next(f for f in frames if "accuracy" in f.index and "train" in f.columns)
    assert set(summary.columns) == {"train", "test"}
    assert {"precision", "recall", "F1", "F2"} <= set(summary.index)
    assert any("setosa" in f.index for f in frames)  # the per-class report
    at.select_slider(key="metrics.beta").set_value(0.5).run()
    _ok(at)
    assert any("F0.5" in d.value.index for d in at.dataframe)


def _tab(at: AppTest, key: str, label: str) -> None:
    """Open a tab (tabs are lazy: only the open one runs)."""
    at.session_state[key] = label
    at.run()


def test_view_settings_survive_a_tab_switch():
    """Set the plane to two features with x = petal width, open Metrics, come back: still so."""
    at = _page(dataset="iris", model="logistic")
    at.run()
    at.radio(key="regions.mode").set_value("features").run()
    at.selectbox(key="regions.x").set_value("petal_width_cm").run()
    at.toggle(key="regions.shading").set_value(False).run()
    _tab(at, "view", "Metrics")
    at.select_slider(key="metrics.beta").set_value(0.5).run()
    _tab(at, "view", "Confusion matrix")
    _tab(at, "view", "Decision regions")
    _ok(at)
    assert at.radio(key="regions.mode").value == "features"
    assert at.selectbox(key="regions.x").value == "petal_width_cm"
    assert at.toggle(key="regions.shading").value is False
    fig = _regions(at)
    assert fig["layout"]["xaxis"]["title"]["text"].startswith("petal_width_cm")
    assert any("held at their median" in a["text"] for a in fig["layout"]["annotations"])
    at.toggle(key="regions.own").set_value(True).run()
    assert any("predicted" in t.get("name", "") for t in _regions(at)["data"])
    _tab(at, "view", "Metrics")
    assert at.select_slider(key="metrics.beta").value == 0.5
    report = next(df for df in at.dataframe if "support" in df.value.columns).value
    assert "accuracy" not in report.index and not report.isna().any().any(), report  # no "None" cells
    assert any("Accuracy over all" in c.value for c in at.caption)


def test_a_rerun_that_keeps_the_model_recomputes_nothing_heavy(monkeypatch):
    """View changes and plain reruns: no fit, no decision grid, no predictions (counted)."""
    import ml.classification as mlc
    import ui.training as training

    calls = {"fit": 0, "grid": 0}
    real_fit, real_grid = training.fit_model, mlc.decision_grid

    def fit(*a, **k):
        calls["fit"] += 1
        return real_fit(*a, **k)

    def grid(*a, **k):
        calls["grid"] += 1
        return real_grid(*a, **k)

    monkeypatch.setattr(training, "fit_model", fit)
    monkeypatch.setattr(mlc, "decision_grid", grid)
    at = _page(dataset="iris", model="random_forest", **{"model.random_forest.n_estimators": 20})
    at.run()
    _ok(at)
    before = dict(calls)
    assert before == {"fit": 1, "grid": 1}  # settings no other test uses: fitted here, once
    at.run()  # a rerun with nothing changed
    at.toggle(key="regions.shading").set_value(False).run()
    _tab(at, "view", "Feature importance")
    _tab(at, "view", "Metrics")
    at.select_slider(key="metrics.beta").set_value(4.0).run()
    _tab(at, "view", "Decision regions")
    _ok(at)
    assert calls == before, (before, calls)


def test_controls_that_do_nothing_are_hidden_and_unlimited_is_on_the_label():
    at = _page(model="tree")
    at.run()
    assert "0 = unlimited" in _live_args(at)["sliders"][0]["label"]  # the tree's depth: a live slider
    at.selectbox(key="model").set_value("svm").run()
    _ok(at)
    keys = {w.key for w in at.slider} | {w.key for w in at.select_slider}
    assert "model.svm.degree" not in keys and _live_args(at)["sliders"][0]["name"] == "model.svm.gamma"  # RBF: no degree
    at.selectbox(key="model.svm.kernel").set_value("poly").run()
    assert "model.svm.degree" in {w.key for w in at.slider}
    at.selectbox(key="model.svm.kernel").set_value("linear").run()  # γ does nothing for a linear kernel
    _ok(at)
    assert _live_args(at) is None and "model.svm.gamma" not in {w.key for w in at.select_slider}


def test_a_fit_forecast_to_be_slow_waits_for_train():
    """A 100-tree forest on 3,750 SDSS rows is forecast at a few seconds: no fit until Train is pressed."""
    at = _page(dataset="sdss", model="random_forest")
    at.run()
    _ok(at)
    assert at.button(key="cls.train") and not at.metric
    assert any("expected to take" in i.value for i in at.info)


def test_knn_on_photon_jet_fits_without_asking():
    """k-NN was forecast at ~4 s on photon vs jet and asked for Train, yet fits at once: no false alarm."""
    at = _page(dataset="photon_jet", model="knn", test=0.1)
    at.run()
    _ok(at)
    assert not any(b.key == "cls.train" for b in at.button), [i.value for i in at.info]
    assert not any("expected to take" in i.value for i in at.info)
    assert 0.5 <= _metric(at, "Test accuracy") <= 1.0


def _x_titles(at: AppTest) -> list[str]:
    return [
        f["layout"]["xaxis"]["title"]["text"] for f in _figures(at) if "title" in f["layout"].get("xaxis", {})
    ]


def test_sweeps_run_on_request_and_are_cached():
    at = _page(dataset="iris", model="knn")
    at.run()
    at.slider(key="eval.k").set_value(3).run()
    at.button(key="eval.cv.run").click().run()
    _ok(at)
    assert any(m.label.startswith("Held-out accuracy") for m in at.metric)
    _tab(at, "eval.tab", "Learning curve")
    at.button(key="eval.learning.run").click().run()
    _ok(at)
    assert "training-set size (rows)" in _x_titles(at)
    _tab(at, "eval.tab", "Validation curve")
    at.selectbox(key="eval.vc.param").set_value("n_neighbors").run()
    at.number_input(key="eval.vc.n_neighbors.n").set_value(3).run()
    at.button(key="eval.vc.run").click().run()
    _ok(at)
    assert "Neighbours k" in _x_titles(at)
    _tab(at, "eval.tab", "Grid search")
    at.button(key="eval.gs.run").click().run()
    _ok(at)
    assert any("Best:" in s.value for s in at.success)
    assert not at.error, [e.value for e in at.error]
    # a result comes back from the store when its tab is opened again, without pressing its button
    _tab(at, "eval.tab", "Cross-validation")
    assert any(m.label.startswith("Held-out accuracy") for m in at.metric)
    _tab(at, "eval.tab", "Learning curve")
    assert "training-set size (rows)" in _x_titles(at)


def test_model_comparison_table():
    at = _page(dataset="nand")  # tiny: everything trains fast; comparison on the same rows
    at.run()
    _ok(at)
    assert any("nothing can be held out" in w.value for w in at.warning)
    _tab(at, "eval.tab", "Compare models")
    at.button(key="eval.cmp.run").click().run()
    _ok(at)
    table = next(d.value for d in at.dataframe if "fit time (s)" in d.value.columns)
    assert {"accuracy", "F1 (macro)", "AUC"} <= set(table.columns)
    assert len(table) == len(list_models("classification"))


def test_fewer_rows_than_folds_is_a_message():
    at = _page(dataset="nand")
    at.run()
    at.button(key="eval.cv.run").click().run()
    _ok(at)
    assert any("fold" in e.value for e in at.error)
    assert "Train accuracy" in live_readouts(at)[0]  # the rest of the page still works (the tree's live numbers)


def test_diverging_network_is_a_message_with_a_fix():
    state = {
        "dataset": "breast_cancer",
        "model": "mlp_torch",
        "scaling": "none",  # raw features up to ~2,500 ...
        "model.mlp_torch.optimizer": "sgd",
        "model.mlp_torch.learning_rate": 1.0,  # ... and a huge step: the loss becomes NaN at once
        "model.mlp_torch.hidden_layers": 3,
        "model.mlp_torch.hidden_units": 128,
        "model.mlp_torch.epochs": 5,
    }
    at = _page(**state)
    at.run()
    at.button(key="cls.train").click().run()
    _ok(at)
    assert any("diverged" in e.value and "learning rate" in e.value for e in at.error), [
        e.value for e in at.error
    ]
    # the sidebar still works: a lower learning rate trains
    at.select_slider(key="model.mlp_torch.learning_rate").set_value(0.001).run()
    at.selectbox(key="scaling").set_value("standard").run()
    at.button(key="cls.train").click().run()
    _ok(at)
    assert not at.error and _metric(at, "Test accuracy") > 0.8


def test_confusion_matrix_and_permutation_importance():
    at = _page(dataset="iris", model="knn")
    at.run()
    _tab(at, "view", "Confusion matrix")
    fig = next(f for f in _figures(at) if f["layout"]["xaxis"]["title"]["text"] == "predicted class")
    assert fig["layout"]["yaxis"]["title"]["text"] == "true class"
    at.toggle(key="confusion.normalise").set_value(True).run()
    _ok(at)
    _tab(at, "view", "Feature importance")
    at.button(key="importance.run").click().run()  # k-NN has no impurity importances: on request
    _ok(at)
    assert any("shuffled" in f["layout"]["xaxis"]["title"]["text"] for f in _figures(at))
    at.session_state["model"] = "random_forest"
    at.run()
    assert any("impurity" in f["layout"]["xaxis"]["title"]["text"] for f in _figures(at))  # at once


def _csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def _upload(at: AppTest, data: bytes, name: str = "x.csv") -> AppTest:
    return upload(at, "cls", data, name)


def _table(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "kind": np.where(a + b > 0, "star", "galaxy")})


def test_upload_with_string_labels_trains():
    at = _page(model="logistic")
    at.run()
    _upload(at, _csv(_table()))
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert target_box(at).value == "kind"
    assert _metric(at, "Test accuracy") > 0.7
    names = {t["name"] for t in _regions(at)["data"]}
    assert "galaxy (train)" in names and "star (test)" in names


def test_upload_text_feature_offers_drop_or_onehot():
    df = _table()
    df["colour"] = np.where(df["a"] > 0.5, "red", "blue")
    at = _page(model="logistic")
    at.run()
    _upload(at, _csv(df))
    _ok(at)
    assert "colour" not in features_box(at).value  # text is offered, not chosen by default
    next(b for b in at.button if b.label.startswith("Add back")).click().run()
    assert "colour" in features_box(at).value
    at.radio(key="cls.text_policy").set_value("onehot").run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    at.radio(key="cls.text_policy").set_value("drop").run()
    _ok(at)
    assert not at.error


def test_upload_missing_values_say_how_many_and_offer_fixes():
    df = _table()
    df.loc[[1, 5, 9], "a"] = np.nan
    at = _page(model="logistic")
    at.run()
    _upload(at, _csv(df))
    _ok(at)
    radio = at.radio(key="cls.missing_policy")
    assert "3 of 60 rows" in radio.label
    radio.set_value("impute").run()
    _ok(at)
    assert not at.error


@pytest.mark.parametrize(
    "labels,words",
    [(["star"] * 60, "at least two classes"), ([f"c{i}" for i in range(60)], "too many")],
)
def test_upload_bad_targets_are_messages(labels, words):
    df = _table()
    df["kind"] = labels
    at = _page(model="logistic")
    at.run()
    _upload(at, _csv(df))
    set_target(at, "kind")
    _ok(at)
    assert any(words in e.value for e in at.error), [e.value for e in at.error]


def test_open_in_roc_explorer_hands_over_test_scores():
    at = _page(dataset="iris", model="logistic")
    at.run()
    at.button(key="roc.send").click().run()
    _ok(at)
    sent = at.session_state[ROC_KEY]
    assert sent["classes"] == ["setosa", "versicolor", "virginica"]
    assert sent["scores"]["Logistic regression"].shape == (len(sent["labels"]), 3)
    assert set(np.unique(sent["labels"])) == {0, 1, 2}
    # Run on its own (not through app.py) the page cannot switch pages: it says where the scores went.
    assert not at.error and any("Scores saved" in i.value for i in at.info)


APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.mark.slow
def test_every_classifier_opens_in_the_roc_explorer_through_the_router():
    """The hand-off works for every registry classifier while the picker is bound to the URL.

    The model is set through the URL, as a shared link or a browser sets it: a bound widget with a
    non-default value is what made the page switch fail ("Cannot clear query parameters").
    """
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["model.mlp_torch.epochs"] = 3
    at.session_state["model.random_forest.n_estimators"] = 10
    at.run()
    for spec in list_models("classification"):
        at.switch_page("pages/2_Classification.py")
        at.query_params.clear()
        at.query_params["model"] = spec.title
        at.run()
        if at.selectbox(key="model").value != spec.name:  # the default model is not written to the URL
            at.selectbox(key="model").set_value(spec.name).run()
        _ok(at)
        assert at.selectbox(key="model").value == spec.name
        if spec.is_torch:  # the network trains only on request
            at.button(key="cls.train").click().run()
        at.button(key="roc.send").click().run()
        _ok(at)
        assert not at.error, (spec.name, [e.value for e in at.error])
        assert [t.value for t in at.title] == ["ROC Explorer"], spec.name
        sent = at.session_state[ROC_KEY]
        assert list(sent["scores"]) == [spec.title]
        assert len(sent["scores"][spec.title]) == len(sent["labels"]) > 0
        assert at.radio(key="roc_source").value == "handoff"
    # Back on the Classification page the last model is still chosen (kept for the session).
    at.switch_page("pages/2_Classification.py").run()
    assert at.selectbox(key="model").value == list_models("classification")[-1].name


def test_ugriz_upload_gets_colours():
    from ml.datasets import load_dataset

    sdss = load_dataset("sdss", n_samples=300)
    df = sdss.X[["u", "g", "r", "i", "z"]].copy()
    df["class"] = [sdss.class_names[c] for c in sdss.y]
    at = _page(model="naive_bayes")
    at.run()
    _upload(at, _csv(df))
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert {"u-g", "g-r"} <= set(features_box(at).value)
    fig = _regions(at)
    assert (fig["layout"]["xaxis"]["title"]["text"], fig["layout"]["yaxis"]["title"]["text"]) == (
        "u-g",
        "g-r",
    )


def _regression_views():
    """The shared evaluation views on a regression task (as the regression page uses them)."""
    from ml import datasets, evaluation
    from ui.evaluation_views import evaluation_views

    ds = datasets.load_dataset("diabetes")
    X_tr, X_te, y_tr, y_te = evaluation.split(ds.X, ds.y, "regression", 0.25, 0)
    evaluation_views(
        "regression",
        ("diabetes",),
        "ridge",
        {"alpha": 1.0},
        "standard",
        0,
        X_tr,
        y_tr,
        X_test=X_te,
        y_test=y_te,
    )


def test_evaluation_views_work_for_regression():
    at = AppTest.from_function(_regression_views, default_timeout=TIMEOUT)
    at.run()
    at.button(key="eval.cv.run").click().run()
    _ok(at)
    assert any(m.label == "Held-out R² (mean ± std)" for m in at.metric)
    _tab(at, "eval.tab", "Validation curve")
    at.button(key="eval.vc.run").click().run()
    _ok(at)
    fig = next(f for f in _figures(at) if f["layout"]["xaxis"]["title"]["text"] == "Regularisation α")
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["yaxis"]["title"]["text"] == "R²"
    _tab(at, "eval.tab", "Grid search")
    assert any("fewer than two hyperparameters" in i.value for i in at.info)  # ridge has one
    _tab(at, "eval.tab", "Compare models")
    at.button(key="eval.cmp.run").click().run()
    _ok(at)
    table = next(d.value for d in at.dataframe if "fit time (s)" in d.value.columns)
    assert {"R²", "RMSE", "MAE"} <= set(table.columns)
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("model,param,value", [("tree", "max_depth", 3), ("knn", "n_neighbors", 9), ("svm", "gamma", 1.0)])
def test_live_main_slider_states_are_the_fits_the_page_makes(model, param, value):
    """The main parameter is a live slider: the values around the current one are fitted ahead, and the state
    the browser draws at a value (regions, crosses, scores) is the page's own fit at that value."""
    at = _page(model=model)
    at.run()
    _ok(at)
    args = _live_args(at)
    name = f"model.{model}.{param}"
    assert args["sliders"][0]["name"] == name and args["known"] and len(args["known"]) <= 2 * cls.LIVE_WINDOW + 1
    assert str(value) in args["known"] or f"{value:g}" in args["known"]
    follow = next(json.loads(el.proto.json_args)["follow"] for el in at.get("component_instance")
                  if el.proto.component_name.endswith("live_plot") and json.loads(el.proto.json_args).get("follow"))  # fmt: skip
    follow = {**follow, "values": {name: value}}  # what the browser draws once the slider is at `value`
    from tests.app.live_helpers import live_figure

    plot = next(json.loads(el.proto.json_args) for el in at.get("component_instance")
                if el.proto.component_name.endswith("live_plot") and json.loads(el.proto.json_args).get("follow"))  # fmt: skip
    ahead = live_figure({**plot, "follow": follow})
    at.session_state[name] = value  # the slider commits: the page fits that value itself
    at.run()
    _ok(at)
    now = _regions(at)
    assert np.array_equal(_z(ahead["data"][0]["z"]), _z(now["data"][0]["z"]))  # the same regions
    cross = lambda f: next(t for t in f["data"] if t["name"].startswith("misclassified"))  # noqa: E731
    assert cross(ahead)["name"] == cross(now)["name"]
    assert _metric(at, "Train accuracy") == pytest.approx(float(np.mean(_page_fit_train_hits(at))))


def _page_fit_train_hits(at: AppTest) -> np.ndarray:
    """The page's own fit (the last Run): which training rows it gets right."""
    from ui.classification import LAST_RUN

    run = at.session_state[LAST_RUN]
    return np.asarray(run.est.predict(run.X_train)) == run.y_train


def _z(v) -> list:
    """A heatmap's z as nested lists (plain, or Plotly's typed-array spec)."""
    if isinstance(v, dict):
        import base64

        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v.get("shape", len(a))).split(",")]).tolist()
    return np.asarray(v, dtype=float).tolist()
