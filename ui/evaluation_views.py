"""On-request model evaluation views shared by the classification and regression pages.

k-fold cross-validation, learning curve, validation curve (model-complexity graph), grid search
over two hyperparameters, and a comparison of every model at its defaults; permutation importance
for the page's fitted model (`permutation_importance_view`). Every sweep runs through `ui.sweep`:
its estimate on its Run button, progress with time left, a Stop that keeps the results so far, and
the finished result kept in a bounded store keyed on the data key and the settings. A sweep
forecast past `ui.sweep.SWEEP_BUDGET_S` runs by default on a seeded sample of the training rows that
fits the budget (said, with a switch to use every row and its estimate).
The whole block is one `st.fragment`: pressing a button or moving k reruns only this block.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from ml import evaluation
from ml.models import get_model, list_models, make_pipeline, normalise_task
from ml.params import ParamSpec
from ml.plots.curves import curve_figure
from ml.plots.training import cv_figure, grid_figure, param_curve_figure, score_label
from ml.runtime import estimate_fit_seconds
from ui.present import chart
from ui.present import table as show_table
from ui.state import kept, linked
from ui.state import tabs as linked_tabs
from ui.sweep import SWEEP_BUDGET_S, Outcome, duration, speed, stopped_note, sweep
from ui.widgets import guard, guarded_fragment

SWEEP_STORE = "sweeps"
SWEEP_ENTRIES = 32
LEARNING_SIZES = (0.1, 0.25, 0.5, 0.75, 1.0)
FIT_OVERHEAD_S = 0.01  # per fit: cloning, scoring train and held-out rows (small models)
TREE_OVERHEAD_S = 0.002  # per tree of an ensemble, whatever the rows: building and two scorings (5.5 ms at load 20)
MIN_SAMPLE = 200  # a sweep cut to the budget keeps at least this many training rows
PERMUTATION_REPEATS = 5

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
        lo, hi = linked(
            c1.select_slider, f"{p.label}: range", options=options, value=(options[0], options[-1]), **kept(key=f"{key}.range"),
            format_func=lambda v: f"{v:g}",
        )  # fmt: skip
    elif p.kind == "int":
        lo, hi = linked(
            c1.slider, f"{p.label}: range", int(p.low), int(p.high), (int(p.low), int(p.high)), **kept(key=f"{key}.range")
        )
    else:
        lo, hi = linked(
            c1.slider,
            f"{p.label}: range",
            float(p.low),
            float(p.high),
            (float(p.low), float(p.high)),
            **kept(key=f"{key}.range"),
        )
    n = linked(c2.number_input, "Values", 2, 12, n_default, **kept(key=f"{key}.n"))
    if lo == hi:
        return [lo]
    return dataclasses.replace(p, low=lo, high=hi).grid(int(n))


_FIT_COSTS: dict[tuple, float] = {}  # forecasts by (model, task, params, rows, features): pure, so memoised


def _fit_cost(ctx: dict, n_rows: float, model: str | None = None, params: dict | None = None) -> float:
    """Forecast seconds of one fit of the model (at `params`) on `n_rows` rows (ml.runtime), plus overhead.

    Memoised: the sample-size search and the grid ask for hundreds of forecasts per rerun, and each built
    a pipeline (about half of a hyperparameter move's server time on Classification)."""
    model = model or ctx["model"]
    params = ctx["params"] if params is None else params
    key = (model, ctx["task"], repr(sorted(params.items())), max(int(n_rows), 1), ctx["X"].shape[1])
    if key not in _FIT_COSTS:
        if len(_FIT_COSTS) > 20_000:
            _FIT_COSTS.clear()
        try:
            pipe = make_pipeline(model, ctx["task"], params)
            final = pipe.steps[-1][1] if hasattr(pipe, "steps") else pipe
            trees = next((v for k, v in final.get_params().items() if k.endswith("n_estimators") and v), 0)
            _FIT_COSTS[key] = FIT_OVERHEAD_S + TREE_OVERHEAD_S * int(trees) + estimate_fit_seconds(pipe, key[3], key[4])
        except ValueError:
            _FIT_COSTS[key] = FIT_OVERHEAD_S
    return _FIT_COSTS[key]


def _budgeted(ctx: dict, view: str, cost: Callable[[int], float]) -> tuple[object, object, int, float]:
    """(X, y, rows used, forecast) for a sweep whose forecast on n training rows is `cost(n)` seconds.

    Past SWEEP_BUDGET_S the sweep runs on a seeded (stratified) sample of the training rows that fits
    the budget, unless the user switches to every row; either way the page says which and how long.
    """
    n = len(ctx["y"])
    factor = speed(f"{ctx['prefix']}.{view}.run")  # measured on this server's last sweeps of this kind
    raw_cost, cost = cost, lambda rows: raw_cost(rows) * factor
    full = cost(n)
    if full <= SWEEP_BUDGET_S or n <= MIN_SAMPLE:
        return ctx["X"], ctx["y"], n, raw_cost(n)
    lo, hi = MIN_SAMPLE, n  # the largest sample size that fits the budget (cost grows with rows)
    while hi - lo > max(n // 200, 10):
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if cost(mid) <= SWEEP_BUDGET_S else (lo, mid)
    m = lo
    every = linked(
        st.toggle, f"Use all {n:,} training rows ({duration(full)})", **kept(key=f"{ctx['prefix']}.{view}.all"),
        help=f"Off: a seeded sample of {m:,} rows (seed {ctx['seed']}), so the sweep stays under "
        f"~{SWEEP_BUDGET_S:.0f} s on this machine.",
    )  # fmt: skip
    if every:
        return ctx["X"], ctx["y"], n, raw_cost(n)
    st.caption(
        f"Runs on a seeded sample of **{m:,} of the {n:,} training rows** ({duration(cost(m))}; all rows: "
        f"{duration(full)}). Scores on a sample are a little noisier; the switch above uses every row."
    )
    X, y = evaluation.sample_rows(ctx["X"], ctx["y"], m, ctx["task"], ctx["seed"])
    return X, y, m, raw_cost(m)


def _folds_cost(ctx: dict, n: int, settings: list[dict]) -> float:
    """k fits per setting on (k-1)/k of n rows."""
    k = ctx["k"]
    return k * sum(_fit_cost(ctx, n * (k - 1) / k, params=p) for p in settings)


def _param_label(spec, task: str, name: str) -> str:
    return next((p.label for p in spec.params_for(task) if p.name == name), name)


# -- the five views ----------------------------------------------------------------------------
def _cv_view(ctx: dict) -> None:
    task, k = ctx["task"], ctx["k"]
    X, y, n_used, expected = _budgeted(ctx, "cv", lambda n: _folds_cost(ctx, n, [ctx["params"]]))
    key = ("cv", *ctx["base"], k, n_used)

    def plan():
        pipe = make_pipeline(ctx["model"], task, ctx["params"], ctx["seed"], ctx["scaling"], X=X)
        return evaluation.cv_plan(pipe, X, y, task, k=k, seed=ctx["seed"])

    out = sweep(
        key, plan, label=f"Run {k}-fold cross-validation", widget_key=f"{ctx['prefix']}.cv.run", estimate=expected,
        store=SWEEP_STORE, store_size=SWEEP_ENTRIES,
    )  # fmt: skip
    if out is None or out.value is None:
        return
    folds = out.value
    label = score_label(task)
    mean, std = folds["test_score"].mean(), folds["test_score"].std(ddof=0)
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Held-out {label} (mean ± std)", f"{mean:.3f} ± {std:.3f}")
    c2.metric(f"Train {label} (mean)", f"{folds['train_score'].mean():.3f}")
    c3.metric("Fit time per fold", f"{folds['fit_time'].mean():.2f} s")
    chart(cv_figure(folds, task), key=f"{ctx['prefix']}.cv.fig")
    show_table(
        folds.rename(columns={"train_score": f"train {label}", "test_score": f"held-out {label}", "fit_time": "fit time (s)"}),
        hide_index=True,
        column_config={c: st.column_config.NumberColumn(format="%.3f") for c in (f"train {label}", f"held-out {label}", "fit time (s)")},
    )  # fmt: skip
    stopped_note(out)


def _learning_view(ctx: dict) -> None:
    task, k = ctx["task"], ctx["k"]

    def cost(n: int) -> float:
        return k * sum(_fit_cost(ctx, f * n * (k - 1) / k) for f in LEARNING_SIZES)

    X, y, n_used, expected = _budgeted(ctx, "learning", cost)
    key = ("learning", *ctx["base"], k, LEARNING_SIZES, n_used)

    def plan():
        pipe = make_pipeline(ctx["model"], task, ctx["params"], ctx["seed"], ctx["scaling"], X=X)
        return evaluation.learning_curve_plan(pipe, X, y, task, LEARNING_SIZES, k=k, seed=ctx["seed"])

    out = sweep(
        key, plan, label="Compute the learning curve", widget_key=f"{ctx['prefix']}.learning.run",
        estimate=expected, store=SWEEP_STORE, store_size=SWEEP_ENTRIES,
    )  # fmt: skip
    if out is None or out.value is None or out.value.empty:
        return
    data = out.value
    fig = curve_figure(
        data["train_size"], data["train_mean"], data["train_std"], data["val_mean"], data["val_std"],
        "training-set size (rows)", score_label(task),
    )  # fmt: skip
    chart(fig, key=f"{ctx['prefix']}.learning.fig")
    gap = float(data["train_mean"].iloc[-1] - data["val_mean"].iloc[-1])
    st.caption(f"At the full training size the train score is {gap:+.3f} above the validation score.")
    stopped_note(out)


def _validation_view(ctx: dict) -> None:
    task, spec = ctx["task"], ctx["spec"]
    params = _sweepable(spec, task)
    if not params:
        st.info(f"{spec.title} has no hyperparameters to sweep.")
        return
    names = [p.name for p in params]
    labels = {p.name: p.label for p in params}
    name = linked(st.selectbox, "Hyperparameter", names, format_func=labels.get, **kept(key=f"{ctx['prefix']}.vc.param"))
    p = next(q for q in params if q.name == name)
    values = _values_widget(p, f"{ctx['prefix']}.vc.{name}", 8)
    settings = [{**ctx["params"], name: v} for v in values]
    X, y, n_used, expected = _budgeted(ctx, "vc", lambda n: _folds_cost(ctx, n, settings))
    key = ("validation", *ctx["base"], ctx["k"], name, tuple(values), n_used)

    def plan():
        return evaluation.validation_curve_plan(
            ctx["model"], task, name, values, X, y, scaling=ctx["scaling"], seed=ctx["seed"], k=ctx["k"],
            params=ctx["params"],
        )  # fmt: skip

    out = sweep(
        key, plan, label="Compute the validation curve", widget_key=f"{ctx['prefix']}.vc.run", estimate=expected,
        store=SWEEP_STORE, store_size=SWEEP_ENTRIES, advice="Fewer values, fewer folds or fewer rows make it faster.",
    )  # fmt: skip
    if out is None or out.value is None or out.value.empty:
        if out is not None:
            st.caption("No value has all its folds done yet.")
        return
    data = out.value
    fig = param_curve_figure(
        list(data["value"]), data["train_mean"], data["train_std"], data["val_mean"], data["val_std"],
        labels[name], task, log_x=p.log,
    )  # fmt: skip
    chart(fig, key=f"{ctx['prefix']}.vc.fig")
    _refused(data.attrs.get("errors", []), "value")
    if not out.complete:
        st.caption(f"Partial result: {len(data)} of {len(values)} values done ({out.done} of {out.total} fits).")


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
        a = linked(
            st.selectbox, "Rows: hyperparameter", names, index=0, format_func=labels.get, **kept(key=f"{ctx['prefix']}.gs.a")
        )
        values_a = _values_widget(next(q for q in params if q.name == a), f"{ctx['prefix']}.gs.a.{a}", 4)
    others = [n for n in names if n != a]
    with c2:
        b = linked(
            st.selectbox, "Columns: hyperparameter", others, index=0, format_func=labels.get, **kept(key=f"{ctx['prefix']}.gs.b")
        )
        values_b = _values_widget(next(q for q in params if q.name == b), f"{ctx['prefix']}.gs.b.{b}", 4)
    n_fits = len(values_a) * len(values_b) * ctx["k"]
    st.caption(f"{len(values_a)} × {len(values_b)} combinations × {ctx['k']} folds = {n_fits} fits.")
    settings = [{**ctx["params"], a: va, b: vb} for va in values_a for vb in values_b]
    X, y, n_used, expected = _budgeted(ctx, "gs", lambda n: _folds_cost(ctx, n, settings))
    key = ("grid", *ctx["base"], ctx["k"], a, tuple(values_a), b, tuple(values_b), n_used)

    def plan():
        return evaluation.grid_search_plan(
            ctx["model"], task, a, values_a, b, values_b, X, y, scaling=ctx["scaling"], seed=ctx["seed"],
            k=ctx["k"], params=ctx["params"],
        )  # fmt: skip

    out = sweep(
        key, plan, label="Run the grid search", widget_key=f"{ctx['prefix']}.gs.run", estimate=expected,
        store=SWEEP_STORE, store_size=SWEEP_ENTRIES, advice="Fewer values, fewer folds or fewer rows make it faster.",
    )  # fmt: skip
    if out is None:
        return
    result = out.value
    if result is None:
        st.caption("No combination has all its folds done yet.")
        return
    best = result.best
    so_far = "" if out.complete else " (of the combinations done so far)"
    st.success(
        f"Best{so_far}: {labels[a]} = {best[a]}, {labels[b]} = {best[b]} — CV {score_label(task)} {best['score']:.3f}"
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
    if not out.complete:  # cells after the last finished one were not run: say so instead of "failed"
        text = np.array(fig.data[0].text, dtype=object)
        done_cells = out.done // ctx["k"]
        for c in range(done_cells, text.size):
            text[np.unravel_index(c, text.shape)] = "not run yet"
        fig.data[0].text = text
    chart(fig, key=f"{ctx['prefix']}.gs.fig")
    _refused(result.errors, "combination")
    if not out.complete:
        st.caption(f"Partial result: blank cells were not run yet ({out.done} of {out.total} fits done).")


def _compare_view(ctx: dict) -> None:
    task = ctx["task"]
    has_test = ctx["X_test"] is not None
    share = 1.0 if has_test else 0.75

    def cost(n: int) -> float:
        return sum(_fit_cost(ctx, n * share, s.name, {}) for s in list_models(task))

    X, y, n_used, expected = _budgeted(ctx, "cmp", cost)
    key = ("compare", ctx["data_key"], ctx["scaling"], ctx["seed"], has_test, n_used)

    def plan():
        if has_test:
            X_tr, y_tr, X_te, y_te = X, y, ctx["X_test"], ctx["y_test"]
        else:
            X_tr, X_te, y_tr, y_te = evaluation.split(X, y, task, 0.25, ctx["seed"])
        return evaluation.compare_plan(task, X_tr, y_tr, X_te, y_te, ctx["scaling"], ctx["seed"])

    out = sweep(
        key, plan, label="Train and compare every model", widget_key=f"{ctx['prefix']}.cmp.run", estimate=expected,
        store=SWEEP_STORE, store_size=SWEEP_ENTRIES, advice="Fewer rows make it faster.",
    )  # fmt: skip
    if out is None or out.value is None:
        return
    table = out.value
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
    show_table(shown, hide_index=True, column_config=fmt, height="content")  # every row, no inner scroll
    stopped_note(out)


# -- permutation importance (the pages' fitted model) ---------------------------------------------
def permutation_importance_view(
    fitted, X, y, *, key: tuple, task: str, seed: int = 0, widget_key: str = "importance.run",
    rows: str = "test rows", n_repeats: int = PERMUTATION_REPEATS,
) -> Outcome | None:  # fmt: skip
    """Permutation importance of a fitted model on (X, y) through ui.sweep: one step per feature.

    The estimate times one scoring of the fitted model on up to 200 rows and scales it to (1 + features ×
    repeats) scorings of every row; past the budget it runs on a seeded sample of the rows (said).
    Returns the Outcome (its value is `ml.evaluation.feature_importance`'s frame for the features done).
    """
    task = normalise_task(task)
    probe = min(len(y), 200)
    Xp, yp = evaluation.sample_rows(X, y, probe, task, seed)
    scorer = evaluation.get_scorer(evaluation.default_scoring(task))
    t0 = time.perf_counter()
    scorer(fitted, Xp, np.asarray(yp))
    per_row = (time.perf_counter() - t0) / max(probe, 1)
    n_scores = 1 + np.shape(X)[1] * n_repeats
    n = len(y)
    full = per_row * n * n_scores
    m = n
    if full > SWEEP_BUDGET_S and n > MIN_SAMPLE:
        m = max(MIN_SAMPLE, int(SWEEP_BUDGET_S / max(per_row * n_scores, 1e-12)))
        st.caption(f"Shuffles a seeded sample of **{m:,} of the {n:,} {rows}** ({duration(per_row * m * n_scores)}; "
                   f"all: {duration(full)}).")  # fmt: skip
        X, y = evaluation.sample_rows(X, y, m, task, seed)
    out = sweep(
        ("permutation", *key, n_repeats, m),
        lambda: evaluation.permutation_plan(fitted, X, y, seed=seed, n_repeats=n_repeats, task=task),
        label="Compute permutation importance", widget_key=widget_key, estimate=per_row * m * n_scores,
        store=SWEEP_STORE, store_size=SWEEP_ENTRIES,
    )  # fmt: skip
    return out


# -- the block -----------------------------------------------------------------------------------
@guarded_fragment("The tuning views")
def _views(ctx: dict) -> None:
    n = len(ctx["y"])
    ctx["k"] = int(
        linked(
            st.slider, "Folds k (cross-validation, curves and grid search)", 2, 10, min(5, max(2, n // 2)),
            **kept(key=f"{ctx['prefix']}.k"), help="More folds: more training rows per fit, more fits.",
        )
    )  # fmt: skip
    # Only the open tab runs: its controls, and its stored result if there is one.
    tabs = linked_tabs([tab for _, tab, _, _ in _VIEWS], key=f"{ctx['prefix']}.tab")  # in the URL too
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
