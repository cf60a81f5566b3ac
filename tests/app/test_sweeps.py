"""The one sweep mechanism (ui.sweep) in AppTest: the estimate on the Run button before anything runs,
a sweep stopped after k steps keeps k results and says so, Continue finishes from there, and a sweep
forecast past the budget runs on a stated sample by default.

A Stop in a real browser is tests/browser/test_sweeps_browser.py; here the stop is simulated by
making `ui.sweep._interrupted` (which looks at Streamlit's pending rerun request) answer True after
k steps, exactly where a real Stop is noticed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui.sweep

TIMEOUT = 120


def _iris_views():
    from ml import datasets, evaluation
    from ui.evaluation_views import evaluation_views

    ds = datasets.load_dataset("iris")
    X_tr, X_te, y_tr, y_te = evaluation.split(ds.X, ds.y, "classification", 0.25, 0)
    evaluation_views("classification", ("iris",), "svm", {}, "standard", 0, X_tr, y_tr, X_test=X_te, y_test=y_te)


def _big_views():
    import numpy as np
    import pandas as pd

    from ui.evaluation_views import evaluation_views

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60_000, 6)), columns=[f"f{i}" for i in range(6)])
    y = np.where(X["f0"] + X["f1"] > 0, "a", "b")
    evaluation_views("classification", ("big",), "svm", {}, "standard", 0, X, y)


def _stop_after(monkeypatch, k: int) -> None:
    calls = []

    def interrupted() -> bool:  # asked before each step: True once k steps are done
        calls.append(1)
        return len(calls) > k

    monkeypatch.setattr(ui.sweep, "_interrupted", interrupted)


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _tab(at: AppTest, label: str) -> None:
    at.session_state["eval.tab"] = label
    at.run()


def test_estimate_is_on_the_run_button_before_it_runs():
    at = AppTest.from_function(_iris_views, default_timeout=TIMEOUT)
    at.run()
    _ok(at)
    label = at.button(key="eval.cv.run").label
    assert label.startswith("Run 5-fold cross-validation (") and ("about" in label or "under a second" in label)
    assert not at.metric  # nothing ran yet
    _tab(at, "Grid search")
    assert at.button(key="eval.gs.run").label.startswith("Run the grid search (")
    _tab(at, "Compare models")
    assert at.button(key="eval.cmp.run").label.startswith("Train and compare every model (")


def test_cross_validation_stopped_after_two_folds_keeps_them_and_continues(monkeypatch):
    at = AppTest.from_function(_iris_views, default_timeout=TIMEOUT)
    at.run()
    _stop_after(monkeypatch, 2)
    at.button(key="eval.cv.run").click().run()
    _ok(at)
    at.run()  # the rerun a Stop press causes
    _ok(at)
    assert any("Stopped after 2 of 5 folds" in i.value for i in at.info), [i.value for i in at.info]
    table = next(d.value for d in at.dataframe if "held-out accuracy" in d.value.columns)
    assert list(table["fold"]) == [1, 2]
    assert any("Partial result: 2 of 5 folds" in c.value for c in at.caption)
    assert at.button(key="eval.cv.run").label.startswith("Continue (")
    monkeypatch.setattr(ui.sweep, "_interrupted", lambda: False)
    at.button(key="eval.cv.run").click().run()  # Continue: folds 3 to 5
    _ok(at)
    table = next(d.value for d in at.dataframe if "held-out accuracy" in d.value.columns)
    assert list(table["fold"]) == [1, 2, 3, 4, 5]
    assert not any("Stopped after" in i.value for i in at.info)
    # the five folds equal one uninterrupted run
    from ml import datasets, evaluation
    from ml.evaluation import cross_validate
    from ml.models import make_pipeline

    ds = datasets.load_dataset("iris")
    X_tr, _, y_tr, _ = evaluation.split(ds.X, ds.y, "classification", 0.25, 0)
    full = cross_validate(make_pipeline("svm", "classification", {}, 0, "standard", X=X_tr), X_tr, y_tr, "classification")
    assert np.allclose(table["held-out accuracy"], full["test_score"])


def test_grid_search_stopped_part_way_shows_finished_cells_and_restarts(monkeypatch):
    at = AppTest.from_function(_iris_views, default_timeout=TIMEOUT)
    at.session_state["eval.k"] = 3
    at.run()
    _tab(at, "Grid search")
    _stop_after(monkeypatch, 7)  # cells x 3 folds: two cells and a part of the third
    at.button(key="eval.gs.run").click().run()
    at.run()
    _ok(at)
    assert any(re.search(r"Stopped after 7 of \d+ fits", i.value) for i in at.info), [i.value for i in at.info]
    assert any(s.value.startswith("Best (of the combinations done so far)") for s in at.success)
    assert any("blank cells were not run yet" in c.value for c in at.caption)
    grid = next(f for f in _figures(at) if f["data"] and f["data"][0]["type"] == "heatmap")
    cells = [t for row in grid["data"][0]["text"] for t in row]
    assert cells[2:] == ["not run yet"] * (len(cells) - 2) and "not run yet" not in cells[:2]
    monkeypatch.setattr(ui.sweep, "_interrupted", lambda: False)
    at.button(key="eval.gs.run.restart").click().run()  # Start again: every fit
    _ok(at)
    assert any(s.value.startswith("Best: ") for s in at.success)
    assert not any("Stopped after" in i.value for i in at.info)


def test_a_sweep_past_the_budget_runs_on_a_stated_sample():
    at = AppTest.from_function(_big_views, default_timeout=TIMEOUT)
    at.run()
    _ok(at)
    toggle = next(t for t in at.toggle if t.label.startswith("Use all 60,000 training rows"))
    assert toggle.value is False
    assert any("seeded sample" in c.value and "of the 60,000 training rows" in c.value for c in at.caption)
    label = at.button(key="eval.cv.run").label
    assert label.startswith("Run 5-fold cross-validation (")
    toggle.set_value(True).run()  # every row: the estimate passes the budget and says so first
    assert any("expected to take" in w.value for w in at.warning)
    assert at.button(key="eval.cv.run").label != label


@pytest.mark.parametrize("k", [0, 3])
def test_partial_results_stay_in_the_session(monkeypatch, k):
    at = AppTest.from_function(_iris_views, default_timeout=TIMEOUT)
    at.run()
    _tab(at, "Compare models")
    _stop_after(monkeypatch, k)
    at.button(key="eval.cmp.run").click().run()
    at.run()
    _ok(at)
    partial = at.session_state[ui.sweep.PARTIAL]
    assert [len(v) for v in partial.values()] == [k]
    if k:
        table = next(d.value for d in at.dataframe if "fit time (s)" in d.value.columns)
        assert len(table) == k


def _permutation():
    import streamlit as st

    from ml import datasets, evaluation
    from ml.models import fit_model, make_pipeline
    from ui.evaluation_views import permutation_importance_view

    ds = datasets.load_dataset("iris")
    X_tr, X_te, y_tr, y_te = evaluation.split(ds.X, ds.y, "classification", 0.25, 0)
    knn = make_pipeline("knn", "classification")
    fit_model(knn, X_tr, y_tr)
    out = permutation_importance_view(knn, X_te, y_te, key=("iris", "knn"), task="classification")
    if out is not None:
        st.dataframe(out.value)


def test_permutation_importance_stopped_after_two_features(monkeypatch):
    at = AppTest.from_function(_permutation, default_timeout=TIMEOUT)
    at.run()
    _ok(at)
    assert at.button(key="importance.run").label.startswith("Compute permutation importance (")
    _stop_after(monkeypatch, 3)  # the baseline score and two features
    at.button(key="importance.run").click().run()
    at.run()
    _ok(at)
    assert any("Stopped after 3 of 5 features" in i.value for i in at.info), [i.value for i in at.info]
    assert len(at.dataframe[0].value) == 2
    monkeypatch.setattr(ui.sweep, "_interrupted", lambda: False)
    at.button(key="importance.run").click().run()
    _ok(at)
    assert len(at.dataframe[0].value) == 4


# -- the unsupervised pages' sweeps ----------------------------------------------------------------
PAGES = Path(__file__).resolve().parents[2] / "pages"


def test_anomaly_benchmark_says_its_estimate_and_keeps_the_runs_done(monkeypatch):
    at = AppTest.from_file(str(PAGES / "6_Anomaly_detection.py"), default_timeout=TIMEOUT)
    state = {"ano.dataset.anomaly_local.n_samples": 300, "ano.bench.datasets": ["odds_wine", "anomaly_local"],
             "ano.bench.seeds": 1, "ano.bench.reds": ["none"], "ano.tab": "Benchmark table"}  # fmt: skip
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value.startswith("Expected to take") for c in at.caption)  # before it runs
    _stop_after(monkeypatch, 1)
    at.button(key="ano.bench.run").click().run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Stopped after 1 of 2 dataset × seed runs" in i.value for i in at.info), [i.value for i in at.info]
    assert len(at.dataframe[-1].value) == 1  # the one dataset done


def test_projection_accuracy_and_clustering_comparison_say_their_estimates():
    at = AppTest.from_file(str(PAGES / "5_Dimensionality_reduction.py"), default_timeout=TIMEOUT)
    at.session_state["proj.dataset"] = "iris"
    at.session_state["proj.view"] = "PCA"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="proj.acc_run").label.startswith("Compute accuracy against k (")
    at = AppTest.from_file(str(PAGES / "4_Clustering.py"), default_timeout=TIMEOUT)
    at.session_state["clu.dataset"] = "sdss"
    at.session_state["clu.tab"] = "Compare algorithms"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="clu.compare.run").label.startswith("Run the comparison (about")
    assert any("expected on this machine" in i.value for i in at.info)


def test_estimates_follow_the_measured_speed_of_this_server():
    from ml.evaluation import Plan, Step

    plan = Plan([Step("a", lambda: 1), Step("b", lambda: 2)], list)
    name = "test.speed.run"
    assert ui.sweep.speed(name) == 1.0
    ui.sweep._learn_speed(name, plan, 0, 2, 8.0, 2.0)  # ran 4x slower than forecast
    assert ui.sweep.speed(name) == pytest.approx(2.0)  # moved halfway (in log space)
    ui.sweep._learn_speed(name, plan, 0, 1, 5.0, 0.4)  # a forecast under half a second teaches nothing
    assert ui.sweep.speed(name) == pytest.approx(2.0)
