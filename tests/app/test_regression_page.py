"""AppTest runs of the Regression page: every model, degree / α / learning rate, gradient-descent steps,
the shared sweeps, linear vs network, and bad uploads.

Small data (the 60-point 1-D curve, a few hundred photo-z rows, few epochs) keeps the file well under
three minutes on two cores.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.live_helpers import live_figures, live_readouts
from tests.app.upload_helpers import features_box, set_features, set_target, target_box
from ui import regression as reg

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "1_Regression.py")
TIMEOUT = 180
SMALL_PHOTOZ = {"reg.dataset": "sdss_photoz", "reg.dataset.sdss_photoz.n_samples": 400}


def _page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for k, v in state.items():
        at.session_state[k] = v
    return at


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _figures(at: AppTest) -> list[dict]:
    """Every Plotly figure on the page as the browser draws it: st.plotly_chart's, and the live charts'
    (ui/live_plot.py) with their restyles, animation data and the followed live slider's part applied."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")] + live_figures(at)


def _values(v) -> np.ndarray:
    """A plotly array, plain or binary-encoded ({"dtype", "bdata"})."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray([np.nan if a is None else a for a in v], dtype=float)


def _trace(fig: dict, name: str) -> dict:
    return next(t for t in fig["data"] if t.get("name", "").startswith(name))


def _title(fig: dict) -> str:
    return fig["layout"].get("title", {}).get("text", "")


def _figure(at: AppTest, title_part: str) -> dict:
    figs = [f for f in _figures(at) if title_part in _title(f)]
    assert figs, f"no figure titled '…{title_part}…' among {[_title(f) for f in _figures(at)]}"
    return figs[0]


def _metric(at: AppTest, label: str) -> str:
    """A headline number: an st.metric, or a tile of the live slider's readouts (ui.live_slider)."""
    for m in at.metric:
        if m.label == label:
            return m.value
    return _live_tiles(at)[label]


def _live_tiles(at: AppTest) -> dict:
    out = {}
    for el in at.get("component_instance"):
        if el.proto.component_name.endswith("live_slider"):
            args = json.loads(el.proto.json_args)
            for item in args["tiles"]:
                t = item.get("static") or item["texts"].get(str(args["values"].get(item.get("slider"))))
                if t:
                    out[t[0]] = t[1]
    return out


def _lines(at: AppTest) -> list[str]:
    """The live slider's readout lines as text (markup included)."""
    return [x["html"] if isinstance(x, dict) else x for x in live_readouts(at)[1]]


def _table(at: AppTest) -> pd.DataFrame:
    """The train/test metric table: the first st.table, or the live slider's table readout."""
    if at.table:
        return at.table[0].value
    html_lines = [x["html"] for x in live_readouts(at)[1] if isinstance(x, dict) and "mx-table" in x["html"]]
    return _html_table(html_lines[0])


def _html_table(markup: str) -> pd.DataFrame:
    """A DataFrame.to_html table read back (rows: the index; no lxml needed)."""
    from html.parser import HTMLParser

    rows: list[list[str]] = []

    class Cells(HTMLParser):
        cell = None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                rows.append([])
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                rows[-1].append(self.cell.strip())
                self.cell = None

    Cells().feed(markup)
    head, *body = [r for r in rows if r]
    return pd.DataFrame([r[1:] for r in body], index=[r[0] for r in body], columns=head[-len(body[0]) + 1:])


def _button_group(at: AppTest, key: str):
    """A segmented control, found by its key."""
    return next(b for b in at.get("button_group") if b.key == key)


def _open_tab(at: AppTest, label: str) -> AppTest:
    """Switch the page's tab (bound to the URL, so through the query parameter) and run."""
    at.query_params["reg.tab"] = label
    return _run(at)


def _no_errors(at: AppTest) -> None:
    assert not at.error, [e.value for e in at.error]


# ---------------------------------------------------------------------------------------------


def test_default_page_fits_a_line_and_shows_metrics():
    at = _run(_page())
    assert at.title[0].value == "Regression"
    _no_errors(at)
    fig = _figure(at, "fitted curve")
    names = [t["name"] for t in fig["data"]]
    assert names[:3] == ["train", "test", "fitted curve"] and "noise-free curve" in names
    assert fig["layout"]["xaxis"]["title"]["text"] == "x"
    assert 0.9 < float(_metric(at, "Test R²")) <= 1.0
    table = _table(at)
    assert list(table.columns) == ["train", "test"]
    assert {"MSE", "RMSE", "MAE", "MAPE", "R²"} <= set(table.index)
    assert table.loc["MAPE", "test"].endswith("%")
    tabs = [t.label for t in at.tabs]
    assert tabs[:4] == ["Fit", "Residuals", "Coefficients", "Regularisation path"]


@pytest.mark.parametrize("model", [m for m in reg.model_names() if m not in (reg.GD, "mlp_torch")])
def test_every_model_runs_on_photoz(model):
    at = _run(_page(**SMALL_PHOTOZ, **{"reg.model": model}))
    _no_errors(at)
    assert np.isfinite(float(_metric(at, "Test RMSE")))
    table = _table(at)
    assert {"bias of Δz/(1+z)", "σ_NMAD", "outliers (|Δz|/(1+z) > 0.15)"} <= set(
        table.index
    )  # redshift target
    fig = _figure(at, "Predicted vs true")
    assert any(t["name"].startswith("|Δ| = 0.15") for t in fig["data"])  # the outlier bounds
    assert fig["layout"]["xaxis"]["title"]["text"] == "true redshift z"


def test_view_only_change_does_not_refit():
    at = _run(_page(**{"reg.model": "random_forest"}))
    fit_time = _metric(at, "Fit time")
    mape = _table(at).loc["MAPE", "test"]
    at.select_slider(key="reg.eps").set_value(1.0)
    _run(at)
    assert _metric(at, "Fit time") == fit_time  # the stored fit, not a new one
    assert _table(at).loc["MAPE", "test"] != mape


def test_polynomial_degree_redraws_the_curve_and_warns():
    at = _run(_page(**{"reg.model": "polynomial", "reg.dataset.curve_1d.kind": "sine"}))
    curve2 = _values(_trace(_figure(at, "fitted curve"), "fitted curve")["y"])
    # the degree is a live slider: every degree's curve and numbers are precomputed, the chart follows it
    args = next(json.loads(c.proto.json_args) for c in at.get("component_instance")
                if c.proto.component_name.endswith("live_slider") and json.loads(c.proto.json_args)["sliders"])  # fmt: skip
    assert args["sliders"][0]["label"] == "Degree" and (args["sliders"][0]["min"], args["sliders"][0]["max"]) == (1, 20)
    at.session_state["reg.polynomial.degree"] = 9
    _run(at)
    _no_errors(at)
    curve9 = _values(_trace(_figure(at, "fitted curve"), "fitted curve")["y"])
    assert not np.allclose(curve2, curve9)
    # the curve and the numbers at degree 9 are scikit-learn's: least squares on x, x², …, x⁹ (standardised x)
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score
    from sklearn.pipeline import make_pipeline as sk_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    from ml import datasets, evaluation

    ds = datasets.load_dataset("curve_1d", kind="sine")
    X_tr, X_te, y_tr, y_te = evaluation.split(ds.X, ds.y, "regression", 0.25, 0)
    ref = sk_pipeline(StandardScaler(), PolynomialFeatures(9), LinearRegression()).fit(X_tr, y_tr)
    grid = pd.DataFrame({ds.feature_names[0]: _values(_trace(_figure(at, "fitted curve"), "fitted curve")["x"])})
    np.testing.assert_allclose(curve9, ref.predict(grid), rtol=1e-3, atol=1e-3)
    r2 = r2_score(y_te, ref.predict(X_te))
    assert float(_metric(at, "Test R²")) == pytest.approx(r2, abs=6e-4)
    assert float(_table(at).loc["R²", "test"]) == pytest.approx(r2, abs=6e-4)
    assert not at.warning and not any("over-fitting" in x for x in _lines(at))
    at.slider(key="reg.dataset.curve_1d.n_samples").set_value(20)  # 15 training points for 10 coefficients
    _run(at)
    assert any("over-fitting" in x for x in _lines(at))  # the warning follows the slider too


def test_lasso_alpha_zeroes_coefficients_and_paths_show():
    at = _page(**{"reg.dataset": "diabetes", "reg.model": "lasso", "reg.tab": "Coefficients"})
    _run(at)
    _no_errors(at)
    bars = _figure(at, "Lasso (L1), standardised features")
    small = int(np.sum(_values(bars["data"][0]["x"]) == 0))
    assert small >= 1  # the default α already shows L1 zeroing coefficients on diabetes
    scaling = _figure(at, "after each feature scaling")
    assert [a["text"] for a in scaling["layout"]["annotations"]] == [
        "unscaled",
        "standardised",
        "min-max scaled",
    ]
    alpha = at.select_slider(key="reg.lasso.diabetes.alpha")
    alpha.set_value(next(float(o) for o in alpha.options if float(o) > 10))  # strong: zeroes several
    _run(at)
    big = int(np.sum(_values(_figure(at, "Lasso (L1), standardised")["data"][0]["x"]) == 0))
    assert big > small
    _open_tab(at, "Regularisation path")
    lasso = _figure(at, "Lasso (L1) path")
    assert lasso["layout"]["xaxis"]["type"] == "log"
    assert len(lasso["data"]) == 10  # one line per feature
    _figure(at, "Ridge (L2) path")


def _gd_step(at: AppTest) -> dict:
    """The live "Step" slider as drawn (ui.live_slider's component): its range, stride, note and value."""
    for el in at.get("component_instance"):
        if el.proto.component_name.endswith("live_slider"):
            args = json.loads(el.proto.json_args)
            for s in args["sliders"]:
                if s["name"] == "reg.gd.step":
                    return {**s, "value": args["values"][s["name"]]}
    raise AssertionError("no live Step slider on the page")


def _set_step(at: AppTest, step: int) -> AppTest:
    """Move the live step slider (the browser commits its value to the session, then the page reruns)."""
    at.session_state["reg.gd.step"] = step
    return _run(at)


def _xy(trace: dict) -> tuple[np.ndarray, np.ndarray]:
    return _values(trace["x"]), _values(trace["y"])


def test_gradient_descent_steps_play_and_diverge():
    at = _run(_page(**{"reg.model": reg.GD}))
    _no_errors(at)
    step = _gd_step(at)
    assert step["value"] == step["max"] == 100 and step["min"] == 0 and step["step"] == 1
    fig = _figure(at, "Gradient descent")
    frame = next(f for f in fig["frames"] if f["name"] == "3")  # Play's own frame for step 3
    assert not fig["data"][7]["text"][0].startswith("Step 3:")
    _set_step(at, 3)
    assert _gd_step(at)["value"] == 3
    fig = _figure(at, "Gradient descent")
    assert fig["data"][7]["text"][0].startswith("Step 3:")  # the step's equation, a text trace frames move
    # the chart composed at step 3 (as the browser does, from the precomputed part) draws step 3's line,
    # its three earlier lines and its loss mark: what Play's frame for step 3 draws, to the chart's rounding
    for mine, theirs in zip(fig["data"][3:8], frame["data"], strict=True):
        if "x" in theirs:
            (mx, my), (tx, ty) = _xy(mine), _xy({"x": theirs["x"], "y": theirs["y"]})
            assert mx.shape == tx.shape and np.allclose(mx, tx, rtol=1e-3, atol=1e-3, equal_nan=True)
            assert np.allclose(my, ty, rtol=1e-3, atol=1e-3, equal_nan=True)
    assert len(fig["data"][3]["x"]) == 9 and fig["data"][6]["x"] == [3]
    assert fig["layout"]["sliders"][0]["active"] == next(
        i for i, step in enumerate(fig["layout"]["sliders"][0]["steps"]) if step["label"] == "3"
    )  # the chart's own slider at step 3
    assert fig["layout"]["yaxis2"]["type"] == "log"  # the loss panel
    # Play runs in the browser: precomputed frames moving only the line, the point(s) and the loss mark
    frames = fig["frames"]
    assert 10 <= len(frames) <= 60 and frames[-1]["name"] == "100"
    assert all(f["traces"] == [3, 4, 5, 6, 7] and len(f["data"]) == 5 for f in frames)
    play = fig["layout"]["updatemenus"][0]["buttons"][0]
    assert play["method"] == "animate" and play["args"][1]["frame"]["redraw"] is False
    assert play["args"][1]["frame"]["duration"] <= 100  # at least 10 frames a second
    assert len(fig["layout"]["sliders"][0]["steps"]) == len(frames)  # the slider follows the frames
    # each update rule, with a new learning rate and number of steps
    for method in ("absolute", "square", "minibatch"):
        at.selectbox(key="reg.gd.method").set_value(method)
        _run(at)
        _no_errors(at)
    at.select_slider(key="reg.gd.steps").set_value(50)
    at.select_slider(key="reg.gd.lr").set_value(0.01)
    _run(at)
    assert _gd_step(at)["max"] == 50
    assert _figure(at, "Gradient descent")["frames"][-1]["name"] == "50"
    # too large a rate on unscaled x diverges: a message, the page keeps working
    at.selectbox(key="reg.gd.method").set_value("batch")
    at.radio(key="reg.scaling").set_value("none")
    at.select_slider(key="reg.gd.lr").set_value(2.0)
    _run(at)
    assert any("diverged" in e.value and "smaller learning rate" in e.value for e in at.error)
    assert _figure(at, "Gradient descent")


def test_the_step_parts_are_the_frames_states_and_stay_small():
    """Each slider position's part animates traces 3-7 of the figure sent once: at every frame's step it is that
    frame's state (so the slider and Play agree), to 1/10,000 of the axes. All positions' parts travel
    together: at the most steps the page allows, with the heaviest rule (mini-batch of 128), they stay small."""
    import json as _json
    import math

    from ml.plots.regression import gd_animation_figure
    from ml.regression import gd_path
    from ui.live_slider import Slider

    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    y = 2 * x + 1 + rng.normal(scale=0.3, size=300)
    path = gd_path(x, y, "minibatch", 0.05, 40, 16, 0)
    fig = gd_animation_figure(x, y, path, 40)
    parts = reg.gd_step_parts(x, y, path, range(41))
    for frame in fig["frames"][::7]:
        part = parts[frame["name"]]
        assert part["animate"]["traces"] == frame["traces"] == reg.GD_STEP_TRACES
        for mine, theirs in zip(part["animate"]["data"], frame["data"], strict=True):
            if "x" in mine:
                assert np.allclose(_values(mine["x"]), _values(theirs["x"]), rtol=1e-3, atol=1e-3, equal_nan=True)
                assert np.allclose(_values(mine["y"]), _values(theirs["y"]), rtol=1e-3, atol=1e-3, equal_nan=True)
            else:
                assert mine["text"] == theirs["text"]
        assert fig["layout"]["sliders"][0]["steps"][part["marks"]["sliders[0].active"]]["label"] == frame["name"]
    assert len(parts["7"]["animate"]["data"][2]["x"]) == 16  # step 7's mini-batch, all of it
    # the largest run: 5,000 steps of 128 points; the slider has at most GD_STEP_VALUES positions
    n = max(reg.STEP_OPTIONS)
    path = gd_path(x, y, "minibatch", 0.05, n, 128, 0)
    stride = math.ceil(n / (reg.GD_STEP_VALUES - 1))
    steps = Slider("s", "s", 0, n, n, step=stride).values()
    assert len(steps) <= reg.GD_STEP_VALUES and steps[-1] == n and steps[1] == stride
    cap = reg.gd_used_cap(path, len(steps))
    assert 10 <= cap < 128
    parts = reg.gd_step_parts(x, y, path, steps, cap)
    assert len(parts[str(n)]["animate"]["data"][2]["x"]) == cap
    size = len(_json.dumps(parts, separators=(",", ":"), allow_nan=False))
    assert size < 1.6e6, size


def test_gradient_descent_oscillation_is_named_and_steps_keep_their_position():
    at = _run(_page(**{"reg.model": reg.GD}))
    _set_step(at, 30)
    at.select_slider(key="reg.gd.steps").set_value(200)  # a new number of steps keeps the position
    _run(at)
    assert (_gd_step(at)["value"], _gd_step(at)["max"]) == (30, 200)
    assert _figure(at, "Gradient descent")["data"][7]["text"][0].startswith("Step 30:")
    _set_step(at, 200)
    at.select_slider(key="reg.gd.steps").set_value(2000)  # at the end it stays at the (new) end
    _run(at)
    step = _gd_step(at)
    assert (step["value"], step["max"], step["step"]) == (2000, 2000, 2) and "2 at a time" in step["note"]
    assert _figure(at, "Gradient descent")["data"][7]["text"][0].startswith("Step 2000:")
    at.select_slider(key="reg.gd.steps").set_value(200)
    _run(at)
    # batch descent at α = 2 on standardised x: α·λ_max = 2, the line swings for ever
    at.radio(key="reg.scaling").set_value("standard")
    at.select_slider(key="reg.gd.lr").set_value(2.0)
    _run(at)
    _no_errors(at)
    warning = " ".join(w.value for w in at.warning)
    assert "oscillates" in warning and "curvature" in warning and "standardise" not in warning, warning
    loss = _figure(at, "Gradient descent")["layout"]["yaxis2"]
    assert loss["title"]["text"].startswith("MSE") and loss.get("type") != "log"  # labelled, linear: flat loss
    # presentation mode: the followed parts come scaled (ui.live_slider), the chart still follows the step
    from ui import present

    at.session_state[present.KEY] = True
    _set_step(at, 7)
    _no_errors(at)
    assert _figure(at, "Gradient descent")["data"][7]["text"][0].startswith("Step 7:")


def test_photoz_metrics_per_class_and_mape_near_zero_note():
    state = {**SMALL_PHOTOZ, "reg.dataset.sdss_photoz.include_quasars": True, "reg.model": "linear", "reg.eps": 0.1}
    at = _run(_page(**state))
    _no_errors(at)
    table = next(df.value for df in at.dataframe if "sigma_nmad" in df.value.columns)
    classes = list(table["class"])
    assert classes[-1] == "all" and {"GALAXY", "QSO"} <= set(classes[:-1]), classes
    assert table["rows"].iloc[:-1].sum() == table["rows"].iloc[-1]
    by = table.set_index("class")
    assert by.loc["QSO", "sigma_nmad"] != by.loc["all", "sigma_nmad"]  # each class its own numbers
    assert any("|y| < ε" in c.value and "MAPE" in c.value for c in at.caption)
    fig = _figure(at, "Predicted vs true")
    names = {t.get("name", "").split(" (")[0] for t in fig["data"]}
    assert {"GALAXY", "QSO"} <= names  # coloured by class


def test_gradient_descent_on_many_features_picks_one():
    at = _run(_page(**SMALL_PHOTOZ, **{"reg.model": reg.GD}))
    _no_errors(at)
    assert any("one feature" in i.value for i in at.info)
    feature = at.selectbox(key="reg.gd.feature.sdss_photoz")
    other = next(o for o in feature.options if o != feature.value)
    feature.set_value(other)
    _run(at)
    assert other in _figure(at, "Gradient descent").get("layout", {}).get("xaxis", {}).get("title", {}).get("text", "")


def test_network_trains_on_request_with_history():
    at = _run(_page(**{"reg.model": "mlp_torch"}))
    assert any("Train the network" in i.value for i in at.info)
    at.slider(key="reg.mlp_torch.epochs").set_value(5)
    at.sidebar.button[0].click()  # the form's submit button
    _run(at)
    _no_errors(at)
    _figure(at, "fitted curve")
    history = [f for f in _figures(at) if any(t.get("name") == "validation" for t in f["data"])]
    assert history, "no training-history figure"
    assert len(_values(history[0]["data"][0]["x"])) == 5


def test_diverging_network_says_so():
    state = {
        "reg.model": "mlp_torch",
        "reg.scaling": "none",
        "reg.mlp_torch.optimizer": "sgd",
        "reg.mlp_torch.learning_rate": 1.0,
        "reg.mlp_torch.epochs": 20,
    }
    at = _run(_page(**state))
    at.sidebar.button[0].click()
    _run(at)
    assert any("diverged" in e.value and "learning rate" in e.value for e in at.error)
    at.selectbox(key="reg.model").set_value("ridge")  # the page keeps working
    _run(at)
    _no_errors(at)


def test_polynomial_of_many_features_warns():
    at = _run(_page(**{**SMALL_PHOTOZ, "reg.model": "polynomial", "reg.polynomial.degree": 4}))
    assert any("715 coefficients" in w.value for w in at.warning)


def test_residual_views_and_curves():
    at = _run(_page(**{"reg.tab": "Residuals", "reg.model": "polynomial"}))
    _figure(at, "Residuals vs prediction")
    hist = _figure(at, "Distribution of residuals")
    assert sum(_values(hist["data"][0]["y"])) == 15  # the 15 test points
    _button_group(at, "reg.resid.set").set_value("train")
    _run(at)
    assert sum(_values(_figure(at, "Distribution of residuals")["data"][0]["y"])) == 45
    _open_tab(at, "Evaluate")
    views = {
        "Cross-validation": "reg.eval.cv.run",
        "Learning curve": "reg.eval.learning.run",
        "Validation curve": "reg.eval.vc.run",
        "Compare models": "reg.eval.cmp.run",
    }
    for label, key in views.items():
        at.session_state["reg.eval.tab"] = label
        _run(at)
        at.button(key=key).click()
        _run(at)
        _no_errors(at)
        if label == "Compare models":
            assert any("R²" in df.value.columns for df in at.dataframe)
        else:
            assert at.get("plotly_chart"), f"{label}: no figure"


def test_linear_vs_network_side_by_side():
    state = {**SMALL_PHOTOZ, "reg.tab": "Linear vs network", "reg.mlp_torch.epochs": 5}
    at = _run(_page(**state))
    at.button(key="reg.versus.run").click()
    _run(at)
    _no_errors(at)
    names = [_title(f) for f in _figures(at)]
    assert "Predicted vs true: linear regression" in names and "Predicted vs true: neural network" in names
    table = at.table[-1].value
    assert list(table.columns) == ["linear regression (test)", "neural network (test)"]
    assert "σ_NMAD" in table.index


# -- uploads -----------------------------------------------------------------------------------


def _upload_page(df: pd.DataFrame, name: str = "table.csv") -> AppTest:
    at = _run(_page())
    _button_group(at, "reg.source").set_value("Upload")
    _run(at)
    assert any("Add a CSV file" in i.value for i in at.info)
    at.file_uploader(key="reg.uploader").set_value((name, df.to_csv(index=False).encode(), "text/csv"))
    return _run(at)


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    df["y"] = 2 * df["a"] - df["b"] + rng.normal(0, 0.1, 60)
    df["kind"] = rng.choice(["star", "galaxy"], 60)
    return df


def test_upload_good_table_and_text_target(table):
    at = _upload_page(table)
    _no_errors(at)
    assert features_box(at).value == ["a", "b"]  # text columns are not chosen by default
    assert float(_metric(at, "Test R²")) > 0.95
    set_target(at, "kind")
    assert any("classification page" in e.value for e in at.error)


def test_upload_bad_tables_get_clear_messages(table):
    constant = table.assign(y=3.0)
    at = _upload_page(constant)
    assert any("nothing to predict" in e.value for e in at.error)

    gaps = table.copy()
    gaps.loc[[2, 5], "a"] = np.nan
    at = _upload_page(gaps)
    assert at.radio(key="reg.missing_policy").label.startswith("2 of 60 rows have missing")
    at.radio(key="reg.missing_policy").set_value("impute")
    _run(at)
    _no_errors(at)
    at.radio(key="reg.missing_policy").set_value("drop")
    _run(at)
    _no_errors(at)

    set_features(at, ["a", "b", "kind"])
    assert "hold text" in at.radio(key="reg.text_policy").label
    at.radio(key="reg.text_policy").set_value("onehot")
    _run(at)
    _no_errors(at)

    at = _upload_page(table.head(8))
    assert any("at least 10" in e.value for e in at.error)


def test_upload_not_a_table():
    at = _run(_page())
    _button_group(at, "reg.source").set_value("Upload")
    _run(at)
    at.file_uploader(key="reg.uploader").set_value(("x.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary", "text/csv"))
    _run(at)
    assert at.error  # says what is wrong; no traceback


def test_upload_skyserver_export_is_recognised():
    rng = np.random.default_rng(1)
    z = rng.uniform(0.02, 0.5, 300)
    sky = pd.DataFrame({"objid": np.arange(300)})
    for i, band in enumerate("ugriz"):
        sky[band] = 20 - 0.3 * i + (2.5 - 0.5 * i) * z + rng.normal(0, 0.3, 300)  # no single band leaks z
    sky["class"] = "GALAXY"
    sky["redshift"] = z
    at = _upload_page(sky, "skyserver.csv")
    _no_errors(at)
    assert target_box(at).value == "redshift"
    assert features_box(at).value == ["u", "g", "r", "i", "z", "u-g", "g-r", "r-i", "i-z"]
    assert at.toggle[0].value is True  # photo-z metrics switched on for a redshift target
    assert "σ_NMAD" in _table(at).index
