"""Figures of the anomaly-detection page: arrays in, plotly Figure out.

- `score_histogram`: the anomaly scores per class (normal / anomaly) as pre-binned bars, with the
  threshold as a vertical line (a layout shape, so a threshold move only moves the shape).
- `live_scatter` / `flag_marks`: the data in 2-D coloured flagged / not flagged through one colour axis (the
  live threshold recolours it in the browser); labelled anomalies drawn larger and outlined, so true positives,
  false alarms and missed anomalies each look different.
- `top_images` / `top_curves`: the k most anomalous rows drawn as images (digits) or curves (signals).
- `drama_grid`: DRAMA's reduction × metric scores as an annotated heat map (one cell per DRT-metric).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ml.plots import MARKER_COLOUR, MAX_POINTS, NEGATIVE_COLOUR, PALETTE, POSITIVE_COLOUR, base_layout

NORMAL_COLOUR = NEGATIVE_COLOUR  # blue
ANOMALY_COLOUR = POSITIVE_COLOUR  # vermillion
THRESHOLD_NAME = "threshold"


def _arr(values, name: str) -> np.ndarray:
    a = np.asarray(values, dtype=float).ravel()
    if a.size == 0:
        raise ValueError(f"{name} is empty.")
    return a


def threshold_shape(threshold: float) -> dict:
    """The vertical threshold line as a layout shape (x in data units, y across the plot)."""
    return dict(
        type="line",
        x0=float(threshold),
        x1=float(threshold),
        y0=0,
        y1=1,
        xref="x",
        yref="paper",
        line=dict(color=MARKER_COLOUR, width=3, dash="dash"),
        name=THRESHOLD_NAME,
    )


def score_histogram(
    scores,
    labels=None,
    threshold: float | None = None,
    *,
    bins: int = 60,
    log_y: bool = False,
    score_label: str = "anomaly score (higher = more anomalous)",
    title: str = "",
) -> go.Figure:
    """Histogram of the scores, one bar trace per class when `labels` (0/1) are given, and the threshold.

    Bars are pre-binned (no raw scores go to the browser); each class is normalised to its own
    count when both are present so the rare anomalies stay visible ("share of the class").
    """
    s = _arr(scores, "scores")
    edges = np.histogram_bin_edges(s, bins=int(bins))
    centres = (edges[:-1] + edges[1:]) / 2
    width = float(edges[1] - edges[0]) if edges.size > 1 else 1.0
    fig = go.Figure()
    if labels is None:
        counts, _ = np.histogram(s, edges)
        fig.add_trace(go.Bar(x=centres, y=counts, width=width, name="all rows", marker_color=PALETTE[0]))
        y_title = "rows"
    else:
        y = np.asarray(labels).astype(bool).ravel()
        if y.size != s.size:
            raise ValueError(f"got {y.size} labels but {s.size} scores.")
        for flag, name, colour in ((False, "normal", NORMAL_COLOUR), (True, "anomaly", ANOMALY_COLOUR)):
            part = s[y == flag]
            counts, _ = np.histogram(part, edges)
            share = counts / max(part.size, 1)
            fig.add_trace(
                go.Bar(
                    x=centres,
                    y=share,
                    width=width,
                    name=f"{name} ({part.size:,})",
                    marker_color=colour,
                    opacity=0.65,
                    customdata=counts,
                    hovertemplate=f"{name}<br>score %{{x:.3g}}<br>%{{customdata}} rows (%{{y:.1%}})<extra></extra>",
                )
            )
        y_title = "share of the class"
    fig.update_layout(barmode="overlay", bargap=0)
    if threshold is not None:
        fig.add_shape(threshold_shape(threshold))
    base_layout(fig, title=title, x=score_label, y=y_title, height=380)
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def top_images(rows, shape=(8, 8), titles=None, columns: int = 5) -> go.Figure:
    """The given rows (most anomalous first) as grey-scale images of `shape`, with titles."""
    R = np.atleast_2d(np.asarray(rows, dtype=float))
    h, w = shape
    if R.shape[1] != h * w:
        raise ValueError(
            f"rows have {R.shape[1]} values, not {h}×{w} = {h * w}; they are not {h}×{w} images."
        )
    k = R.shape[0]
    cols = max(1, min(columns, k))
    n_rows = int(np.ceil(k / cols))
    titles = list(titles or [f"#{i + 1}" for i in range(k)])
    fig = make_subplots(
        rows=n_rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.02, vertical_spacing=0.12
    )
    lo, hi = float(R.min()), float(R.max())
    for i in range(k):
        fig.add_trace(
            go.Heatmap(
                z=R[i].reshape(h, w)[::-1],
                colorscale="Greys",
                zmin=lo,
                zmax=hi,
                showscale=False,
                hovertemplate="pixel value %{z:.3g}<extra></extra>",
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", constrain="domain")
    base_layout(fig, height=170 * n_rows + 40)
    fig.update_annotations(font_size=13)
    return fig


def top_curves(
    rows, titles=None, reference=None, x=None, x_label: str = "sample", columns: int = 5
) -> go.Figure:
    """The given rows (most anomalous first) as curves, each in its own panel over the `reference`
    curve (e.g. the median normal row) in grey."""
    R = np.atleast_2d(np.asarray(rows, dtype=float))
    k, d = R.shape
    xs = np.arange(1, d + 1) if x is None else np.asarray(x)
    step = max(1, d // 1000)  # at most ~1000 points per curve
    cols = max(1, min(columns, k))
    n_rows = int(np.ceil(k / cols))
    titles = list(titles or [f"#{i + 1}" for i in range(k)])
    fig = make_subplots(
        rows=n_rows,
        cols=cols,
        subplot_titles=titles,
        shared_yaxes=True,
        horizontal_spacing=0.02,
        vertical_spacing=0.14,
    )
    for i in range(k):
        r, c = i // cols + 1, i % cols + 1
        if reference is not None:
            fig.add_trace(
                go.Scatter(
                    x=xs[::step],
                    y=np.asarray(reference, dtype=float)[::step],
                    mode="lines",
                    line=dict(color="#9AA5B1", width=2),
                    name="median row",
                    showlegend=i == 0,
                    hoverinfo="skip",
                ),
                row=r,
                col=c,
            )
        fig.add_trace(
            go.Scatter(
                x=xs[::step],
                y=R[i, ::step],
                mode="lines",
                line=dict(color=ANOMALY_COLOUR, width=2),
                name="flagged row",
                showlegend=i == 0,
            ),
            row=r,
            col=c,
        )
    base_layout(fig, height=200 * n_rows + 110)
    # the legend under the panels: above them it would cover the first row's titles
    fig.update_layout(
        legend=dict(orientation="h", yanchor="top", y=-0.04, xanchor="left", x=0), margin=dict(b=70)
    )
    fig.update_xaxes(showticklabels=False)
    fig.update_annotations(font_size=13)
    return fig


def drama_grid(values, reductions, metrics, *, score: str = "AUC", title: str = "") -> go.Figure:
    """DRAMA's reduction × metric grid of one score (in %), annotated, best cell outlined."""
    V = np.asarray(values, dtype=float)
    if V.shape != (len(reductions), len(metrics)):
        raise ValueError(f"values have shape {V.shape}, expected {(len(reductions), len(metrics))}.")
    text = np.where(np.isnan(V), "–", np.vectorize(lambda v: f"{v:.0f}")(np.nan_to_num(V)))
    fig = go.Figure(
        go.Heatmap(
            z=V,
            x=list(metrics),
            y=list(reductions),
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=14),
            colorscale="Viridis",
            colorbar=dict(title=f"{score} (%)"),
            hovertemplate=f"%{{y}}-%{{x}}: {score} %{{z:.1f}}%<extra></extra>",
        )
    )
    if np.isfinite(V).any():
        i, j = np.unravel_index(np.nanargmax(V), V.shape)
        fig.add_shape(
            type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5, line=dict(color="#F0E442", width=4)
        )
    base_layout(fig, title=title, x="distance metric", y="reduction (DRT)", height=110 + 48 * len(reductions))
    fig.update_yaxes(autorange="reversed")
    return fig


# ---- live versions: a base figure built once per scores, and marks that a threshold move changes ----
GREY = "#9AA5B1"


def threshold_marks(threshold: float) -> dict:
    """Layout marks of the score histogram at `threshold` (for ui.live_plot: a relayout, no redraw)."""
    return {"shapes": [threshold_shape(threshold)]}


def flag_marks(threshold: float, lo: float, hi: float) -> dict:
    """Layout marks of `live_scatter` at `threshold`: a two-colour step colour scale on the scores, so every
    point with score >= threshold turns vermillion (flagged) and the rest grey, by one relayout."""
    lo, hi, t = float(lo), float(hi), float(threshold)
    if hi <= lo:
        hi = lo + 1.0
    if t > hi:
        scale = [[0, GREY], [1, GREY]]
    elif t <= lo:
        scale = [[0, ANOMALY_COLOUR], [1, ANOMALY_COLOUR]]
    else:
        p = max(min((t - lo) / (hi - lo) - 1e-9, 1 - 1e-9), 1e-9)  # a tie with the threshold is flagged
        scale = [[0, GREY], [p, GREY], [p, ANOMALY_COLOUR], [1, ANOMALY_COLOUR]]
    return {"coloraxis": {"colorscale": scale, "cmin": lo, "cmax": hi, "showscale": False}}


def live_scatter(
    x,
    y,
    scores,
    truth=None,
    *,
    x_label: str = "x",
    y_label: str = "y",
    title: str = "",
    seed: int = 0,
    max_normal: int = 3000,
) -> go.Figure:
    """The data in 2-D coloured by flagged / not flagged through a shared colour axis (see `flag_marks`).

    With labels, labelled anomalies are big outlined circles and normal rows small dots, so a big
    vermillion circle is a caught anomaly (TP), a small vermillion dot a false alarm (FP) and a big grey
    circle a missed anomaly (FN). Normal rows are thinned to `max_normal` (fixed seed, said in the legend).
    """
    xa, ya, s = _arr(x, "x"), _arr(y, "y"), _arr(scores, "scores")
    if not (xa.size == ya.size == s.size):
        raise ValueError("x, y and the scores must have one value per row.")
    t = np.zeros(s.size, dtype=bool) if truth is None else np.asarray(truth).astype(bool).ravel()
    fig = go.Figure()
    rng = np.random.default_rng(seed)
    groups = (
        (~t, "rows" if truth is None else "normal rows", 6, None, 0.75),
        (t, "labelled anomalies", 13, MARKER_COLOUR, 1.0),
    )
    for mask, name, size, outline, opacity in groups:
        idx = np.flatnonzero(mask)
        if truth is not None and name == "labelled anomalies" and idx.size == 0:
            continue
        if truth is None and name != "rows":
            continue
        cap = max_normal if name != "labelled anomalies" else MAX_POINTS // 2
        shown = idx if idx.size <= cap else np.sort(rng.choice(idx, cap, replace=False))
        label = (
            f"{name} ({shown.size:,} of {idx.size:,} shown)"
            if shown.size < idx.size
            else f"{name} ({idx.size:,})"
        )
        order = shown[np.argsort(s[shown], kind="stable")]  # highest scores drawn last, on top
        marker = dict(color=s[order], coloraxis="coloraxis", size=size, opacity=opacity)
        if outline:
            marker["line"] = dict(color=outline, width=1.5)
        fig.add_trace(
            go.Scatter(
                x=xa[order],
                y=ya[order],
                mode="markers",
                name=label,
                marker=marker,
                customdata=s[order],
                hovertemplate=f"{name}<br>score %{{customdata:.4g}}<extra></extra>",
            )
        )
    for name, colour in (("flagged (score ≥ threshold)", ANOMALY_COLOUR), ("not flagged", GREY)):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=name,
                marker=dict(color=colour, size=10, symbol="square"),
            )
        )
    fig.update_layout(coloraxis=flag_marks(float(np.median(s)), float(s.min()), float(s.max()))["coloraxis"])
    base_layout(fig, title=title, x=x_label, y=y_label, height=480)
    fig.update_layout(
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0), margin=dict(b=110)
    )
    return fig
