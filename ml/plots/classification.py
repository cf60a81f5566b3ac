"""Figures for the Classification page: decision regions, confusion matrix, feature importance.

Pure builders: arrays in, `go.Figure` out. Class i is always `class_colour(i)`. The decision
regions are one heatmap of the predicted class (a 200 × 200 grid is a single trace, sent as compact
binary arrays) plus, when the model gives probabilities, one white veil that fades where the model
is unsure. Scatters are capped at MAX_POINTS points per trace (fixed-seed subsample).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ml.classification import DecisionGrid
from ml.plots import FONT_SIZE, MARKER_COLOUR, MAX_POINTS, base_layout, class_colour
from ml.plots.curves import _rgba, marker_scatter

REGION_ALPHA = 0.45
VEIL_ALPHA = 0.85  # how white the least certain cells get
PER_CLASS_POINTS = 1500  # past this many points a class is thinned and drawn translucent


def _region_colourscale(k: int) -> list:
    """A stepped colourscale: integer z = i maps to class_colour(i) (z from -0.5 to k - 0.5)."""
    if k == 1:
        c = _rgba(class_colour(0), REGION_ALPHA)
        return [[0.0, c], [1.0, c]]
    scale = []
    for i in range(k):
        c = _rgba(class_colour(i), REGION_ALPHA)
        scale += [[i / k, c], [(i + 1) / k, c]]
    return scale


def decision_figure(
    grid: DecisionGrid,
    class_names: Sequence[str],
    train_xy=None,
    train_idx=None,
    test_xy=None,
    test_idx=None,
    *,
    train_wrong=None,
    test_wrong=None,
    shading: bool = True,
    title: str = "",
    max_points: int = MAX_POINTS,
    by_prediction: bool = False,
    note: str = "",
) -> go.Figure:
    """Decision regions with training (circles) and test (diamonds) points coloured by true class.

    train_xy / test_xy: (n, 2) coordinates in the grid's plane (`grid.project(X)`); train_idx /
    test_idx: each point's true class index; *_wrong: boolean masks of misclassified points, drawn
    as black crosses. `shading` veils the regions where the predicted class's probability is low.
    by_prediction: the *_idx are the model's predictions (from all features), said in the legend.
    note: a line written on the chart (e.g. "other features held at their median").
    Past PER_CLASS_POINTS points a class is thinned (fixed seed) and drawn translucent; the
    biggest class is drawn first, so a minority class stays visible on top.
    """
    k = len(class_names)
    if len(grid.classes) != k:
        raise ValueError(f"The grid has {len(grid.classes)} classes but {k} class names were given.")
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=grid.x,
            y=grid.y,
            z=grid.pred.astype(np.uint8 if k < 256 else np.int16),
            zmin=-0.5,
            zmax=k - 0.5,
            colorscale=_region_colourscale(k),
            showscale=False,
            name="predicted class",
            hoverinfo="skip",
        )
    )
    if shading and grid.confidence is not None and k > 1:
        floor = 1.0 / k
        certainty = np.clip((grid.confidence - floor) / (1.0 - floor), 0.0, 1.0)
        fig.add_trace(
            go.Heatmap(
                x=grid.x,
                y=grid.y,
                z=np.round(certainty * 100).astype(np.uint8),
                zmin=0,
                zmax=100,
                colorscale=[[0.0, f"rgba(255,255,255,{VEIL_ALPHA})"], [1.0, "rgba(255,255,255,0)"]],
                showscale=False,
                name="certainty",
                hovertemplate="certainty %{z}%<extra></extra>",
            )
        )
    n_shown = 0
    for sets in (
        ("train", train_xy, train_idx, "circle", "#FFFFFF", 9),
        ("test", test_xy, test_idx, "diamond", MARKER_COLOUR, 10),
    ):
        label, xy, idx, symbol, outline, size = sets
        if xy is None:
            continue
        xy, idx = np.asarray(xy, dtype=float), np.asarray(idx)
        if len(xy) != len(idx):
            raise ValueError(
                f"{label}: {len(xy)} points but {len(idx)} class labels; pass one label per point."
            )
        sizes = np.bincount(idx.astype(int), minlength=k) if idx.size else np.zeros(k, int)
        for c in np.argsort(-sizes, kind="stable"):
            mask = idx == c
            if not mask.any():
                continue
            crowded = int(mask.sum()) > PER_CLASS_POINTS
            what = f"{label}, predicted" if by_prediction else label
            fig.add_trace(
                marker_scatter(
                    xy[mask, 0], xy[mask, 1], name=f"{class_names[c]} ({what})", colour=class_colour(int(c)), symbol=symbol,
                    outline=None if crowded else outline, size=size, legendgroup=str(c), seed=int(c),
                    max_points=min(max_points, PER_CLASS_POINTS), opacity=0.55 if crowded else None,
                )
            )  # fmt: skip
            n_shown += 1
    wrong, counts = [], []
    for label, xy, mask in (("train", train_xy, train_wrong), ("test", test_xy, test_wrong)):
        if xy is not None and mask is not None:
            wrong.append(np.asarray(xy, dtype=float)[np.asarray(mask, dtype=bool)])
            counts.append(f"{label} {len(wrong[-1]):,}")
    if wrong:
        bad = np.concatenate(wrong)
        fig.add_trace(
            marker_scatter(
                bad[:, 0], bad[:, 1], name=f"misclassified ({', '.join(counts)})", colour=MARKER_COLOUR, symbol="x-thin",
                outline=MARKER_COLOUR, size=11, legendgroup="wrong", max_points=min(max_points, 600), seed=99,
            )
        )  # fmt: skip
        if len(bad) > 200:  # many errors: small, translucent crosses, so the classes under them still show
            fig.data[-1].marker.update(size=7, opacity=0.55, line=dict(width=1))
        else:
            fig.data[-1].marker.line.width = 2.5
    base_layout(fig, title=title, x=grid.x_label, y=grid.y_label, height=560)
    if note:
        fig.add_annotation(
            text=note, xref="paper", yref="paper", x=0.01, y=0.99, xanchor="left", yanchor="top", showarrow=False,
            bgcolor="rgba(255,255,255,0.8)", font=dict(size=FONT_SIZE - 1),
        )  # fmt: skip
    fig.update_xaxes(range=[grid.x[0], grid.x[-1]], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[grid.y[0], grid.y[-1]], showgrid=False, zeroline=False)
    return fig


def confusion_figure(
    matrix, class_names: Sequence[str], normalise: bool = False, title: str = ""
) -> go.Figure:
    """Confusion matrix heatmap: rows the true class, columns the predicted class, counts (or row shares).

    With `normalise` each row is divided by its total (the recall of each class on the diagonal).
    """
    m = np.asarray(matrix, dtype=float)
    k = len(class_names)
    if m.shape != (k, k):
        raise ValueError(
            f"The matrix has shape {m.shape} but there are {k} class names; expected ({k}, {k})."
        )
    names = [str(c) for c in class_names]
    if normalise:
        totals = m.sum(axis=1, keepdims=True)
        z = np.divide(m, totals, out=np.zeros_like(m), where=totals > 0)
        text = np.char.mod("%.2f", z)
        hover = "true %{y}<br>predicted %{x}<br>share of the row %{z:.3f}<extra></extra>"
    else:
        z = m
        text = np.char.mod("%d", m.astype(int))
        hover = "true %{y}<br>predicted %{x}<br>%{z:.0f} rows<extra></extra>"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=names,
            y=names,
            text=text,
            texttemplate="%{text}" if k <= 15 else None,
            colorscale="Blues",
            showscale=False,
            hovertemplate=hover,
        )
    )
    base_layout(
        fig, title=title, x="predicted class", y="true class", height=max(320, min(640, 60 * k + 140))
    )
    fig.update_xaxes(type="category", side="bottom")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def importance_figure(frame: pd.DataFrame, top: int = 20, title: str = "") -> go.Figure:
    """Horizontal bars of feature importance (with ±1 std error bars), the most important on top.

    `frame` is `ml.evaluation.feature_importance`'s output: feature, importance, std, method.
    """
    if frame.empty:
        raise ValueError("No feature importances to draw.")
    shown = frame.sort_values("importance", ascending=False).head(top).iloc[::-1]
    method = str(frame["method"].iloc[0])
    x_label = (
        "mean decrease in impurity" if method == "impurity" else "score drop when the feature is shuffled"
    )
    std = shown["std"].to_numpy(dtype=float)
    fig = go.Figure(
        go.Bar(
            x=shown["importance"],
            y=shown["feature"].astype(str),
            orientation="h",
            marker_color=class_colour(0),
            error_x=dict(type="data", array=np.nan_to_num(std), visible=bool(np.isfinite(std).any())),
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    extra = f" (top {top} of {len(frame)})" if len(frame) > top else ""
    base_layout(
        fig,
        title=title + extra if title else "",
        x=x_label,
        y="feature",
        height=max(300, 28 * len(shown) + 120),
    )
    fig.update_yaxes(type="category")
    return fig


def tree_figure(nodes: list[dict], class_names: Sequence[str], criterion: str = "gini") -> go.Figure:
    """A fitted tree drawn as boxes: each node's split (feature ≤ threshold), impurity, rows and class
    mix, coloured by its majority class (paler when mixed). Nodes from `ml.evaluation.tree_nodes`;
    a node whose subtree is not drawn says so ("…"). Hover shows every number."""
    fig = go.Figure()
    by_id = {n["id"]: n for n in nodes}
    ex, ey = [], []
    for n in nodes:
        if n["parent"] is not None:
            p = by_id[n["parent"]]
            ex += [p["x"], n["x"], None]
            ey += [-p["depth"], -n["depth"], None]
    fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#888", width=1.5), hoverinfo="skip",
                             showlegend=False))  # fmt: skip
    xs, ys, colours, texts, hovers, outlines = [], [], [], [], [], []
    for n in nodes:
        mix = np.asarray(n["value"], dtype=float)
        k = int(np.argmax(mix))
        purity = float(mix[k])
        colours.append(_rgba(class_colour(k), 0.25 + 0.75 * (purity - 1 / len(mix)) / max(1 - 1 / len(mix), 1e-9)))
        outlines.append(class_colour(k))
        split = f"{n['feature']} ≤ {n['threshold']:.3g}" if n["feature"] is not None else (
            f"… deeper ({class_names[k]})" if n["cut"] else f"→ {class_names[k]}")  # fmt: skip
        # leaves sit one unit apart: their class is their colour (legend, hover), the text only the rows
        texts.append(f"<b>{split}</b><br>{n['samples']:,} rows" if n["feature"] is not None else
                     f"{n['samples']:,} rows" + ("<br>⋯ deeper" if n["cut"] else ""))  # fmt: skip
        shares = ", ".join(f"{class_names[i]} {m:.0%}" for i, m in enumerate(mix) if m > 0)
        hovers.append(f"{split}<br>{criterion} = {n['impurity']:.3f}<br>{n['samples']:,} rows<br>{shares}")
        xs.append(n["x"])
        ys.append(-n["depth"])
    n_leaves = max(int(max(xs)) + 1, 1)
    depth = int(-min(ys)) + 1
    size = 16 if n_leaves <= 16 else 10
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers+text", text=texts, textposition="bottom center", hovertext=hovers,
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
        textfont=dict(size=FONT_SIZE - 2 if n_leaves <= 12 else FONT_SIZE - 4),
        marker=dict(symbol="square", size=size * 2, color=colours, line=dict(color=outlines, width=2)),
    ))  # fmt: skip
    for i, name in enumerate(class_names):  # legend: one entry per class colour
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=str(name),
                                 marker=dict(symbol="square", size=14, color=class_colour(i))))  # fmt: skip
    base_layout(fig, title="The fitted tree: split, rows, majority class (paler = more mixed)", height=160 + 130 * depth)
    fig.update_xaxes(visible=False, range=[-0.6, n_leaves - 0.4])
    fig.update_yaxes(visible=False, range=[-depth + 0.4, 0.5])
    return fig
