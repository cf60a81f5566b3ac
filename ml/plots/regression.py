"""Figures for the Regression page: fitted curves, gradient descent, predictions, residuals, paths.

Pure builders: arrays in, `go.Figure` out. No trace carries more than MAX_POINTS points: big
scatters are subsampled with a fixed seed (the title says how many are shown) and histograms are
binned here, not in the browser.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ml.plots import (
    CLASS_COLOURS,
    FONT_SIZE,
    MARKER_COLOUR,
    MAX_POINTS,
    NEGATIVE_COLOUR,
    PALETTE,
    POSITIVE_COLOUR,
    base_layout,
    class_colour,
)
from ml.plots.curves import TRAIN_COLOUR, even_indices, marker_scatter
from ml.plots.curves import VAL_COLOUR as TEST_COLOUR
from ml.regression import GDPath

FIT_COLOUR = PALETTE[5]


def _arr(values, name: str) -> np.ndarray:
    """A 1-D float array, or a ValueError naming `name`."""
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers; got values that are not. Pass a numeric array.") from None


def _same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.size != b.size:
        raise ValueError(f"{name_a} has {a.size} values but {name_b} has {b.size}; they must pair up.")


def _scatter(x: np.ndarray, y: np.ndarray, *, name: str, colour: str, symbol: str = "circle", size: int = 7):
    return marker_scatter(x, y, name=name, colour=colour, symbol=symbol, size=size, opacity=0.75)


def _padded_range(values: np.ndarray, pad: float) -> list[float] | None:
    """[min, max] of the finite values widened by `pad` of the span on each side."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return [lo - pad * span, hi + pad * span]


def fit_curve_figure(
    x_train,
    y_train,
    x_test,
    y_test,
    x_grid,
    y_grid,
    title: str = "",
    x_label: str = "x",
    y_label: str = "y",
) -> go.Figure:
    """1-D fit: train points (circles), test points (diamonds) and the fitted curve.

    The y-axis is fixed to the data (plus margin), so a wildly over-fitted curve is seen leaving
    the plot instead of squashing the points flat.
    """
    xtr, ytr = _arr(x_train, "x_train"), _arr(y_train, "y_train")
    _same_length(xtr, ytr, "x_train", "y_train")
    xte = _arr([] if x_test is None else x_test, "x_test")
    yte = _arr([] if y_test is None else y_test, "y_test")
    _same_length(xte, yte, "x_test", "y_test")
    xg, yg = _arr(x_grid, "x_grid"), _arr(y_grid, "y_grid")
    _same_length(xg, yg, "x_grid", "y_grid")
    order = np.argsort(xg, kind="stable")
    xg, yg = xg[order], yg[order]
    gi = even_indices(xg.size)

    fig = go.Figure()
    fig.add_trace(_scatter(xtr, ytr, name="train", colour=TRAIN_COLOUR))
    if xte.size:
        fig.add_trace(_scatter(xte, yte, name="test", colour=TEST_COLOUR, symbol="diamond", size=9))
    fig.add_trace(
        go.Scatter(
            x=xg[gi], y=yg[gi], mode="lines", name="fitted curve", line=dict(color=FIT_COLOUR, width=3)
        )
    )
    base_layout(fig, title=title, x=x_label, y=y_label)
    y_range = _padded_range(np.concatenate([ytr, yte]), 0.3)
    if y_range:
        fig.update_yaxes(range=y_range)
    return fig


def gd_figure(x, y, path: GDPath, step: int, x_label: str = "x", y_label: str = "y") -> go.Figure:
    """The data, the line after `step` updates, faint earlier lines and the point(s) that step used.

    Traces: data points, earlier lines (one trace), current line, and for stochastic methods at
    step >= 1 the point(s) used. Axes stay fixed to the data so moving the slider moves only the line.
    """
    xs, ys = _arr(x, "x"), _arr(y, "y")
    _same_length(xs, ys, "x", "y")
    step = int(min(max(int(step), 0), path.n_steps))
    x_range = _padded_range(xs, 0.05) or [0.0, 1.0]
    y_range = _padded_range(ys, 0.15) or [0.0, 1.0]
    line_x = np.array(x_range)

    fig = go.Figure()
    fig.add_trace(_scatter(xs, ys, name="data", colour=TRAIN_COLOUR))
    earlier = np.unique(np.linspace(0, step - 1, min(step, 15)).round().astype(int)) if step > 0 else []
    ex: list = []
    ey: list = []
    for t in earlier:
        ex += [line_x[0], line_x[1], None]
        ey += [path.w1[t] * line_x[0] + path.w2[t], path.w1[t] * line_x[1] + path.w2[t], None]
    fig.add_trace(
        go.Scatter(
            x=ex,
            y=ey,
            mode="lines",
            name="earlier steps",
            line=dict(color="rgba(120,120,120,0.35)", width=1.5),
            hoverinfo="skip",
        )
    )
    w1, w2 = float(path.w1[step]), float(path.w2[step])
    fig.add_trace(
        go.Scatter(
            x=line_x,
            y=w1 * line_x + w2,
            mode="lines",
            name=f"step {step}",
            line=dict(color=FIT_COLOUR, width=4),
        )
    )
    used = path.points_at(step)
    if used.size:
        used = used[:MAX_POINTS]
        fig.add_trace(
            go.Scatter(
                x=xs[used],
                y=ys[used],
                mode="markers",
                name="point used" if used.size == 1 else "batch used",
                marker=dict(
                    color=TEST_COLOUR, size=16, symbol="circle", line=dict(color=MARKER_COLOUR, width=2)
                ),
            )
        )
    sign = "−" if w2 < 0 else "+"
    title = f"Step {step}: y = {w1:.3g}·x {sign} {abs(w2):.3g}, MSE = {path.loss[step]:.3g}"
    base_layout(fig, title=title, x=x_label, y=y_label)
    fig.update_xaxes(range=x_range)
    fig.update_yaxes(range=y_range)
    return fig


def gd_loss_figure(path: GDPath, step: int) -> go.Figure:
    """Loss (MSE on all points, log scale) against step, with the current step marked."""
    step = int(min(max(int(step), 0), path.n_steps))
    steps = np.arange(path.loss.size)
    idx = even_indices(steps.size)
    loss = path.loss[idx]
    loss = np.where(loss > 0, loss, np.nan)  # a log axis cannot show 0
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=steps[idx], y=loss, mode="lines", name="loss", line=dict(color=TRAIN_COLOUR, width=3))
    )
    current = path.loss[step]
    fig.add_trace(
        go.Scatter(
            x=[step],
            y=[current if current > 0 else np.nan],
            mode="markers",
            name=f"step {step}",
            marker=dict(color=FIT_COLOUR, size=14, line=dict(color=MARKER_COLOUR, width=1)),
        )
    )
    finite = loss[np.isfinite(loss)]
    # a log axis only when the loss spans a decade: over a narrow range it may show no labelled tick at all
    log = finite.size > 0 and finite.max() > 10 * finite.min()
    y_title = "MSE on all points" + (" (log scale)" if log else "")
    base_layout(fig, title="Loss during gradient descent", x="step", y=y_title)
    if log:
        fig.update_yaxes(type="log", dtick="D2", tickformat=".2g")  # ticks at 1, 2, 5 per decade, labelled
    else:
        fig.update_yaxes(tickformat=".3g", nticks=6)
    if path.diverged_at is not None:
        fig.add_vline(
            x=path.diverged_at,
            line=dict(color=POSITIVE_COLOUR, dash="dash"),
            annotation_text=f"diverged at step {path.diverged_at}",
        )
    return fig


def pred_vs_true_figure(
    y_true,
    y_pred,
    name: str,
    target_label: str,
    outlier_band: float | None = None,
    classes=None,
) -> go.Figure:
    """Predicted against true values with the y = x line (perfect predictions).

    With `outlier_band` (0.15 for photo-z) it also draws |pred - true| = band·(1 + true): points
    outside count as catastrophic outliers. With `classes` (one label per row, e.g. STAR / GALAXY /
    QSO) the points are coloured by class, the largest class drawn first so the rarer ones stay on top.
    """
    t, p = _arr(y_true, "y_true"), _arr(y_pred, "y_pred")
    _same_length(t, p, "y_true", "y_pred")
    rng_ = _padded_range(np.concatenate([t, p]), 0.03) or [0.0, 1.0]
    lo, hi = rng_
    fig = go.Figure()
    if classes is None:
        fig.add_trace(_scatter(t, p, name=name, colour=TRAIN_COLOUR, size=6))
    else:
        labels = np.asarray(classes, dtype=object).astype(str)
        names, counts = np.unique(labels, return_counts=True)
        for i in np.argsort(-counts, kind="stable"):
            mask = labels == names[i]
            fig.add_trace(
                marker_scatter(t[mask], p[mask], name=str(names[i]), colour=PALETTE[int(i) % len(PALETTE)],
                               size=6, opacity=0.7, max_points=MAX_POINTS // 2)
            )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=[lo, hi],
            y=[lo, hi],
            mode="lines",
            name="perfect (y = x)",
            line=dict(color=MARKER_COLOUR, width=2),
        )
    )
    if outlier_band is not None:
        b = float(outlier_band)
        zt = np.array([lo, hi])
        fig.add_trace(
            go.Scatter(
                x=[lo, hi, None, lo, hi],
                y=[*(zt + b * (1 + zt)), None, *(zt - b * (1 + zt))],
                mode="lines",
                name=f"|Δ| = {b:g}(1 + true)",
                line=dict(color=FIT_COLOUR, width=2, dash="dash"),
            )
        )
    base_layout(
        fig, title=f"Predicted vs true: {name}", x=f"true {target_label}", y=f"predicted {target_label}"
    )
    fig.update_xaxes(range=rng_)
    fig.update_yaxes(range=rng_)
    return fig


def residuals_figure(y_pred, residuals, target_label: str = "y") -> go.Figure:
    """Residual (true - predicted) against prediction, with the zero line: look for structure."""
    p, r = _arr(y_pred, "y_pred"), _arr(residuals, "residuals")
    _same_length(p, r, "y_pred", "residuals")
    fig = go.Figure()
    fig.add_trace(_scatter(p, r, name="residuals", colour=TRAIN_COLOUR, size=6))
    fig.add_hline(y=0, line=dict(color=MARKER_COLOUR, width=2))
    base_layout(
        fig,
        title="Residuals vs prediction",
        x=f"predicted {target_label}",
        y=f"residual (true − predicted) {target_label}",
    )
    return fig


def residual_histogram(residuals, bins: int = 50, target_label: str = "y") -> go.Figure:
    """Histogram of residuals, binned here and sent as bars (counts per bin)."""
    if not (isinstance(bins, int | np.integer) and 1 <= bins <= MAX_POINTS):
        raise ValueError(f"bins must be a whole number from 1 to {MAX_POINTS}; got {bins!r}.")
    r = _arr(residuals, "residuals")
    r = r[np.isfinite(r)]
    counts, edges = np.histogram(r if r.size else np.zeros(1), bins=int(bins))
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=np.diff(edges),
            name="residuals",
            marker=dict(color=TRAIN_COLOUR, line=dict(width=0)),
        )
    )
    fig.add_vline(x=0, line=dict(color=MARKER_COLOUR, width=2, dash="dash"))
    base_layout(
        fig,
        title="Distribution of residuals",
        x=f"residual (true − predicted) {target_label}",
        y="number of points",
    )
    fig.update_layout(bargap=0)
    return fig


def coefficients_figure(names, coefs, title: str = "Coefficients", x_label: str = "coefficient") -> go.Figure:
    """Horizontal bars, one per feature in the given order; positive and negative in two colours."""
    names = [str(n) for n in names]
    c = _arr(coefs, "coefs")
    if len(names) != c.size:
        raise ValueError(f"Got {len(names)} names for {c.size} coefficients; pass one name per coefficient.")
    if c.size > MAX_POINTS:  # keep the largest in size
        keep = np.sort(np.argsort(-np.abs(c), kind="stable")[:MAX_POINTS])
        names, c = [names[i] for i in keep], c[keep]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=c,
            y=names,
            orientation="h",
            name="coefficient",
            marker=dict(color=[POSITIVE_COLOUR if v >= 0 else NEGATIVE_COLOUR for v in c]),
        )
    )
    base_layout(fig, title=title, x=x_label, y="feature", height=min(1200, max(300, 60 + 28 * len(names))))
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def regularisation_path_figure(path_df: pd.DataFrame, kind: str) -> go.Figure:
    """Coefficient against alpha (log x-axis), one line per feature, from `regularisation_path`."""
    missing = {"alpha", "feature", "coef"} - set(path_df.columns)
    if missing:
        raise ValueError(
            f"path_df needs columns alpha, feature, coef; missing {sorted(missing)}. "
            "Pass the table from ml.regression.regularisation_path."
        )
    label = {"lasso": "Lasso (L1)", "ridge": "Ridge (L2)"}.get(kind)
    if label is None:
        raise ValueError(f"kind must be 'lasso' or 'ridge'; got {kind!r}.")
    fig = go.Figure()
    for i, (feature, grp) in enumerate(path_df.groupby("feature", sort=False)):
        grp = grp.sort_values("alpha")
        idx = even_indices(len(grp))
        fig.add_trace(
            go.Scatter(
                x=grp["alpha"].to_numpy()[idx],
                y=grp["coef"].to_numpy()[idx],
                mode="lines+markers",
                name=str(feature),
                line=dict(color=class_colour(i), width=2.5, dash="solid" if i < len(CLASS_COLOURS) else "dash"),
                marker=dict(size=5),
            )
        )
    fig.add_hline(y=0, line=dict(color=MARKER_COLOUR, width=1))
    note = "coefficients reach exactly 0" if kind == "lasso" else "coefficients shrink but stay non-zero"
    base_layout(
        fig,
        title=f"{label} path: {note} as α grows",
        x="α, regularisation strength (log scale)",
        y="coefficient (per standard deviation of the feature)",
        height=520,
    )
    # decades only, written 10⁻³ … 10²: minor ticks labelled "2, 5" read as noise on a projector
    fig.update_xaxes(type="log", dtick=1, exponentformat="power", showexponent="all")
    # the legend goes under the plot, so nothing drawn at the top of the plot (the α marker's label) meets it
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.2, x=0, xanchor="left"), margin=dict(b=130))
    return fig


def mark_alpha(fig: go.Figure, alpha: float, lo: float, hi: float, label: str = "your α") -> go.Figure:
    """A dashed vertical line at `alpha` on a path figure, its label inside the plot; an α outside the
    path's range [lo, hi] is drawn at the nearer end with an arrow saying which way it lies."""
    at = float(np.clip(alpha, lo, hi))
    text = label if lo <= alpha <= hi else (f"{label} = {alpha:g} →" if alpha > hi else f"← {label} = {alpha:g}")
    fig.add_vline(x=at, line=dict(color=FIT_COLOUR, dash="dash", width=2))
    left = np.log10(at) > (np.log10(lo) + np.log10(hi)) / 2  # label on the side with more room
    fig.add_annotation(
        x=np.log10(at), y=0.98, yref="paper", text=text, showarrow=False, yanchor="top",
        xanchor="right" if left else "left", xshift=-6 if left else 6,
        bgcolor="rgba(255,255,255,0.85)", font=dict(size=FONT_SIZE, color=FIT_COLOUR),
    )  # fmt: skip
    return fig


# --------------------------------------------------------------------------------------------
# reference lines, coefficients across scalings, one gradient-descent step


def add_line(fig: go.Figure, x, y, name: str, colour: str = MARKER_COLOUR, dash: str = "dash") -> go.Figure:
    """Add a thin reference curve (e.g. the noise-free truth, or the least-squares line) to `fig`."""
    xs, ys = _arr(x, "x"), _arr(y, "y")
    _same_length(xs, ys, "x", "y")
    order = np.argsort(xs, kind="stable")
    idx = even_indices(xs.size)
    fig.add_trace(
        go.Scatter(
            x=xs[order][idx],
            y=ys[order][idx],
            mode="lines",
            name=name,
            line=dict(color=colour, width=2.5, dash=dash),
            hoverinfo="skip",
        )
    )
    return fig


def coefficients_by_scaling_figure(names, coefs_by_label: dict, top: int = 30) -> go.Figure:
    """One panel of coefficient bars per feature scaling, features in the same order in every panel.

    Each panel has its own x-axis: without scaling a coefficient is "per unit of the feature", so
    its size depends on the feature's units; after scaling coefficients are comparable. Only the
    `top` features with the largest standardised |coefficient| (or the first panel's) are shown.
    """
    from plotly.subplots import make_subplots

    names = [str(n) for n in names]
    if not coefs_by_label:
        raise ValueError("Give at least one set of coefficients.")
    arrays = {str(k): _arr(v, f"coefs[{k!r}]") for k, v in coefs_by_label.items()}
    for label, c in arrays.items():
        if c.size != len(names):
            raise ValueError(f"{label}: {c.size} coefficients for {len(names)} names; pass one per feature.")
    rank_by = next((c for k, c in arrays.items() if "standard" in k), next(iter(arrays.values())))
    keep = np.sort(np.argsort(-np.abs(rank_by), kind="stable")[: max(1, int(top))])
    shown = [names[i] for i in keep]
    fig = make_subplots(rows=1, cols=len(arrays), subplot_titles=list(arrays), shared_yaxes=True)
    for col, c in enumerate(arrays.values(), start=1):
        v = c[keep]
        fig.add_trace(
            go.Bar(
                x=v,
                y=shown,
                orientation="h",
                showlegend=False,
                marker=dict(color=[POSITIVE_COLOUR if a >= 0 else NEGATIVE_COLOUR for a in v]),
                hovertemplate="%{y}: %{x:.4g}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(title_text="coefficient", zeroline=True, zerolinecolor=MARKER_COLOUR, row=1, col=col)
    height = min(1000, max(320, 90 + 30 * len(shown)))
    base_layout(fig, title="The same model fitted after each feature scaling", height=height)
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def gd_step_figures(
    x,
    y,
    path: GDPath,
    step: int,
    ols: tuple[float, float] | None = None,
    x_label: str = "x",
    y_label: str = "y",
) -> tuple[go.Figure, go.Figure]:
    """What one gradient-descent step shows: the line figure (with the least-squares line dotted, when
    given) and the loss figure. Legends sit under the plots so half-width charts keep their titles clear.
    """
    fig = gd_figure(x, y, path, step, x_label=x_label, y_label=y_label)
    if ols is not None:
        ends = np.array(fig.layout.xaxis.range, dtype=float)
        add_line(fig, ends, ols[0] * ends + ols[1], "least squares (closed form)", dash="dot")
    loss = gd_loss_figure(path, step)
    for f in (fig, loss):
        f.update_layout(
            legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0),
            margin=dict(b=120),
            height=480,
        )
    return fig, loss


def _gd_state(xs, ys, path: GDPath, s: int, line_x: np.ndarray) -> tuple[dict, dict, dict, dict, str]:
    """The four moving traces at step s (earlier lines, current line, point(s) used, loss marker) and the title."""
    earlier = np.unique(np.linspace(0, s - 1, min(s, 15)).round().astype(int)) if s > 0 else []
    ex, ey = [], []
    for t in earlier:
        ex += [line_x[0], line_x[1], None]
        ey += [path.w1[t] * line_x[0] + path.w2[t], path.w1[t] * line_x[1] + path.w2[t], None]
    w1, w2 = float(path.w1[s]), float(path.w2[s])
    used = path.points_at(s)[:200]
    loss = float(path.loss[s])
    sign = "−" if w2 < 0 else "+"
    title = f"Step {s}: y = {w1:.3g}·x {sign} {abs(w2):.3g}, MSE = {loss:.3g}"
    return (
        dict(x=ex, y=ey),
        dict(x=list(line_x), y=list(w1 * line_x + w2), name=f"step {s}"),
        dict(x=list(xs[used]), y=list(ys[used])),
        dict(x=[s], y=[loss if loss > 0 else None]),
        title,
    )


def _caption_trace(text: str, x: float, y: float) -> dict:
    """The step's equation written in the line panel: a text trace, so an animation frame can change it
    (a frame's layout title would not be redrawn in a no-redraw animation)."""
    return dict(x=[x], y=[y], text=[text], mode="text", textposition="bottom right", showlegend=False,
                hoverinfo="skip", textfont=dict(size=FONT_SIZE + 1, color=MARKER_COLOUR))  # fmt: skip


def gd_animation_figure(
    x,
    y,
    path: GDPath,
    step: int,
    ols: tuple[float, float] | None = None,
    x_label: str = "x",
    y_label: str = "y",
    n_frames: int = 60,
    frame_ms: int = 70,
) -> dict:
    """Gradient descent as ONE animated figure (a figure dict, frames included): the line (left) and the loss (right), with Play/Pause and
    a step slider that run in the browser from precomputed frames (no server round trip, no blank frame).

    It opens at `step`. Frames move only four small traces (earlier lines, current line, point(s) used,
    loss marker) with redraw off, so Plotly restyles them in place: at `frame_ms` = 70 about 14 frames a
    second. At most `n_frames` steps, evenly spaced, the last step always included.
    """
    from plotly.subplots import make_subplots

    xs, ys = _arr(x, "x"), _arr(y, "y")
    _same_length(xs, ys, "x", "y")
    step = int(min(max(int(step), 0), path.n_steps))
    x_range = _padded_range(xs, 0.05) or [0.0, 1.0]
    y_range = _padded_range(ys, 0.15) or [0.0, 1.0]
    line_x = np.array(x_range)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.09,
                        subplot_titles=("The line", "Loss during gradient descent"))  # fmt: skip
    fig.add_trace(_scatter(xs, ys, name="data", colour=TRAIN_COLOUR), row=1, col=1)  # 0
    if ols is not None:  # 1: the closed-form answer (static)
        fig.add_trace(go.Scatter(x=line_x, y=ols[0] * line_x + ols[1], mode="lines", name="least squares (closed form)",
                                 line=dict(color=MARKER_COLOUR, width=2, dash="dot")), row=1, col=1)  # fmt: skip
    else:
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", showlegend=False), row=1, col=1)
    steps = np.arange(path.loss.size)
    idx = even_indices(steps.size)
    loss = np.where(path.loss[idx] > 0, path.loss[idx], np.nan)
    fig.add_trace(go.Scatter(x=steps[idx], y=loss, mode="lines", name="loss (MSE)",
                             line=dict(color=TRAIN_COLOUR, width=3), showlegend=False), row=1, col=2)  # 2 fmt: skip
    earlier, current, used, marker, title = _gd_state(xs, ys, path, step, line_x)
    fig.add_trace(go.Scatter(mode="lines", name="earlier steps", hoverinfo="skip",
                             line=dict(color="rgba(120,120,120,0.35)", width=1.5), **earlier), row=1, col=1)  # 3 fmt: skip
    fig.add_trace(go.Scatter(mode="lines", line=dict(color=FIT_COLOUR, width=4), **current), row=1, col=1)  # 4
    fig.add_trace(go.Scatter(mode="markers", name="point(s) used", marker=dict(
        color=TEST_COLOUR, size=16, line=dict(color=MARKER_COLOUR, width=2)), **used), row=1, col=1)  # 5 fmt: skip
    fig.add_trace(go.Scatter(mode="markers", name="this step", showlegend=False, marker=dict(
        color=FIT_COLOUR, size=14, line=dict(color=MARKER_COLOUR, width=1)), **marker), row=1, col=2)  # 6 fmt: skip
    corner = (x_range[0], y_range[1])
    fig.add_trace(go.Scatter(**_caption_trace(title, *corner)), row=1, col=1)  # 7

    shown = np.unique(np.linspace(0, path.n_steps, min(n_frames, path.n_steps + 1)).round().astype(int))
    frames = []
    for s in shown:
        e, c, u, m, t = _gd_state(xs, ys, path, int(s), line_x)
        frames.append(dict(name=str(s), data=[{"type": "scatter", **d} for d in (e, c, u, m, _caption_trace(t, *corner))],
                           traces=[3, 4, 5, 6, 7]))  # fmt: skip
    play = dict(frame=dict(duration=frame_ms, redraw=False), transition=dict(duration=0), fromcurrent=False, mode="immediate")
    fig.update_layout(
        updatemenus=[dict(
            type="buttons", direction="left", x=0, y=-0.2, xanchor="left", yanchor="top", pad=dict(t=0, r=10),
            buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                     dict(label="❚❚ Pause", method="animate",
                          args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])],
        )],
        sliders=[dict(
            active=int(np.searchsorted(shown, step)) if step in shown else 0, x=0.16, y=-0.2, len=0.84,
            yanchor="top", pad=dict(t=0), currentvalue=dict(prefix="step ", font=dict(size=FONT_SIZE)),
            steps=[dict(label=str(s), method="animate",
                        args=[[str(s)], dict(frame=dict(duration=0, redraw=False), mode="immediate")]) for s in shown],
        )],
    )  # fmt: skip
    base_layout(fig, title=f"Gradient descent ({path.method}, α = {path.learning_rate:g}): the line and its loss",
                height=560)  # fmt: skip
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.08, x=0), margin=dict(t=110, b=140))
    fig.update_xaxes(title_text=x_label, range=x_range, row=1, col=1)
    fig.update_yaxes(title_text=y_label, range=y_range, row=1, col=1)
    fig.update_xaxes(title_text="step", range=[-0.02 * path.n_steps, path.n_steps * 1.02 + 0.5], row=1, col=2)
    finite = loss[np.isfinite(loss)]
    log = finite.size > 0 and finite.max() > 10 * finite.min()
    if log:
        lo, hi = np.log10(finite.min()), np.log10(finite.max())
        pad = 0.05 * (hi - lo)
        fig.update_yaxes(type="log", range=[lo - pad, hi + pad], dtick="D2", tickformat=".2g",
                         title_text="MSE on all points (log scale)", row=1, col=2)  # fmt: skip
    elif finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
        fig.update_yaxes(range=[lo - pad, hi + pad], tickformat=".3g", nticks=6, title_text="MSE on all points",
                         row=1, col=2)  # fmt: skip
    if path.diverged_at is not None:
        fig.add_vline(x=path.diverged_at, line=dict(color=POSITIVE_COLOUR, dash="dash"), row=1, col=2)
    # frames as plain dicts: validating 4 × 60 Scatter objects would cost most of a second per build
    out = fig.to_dict()
    out["frames"] = frames
    return out
