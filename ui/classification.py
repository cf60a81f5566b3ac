"""The Classification page's Streamlit glue: sidebar controls, training, and the result views.

The page file stays a list of calls; everything here reads widgets, asks `ml` for results through
the bounded stores in `ui.training`, and draws. View-only controls (which features to plot, which
class is positive, β) live inside `st.fragment`s, so moving them reruns only their own view and
never refits the model.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ml import classification as mlc
from ml import datasets, evaluation
from ml.models import ModelSpec, final_estimator, list_models, make_pipeline
from ml.models import entry as model_entry
from ml.plots.classification import confusion_figure, decision_figure, importance_figure, tree_figure
from ml.runtime import estimate_fit_seconds
from ui import cache, handoff
from ui.data_source import DataChoice as Data
from ui.data_source import data_source
from ui.evaluation_views import permutation_importance_view
from ui.live_plot import live_plot
from ui.live_slider import Slider, live_readouts, live_sliders, texts
from ui.present import chart
from ui.present import table as show_table
from ui.state import accept_key_in_url, bound, kept, linked
from ui.training import cached, fit_seconds, fit_with_progress, history_panel, is_fitted, train_gate
from ui.widgets import _log_options, guard, guarded_fragment, param_widget

TASK = "classification"
TASKS = ("binary", "multiclass")
DEFAULT_DATASET = "moons"
DEFAULT_MODEL = "tree"
MIN_ROWS_TO_SPLIT = 20
SLOW_FIT_S = 2.0  # a model whose last fit on this data took longer waits for a Train press
LAST_RUN = "cls.last_run"  # the last fitted Run, shown (marked stale) while a slow model waits
GRID_BUDGET_S = 1.5  # decision regions are coarsened for models slower than this on 200 × 200 points
SCALING_LABELS = {"standard": "Standardise (mean 0, std 1)", "minmax": "Min-max (0 to 1)", "none": "None"}
NICE_PAIRS = (("u-g", "g-r"), ("g-r", "r-i"))  # colour-colour planes astronomers read at a glance


@dataclass
class Prep:
    test_size: float
    seed: int
    scaling: str


@dataclass
class Run:
    """A fitted model with the split it was trained on: what every view reads."""

    data: Data
    prep: Prep
    spec: ModelSpec
    params: dict
    key: tuple
    est: object
    seconds: float
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray
    held_out: bool  # False when the data were too few to split (test = train)
    classes: np.ndarray = field(default=None)
    class_names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # parameters clipped to the data (registry size limits)
    stale: bool = False  # shown after the settings changed: a slow model not refitted yet
    live: object = None  # LiveMain when the model's main parameter is a live slider (see live_main)


# -- sidebar ---------------------------------------------------------------------------------------
def data_sidebar() -> Data | None:
    """Built-in dataset (with its options) or a stored upload, through the shared data component."""
    names = [d.name for d in datasets.list_datasets(TASKS) if "anomaly" not in d.tags]
    return data_source("cls", target="required", task="multiclass", datasets=names, default=DEFAULT_DATASET)


def preparation_sidebar() -> Prep:
    with st.sidebar.expander("Preparation: split, seed, scaling", expanded=False):
        test_size = linked(
            st.slider,
            "Test fraction",
            0.1,
            0.5,
            0.25,
            0.05,
            help="Share of rows held out (stratified by class).",
            **bound("test"),
        )
        seed = int(
            linked(
                st.number_input, "Seed", 0, 10_000, 0, 1, help="Fixes the split and the model's randomness.", **kept(key="seed")
            )
        )
        scaling = linked(
            st.selectbox, "Feature scaling", list(SCALING_LABELS), format_func=SCALING_LABELS.get, **kept(key="scaling"),
            help="Learned on the training rows only (inside the pipeline, so also inside each CV fold).",
        )  # fmt: skip
    return Prep(float(test_size), seed, scaling)


def model_sidebar(data: Data | None = None, prep: Prep | None = None) -> tuple[ModelSpec, dict, LiveMain | None]:
    """The classifier picker and its parameters; with data, a quick model's main parameter as a live slider."""
    sb = st.sidebar
    sb.header("Model")
    specs = {s.name: s for s in list_models(TASK)}
    names = list(specs)
    accept_key_in_url("model", names)
    name = linked(
        sb.selectbox,
        "Classifier",
        names,
        index=names.index(DEFAULT_MODEL),
        format_func=lambda n: specs[n].title,
        **bound("model"),
    )
    spec = specs[name]
    sb.caption(spec.description)
    with sb:
        if data is not None and prep is not None and _live_ok(spec, data):
            return spec, *_live_model_params(spec, data, prep)
        params = model_params(name, spec.params_for(TASK), f"model.{name}")
    return spec, params, None


# -- the main parameter as a live slider ---------------------------------------------------------------
LIVE_PARAMS = {"tree": "max_depth", "knn": "n_neighbors", "svm": "gamma"}  # a quick model's main slider
LIVE_MAX_ROWS = 2000  # rows up to which its values are fitted ahead (two features: the plane is the data)
LIVE_WINDOW = 8  # values fitted ahead on each side of the current one; a move further asks the server
LIVE_RESOLUTION = 120  # the decision-region grid while live (every fitted-ahead value's regions are sent)
LIVE_VIEW = "Decision regions"  # the view drawn from those values (others ask the server on each move)


@dataclass
class LiveMain:
    """The live slider of a model's main parameter: its values, which of them are fitted ahead, and whether
    the open view is drawn from them."""

    live: object  # ui.live_slider.Live
    slider: Slider
    param: str
    instant: bool

    def window(self, value) -> list:
        """The values fitted ahead around `value`."""
        values = self.slider.values()
        i = values.index(self.slider.clamp(value))
        return values[max(0, i - LIVE_WINDOW) : i + LIVE_WINDOW + 1]


def _live_ok(spec: ModelSpec, data: Data) -> bool:
    """A model with a live main slider: one of LIVE_PARAMS on a small table of two features."""
    X = data.ds.X
    return spec.name in LIVE_PARAMS and not spec.is_torch and X.shape[1] == 2 and len(X) <= LIVE_MAX_ROWS


def _live_model_params(spec: ModelSpec, data: Data, prep: Prep) -> tuple[dict, LiveMain | None]:
    """The model's parameters with its main one (LIVE_PARAMS) a live slider drawn first: on the decision
    regions the values around the current one are fitted ahead and a move is drawn in the browser."""
    name, pname = spec.name, LIVE_PARAMS[spec.name]
    specs = spec.params_for(TASK)
    p = next(x for x in specs if x.name == pname)
    box = st.container()
    params = model_params(name, [x for x in specs if x.name != pname], f"model.{name}")
    rule = RELEVANT.get((name, pname))
    if rule is not None and not rule(params):  # γ with a linear kernel: not used, not shown
        params[pname] = p.default
        return params, None
    key = f"model.{name}.{pname}"
    label = p.label + (" (0 = unlimited)" if "0 = unlimited" in (p.help or "") and "unlimited" not in p.label else "")
    if p.log:
        options = tuple(_log_options(p))
        slider = Slider(key, label, 0, 0, p.default, url=key, help=p.help or None, options=options,
                        labels=tuple(f"{o:g}" for o in options))  # fmt: skip
    else:
        slider = Slider(key, label, int(p.low), int(p.high), int(p.default), url=key, help=p.help or None)
    instant = st.session_state.get("view", LIVE_VIEW) == LIVE_VIEW
    main = LiveMain(None, slider, pname, instant)
    reset = _revision(("live", data.key, prep.test_size, prep.seed, prep.scaling, name, tuple(sorted(params.items()))))
    with box:
        main.live = live_sliders(
            [slider], key="cls.live", reset=reset, delay=None if instant else 0,
            known=(lambda values: main.window(values[key])) if instant else None,
        )  # fmt: skip
    params[pname] = main.live[key]
    return params, main


# (model, parameter) -> does the parameter matter, given the values drawn before it? Hidden ones keep
# their default: a control that does nothing for the current choice is not shown.
RELEVANT = {
    ("svm", "degree"): lambda v: v.get("kernel") == "poly",
    ("svr", "degree"): lambda v: v.get("kernel") == "poly",
    ("svm", "gamma"): lambda v: v.get("kernel") != "linear",
    ("svr", "gamma"): lambda v: v.get("kernel") != "linear",
    ("mlp_torch", "momentum"): lambda v: v.get("optimizer") == "momentum",
    ("mlp_torch", "patience"): lambda v: bool(v.get("early_stopping", True)),
}


def model_params(model: str, specs, prefix: str) -> dict:
    """Widgets for a model's parameters (kept for the session), skipping those that do nothing for the
    values chosen so far, and saying "0 = unlimited" on the label itself, not only in the tooltip."""
    values: dict = {}
    for p in specs:
        rule = RELEVANT.get((model, p.name))
        if rule is not None and not rule(values):
            values[p.name] = p.default
            continue
        if "0 = unlimited" in (p.help or "") and "unlimited" not in p.label:
            p = replace(p, label=f"{p.label} (0 = unlimited)")
        values[p.name] = param_widget(p, f"{prefix}.{p.name}", persist=True)
    return values


# -- training --------------------------------------------------------------------------------------
def _split(data: Data, prep: Prep):
    ds = data.ds
    counts = ds.y.value_counts()
    if len(counts) < 2:
        raise ValueError(
            f"The target has a single class ({ds.class_names[:1]}); a classifier needs at least two."
        )
    if ds.n_samples < MIN_ROWS_TO_SPLIT or counts.min() < 2:
        return ds.X, ds.X, ds.y.to_numpy(), ds.y.to_numpy(), False
    X_tr, X_te, y_tr, y_te = evaluation.split(ds.X, ds.y, TASK, prep.test_size, prep.seed)
    return X_tr, X_te, np.asarray(y_tr), np.asarray(y_te), True


def train(data: Data, prep: Prep, spec: ModelSpec, params: dict, live: LiveMain | None = None) -> Run:
    """Split and fit (once per data, preparation, model, parameters and seed)."""
    # the split once per data, test fraction and seed (a hyperparameter move reuses it; read-only)
    split_key = (data.key, prep.test_size, prep.seed)
    X_tr, X_te, y_tr, y_te, held_out = cached("cls.split", split_key, lambda: _split(data, prep), 16)
    params, notes = model_entry(spec.name, TASK).fit_to_data(params, len(X_tr), X_tr.shape[1])
    key = (data.key, prep.test_size, prep.seed, prep.scaling, spec.name, tuple(sorted(params.items())))
    if not is_fitted(key, TASK) and not _train_now(data, spec, params, prep, X_tr, token=key):
        return _stale_or_none(data, spec)
    est, seconds = fit_with_progress(
        key,
        lambda: make_pipeline(spec.name, TASK, params, prep.seed, prep.scaling, X=X_tr),
        X_tr,
        y_tr,
        task=TASK,
        is_torch=spec.is_torch,
        title=spec.title,
    )
    classes = np.asarray(final_estimator(est).classes_)
    names = [_class_name(data.ds, c) for c in classes]
    run = Run(data, prep, spec, params, key, est, seconds, X_tr, X_te, y_tr, y_te, held_out, classes, names, notes)
    st.session_state[LAST_RUN] = run
    run = replace(run, live=live)
    return run


def _slow_reason(data: Data, spec: ModelSpec, params: dict, prep: Prep, X_tr) -> str | None:
    """Why this model waits for a Train press, or None: a network; a model whose last fit on this data
    was slow; or, never fitted here yet, one forecast (ml.runtime, from size and parameters) to be slow."""
    if spec.is_torch:
        return "A network trains only when asked"
    took = fit_seconds((data.key, spec.name), TASK)
    if took is not None:
        if took > SLOW_FIT_S:
            return f"{spec.title} took {took:.1f} s to fit on this data last time, so it refits only when asked"
        return None
    try:
        pipe = make_pipeline(spec.name, TASK, params, prep.seed, prep.scaling)
        expected = estimate_fit_seconds(pipe, len(X_tr), X_tr.shape[1])
    except ValueError:
        return None
    if expected > SLOW_FIT_S:
        return f"{spec.title} is expected to take about {expected:.0f} s on {len(X_tr):,} rows, so it trains only when asked"
    return None


def _train_now(data: Data, spec: ModelSpec, params: dict, prep: Prep, X_tr, token=None) -> bool:
    """True to fit now: a quick model, or a slow one whose Train button was just pressed."""
    last: Run | None = st.session_state.get(LAST_RUN)
    shown = (last.spec.title, last.params) if last is not None and last.data.key == data.key else None
    return train_gate(_slow_reason(data, spec, params, prep, X_tr), spec.title, "cls.train", shown, token)


def _stale_or_none(data: Data, spec: ModelSpec) -> Run | None:
    last: Run | None = st.session_state.get(LAST_RUN)
    if last is None or last.data.key != data.key:
        return None
    return replace(last, stale=True)


def _class_name(ds: datasets.Dataset, c) -> str:
    try:
        return str(ds.class_names[int(c)])
    except (IndexError, TypeError, ValueError):
        return str(c)


def _predictions(run: Run) -> tuple[np.ndarray, np.ndarray]:
    return cached(
        "predictions", run.key, lambda: (np.asarray(run.est.predict(run.X_train)), np.asarray(run.est.predict(run.X_test))), 16
    )  # fmt: skip


def summary(run: Run) -> None:
    """The scores at a glance (stacked, for a narrow column), warnings, and what was trained."""
    net = final_estimator(run.est)
    states = live_states(run)
    if states is not None:  # the numbers follow the live slider (every fitted-ahead value's, in the browser)
        m = run.live
        tiles = [texts(m.slider, lambda v, i=i: list(states[str(v)]["tiles"][i]) if str(v) in states else None) for i in range(3)]
        gap = texts(m.slider, lambda v: states[str(v)]["gap"] if str(v) in states else None)
        live_readouts(m.live, key="cls.summary_live", tiles=tiles, lines=[gap], columns=1)
    else:
        pred_tr, pred_te = _predictions(run)
        acc_tr, acc_te = np.mean(pred_tr == run.y_train), np.mean(pred_te == run.y_test)
        st.metric("Train accuracy", f"{acc_tr:.3f}")
        st.metric(
            "Test accuracy" if run.held_out else "Accuracy (same rows)",
            f"{acc_te:.3f}",
            f"{acc_te - acc_tr:+.3f} vs train",
            delta_color="off",
            help="A test score well below the train score is the sign of overfitting.",
        )
        st.metric("Fit time", f"{run.seconds:.2f} s" if run.seconds >= 0.01 else "< 0.01 s")
    where = f" on {cache.device_label()}" if run.spec.is_torch else ""
    st.caption(
        f"**{run.spec.title}**{where} · {len(run.y_train):,} training rows, {len(run.y_test):,} test rows · "
        f"{run.X_train.shape[1]} features · {len(run.classes)} classes"
    )
    if not run.held_out:
        st.warning(
            f"Only {run.data.ds.n_samples} rows (or a class with a single row): nothing can be held out, so the "
            "model is trained and scored on all of them. Test scores here say nothing about new data."
        )
    for note in run.notes:
        st.info(note, icon=":material/straighten:")
    for w in getattr(run.est, "fit_warnings_", []):
        st.warning(f"The model did not fully converge: {w}")
    if run.spec.is_torch and getattr(net, "early_stopping", False):
        st.caption(f"Early stopping: best validation loss at epoch {net.best_epoch_} of {net.n_epochs_} run.")


# -- views -----------------------------------------------------------------------------------------
def _default_pair(cols: list[str]) -> tuple[str, str]:
    for a, b in NICE_PAIRS:
        if a in cols and b in cols:
            return a, b
    return cols[0], cols[1]


def _coarse_note(grid: mlc.DecisionGrid) -> str:
    if len(grid.x) >= mlc.DEFAULT_RESOLUTION:
        return ""
    return f" Grid {len(grid.x)} × {len(grid.y)}, coarser than 200 × 200: this model is slow to evaluate."


@guarded_fragment("The decision regions")
def regions_view(run: Run) -> None:
    cols = [str(c) for c in run.X_train.columns]
    n = len(cols)
    if n < 2:
        st.info("Decision regions need at least two features; this data has one.")
        return
    if n > 2:  # the plane and its axes on one row, the two switches on the next (labels stay whole)
        c1, c2, c3 = st.columns([2.4, 2, 2], vertical_alignment="bottom")
        c4, c5 = st.columns([1, 2], vertical_alignment="bottom")
    else:  # two features: the plane is the data, only the certainty switch remains
        c1 = c2 = c3 = c5 = None
        c4 = st.container()
    mode = "features"
    if n > 2:
        default = 0 if any(a in cols and b in cols for a, b in NICE_PAIRS) else 1
        mode = linked(
            c1.radio, "Plane", ["features", "pca"], index=default, **kept(key="regions.mode"), horizontal=True,
            format_func={"features": "Two features", "pca": "PCA projection"}.get,
            help="Two features: the others are held at their median. PCA: the plane of the two main directions of spread.",
        )  # fmt: skip
    features = None
    if mode == "features" and n > 2:
        a, b = _default_pair(cols)
        fx = linked(c2.selectbox, "x axis", cols, index=cols.index(a), **kept(key="regions.x"))
        fy = linked(c3.selectbox, "y axis", cols, index=cols.index(b), **kept(key="regions.y"))
        if fx == fy:
            st.info("Choose two different features for the x and y axes.")
            return
        features = (fx, fy)
    elif mode == "features":
        features = tuple(cols)
    shading = linked(
        c4.toggle, "Certainty", value=True, **kept(key="regions.shading"), help="Fade the colour where the model is unsure."
    )
    own = n > 2 and linked(
        c5.toggle, "Colour points by their own prediction", **kept(key="regions.own", value=False),
        help="The regions are a slice (or projection) of the model; a point's own prediction uses all its features.",
    )  # fmt: skip
    key = (run.key, mode, features)
    states = live_states(run)
    if states is not None and n == 2:
        with guard("The decision regions"):
            _live_regions(run, states, bool(shading))
        return
    with guard("The decision regions"):
        grid = cached(
            "grids",
            key,
            lambda: mlc.decision_grid(
                run.est,
                run.data.ds.X,
                mode=mode,
                features=features,
                seed=run.prep.seed,
                budget_s=GRID_BUDGET_S,
            ),
            16,
        )
        # The figure's JSON is built once per model and view (a move back to a fitted setting builds
        # nothing), and drawn by a chart that stays mounted: new regions are one Plotly.react in place
        # instead of st.plotly_chart's rebuild of the whole chart on every move.
        fig_key = ("regions", run.key, mode, features, bool(shading), bool(own))
        fig_json = cached("regions_json", fig_key, lambda: _regions_json(run, grid, n, mode, shading, own), 16)
        live_plot(fig_json, _revision(fig_key), {}, key="regions.fig")
        st.caption(
            mlc.describe_plane(grid, n)
            + " Circles: training rows; diamonds: test rows; × marks a misclassified row."
            + _coarse_note(grid)
        )


def live_states(run: Run) -> dict | None:
    """The fitted-ahead values of the live main slider, {str(value): state} (None when it is not live): each
    value fitted once per data, preparation and other parameters, with its decision regions on a
    LIVE_RESOLUTION grid (typed arrays for a restyle), misclassified rows, scores and fit time."""
    m = run.live
    if m is None or not m.instant or run.stale:
        return None
    others = tuple(sorted((k, v) for k, v in run.params.items() if k != m.param))
    out = {}
    for v in m.window(run.params[m.param]):
        key = (run.data.key, run.prep.test_size, run.prep.seed, run.prep.scaling, run.spec.name, others, m.param, v)
        state = cached("cls.live", key, lambda v=v: _live_state(run, v), 64)
        if state is not None:
            out[str(v)] = state
    return out


def _b64(a: np.ndarray) -> dict:
    """A uint8 grid as Plotly's typed-array spec (a restyle takes it as it is: 1 byte a cell)."""
    import base64

    a = np.ascontiguousarray(a, dtype=np.uint8)
    return {"dtype": "u1", "bdata": base64.b64encode(a.tobytes()).decode(), "shape": f"{a.shape[0]},{a.shape[1]}"}


def _live_state(run: Run, value) -> dict | None:
    """One value of the live slider: fit, predictions, regions (as `decision_figure` draws them), tiles."""
    from ml.plots.curves import marker_scatter

    m = run.live
    params, _ = model_entry(run.spec.name, TASK).fit_to_data({**run.params, m.param: value}, len(run.X_train), run.X_train.shape[1])
    try:
        est = make_pipeline(run.spec.name, TASK, params, run.prep.seed, run.prep.scaling, X=run.X_train)
        start = time.perf_counter()
        est.fit(run.X_train, run.y_train)
        seconds = time.perf_counter() - start
        pred_tr, pred_te = np.asarray(est.predict(run.X_train)), np.asarray(est.predict(run.X_test))
        grid = mlc.decision_grid(est, run.data.ds.X, mode="features", features=tuple(map(str, run.X_train.columns)),
                                 seed=run.prep.seed, resolution=LIVE_RESOLUTION)  # fmt: skip
    except (ValueError, np.linalg.LinAlgError):
        return None
    k = len(run.class_names)
    certainty = None
    if grid.confidence is not None and k > 1:  # as decision_figure veils unsure regions
        floor = 1.0 / k
        certainty = np.round(np.clip((grid.confidence - floor) / (1.0 - floor), 0.0, 1.0) * 100)
    wrong_tr = pred_tr != run.y_train
    xy = [grid.project(run.X_train)[wrong_tr]]
    counts = [f"train {int(wrong_tr.sum()):,}"]
    if run.held_out:
        wrong_te = pred_te != run.y_test
        xy.append(grid.project(run.X_test)[wrong_te])
        counts.append(f"test {int(wrong_te.sum()):,}")
    bad = np.concatenate(xy)
    cross = marker_scatter(bad[:, 0], bad[:, 1], name="x", colour="#000", max_points=600, seed=99)
    many = len(bad) > 200
    acc_tr, acc_te = float(np.mean(pred_tr == run.y_train)), float(np.mean(pred_te == run.y_test))
    test_label = "Test accuracy" if run.held_out else "Accuracy (same rows)"
    return {
        "pred": _b64(grid.pred),
        "certainty": None if certainty is None else _b64(certainty),
        "wrong": {"x": [float(v) for v in np.asarray(cross.x, float)], "y": [float(v) for v in np.asarray(cross.y, float)],
                  "name": f"misclassified ({', '.join(counts)})", "size": 7 if many else 11,
                  "opacity": 0.55 if many else 1.0, "line": 1 if many else 2.5},
        "tiles": [("Train accuracy", f"{acc_tr:.3f}", acc_tr), (test_label, f"{acc_te:.3f}", acc_te),
                  ("Fit time", f"{seconds:.2f} s" if seconds >= 0.01 else "< 0.01 s", seconds)],
        "gap": f"Test − train: {acc_te - acc_tr:+.3f} (a gap well below 0 is the sign of overfitting).",
    }  # fmt: skip


def _live_regions(run: Run, states: dict, shading: bool) -> None:
    """The decision regions following the live slider: the figure (points, axes) is sent once per data and
    model; each fitted-ahead value is a restyle of the region grids and the misclassified crosses."""
    m = run.live
    others = tuple(sorted((k, v) for k, v in run.params.items() if k != m.param))
    grid = cached(
        "grids", (run.key, "live", LIVE_RESOLUTION),
        lambda: mlc.decision_grid(run.est, run.data.ds.X, mode="features", features=tuple(map(str, run.X_train.columns)),
                                  seed=run.prep.seed, resolution=LIVE_RESOLUTION),
        16,
    )  # fmt: skip
    fig_key = ("regions-live", run.data.key, run.prep.test_size, run.prep.seed, run.prep.scaling, run.spec.name, others, shading)
    def build() -> tuple[str, int | None, int]:  # the figure and the traces a value restyles, once per fit
        fig_json = _regions_json(run, grid, 2, "features", shading, False)
        names = [t.get("name", "") for t in json.loads(fig_json)["data"]]
        veil = names.index("certainty") if "certainty" in names else None
        return fig_json, veil, next(i for i, n in enumerate(names) if n.startswith("misclassified"))

    fig_json, veil, cross = cached("regions_live", (*fig_key, run.key), build, 16)

    def part(state: dict) -> dict:
        w = state["wrong"]
        restyle = [[{"z": [state["pred"]]}, [0]],
                   [{"x": [w["x"]], "y": [w["y"]], "name": [w["name"]], "marker.size": [w["size"]],
                     "marker.opacity": [w["opacity"]], "marker.line.width": [w["line"]]}, [cross]]]  # fmt: skip
        if veil is not None and state["certainty"] is not None:
            restyle.append([{"z": [state["certainty"]]}, [veil]])
        return {"restyle": restyle}

    rev = _revision(fig_key)
    parts = lambda: {m.slider.name: {v: part(st_) for v, st_ in states.items()}}  # noqa: E731
    live_plot(fig_json, rev, {}, key="regions.fig",
              follow=m.live.follow(parts, rev=_revision((fig_key, tuple(states)))))  # fmt: skip
    st.caption(
        mlc.describe_plane(grid, 2) + " Circles: training rows; diamonds: test rows; × marks a misclassified row."
        f" Grid {LIVE_RESOLUTION} × {LIVE_RESOLUTION} while {m.slider.label.split(' (')[0].lower()} is a live slider: the "
        f"{2 * LIVE_WINDOW} values around the current one are fitted ahead, so moving to them is instant."
    )


def _regions_json(run: Run, grid, n: int, mode: str, shading: bool, own: bool) -> str:
    pred_tr, pred_te = _predictions(run)
    to_idx = lambda y: mlc.class_index(run.classes, y)  # noqa: E731
    colour_tr, colour_te = (pred_tr, pred_te) if own else (run.y_train, run.y_test)
    note = ""
    if n > 2 and mode == "features":
        note = f"Other {n - 2} feature(s) held at their median: a point can sit in another class's colour."
    elif mode == "pca":
        note = "Regions: the PCA plane mapped back to all features; points: projected onto it."
    fig = decision_figure(
        grid, run.class_names, grid.project(run.X_train), to_idx(colour_tr),
        grid.project(run.X_test) if run.held_out else None, to_idx(colour_te) if run.held_out else None,
        train_wrong=pred_tr != run.y_train, test_wrong=(pred_te != run.y_test) if run.held_out else None,
        shading=shading, by_prediction=own, note=note,
    )  # fmt: skip
    return fig.to_json()


def _revision(key: tuple) -> str:
    """A short stable name for a figure's content (the live chart redraws when it changes)."""
    return hashlib.sha1(repr(key).encode()).hexdigest()[:16]


@guarded_fragment("The metrics")
def metrics_view(run: Run) -> None:
    c1, c2 = st.columns(2)
    if len(run.classes) == 2:
        positive = linked(
            c1.selectbox,
            "Positive class",
            list(range(2)),
            index=1,
            format_func=lambda i: run.class_names[i],
            **kept(key="metrics.positive"),
        )
        pos_label = run.classes[positive]
    else:
        options = [None, *range(len(run.classes))]
        positive = linked(
            c1.selectbox, "Precision / recall of", options, format_func=lambda i: "every class (macro average)" if i is None else run.class_names[i],
            **kept(key="metrics.positive_multi"),
        )  # fmt: skip
        pos_label = None if positive is None else run.classes[positive]
    beta = linked(
        c2.select_slider, "β of the Fβ score", [0.25, 0.5, 1.0, 2.0, 4.0], value=2.0, **kept(key="metrics.beta"),
        help="β > 1 weighs recall more (missing a positive costs more); β < 1 weighs precision more.",
    )  # fmt: skip
    pred_tr, pred_te = _predictions(run)
    frame = mlc.metrics_frame(run.y_train, pred_tr, run.y_test, pred_te, beta=beta, positive=pos_label)
    frame.columns = ["train", "test" if run.held_out else "same rows"]
    show_table(
        frame, column_config={c: st.column_config.NumberColumn(format="%.3f") for c in frame.columns}
    )
    with st.expander("What am I looking at?"):
        st.markdown(
            "**Precision**: of the rows predicted positive, the share that are. **Recall**: of the positive rows, "
            "the share found. **F1** is their harmonic mean; **Fβ** weighs recall β times as much as precision. "
            "A train score far above the test score means the model has learned the training rows by heart (overfitting)."
        )
    st.subheader("Per-class report (test rows)")
    present = np.unique(np.concatenate([run.y_test, pred_te]))
    names = [_class_name(run.data.ds, c) for c in present]
    report = evaluation.classification_report_frame(run.y_test, pred_te, names)
    accuracy = report.loc["accuracy", "f1"] if "accuracy" in report.index else None
    report = report.drop(index="accuracy", errors="ignore")  # a bare number: blank cells read "None"
    fmt = {c: st.column_config.NumberColumn(format="%.3f") for c in ("precision", "recall", "f1")}
    show_table(report, column_config=fmt, height="content")
    if accuracy is not None:
        st.caption(
            f"Accuracy over all {int(report.loc['macro avg', 'support']):,} test rows: **{accuracy:.3f}**. Macro average: every class counts the same; weighted: by its support."
        )


@guarded_fragment("The confusion matrix")
def confusion_view(run: Run) -> None:
    normalise = linked(st.toggle, "Show shares of each true class (rows sum to 1)", **kept(key="confusion.normalise"))
    _, pred_te = _predictions(run)
    matrix = mlc.confusion(run.y_test, pred_te, run.classes)
    what = "test rows" if run.held_out else "all rows"
    chart(
        confusion_figure(matrix, run.class_names, normalise, title=f"Confusion matrix ({what})"),
        key="confusion.fig",
    )


def importance_view(run: Run) -> None:
    """Impurity-based importance at once (it comes with the fit); permutation importance on request."""
    compute = lambda: evaluation.feature_importance(run.est, run.X_test, run.y_test, seed=run.prep.seed)  # noqa: E731
    with guard("Feature importance"):
        if hasattr(final_estimator(run.est), "feature_importances_"):
            frame = cached("importance", run.key, compute, 16)
        else:
            st.caption(
                f"{run.spec.title} has no built-in importances; permutation importance shuffles each feature "
                "of the test rows in turn and measures how much the accuracy drops."
            )
            out = permutation_importance_view(
                run.est, run.X_test, run.y_test, key=run.key, task="classification", seed=run.prep.seed
            )
            frame = None if out is None or out.value is None or out.value.empty else out.value
        if frame is None:
            return
        chart(importance_figure(frame), key="importance.fig")
        if frame["method"].iloc[0] == "impurity":
            st.caption(
                "Impurity-based: how much each feature's splits reduce impurity, summed over the tree(s)."
            )
        else:
            st.caption(
                "Permutation importance on the test rows: the accuracy drop when a feature's values are shuffled."
            )


@guarded_fragment("The tree")
def tree_view(run: Run) -> None:
    """The fitted tree drawn (and as text); the levels slider reruns only this fragment."""
    tree = final_estimator(run.est)
    depth = linked(st.slider, "Show levels", 1, 8, min(4, max(tree.get_depth(), 1)), **kept(key="tree.depth"),
                      help="Deeper levels are summarised as '… deeper' boxes; all levels are in the text below.")  # fmt: skip
    nodes = cached("tree_nodes", (run.key, depth), lambda: evaluation.tree_nodes(run.est, list(run.X_train.columns), depth), 16)
    chart(tree_figure(nodes, run.class_names, getattr(tree, "criterion", "gini")), key="tree.fig")
    st.caption(
        f"{tree.get_n_leaves()} leaves, depth {tree.get_depth()}. Each box: its split (go left when true), the training "
        "rows that reach it, coloured by its majority class; hover for the impurity and the class mix. Thresholds are "
        "in the original feature units."
    )
    with st.expander("The whole tree as text"):
        st.code(evaluation.tree_text(run.est, list(run.X_train.columns), run.class_names, max_depth=20), language=None)


def history_view(run: Run) -> None:
    history_panel(final_estimator(run.est), TASK, len(run.y_train), key="history.fig")


def roc_button(run: Run) -> None:
    if not run.held_out:
        return
    help = "Send this model's test-set scores to the ROC Explorer page (binary, or one-vs-rest per class)."
    if st.button("Open in ROC Explorer", help=help, key="roc.send", width="stretch"):
        with guard("Sending scores to the ROC Explorer"):
            scores = mlc.roc_scores(run.est, run.X_test)
            try:
                handoff.send_to_roc(
                    f"{run.data.title}: {run.spec.title}",
                    mlc.class_index(run.classes, run.y_test),
                    run.class_names,
                    {run.spec.title: scores},
                    f"Test-set scores of {run.spec.title} on {run.data.title} ({len(run.y_test):,} rows).",
                )
            except StreamlitPageNotFoundError:  # this page was started on its own, not through app.py
                st.info("Scores saved. Open the ROC Explorer page from the navigation to see them.")


def extra_views(spec: ModelSpec) -> dict:
    """The views a model's registry entry declares beyond every model's, by tab label."""
    known = {"tree": ("Tree structure", tree_view), "training_curves": ("Training curves", history_view)}
    names = model_entry(spec.name, TASK).extra.get("views", ())
    return dict(known[v] for v in names if v in known)
