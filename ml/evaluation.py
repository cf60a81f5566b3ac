"""Model evaluation shared by the classification and regression pages.

Splits, cross-validation, learning and validation curves, grid search, model comparison,
feature importance and tree text: each returns plain DataFrames / arrays for a page to draw,
and the slow ones take an optional `progress(fraction, text)` callback for a progress bar.
Default scoring: accuracy for classification, R² for regression.

Every sweep is also available as a `Plan` (`cv_plan`, `learning_curve_plan`, `validation_curve_plan`,
`grid_search_plan`, `compare_plan`, `permutation_plan`): a list of small `Step`s (one fit, one model,
one feature) and an `assemble(results)` that builds the result from the results of the first steps
done, so a sweep stopped half-way still gives a (partial) result. `ui.sweep` runs plans with a
progress bar, time left and a Stop button; the functions above run the same plans to the end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.inspection import permutation_importance
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    f1_score,
    get_scorer,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, export_text

from ml.models import (
    final_estimator,
    fit_model,
    get_model,
    limited_threads,
    list_models,
    make_pipeline,
    normalise_task,
    readable_errors,
    scores_for_roc,
)
from ml.runtime import estimate_fit_seconds

Progress = Callable[[float, str], None] | None


@dataclass
class Step:
    """One unit of a sweep: `run()` returns its (small, picklable) result; `weight` is its relative cost."""

    label: str
    run: Callable[[], object]
    weight: float = 1.0


@dataclass
class Plan:
    """A sweep cut into steps. `assemble(results)` builds the result from the results of the first
    `len(results)` steps (all of them, or the steps done before a stop); `unit` names a step in
    messages ("fold", "fit", "model", "feature")."""

    steps: list[Step]
    assemble: Callable[[list], object]
    unit: str = "step"
    units: str = ""

    def __post_init__(self) -> None:
        self.units = self.units or self.unit + "s"

    def run(self, progress: Progress = None, done_text: str = "Done") -> object:
        """Every step in order, then the assembled result."""
        results = []
        for i, step in enumerate(self.steps):
            _report(progress, i / max(len(self.steps), 1), step.label)
            results.append(step.run())
        _report(progress, 1.0, done_text)
        return self.assemble(results)


def default_scoring(task: str) -> str:
    """ "accuracy" for classification, "r2" for regression."""
    return "accuracy" if normalise_task(task) == "classification" else "r2"


def _report(progress: Progress, fraction: float, text: str) -> None:
    if progress is not None:
        progress(min(max(float(fraction), 0.0), 1.0), text)


def _as_array(y) -> np.ndarray:
    return np.asarray(y)


def _rows(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else np.asarray(X)[idx]


def _check_xy(X, y) -> int:
    n = len(X)
    if n != len(y):
        raise ValueError(f"X has {n} rows but y has {len(y)}; they must have one target per row.")
    if n == 0:
        raise ValueError("The data have no rows; choose a dataset (or filter) with some rows.")
    return n


def _class_counts(y) -> pd.Series:
    return pd.Series(_as_array(y)).value_counts()


# -- splitting ------------------------------------------------------------------------------------
def split(X, y, task: str, test_size: float = 0.25, seed: int = 0):
    """X_train, X_test, y_train, y_test; stratified by class for classification."""
    task = normalise_task(task)
    n = _check_xy(X, y)
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be a fraction between 0 and 1, got {test_size}. 0.25 is typical.")
    n_test = math.ceil(test_size * n)
    if n_test < 1 or n - n_test < 1:
        raise ValueError(
            f"{n} rows cannot be split into train and test sets with test_size={test_size}; "
            "use more rows or a test fraction nearer 0.25."
        )
    stratify = None
    if task == "classification":
        counts = _class_counts(y)
        small = counts[counts < 2]
        if len(small):
            raise ValueError(
                f"A stratified split needs at least 2 rows of every class, but class(es) "
                f"{[str(c) for c in small.index]} have only 1. Remove those rows or merge rare classes."
            )
        if n_test < len(counts) or n - n_test < len(counts):
            raise ValueError(
                f"A stratified split of {n} rows with test_size={test_size} gives {n_test} test rows, fewer "
                f"than the {len(counts)} classes. Use a larger test fraction or more rows."
            )
        stratify = _as_array(y)
    return train_test_split(X, y, test_size=test_size, random_state=seed, stratify=stratify)


def make_folds(X, y, task: str, k: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train_idx, test_idx) for k shuffled folds: StratifiedKFold for classification, else KFold."""
    task = normalise_task(task)
    n = _check_xy(X, y)
    if not isinstance(k, int | np.integer) or k < 2:
        raise ValueError(f"Cross-validation needs k ≥ 2 folds, got {k!r}.")
    if n < k:
        raise ValueError(
            f"Cross-validation needs at least one row per fold: fewer rows ({n}) than folds ({k}). "
            f"Use at most {n} folds."
        )
    if task == "classification":
        counts = _class_counts(y)
        if counts.min() < k:
            rare = [str(c) for c in counts[counts < k].index]
            raise ValueError(
                f"Stratified {k}-fold cross-validation needs at least {k} rows of every class; class(es) "
                f"{rare} have fewer members ({int(counts.min())}) than folds ({k}). "
                + (f"Use at most {int(counts.min())} folds, or drop the rare classes." if counts.min() >= 2 else
                   "Drop or merge the classes with a single row.")
            )
        splitter = StratifiedKFold(n_splits=int(k), shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=int(k), shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((n, 1)), _as_array(y)))


# -- cross-validation -----------------------------------------------------------------------------
def cross_validate(
    pipeline,
    X,
    y,
    task: str,
    k: int = 5,
    seed: int = 0,
    progress: Progress = None,
    scoring: str | None = None,
) -> pd.DataFrame:
    """One row per fold: fold, train_score, test_score, fit_time (s). Scaling is refit inside each fold."""
    return cv_plan(pipeline, X, y, task, k, seed, scoring).run(progress, "Cross-validation done")


def cv_plan(pipeline, X, y, task: str, k: int = 5, seed: int = 0, scoring: str | None = None) -> Plan:
    """`cross_validate` as a plan: one step per fold; a partial result has the folds done."""
    folds = make_folds(X, y, task, k, seed)
    scorer = get_scorer(scoring or default_scoring(task))
    y = _as_array(y)

    def fold(tr, te):
        return lambda: _fit_score(pipeline, X, y, tr, te, scorer)

    def assemble(results: list) -> pd.DataFrame:
        rows = [
            {"fold": i + 1, "train_score": a, "test_score": b, "fit_time": t} for i, (a, b, t) in enumerate(results)
        ]
        return pd.DataFrame(rows, columns=["fold", "train_score", "test_score", "fit_time"])

    steps = [Step(f"Fold {i + 1} of {len(folds)}", fold(tr, te)) for i, (tr, te) in enumerate(folds)]
    return Plan(steps, assemble, "fold")


def _fit_score(pipeline, X, y, tr, te, scorer) -> tuple[float, float, float]:
    """Fit a clone of `pipeline` on rows `tr`; (score on tr, score on te, fit seconds)."""
    est = clone(pipeline)
    start = time.perf_counter()
    fit_model(est, _rows(X, tr), y[tr])
    fit_time = time.perf_counter() - start
    with readable_errors(est, "Scoring"), limited_threads():
        return float(scorer(est, _rows(X, tr), y[tr])), float(scorer(est, _rows(X, te), y[te])), fit_time


def _cv_scores(pipeline, X, y, folds, scorer) -> tuple[list[float], list[float]]:
    scores = [_fit_score(pipeline, X, y, tr, te, scorer)[:2] for tr, te in folds]
    return [a for a, _ in scores], [b for _, b in scores]


def _summary(value, train: list[float], test: list[float]) -> dict:
    return {
        "value": value,
        "train_mean": float(np.mean(train)),
        "train_std": float(np.std(train)),
        "val_mean": float(np.mean(test)),
        "val_std": float(np.std(test)),
    }


# -- learning and validation curves --------------------------------------------------------------
def learning_curve_data(
    pipeline,
    X,
    y,
    task: str,
    train_sizes: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 1.0),
    k: int = 5,
    seed: int = 0,
    progress: Progress = None,
    scoring: str | None = None,
) -> pd.DataFrame:
    """Train and cross-validation score as the training set grows.

    Columns: train_size (rows), fraction, train_mean, train_std, val_mean, val_std. Each fold's
    training part is subsampled (stratified for classification) to each fraction in `train_sizes`.
    """
    return learning_curve_plan(pipeline, X, y, task, train_sizes, k, seed, scoring).run(progress, "Learning curve done")


def learning_curve_plan(
    pipeline, X, y, task: str, train_sizes: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 1.0), k: int = 5,
    seed: int = 0, scoring: str | None = None,
) -> Plan:  # fmt: skip
    """`learning_curve_data` as a plan: one fit per (fold, size), fold by fold, so a partial result
    already has every size (over fewer folds)."""
    task = normalise_task(task)
    fractions = sorted({float(f) for f in train_sizes})
    if not fractions or fractions[0] <= 0 or fractions[-1] > 1:
        raise ValueError(f"train_sizes must be fractions in (0, 1], got {list(train_sizes)}.")
    folds = make_folds(X, y, task, k, seed)
    scorer = get_scorer(scoring or default_scoring(task))
    y = _as_array(y)
    n_classes = len(np.unique(y)) if task == "classification" else 0

    def fit(fold_i, tr, te, f):
        def run():
            n_sub = max(int(round(f * len(tr))), 2 * n_classes, 2)
            sub = _subsample(tr, y, n_sub, task, seed + fold_i)
            train, test, _ = _fit_score(pipeline, X, y, sub, te, scorer)
            return f, len(sub), train, test

        return run

    def assemble(results: list) -> pd.DataFrame:
        rows = []
        for f in fractions:
            done = [r for r in results if r[0] == f]
            if not done:
                continue
            row = _summary(f, [r[2] for r in done], [r[3] for r in done])
            row["fraction"] = row.pop("value")
            row["train_size"] = int(round(np.mean([r[1] for r in done])))
            rows.append(row)
        cols = ["train_size", "fraction", "train_mean", "train_std", "val_mean", "val_std"]
        return pd.DataFrame(rows, columns=cols)

    d = np.shape(X)[1] if np.ndim(X) > 1 else 1
    cost = {f: 0.01 + estimate_fit_seconds(pipeline, max(int(f * len(folds[0][0])), 2), d) for f in fractions}
    steps = [
        Step(f"Fold {i + 1}/{len(folds)}, {f:.0%} of the training rows", fit(i, tr, te, f), cost[f])
        for i, (tr, te) in enumerate(folds)
        for f in fractions
    ]
    return Plan(steps, assemble, "fit")


def _subsample(idx: np.ndarray, y: np.ndarray, n: int, task: str, seed: int) -> np.ndarray:
    if n >= len(idx):
        return idx
    stratify = y[idx] if task == "classification" else None
    try:
        sub, _ = train_test_split(idx, train_size=n, random_state=seed, stratify=stratify)
    except ValueError:  # a class too rare to stratify at this size
        sub, _ = train_test_split(idx, train_size=n, random_state=seed)
    return np.sort(sub)


def sample_rows(X, y, n: int, task: str, seed: int = 0):
    """(X, y) cut to a seeded sample of `n` rows (stratified by class for classification); all rows if n ≥ len."""
    idx = _subsample(np.arange(len(y)), _as_array(y), int(n), normalise_task(task), seed)
    y_out = y.iloc[idx] if hasattr(y, "iloc") else _as_array(y)[idx]
    return _rows(X, idx), y_out


def validation_curve_data(
    model_name: str,
    task: str,
    param_name: str,
    values: Sequence,
    X,
    y,
    scaling: str = "standard",
    seed: int = 0,
    k: int = 5,
    params: dict | None = None,
    progress: Progress = None,
    scoring: str | None = None,
) -> pd.DataFrame:
    """Train and cross-validation score for each value of one parameter (the model complexity graph).

    `params` fixes the other parameters. Columns: value, train_mean, train_std, val_mean, val_std.
    A value the model refuses (e.g. a polynomial degree with too many terms) gets NaN scores and a
    line in `frame.attrs["errors"]`, as grid search does; only all values failing raises.
    """
    plan = validation_curve_plan(model_name, task, param_name, values, X, y, scaling, seed, k, params, scoring)
    return plan.run(progress, "Validation curve done")


def _setting_fits(model_name, task, settings: list[dict], X, y, scaling, seed, folds, scorer) -> list[Step]:
    """One step per (setting, fold): the setting's pipeline is built once, at its first fold; a setting the
    model refuses gives ("error", message) for each of its folds (the later ones at once)."""
    pipes: dict[int, object] = {}
    n, d = len(y), (np.shape(X)[1] if np.ndim(X) > 1 else 1)

    def fit(i: int, tr, te):
        def run():
            if i not in pipes:
                try:
                    pipes[i] = make_pipeline(model_name, task, settings[i], seed, scaling, X=X)
                except ValueError as exc:
                    pipes[i] = exc
            if isinstance(pipes[i], ValueError):
                return ("error", str(pipes[i]))
            try:
                return _fit_score(pipes[i], X, y, tr, te, scorer)[:2]
            except ValueError as exc:
                pipes[i] = exc
                return ("error", str(exc))

        return run

    steps = []
    for i, setting in enumerate(settings):
        try:
            weight = estimate_fit_seconds(make_pipeline(model_name, task, setting), n, d)
        except ValueError:
            weight = 0.01
        text = ", ".join(f"{name} = {value}" for name, value in setting.items())
        for f_i, (tr, te) in enumerate(folds):
            steps.append(Step(f"{text} (fold {f_i + 1} of {len(folds)})", fit(i, tr, te), 0.01 + weight))
    return steps


def _setting_scores(results: list, i: int, k: int):
    """(train scores, test scores, error or None) of setting i, or None while some of its folds are not done."""
    mine = results[i * k : (i + 1) * k]
    if len(mine) < k:
        return None
    error = next((r[1] for r in mine if r[0] == "error"), None)
    return [r[0] for r in mine if r[0] != "error"], [r[1] for r in mine if r[0] != "error"], error


def validation_curve_plan(
    model_name: str, task: str, param_name: str, values: Sequence, X, y, scaling: str = "standard",
    seed: int = 0, k: int = 5, params: dict | None = None, scoring: str | None = None,
) -> Plan:  # fmt: skip
    """`validation_curve_data` as a plan: one fit per (value, fold); a partial result has the values whose
    folds are all done (with `frame.attrs["values"]` the values asked for)."""
    spec = get_model(model_name, task)
    _check_param(spec, task, param_name)
    folds = make_folds(X, y, task, k, seed)
    scorer = get_scorer(scoring or default_scoring(task))
    y = _as_array(y)
    values = list(values)
    if not values:
        raise ValueError(f"Give at least one value of {param_name!r} to sweep.")
    settings = [{**(params or {}), param_name: v} for v in values]
    steps = _setting_fits(model_name, task, settings, X, y, scaling, seed, folds, scorer)
    for step, (value, _) in zip(steps, [(v, f) for v in values for f in folds], strict=True):
        step.label = f"{param_name} = {value}" + step.label[step.label.index(" (fold") :]

    def assemble(results: list) -> pd.DataFrame:
        rows, errors = [], []
        for i, value in enumerate(values):
            done = _setting_scores(results, i, len(folds))
            if done is None:
                break
            train, test, error = done
            if error is not None:
                errors.append(f"{param_name}={value}: {error}")
                train, test = [np.nan], [np.nan]
            rows.append(_summary(value, train, test))
        if rows and len(errors) == len(rows) == len(values):
            raise ValueError(f"Every value failed; the first error: {errors[0]}")
        frame = pd.DataFrame(rows, columns=["value", "train_mean", "train_std", "val_mean", "val_std"])
        frame.attrs["errors"] = errors
        return frame

    return Plan(steps, assemble, "fit")


def _check_param(spec, task, name: str) -> None:
    names = [p.name for p in spec.params_for(task)]
    if name not in names:
        raise ValueError(f"{spec.title} has no parameter {name!r}; expected one of {names}.")


# -- grid search ----------------------------------------------------------------------------------
@dataclass
class GridSearchResult:
    """Mean (and std) cross-validation scores on a grid: rows are values_a, columns values_b."""

    param_a: str
    values_a: list
    param_b: str
    values_b: list
    scores: np.ndarray
    std: np.ndarray
    train_scores: np.ndarray
    best: dict
    errors: list[str] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """Long format: one row per cell (param_a value, param_b value, score, std, train_score)."""
        rows = [
            {
                self.param_a: a,
                self.param_b: b,
                "score": self.scores[i, j],
                "std": self.std[i, j],
                "train_score": self.train_scores[i, j],
            }
            for i, a in enumerate(self.values_a)
            for j, b in enumerate(self.values_b)
        ]
        return pd.DataFrame(rows)


def grid_search_data(
    model_name: str,
    task: str,
    param_a: str,
    values_a: Sequence,
    param_b: str,
    values_b: Sequence,
    X,
    y,
    scaling: str = "standard",
    seed: int = 0,
    k: int = 5,
    params: dict | None = None,
    progress: Progress = None,
    scoring: str | None = None,
) -> GridSearchResult:
    """Cross-validated score for every (param_a, param_b) pair, on the same folds; best cell in `.best`.

    A combination the model refuses gets NaN and a note in `.errors`; if all fail, ValueError.
    """
    plan = grid_search_plan(
        model_name, task, param_a, values_a, param_b, values_b, X, y, scaling, seed, k, params, scoring
    )
    return plan.run(progress, "Grid search done")


def grid_search_plan(
    model_name: str, task: str, param_a: str, values_a: Sequence, param_b: str, values_b: Sequence, X, y,
    scaling: str = "standard", seed: int = 0, k: int = 5, params: dict | None = None, scoring: str | None = None,
) -> Plan:  # fmt: skip
    """`grid_search_data` as a plan: one fit per (cell, fold), row by row. A partial result leaves the
    cells not finished blank (NaN) and its best is the best finished cell; None while no cell is done."""
    spec = get_model(model_name, task)
    _check_param(spec, task, param_a)
    _check_param(spec, task, param_b)
    if param_a == param_b:
        raise ValueError(f"Pick two different parameters for the grid, got {param_a!r} twice.")
    values_a, values_b = list(values_a), list(values_b)
    if not values_a or not values_b:
        raise ValueError("Give at least one value for each of the two grid parameters.")
    folds = make_folds(X, y, task, k, seed)
    scorer = get_scorer(scoring or default_scoring(task))
    y = _as_array(y)
    shape = (len(values_a), len(values_b))
    cells = [(a, b) for a in values_a for b in values_b]
    settings = [{**(params or {}), param_a: a, param_b: b} for a, b in cells]
    steps = _setting_fits(model_name, task, settings, X, y, scaling, seed, folds, scorer)

    def assemble(results: list) -> GridSearchResult | None:
        scores, std, train = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
        errors: list[str] = []
        n_done = 0
        for c, (a, b) in enumerate(cells):
            done = _setting_scores(results, c, len(folds))
            if done is None:
                break
            n_done += 1
            tr, te, error = done
            if error is not None:
                errors.append(f"{param_a}={a}, {param_b}={b}: {error}")
                continue
            i, j = divmod(c, shape[1])
            scores[i, j], std[i, j], train[i, j] = np.mean(te), np.std(te), np.mean(tr)
        if np.isnan(scores).all():
            if n_done == len(cells):
                raise ValueError(f"Every combination failed; the first error: {errors[0] if errors else 'unknown'}")
            return None
        bi, bj = (int(i) for i in np.unravel_index(np.nanargmax(scores), shape))
        best = {param_a: values_a[bi], param_b: values_b[bj], "score": float(scores[bi, bj]), "row": bi, "col": bj}
        return GridSearchResult(param_a, values_a, param_b, values_b, scores, std, train, best, errors)

    return Plan(steps, assemble, "fit")


# -- comparing every model ------------------------------------------------------------------------
def _auc(y_true, scores: np.ndarray, classes) -> float:
    """Binary AUC, or the macro average of one-vs-rest AUCs; works with probabilities or decision scores."""
    y_true = _as_array(y_true)
    classes = list(classes)
    if len(classes) == 2:
        return float(roc_auc_score(y_true == classes[1], scores[:, -1]))
    aucs = []
    for c_i, c in enumerate(classes):
        positive = y_true == c
        if 0 < positive.sum() < len(y_true):
            aucs.append(roc_auc_score(positive, scores[:, c_i]))
    return float(np.mean(aucs)) if aucs else float("nan")


def compare_models(
    task: str,
    X_train,
    y_train,
    X_test,
    y_test,
    scaling: str = "standard",
    seed: int = 0,
    progress: Progress = None,
    models: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every model (or those named) at its defaults, fitted on train and scored on test.

    Classification columns: model, title, accuracy, f1_macro, auc, fit_time, error.
    Regression columns: model, title, r2, rmse, mae, fit_time, error. A model that fails gets
    NaN scores and its message in `error` instead of stopping the comparison.
    """
    plan = compare_plan(task, X_train, y_train, X_test, y_test, scaling, seed, models)
    return plan.run(progress, "Comparison done")


def compare_plan(
    task: str, X_train, y_train, X_test, y_test, scaling: str = "standard", seed: int = 0,
    models: Sequence[str] | None = None,
) -> Plan:  # fmt: skip
    """`compare_models` as a plan: one step per model; a partial result has the models done."""
    task = normalise_task(task)
    specs = list_models(task)
    if models is not None:
        specs = [get_model(m, task) for m in models]
    metrics = ["accuracy", "f1_macro", "auc"] if task == "classification" else ["r2", "rmse", "mae"]
    y_test = _as_array(y_test)
    n, d = len(y_train), (np.shape(X_train)[1] if np.ndim(X_train) > 1 else 1)

    def one(spec):
        def run() -> dict:
            row = {"model": spec.name, "title": spec.title, **dict.fromkeys(metrics, np.nan), "fit_time": np.nan}
            row["error"] = ""
            try:
                pipe = make_pipeline(spec.name, task, None, seed, scaling, X=X_train)
                start = time.perf_counter()
                fit_model(pipe, X_train, _as_array(y_train))
                row["fit_time"] = time.perf_counter() - start
                with readable_errors(pipe, "Scoring"), limited_threads():
                    pred = pipe.predict(X_test)
                    if task == "classification":
                        row["accuracy"] = accuracy_score(y_test, pred)
                        row["f1_macro"] = f1_score(y_test, pred, average="macro", zero_division=0)
                        row["auc"] = _auc(y_test, scores_for_roc(pipe, X_test), final_estimator(pipe).classes_)
                    else:
                        row["r2"] = r2_score(y_test, pred)
                        row["rmse"] = math.sqrt(mean_squared_error(y_test, pred))
                        row["mae"] = mean_absolute_error(y_test, pred)
            except ValueError as exc:
                row["error"] = str(exc)
            return row

        return run

    def weight(spec) -> float:
        try:
            return 0.01 + estimate_fit_seconds(make_pipeline(spec.name, task, None), n, d)
        except ValueError:
            return 0.01

    def assemble(results: list) -> pd.DataFrame:
        return pd.DataFrame(results, columns=["model", "title", *metrics, "fit_time", "error"])

    steps = [Step(f"Training {spec.title}", one(spec), weight(spec)) for spec in specs]
    return Plan(steps, assemble, "model")


# -- inspecting a fitted model --------------------------------------------------------------------
def _feature_names(X, n: int) -> list[str]:
    if hasattr(X, "columns"):
        return [str(c) for c in X.columns]
    return [f"x{i}" for i in range(n)]


def feature_importance(
    fitted_pipeline, X, y, seed: int = 0, n_repeats: int = 5, scoring: str | None = None
) -> pd.DataFrame:
    """How much each feature matters: columns feature, importance, std, method; most important first.

    Impurity-based ("impurity") when the model has `feature_importances_` (trees, forests,
    boosting), else permutation importance ("permutation": the score drop when a column is
    shuffled) on X, y — pass held-out data for an honest figure.
    """
    model = final_estimator(fitted_pipeline)
    n_features = np.shape(X)[1]
    names = _feature_names(X, n_features)
    importances = getattr(model, "feature_importances_", None)
    if importances is not None and len(importances) == n_features:
        members = np.ravel(np.asarray(getattr(model, "estimators_", []), dtype=object))  # list or 2-D grid
        subs = [getattr(e, "feature_importances_", None) for e in members]
        subs = [s for s in subs if s is not None and len(s) == n_features]
        std = np.std(np.vstack(subs), axis=0) if subs else np.full(n_features, np.nan)
        frame = pd.DataFrame({"feature": names, "importance": importances, "std": std, "method": "impurity"})
    else:
        with readable_errors(fitted_pipeline, "Permutation importance for"), limited_threads():
            result = permutation_importance(
                fitted_pipeline, X, _as_array(y), scoring=scoring, n_repeats=n_repeats, random_state=seed
            )
        frame = pd.DataFrame(
            {
                "feature": names,
                "importance": result.importances_mean,
                "std": result.importances_std,
                "method": "permutation",
            }
        )
    return frame.sort_values("importance", ascending=False, ignore_index=True)


def permutation_plan(
    fitted_pipeline, X, y, seed: int = 0, n_repeats: int = 5, scoring: str | None = None, task: str | None = None
) -> Plan:
    """Permutation importance as a plan: the baseline score, then one step per feature (its `n_repeats`
    shuffles), exactly as scikit-learn's `permutation_importance(random_state=seed)` draws them. The result
    is `feature_importance`'s frame (method "permutation") for the features done, most important first."""
    X = X if hasattr(X, "iloc") else pd.DataFrame(np.asarray(X))
    y = _as_array(y)
    names = _feature_names(X, X.shape[1])
    if scoring is None and task is not None:
        scoring = default_scoring(task)
    scorer = get_scorer(scoring) if scoring else None
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)  # sklearn's one draw

    def score(data) -> float:
        with readable_errors(fitted_pipeline, "Permutation importance for"), limited_threads():
            return float(scorer(fitted_pipeline, data, y) if scorer else fitted_pipeline.score(data, y))

    def feature(c: int):
        def run() -> tuple[int, np.ndarray]:
            rng = np.random.RandomState(column_seed)
            shuffled, order = X.copy(), np.arange(len(X))
            scores = []
            for _ in range(n_repeats):
                rng.shuffle(order)
                col = shuffled.iloc[order, c]
                col.index = shuffled.index
                shuffled[shuffled.columns[c]] = col
                scores.append(score(shuffled))
            return c, np.asarray(scores)

        return run

    def assemble(results: list) -> pd.DataFrame:
        baseline = results[0]
        rows = [
            {"feature": names[c], "importance": float(np.mean(baseline - s)), "std": float(np.std(baseline - s)),
             "method": "permutation"}
            for c, s in results[1:]
        ]  # fmt: skip
        frame = pd.DataFrame(rows, columns=["feature", "importance", "std", "method"])
        return frame.sort_values("importance", ascending=False, ignore_index=True)

    steps = [Step("Baseline score", lambda: score(X), 1.0 / n_repeats)]
    steps += [Step(f"Shuffling {name}", feature(c)) for c, name in enumerate(names)]
    return Plan(steps, assemble, "feature")


def tree_text(
    fitted_pipeline,
    feature_names: Sequence[str],
    class_names: Sequence[str] | None = None,
    max_depth: int = 10,
) -> str:
    """The fitted decision tree as indented if/else text (sklearn's export_text).

    Thresholds are given in the original feature units: a StandardScaler / MinMaxScaler step in
    front of the tree is undone. ValueError for models that are not a single decision tree.
    """
    tree = final_estimator(fitted_pipeline)
    if not isinstance(tree, DecisionTreeClassifier | DecisionTreeRegressor):
        raise ValueError(
            f"Tree text needs a fitted decision tree, got {type(tree).__name__}. Choose the 'tree' model."
        )
    if not hasattr(tree, "tree_"):
        raise ValueError("The decision tree is not fitted yet; train it first.")
    steps = fitted_pipeline.named_steps if isinstance(fitted_pipeline, Pipeline) else {}
    if "prep" in steps:  # imputation / one-hot before the scaler: the tree sees the prepared columns
        feature_names = steps["prep"].get_feature_names_out()
    feature_names = [str(f) for f in feature_names]
    if len(feature_names) != tree.n_features_in_:
        raise ValueError(
            f"Got {len(feature_names)} feature names for a tree trained on {tree.n_features_in_} features."
        )
    scaler = steps.get("scale")
    tree = _unscaled_tree(tree, scaler)
    kwargs = {}
    if class_names is not None and isinstance(tree, DecisionTreeClassifier):
        kwargs["class_names"] = [str(c) for c in class_names]
    return export_text(tree, feature_names=feature_names, max_depth=max_depth, decimals=3, **kwargs)


def tree_nodes(
    fitted_pipeline, feature_names: Sequence[str], max_depth: int = 4
) -> list[dict]:
    """The fitted decision tree's nodes down to `max_depth`, laid out for drawing.

    Each node: id, depth, parent (None at the root), side ("≤"/">" from its parent), x (leaves at
    0, 1, 2, … left to right, a parent centred over its children), feature and threshold (in the
    original units, scaling undone; None at a leaf), impurity, samples, value (the class shares,
    or the mean target for a regressor), and cut (True where deeper levels are not drawn).
    """
    tree = final_estimator(fitted_pipeline)
    if not isinstance(tree, DecisionTreeClassifier | DecisionTreeRegressor) or not hasattr(tree, "tree_"):
        raise ValueError("A drawing of the tree needs a fitted decision tree; choose the 'tree' model and train it.")
    steps = fitted_pipeline.named_steps if isinstance(fitted_pipeline, Pipeline) else {}
    if "prep" in steps:
        feature_names = steps["prep"].get_feature_names_out()
    names = [str(f) for f in feature_names]
    t = _unscaled_tree(tree, steps.get("scale")).tree_
    nodes: list[dict] = []
    next_x = [0.0]

    def visit(i: int, depth: int, parent, side) -> float:
        leaf = t.children_left[i] == -1
        cut = not leaf and depth >= max_depth
        value = t.value[i][0]
        node = {
            "id": i, "depth": depth, "parent": parent, "side": side,
            "feature": None if leaf or cut else names[t.feature[i]],
            "threshold": None if leaf or cut else float(t.threshold[i]),
            "impurity": float(t.impurity[i]), "samples": int(t.n_node_samples[i]),
            "value": (value / value.sum()).tolist() if isinstance(tree, DecisionTreeClassifier) else float(value[0]),
            "cut": cut,
        }  # fmt: skip
        nodes.append(node)
        if leaf or cut:
            node["x"] = next_x[0]
            next_x[0] += 1
        else:
            left = visit(t.children_left[i], depth + 1, i, "≤")
            right = visit(t.children_right[i], depth + 1, i, ">")
            node["x"] = (left + right) / 2
        return node["x"]

    visit(0, 0, None, None)
    return nodes


def _unscaled_tree(tree, scaler):
    """A copy of `tree` whose split thresholds are mapped back through `scaler` (if it is one we know)."""
    import copy

    if isinstance(scaler, StandardScaler):
        scale = scaler.scale_ if scaler.scale_ is not None else np.ones(tree.n_features_in_)
        mean = scaler.mean_ if scaler.mean_ is not None else np.zeros(tree.n_features_in_)

        def inverse(feature, t):
            return t * scale[feature] + mean[feature]
    elif isinstance(scaler, MinMaxScaler):

        def inverse(feature, t):
            return (t - scaler.min_[feature]) / scaler.scale_[feature]
    else:
        return tree
    out = copy.deepcopy(tree)
    state = out.tree_.__getstate__()
    nodes = state["nodes"].copy()
    internal = nodes["feature"] >= 0
    features = nodes["feature"][internal]
    nodes["threshold"][internal] = inverse(features, nodes["threshold"][internal])
    state["nodes"] = nodes
    out.tree_.__setstate__(state)
    return out


def classification_report_frame(y_true, y_pred, class_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, plus accuracy, macro and weighted averages."""
    labels = np.unique(np.concatenate([_as_array(y_true), _as_array(y_pred)]))
    names = [str(c) for c in labels]
    if class_names is not None:
        if len(class_names) != len(labels):
            raise ValueError(
                f"Got {len(class_names)} class names for {len(labels)} classes {names}; give one name per class."
            )
        names = [str(c) for c in class_names]
    report = classification_report(
        y_true, y_pred, labels=labels, target_names=names, output_dict=True, zero_division=0
    )
    frame = pd.DataFrame(report).T
    if "accuracy" in frame.index:  # classification_report gives accuracy as a bare number
        acc = report["accuracy"]
        frame.loc["accuracy"] = [np.nan, np.nan, acc, frame.loc["macro avg", "support"]]
    frame["support"] = frame["support"].astype(int)
    return frame.rename(columns={"f1-score": "f1"})
