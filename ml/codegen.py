"""Show the code: a self-contained Python script that reproduces a page's current result.

Each page kind has one generator taking the page's state as primitives (the data's key tuple from
`ui.data_source`, split and scaling, registry entry name and parameters, seed, threshold, …) and
returning the text of a script that loads or generates the same data with the same seed, makes the
same split and scaling, builds the same estimator (its class and the exact non-default keyword
arguments the registry's factory gives it) and prints the numbers the page shows, one per line as
``<name> = <value>`` (tests/ml/test_codegen.py runs the scripts and compares those lines with what
the app's own functions compute).

Built-in scikit-learn sets are loaded with scikit-learn's own loaders; the simulated sets (SDSS,
photon/jet, anomaly sets, …) and uploads are read with this project's `ml` package (said in a
comment: run the script from the repository root, or put the repository on PYTHONPATH). Estimators
that are this project's own classes (the torch networks, the clusterer / projector / detector
wrappers that give every model of a kind the same attributes) are imported from `ml` the same way.

Pure Python: no Streamlit.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
import re
from dataclasses import dataclass, field

import numpy as np

# The sklearn loaders behind ml.datasets' real sets, and the generators behind its 2-D shapes.
SKLEARN_LOADERS = {
    "iris": ("load_iris", {}),
    "wine": ("load_wine", {}),
    "breast_cancer": ("load_breast_cancer", {}),
    "digits": ("load_digits", {}),
    "diabetes": ("load_diabetes", {"scaled": False}),
}
SHAPES = ("moons", "circles", "blobs")

REPAIRED = " (read as numbers)"  # ui.data_source.number_repair names the repaired upload so
SILHOUETTE_SAMPLE = 5_000  # ml.clustering.SILHOUETTE_SAMPLE
TRUST_ROWS = 2_000  # ml.projection.TRUST_ROWS
PROJECTION_BUDGET = {"umap": 5000, "tsne": 2500, "autoencoder": 50_000, "vae": 50_000}  # ml.projection.ROW_BUDGET


# ------------------------------------------------------------------------------------------------
# small helpers
# ------------------------------------------------------------------------------------------------
def py(value) -> str:
    """A Python literal for a primitive (numpy scalars as plain numbers, tuples kept)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
        return repr(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(py(v) for v in value)
        if isinstance(value, tuple):
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py(k)}: {py(v)}" for k, v in value.items()) + "}"
    return repr(value)


def comment(text) -> str:
    """User text made safe inside a `#` comment (one line, no control characters)."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", str(text)).strip()


def params_text(params: dict | None) -> str:
    items = sorted((params or {}).items())
    if not items:
        return "default settings"
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in items)


@functools.lru_cache(maxsize=256)
def public_module(cls) -> str:
    """The shortest importable module path that exposes `cls` (sklearn.linear_model, not ._logistic)."""
    parts = cls.__module__.split(".")
    for i in range(1, len(parts) + 1):
        name = ".".join(parts[:i])
        try:
            mod = importlib.import_module(name)
        except ImportError:  # pragma: no cover - a parent that cannot import on its own
            continue
        if getattr(mod, cls.__name__, None) is cls:
            return name
    return cls.__module__


@functools.lru_cache(maxsize=256)
def _defaults(cls) -> dict:
    try:
        sig = inspect.signature(cls.__init__)
    except (TypeError, ValueError):  # pragma: no cover
        return {}
    return {k: p.default for k, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):
        return False


@dataclass
class Script:
    """A script under construction: imports collected once, then the body."""

    title: str
    header: list[str] = field(default_factory=list)
    imports: set = field(default_factory=set)
    body: list[str] = field(default_factory=list)
    uses_project: bool = False

    def imp(self, line: str) -> None:
        self.imports.add(line)
        if line.startswith(("from ml", "import ml")):
            self.uses_project = True

    def add(self, *lines: str) -> None:
        self.body.extend(lines)

    def text(self) -> str:
        head = [f"# {comment(self.title)}", *(f"# {comment(h)}" for h in self.header)]
        head.append("# Generated by ML Explorer's 'Show the code' (ml/codegen.py):")
        head.append("# it reproduces the page's result from scratch and prints its numbers.")
        if self.uses_project:
            head.append("# It imports this project's `ml` package where noted: run it from the")
            head.append("# repository root (or add the repository to PYTHONPATH).")
        std = sorted(i for i in self.imports if i.startswith("import ") and not i.startswith("import ml"))
        third = sorted(i for i in self.imports if i.startswith("from ") and not i.startswith("from ml"))
        own = sorted(i for i in self.imports if i.startswith(("from ml", "import ml")))
        blocks = [b for b in (std, third, own) if b]
        out = head + [""] + ["\n".join(b) + "\n" for b in blocks] + self.body
        return "\n".join(out).rstrip() + "\n"


def estimator_expr(est, s: Script, indent: int = 0) -> str:
    """Python source constructing `est` (class + non-default parameters), importing what it needs."""
    from sklearn.pipeline import Pipeline

    if isinstance(est, str):
        return repr(est)
    if isinstance(est, Pipeline):
        s.imp("from sklearn.pipeline import Pipeline")
        pad = " " * (indent + 4)
        steps = [f"{pad}({name!r}, {estimator_expr(step, s, indent + 4)})," for name, step in est.steps]
        return "Pipeline([\n" + "\n".join(steps) + "\n" + " " * indent + "])"
    if inspect.isfunction(est) or inspect.isbuiltin(est):
        s.imp(f"from {public_module(est)} import {est.__name__}")
        return est.__name__
    if not hasattr(est, "get_params"):
        return py(est)
    cls = type(est)
    s.imp(f"from {public_module(cls)} import {cls.__name__}")
    defaults = _defaults(cls)
    args = []
    for k, v in est.get_params(deep=False).items():
        if k in defaults and _same(v, defaults[k]) and k != "random_state":
            continue
        if hasattr(v, "get_params") or isinstance(v, Pipeline):
            args.append(f"{k}={estimator_expr(v, s, indent)}")
        elif isinstance(v, (list, tuple)) and v and all(isinstance(t, tuple) for t in v):
            parts = []
            for t in v:
                parts.append("(" + ", ".join(estimator_expr(x, s, indent) if hasattr(x, "get_params") else py(x) for x in t) + ")")
            args.append(f"{k}=[{', '.join(parts)}]")
        elif callable(v) and not isinstance(v, type):
            args.append(f"{k}={estimator_expr(v, s, indent)}")
        else:
            args.append(f"{k}={py(v)}")
    return f"{cls.__name__}({', '.join(args)})"


def _registry_estimator(kind: str, name: str, params: dict, seed: int):
    from ml import registry

    return registry.get(kind, name).make(params, seed)


# ------------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------------
def data_state(key: tuple, filename: str = "", task: str | None = None) -> dict:
    """The data part of a page's state from `DataChoice.key` (primitives only).

    key: ("builtin", name, ((option, value), ...)) or the upload key of ui.data_source:
    ("upload", sha256, mode, target, features, non_numeric, missing, RowFilter|None[, ("sample", n, seed)]).
    """
    if key and key[0] == "builtin":
        return {"kind": "builtin", "name": key[1], "options": dict(key[2])}
    if key and key[0] == "upload":
        _, sha, _mode, target, features, non_numeric, missing, flt, *rest = key
        sample = next((r[1:] for r in rest if isinstance(r, tuple) and r and r[0] == "sample"), None)
        f = None
        if flt is not None:
            f = {"column": flt.column, "values": tuple(flt.values), "low": flt.low, "high": flt.high}
        return {
            "kind": "upload", "filename": filename or "data.csv", "sha256": sha, "target": target,
            "features": list(features), "non_numeric": non_numeric, "missing": missing, "filter": f,
            "sample": sample, "task": task if target is not None else None,
        }  # fmt: skip
    raise ValueError(f"Cannot describe the data {key!r:.80} as code.")


def data_title(data: dict) -> str:
    if data["kind"] == "builtin":
        opts = ", ".join(f"{k}={v}" for k, v in sorted(data["options"].items()))
        return data["name"] + (f" ({opts})" if opts else "")
    return f"uploaded file {data['filename']}" + (f" → {data['target']}" if data.get("target") else "")


def data_slug(data: dict) -> str:
    return data["name"] if data["kind"] == "builtin" else re.sub(r"\.csv$", "", str(data["filename"]), flags=re.I)


def _builtin_options(name: str, options: dict) -> dict:
    from ml import datasets

    spec = datasets.REGISTRY.get(name)
    full = {p.name: p.default for p in spec.params} if spec is not None else {}
    full.update(options)
    return full


def data_block(data: dict, s: Script) -> None:
    """Code leaving `X` (a DataFrame of the chosen features) and `y` (a Series, or None)."""
    s.add("# --- the data ---")
    if data["kind"] == "builtin":
        name = data["name"]
        opts = _builtin_options(name, data["options"])
        if name in SKLEARN_LOADERS:
            loader, kw = SKLEARN_LOADERS[name]
            s.imp(f"from sklearn.datasets import {loader}")
            extra = "".join(f", {k}={py(v)}" for k, v in kw.items())
            s.add(f"X, y = {loader}(return_X_y=True, as_frame=True{extra})")
        elif name in SHAPES:
            s.imp("import pandas as pd")
            n, seed, noise = opts["n_samples"], opts["seed"], opts.get("noise")
            if name == "moons":
                s.imp("from sklearn.datasets import make_moons")
                s.add(f"X_arr, y_arr = make_moons({py(n)}, noise={py(noise)}, random_state={py(seed)})")
            elif name == "circles":
                s.imp("from sklearn.datasets import make_circles")
                s.add(f"X_arr, y_arr = make_circles({py(n)}, noise={py(noise)}, factor=0.5, random_state={py(seed)})")
            else:
                s.imp("from sklearn.datasets import make_blobs")
                s.add(
                    f"X_arr, y_arr = make_blobs({py(n)}, centers={py(opts['centers'])}, cluster_std={py(noise)}, "
                    f"center_box=(-8, 8), random_state={py(seed)})"
                )
            s.add('X = pd.DataFrame(X_arr, columns=["x1", "x2"])', 'y = pd.Series(y_arr, name="label")')
        else:
            s.imp("from ml.datasets import load_dataset")
            s.add(
                f"# {name!r} is generated by this project (ml/datasets.py, ml/simulate.py) with the same seed as the page.",
                f"ds = load_dataset({name!r}{''.join(f', {k}={py(v)}' for k, v in sorted(opts.items()))})",
                "X, y = ds.X, ds.y",
            )
        return
    s.imp("from pathlib import Path")
    s.imp("from ml.tables import read_table")
    filename, repaired = str(data["filename"]), False
    while filename.endswith(REPAIRED):  # the page's "Read these columns as numbers" made a new upload
        filename, repaired = filename[: -len(REPAIRED)], True
    s.add(
        f"CSV = Path({filename!r})  # the uploaded file: put it next to this script",
        "# Read with this project's reader (ml/tables): the same parsing, repairs and checks as the app.",
        "df = read_table(CSV.read_bytes(), CSV.name).df",
    )
    if repaired:
        s.imp("from ml.tables.values import number_issues, repair_numbers")
        s.add("df, _ = repair_numbers(df, [i.column for i in number_issues(df)])  # 'Read these columns as numbers'")
    f = data.get("filter")
    if f:
        s.imp("from ml.sources import RowFilter")
        if f.get("values"):
            s.add(f"df = RowFilter({f['column']!r}, values={py(tuple(f['values']))}).apply(df)  # the row filter")
        else:
            s.add(f"df = RowFilter({f['column']!r}, low={py(f['low'])}, high={py(f['high'])}).apply(df)  # the row filter")
    if data.get("target") is None:
        s.imp("from ml.sources import unlabelled_dataset")
        s.add(f"ds = unlabelled_dataset(df, {py(list(data['features']))}, missing={data['missing']!r}, filename=CSV.name)")
    else:
        s.imp("from ml.tables import to_dataset")
        s.add(
            f"ds = to_dataset(df, {data['target']!r}, {py(list(data['features']))}, task={data.get('task')!r},",
            f"                non_numeric={data['non_numeric']!r}, missing={data['missing']!r}, name=\"upload\")",
        )
    s.add("X, y = ds.X, ds.y")
    if data.get("sample"):
        n, seed = data["sample"]
        s.imp("import numpy as np")
        s.add(
            f"# The page works on a seeded random sample of {n:,} rows (seed {seed}).",
            f"rows = np.sort(np.random.default_rng({py(seed)}).choice(len(X), size={py(n)}, replace=False))",
            "X = X.iloc[rows].reset_index(drop=True)",
            "y = None if y is None else y.iloc[rows].reset_index(drop=True)",
        )


def _print(s: Script, label: str, expr: str, fmt: str = ".8g") -> None:
    s.add(f'print(f"{label} = {{{expr}:{fmt}}}")')


def _header(s: Script, page: str, data: dict, model: str, params: dict | None, extra: str = "") -> None:
    s.header += [f"Data: {data_title(data)}", f"Model: {model} ({params_text(params)})"]
    if extra:
        s.header.append(extra)


def _model_block(s: Script, kind: str, task: str, name: str, params: dict, seed: int, scaling: str, prep: bool) -> None:
    from ml.models import make_pipeline

    pipe = make_pipeline(name, task, params, seed, scaling)
    expr = estimator_expr(pipe, s)
    if prep:
        s.imp("from ml.models import preprocessor")
        expr = expr.replace(
            "Pipeline([\n",
            "Pipeline([\n    (\"prep\", preprocessor(X_train)),  # this project's median imputation + one-hot encoding (ml/models.py)\n",
            1,
        )
    s.add(f"model = {expr}")


# ------------------------------------------------------------------------------------------------
# one generator per page kind
# ------------------------------------------------------------------------------------------------
def regression_code(
    data: dict, model: str, params: dict, *, test_size: float = 0.25, seed: int = 0, scaling: str = "standard",
    prep: bool = False, model_title: str = "", photoz: bool = False,
) -> str:
    """Regression page: split, scaled pipeline, fit, test R² / RMSE / MAE (and train R²); with
    `photoz`, the photo-z bias, σ_NMAD and outlier fraction of Δz/(1+z) too.

    `model` is a regressor registry name, or "gd" (gradient descent on one feature: params method,
    learning_rate, steps, batch_size, feature)."""
    s = Script("ML Explorer · Regression")
    _header(s, "Regression", data, model_title or model, params,
            f"Split: test fraction {test_size:g}, seed {seed} · scaling: {scaling}")  # fmt: skip
    s.imp("import numpy as np")
    s.imp("from sklearn.model_selection import train_test_split")
    s.imp("from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error")
    data_block(data, s)
    s.add(
        "",
        "# --- the split (the same rows as the page) ---",
        f"X_train, X_test, y_train, y_test = train_test_split(X, y, test_size={py(float(test_size))}, random_state={py(int(seed))})",
        "y_train, y_test = np.asarray(y_train, dtype=float), np.asarray(y_test, dtype=float)",
        "",
    )
    if model == "gd":
        s.imp("from ml.regression import gd_path, line_at")
        feat = params.get("feature")
        s.add(
            "# --- gradient descent on one feature (this project's ml/regression.py: w1*x + w2, squared loss) ---",
            f"x_train = X_train[{feat!r}].to_numpy(float)",
            f"x_test = X_test[{feat!r}].to_numpy(float)",
        )
        if scaling != "none":
            s.imp("from sklearn.preprocessing import MinMaxScaler, StandardScaler")
            scaler = "StandardScaler()" if scaling == "standard" else "MinMaxScaler()"
            s.add(
                f"scaler = {scaler}.fit(x_train[:, None])",
                "x_train, x_test = scaler.transform(x_train[:, None])[:, 0], scaler.transform(x_test[:, None])[:, 0]",
            )
        s.add(
            f"path = gd_path(x_train, y_train, {params['method']!r}, {py(float(params['learning_rate']))}, "
            f"{py(int(params['steps']))}, {py(int(params['batch_size']))}, {py(int(seed))})",
            "pred_train, pred_test = line_at(path, x_train), line_at(path, x_test)",
            'print(f"slope w1 = {path.w1[-1]:.8g}, intercept w2 = {path.w2[-1]:.8g}")',
        )
    else:
        s.add("# --- the model: scaling learned on the training rows only, inside the pipeline ---")
        _model_block(s, "regressor", "regression", model, params, seed, scaling, prep)
        s.add("model.fit(X_train, y_train)", "pred_train, pred_test = model.predict(X_train), model.predict(X_test)")
    s.add("", "# --- the numbers the page shows ---")
    _print(s, "Test R²", "r2_score(y_test, pred_test)")
    _print(s, "Test RMSE", "root_mean_squared_error(y_test, pred_test)")
    _print(s, "Test MAE", "mean_absolute_error(y_test, pred_test)")
    _print(s, "Train R²", "r2_score(y_train, pred_train)")
    if photoz:
        s.add(
            "dz = (pred_test - y_test) / (1 + y_test)  # photo-z error, scaled by 1 + z",
        )
        _print(s, "Test photo-z bias", "np.mean(dz)")
        _print(s, "Test σ_NMAD", "1.4826 * np.median(np.abs(dz - np.median(dz)))")
        _print(s, "Test outlier fraction (|Δz|/(1+z) > 0.15)", "np.mean(np.abs(dz) > 0.15)")
    return s.text()


def classification_code(
    data: dict, model: str, params: dict, *, test_size: float = 0.25, seed: int = 0, scaling: str = "standard",
    prep: bool = False, held_out: bool = True, model_title: str = "",
) -> str:
    """Classification page: stratified split, scaled pipeline, fit, train and test accuracy."""
    s = Script("ML Explorer · Classification")
    _header(s, "Classification", data, model_title or model, params,
            f"Split: test fraction {test_size:g} (stratified), seed {seed} · scaling: {scaling}")  # fmt: skip
    s.imp("import numpy as np")
    s.imp("from sklearn.metrics import accuracy_score, confusion_matrix")
    data_block(data, s)
    s.add("")
    if held_out:
        s.imp("from sklearn.model_selection import train_test_split")
        s.add(
            "# --- the split: stratified by class, the same rows as the page ---",
            "X_train, X_test, y_train, y_test = train_test_split(",
            f"    X, y, test_size={py(float(test_size))}, random_state={py(int(seed))}, stratify=np.asarray(y)",
            ")",
        )
    else:
        s.add(
            "# Too few rows (or a class with one row) to hold any out: trained and scored on all of them.",
            "X_train, X_test, y_train, y_test = X, X, y, y",
        )
    s.add("y_train, y_test = np.asarray(y_train), np.asarray(y_test)", "")
    s.add("# --- the model: scaling learned on the training rows only, inside the pipeline ---")
    _model_block(s, "classifier", "classification", model, params, seed, scaling, prep)
    s.add("model.fit(X_train, y_train)", "pred_train, pred_test = model.predict(X_train), model.predict(X_test)", "")
    s.add("# --- the numbers the page shows ---")
    _print(s, "Train accuracy", "accuracy_score(y_train, pred_train)")
    _print(s, "Test accuracy", "accuracy_score(y_test, pred_test)")
    s.add('print("Confusion matrix (rows: true class, columns: predicted):")', "print(confusion_matrix(y_test, pred_test))")
    return s.text()


@functools.lru_cache(maxsize=32)
def _roc_facts(name: str, options: tuple) -> tuple[list, bool]:
    """(class names, whether a stratified 70/30 split is possible) of a built-in dataset, once per data."""
    from ml.datasets import load_dataset
    from ml.roc import can_split

    ds = load_dataset(name, **dict(options))
    return list(ds.class_names), bool(can_split(ds, 0.3))


def roc_code(
    source: dict, model: str, positive, *, threshold: float, lower: bool = False, beta: float = 1.0,
) -> str:
    """ROC Explorer: the scores of `model`, then every count and metric at `threshold`.

    source: {"kind": "builtin", "data": data_state, "seed": int, "model_name": registry name}
            {"kind": "photon_jet", "n": int, "seed": int}
            {"kind": "upload", "filename": str, "label": str, "drop_nonfinite": bool}
            {"kind": "handoff", "name": str}
    model: the score's name on the page (a model title, or a score column).
    """
    s = Script("ML Explorer · ROC Explorer")
    s.imp("import numpy as np")
    s.imp("from sklearn.metrics import average_precision_score, roc_auc_score")
    kind = source["kind"]
    side = "≤" if lower else "≥"
    s.header.append(f"Scores: {model} · positive class: {positive} · threshold: score {side} {threshold:.6g} is positive")
    if kind == "builtin":
        data = source["data"]
        seed = int(source.get("seed", 0))
        s.header.append(f"Data: {data_title(data)} · model {source['model_name']} (default settings), seed {seed}")
        s.imp("from sklearn.model_selection import train_test_split")
        data_block(data, s)
        names, splittable = _roc_facts(data["name"], tuple(sorted(data["options"].items()))) if data["kind"] == "builtin" else ([], True)
        s.add("", "# --- a stratified 70/30 split, as the ROC Explorer's quick models use ---")
        if splittable:
            s.add(
                "X_train, X_test, y_train, y_test = train_test_split(",
                f"    X, y, test_size=0.3, random_state={seed}, stratify=np.asarray(y)",
                ")",
            )
        else:
            s.add("# Too few rows to split: scored on the rows it was trained on (as the page says).", "X_train, X_test, y_train, y_test = X, X, y, y")
        s.add("", "# --- the model (default settings), scaling inside the pipeline ---")
        _model_block(s, "classifier", "classification", source["model_name"], {}, seed, "standard", False)
        s.add("model.fit(X_train, np.asarray(y_train))", "proba = model.predict_proba(X_test)")
        s.add(f"class_names = {py(names)}", "labels = np.asarray(class_names, dtype=object)[np.asarray(y_test, dtype=int)]")
        if len(names) == 2:
            col = "proba[:, 1]" if str(positive) == str(names[1]) else "1.0 - proba[:, 1]"
        else:
            col = f"proba[:, class_names.index({str(positive)!r})]"
        s.add(f"is_positive = labels == {str(positive)!r}", f"scores = {col}")
    elif kind == "photon_jet":
        s.imp("from ml.simulate import photon_jet_discriminants")
        s.add(
            "# Simulated photon and jet candidates with ready-made discriminants (this project's ml/simulate.py).",
            f"df = photon_jet_discriminants({int(source['n'])}, {int(source['seed'])})",
            'labels = np.where(df["label"].to_numpy() == 1, "photon", "jet")',
            f"is_positive = labels == {str(positive)!r}",
            f"scores = df[{model!r}].to_numpy(float)",
        )
    elif kind == "upload":
        s.imp("from pathlib import Path")
        s.imp("from ml.tables import prepare_scores, read_table")
        s.add(
            f"CSV = Path({str(source['filename'])!r})  # the uploaded file: put it next to this script",
            "df = read_table(CSV.read_bytes(), CSV.name).df  # this project's reader (ml/tables)",
            f"prepared = prepare_scores(df, {source['label']!r}, [{model!r}], drop_nonfinite={bool(source.get('drop_nonfinite'))!r})",
            "labels = np.asarray(prepared.labels, dtype=object)",
            f"is_positive = labels == {py(positive)}",
            f"scores = np.asarray(prepared.scores[{model!r}], dtype=float).reshape(len(labels), -1)[:, -1]",
        )
    else:
        s.add(
            f"# These scores were sent from another page ({comment(source.get('name', ''))}): open that page's",
            "# 'Show the code' for the model; this script needs its labels and scores as arrays.",
            "raise SystemExit('Run the sending page\\'s script to get is_positive and scores.')",
        )
        return s.text()
    op = "<=" if lower else ">="
    s.add(
        "",
        "# --- the threshold: rows on the positive side are predicted positive ---",
        f"threshold = {py(float(threshold))}",
        f"beta = {py(float(beta))}",
        f"predicted = scores {op} threshold",
        "tp = int(np.sum(predicted & is_positive))",
        "fp = int(np.sum(predicted & ~is_positive))",
        "fn = int(np.sum(~predicted & is_positive))",
        "tn = int(np.sum(~predicted & ~is_positive))",
        "precision = tp / (tp + fp) if tp + fp else 0.0",
        "recall = tp / (tp + fn)",
        "fbeta = (1 + beta**2) * tp / (beta**2 * (tp + fn) + tp + fp)",
        "",
        "# --- the numbers the page shows ---",
    )
    for name in ("tp", "fp", "tn", "fn"):
        s.add(f'print(f"{name.upper()} = {{{name}}}")')
    _print(s, "Accuracy", "(tp + tn) / len(scores)")
    _print(s, "Precision", "precision")
    _print(s, "Recall (TPR)", "recall")
    _print(s, "FPR", "fp / (fp + tn)")
    _print(s, "F1", "2 * tp / (2 * tp + fp + fn)")
    _print(s, "F-beta", "fbeta")
    signed = "-scores" if lower else "scores"
    _print(s, "ROC AUC", f"roc_auc_score(is_positive, {signed})")
    _print(s, "Average precision", f"average_precision_score(is_positive, {signed})")
    return s.text()


def clustering_code(
    data: dict, algorithm: str, params: dict, *, scaling: str = "standard", seed: int = 0,
    cut_mode: str = "clusters", cut_height: float | None = None, n_rows: int | None = None,
    n_features: int | None = None, labelled: bool = False, algorithm_title: str = "",
) -> str:
    """Clustering page: constant columns out, scaling, the registry clusterer, silhouette (and ARI)."""
    from ml import registry

    entry = registry.get("clusterer", algorithm)
    p = entry.validate(params)
    if n_rows is not None and n_features is not None:
        p, _ = entry.fit_to_data(p, n_rows, n_features)
    s = Script("ML Explorer · Clustering")
    _header(s, "Clustering", data, algorithm_title or entry.title, p, f"Scaling: {scaling} · seed {seed}")
    s.imp("import numpy as np")
    s.imp("from sklearn import metrics")
    data_block(data, s)
    s.add(
        "",
        "# --- the matrix the algorithm sees: constant columns left out, then scaled ---",
        "A = X.to_numpy(dtype=float)",
        "A = A[:, np.ptp(A, axis=0) > 0]",
    )
    if scaling == "standard":
        s.imp("from sklearn.preprocessing import StandardScaler")
        s.add("A = StandardScaler().fit_transform(A)")
    elif scaling == "minmax":
        s.imp("from sklearn.preprocessing import MinMaxScaler")
        s.add("A = MinMaxScaler().fit_transform(A)")
    elif scaling == "normalize":
        s.imp("from sklearn.preprocessing import normalize")
        s.add("A = normalize(A)  # each row to length 1")
    s.add("", f"# --- {entry.title} (this project's wrapper in ml/clustering/: every clusterer has labels_) ---")
    if algorithm == "agglomerative":
        k = int(p["n_clusters"])
        tree = entry.make({**p, "n_clusters": 1}, seed)
        s.add(f"model = {estimator_expr(tree, s)}", "model.fit(A)  # the whole merge tree, once")
        if cut_mode == "height" and cut_height is not None:
            s.add(f"labels, _ = model.cut(height={py(float(cut_height))})  # the dendrogram cut at this height")
        else:
            s.add(f"labels, _ = model.cut(n_clusters=min({k}, len(A)))  # the dendrogram cut into {k} clusters")
    else:
        est = entry.make(p, seed)
        s.add(f"model = {estimator_expr(est, s)}", "model.fit(A)", "labels = np.asarray(model.labels_, dtype=int)")
    s.add(
        "",
        "# --- the numbers the page shows (noise, label -1, is left out of the silhouette) ---",
        "found = labels[labels >= 0]",
        'print(f"Clusters = {len(set(found.tolist()))}")',
        'print(f"Noise fraction = {np.mean(labels < 0):.8g}")',
        "mask = labels >= 0",
        "k = len(np.unique(labels[mask]))",
        "if 2 <= k < mask.sum():",
        f"    if mask.sum() > {SILHOUETTE_SAMPLE}:  # silhouette is O(n²): a fixed random sample, as on the page",
        f"        sil = metrics.silhouette_score(A[mask], labels[mask], sample_size={SILHOUETTE_SAMPLE}, random_state={int(seed)})",
        "    else:",
        "        sil = metrics.silhouette_score(A[mask], labels[mask])",
        '    print(f"Silhouette = {sil:.8g}")',
        '    print(f"Davies–Bouldin = {metrics.davies_bouldin_score(A[mask], labels[mask]):.8g}")',
    )
    if labelled:
        s.add('print(f"Adjusted Rand index = {metrics.adjusted_rand_score(np.asarray(y), labels):.8g}")')
    return s.text()


def projection_code(
    data: dict, method: str, params: dict, *, scaling: str = "standard", seed: int = 0,
    n_rows: int | None = None, n_features: int | None = None, method_title: str = "",
) -> str:
    """Dimensionality-reduction page: numeric complete rows, scaling, the projector, trustworthiness
    (and PCA's explained variance)."""
    from ml import registry

    entry = registry.get("projector", method)
    p = entry.validate(params)
    s = Script("ML Explorer · Dimensionality reduction")
    _header(s, "Projection", data, method_title or entry.title, p, f"Scaling: {scaling} · seed {seed}")
    s.imp("import numpy as np")
    s.imp("from sklearn.manifold import trustworthiness")
    data_block(data, s)
    s.add(
        "",
        "# --- the numeric, complete rows, scaled (constant columns become 0, not NaN) ---",
        'values = X.select_dtypes(include=["number", "bool"]).to_numpy(dtype=float)',
        "A = values[np.isfinite(values).all(axis=1)]",
    )
    if scaling == "standard":
        s.add("sd = A.std(axis=0)", "A = (A - A.mean(axis=0)) / np.where(sd > 0, sd, 1.0)")
    elif scaling == "minmax":
        s.add("lo, hi = A.min(axis=0), A.max(axis=0)", "A = (A - lo) / np.where(hi > lo, hi - lo, 1.0)")
    budget = (entry.extra or {}).get("row_budget") or PROJECTION_BUDGET.get(method)
    s.add("", "def sample_rows(n, budget, seed):", "    return np.arange(n) if n <= budget else np.sort(np.random.default_rng(seed).choice(n, size=budget, replace=False))", "")
    if method == "pca":
        if n_rows is not None and n_features is not None:
            p, _ = entry.fit_to_data(p, n_rows, n_features)
        k = int(p["n_components"])
        s.imp("from sklearn.decomposition import PCA")
        s.add(
            "# --- PCA, solved exactly as the page does (covariance eigenvectors for tall data, else a full SVD) ---",
            "solver = \"covariance_eigh\" if A.shape[0] >= 10 * A.shape[1] and A.shape[1] <= 1000 else \"full\"",
            f"model = PCA(n_components={k}, svd_solver=solver{', whiten=True' if p.get('whiten') else ''})",
            "embedding = model.fit_transform(A)",
            "rows = np.arange(len(A))",
        )
    else:
        if budget:
            s.add(f"rows = sample_rows(len(A), {int(budget)}, {int(seed)})  # the page fits a seeded subsample beyond {int(budget):,} rows")
        else:
            s.add("rows = np.arange(len(A))")
        if n_rows is not None and n_features is not None:
            p, _ = entry.fit_to_data(p, min(n_rows, budget or n_rows), n_features)
        est = entry.make(p, seed)
        s.add(
            f"# --- {entry.title} (this project's class in ml/projection.py / ml/nets: every projector has embedding_) ---",
            f"model = {estimator_expr(est, s)}",
            "model.fit(A[rows])",
            "embedding = np.asarray(model.embedding_)",
        )
    s.add(
        "",
        "# --- the numbers the page shows ---",
        f"idx = sample_rows(len(rows), {TRUST_ROWS}, 0)  # trustworthiness is O(n²): a fixed sample beyond {TRUST_ROWS:,} rows",
        "k = int(min(5, len(idx) // 2 - 1))",
        "tw = trustworthiness(A[rows][idx], embedding[idx], n_neighbors=k)",
    )
    _print(s, "Trustworthiness (k = 5)", "tw")
    s.add('print(f"Rows embedded = {len(rows)}")')
    if method == "pca":
        s.add(
            "for i, r in enumerate(model.explained_variance_ratio_, start=1):",
            '    print(f"Explained variance ratio PC{i} = {r:.8g}")',
        )
        _print(s, "Cumulative explained variance", "model.explained_variance_ratio_.sum()")
    return s.text()


def anomaly_code(
    data: dict, detector: str, params: dict, *, seed: int = 0, anomaly_value=None, labelled: bool = True,
    detector_title: str = "", contamination: float | None = None, threshold: float | None = None,
) -> str:
    """Anomaly page: the registry detector, its scores, and the ranking metrics against 0/1 labels.

    anomaly_value: None when the labels are already 0/1 (1 = anomaly), else the label value that means
    anomaly. labelled=False: no metrics (the script prints the top rows only)."""
    from ml import registry

    entry = registry.get("detector", detector)
    p = {**entry.validate({**params}), **{k: v for k, v in params.items()}}
    s = Script("ML Explorer · Anomaly detection")
    _header(s, "Anomaly", data, detector_title or entry.title, {k: v for k, v in p.items() if k != "contamination"},
            f"Seed {seed}")  # fmt: skip
    s.imp("import numpy as np")
    data_block(data, s)
    est = entry.make(p, seed)
    s.add(
        "",
        "A = X.to_numpy(dtype=float)",
        "",
        f"# --- {entry.title} (this project's detector in ml/detectors.py: decision_scores_, higher = more anomalous) ---",
        f"model = {estimator_expr(est, s)}",
        "model.fit(A)",
        "scores = np.asarray(model.decision_scores_, dtype=float)",
        "order = np.argsort(-scores, kind=\"stable\")  # most anomalous first (earlier rows first on ties)",
        'print("Most anomalous rows:", order[:10].tolist())',
    )
    if contamination is not None or threshold is not None:
        s.add("", "# --- the threshold: rows scoring at or above it are called anomalies (no refit) ---")
        if threshold is None:
            s.add(
                f"contamination = {py(float(contamination))}  # the share of rows called anomalies",
                "n_flagged = max(1, min(len(scores), int(round(contamination * len(scores)))))",
                "threshold = np.sort(scores)[len(scores) - n_flagged]  # the score of the n_flagged-th highest row",
            )
        else:
            s.add(f"threshold = {py(float(threshold))}")
        s.add("flagged = scores >= threshold")
        _print(s, "Threshold", "threshold")
        s.add('print(f"Flagged = {int(flagged.sum())}")')
    if labelled:
        s.imp("from sklearn.metrics import average_precision_score, roc_auc_score")
        if anomaly_value is None:
            s.add("is_anomaly = np.asarray(y).astype(int) == 1")
        else:
            s.add(f"is_anomaly = np.asarray(y) == {py(anomaly_value)}  # the label value chosen as 'anomaly'")
        s.add(
            "n_o = int(is_anomaly.sum())  # the number of labelled anomalies",
            "top = order[:n_o]",
            "pred = np.zeros(len(scores), dtype=bool)",
            "pred[top] = True",
            "tp, fp = float(np.sum(pred & is_anomaly)), float(np.sum(pred & ~is_anomaly))",
            "fn, tn = float(np.sum(~pred & is_anomaly)), float(np.sum(~pred & ~is_anomaly))",
            "den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))",
            "weights = np.arange(n_o, 0, -1, dtype=float)",
            "",
            "# --- the numbers the page shows (ranking only, no threshold) ---",
        )
        if contamination is not None or threshold is not None:
            s.add(
                'print(f"Caught (TP) = {int(np.sum(flagged & is_anomaly))}")',
                'print(f"False alarms (FP) = {int(np.sum(flagged & ~is_anomaly))}")',
            )
            _print(s, "Precision at the threshold", "np.sum(flagged & is_anomaly) / max(1, flagged.sum())")
            _print(s, "Recall at the threshold", "np.sum(flagged & is_anomaly) / n_o")
        _print(s, "ROC AUC", "roc_auc_score(is_anomaly, scores)")
        _print(s, "Average precision", "average_precision_score(is_anomaly, scores)")
        _print(s, "Precision@n_o", "is_anomaly[top].mean()")
        _print(s, "MCC (top n_o)", "(tp * tn - fp * fn) / den if den > 0 else 0.0")
        _print(s, "RWS (top n_o)", "np.sum(weights * is_anomaly[top]) / (n_o * (n_o + 1) / 2)")
    return s.text()


def parse_numbers(output: str) -> dict[str, float]:
    """The ``name = value`` lines a generated script prints, as floats (for tests and checks)."""
    out = {}
    for line in output.splitlines():
        m = re.fullmatch(r"(.+?) = (-?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|nan|inf))", line.strip())
        if m:
            out[m.group(1)] = float(m.group(2))
    return out
