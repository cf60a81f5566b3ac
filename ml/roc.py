"""What the ROC Explorer works on: score sets from three sources, and the curves drawn once per model.

A `ScoreSet` is labels plus one score array per model. Binary views pick a positive class
(one-vs-rest for multiclass labels); a `ThresholdEngine` per (model, positive class, direction)
answers every threshold; `Curves` holds the thinned curves, computed once, that a threshold
move only marks a point on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml import simulate, tables
from ml.datasets import Dataset
from ml.thresholds import ThresholdEngine

QUICK_MODELS = ("logistic", "random_forest", "hist_gb", "mlp_torch")
CURVE_POINTS = 300  # per drawn curve: enough to look exact, cheap to redraw
HIST_BINS = 60
THRESHOLD_METRICS = ("accuracy", "precision", "recall", "f1", "fpr")


@dataclass(frozen=True)
class ScoreSet:
    """Labels and each model's scores: (n,) for one score per row, (n, k) for one per class."""

    name: str
    labels: np.ndarray
    classes: tuple
    scores: dict[str, np.ndarray]
    description: str = ""
    notes: tuple[str, ...] = ()
    simulated: bool = False

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def is_multiclass(self) -> bool:
        return len(self.classes) > 2

    def per_class(self, model: str) -> bool:
        """True when `model` gives one score column per class."""
        s = self.scores[model]
        return s.ndim == 2 and s.shape[1] == len(self.classes) and len(self.classes) > 1

    def binary(self, model: str, positive) -> tuple[np.ndarray, np.ndarray]:
        """(is-positive labels, 1-D scores) for `model`, one-vs-rest with `positive` as the positive class."""
        if positive not in self.classes:
            raise ValueError(f"Positive class {positive!r} is not among the labels {list(self.classes)}.")
        y = self.labels == positive
        s = self.scores[model]
        if self.per_class(model):
            s = s[:, self.classes.index(positive)]
        elif s.ndim == 2:
            s = s[:, -1]
        return y, s


def per_class_auc(scores: ScoreSet, model: str) -> pd.DataFrame | None:
    """One-vs-rest AUC for each class and their macro average, when `model` scores every class."""
    if not scores.per_class(model):
        return None
    rows = []
    for c in scores.classes:
        y, s = scores.binary(model, c)
        if y.all() or not y.any():
            continue
        rows.append({"class": str(c), "positives": int(y.sum()), "AUC": ThresholdEngine(y, s).auc})
    if not rows:
        return None
    table = pd.DataFrame(rows)
    macro = {"class": "macro average", "positives": int(table["positives"].sum()), "AUC": table["AUC"].mean()}
    return pd.concat([table, pd.DataFrame([macro])], ignore_index=True)


@dataclass(frozen=True)
class Curves:
    """Thinned curves of one engine, computed once; threshold moves only mark a point on them."""

    auc: float
    average_precision: float
    roc_fpr: np.ndarray
    roc_tpr: np.ndarray
    pr_recall: np.ndarray
    pr_precision: np.ndarray
    hist_edges: np.ndarray
    hist_pos: np.ndarray
    hist_neg: np.ndarray
    metric_curves: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def curves(engine: ThresholdEngine, beta: float = 1.0, max_points: int = CURVE_POINTS) -> Curves:
    """Every curve the explorer draws for `engine`, thinned to at most `max_points` points each."""
    fpr, tpr, _ = engine.thinned_roc(max_points)
    precision, recall, _ = engine.thinned_pr(max_points)
    edges, pos, neg = engine.histograms(HIST_BINS)
    metric_curves = {name: engine.curve(name, max_points) for name in THRESHOLD_METRICS}
    metric_curves["fbeta"] = engine.curve("fbeta", max_points, beta=beta)
    return Curves(
        auc=engine.auc,
        average_precision=engine.average_precision,
        roc_fpr=fpr,
        roc_tpr=tpr,
        pr_recall=recall,
        pr_precision=precision,
        hist_edges=edges,
        hist_pos=pos,
        hist_neg=neg,
        metric_curves=metric_curves,
    )


def summary_table(engines: dict[str, ThresholdEngine]) -> pd.DataFrame:
    """AUC and average precision of every model, best AUC first."""
    rows = [{"model": m, "AUC": e.auc, "average precision": e.average_precision} for m, e in engines.items()]
    return pd.DataFrame(rows).sort_values("AUC", ascending=False, ignore_index=True)


# --- the three sources -------------------------------------------------------------------------


def model_scores(dataset: Dataset, model: str, *, seed: int = 0, test_size: float = 0.3, scaling="standard"):
    """Fit registry model `model` (default settings) on a stratified split of `dataset`.

    Returns (held-out labels as class names, class names, (n, k) held-out scores); binary
    datasets give one column, the score of class_names[1].
    """
    from ml.evaluation import split
    from ml.models import fit_model, make_pipeline, scores_for_roc

    if dataset.task == "regression":
        raise ValueError(f"{dataset.name} is a regression dataset; the ROC needs class labels. Pick another.")
    if can_split(dataset, test_size):
        X_train, X_test, y_train, y_test = split(dataset.X, dataset.y, "classification", test_size, seed)
    else:  # too few rows (NAND's four): scored on the rows it was trained on, as `can_split` lets the page say
        X_train = X_test = dataset.X
        y_train = y_test = dataset.y
    fitted = fit_model(make_pipeline(model, "classification", None, seed, scaling, X=X_train), X_train, y_train)
    s = scores_for_roc(fitted, X_test)
    names = np.asarray(dataset.class_names, dtype=object)
    return names[np.asarray(y_test, dtype=int)], tuple(dataset.class_names), s


def can_split(dataset: Dataset, test_size: float = 0.3) -> bool:
    """Whether a stratified train/test split of `dataset` is possible (every class has 2+ rows, and each
    side of the split gets a row of every class). Built-in sets that cannot (NAND's four rows) are scored
    on their training rows by `model_scores`, and the page says so."""
    import math

    counts = pd.Series(np.asarray(dataset.y)).value_counts()
    n = int(counts.sum())
    n_test = math.ceil(test_size * n)
    return bool(len(counts) >= 2 and counts.min() >= 2 and n_test >= len(counts) and n - n_test >= len(counts))


def from_models(name: str, labels, classes, scores: dict[str, np.ndarray], description="", simulated=False):
    """A ScoreSet from held-out scores of trained models (as `model_scores` or a training page gives them)."""
    classes = tuple(str(c) for c in classes)
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu" and labels.size and labels.max() < len(classes):
        labels = np.asarray(classes, dtype=object)[labels]
    labels = labels.astype(str).astype(object)
    fixed = {}
    for model, s in scores.items():
        s = np.asarray(s, dtype=float)
        if s.ndim == 1 or s.shape[1] == 1:  # binary: the score of classes[1]; give classes[0] its own column
            s = s.reshape(-1)
            other = 1.0 - s if s.min() >= 0.0 and s.max() <= 1.0 else -s
            s = np.column_stack([other, s])
        fixed[model] = s
    return ScoreSet(name, labels, classes, fixed, description, (), simulated)


def binary_positive_default(scores: ScoreSet):
    """The class to call positive by default (signal, photon, 1, …, else the last class)."""
    return tables.default_positive(list(scores.classes))


def photon_jet_scores(n: int = 20000, seed: int = 0) -> ScoreSet:
    """Simulated photon-vs-jet candidates with ready-made discriminants (higher = more photon-like)."""
    df = simulate.photon_jet_discriminants(n, seed)
    labels = np.where(df["label"].to_numpy() == 1, "photon", "jet").astype(object)
    scores = {c: df[c].to_numpy(float) for c in df.columns if c != "label"}
    return ScoreSet(
        "photon_jet",
        labels,
        ("jet", "photon"),
        scores,
        "Simulated calorimeter candidates: photons (signal) vs hadronic jets faking photons (background). "
        "Each score column is a discriminant: a single variable with its sign flipped (−H/E, −shower width, "
        "−isolation), a likelihood ratio, a logistic regression and a boosted-tree score.",
        simulated=True,
    )


def upload_scores(
    table: tables.Table, label: str, score_cols: list[str], *, drop_nonfinite=False
) -> ScoreSet:
    """A ScoreSet from an uploaded table (validated by `tables.prepare_scores`; its errors pass through)."""
    st_ = tables.prepare_scores(table.df, label, score_cols, drop_nonfinite=drop_nonfinite)
    labels = np.asarray(st_.labels, dtype=object)
    return ScoreSet(
        "upload", labels, tuple(st_.classes), dict(st_.scores), f"Uploaded file: {len(labels):,} rows.",
        tuple(st_.notes),
    )  # fmt: skip
