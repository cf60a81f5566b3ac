"""Figures for training and model evaluation, shared by the classification and regression pages.

Pure builders: per-epoch training history (loss and score, train vs validation), per-fold
cross-validation scores, validation curves over numeric or categorical hyperparameters, and the
grid-search heatmap with its best cell marked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ml.plots import FONT_SIZE, MARKER_COLOUR, base_layout
from ml.plots.curves import TRAIN_COLOUR, VAL_COLOUR, curve_figure, even_indices


def score_label(task: str) -> str:
    """ "accuracy" for classification tasks, "R²" for regression."""
    return "R²" if task == "regression" else "accuracy"


def loss_label(task: str) -> str:
    if task == "projection":  # autoencoders (ui/projection.py): reconstruction error, plus β·KL for a VAE
        return "loss (reconstruction)"
    return "loss (mean squared error)" if task == "regression" else "loss (cross-entropy)"


def history_figure(history: Sequence[dict], task: str, best_epoch: int | None = None) -> go.Figure:
    """Loss and score per epoch, train (dashed) vs validation (solid), side by side.

    `history` is a net's `history_`: dicts with epoch, train_loss, val_loss, train_score,
    val_score. `best_epoch` (early stopping) is marked with a vertical line.
    """
    frame = pd.DataFrame(
        list(history), columns=["epoch", "train_loss", "val_loss", "train_score", "val_score"]
    )
    idx = even_indices(len(frame), 2000)
    frame = frame.iloc[idx]
    # an autoencoder's history has no score: one loss panel, not an empty second one
    has_score = frame.empty or frame[["train_score", "val_score"]].notna().any().any()
    panels = ((1, "loss"), (2, "score")) if has_score else ((1, "loss"),)
    titles = ("Loss", score_label(task).capitalize()) if has_score else ("Loss",)
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=titles)
    for col, metric in panels:
        for split, colour, dash, label in (
            ("train", TRAIN_COLOUR, "dash", "train"),
            ("val", VAL_COLOUR, "solid", "validation"),
        ):
            fig.add_trace(
                go.Scatter(
                    x=frame["epoch"],
                    y=frame[f"{split}_{metric}"],
                    mode="lines+markers" if len(frame) <= 60 else "lines",
                    name=label,
                    legendgroup=label,
                    showlegend=col == 1,
                    line=dict(color=colour, width=3, dash=dash),
                    marker=dict(size=5),
                ),
                row=1,
                col=col,
            )
    base_layout(fig, height=360)
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text=loss_label(task), row=1, col=1)
    if has_score:
        fig.update_yaxes(title_text=score_label(task), row=1, col=2)
    fig.update_annotations(font_size=FONT_SIZE)
    if best_epoch:
        for col, _ in panels:
            fig.add_vline(x=best_epoch, line=dict(color=MARKER_COLOUR, dash="dot", width=1.5), row=1, col=col)
    return fig


def cv_figure(folds: pd.DataFrame, task: str) -> go.Figure:
    """Per-fold train and test scores as grouped bars, with the mean test score as a line.

    `folds` is `ml.evaluation.cross_validate`'s frame (fold, train_score, test_score, fit_time).
    """
    label = score_label(task)
    fig = go.Figure()
    names = [f"fold {int(f)}" for f in folds["fold"]]
    fig.add_bar(
        x=names, y=folds["train_score"], name=f"train {label}", marker_color=TRAIN_COLOUR, opacity=0.55
    )
    fig.add_bar(x=names, y=folds["test_score"], name=f"held-out {label}", marker_color=VAL_COLOUR)
    mean, std = float(folds["test_score"].mean()), float(folds["test_score"].std(ddof=0))
    fig.add_hline(
        y=mean,
        line=dict(color=MARKER_COLOUR, dash="dash", width=2),
        annotation_text=f"mean {mean:.3f} ± {std:.3f}",
        annotation_position="top left",
    )
    base_layout(fig, x="fold", y=label, height=380)
    fig.update_layout(barmode="group")
    low = float(np.nanmin(folds[["train_score", "test_score"]].to_numpy()))
    if task != "regression" or low >= 0:
        fig.update_yaxes(range=[max(0.0, min(low, mean - 2 * std) - 0.05), 1.02])
    return fig


def param_curve_figure(
    values: Sequence,
    train_mean,
    train_std,
    val_mean,
    val_std,
    param_label: str,
    task: str,
    log_x: bool = False,
) -> go.Figure:
    """The model-complexity graph: train vs validation score against one hyperparameter.

    Numeric values go on a numeric axis (log if `log_x`); choices (text, booleans) are placed at
    evenly spaced positions labelled with their values. The best validation value is marked.
    """
    values = list(values)
    numeric = all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) for v in values
    )
    x = np.asarray(values, dtype=float) if numeric else np.arange(len(values), dtype=float)
    fig = curve_figure(
        x, train_mean, train_std, val_mean, val_std, param_label, score_label(task), log_x=log_x and numeric
    )
    if not numeric:
        fig.update_xaxes(tickmode="array", tickvals=x.tolist(), ticktext=[str(v) for v in values])
    val = np.asarray(val_mean, dtype=float)
    if val.size and np.isfinite(val).any():
        best = int(np.nanargmax(val))
        fig.add_trace(
            go.Scatter(
                x=[x[best]],
                y=[val[best]],
                mode="markers",
                name=f"best: {values[best]}",
                marker=dict(symbol="star", size=18, color=MARKER_COLOUR),
            )
        )
    return fig


def _tick(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if 1e-4 <= abs(v) < 1e5 or v == 0 else f"{v:.2g}"
    return str(v)


def grid_figure(
    scores: np.ndarray,
    values_a: Sequence,
    values_b: Sequence,
    label_a: str,
    label_b: str,
    best: tuple[int, int] | None,
    task: str,
) -> go.Figure:
    """A heatmap of mean CV scores: rows are values_a (y axis), columns values_b (x axis).

    Axes are categorical (values shown as text) so log-spaced grids read evenly. Each cell is
    annotated with its score; the best cell is boxed. NaN cells (refused combinations) are blank.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.shape != (len(values_a), len(values_b)):
        raise ValueError(
            f"scores has shape {scores.shape} but there are {len(values_a)} × {len(values_b)} grid values."
        )
    xs, ys = [_tick(v) for v in values_b], [_tick(v) for v in values_a]
    text = np.where(np.isfinite(scores), np.char.mod("%.3f", np.nan_to_num(scores)), "failed")
    fig = go.Figure(
        go.Heatmap(
            z=scores,
            x=xs,
            y=ys,
            text=text,
            texttemplate="%{text}",
            colorscale="Viridis",
            colorbar=dict(title=dict(text=f"CV {score_label(task)}")),
            hovertemplate=f"{label_b} = %{{x}}<br>{label_a} = %{{y}}<br>score = %{{z:.4f}}<extra></extra>",
        )
    )
    if best is not None:
        bi, bj = best
        fig.add_trace(
            go.Scatter(
                x=[xs[bj]],
                y=[ys[bi]],
                mode="markers",
                name=f"best: {label_a} = {ys[bi]}, {label_b} = {xs[bj]}",
                marker=dict(symbol="square-open", size=44, color=MARKER_COLOUR, line=dict(width=4)),
            )
        )
    base_layout(fig, x=label_b, y=label_a, height=460)
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fig
