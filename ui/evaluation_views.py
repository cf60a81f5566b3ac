"""On-request model evaluation views shared by the classification and regression pages.

k-fold cross-validation, learning curve, validation curve (model-complexity graph), grid search
over two hyperparameters, and a comparison of every model at its defaults. Each sweep runs only
when its button is pressed, with a progress bar, and its result is kept in a bounded store keyed
on the data key and the settings, so it is shown again (without recomputing) on later reruns.
The whole block is one `st.fragment`: pressing a button or moving k reruns only this block.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from ml import evaluation
from ml.models import get_model, list_models, make_pipeline, normalise_task
from ml.params import ParamSpec
from ml.plots.curves import curve_figure
from ml.plots.training import cv_figure, grid_figure, param_curve_figure, score_label
from ml.runtime import LONG_FIT_S, estimate_fit_seconds
from ui.state import kept
from ui.training import cached, lookup
from ui.widgets import guard, guarded_fragment

SWEEP_STORE = "sweeps"
SWEEP_ENTRIES = 32
LEARNING_SIZES = (0.1, 0.25, 0.5, 0.75, 1.0)

_EXPLAIN = {
    "cv": "The training rows are cut into k folds; the model is trained k times, each time holding one "
    "fold out and scoring on it. The spread of the k held-out scores says how much the score depends on "
    "which rows happened to be held out.",
    "learning": "Train and validation score as the model sees more training rows. A large gap that "
    "narrows with more data means overfitting (high variance: more data helps); two low curves that "
    "meet early mean underfitting (high bias: a more flexible model helps).",
    "validation": "The model-complexity graph: train and validation score as one hyperparameter makes "
    "the model more or less flexible. Where both are low the model underfits; where the training "
    "score keeps rising but validation falls, it overfits. The best validation value is starred.",
    "grid": "Every combination of two hyperparameters, scored by k-fold cross-validation on the training "
    "rows; the best cell is boxed. The test set is never used to choose, so its score stays honest.",
    "compare": "Every model at its default settings, trained on the same training rows and scored on "
    "the same held-out rows. Click a column header to sort.",
}


def _sweepable(spec, task: str) -> list[ParamSpec]:
    return [p for p in spec.params_for(task) if p.kind in ("int", "float", "choice", "bool")]


def _sweep_spec(p: ParamSpec) -> ParamSpec:
    """For an int whose 0 means "unlimited" (max depth), sweep from 1: 0 would plot as the simplest model."""
    if p.kind == "int" and p.low == 0 and "unlimited" in p.help.lower():
        return dataclasses.replace(p, low=1, default=max(int(p.default), 1))
    return p


def _values_widget(p: ParamSpec, key: str, n_default: int) -> list:
    """The values to sweep for `p`: its choices, or a range and a count chosen by the user."""
    p = _sweep_spec(p)
    if p.kind in ("choice", "bool"):
        values = p.grid()
        st.caption("Values: " + ", ".join(str(v) for v in values))
        return values
    c1, c2 = st.columns([3, 1])
    if p.log:
        options = [float(f"{v:.3g}") for v in np.geomspace(p.low, p.high, 13)]
        lo, hi = c1.select_slider(
            f"{p.label}: range", options=options, value=(options[0], options[-1]), **kept(key=f"{key}.range"),
            format_func=lambda v: f"{v:g}",
        )  # fmt: skip
    elif p.kind == "int":
        lo, hi = c1.slider(
            f"{p.label}: range", int(p.low), int(p.high), (int(p.low), int(p.high)), **kept(key=f"{key}.range")
        )
    else:
        lo, hi = c1.slider(
            f"{p.label}: range",
            float(p.low),
            float(p.high),
            (float(p.low), float(p.high)),
            **kept(key=f"{key}.range"),
        )
    n = c2.number_input("Values", 2, 12, n_default, **kept(key=f"{key}.n"))
    if lo == hi:
        return [lo]
    return dataclasses.replace(p, low=lo, high=hi).grid(int(n))


def _expected(ctx: dict, n_fits: float, model: str | None = None, params: dict | None = None) -> float:
    """Forecast seconds of `n_fits` fits of the model (at `params`) on the training rows (ml.runtime)."""
    try:
        pipe = make_pipeline(model or ctx["model"], ctx["task"], ctx["params"] if params is None else params)
        return n_fits * estimate_fit_seconds(pipe, len(ctx["y"]), ctx["X"].shape[1])
    except ValueError:
        return 0.0


def _run_button(label: str, key: tuple, widget_key: str, compute: Callable, expected: float = 0.0) -> object:
    """Show the stored result for `key`; on a button press compute it with a progress bar first.

    Work expected to pass ml.runtime.LONG_FIT_S says its estimate first, on the button itself.
    """
    result = lookup(SWEEP_STORE, key, SWEEP_ENTRIES)
    if result is None and expected > LONG_FIT_S:
        st.warning(
            f"This is expected to take about {expected:,.0f} s on this machine (a rough estimate). Fewer folds, "
            "values or rows make it faster.",
            icon=":material/hourglass_top:",
        )
        label += f" (about {expected:,.0f} s)"
    pressed = st.button(label, key=widget_key, type="primary" if result is None else "secondary")
    if pressed and result is None:
        bar = st.progress(0.0, text="Starting")
        try:
            with guard(label):
                result = cached(
                    SWEEP_STORE,
                    key,
                    lambda: compute(lambda f, text: bar.progress(float(f), text=text)),
                    SWEEP_ENTRIES,
                )
        finally:
            bar.empty()
    return result


def _param_label(spec, task: str, name: str) -> str:
    return next((p.label for p in spec.params_for(task) if p.name == name), name)


# -- the five views ----------------------------------------------------------------------------
def _cv_view(ctx: dict) -> None:
    task, k = ctx["task"], ctx["k"]
    key = ("cv", *ctx["base"], k)

    def compute(progress):
        pipe = make_pipeline(ctx["model"], task, ctx["params"], ctx["seed"], ctx["scaling"], X=ctx["X"])
        return evaluation.cross_validate(
            pipe, ctx["X"], ctx["y"], task, k=k, seed=ctx["seed"], progress=progress
        )

    folds = _run_button(
        f"Run {k}-fold cross-validation", key, f"{ctx['prefix']}.cv.run", compute, _expected(ctx, k * (k - 1) / k)
    )
    if folds is None:
        return
    label = score_label(task)
    mean, std = folds["test_score"].mean(), folds["test_score"].std(ddof=0)
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Held-out {label} (mean ± std)", f"{mean:.3f} ± {std:.3f}")
    c2.metric(f"Train {label} (mean)", f"{folds['train_score'].mean():.3f}")
    c3.metric("Fit time per fold", f"{folds['fit_time'].mean():.2f} s")
    st.plotly_chart(cv_figure(folds, task), key=f"{ctx['prefix']}.cv.fig")
    st.dataframe(
        folds.rename(columns={"train_score": f"train {label}", "test_score": f"held-out {label}", "fit_time": "fit time (s)"}),
        hide_index=True,
        column_config={c: st.column_config.NumberColumn(format="%.3f") for c in (f"train {label}", f"held-out {label}", "fit time (s)")},
    )  # fmt: skip


def _learning_view(ctx: dict) -> None:
    task, k = ctx["task"], ctx["k"]
    key = ("learning", *ctx["base"], k, LEARNING_SIZES)

    def compute(progress):
        pipe = make_pipeline(ctx["model"], task, ctx["params"], ctx["seed"], ctx["scaling"], X=ctx["X"])
        return evaluation.learning_curve_data(
            pipe, ctx["X"], ctx["y"], task, LEARNING_SIZES, k=k, seed=ctx["seed"], progress=progress
        )

    data = _run_button("Compute the learning curve", key, f"{ctx['prefix']}.learning.run", compute)
    if data is None:
        return
    fig = curve_figure(
        data["train_size"], data["train_mean"], data["train_std"], data["val_mean"], data["val_std"],
        "training-set size (rows)", score_label(task),
    )  # fmt: skip
    st.plotly_chart(fig, key=f"{ctx['prefix']}.learning.fig")
    gap = float(data["train_mean"].iloc[-1] - data["val_mean"].iloc[-1])
    st.caption(f"At the full training size the train score is {gap:+.3f} above the validation score.")


def _validation_view(ctx: dict) -> None:
    task, spec = ctx["task"], ctx["spec"]
    params = _sweepable(spec, task)
    if not params:
        st.info(f"{spec.title} has no hyperparameters to sweep.")
        return
    names = [p.name for p in params]
    labels = {p.name: p.label for p in params}
    name = st.selectbox("Hyperparameter", names, format_func=labels.get, **kept(key=f"{ctx['prefix']}.vc.param"))
    p = next(q for q in params if q.name == name)
    values = _values_widget(p, f"{ctx['prefix']}.vc.{name}", 8)
    key = ("validation", *ctx["base"], ctx["k"], name, tuple(values))

    def compute(progress):
        return evaluation.validation_curve_data(
            ctx["model"], task, name, values, ctx["X"], ctx["y"], scaling=ctx["scaling"], seed=ctx["seed"],
            k=ctx["k"], params=ctx["params"], progress=progress,
        )  # fmt: skip

    data = _run_button(
        "Compute the validation curve", key, f"{ctx['prefix']}.vc.run", compute, _expected(ctx, len(values) * ctx["k"])
    )
    if data is None:
        return
    fig = param_curve_figure(
        list(data["value"]), data["train_mean"], data["train_std"], data["val_mean"], data["val_std"],
        labels[name], task, log_x=p.log,
    )  # fmt: skip
    st.plotly_chart(fig, key=f"{ctx['prefix']}.vc.fig")
    _refused(data.attrs.get("errors", []), "value")


def _refused(errors: list[str], what: str) -> None:
    """Say which swept settings the model refused (left blank in the chart), and why."""
    if errors:
        with st.expander(f"{len(errors)} {what}(s) the model refused, left blank in the chart"):
            for e in errors[:20]:
                st.text(e)


def _grid_view(ctx: dict) -> None:
    task, spec = ctx["task"], ctx["spec"]
    params = _sweepable(spec, task)
    if len(params) < 2:
        st.info(f"{spec.title} has fewer than two hyperparameters, so there is no grid to search.")
        return
    names = [p.name for p in params]
    labels = {p.name: p.label for p in params}
    c1, c2 = st.columns(2)
    with c1:
        a = st.selectbox(
            "Rows: hyperparameter", names, index=0, format_func=labels.get, **kept(key=f"{ctx['prefix']}.gs.a")
        )
        values_a = _values_widget(next(q for q in params if q.name == a), f"{ctx['prefix']}.gs.a.{a}", 4)
    others = [n for n in names if n != a]
    with c2:
        b = st.selectbox(
            "Columns: hyperparameter", others, index=0, format_func=labels.get, **kept(key=f"{ctx['prefix']}.gs.b")
        )
        values_b = _values_widget(next(q for q in params if q.name == b), f"{ctx['prefix']}.gs.b.{b}", 4)
    n_fits = len(values_a) * len(values_b) * ctx["k"]
    st.caption(f"{len(values_a)} × {len(values_b)} combinations × {ctx['k']} folds = {n_fits} fits.")
    key = ("grid", *ctx["base"], ctx["k"], a, tuple(values_a), b, tuple(values_b))

    def compute(progress):
        return evaluation.grid_search_data(
            ctx["model"], task, a, values_a, b, values_b, ctx["X"], ctx["y"], scaling=ctx["scaling"],
            seed=ctx["seed"], k=ctx["k"], params=ctx["params"], progress=progress,
        )  # fmt: skip

    result = _run_button("Run the grid search", key, f"{ctx['prefix']}.gs.run", compute, _expected(ctx, n_fits))
    if result is None:
        return
    best = result.best
    st.success(
        f"Best: {labels[a]} = {best[a]}, {labels[b]} = {best[b]} — CV {score_label(task)} {best['score']:.3f}"
    )
    fig = grid_figure(
        result.scores,
        result.values_a,
        result.values_b,
        labels[a],
        labels[b],
        (best["row"], best["col"]),
        task,
    )
    st.plotly_chart(fig, key=f"{ctx['prefix']}.gs.fig")
    _refused(result.errors, "combination")


def _compare_view(ctx: dict) -> None:
    task = ctx["task"]
    has_test = ctx["X_test"] is not None
    key = ("compare", ctx["data_key"], ctx["scaling"], ctx["seed"], has_test)

    def compute(progress):
        if has_test:
            X_tr, y_tr, X_te, y_te = ctx["X"], ctx["y"], ctx["X_test"], ctx["y_test"]
        else:
            X_tr, X_te, y_tr, y_te = evaluation.split(ctx["X"], ctx["y"], task, 0.25, ctx["seed"])
        return evaluation.compare_models(task, X_tr, y_tr, X_te, y_te, ctx["scaling"], ctx["seed"], progress)

    expected = sum(_expected(ctx, 1, s.name, {}) for s in list_models(task))
    table = _run_button("Train and compare every model", key, f"{ctx['prefix']}.cmp.run", compute, expected)
    if table is None:
        return
    where = "the test set" if has_test else "a quarter of the training rows held out"
    st.caption(f"Every model at its defaults; scores on {where}. Click a column header to sort.")
    metric = "accuracy" if task == "classification" else "r2"
    shown = table.sort_values(metric, ascending=False, na_position="last").drop(columns=["model"])
    if not shown["error"].astype(bool).any():
        shown = shown.drop(columns=["error"])
    names = {
        "title": "model",
        "f1_macro": "F1 (macro)",
        "auc": "AUC",
        "r2": "R²",
        "rmse": "RMSE",
        "mae": "MAE",
    }
    shown = shown.rename(columns={**names, "fit_time": "fit time (s)"})
    fmt = {
        c: st.column_config.NumberColumn(format="%.3f") for c in shown.columns if c not in ("model", "error")
    }
    st.dataframe(shown, hide_index=True, column_config=fmt, height="content")  # every row, no inner scroll


# -- the block -----------------------------------------------------------------------------------
@guarded_fragment("The tuning views")
def _views(ctx: dict) -> None:
    n = len(ctx["y"])
    ctx["k"] = int(
        st.slider(
            "Folds k (cross-validation, curves and grid search)", 2, 10, min(5, max(2, n // 2)),
            **kept(key=f"{ctx['prefix']}.k"), help="More folds: more training rows per fit, more fits.",
        )
    )  # fmt: skip
    # Only the open tab runs: its controls, and its stored result if there is one.
    tabs = st.tabs([tab for _, tab, _, _ in _VIEWS], key=f"{ctx['prefix']}.tab", on_change="rerun")
    for tab, (name, _, what, view) in zip(tabs, _VIEWS, strict=True):
        if not tab.open:
            continue
        with tab:
            with st.expander("What am I looking at?"):
                st.markdown(_EXPLAIN[name])
            with guard(what):
                view(ctx)


# (name, tab title, what an error message calls it, view)
_VIEWS = (
    ("cv", "Cross-validation", "Cross-validation", _cv_view),
    ("learning", "Learning curve", "The learning curve", _learning_view),
    ("validation", "Validation curve", "The validation curve", _validation_view),
    ("grid", "Grid search", "The grid search", _grid_view),
    ("compare", "Compare models", "The model comparison", _compare_view),
)


def evaluation_views(
    task: str,
    data_key: tuple,
    model_name: str,
    params: dict,
    scaling: str,
    seed: int,
    X_train,
    y_train,
    *,
    X_test=None,
    y_test=None,
    key_prefix: str = "eval",
) -> None:
    """Cross-validation, learning curve, validation curve, grid search and model comparison, on request.

    `data_key` names the data (dataset or upload hash, preparation, split); with the model name,
    `params`, `scaling`, `seed` and each view's settings it keys the stored results. Sweeps run on
    the training rows only. Model comparison scores on (X_test, y_test) when given, else on a
    quarter of the training rows held out. Errors (fewer rows than folds, refused parameters) show
    in the page; the rest keeps working.
    """
    task = normalise_task(task)
    with guard("The evaluation views"):
        spec = get_model(model_name, task)
        ctx = {
            "task": task,
            "spec": spec,
            "model": model_name,
            "params": dict(params),
            "scaling": scaling,
            "seed": int(seed),
            "X": X_train,
            "y": np.asarray(y_train) if not isinstance(y_train, pd.Series) else y_train,
            "X_test": X_test,
            "y_test": y_test,
            "data_key": data_key,
            "base": (data_key, model_name, tuple(sorted(dict(params).items())), scaling, int(seed)),
            "prefix": key_prefix,
        }
        _views(ctx)
