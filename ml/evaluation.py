"""Model evaluation shared by the classification and regression pages.

Splits, cross-validation, learning and validation curves, grid search, model comparison,
feature importance and tree text: each returns plain DataFrames / arrays for a page to draw,
and the slow ones take an optional `progress(fraction, text)` callback for a progress bar.
Default scoring: accuracy for classification, R² for regression.
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

Progress = Callable[[float, str], None] | None


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
    folds = make_folds(X, y, task, k, seed)
    scorer = get_scorer(scoring or default_scoring(task))
    y = _as_array(y)
    rows = []
    for i, (tr, te) in enumerate(folds):
        _report(progress, i / len(folds), f"Fold {i + 1} of {len(folds)}")
        train, test, fit_time = _fit_score(pipeline, X, y, tr, te, scorer)
        rows.append({"fold": i + 1, "train_score": train, "test_score": test, "fit_time": fit_time})
    _report(progress, 1.0, "Cross-validation done")
    return pd.DataFrame(rows, columns=["fold", "train_score", "test_score", "fit_time"])


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
    task = normalise_task(task)
    fractions = sorted({float(f) for f in train_sizes})
    if not fractions or fractions[0] <= 0 or fractions[-1] > 1:
        raise ValueError(f"train_sizes must be fractions in (0, 1], got {list(train_sizes)}.")
    folds = make_folds(X, y, task, k, seed)
    scorer = get_scorer(scoring or default_scoring(task))
    y = _as_array(y)
    n_classes = len(np.unique(y)) if task == "classification" else 0
    results: dict[float, tuple[list, list, list]] = {f: ([], [], []) for f in fractions}
    total, done = len(fractions) * len(folds), 0
    for fold_i, (tr, te) in enumerate(folds):
        for f in fractions:
            _report(progress, done / total, f"Fold {fold_i + 1}/{len(folds)}, {f:.0%} of the training rows")
            n_sub = max(int(round(f * len(tr))), 2 * n_classes, 2)
            sub = _subsample(tr, y, n_sub, task, seed + fold_i)
            train, test, _ = _fit_score(pipeline, X, y, sub, te, scorer)
            results[f][0].append(len(sub))
            results[f][1].append(train)
            results[f][2].append(test)
            done += 1
    _report(progress, 1.0, "Learning curve done")
    rows = []
    for f in fractions:
        sizes, train, test = results[f]
        row = _summary(f, train, test)
        row["fraction"] = row.pop("value")
        row["train_size"] = int(round(np.mean(sizes)))
        rows.append(row)
    cols = ["train_size", "fraction", "train_mean", "train_std", "val_mean", "val_std"]
    return pd.DataFrame(rows)[cols]


def _subsample(idx: np.ndarray, y: np.ndarray, n: int, task: str, seed: int) -> np.ndarray:
    if n >= len(idx):
        return idx
    stratify = y[idx] if task == "classification" else None
    try:
        sub, _ = train_test_split(idx, train_size=n, random_state=seed, stratify=stratify)
    except ValueError:  # a class too rare to stratify at this size
        sub, _ = train_test_split(idx, train_size=n, random_state=seed)
    return np.sort(sub)


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
    spec = get_model(model_name, task)
    _check_param(spec, task, param_name)
    folds = make_folds(X, y, task, k, seed)
    scorer = get_scorer(scoring or default_scoring(task))
    y = _as_array(y)
    values = list(values)
    if not values:
        raise ValueError(f"Give at least one value of {param_name!r} to sweep.")
    rows, errors = [], []
    for i, value in enumerate(values):
        _report(progress, i / len(values), f"{param_name} = {value}")
        pipe = make_pipeline(model_name, task, {**(params or {}), param_name: value}, seed, scaling, X=X)
        try:
            rows.append(_summary(value, *_cv_scores(pipe, X, y, folds, scorer)))
        except ValueError as exc:
            errors.append(f"{param_name}={value}: {exc}")
            rows.append(_summary(value, [np.nan], [np.nan]))
    _report(progress, 1.0, "Validation curve done")
    if len(errors) == len(values):
        raise ValueError(f"Every value failed; the first error: {errors[0]}")
    frame = pd.DataFrame(rows, columns=["value", "train_mean", "train_std", "val_mean", "val_std"])
    frame.attrs["errors"] = errors
    return frame


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
    scores, std, train = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    errors: list[str] = []
    total = shape[0] * shape[1]
    for i, a in enumerate(values_a):
        for j, b in enumerate(values_b):
            _report(progress, (i * shape[1] + j) / total, f"{param_a} = {a}, {param_b} = {b}")
            pipe = make_pipeline(model_name, task, {**(params or {}), param_a: a, param_b: b}, seed, scaling, X=X)
            try:
                tr, te = _cv_scores(pipe, X, y, folds, scorer)
            except ValueError as exc:
                errors.append(f"{param_a}={a}, {param_b}={b}: {exc}")
                continue
            scores[i, j], std[i, j], train[i, j] = np.mean(te), np.std(te), np.mean(tr)
    _report(progress, 1.0, "Grid search done")
    if np.isnan(scores).all():
        raise ValueError(f"Every combination failed; the first error: {errors[0] if errors else 'unknown'}")
    bi, bj = (int(i) for i in np.unravel_index(np.nanargmax(scores), shape))
    best = {
        param_a: values_a[bi],
        param_b: values_b[bj],
        "score": float(scores[bi, bj]),
        "row": bi,
        "col": bj,
    }
    return GridSearchResult(param_a, values_a, param_b, values_b, scores, std, train, best, errors)


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
    task = normalise_task(task)
    specs = list_models(task)
    if models is not None:
        specs = [get_model(m, task) for m in models]
    metrics = ["accuracy", "f1_macro", "auc"] if task == "classification" else ["r2", "rmse", "mae"]
    y_test = _as_array(y_test)
    rows = []
    for i, spec in enumerate(specs):
        _report(progress, i / len(specs), f"Training {spec.title}")
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
        rows.append(row)
    _report(progress, 1.0, "Comparison done")
    return pd.DataFrame(rows, columns=["model", "title", *metrics, "fit_time", "error"])


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
