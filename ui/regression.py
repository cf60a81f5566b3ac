"""Streamlit glue for the Regression page: sidebar controls, cached steps and the result views.

The page (pages/1_Regression.py) is a short list of calls into this module. Computations live
in `ml.regression`, figures in `ml.plots.regression`; fitted models go through
`ui.training.fit_with_progress` and the sweeps through `ui.evaluation_views`, the same
mechanisms the classification page uses. Every store is bounded and keyed on primitives
(dataset name and options, or the upload's SHA-256; split; scaling; model; parameters).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st
from plotly.utils import PlotlyJSONEncoder

from ml import datasets
from ml.datasets import Dataset
from ml.models import entry as model_entry
from ml.models import final_estimator, get_model, list_models, make_pipeline, make_scaler
from ml.plots import PALETTE
from ml.plots import regression as rplots
from ml.plots.curves import even_indices
from ml.regression import (
    GD_METHODS,
    PHOTOZ_OUTLIER_CUT,
    GDPath,
    degree_warning,
    gd_path,
    line_at,
    linear_coefficients,
    looks_like_redshift,
    mape_near_zero,
    metrics_frame,
    most_correlated_feature,
    ols_line,
    photoz_by_class,
    photoz_metrics,
    regression_metrics,
    regularisation_path,
)
from ui import cache
from ui.classification import model_params
from ui.data_source import _md, data_source
from ui.live_plot import live_plot
from ui.live_slider import Live, Slider, live_readouts, live_sliders, texts
from ui.present import chart
from ui.present import table as show_table
from ui.state import accept_key_in_url, bound, kept, linked, pop_pending
from ui.training import cached, fit_with_progress, history_panel
from ui.widgets import (
    dataset_badge,
    guard,
    guarded_fragment,
    param_widgets,
)

TASK = "regression"
GD = "gd"  # gradient descent for a line: a page-level model, not in the registry (it needs 1-D data)
GD_TITLE = "Linear regression by gradient descent"
GD_DESCRIPTION = (
    "The line y = w1·x + w2 learned step by step on one feature, as in the lecture: per-point "
    "absolute and square tricks, or batch and mini-batch gradient steps on the squared error."
)
GD_METHOD_TITLES = {
    "absolute": "Absolute trick (one point per step)",
    "square": "Square trick (one point per step)",
    "batch": "Batch gradient descent (all points)",
    "minibatch": "Mini-batch gradient descent",
}
LR_OPTIONS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)
STEP_OPTIONS = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
PLAY_FRAMES = 40
PLAY_PAUSE_S = 0.06
EPS_OPTIONS = (1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1.0)
SCALING_TITLES = {"standard": "standardise", "minmax": "min-max", "none": "none"}
SCALED_WORDS = {"standard": "standardised", "minmax": "min-max scaled", "none": "unscaled"}
COEF_MODELS = ("linear", "ridge", "lasso", "elastic_net")  # compared across scalings
TARGET_LABELS = {
    "diabetes": "disease progression one year after baseline",
    "sdss_photoz": "redshift z",
}
TABS = ("Fit", "Residuals", "Coefficients", "Regularisation path", "Evaluate", "Linear vs network")
STORE_ENTRIES = 16


# ---------------------------------------------------------------------------------------------
# what the sidebar chose


@dataclass
class Setup:
    """Everything the sidebar chose, the loaded data (or why not), and the keys naming them."""

    data_key: tuple
    ds: Dataset | None
    error: str | None
    test_size: float = 0.25
    seed: int = 0
    scaling: str = "standard"
    model: str = "linear"
    params: dict = field(default_factory=dict)
    eps: float = 1e-3
    photoz: bool = False
    train_pressed: bool = False
    choice: object = None  # the ui.data_source.DataChoice (None when no data is ready)
    model_box: object = None  # the sidebar's slot for the model section (drawn by model_sidebar)
    live: Live | None = None  # the model's main parameter as a live slider (LIVE_PARAMS), or None
    live_slider: Slider | None = None
    live_instant: bool = False  # every value precomputed (the Fit tab): a move is answered in the browser

    @property
    def split_key(self) -> tuple:
        return (self.data_key, float(self.test_size), int(self.seed))

    @property
    def fit_key(self) -> tuple:
        return (self.split_key, self.scaling, self.model, tuple(sorted(self.params.items())), int(self.seed))

    @property
    def is_torch(self) -> bool:
        return self.model != GD and get_model(self.model, TASK).is_torch

    @property
    def title(self) -> str:
        return model_title(self.model)


def model_names() -> list[str]:
    """The registry's regression models, with gradient descent for a line right after OLS."""
    names = [s.name for s in list_models(TASK)]
    at = names.index("linear") + 1 if "linear" in names else 0
    return [*names[:at], GD, *names[at:]]


def model_title(name: str) -> str:
    return GD_TITLE if name == GD else get_model(name, TASK).title


def target_label(ds: Dataset) -> str:
    """Axis wording for the target: its meaning and units where known."""
    return TARGET_LABELS.get(ds.name, str(ds.target_name))


split_data = cache.regression_split  # (X_train, X_test, y_train, y_test) per (data key, test fraction, seed)


def _gd_controls(ds: Dataset | None) -> dict:
    sb = st  # drawn inside the sidebar's model slot (model_sidebar)
    method = linked(
        sb.selectbox,
        "Update rule",
        GD_METHODS,
        index=GD_METHODS.index("batch"),
        format_func=GD_METHOD_TITLES.get,
        **kept(key="reg.gd.method"),
    )
    lr = linked(
        sb.select_slider, "Learning rate α", LR_OPTIONS, value=0.05, format_func=lambda v: f"{v:g}", **kept(key="reg.gd.lr")
    )
    steps = linked(sb.select_slider, "Number of steps", STEP_OPTIONS, value=100, **kept(key="reg.gd.steps"))
    batch = 16
    if method == "minibatch":
        batch = linked(sb.slider, "Mini-batch size", 2, 128, 16, **kept(key="reg.gd.batch"))
    params = {"method": method, "learning_rate": float(lr), "steps": int(steps), "batch_size": int(batch)}
    if ds is not None and ds.X.shape[1] > 1:
        # a line needs a complete numeric column (text is one-hot encoded, gaps imputed, only in pipelines)
        names = [c for c in ds.feature_names if pd.api.types.is_numeric_dtype(ds.X[c]) and ds.X[c].notna().all()]
        if not names:
            params["feature"] = None  # fit() says why, inside the page's guard
            return params
        best = most_correlated_feature(ds.X[names], ds.y)
        params["feature"] = linked(
            sb.selectbox,
            "Feature for the line (x)",
            names,
            index=names.index(best),
            **kept(key=f"reg.gd.feature.{ds.name}"),
            url="reg.gd.feature",
            help="Gradient descent here fits a line to one feature; the default is the one most "
            "correlated with the target.",
        )
    elif ds is not None:
        params["feature"] = ds.feature_names[0]
    return params


def _page_default(p, ds: Dataset | None):
    """Lasso's α default scaled to the target, 1 % of its standard deviation (rounded to 1, 2 or 5 × 10^k):
    0.5 on diabetes zeroes two of its ten coefficients, so "L1 zeroes coefficients" shows at once
    (the registry's 0.01 zeroes none there)."""
    if p.name != "alpha" or ds is None:
        return p
    sd = float(np.nanstd(np.asarray(ds.y, dtype=float)))
    if not np.isfinite(sd) or sd <= 0:
        return p
    target = float(np.clip(0.01 * sd, p.low, p.high))
    k = int(np.floor(np.log10(target)))
    value = max((m * 10.0**k for m in (1, 2, 5) if m * 10.0**k <= target), default=10.0**k)
    return replace(p, default=float(value))


def sidebar() -> Setup:
    """Draw the sidebar (data, split and scaling, model, metrics) and load the data it names."""
    sb = st.sidebar
    names = [d.name for d in datasets.list_datasets(TASK) if "anomaly" not in d.tags]
    choice = data_source("reg", target="required", task=TASK, datasets=names, default="curve_1d")
    data_key, ds, error = ("none",), None, None
    if choice is not None:
        data_key, ds = choice.key, choice.ds
    setup_choice = choice

    sb.header("Split and scaling")
    test_size = linked(sb.slider, "Test fraction", 0.1, 0.5, 0.25, 0.05, **bound("reg.test"))
    seed = int(linked(sb.number_input, "Seed (split and model)", 0, 9999, 0, **bound("reg.seed")))
    scaling = linked(
        sb.radio, "Feature scaling", tuple(SCALING_TITLES), format_func=SCALING_TITLES.get, horizontal=True, **bound("reg.scaling")
    )  # fmt: skip

    setup = Setup(data_key, ds, error, test_size, seed, scaling)
    setup.choice = setup_choice
    setup.model_box = sb.container()  # the model section goes here (model_sidebar, in the page's fragment)

    sb.header("Metrics")
    setup.eps = linked(
        sb.select_slider, "ε in MAPE", EPS_OPTIONS, value=1e-3, format_func=lambda v: f"{v:g}", **kept(key="reg.eps"),
        help="MAPE = mean(|true − predicted| / max(ε, |true|)); ε keeps targets near 0 from blowing it up.",
    )  # fmt: skip
    if ds is not None:
        setup.photoz = linked(
            sb.toggle,
            "Photo-z metrics (target is a redshift)",
            value=looks_like_redshift(ds.target_name),
            **kept(key=f"reg.photoz.{ds.target_name}"),
            url="reg.photoz",
            help="Bias, σ_NMAD and catastrophic-outlier fraction of Δz/(1+z), and the ±0.15(1+z) bounds.",
        )
    return setup


def model_sidebar(base: Setup) -> Setup:
    """The model picker and its parameters, in the sidebar slot `sidebar` left for them; returns the setup
    with the model and parameters filled in (`base` is left as it was: a fragment reruns with it)."""
    setup = replace(base)
    ds = setup.ds
    with setup.model_box if setup.model_box is not None else st.sidebar:
        st.header("Model")
        accept_key_in_url("reg.model", model_names())
        model = linked(st.selectbox, "Model", model_names(), format_func=model_title, **bound("reg.model"))
        setup.model = model
        if model == GD:
            st.caption(GD_DESCRIPTION)
            setup.params = _gd_controls(ds)
        else:
            spec = get_model(model, TASK)
            st.caption(spec.description)
            if spec.is_torch:
                with st.form("reg.net.form", border=False):
                    setup.params = param_widgets(spec.params_for(TASK), f"reg.{model}", persist=True)
                    setup.train_pressed = st.form_submit_button("Train the network", type="primary")
            else:
                specs = [_page_default(p, ds) for p in spec.params_for(TASK)] if model == "lasso" else spec.params_for(TASK)
                # the key names the data: a default chosen for its scale applies to each dataset afresh
                key = f"reg.{model}" if model != "lasso" or ds is None else f"reg.{model}.{ds.name}"
                if _live_main(model, ds):
                    _live_controls(setup, specs, key)
                else:
                    setup.params = model_params(model, specs, key)
    return setup


LIVE_PARAMS = {"polynomial": "degree", "tree": "max_depth", "knn": "n_neighbors"}  # a quick 1-D model's main slider
LIVE_MAX_ROWS = 5000  # up to here every value of it is fitted once (a polynomial of degree 1-20: ~40 ms here)


def _live_main(model: str, ds: Dataset | None) -> bool:
    """Whether the model's main parameter is a live slider: a quick model on one feature (the fitted-curve view)."""
    return model in LIVE_PARAMS and ds is not None and ds.X.shape[1] == 1 and ds.n_samples <= LIVE_MAX_ROWS


def _live_controls(setup: Setup, specs, key: str) -> None:
    """The model's parameters with its main one (LIVE_PARAMS) as a live slider, first: on the Fit tab every value
    is fitted once (`live_fit_states`) and a move redraws the curve and the numbers in the browser; on the other
    tabs each move asks the server, as a plain slider does."""
    name = LIVE_PARAMS[setup.model]
    spec = next(p for p in specs if p.name == name)
    box = st.container()
    setup.params = model_params(setup.model, [p for p in specs if p.name != name], key)
    label = spec.label + (" (0 = unlimited)" if "0 = unlimited" in (spec.help or "") and "unlimited" not in spec.label else "")
    slider = Slider(
        f"{key}.{name}", label, int(spec.low), int(spec.high), int(spec.default), url=f"{key}.{name}", help=spec.help or None
    )  # fmt: skip
    instant = st.session_state.get("reg.tab", TABS[0]) == TABS[0]
    reset = _revision(("live", setup.split_key, setup.scaling, setup.model, tuple(sorted(setup.params.items())), setup.eps))
    with box:
        live = live_sliders([slider], key="reg.live", reset=reset, delay=None if instant else 0)
    setup.params = {**setup.params, name: live[slider.name]}
    setup.live, setup.live_slider, setup.live_instant = live, slider, instant


# ---------------------------------------------------------------------------------------------
# fitting


@dataclass
class Fitted:
    """A fitted model (or gradient-descent path) and its predictions on the train and test rows."""

    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray
    pred_train: np.ndarray
    pred_test: np.ndarray
    seconds: float
    estimator: object = None
    path: GDPath | None = None
    gd_x: tuple | None = None  # (x_train, x_test) of the chosen feature, scaled as the sidebar says
    gd_label: str = "x"
    notes: tuple = ()  # parameters clipped to the data (registry size limits)


def _scale_1d(train: np.ndarray, test: np.ndarray, scaling: str) -> tuple[np.ndarray, np.ndarray]:
    """One feature scaled as the model pipelines scale it (ml.models.make_scaler), fitted on train."""
    scaler = make_scaler(scaling)
    if scaler == "passthrough":
        return train, test
    scaler.fit(train[:, None])
    return scaler.transform(train[:, None])[:, 0], scaler.transform(test[:, None])[:, 0]


def needs_training(setup: Setup) -> bool:
    """True for a network that has not been trained with these settings in this session yet."""
    done = st.session_state.setdefault("reg.trained", set())
    if setup.train_pressed:
        done.add(setup.fit_key)
    return setup.is_torch and setup.fit_key not in done


def fit(setup: Setup) -> Fitted:
    """Split (cached), then fit (cached per key) and predict; gradient descent precomputes its path."""
    X_tr, X_te, y_tr, y_te = split_data(setup.split_key, setup.ds)
    y_tr, y_te = np.asarray(y_tr, dtype=float), np.asarray(y_te, dtype=float)
    if setup.model == GD:
        p = setup.params
        feature = p["feature"]
        if feature is None:
            raise ValueError(
                "Gradient descent fits a line to one numeric feature without gaps, and this data has none. "
                "Choose another model, or pick a complete numeric feature column."
            )
        x_tr, x_te = _scale_1d(X_tr[feature].to_numpy(float), X_te[feature].to_numpy(float), setup.scaling)
        start = time.perf_counter()
        path = cached(
            "reg.gd",
            ("gd", setup.fit_key),
            lambda: gd_path(
                x_tr, y_tr, p["method"], p["learning_rate"], p["steps"], p["batch_size"], setup.seed
            ),
            STORE_ENTRIES,
        )
        label = feature if setup.scaling == "none" else f"{feature} ({SCALED_WORDS[setup.scaling]})"
        return Fitted(
            X_tr, X_te, y_tr, y_te, line_at(path, x_tr), line_at(path, x_te), time.perf_counter() - start,
            path=path, gd_x=(x_tr, x_te), gd_label=label,
        )  # fmt: skip
    params, notes = model_entry(setup.model, TASK).fit_to_data(setup.params, len(X_tr), X_tr.shape[1])
    build = lambda: make_pipeline(setup.model, TASK, params, setup.seed, setup.scaling, X=X_tr)  # noqa: E731
    est, seconds = fit_with_progress(setup.fit_key, build, X_tr, y_tr, task=TASK, is_torch=setup.is_torch)
    pred_tr, pred_te = cached(
        "reg.pred", ("pred", setup.fit_key), lambda: (est.predict(X_tr), est.predict(X_te)), STORE_ENTRIES
    )
    return Fitted(X_tr, X_te, y_tr, y_te, pred_tr, pred_te, seconds, estimator=est, notes=tuple(notes))


def fit_shown(setup: Setup) -> Fitted:
    """`fit`, with the training display (progress bar, live curves) in a slot cleared once training ends.

    The slot is left in place when training fails, so the curves up to a divergence stay visible.
    """
    slot = st.empty()
    with slot.container():
        fitted = fit(setup)
    slot.empty()
    return fitted


def warnings_for(setup: Setup, fitted: Fitted | None) -> None:
    """Over-fitting, convergence and divergence warnings for the current settings."""
    ds = setup.ds
    if setup.model == "polynomial" and ds is not None and not (setup.live is not None and setup.live_instant):
        n_train = len(ds.y) - int(np.ceil(setup.test_size * len(ds.y)))
        degree, k = int(setup.params["degree"]), ds.X.shape[1]
        msg = degree_warning(n_train, degree)
        n_terms = math.comb(k + degree, degree)  # coefficients, the intercept included
        if k > 1:
            msg = None
            if 2 * n_terms > n_train:
                msg = (
                    f"A degree-{degree} polynomial of {k} features has {n_terms:,} coefficients for {n_train:,} "
                    "training rows: expect over-fitting (or a refusal above 20,000 terms). Lower the degree."
                )
        if msg:
            st.warning(msg, icon=":material/warning:")
    if fitted is None:
        return
    if fitted.path is not None and fitted.path.message:
        st.error(fitted.path.message, icon=":material/trending_up:")
    elif fitted.path is not None and fitted.path.verdict in ("oscillates", "diverges"):
        st.warning(f"**Gradient descent {fitted.path.verdict}.** {fitted.path.reason}", icon=":material/swap_vert:")
    elif fitted.path is not None and fitted.path.reason:
        st.info(fitted.path.reason, icon=":material/swap_vert:")
    for note in fitted.notes:
        st.info(note, icon=":material/straighten:")
    for text in getattr(fitted.estimator, "fit_warnings_", []) or []:
        st.warning(f"The solver did not fully converge: {text}", icon=":material/warning:")


# ---------------------------------------------------------------------------------------------
# views


def headline(setup: Setup, fitted: Fitted, per_row: int = 2) -> None:
    """Test-set numbers as large tiles (readable on a projector), and the fit time."""
    test = regression_metrics(fitted.y_test, fitted.pred_test, setup.eps)
    tiles = [
        ("Test R²", "—" if np.isnan(test["r2"]) else f"{test['r2']:.3f}"),
        ("Test RMSE", f"{test['rmse']:.3g}"),
    ]
    if setup.photoz:
        with guard("The photo-z metrics"):
            pz = photoz_metrics(fitted.y_test, fitted.pred_test, PHOTOZ_OUTLIER_CUT)
            tiles += [
                ("Test σ_NMAD", f"{pz['sigma_nmad']:.3g}"),
                ("Outliers", f"{100 * pz['outlier_fraction']:.3g} %"),
            ]
    tiles.append(("Fit time", f"{fitted.seconds:.2f} s"))
    for i in range(0, len(tiles), per_row):
        for col, (label, value) in zip(st.columns(per_row), tiles[i : i + per_row], strict=False):
            col.metric(label, value)
    if "note" in test:
        st.caption(test["note"])


def test_classes(setup: Setup, fitted: Fitted, rows=None) -> np.ndarray | None:
    """The class (STAR, GALAXY, QSO …) of each of `rows` (default: the test rows), when the data carry a
    class column beside the features (built-in SDSS sample, or an upload's kept columns); else None."""
    extra = setup.ds.extra
    col = None
    if isinstance(extra, dict) and "class" in extra:
        col = extra["class"]
    elif isinstance(extra, pd.DataFrame) and "class" in extra.columns:
        col = extra["class"]
    if col is None:
        return None
    col = pd.Series(np.asarray(col), index=setup.ds.X.index) if len(col) == len(setup.ds.X) else None
    if col is None or col.nunique(dropna=True) < 2:
        return None
    rows = fitted.X_test if rows is None else rows
    return col.reindex(rows.index).to_numpy()


def metrics_table(setup: Setup, fitted: Fitted) -> None:
    """Every metric on the train and the test rows side by side, with their definitions."""
    frame = metrics_frame(
        {"train": (fitted.y_train, fitted.pred_train), "test": (fitted.y_test, fitted.pred_test)},
        setup.eps,
        setup.photoz,
    )
    st.table(frame)
    metrics_notes(setup, fitted)


def metrics_notes(setup: Setup, fitted: Fitted) -> None:
    """What goes under the metric table: MAPE near zero, photo-z per class, what the numbers mean."""
    near_zero = mape_near_zero(fitted.y_test, setup.eps)
    if near_zero is not None:
        st.caption(f"**MAPE:** {near_zero[1]}")
    classes = test_classes(setup, fitted)
    if setup.photoz and classes is not None:
        st.markdown("**Photo-z metrics per class** (test rows)")
        per_class = photoz_by_class(fitted.y_test, fitted.pred_test, classes, PHOTOZ_OUTLIER_CUT)
        show_table(
            per_class, hide_index=True,
            column_config={
                "share": st.column_config.NumberColumn(format="percent"),
                "bias": st.column_config.NumberColumn(format="%.4f"),
                "sigma_nmad": st.column_config.NumberColumn("σ_NMAD", format="%.4f"),
                "outlier_fraction": st.column_config.NumberColumn("outliers", format="percent"),
            },
        )  # fmt: skip
        st.caption(
            "Totals over a mix flatter the model when one class is easy (stars sit at z ≈ 0): read each class's "
            "σ_NMAD and outlier share, not only the total."
        )
    with st.expander("What do these numbers mean?"):
        st.markdown(
            "As in the lecture, with N points: **MSE** = (1/N) Σ (pred − true)²; **RMSE** = √MSE, in the "
            "target's units; **MAE** = (1/N) Σ |pred − true|; **MAPE** = (1/N) Σ |true − pred| / max(ε, |true|) "
            f"with ε = {setup.eps:g} (it guards against dividing by targets near 0); **R²** = 1 − Σ(pred − true)² "
            "/ Σ(true − mean)²: 1 is perfect, 0 is no better than predicting the mean. A test error much "
            "larger than the train error means over-fitting.\n\n"
            "Photo-z metrics use Δz/(1+z) = (z_pred − z_true)/(1 + z_true): **bias** is its mean, "
            "**σ_NMAD** = 1.4826 × median(|Δz/(1+z) − median(Δz/(1+z))|) a robust scatter, and an "
            "**outlier** has |Δz|/(1+z) > 0.15."
        )


def data_note(ds: Dataset) -> None:
    """Real or simulated, always visible; a long note (how to get the real data) folds into an expander."""
    if ds.simulated and ds.how_to_get_real:
        with st.expander("About these simulated data and how to get the real thing"):
            dataset_badge(ds)
    elif ds.source != "uploaded file":
        dataset_badge(ds)
    if ds.source == "uploaded file":
        st.caption(_md(ds.description))


def _fit_curve(setup: Setup, fitted: Fitted):
    ds, col = setup.ds, setup.ds.feature_names[0]
    x_all = pd.to_numeric(ds.X[col], errors="coerce").to_numpy(float)
    grid = np.linspace(np.nanmin(x_all), np.nanmax(x_all), 400)
    y_grid = cached(
        "reg.grid",
        ("grid", setup.fit_key),
        lambda: fitted.estimator.predict(pd.DataFrame({col: grid})),
        STORE_ENTRIES,
    )
    fig = rplots.fit_curve_figure(
        fitted.X_train[col], fitted.y_train, fitted.X_test[col], fitted.y_test, grid, y_grid,
        title=f"{setup.title}: fitted curve", x_label=col, y_label=target_label(ds),
    )  # fmt: skip
    if ds.extra is not None and "y_true" in ds.extra:
        rplots.add_line(fig, x_all, ds.extra["y_true"], "noise-free curve", colour=PALETTE[2])
    return fig


def live_fit_states(setup: Setup) -> dict:
    """Every value of the live slider fitted once per (split, scaling, model, other parameters, seed, ε): its
    curve on the plot's grid, its headline tiles, its metric table (HTML) and its over-fitting warning."""
    name, slider = LIVE_PARAMS[setup.model], setup.live_slider
    others = tuple(sorted((k, v) for k, v in setup.params.items() if k != name))

    def compute() -> dict:
        X_tr, X_te, y_tr, y_te = split_data(setup.split_key, setup.ds)
        y_tr, y_te = np.asarray(y_tr, dtype=float), np.asarray(y_te, dtype=float)
        col = setup.ds.feature_names[0]
        x_all = pd.to_numeric(setup.ds.X[col], errors="coerce").to_numpy(float)
        grid = pd.DataFrame({col: np.linspace(np.nanmin(x_all), np.nanmax(x_all), 400)})
        shown = even_indices(len(grid))
        out = {}
        for v in slider.values():
            try:
                params, _ = model_entry(setup.model, TASK).fit_to_data({**setup.params, name: v}, len(X_tr), X_tr.shape[1])
                est = make_pipeline(setup.model, TASK, params, setup.seed, setup.scaling, X=X_tr)
                start = time.perf_counter()
                est.fit(X_tr, y_tr)
                seconds = time.perf_counter() - start
                pred_tr, pred_te = est.predict(X_tr), est.predict(X_te)
                curve = np.asarray(est.predict(grid), dtype=float)[shown]
            except (ValueError, np.linalg.LinAlgError) as exc:
                out[v] = {"error": f"{name} = {v}: {exc}"}
                continue
            test = regression_metrics(y_te, pred_te, setup.eps)
            table = metrics_frame({"train": (y_tr, pred_tr), "test": (y_te, pred_te)}, setup.eps, False)
            warning = degree_warning(len(y_tr), int(v)) if setup.model == "polynomial" else None
            out[v] = {
                "curve": [None if not np.isfinite(c) else float(f"{c:.5g}") for c in curve],
                "tiles": [("Test R²", "—" if np.isnan(test["r2"]) else f"{test['r2']:.3f}", test["r2"]),
                          ("Test RMSE", f"{test['rmse']:.3g}", test["rmse"]),
                          ("Fit time", f"{seconds:.2f} s" if seconds >= 0.01 else "< 0.01 s", seconds)],
                "table": table.rename_axis(None).to_html(classes="mx-table", border=0),
                "warning": warning,
            }  # fmt: skip
        return out

    key = ("live", setup.split_key, setup.scaling, setup.model, others, setup.seed, setup.eps, slider.lo, slider.hi)
    return cached("reg.live", key, compute, STORE_ENTRIES)


def live_fit_view(setup: Setup, fitted: Fitted) -> None:
    """The fitted curve and its numbers following the live slider: every value's curve is a restyle of the one
    line, its tiles, metric table and over-fitting warning readouts (ui.live_slider), so a move redraws in the
    browser; the figure (points, axes) is sent once per data and model."""
    states = live_fit_states(setup)
    slider, live = setup.live_slider, setup.live
    name = LIVE_PARAMS[setup.model]
    others = tuple(sorted((k, v) for k, v in setup.params.items() if k != name))
    left, right = st.columns([3, 2])
    with left, guard("The fitted-curve plot"):
        curve_key = ("fitcurve", setup.fit_key, setup.title, target_label(setup.ds))
        curve = cached("reg.fit.json", curve_key, lambda: _fit_curve(setup, fitted).to_json(), STORE_ENTRIES)
        index = next(i for i, t in enumerate(json.loads(curve)["data"]) if t.get("name") == "fitted curve")
        rev = _revision(("fitcurve-live", setup.split_key, setup.scaling, setup.model, others, setup.seed,
                         setup.title, target_label(setup.ds)))  # fmt: skip
        parts = lambda: {  # noqa: E731
            slider.name: {str(v): {"restyle": [[{"y": [st_["curve"]]}, [index]]]} for v, st_ in states.items() if "curve" in st_}
        }
        live_plot(curve, rev, {}, follow=live.follow(parts, rev=rev), key="reg.fit.curve")
        st.caption("Circles: training points; diamonds: test points. The y-axis stays on the data, so "
                   "an over-fitted curve is seen leaving the plot.")  # fmt: skip
    with right:

        def tile(i):
            return texts(slider, lambda v: None if "tiles" not in states.get(v, {}) else list(states[v]["tiles"][i]))

        def line(v):
            st_ = states.get(v, {})
            if "error" in st_:
                return st_["error"]
            return {"html": st_["table"] + (f"<p class='mx-warn'>⚠ {html.escape(st_['warning'])}</p>" if st_.get("warning") else "")}

        live_readouts(live, key="reg.fit.readouts", tiles=[tile(i) for i in range(3)], lines=[texts(slider, line)], columns=2)
        metrics_notes(setup, fitted)


def fit_view(setup: Setup, fitted: Fitted) -> None:
    """The main picture (fitted curve, gradient-descent steps, or predicted vs true) and the metrics."""
    if fitted.path is not None:
        gd_view(setup, fitted)
        left, right = st.columns([1, 1])
        with left:
            headline(setup, fitted)
        with right, guard("The metric table"):
            metrics_table(setup, fitted)
        return
    if setup.live is not None and setup.live_instant and setup.ds.X.shape[1] == 1:
        live_fit_view(setup, fitted)
        return
    left, right = st.columns([3, 2])
    with left, guard("The fitted-curve plot"):
        if setup.ds.X.shape[1] == 1:
            curve_key = ("fitcurve", setup.fit_key, setup.title, target_label(setup.ds))
            curve = cached("reg.fit.json", curve_key, lambda: _fit_curve(setup, fitted).to_json(), STORE_ENTRIES)
            live_plot(curve, _revision(curve_key), {}, key="reg.fit.curve")  # a new fit: one Plotly.react in place
            st.caption("Circles: training points; diamonds: test points. The y-axis stays on the data, so "
                       "an over-fitted curve is seen leaving the plot.")  # fmt: skip
        else:
            band = PHOTOZ_OUTLIER_CUT if setup.photoz else None
            fig = rplots.pred_vs_true_figure(
                fitted.y_test, fitted.pred_test, "test set", target_label(setup.ds), band,
                classes=test_classes(setup, fitted),
            )  # fmt: skip
            chart(fig, key="reg.fit.pvt")
            st.caption(f"{setup.ds.X.shape[1]} features, so there is no curve to draw: each test point is its "
                       "true value (x) against the prediction (y). On the line y = x the prediction is perfect.")  # fmt: skip
    with right:
        headline(setup, fitted)
        with guard("The metric table"):
            metrics_table(setup, fitted)
    net = final_estimator(fitted.estimator) if fitted.estimator is not None else None
    if getattr(net, "history_", None):
        st.subheader("Training history")
        history_panel(net, TASK, len(fitted.y_train), key="reg.fit.history")


# -- gradient descent, step by step --------------------------------------------------------------


GD_STEP = "reg.gd.step"  # the step slider's name (session and address)
GD_STEP_VALUES = 1001  # at most this many slider positions: beyond 1,000 steps the slider moves in strides
GD_USED_POINTS = 40_000  # mini-batch points drawn by all the positions' states together (the payload's bulk)


@guarded_fragment("The gradient-descent steps")
def gd_steps(path: GDPath, x, y, ols, x_label: str, y_label: str) -> None:
    """The step slider and the animated chart: they only index the precomputed path (no refit). Every
    position's state (lines, point(s) used, loss mark, equation) is precomputed once per run, so a move is
    answered in the browser (ui.live_slider); Play runs the figure's own frames there too."""
    pop_pending(GD_STEP)
    n = path.n_steps
    # A new "Number of steps" is a new range: at the end the slider stays at the (new) end, elsewhere it
    # keeps its step.
    at, of = st.session_state.get("reg.gd.at", (n, n))
    if of != n:
        st.session_state[GD_STEP] = n if at >= of else min(at, n)
    stride = max(1, math.ceil(n / (GD_STEP_VALUES - 1)))
    slider = Slider(
        GD_STEP, "Step", 0, n, n, step=stride, url=GD_STEP,
        help="Move through the precomputed run; ▶ Play under the chart animates it in the browser.",
        note=f"{n:,} steps: the slider moves {stride} at a time." if stride > 1 else None,
    )  # fmt: skip
    # The chart stays mounted: the figure (with its Play frames) goes to the browser once per run of
    # gradient descent; a step move animates the five traces that show the step (no redraw, no figure rebuilt).
    path_key = ("anim", path.method, path.learning_rate, path.n_steps, float(path.w1[-1]), float(path.loss[-1]),
                float(np.sum(y)), len(y), x_label, y_label)  # fmt: skip
    rev = _revision(path_key)
    live = live_sliders([slider], key="reg.gd.live", reset=rev)
    step = int(live[GD_STEP])
    st.session_state["reg.gd.at"] = (step, n)
    base = cached(
        "reg.gd.anim", path_key,
        lambda: json.dumps(rplots.gd_animation_figure(x, y, path, path.n_steps, ols, x_label, y_label),
                           cls=PlotlyJSONEncoder),
        STORE_ENTRIES,
    )  # fmt: skip
    steps = slider.values()
    cap = gd_used_cap(path, len(steps))
    data = hashlib.sha1(np.ascontiguousarray(x, dtype=float).tobytes() + np.ascontiguousarray(y, dtype=float).tobytes())
    parts = lambda: {GD_STEP: gd_step_parts(x, y, path, steps, cap)}  # noqa: E731 (built once per run: ui.live_slider keeps it)
    live_plot(base, rev, {}, follow=live.follow(parts, rev=_revision((path_key, data.hexdigest(), stride, cap))),
              key="reg.gd.anim")  # fmt: skip
    batch = path.batch_index.shape[1] if path.batch_index is not None and path.batch_index.ndim == 2 else 0
    if batch > cap:
        st.caption(
            f"The slider draws {cap} of each step's {batch} mini-batch points (a random {cap}: the batch is "
            "random); ▶ Play draws them all."
        )


GD_STEP_TRACES = [3, 4, 5, 6, 7]  # the traces of gd_animation_figure that show a step (its frames move them)


def gd_used_cap(path: GDPath, n_values: int) -> int:
    """How many of a step's points used the slider's states draw: all (up to the frames' 200) unless a
    mini-batch run has so many positions that their points would make the states heavy (GD_USED_POINTS)."""
    return int(min(200, max(10, GD_USED_POINTS // max(n_values, 1))))


def _rounder(lo: float, hi: float):
    """Values rounded to 1/10,000 of the axis span [lo, hi] (the chart cannot show finer), None where not finite."""
    span = abs(hi - lo) or max(abs(hi), 1.0)
    digits = max(0, int(-math.floor(math.log10(span / 1e4))))
    return lambda vs: [round(float(v), digits) if v is not None and math.isfinite(float(v)) else None for v in vs]


def gd_step_parts(x, y, path: GDPath, steps, used_cap: int = 200) -> dict:
    """Each step's state as a live chart part (ui.live_plot follow): new data for the traces a frame of
    gd_animation_figure moves (earlier lines, line, point(s) used, loss mark, equation) and the chart's own
    step slider at the nearest frame. The frames' state (ml.plots.regression), coordinates rounded to
    1/10,000 of the axes' spans and at most `used_cap` points used per step: the states of every step
    travel together, once per run."""
    from ml.plots.regression import _gd_state, _padded_range

    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    x_range = _padded_range(xs, 0.05) or [0.0, 1.0]
    y_range = _padded_range(ys, 0.15) or [0.0, 1.0]
    rx, ry = _rounder(*x_range), _rounder(*y_range)
    shown = np.unique(np.linspace(0, path.n_steps, min(60, path.n_steps + 1)).round().astype(int))
    out = {}
    for s in steps:
        earlier, current, used, marker, title = _gd_state(xs, ys, path, int(s), np.array(x_range))
        loss = marker["y"][0]
        data = [
            {"x": rx(earlier["x"]), "y": ry(earlier["y"])},
            {"x": rx(current["x"]), "y": ry(current["y"])},
            {"x": rx(used["x"][:used_cap]), "y": ry(used["y"][:used_cap])},
            {"x": [int(s)], "y": [None if loss is None else float(f"{loss:.4g}")]},
            {"text": [title]},
        ]
        out[str(s)] = {"animate": {"data": data, "traces": GD_STEP_TRACES},
                       "marks": {"sliders[0].active": int(np.abs(shown - s).argmin())}}  # fmt: skip
    return out


def _revision(key: tuple) -> str:
    """A short stable name for a figure's content (the live chart redraws when it changes)."""
    return hashlib.sha1(repr(key).encode()).hexdigest()[:16]


def gd_view(setup: Setup, fitted: Fitted) -> None:
    path, (x_tr, _) = fitted.path, fitted.gd_x
    if setup.ds.X.shape[1] > 1:
        st.info(
            f"Gradient descent here fits a line to one feature, **{setup.params['feature']}** (choose another "
            "in the sidebar). For a fit you can watch, use the 1-D curve dataset.",
            icon=":material/info:",
        )
    try:
        ols = ols_line(x_tr, fitted.y_train)
    except ValueError:
        ols = None
    gd_steps(path, x_tr, fitted.y_train, ols, fitted.gd_label, target_label(setup.ds))
    with st.expander("What am I looking at? The tricks and gradient descent"):
        st.markdown(
            "The line starts at y = 0 and each step moves it; faint lines are earlier steps, the dotted line "
            "is the closed-form least-squares answer the steps should approach. With a point (p, q) and the "
            "line's prediction q′ = w1·p + w2:\n\n"
            "- **Absolute trick**: w1 ← w1 ± α·p, w2 ← w2 ± α (+ when the point is above the line). A fixed "
            "step size: the line keeps jittering around the best fit.\n"
            "- **Square trick**: w1 ← w1 + α·p·(q − q′), w2 ← w2 + α·(q − q′): far points pull harder, and the "
            "steps shrink as the line gets close.\n"
            "- **Batch** gradient descent averages the square trick over all points (a step downhill on the "
            "squared error); **mini-batch** over a random handful: cheaper, noisier.\n\n"
            "Too large a learning rate overshoots and diverges: the loss (right, log scale) climbs instead of falling."
        )


# -- residuals -----------------------------------------------------------------------------------


def residuals_view(setup: Setup, fitted: Fitted) -> None:
    which = linked(
        st.segmented_control, "Points", ("test", "train"), default="test", required=True, **kept(key="reg.resid.set")
    )
    y_true, y_pred = (
        (fitted.y_test, fitted.pred_test) if which == "test" else (fitted.y_train, fitted.pred_train)
    )
    label = target_label(setup.ds)
    band = PHOTOZ_OUTLIER_CUT if setup.photoz else None
    c1, c2 = st.columns(2)
    classes = test_classes(setup, fitted, fitted.X_test if which == "test" else fitted.X_train)
    chart(
        rplots.pred_vs_true_figure(y_true, y_pred, f"{which} set", label, band, classes=classes), key="reg.res.pvt", container=c1
    )
    chart(rplots.residuals_figure(y_pred, y_true - y_pred, label), key="reg.res.scatter", container=c2)
    c3, c4 = st.columns(2)
    chart(rplots.residual_histogram(y_true - y_pred, 50, label), key="reg.res.hist", container=c3)
    with c4.expander("What am I looking at?", expanded=True):
        st.markdown(
            "**Predicted vs true**: perfect predictions lie on y = x. **Residuals** (true − predicted) against "
            "the prediction should be a shapeless band around 0; a curve or a funnel means the model misses "
            "structure (e.g. a straight line through curved data). The **histogram** should be narrow and "
            "centred on 0." + (" The dashed lines mark |Δz| = 0.15(1+z): points outside are catastrophic "
                               "photo-z outliers." if band else "")
        )  # fmt: skip


# -- coefficients ----------------------------------------------------------------------------------


def coefficients_view(setup: Setup, fitted: Fitted) -> None:
    if fitted.path is not None:
        p = fitted.path
        x_tr, _ = fitted.gd_x
        w1, w2 = ols_line(x_tr, fitted.y_train)
        frame = pd.DataFrame(
            {"gradient descent (last step)": [p.w1[-1], p.w2[-1]], "least squares (closed form)": [w1, w2]},
            index=["slope w1", "intercept w2"],
        )
        st.table(frame.map(lambda v: f"{v:.4g}"))
        st.caption(
            f"The line on {fitted.gd_label}: "
            + {
                "converges": "as the steps go on, gradient descent approaches least squares.",
                "zigzags": "gradient descent zig-zags towards least squares.",
                "oscillates": "gradient descent swings around least squares and does not reach it (see the warning above).",
                "diverges": "gradient descent moves away from least squares (see the message above).",
            }[p.verdict]
        )
        return
    found = linear_coefficients(fitted.estimator, setup.ds.feature_names)
    if found is None:
        st.info(f"{setup.title} has no coefficients to show: only linear models (least squares, polynomial, "
                "ridge, lasso, elastic net) predict with a weighted sum of the features.")  # fmt: skip
        return
    names, coefs, intercept = found
    what = SCALED_WORDS[setup.scaling]
    top = 30
    if len(names) > top:
        keep = np.sort(np.argsort(-np.abs(coefs), kind="stable")[:top])
        st.caption(f"{len(names)} terms; the {top} largest in size are shown.")
        names, coefs = [names[i] for i in keep], coefs[keep]
    c1, c2 = st.columns([3, 2]) if setup.model in COEF_MODELS else (st.container(), None)
    fig = rplots.coefficients_figure(
        names,
        coefs,
        title=f"{setup.title}, {what} features",
        x_label=f"coefficient (per unit of the {what} feature)",
    )
    chart(fig, key="reg.coef.bars", container=c1)
    c1.caption(f"Intercept: {intercept:.4g}. Zero coefficients: {int(np.sum(coefs == 0))} of {len(coefs)}.")
    if c2 is not None:
        with c2.expander("What am I looking at? Why scaling matters", expanded=True):
            st.markdown(
                "A coefficient is the change in the prediction per unit of its feature. Unscaled, a feature "
                "measured in large numbers gets a small coefficient and vice versa, so sizes are not comparable "
                "and a penalty (ridge, lasso) punishes features unevenly. Standardised (mean 0, standard "
                "deviation 1), each coefficient is per standard deviation: comparable, and the penalty is fair. "
                "Below, the same model fitted after each scaling: lasso may zero different features."
            )
    if setup.model in COEF_MODELS:
        with guard("The scaling comparison"):
            by_scaling = cached(
                "reg.coef_scaling", ("coef", setup.split_key, setup.model, setup.fit_key[3], setup.seed),
                lambda: _coefs_by_scaling(setup, fitted), STORE_ENTRIES,
            )  # fmt: skip
            chart(
                rplots.coefficients_by_scaling_figure(setup.ds.feature_names, by_scaling),
                key="reg.coef.scaling",
            )


def _coefs_by_scaling(setup: Setup, fitted: Fitted) -> dict:
    from ml.models import fit_model

    out = {}
    for scaling in ("none", "standard", "minmax"):
        pipe = fit_model(
            make_pipeline(setup.model, TASK, setup.params, setup.seed, scaling, X=fitted.X_train),
            fitted.X_train,
            fitted.y_train,
        )
        out[SCALED_WORDS[scaling]] = linear_coefficients(pipe, setup.ds.feature_names)[1]
    return out


# -- regularisation path -----------------------------------------------------------------------------


def path_view(setup: Setup, fitted: Fitted) -> None:
    if setup.ds.X.shape[1] == 1:
        st.info("With a single feature each path is one line. Choose diabetes or the photo-z data to see "
                "lasso set coefficients exactly to zero one by one.")  # fmt: skip
    cols = st.columns(2)
    n_train = len(fitted.y_train)
    for col, kind in zip(cols, ("lasso", "ridge"), strict=True):
        with col, guard(f"The {kind} path"):
            frame = cached(
                "reg.path", ("path", setup.split_key, kind),
                lambda kind=kind: regularisation_path(fitted.X_train, fitted.y_train, kind), STORE_ENTRIES,
            )  # fmt: skip
            fig = rplots.regularisation_path_figure(frame, kind)
            alpha = setup.params.get("alpha") if setup.model == kind else None
            if alpha is not None:
                at = alpha if kind == "lasso" else alpha / n_train  # sklearn's Ridge sums, the path averages
                rplots.mark_alpha(fig, at, float(frame["alpha"].min()), float(frame["alpha"].max()))
            chart(fig, key=f"reg.path.{kind}")
    with st.expander("What am I looking at? L1 against L2", expanded=False):
        st.markdown(
            "Each line is one feature's coefficient (features standardised) as the penalty α grows to the "
            "left… right on a log axis. **Lasso (L1)** adds α·Σ|w|: coefficients hit exactly 0 one after "
            "another, so it selects features. **Ridge (L2)** adds α·Σw²: all shrink smoothly towards 0 but "
            "none is removed. At small α both approach ordinary least squares. With the standard scaling the "
            "lasso α marked here is the sidebar's; ridge's is divided by the number of training rows, because "
            "scikit-learn's Ridge sums the squared errors where the path averages them."
        )


# -- linear against the network --------------------------------------------------------------------


def net_params() -> dict:
    """The network settings from the sidebar form if it was used, else the registry defaults."""
    spec = get_model("mlp_torch", TASK)
    return {p.name: st.session_state.get(f"reg.mlp_torch.{p.name}", p.default) for p in spec.params_for(TASK)}


def versus_view(setup: Setup) -> None:
    """Least squares and the PyTorch network on the same split, side by side, on request."""
    st.markdown("The lecture's exercise: estimate redshift from photometric colours with a **linear regression** "
                "and a **deep neural network**, trained on the same rows and scored on the same test rows.")  # fmt: skip
    runs = {
        "linear regression": replace(setup, model="linear", params={}, train_pressed=False),
        "neural network": replace(setup, model="mlp_torch", params=net_params(), train_pressed=False),
    }
    done = st.session_state.setdefault("reg.trained", set())  # the same record needs_training keeps
    key = runs["neural network"].fit_key  # names the split, the scaling, the seed and the network
    if st.button("Train both on this split", type="primary", key="reg.versus.run"):
        done.add(key)
    if setup.ds.name == "sdss_photoz" and not dict(setup.data_key[2]).get("include_quasars"):
        st.caption("For a harder problem, where a straight line fails and the network's advantage is large, "
                   "switch on **Include quasars** in the sidebar's dataset options.")  # fmt: skip
    if key not in done:
        p = runs["neural network"].params
        st.caption(f"Network: {p['hidden_layers']} hidden layers × {p['hidden_units']} units, {p['activation']}, "
                   f"{p['optimizer']}, {p['epochs']} epochs (change it by choosing the network as the model).")  # fmt: skip
        return
    results = {}
    for name, run in runs.items():
        with guard(f"Training the {name}"):
            results[name] = fit_shown(run)
    if not results:
        return
    cols = st.columns(len(results))
    band = PHOTOZ_OUTLIER_CUT if setup.photoz else None
    values = np.concatenate([np.r_[r.y_test, r.pred_test] for r in results.values()])
    lo, hi = float(values.min()), float(values.max())
    pad = 0.03 * (hi - lo if hi > lo else 1.0)
    for col, (name, res) in zip(cols, results.items(), strict=True):
        fig = rplots.pred_vs_true_figure(res.y_test, res.pred_test, name, target_label(setup.ds), band)
        fig.update_xaxes(range=[lo - pad, hi + pad])  # the same axes side by side
        fig.update_yaxes(range=[lo - pad, hi + pad])
        chart(fig, key=f"reg.versus.{name}", container=col)
    frame = metrics_frame(
        {f"{n} (test)": (r.y_test, r.pred_test) for n, r in results.items()}, setup.eps, setup.photoz
    )
    st.table(frame)
    net = results.get("neural network")
    if net is not None and getattr(final_estimator(net.estimator), "history_", None):
        with st.expander("The network's training history (train and validation loss per epoch)"):
            history_panel(final_estimator(net.estimator), TASK, len(net.y_train), key="reg.versus.history")
