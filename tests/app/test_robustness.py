"""Issue 10's "Found" list, one test each: no crash, no hang, no misleading message.

Small data throughout (AppTest reruns cost ~0.1-1 s each on two cores).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
CLS = str(ROOT / "pages" / "2_Classification.py")
REG = str(ROOT / "pages" / "1_Regression.py")
ROC = str(ROOT / "pages" / "3_ROC_Explorer.py")
TIMEOUT = 120


def _page(path: str, **state) -> AppTest:
    at = AppTest.from_file(path, default_timeout=TIMEOUT)
    for k, v in state.items():
        at.session_state[k] = v
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    generic = [e.value for e in at.error if "could not be computed" in e.value]
    assert not generic, generic


def _plain(text: str) -> str:
    """Markdown-escaped text as the reader sees it (backslash escapes and HTML entities resolved)."""
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def _texts(at: AppTest) -> str:
    return _plain("\n".join(x.value for x in [*at.error, *at.warning, *at.info, *at.caption, *at.markdown]))


# -- size-dependent parameters ---------------------------------------------------------------------
def test_knn_on_nand_is_clipped_with_a_note_not_a_crash():
    at = _page(CLS, **{"cls.dataset": "nand", "model": "knn"})
    at.run()
    _ok(at)
    text = _texts(at)
    assert "using 4" in text and "largest allowed" in text, text
    from tests.app.live_helpers import live_readouts

    assert "Train accuracy" in live_readouts(at)[0]  # k is a live slider: its numbers are its readouts


def test_knn_k50_on_20_moons_with_half_held_out_is_clipped():
    at = _page(CLS, **{"cls.dataset": "moons", "cls.dataset.moons.n_samples": 20, "model": "knn",
                       "model.knn.n_neighbors": 50, "test": 0.5})  # fmt: skip
    at.run()
    _ok(at)
    assert "using 10" in _texts(at)


def test_knn_regression_on_few_rows_is_clipped_not_sklearn_text():
    at = _page(REG, **{"reg.dataset": "curve_1d", "reg.dataset.curve_1d.n_samples": 10, "reg.model": "knn",
                       "reg.knn.n_neighbors": 50})  # fmt: skip
    at.run()
    _ok(at)
    text = _texts(at)
    assert "n_samples_fit" not in text
    assert "largest allowed" in text, text


def test_cross_validation_folds_clip_inside_folds():
    from ml.evaluation import cross_validate, make_folds
    from ml.models import make_pipeline

    X = pd.DataFrame({"a": np.arange(12.0), "b": np.arange(12.0) ** 2})
    y = np.array([0, 1] * 6)
    frame = cross_validate(make_pipeline("knn", "classification", {"n_neighbors": 50}), X, y, "classification", k=3)
    assert frame["test_score"].notna().all()
    try:
        make_folds(X, np.array([0] * 10 + [1] * 2), "classification", k=5)
    except ValueError as exc:
        assert "at most 2 folds" in str(exc)
    else:
        raise AssertionError("5 folds with a class of 2 rows must be refused")


# -- links ------------------------------------------------------------------------------------------
def test_model_registry_key_in_the_url_is_honoured():
    at = _page(CLS, **{"cls.dataset": "nand"})
    at.query_params["model"] = "knn"
    at.run()
    _ok(at)
    assert at.selectbox(key="model").value == "knn"
    at = _page(REG)
    at.query_params["reg.model"] = "knn"
    at.run()
    _ok(at)
    assert at.selectbox(key="reg.model").value == "knn"


# -- the ROC Explorer's built-in NAND ----------------------------------------------------------------
def test_roc_nand_is_scored_without_a_split_and_says_so():
    at = _page(ROC, **{"roc.dataset": "nand"})
    at.run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert any("too few to hold any out" in i.value for i in at.info)


# -- uploads: bad cells named, nothing dropped silently, the newest upload shown -----------------------
def _upload_file(at: AppTest, page: str, name: str) -> AppTest:
    from tests.app.upload_helpers import upload
    from tests.hostile.make_corpus import corpus

    return upload(at, page, corpus()[name], name)


def test_stray_cells_are_named_with_rows_and_values_and_can_be_read_as_numbers():
    at = _page(CLS)
    at.run()
    _upload_file(at, "cls", "stray_in_three.csv")
    _ok(at)
    text = _plain("\n".join(w.value for w in at.warning))
    for col, value, row in (("a", "oops", 7), ("b", "bad", 8), ("c", "?", 9)):
        assert f"Column \"{col}\"" in text and value in text and f"row {row}" in text, text
    assert "0.0" not in text.split("not numbers")[1][:20]  # the bad cells are the examples, not valid numbers
    next(b for b in at.button if b.label.startswith("Read these columns as numbers")).click()
    at.run()
    _ok(at)
    assert "(read as numbers)" in at.selectbox(key="cls.upload_pick").format_func(at.selectbox(key="cls.upload_pick").value)
    from tests.app.upload_helpers import features_box

    assert {"a", "b", "c"} <= set(features_box(at).value), features_box(at).value
    assert any("missing" in r.label for r in at.radio)  # the bad cells are now gaps: drop or impute, said


def test_percentages_and_thousands_are_offered_parsing():
    at = _page(CLS)
    at.run()
    _upload_file(at, "cls", "percentages.csv")
    assert any("percentage" in _plain(w.value) for w in at.warning)
    assert any("'12%' as 12" in b.label for b in at.button)
    _upload_file(at, "cls", "thousands.csv")
    assert any("thousands separators" in _plain(w.value) for w in at.warning)


def test_a_new_upload_is_the_one_selected():
    at = _page(CLS)
    at.run()
    _upload_file(at, "cls", "semicolon.csv")
    _upload_file(at, "cls", "crlf.csv")
    pick = at.selectbox(key="cls.upload_pick")
    assert "crlf.csv" in pick.format_func(pick.value)


# -- numbers at the edge: ±inf and ±1e308 count as missing, named with column and rows ----------------
def test_extreme_features_are_named_and_can_be_dropped():
    at = _page(CLS)
    at.run()
    _upload_file(at, "cls", "huge_features.csv")
    _ok(at)
    text = _texts(at)
    assert 'Column "a"' in text and "row 5" in text and "row 12" in text and "1e+308" in text, text
    assert "contains NaN" not in text
    radio = next(r for r in at.radio if "missing, infinite or extreme" in r.label)
    radio.set_value("drop").run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert any(m.label == "Train accuracy" for m in at.metric)


def test_inf_cells_offer_the_missing_value_choice():
    at = _page(CLS)
    at.run()
    _upload_file(at, "cls", "inf_cells.csv")
    _ok(at)
    assert any("missing, infinite or extreme" in r.label for r in at.radio)  # the control the message names


def test_extreme_scores_on_the_roc_name_rows_and_the_rest_still_works():
    from tests.app.test_hostile_uploads import to_upload
    from tests.hostile.make_corpus import corpus

    at = _page(ROC)
    at.run()
    to_upload(at).set_value(("huge_scores.csv", corpus()["huge_scores.csv"], "text/csv"))
    at.run()
    _ok(at)
    text = _texts(at)
    assert "row 3: 1e+308" in text and "row 9: -1e+308" in text, text
    assert "StreamlitJSNumberBoundsError" not in text and "Too many bins" not in text
    next(c for c in at.checkbox if c.label.startswith("Drop the")).check().run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]


def test_extreme_values_count_as_missing_in_the_ml_core():
    from ml.sources import unlabelled_dataset
    from ml.tables import to_dataset

    df = pd.DataFrame({"a": [1.0, 1e308, 3.0, -np.inf] + list(range(20)), "b": np.arange(24.0), "y": [0, 1] * 12})
    ds = to_dataset(df, "y", ["a", "b"], missing="drop")
    assert len(ds.X) == 22 and "row 2" in ds.description and "row 4" in ds.description
    ds = unlabelled_dataset(df, ["a", "b"], missing="impute")
    assert np.isfinite(ds.X.to_numpy()).all() and "row 2" in ds.description


# -- security: user text is never live Markdown --------------------------------------------------------
def test_labels_with_markdown_images_are_escaped_everywhere_on_the_roc():
    from tests.app.test_hostile_uploads import live_markdown, to_upload
    from tests.hostile.make_corpus import corpus

    at = _page(ROC)
    at.run()
    for name in ("markdown_one_class.csv", "markdown_three_classes.csv"):
        to_upload(at).set_value((name, corpus()[name], "text/csv"))
        at.run()
        _ok(at)
        assert not live_markdown(at), live_markdown(at)
        assert "track.png" in _texts(at) or "a.png" in _texts(at)  # shown, as text


def test_guard_escapes_messages():
    from ui.widgets import safe_md

    shown = safe_md('The target "sig![t](http://host/track.png)" has one class <img src=x>')
    assert "](" not in shown.replace("\\]\\(", "") and "<img" not in shown


# -- the row budget: past it a page trains on a seeded sample and says so ------------------------------
def test_an_upload_past_the_row_budget_trains_on_a_stated_seeded_sample(monkeypatch):
    import ui.data_source as source
    from tests.app.upload_helpers import upload

    monkeypatch.setitem(source.ROW_BUDGET, "cls", 100)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x1": rng.normal(size=400), "x2": rng.normal(size=400), "label": rng.integers(0, 2, 400)})
    at = _page(CLS)
    at.run()
    upload(at, "cls", df.to_csv(index=False).encode(), "big.csv")
    _ok(at)
    assert any("random sample of 100 of the 400 rows (seed 0" in i.value for i in at.info), [i.value for i in at.info]
    assert "100 rows" in _texts(at)  # the data line gives the size trained on


# -- an entirely empty column is named, and never preselected as a score or a feature ------------------
def test_an_empty_column_is_named_and_never_a_score_or_feature():
    from tests.app.test_hostile_uploads import to_upload
    from tests.app.upload_helpers import features_box
    from tests.hostile.make_corpus import corpus

    at = _page(ROC)
    at.run()
    to_upload(at).set_value(("empty_column.csv", corpus()["empty_column.csv"], "text/csv"))
    at.run()
    _ok(at)
    assert "empty" not in at.multiselect(key="roc_score_cols").value
    assert any("entirely empty" in _plain(w.value) for w in at.warning)
    assert not at.error, [e.value for e in at.error]
    at = _page(CLS)
    at.run()
    _upload_file(at, "cls", "empty_column.csv")
    _ok(at)
    assert "empty" not in features_box(at).value
    assert "empty: empty" in _texts(at)  # left out, with the reason "empty"
    assert "only 0 rows" not in _texts(at)


# -- long fits: the estimate is said and asked first; networks stop on request, keeping what they learned -
def test_a_fit_expected_to_be_long_is_estimated_and_asked_first():
    at = _page(CLS, **{"cls.dataset": "photon_jet", "model": "svm", "model.svm.C": 1000.0, "model.svm.gamma": 100.0})
    at.run()
    _ok(at)
    text = _texts(at)
    assert "expected to take about" in text, text
    assert "expected to take about" in text and any(b.label.startswith("Train") for b in at.button)
    assert not any(m.label == "Train accuracy" for m in at.metric)  # nothing was fitted without asking


def test_estimates_rank_the_issue_cases_as_long_and_defaults_as_short():
    from ml.models import make_pipeline
    from ml.runtime import LONG_FIT_S, estimate_fit_seconds

    long_cases = [
        ("svm", "classification", {"C": 1000, "gamma": 100}, 50_000),
        ("svr", "regression", {"C": 1000, "gamma": 100}, 50_000),
        ("mlp_torch", "classification", {"epochs": 500, "batch_size": 8}, 100_000),
    ]
    for name, task, params, n in long_cases:
        assert estimate_fit_seconds(make_pipeline(name, task, params), n, 9) > LONG_FIT_S, name
    for name in ("tree", "logistic", "svm", "random_forest", "mlp_torch", "knn"):
        assert estimate_fit_seconds(make_pipeline(name, "classification"), 300, 2) < 1.0, name


def test_live_training_stops_on_a_rerun_request_and_the_network_keeps_its_epochs():
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

    from ml.models import final_estimator, fit_model, make_pipeline
    from ui.training import _LiveTraining

    live = _LiveTraining("classification", "net")

    class _Interrupting:
        def progress(self, *a, **k):
            raise RerunException(None)

    X = pd.DataFrame({"a": np.linspace(0, 1, 80), "b": np.linspace(1, 0, 80)})
    y = np.array([0, 1] * 40)
    pipe = make_pipeline("mlp_torch", "classification", {"epochs": 30, "early_stopping": False})
    net = final_estimator(pipe)
    calls = []

    def callback(record, n_epochs):
        calls.append(record["epoch"])
        if record["epoch"] == 3:
            live.bar = _Interrupting()
            live._last = 0.0
        return live(record, n_epochs)

    net.set_params(callback=callback)
    fit_model(pipe, X, y)
    assert isinstance(live.interrupted, RerunException)
    assert net.n_epochs_ <= 4 < 30 and len(pipe.predict(X)) == 80  # stopped early, and usable


def test_compare_models_on_many_rows_says_its_estimate_on_the_button():
    at = _page(CLS, **{"cls.dataset": "photon_jet", "cls.dataset.photon_jet.n_samples": 100_000, "eval.tab": "Compare models"})
    at.run()
    _ok(at)
    assert any(b.label.startswith("Train and compare every model (about") for b in at.button), [b.label for b in at.button]


def test_projection_method_registry_key_in_the_url_is_honoured():
    at = _page(str(ROOT / "pages" / "5_Dimensionality_reduction.py"))
    at.query_params["method"] = "ica"
    at.run()
    _ok(at)
    assert at.selectbox(key="method").value == "ica"


def test_roc_score_columns_follow_a_new_upload():
    from tests.app.test_hostile_uploads import to_upload
    from tests.hostile.make_corpus import corpus

    at = _page(ROC)
    at.run()
    for name in ("latin1.csv", "semicolon.csv"):  # columns of the first are not in the second
        to_upload(at).set_value((name, corpus()[name], "text/csv"))
        at.run()
    _ok(at)
    assert at.multiselect(key="roc_score_cols").value, "a new table starts with its own score columns"
    assert not any("Choose at least one score column" in w.value for w in at.warning)
