"""Generic curve figures shared by pages: train vs validation curves with +-1 std bands.

Also `thin_indices`, the deterministic subsample every figure builder uses to keep traces under
MAX_POINTS points.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ml.plots import MAX_POINTS, PALETTE, base_layout

TRAIN_COLOUR = PALETTE[0]
VAL_COLOUR = PALETTE[1]


def thin_indices(n: int, max_points: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most `max_points` of `n` items: all of them, or a fixed random subset."""
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))


WEBGL_ABOVE = 2000  # scatters with more points than this use WebGL


def marker_scatter(
    x,
    y,
    *,
    name: str,
    colour: str,
    symbol: str = "circle",
    size: int = 7,
    outline: str | None = None,
    opacity: float | None = None,
    legendgroup: str | None = None,
    max_points: int = MAX_POINTS,
    seed: int = 0,
) -> go.Scatter | go.Scattergl:
    """Markers for at most `max_points` of the points (fixed-seed subsample, said in the legend),
    WebGL above WEBGL_ABOVE points, markers shrinking as they crowd."""
    x, y = np.asarray(x), np.asarray(y)
    idx = thin_indices(x.size, max_points, seed)
    shown = f"{name} ({idx.size:,} of {x.size:,} shown)" if idx.size < x.size else name
    cls = go.Scattergl if idx.size > WEBGL_ABOVE else go.Scatter
    size = size if idx.size <= 500 else size - 2 if idx.size <= WEBGL_ABOVE else max(size - 4, 4)
    marker = dict(color=colour, symbol=symbol, size=size, opacity=opacity)
    if outline is not None:
        marker["line"] = dict(color=outline, width=1)
    return cls(
        x=x[idx],
        y=y[idx],
        mode="markers",
        name=shown,
        legendgroup=legendgroup,
        marker=marker,
        hovertemplate=f"{name}<br>%{{x:.3g}}, %{{y:.3g}}<extra></extra>",
    )


def even_indices(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """At most `max_points` evenly spaced indices of an ordered curve, first and last included."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


def _rgba(hex_colour: str, alpha: float) -> str:
    """'#RRGGBB' -> 'rgba(r,g,b,alpha)'."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _band(x: np.ndarray, mean: np.ndarray, std: np.ndarray, colour: str, name: str) -> go.Scatter:
    """A filled +-1 std band as one closed polygon trace."""
    xs = np.concatenate([x, x[::-1]])
    ys = np.concatenate([mean + std, (mean - std)[::-1]])
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",  # without it plotly draws a marker at every vertex of short polygons
        fill="toself",
        fillcolor=_rgba(colour, 0.2),
        line=dict(width=0),
        hoverinfo="skip",
        name=f"{name} ±1 std",
        showlegend=False,
    )


def curve_figure(
    x,
    train_mean,
    train_std,
    val_mean,
    val_std,
    x_label: str,
    y_label: str,
    log_x: bool = False,
    title: str = "",
) -> go.Figure:
    """Train vs validation curve (validation or learning curve), each with a ±1 std band.

    Traces: train band, train mean, validation band, validation mean (a band is left out when its
    std is None).
    """
    x = np.asarray(x, dtype=float).ravel()
    series = {}
    for label, arr in (("train_mean", train_mean), ("val_mean", val_mean)):
        series[label] = np.asarray(arr, dtype=float).ravel()
    for label, arr in (("train_std", train_std), ("val_std", val_std)):
        series[label] = None if arr is None else np.asarray(arr, dtype=float).ravel()
    for label, arr in series.items():
        if arr is not None and arr.size != x.size:
            raise ValueError(
                f"{label} has {arr.size} values but x has {x.size}; pass one value per x position."
            )
    idx = even_indices(x.size, MAX_POINTS // 2)  # a band polygon doubles the points
    x = x[idx]
    fig = go.Figure()
    for name, colour, mean, std, dash in (
        ("train", TRAIN_COLOUR, series["train_mean"][idx], series["train_std"], "dash"),
        ("validation", VAL_COLOUR, series["val_mean"][idx], series["val_std"], "solid"),
    ):
        if std is not None:
            fig.add_trace(_band(x, mean, std[idx], colour, name))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=mean,
                mode="lines+markers",
                name=name,
                line=dict(color=colour, width=3, dash=dash),
                marker=dict(size=7),
            )
        )
    base_layout(fig, title=title, x=x_label, y=y_label)
    if log_x:
        fig.update_xaxes(type="log")
    return fig
