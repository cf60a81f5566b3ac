"""The model registry shared by the classification and regression pages.

Each entry is a `ModelSpec`: a name, the tasks it serves, its tunable parameters (`ParamSpec`s,
from which the UI builds widgets) and a `build(params, task, seed)` factory returning an
unfitted scikit-learn estimator. Pages loop over `list_models(task)` instead of branching per
model; `make_pipeline` puts the feature scaling inside a Pipeline so cross-validation never
sees the held-out fold's statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import comb
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import (
    AdaBoostClassifier,
    BaggingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Perceptron, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    PolynomialFeatures,
    StandardScaler,
)
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.validation import check_is_fitted, validate_data

from ml import registry
from ml.params import ParamSpec
from ml.runtime import _ReadableError, fit_model, limited_threads, readable_errors  # noqa: F401 (re-exported)

TASKS = ("classification", "regression")
FAMILIES = ("linear", "tree", "ensemble", "kernel", "neighbours", "bayes", "neural")
SCALINGS = ("standard", "minmax", "none")
_TASK_ALIASES = {"binary": "classification", "multiclass": "classification"}
MAX_POLY_TERMS = 20_000


@dataclass(frozen=True)
class ModelSpec:
    """A registry entry: what the model is, which tasks it serves, its knobs and its factory.

    `params` are shared by every task; `task_params` adds task-specific ones (a tree's
    criterion is gini/entropy for classification, squared/absolute error for regression).
    Use `params_for(task)` to get the full list for a task.
    """

    name: str
    title: str
    tasks: tuple[str, ...]
    params: tuple[ParamSpec, ...]
    build: Callable[[dict, str, int], Any]
    description: str
    is_torch: bool = False
    family: str = "linear"
    task_params: dict[str, tuple[ParamSpec, ...]] = field(default_factory=dict, hash=False, compare=False)

    def params_for(self, task: str) -> tuple[ParamSpec, ...]:
        """Every parameter this model takes for `task`."""
        return self.params + tuple(self.task_params.get(normalise_task(task), ()))


def normalise_task(task: str) -> str:
    """ "classification" or "regression"; dataset tasks "binary"/"multiclass" count as classification."""
    task = _TASK_ALIASES.get(task, task)
    if task not in TASKS:
        raise ValueError(
            f"Unknown task {task!r}; expected 'classification' or 'regression' (or a dataset's "
            "'binary' / 'multiclass')."
        )
    return task


# -- parameter specs reused by several models ---------------------------------------------------
def _int(name, label, default, low, high, log=False, help="") -> ParamSpec:
    return ParamSpec(name, label, "int", default, low, high, 1, log=log, help=help)


def _float(name, label, default, low, high, log=False, step=None, help="") -> ParamSpec:
    return ParamSpec(name, label, "float", default, low, high, step, log=log, help=help)


def _choice(name, label, default, choices, help="") -> ParamSpec:
    return ParamSpec(name, label, "choice", default, choices=tuple(choices), help=help)


def _depth(default: int = 0) -> ParamSpec:
    return _int("max_depth", "Maximum depth", default, 0, 30, help="0 = unlimited. Deep trees overfit.")


def _none_if_zero(value: int) -> int | None:
    return None if value == 0 else int(value)


_C = _float(
    "C",
    "C (inverse regularisation)",
    1.0,
    1e-3,
    1e3,
    log=True,
    help="Large C: fit the training points closely (small margin); small C: a simpler model.",
)
_GAMMA = _float(
    "gamma",
    "Kernel width γ",
    0.1,
    1e-4,
    1e2,
    log=True,
    help="RBF/poly kernel: large γ gives narrow bumps (wiggly boundary), small γ a smooth one. "
    "About 1/n_features suits standardised features.",
)
_KERNEL = _choice("kernel", "Kernel", "rbf", ("linear", "poly", "rbf"))
_DEGREE = _int("degree", "Polynomial degree (poly kernel)", 3, 2, 6)
_N_NEIGHBOURS = _int("n_neighbors", "Neighbours k", 5, 1, 50, help="Small k: wiggly boundary, overfits.")
_KNN_WEIGHTS = _choice(
    "weights",
    "Neighbour weights",
    "uniform",
    ("uniform", "distance"),
    help="distance: closer neighbours count more.",
)
_MIN_SPLIT = _int(
    "min_samples_split", "Min samples to split", 2, 2, 50, help="A node with fewer rows is not split."
)
_MIN_LEAF = _int("min_samples_leaf", "Min samples per leaf", 1, 1, 50)
_N_TREES = _int("n_estimators", "Number of trees", 100, 10, 500)
_MAX_FEATURES = _choice(
    "max_features",
    "Features per split",
    "sqrt",
    ("sqrt", "log2", "all"),
    help="How many randomly chosen columns each split may look at.",
)
_HGB = (
    _float("learning_rate", "Learning rate", 0.1, 0.01, 1.0, log=True),
    _int("max_iter", "Boosting rounds", 100, 10, 1000),
    _depth(0),
)
_TREE_CRITERION = {
    "classification": (
        _choice(
            "criterion", "Split criterion", "gini", ("gini", "entropy"), help="entropy: information gain."
        ),
    ),
    "regression": (
        _choice("criterion", "Split criterion", "squared_error", ("squared_error", "absolute_error")),
    ),
}
_MLP = (
    _int("hidden_layers", "Hidden layers", 2, 1, 5),
    _int("hidden_units", "Units per hidden layer", 32, 2, 256),
    _choice("activation", "Activation", "relu", ("relu", "tanh", "sigmoid")),
    _float("dropout", "Dropout", 0.0, 0.0, 0.8, step=0.05, help="Share of hidden units switched off in training."),
    _choice(
        "optimizer", "Optimizer", "adam", ("sgd", "momentum", "adam"),
        help="sgd: plain mini-batch gradient descent; momentum: averages past steps; adam: adaptive steps.",
    ),
    _float(
        "learning_rate", "Learning rate", 0.01, 1e-5, 1.0, log=True,
        help="Too large diverges, too small crawls. adam: 1e-3 to 1e-2; sgd: 0.01 to 0.1.",
    ),
    _float("momentum", "Momentum β", 0.9, 0.0, 0.99, step=0.01, help="Used by the momentum optimizer only."),
    _int("epochs", "Epochs", 50, 1, 500),
    _int("batch_size", "Batch size", 64, 8, 1024, log=True),
    _float("weight_decay", "L2 weight decay", 0.0, 0.0, 0.1, step=0.0001),
    ParamSpec(
        "early_stopping", "Early stopping", "bool", True,
        help="Stop once the validation loss stops falling and keep the best epoch's weights. "
        "Turn off to watch overfitting develop.",
    ),
    _int("patience", "Patience (epochs)", 10, 1, 100, help="Early stopping waits this long for improvement."),
)  # fmt: skip


# -- estimators built here ----------------------------------------------------------------------
class PolynomialRegression(RegressorMixin, BaseEstimator):
    """Least-squares fit on all polynomial terms of the features up to `degree`.

    Refuses (ValueError) when the number of terms would exceed `max_terms`; the fitted
    PolynomialFeatures + LinearRegression pipeline is in `pipeline_`.
    """

    def __init__(self, degree: int = 2, max_terms: int = MAX_POLY_TERMS):
        self.degree = degree
        self.max_terms = max_terms

    def fit(self, X, y):
        X, y = validate_data(self, X, y, y_numeric=True)
        n_terms = comb(X.shape[1] + int(self.degree), int(self.degree)) - 1
        if n_terms > self.max_terms:
            raise ValueError(
                f"A degree-{self.degree} polynomial of {X.shape[1]} features has {n_terms:,} terms; "
                f"the limit is {self.max_terms:,}. Lower the degree or use fewer features."
            )
        self.pipeline_ = Pipeline(
            [("poly", PolynomialFeatures(int(self.degree), include_bias=False)), ("ols", LinearRegression())]
        ).fit(X, y)
        return self

    def predict(self, X):
        check_is_fitted(self, "pipeline_")
        X = validate_data(self, X, reset=False)
        return self.pipeline_.predict(X)


def _logistic(p, task, seed):
    l1 = p["penalty"] == "l1"
    # lbfgs handles L2 quickly; L1 needs saga (l1_ratio replaces the deprecated `penalty`).
    return LogisticRegression(
        C=p["C"],
        l1_ratio=1.0 if l1 else 0.0,
        solver="saga" if l1 else "lbfgs",
        max_iter=2000,
        random_state=seed,
    )


def _svm(p, task, seed):
    kw = dict(kernel=p["kernel"], C=p["C"], gamma=p["gamma"], degree=p["degree"], coef0=1.0, max_iter=200_000)
    if task == "classification":
        return SVC(random_state=seed, **kw)
    # The target is standardised so C and epsilon mean the same on any target scale.
    return TransformedTargetRegressor(regressor=SVR(epsilon=p["epsilon"], **kw), transformer=StandardScaler())


def _tree(p, task, seed):
    cls = DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor
    return cls(
        criterion=p["criterion"],
        max_depth=_none_if_zero(p["max_depth"]),
        min_samples_split=p["min_samples_split"],
        min_samples_leaf=p["min_samples_leaf"],
        random_state=seed,
    )


def _forest(p, task, seed):
    cls = RandomForestClassifier if task == "classification" else RandomForestRegressor
    mf = None if p["max_features"] == "all" else p["max_features"]
    return cls(
        n_estimators=p["n_estimators"],
        max_depth=_none_if_zero(p["max_depth"]),
        max_features=mf,
        random_state=seed,
    )


def _hist_gb(p, task, seed):
    cls = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
    return cls(
        learning_rate=p["learning_rate"],
        max_iter=p["max_iter"],
        max_depth=_none_if_zero(p["max_depth"]),
        early_stopping=False,
        random_state=seed,
    )


def _knn(p, task, seed):
    cls = KNeighborsClassifier if task == "classification" else KNeighborsRegressor
    return cls(n_neighbors=p["n_neighbors"], weights=p["weights"])


def _mlp(p, task, seed):
    from ml.nets import TorchMLPClassifier, TorchMLPRegressor

    cls = TorchMLPClassifier if task == "classification" else TorchMLPRegressor
    return cls(**p, random_state=seed)


_BOTH = ("classification", "regression")
_CLS = ("classification",)
_REG = ("regression",)

_SPECS = [
    ModelSpec(
        "logistic",
        "Logistic regression",
        _CLS,
        (
            _C,
            ParamSpec(
                "penalty",
                "Penalty",
                "choice",
                "l2",
                choices=("l2", "l1"),
                help="l1 drives some weights to exactly zero (feature selection).",
            ),
        ),
        _logistic,
        "A linear boundary Wx + b = 0; the sigmoid (softmax for several classes) of Wx + b gives "
        "class probabilities. C trades fitting the points against small weights.",
        family="linear",
    ),
    ModelSpec(
        "perceptron",
        "Perceptron",
        _CLS,
        (
            ParamSpec("eta0", "Learning rate", "float", 1.0, 1e-4, 10.0, log=True),
            ParamSpec("max_iter", "Epochs", "int", 50, 1, 1000, 1),
        ),
        lambda p, task, seed: Perceptron(eta0=p["eta0"], max_iter=p["max_iter"], random_state=seed),
        "The perceptron algorithm of the notes: a step function of Wx + b, nudging the line towards "
        "each misclassified point. Converges only when the classes are linearly separable.",
        family="linear",
    ),
    ModelSpec(
        "linear",
        "Linear regression (least squares)",
        _REG,
        (),
        lambda p, task, seed: LinearRegression(),
        "y = b0 + b1·x1 + … fitted by ordinary least squares: the straight-line baseline.",
        family="linear",
    ),
    ModelSpec(
        "polynomial",
        "Polynomial regression",
        _REG,
        (
            ParamSpec(
                "degree",
                "Degree",
                "int",
                2,
                1,
                20,
                1,
                help="All products of features up to this power. High degree overfits.",
            ),
        ),
        lambda p, task, seed: PolynomialRegression(degree=p["degree"]),
        "Least squares on polynomial terms of the (scaled) features: a linear model of non-linear "
        "features. Scaling first keeps high powers numerically sane.",
        family="linear",
    ),
    ModelSpec(
        "ridge",
        "Ridge (L2)",
        _REG,
        (ParamSpec("alpha", "Regularisation α", "float", 1.0, 1e-4, 1e4, log=True),),
        lambda p, task, seed: Ridge(alpha=p["alpha"]),
        "Least squares plus α·Σw²: shrinks all weights, keeps them all.",
        family="linear",
    ),
    ModelSpec(
        "lasso",
        "Lasso (L1)",
        _REG,
        (ParamSpec("alpha", "Regularisation α", "float", 0.01, 1e-5, 1e2, log=True),),
        lambda p, task, seed: Lasso(alpha=p["alpha"], max_iter=20_000, random_state=seed),
        "Least squares plus α·Σ|w|: drives small weights to exactly zero (feature selection).",
        family="linear",
    ),
    ModelSpec(
        "elastic_net",
        "Elastic net (L1 + L2)",
        _REG,
        (
            ParamSpec("alpha", "Regularisation α", "float", 0.01, 1e-5, 1e2, log=True),
            ParamSpec("l1_ratio", "L1 share", "float", 0.5, 0.0, 1.0, 0.05, help="1 = lasso, 0 = ridge."),
        ),
        lambda p, task, seed: ElasticNet(
            alpha=p["alpha"], l1_ratio=p["l1_ratio"], max_iter=20_000, random_state=seed
        ),
        "A mix of the lasso and ridge penalties.",
        family="linear",
    ),
    ModelSpec(
        "tree",
        "Decision tree",
        _BOTH,
        (_depth(0), _MIN_SPLIT, _MIN_LEAF),
        _tree,
        "Splits the data by one feature at a time, choosing the split with the largest information "
        "gain. Deep trees overfit (high variance); shallow ones underfit.",
        family="tree",
        task_params=_TREE_CRITERION,
    ),
    ModelSpec(
        "naive_bayes",
        "Gaussian naive Bayes",
        _CLS,
        (ParamSpec("var_smoothing", "Variance smoothing", "float", 1e-9, 1e-12, 1.0, log=True),),
        lambda p, task, seed: GaussianNB(var_smoothing=p["var_smoothing"]),
        "Bayes' theorem with the naive assumption that features are independent within a class, "
        "each a Gaussian.",
        family="bayes",
    ),
    ModelSpec(
        "svm",
        "Support vector machine",
        _CLS,
        (_KERNEL, _C, _GAMMA, _DEGREE),
        _svm,
        "A boundary with the widest margin; C weighs classification error against margin. Kernels "
        "(poly, RBF) give curved boundaries. Scores come from the decision function.",
        family="kernel",
    ),
    ModelSpec(
        "svr",
        "Support vector regression",
        _REG,
        (
            _KERNEL,
            _C,
            _GAMMA,
            _DEGREE,
            ParamSpec(
                "epsilon",
                "Tube width ε",
                "float",
                0.1,
                1e-3,
                1.0,
                log=True,
                help="Errors smaller than ε (in standard deviations of the target) cost nothing.",
            ),
        ),
        _svm,
        "The SVM idea for numbers: a function within ε of as many points as possible, as flat as C allows.",
        family="kernel",
    ),
    ModelSpec(
        "knn",
        "k-nearest neighbours",
        _BOTH,
        (_N_NEIGHBOURS, _KNN_WEIGHTS),
        _knn,
        "Predicts from the k closest training points. Distance-based, so scaling matters.",
        family="neighbours",
    ),
    ModelSpec(
        "bagging",
        "Bagging (trees)",
        _CLS,
        (ParamSpec("n_estimators", "Number of trees", "int", 30, 1, 500, 1),),
        lambda p, task, seed: BaggingClassifier(n_estimators=p["n_estimators"], random_state=seed),
        "Decision trees fitted on bootstrap samples of the rows, then a vote: averages away variance.",
        family="ensemble",
    ),
    ModelSpec(
        "random_forest",
        "Random forest",
        _BOTH,
        (_N_TREES, _depth(0), _MAX_FEATURES),
        _forest,
        "Bagged trees that also pick a random subset of columns at each split; a vote (or mean) of all.",
        family="ensemble",
    ),
    ModelSpec(
        "adaboost",
        "AdaBoost",
        _CLS,
        (
            ParamSpec("n_estimators", "Number of stumps", "int", 50, 10, 500, 10),
            ParamSpec("learning_rate", "Learning rate", "float", 1.0, 0.01, 10.0, log=True),
        ),
        lambda p, task, seed: AdaBoostClassifier(
            n_estimators=p["n_estimators"], learning_rate=p["learning_rate"], random_state=seed
        ),
        "Boosting: each new weak learner concentrates on the points the previous ones got wrong; "
        "learners vote with weight ln(correct/incorrect).",
        family="ensemble",
    ),
    ModelSpec(
        "hist_gb",
        "Gradient boosting (histogram)",
        _BOTH,
        _HGB,
        _hist_gb,
        "Trees added one after another, each fitting the errors left by the ones before; fast on large tables.",
        family="ensemble",
    ),
    ModelSpec(
        "mlp_torch",
        "Neural network (PyTorch)",
        _BOTH,
        _MLP,
        _mlp,
        "A multilayer perceptron trained with mini-batch gradient descent in PyTorch; the train and "
        "validation loss per epoch show under- and overfitting.",
        is_torch=True,
        family="neural",
    ),
]

MODELS: dict[str, ModelSpec] = {s.name: s for s in _SPECS}

# Views a model offers beyond every model's, by name (pages look them up here, never by model name).
_EXTRA_VIEWS = {"tree": ("tree",)}
_TORCH_VIEWS = ("training_curves",)

# Parameters bounded by the training data's size (checked by Entry.fit_to_data before any fit).
_SIZE_LIMITS = {"knn": {"n_neighbors": lambda n_rows, n_features: n_rows}}
_KIND_OF_TASK = {"classification": "classifier", "regression": "regressor"}


def _register_all() -> None:
    """Every ModelSpec becomes one registry entry per task it serves (kinds classifier and regressor)."""
    for spec in _SPECS:
        for task in spec.tasks:
            registry.register(
                registry.Entry(
                    name=spec.name,
                    title=spec.title,
                    kind=_KIND_OF_TASK[task],
                    params=spec.params_for(task),
                    build=lambda p, seed, spec=spec, task=task: spec.build(p, task, seed),
                    description=spec.description,
                    family=spec.family,
                    is_torch=spec.is_torch,
                    size_limits=_SIZE_LIMITS.get(spec.name, {}),
                    extra={"views": _EXTRA_VIEWS.get(spec.name, ()) + (_TORCH_VIEWS if spec.is_torch else ())},
                )
            )


_register_all()


def list_models(task: str) -> list[ModelSpec]:
    """The models serving `task` ("classification" or "regression"), in registry order."""
    kind = _KIND_OF_TASK[normalise_task(task)]
    return [MODELS[e.name] for e in registry.entries(kind)]


def entry(name: str, task: str) -> registry.Entry:
    """The registry entry of model `name` for `task`."""
    return registry.get(_KIND_OF_TASK[normalise_task(task)], name)


def get_model(name: str, task: str) -> ModelSpec:
    """The spec of model `name`, checked to serve `task`."""
    task = normalise_task(task)
    available = [s.name for s in list_models(task)]
    if name not in MODELS or task not in MODELS[name].tasks:
        raise ValueError(f"Unknown {task} model {name!r}; expected one of {available}.")
    return MODELS[name]


def make_model(name: str, task: str, params: dict | None = None, seed: int = 0):
    """An unfitted estimator for model `name`; `params` (validated) overlay the defaults."""
    get_model(name, task)  # the familiar "Unknown … model" message
    return entry(name, task).make(params, seed)


def make_scaler(scaling: str = "standard"):
    """The scaling step: StandardScaler, MinMaxScaler or "passthrough"."""
    if scaling == "standard":
        return StandardScaler()
    if scaling == "minmax":
        return MinMaxScaler()
    if scaling == "none":
        return "passthrough"
    raise ValueError(f"Unknown scaling {scaling!r}; expected one of {list(SCALINGS)}.")


def make_pipeline(
    name: str, task: str, params: dict | None = None, seed: int = 0, scaling: str = "standard", X=None
):
    """Pipeline([("scale", scaler), ("model", estimator)]): scaling is learned inside each CV fold.

    Given the features `X` it will be fitted on, and X has missing values or text columns, a
    ("prep", `preprocessor(X)`) step comes first: median imputation and one-hot encoding learned,
    like the scaling, on the training rows only. Otherwise the pipeline keeps the two-step shape
    (pipe[0] is the scaler, pipe[-1] the model).
    """
    steps = [("scale", make_scaler(scaling)), ("model", make_model(name, task, params, seed))]
    prep = preprocessor(X) if X is not None else None
    if prep is not None:
        steps.insert(0, ("prep", prep))
    return Pipeline(steps)


def text_columns(X) -> list:
    """The columns of a DataFrame that hold text or categories rather than numbers (or booleans)."""
    if not isinstance(X, pd.DataFrame):
        return []
    return [
        c for c in X.columns
        if not (pd.api.types.is_numeric_dtype(X[c].dtype) or pd.api.types.is_bool_dtype(X[c].dtype))
    ]  # fmt: skip


def preprocessor(X):
    """The step that fills gaps and encodes text for features like `X`, or None when X needs neither.

    A `ColumnTransformer`: numeric columns through `SimpleImputer(strategy="median")`, text columns
    through `OneHotEncoder(handle_unknown="ignore")` (a missing value is a category of its own; a
    category met only in held-out rows encodes as all zeros). Medians and categories are learned
    in `fit`, so inside a Pipeline they come from the training rows only. For an array (no column
    names) with missing values, a bare median `SimpleImputer`.
    """
    if isinstance(X, pd.DataFrame):
        text = text_columns(X)
        numeric = [c for c in X.columns if c not in text]
        gaps = bool(numeric) and bool(X[numeric].isna().to_numpy().any())
        if not text and not gaps:
            return None
        parts = []
        if numeric:
            parts.append(("impute", SimpleImputer(strategy="median", keep_empty_features=True), numeric))
        if text:
            encode = OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float64)
            as_object = FunctionTransformer(_as_object, feature_names_out="one-to-one")
            parts.append(("onehot", Pipeline([("as_object", as_object), ("encode", encode)]), text))
        return ColumnTransformer(parts, verbose_feature_names_out=False)
    arr = np.asarray(X)
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        return SimpleImputer(strategy="median", keep_empty_features=True)
    return None


def _as_object(frame):
    """Text columns as plain object arrays with NaN for missing (pandas' string dtypes confuse the encoder)."""
    if isinstance(frame, pd.DataFrame):
        return frame.astype(object).where(frame.notna(), np.nan)
    return frame


def model_feature_names(pipeline, X) -> list[str]:
    """The names of the columns the final model sees: X's columns, or the one-hot names after a prep step."""
    if isinstance(pipeline, Pipeline) and "prep" in pipeline.named_steps:
        return [str(c) for c in pipeline.named_steps["prep"].get_feature_names_out()]
    return [str(c) for c in X.columns] if hasattr(X, "columns") else [f"x{i}" for i in range(np.shape(X)[1])]


def final_estimator(estimator):
    """The model at the end of a Pipeline (or the estimator itself)."""
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def scores_for_roc(fitted, X) -> np.ndarray:
    """Scores for ROC curves, shape (n, k): predict_proba if available, else decision_function.

    For two classes a single column: the score of the positive class `classes_[1]`.
    """
    if hasattr(fitted, "predict_proba"):
        scores = np.asarray(fitted.predict_proba(X), dtype=float)
        return scores[:, 1:2] if scores.shape[1] == 2 else scores
    if hasattr(fitted, "decision_function"):
        scores = np.asarray(fitted.decision_function(X), dtype=float)
        return scores.reshape(-1, 1) if scores.ndim == 1 else scores
    raise ValueError(
        f"{type(final_estimator(fitted)).__name__} gives neither probabilities nor decision scores, "
        "so it has no ROC curve. Pick another model."
    )


def describe(estimator) -> str:
    """A short name for error messages: the model's class and the parameters changed from defaults."""
    est = final_estimator(estimator)
    if isinstance(est, TransformedTargetRegressor):
        est = est.regressor
    text = repr(est).replace("\n", " ")
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."

