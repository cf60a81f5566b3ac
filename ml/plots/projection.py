"""Figures for the Dimensionality reduction page: pure builders, arrays in, go.Figure out.

Scree plot with the cumulative curve and the target line, loadings heatmap, biplot, embeddings
(2-D / 3-D, coloured by class or by a feature, WebGL past a few thousand points), image mosaics
(originals, reconstructions, eigen-images, NMF parts), reconstruction error and downstream
accuracy against the number of components, signal traces for the cocktail party, and the
Johnson-Lindenstrauss distance-ratio histogram.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ml.plots import FONT_SIZE, MARKER_COLOUR, MAX_POINTS, PALETTE, base_layout, class_colour
from ml.plots.curves import WEBGL_ABOVE, even_indices, thin_indices

TARGET_COLOUR = PALETTE[5]
HOVER_FEATURES = 6  # feature values shown when hovering a point


def scree_figure(ratio, target: float | None = None, k_target: int | None = None, k: int | None = None) -> go.Figure:
    """Explained variance ratio per component (bars) with the cumulative curve, the target line
    and the number of components it takes; the components past `k` (the chosen number) are faded.

    The target and k are layout marks (`scree_marks`), so a live chart moves them with one
    Plotly.relayout while the bars and the curve stay as they are."""
    ratio = np.asarray(ratio, float)
    comps = np.arange(1, len(ratio) + 1)
    cum = np.cumsum(ratio)
    fig = go.Figure()
    fig.add_bar(
        x=comps,
        y=ratio,
        name="per component",
        marker_color=PALETTE[0],
        hovertemplate="component %{x}<br>%{y:.1%} of the variance<extra></extra>",
    )
    fig.add_scatter(
        x=comps,
        y=cum,
        name="cumulative",
        mode="lines+markers" if len(comps) <= 60 else "lines",
        line=dict(color=PALETTE[1], width=3),
        hovertemplate="first %{x} components<br>%{y:.1%} of the variance<extra></extra>",
    )
    # shapes and annotations set in one layout update: add_hline/add_vline validate each (~0.1 s apiece)
    fig.update_layout(**scree_marks(len(ratio), target, k_target, k))
    base_layout(fig, x="number of components", y="explained variance ratio", height=380)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    fig.update_xaxes(range=[0.5, len(ratio) + 0.5])
    return fig


_FADE = "rgba(255,255,255,0.72)"  # laid over what the chosen k leaves out


def scree_marks(n: int, target: float | None = None, k_target: int | None = None, k: int | None = None) -> dict:
    """The scree plot's marks (strict JSON): a veil over the components past k with a labelled line at k,
    the target line labelled with the number of components it takes, and a dotted line at that number.

    Shapes only, their words as shape labels: a relayout of layout.shapes redraws the shapes alone
    (~2 ms in Chromium), while touching layout.annotations redraws the whole chart (~30-100 ms)."""
    shapes = []
    if k is not None and k < n:
        shapes.append(
            dict(type="rect", xref="x", x0=k + 0.5, x1=n + 0.5, yref="paper", y0=0, y1=1, layer="above",
                 fillcolor=_FADE, line=dict(width=0), name="past k")
        )  # fmt: skip
    if k is not None:
        shapes.append(
            dict(type="line", xref="x", x0=k + 0.5, x1=k + 0.5, yref="paper", y0=0, y1=1, name="k",
                 line=dict(color=PALETTE[0], width=2),
                 label=dict(text=f"k = {k}", textangle=0, textposition="end", xanchor="left", yanchor="top",
                            font=dict(size=FONT_SIZE - 1, color=PALETTE[0])))
        )  # fmt: skip
    if target is not None:
        text = f"target {target:.0%}" if k_target is None else f"{target:.0%} reached with {k_target}"
        shapes.append(
            dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=float(target), y1=float(target), name="target",
                 line=dict(color=TARGET_COLOUR, dash="dash", width=2),
                 label=dict(text=text, textposition="end", yanchor="top", font=dict(size=FONT_SIZE - 1, color=TARGET_COLOUR)))
        )  # fmt: skip
        if k_target is not None:
            shapes.append(
                dict(type="line", xref="x", x0=int(k_target), x1=int(k_target), yref="paper", y0=0, y1=1,
                     line=dict(color=TARGET_COLOUR, dash="dot", width=2), name="components for the target")
            )  # fmt: skip
    return {"shapes": shapes}


def loadings_marks(k: int, n_shown: int) -> dict:
    """The loadings heatmap's marks: a veil over the components past k (rows k+1 … n_shown) and an
    outline round the k kept, as layout shapes (strict JSON)."""
    shapes = [
        dict(type="rect", xref="paper", x0=0, x1=1, yref="y", y0=-0.5, y1=min(k, n_shown) - 0.5,
             line=dict(color=MARKER_COLOUR, width=2), name="kept")
    ]  # fmt: skip
    if k < n_shown:
        shapes.append(
            dict(type="rect", xref="paper", x0=0, x1=1, yref="y", y0=k - 0.5, y1=n_shown - 0.5, layer="above",
                 fillcolor=_FADE, line=dict(width=0), name="past k")
        )  # fmt: skip
    return {"shapes": shapes}


def loadings_figure(loadings, feature_names, max_features: int = 64) -> go.Figure:
    """The eigenvectors as a heatmap: components (rows) × features (columns), diverging colours."""
    L = np.asarray(loadings, float)[:, :max_features]
    names = [str(n) for n in feature_names][:max_features]
    m = float(np.abs(L).max()) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=L,
            x=names,
            y=np.arange(L.shape[0]),
            zmin=-m,
            zmax=m,
            colorscale="RdBu",
            reversescale=True,
            colorbar=dict(title="weight"),
            customdata=np.repeat(np.arange(1, L.shape[0] + 1)[:, None], L.shape[1], axis=1),
            hovertemplate="PC%{customdata} · %{x}<br>weight %{z:.3f}<extra></extra>",
        )
    )
    base_layout(fig, x="feature", y="component", height=max(260, 60 + 34 * L.shape[0]))
    # rows addressed by number (0 = PC1) so marks (`loadings_marks`) can outline them; labelled PC1, PC2, …
    rows = np.arange(L.shape[0])
    fig.update_yaxes(
        autorange="reversed", tickmode="array", tickvals=rows, ticktext=[f"PC{i + 1}" for i in rows], showgrid=False
    )
    if len(names) > 20:
        fig.update_xaxes(showticklabels=False)
    return fig


def _colour_traces(
    coords: list[np.ndarray],
    colour,
    colour_kind: str | None,
    class_names=(),
    colour_label: str = "",
    hover=None,
    size: int = 7,
) -> list:
    """Marker traces for 2-D or 3-D coords: one per class, or one with a colour bar."""
    three = len(coords) == 3
    n = len(coords[0])
    hover_text = None
    if isinstance(hover, np.ndarray) and hover.dtype == object:  # ready-made text (digit glyphs)
        hover_text = hover
    elif hover:
        names = list(hover)[:HOVER_FEATURES]
        hover_text = np.array(
            ["<br>".join(f"{nm} = {hover[nm][i]:.4g}" for nm in names) for i in range(n)], dtype=object
        )

    def trace(idx, name, marker, showlegend=True):
        big = len(idx) > WEBGL_ABOVE
        if three:
            cls = go.Scatter3d
        else:
            cls = go.Scattergl if big else go.Scatter
        kw = dict(mode="markers", name=name, marker=marker, showlegend=showlegend)
        axes = ("x", "y", "z")
        for a, c in zip(axes, coords, strict=False):
            kw[a] = c[idx]
        tpl = "<br>".join(f"{a} %{{{a}:.3g}}" for a in axes[: len(coords)])
        if hover_text is not None:
            kw["text"] = hover_text[idx]
            tpl += "<br>%{text}"
        kw["hovertemplate"] = f"{name}<br>{tpl}<extra></extra>"
        return cls(**kw)

    msize = size if n <= 500 else size - 2 if n <= WEBGL_ABOVE else max(size - 3, 3)
    if three:
        msize = max(msize - 3, 2)
    if colour is None or colour_kind is None:
        return [trace(np.arange(n), "rows", dict(color=PALETTE[0], size=msize), False)]
    colour = np.asarray(colour)
    if colour_kind == "class":
        out = []
        for code in np.unique(colour):
            idx = np.flatnonzero(colour == code)
            ci = int(code) if np.issubdtype(type(code), np.integer) else len(out)
            name = class_names[ci] if 0 <= ci < len(class_names) else str(code)
            symbol = ("circle", "diamond", "square", "x")[(ci // len(PALETTE)) % 4]  # > 8 classes: new shapes
            out.append(trace(idx, str(name), dict(color=class_colour(ci), size=msize, symbol=symbol)))
        return out
    marker = dict(
        color=colour.astype(float),
        colorscale="Viridis",
        size=msize,
        colorbar=dict(title=dict(text=colour_label), thickness=14),
    )
    return [trace(np.arange(n), colour_label or "value", marker, False)]


GLYPH_SHADES = "\u00a0░▒▓█"  # a no-break space: hover labels keep it


def glyphs(images) -> np.ndarray:
    """Each image (n, h, w) as text, one shade character per pixel (darker = more ink), for hover labels:
    the digit under the mouse, drawn in its hover box."""
    imgs = np.asarray(images, float)
    lo = imgs.min(axis=(1, 2), keepdims=True)
    span = np.maximum(imgs.max(axis=(1, 2), keepdims=True) - lo, 1e-12)
    level = np.clip(((imgs - lo) / span * (len(GLYPH_SHADES) - 1)).round().astype(int), 0, len(GLYPH_SHADES) - 1)
    chars = np.array(list(GLYPH_SHADES))[level]
    return np.array(["<br>".join("".join(row) for row in img) for img in chars], dtype=object)


def embedding_figure(
    embedding,
    colour=None,
    colour_kind: str | None = None,
    *,
    class_names=(),
    colour_label: str = "",
    hover=None,
    title: str = "",
    axis_prefix: str = "component",
    dims: int = 2,
    max_points: int = MAX_POINTS,
    seed: int = 0,
    height: int = 460,
) -> go.Figure:
    """The rows in the first 2 (or 3) embedding dimensions, coloured by class (`colour_kind="class"`)
    or by a continuous value; hover shows the coordinates and up to six feature values (`hover`
    a {feature: values} dict), or ready-made text per row (an object array, e.g. `glyphs`).

    More rows than `max_points`: a seeded subsample is drawn (said in the title). WebGL
    (Scattergl) past WEBGL_ABOVE points."""
    E = np.asarray(embedding, float)
    dims = min(dims, E.shape[1])
    idx = thin_indices(len(E), max_points, seed)
    coords = [E[idx, j] for j in range(dims)] if dims >= 2 else [E[idx, 0], np.zeros(len(idx))]
    col = None if colour is None else np.asarray(colour)[idx]
    if isinstance(hover, dict):
        hov = {k: np.asarray(v)[idx] for k, v in hover.items()}
    else:
        hov = None if hover is None else np.asarray(hover, dtype=object)[idx]
    fig = go.Figure(_colour_traces(coords, col, colour_kind, class_names, colour_label, hov))
    if hov is not None and not isinstance(hov, dict):
        fig.update_layout(hoverlabel=dict(font_family="monospace"))
    shown = f" ({len(idx):,} of {len(E):,} rows shown)" if len(idx) < len(E) else ""
    base_layout(fig, title=title + shown if title else "", height=height)
    if dims == 3:
        fig.update_layout(
            scene=dict(
                xaxis_title=f"{axis_prefix} 1", yaxis_title=f"{axis_prefix} 2", zaxis_title=f"{axis_prefix} 3"
            ),
            margin=dict(l=0, r=0, t=60 if title else 30, b=0),
        )
    else:
        fig.update_xaxes(title_text=f"{axis_prefix} 1")
        fig.update_yaxes(title_text=f"{axis_prefix} 2" if E.shape[1] > 1 else "")
    return fig


def biplot_figure(
    scores,
    arrows,
    feature_names,
    colour=None,
    colour_kind: str | None = None,
    *,
    class_names=(),
    colour_label: str = "",
    explained=(None, None),
    max_arrows: int = 8,
    max_points: int = MAX_POINTS,
) -> go.Figure:
    """Points on PC1-PC2 plus one arrow per feature (its loadings × √eigenvalue), the longest
    `max_arrows` of them, scaled to the cloud."""
    S = np.asarray(scores, float)[:, :2]
    fig = embedding_figure(
        S, colour, colour_kind, class_names=class_names, colour_label=colour_label, axis_prefix="PC",
        max_points=max_points,
    )  # fmt: skip
    for tr in fig.data:
        tr.marker.opacity = 0.55
    Ar = np.asarray(arrows, float)
    if Ar.shape[1] < 2:
        return fig
    length = np.hypot(Ar[:, 0], Ar[:, 1])
    order = np.argsort(length)[::-1][:max_arrows]
    scale = 0.9 * np.abs(S).max() / (length.max() or 1)
    for i in order:
        x, y = Ar[i] * scale
        fig.add_annotation(
            x=x, y=y, ax=0, ay=0, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
            arrowhead=2, arrowwidth=2, arrowcolor=MARKER_COLOUR, text="",
        )  # fmt: skip
        fig.add_annotation(
            x=x * 1.08, y=y * 1.08, text=str(feature_names[i]), showarrow=False,
            font=dict(size=FONT_SIZE - 2, color=MARKER_COLOUR), bgcolor="rgba(255,255,255,0.7)",
        )  # fmt: skip
    ex1, ex2 = explained
    fig.update_xaxes(title_text="PC1" + (f" ({ex1:.0%} of the variance)" if ex1 is not None else ""))
    fig.update_yaxes(title_text="PC2" + (f" ({ex2:.0%})" if ex2 is not None else ""))
    return fig


def image_mosaic(
    images,
    labels=(),
    *,
    rows: int = 1,
    diverging: bool = False,
    row_titles=(),
    title: str = "",
    height: int | None = None,
    name: str = "images",
) -> go.Figure:
    """Images (n, h, w) tiled into ONE heatmap, `rows` rows, one-pixel gaps; labels under each.

    One trace however many images, so a reconstruction-slider move sends one small array.
    `diverging` (eigen-images): a red-blue scale centred on 0; otherwise grey, ink dark."""
    imgs = np.asarray(images, float)
    n, h, w = imgs.shape
    cols = int(np.ceil(n / rows))
    gap = 1
    mosaic = mosaic_grid(imgs, rows)
    if diverging:
        m = float(np.nanmax(np.abs(mosaic))) or 1.0
        scale = dict(colorscale="RdBu", reversescale=True, zmin=-m, zmax=m)
    else:
        scale = dict(colorscale="Greys", zmin=float(np.nanmin(mosaic)), zmax=float(np.nanmax(mosaic)))
    fig = go.Figure(
        go.Heatmap(z=mosaic, showscale=False, name=name, hovertemplate="%{z:.2f}<extra></extra>", **scale)
    )
    base_layout(fig, title=title, height=height or int(70 + rows * 95 + (25 if labels else 0)))
    # labels and row titles as axis ticks, not annotations: a live chart (ui.live_plot) that gets new pixels
    # redraws annotations with the whole figure, ticks come with the axes (cheap)
    labels = [str(lab) for lab in list(labels)[:cols]]
    row_titles = [str(t) for t in list(row_titles)[:rows]]
    plain = dict(showgrid=False, zeroline=False, showline=False, ticks="", tickfont=dict(size=FONT_SIZE - 1))
    fig.update_xaxes(
        visible=bool(labels), tickmode="array", tickvals=[c * (w + gap) + (w - 1) / 2 for c in range(len(labels))],
        ticktext=labels, scaleanchor="y", constrain="domain", **plain,
    )  # fmt: skip
    fig.update_yaxes(
        visible=bool(row_titles), tickmode="array", tickvals=[r * (h + gap) + (h - 1) / 2 for r in range(len(row_titles))],
        ticktext=row_titles, autorange="reversed", **plain,
    )  # fmt: skip
    fig.update_layout(margin=dict(l=110 if row_titles else 10, r=10, t=50 if title else 10, b=30 if labels else 10))
    return fig


def mosaic_grid(images, rows: int = 1) -> np.ndarray:
    """Images (n, h, w) tiled into one array, `rows` rows, one-pixel NaN gaps (what `image_mosaic` draws)."""
    imgs = np.asarray(images, float)
    n, h, w = imgs.shape
    cols = int(np.ceil(n / rows))
    gap = 1
    mosaic = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for i in range(n):
        r, c = divmod(i, cols)
        mosaic[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = imgs[i]
    return mosaic


def error_curves_figure(curves: dict, k: int | None = None, *, y_title: str = "mean squared reconstruction error") -> go.Figure:
    """Reconstruction error against the number of components, one line per method ({label: (k, error)})."""
    fig = go.Figure()
    for i, (label, (ks, err)) in enumerate(curves.items()):
        ks, err = np.asarray(ks), np.asarray(err, float)
        idx = even_indices(len(ks), 2000)
        fig.add_scatter(
            x=ks[idx], y=err[idx], name=label, showlegend=True, mode="lines+markers" if len(idx) <= 70 else "lines",
            line=dict(color=PALETTE[i % len(PALETTE)], width=3),
            hovertemplate=f"{label}<br>k = %{{x}}<br>error %{{y:.4g}}<extra></extra>",
        )  # fmt: skip
    if k is not None:
        fig.add_vline(x=k, line=dict(color=MARKER_COLOUR, dash="dot", width=1.5))
    base_layout(fig, x="number of components k", y=y_title, height=360)
    fig.update_yaxes(rangemode="tozero")
    return fig


def accuracy_figure(curve: list[dict], classifier: str = "random forest") -> go.Figure:
    """Downstream test accuracy (and the variance kept) against the number of components."""
    ks = [c["k"] for c in curve]
    fig = go.Figure()
    fig.add_scatter(
        x=ks, y=[c["accuracy"] for c in curve], name=f"test accuracy ({classifier})", mode="lines+markers",
        line=dict(color=PALETTE[0], width=3), hovertemplate="k = %{x}<br>accuracy %{y:.3f}<extra></extra>",
    )  # fmt: skip
    fig.add_scatter(
        x=ks, y=[c["variance"] for c in curve], name="variance kept", mode="lines",
        line=dict(color=PALETTE[1], width=2, dash="dash"),
        hovertemplate="k = %{x}<br>%{y:.1%} of the variance<extra></extra>",
    )  # fmt: skip
    base_layout(fig, x="number of components k", y="accuracy / variance kept", height=360)
    fig.update_yaxes(range=[0, 1.02])
    return fig


def signals_figure(signals, names, sample_rate: int, *, window_s: float = 0.04, title: str = "", colours=None) -> go.Figure:
    """Signals (samples × k) stacked one per row, the first `window_s` seconds (a few periods)."""
    S = np.asarray(signals, float)
    n = min(len(S), max(int(window_s * sample_rate), 10))
    t = np.arange(n) / sample_rate * 1000
    k = S.shape[1]
    fig = make_subplots(rows=k, cols=1, shared_xaxes=True, vertical_spacing=0.04)
    for j in range(k):
        colour = (colours or PALETTE)[j % len(colours or PALETTE)]
        fig.add_scatter(
            x=t, y=S[:n, j], name=str(names[j]), mode="lines", line=dict(color=colour, width=2),
            row=j + 1, col=1, hovertemplate=f"{names[j]}<br>%{{x:.1f}} ms: %{{y:.3f}}<extra></extra>",
        )  # fmt: skip
    base_layout(fig, title=title, height=90 + 85 * k)
    fig.update_xaxes(title_text="time (ms)", row=k, col=1)
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(legend=dict(orientation="v", y=1, x=1.01, yanchor="top", xanchor="left"), margin=dict(r=130))
    return fig


def jl_figure(ratios, eps: float, *, k: int, k_min: int) -> go.Figure:
    """Histogram of squared-distance ratios (projected / original) with the 1 ± ε band."""
    r = np.asarray(ratios, float)
    inside = float(np.mean((r > 1 - eps) & (r < 1 + eps))) if len(r) else float("nan")
    fig = go.Figure(
        go.Histogram(
            x=r, nbinsx=60, name="pairs", marker_color=PALETTE[0],
            hovertemplate="ratio %{x}<br>%{y} pairs<extra></extra>",
        )
    )  # fmt: skip
    fig.add_vrect(x0=1 - eps, x1=1 + eps, fillcolor=PALETTE[2], opacity=0.15, line_width=0)
    for x in (1 - eps, 1 + eps):
        fig.add_vline(x=x, line=dict(color=PALETTE[2], dash="dash", width=2))
    fig.add_vline(x=1, line=dict(color=MARKER_COLOUR, width=1))
    base_layout(
        fig,
        title=f"{inside:.1%} of pairs within 1 ± ε (k = {k}, JL minimum {k_min:,})",
        x="squared distance ratio  ‖p(u) − p(v)‖² / ‖u − v‖²",
        y="pairs",
        height=380,
    )
    return fig


def jl_bound_figure(n_rows: int, eps_values, k_min, eps: float, n_features: int) -> go.Figure:
    """The JL minimum dimension against ε for the current number of rows, with the data's dimension."""
    fig = go.Figure()
    fig.add_scatter(
        x=list(eps_values), y=list(k_min), mode="lines", name=f"JL minimum for {n_rows:,} rows",
        line=dict(color=PALETTE[0], width=3), hovertemplate="ε = %{x:.2f}<br>k ≥ %{y:,}<extra></extra>",
    )  # fmt: skip
    fig.add_hline(y=n_features, line=dict(color=PALETTE[5], dash="dash", width=2))
    fig.add_annotation(
        x=max(eps_values), y=np.log10(n_features), yref="y", text=f"data has {n_features:,} features",
        showarrow=False, xanchor="right", yanchor="bottom", font=dict(color=PALETTE[5]),
    )  # fmt: skip
    fig.add_vline(x=eps, line=dict(color=MARKER_COLOUR, dash="dot", width=1.5))
    base_layout(fig, x="ε (allowed distortion)", y="minimum dimension k", height=340)
    fig.update_yaxes(type="log", dtick=1)
    return fig
