"""Clustering figures: clusters in 2-D, Lloyd and EM step-throughs (Plotly frames: the step slider and
Play run in the browser), dendrogram with its cut, k-distance, elbow, silhouette, BIC/AIC, profiles.

Pure functions: arrays in, `go.Figure` out. Cluster c is drawn in `cluster_colour(c)` everywhere
(scatter, dendrogram branches, profiles), noise in grey.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ml.plots import FONT_SIZE, MARKER_COLOUR, MAX_POINTS, PALETTE, base_layout
from ml.plots.curves import even_indices, thin_indices

# Okabe-Ito first (the project's class colours, black left out: it marks centroids), then Paul Tol's
# muted set for k > 7; beyond that colours repeat with another marker symbol.
CLUSTER_PALETTE = (
    *PALETTE[:7],
    "#332288",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#117733",
    "#661100",
    "#6699CC",
)
NOISE_COLOUR = "#B0B0B0"
ABOVE_CUT_COLOUR = "#7F7F7F"
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "star")
MAX_LEGEND = 50
STEP_WORDS = {
    "init": "place the centroids",
    "assign": "assign each point to its closest centroid",
    "move": "move each centroid to the mean of its points",
}
EM_WORDS = {
    "init": "initialise from k-means (points coloured by its clusters)",
    "E": "E-step: each point's membership probabilities (opacity = the largest)",
    "M": "M-step: new weighted means, covariances and weights",
}


def cluster_colour(label: int) -> str:
    return NOISE_COLOUR if label < 0 else CLUSTER_PALETTE[int(label) % len(CLUSTER_PALETTE)]


def cluster_symbol(label: int) -> str:
    return "x" if label < 0 else SYMBOLS[(int(label) // len(CLUSTER_PALETTE)) % len(SYMBOLS)]


def colours(labels) -> list[str]:
    return [cluster_colour(int(v)) for v in np.asarray(labels)]


def _discrete_scale() -> list:
    """A colour scale giving code -1 the noise grey and code c the colour of cluster c (c < palette)."""
    cols = [NOISE_COLOUR, *CLUSTER_PALETTE]
    n = len(cols)
    out = []
    for i, c in enumerate(cols):
        out += [[i / n, c], [(i + 1) / n, c]]
    return out


DISCRETE_SCALE = _discrete_scale()


def coded_marker(labels, **marker) -> dict:
    """Marker colours as small integer codes on DISCRETE_SCALE (a few bytes a point in the figure's
    JSON, instead of a colour string per point per animation frame)."""
    labels = np.asarray(labels)
    codes = np.where(labels < 0, -1, labels % len(CLUSTER_PALETTE)).astype(np.int8)
    return dict(
        color=codes,
        colorscale=DISCRETE_SCALE,
        cmin=-1.5,
        cmax=len(CLUSTER_PALETTE) - 0.5,
        showscale=False,
        **marker,
    )


def ellipse_xy(mean, cov, n_sigma: float = 1.0, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """Points of the ellipse at Mahalanobis distance `n_sigma` around `mean` for a 2×2 `cov`."""
    vals, vecs = np.linalg.eigh(np.asarray(cov, dtype=float))
    vals = np.clip(vals, 0, None)
    t = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])
    pts = vecs @ (np.sqrt(vals)[:, None] * n_sigma * circle)
    return pts[0] + mean[0], pts[1] + mean[1]


def _scatter_cls(n: int):
    return go.Scattergl if n > 2000 else go.Scatter


def clusters_figure(
    coords,
    labels,
    *,
    x_title: str,
    y_title: str,
    title: str = "",
    names: dict | None = None,
    kinds=None,
    opacity=None,
    centroids=None,
    ellipses=None,
    height: int = 520,
    seed: int = 0,
) -> go.Figure:
    """The points coloured by cluster (one legend entry per cluster, at most MAX_LEGEND).

    kinds: DBSCAN's 0 core / 1 border / 2 noise (core big, border small and hollow, noise grey x).
    opacity: per-point opacity (a mixture's largest responsibility). centroids: a list of
    as (label, x, y) each. ellipses: list of (label, mean2, cov2) drawn at 1σ and 2σ.
    """
    coords = np.asarray(coords, dtype=float)
    labels = np.asarray(labels)
    idx = thin_indices(len(labels), MAX_POINTS, seed)
    coords, labels = coords[idx], labels[idx]
    kinds = None if kinds is None else np.asarray(kinds)[idx]
    opacity = None if opacity is None else np.asarray(opacity, dtype=float)[idx]
    fig = go.Figure()
    ids = np.unique(labels)
    sizes = {c: int((labels == c).sum()) for c in ids}
    legend_ids = set(sorted((c for c in ids if c >= 0), key=lambda c: -sizes[c])[:MAX_LEGEND])
    cls = _scatter_cls(len(labels))
    for c in sorted(ids, key=lambda v: (v < 0, v)):
        m = labels == c
        name = (names or {}).get(int(c)) or ("noise" if c < 0 else f"cluster {c}")
        groups = [(m, None)]
        if kinds is not None and c >= 0:
            groups = [(m & (kinds == 0), "core"), (m & (kinds == 1), "border")]
        for gm, kind in groups:
            if not gm.any():
                continue
            marker = dict(
                color=cluster_colour(c), symbol=cluster_symbol(c), size=8 if len(labels) <= 1000 else 5
            )
            if kind == "border":
                marker.update(size=marker["size"] - 2, symbol="circle-open", line=dict(width=2))
            if opacity is not None:
                marker["opacity"] = np.clip(opacity[gm], 0.15, 1.0)
            fig.add_trace(
                cls(
                    x=coords[gm, 0],
                    y=coords[gm, 1],
                    mode="markers",
                    name=f"{name} ({kind})" if kind else f"{name} ({sizes[c]:,})",
                    legendgroup=name,
                    showlegend=bool(c < 0 or c in legend_ids),
                    marker=marker,
                    hovertemplate=f"{name}{' · ' + kind if kind else ''}<br>%{{x:.3g}}, %{{y:.3g}}<extra></extra>",
                )
            )
    if ellipses:
        for label, mean, cov in ellipses:
            for k_sigma, dash in ((1, "solid"), (2, "dot")):
                ex, ey = ellipse_xy(mean, cov, k_sigma)
                fig.add_trace(
                    go.Scatter(
                        x=ex, y=ey, mode="lines", line=dict(color=cluster_colour(label), width=2, dash=dash),
                        name=f"{k_sigma}σ", legendgroup=f"{k_sigma}σ", showlegend=bool(label == ellipses[0][0]),
                        hoverinfo="skip",
                    )
                )  # fmt: skip
    if centroids:
        fig.add_trace(
            go.Scatter(
                x=[c[1] for c in centroids],
                y=[c[2] for c in centroids],
                mode="markers",
                name="centroids",
                marker=dict(
                    symbol="x",
                    size=16,
                    color=[cluster_colour(c[0]) for c in centroids],
                    line=dict(color="#000000", width=2),
                ),  # fmt: skip
                hovertemplate="centroid<br>%{x:.3g}, %{y:.3g}<extra></extra>",
            )
        )
    base_layout(fig, title=title, x=x_title, y=y_title, height=height)
    fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, xanchor="left", yanchor="top"))
    if len([c for c in ids if c >= 0]) > MAX_LEGEND:
        fig.add_annotation(
            text=f"{len(ids)} clusters: the legend lists the {MAX_LEGEND} largest",
            xref="paper", yref="paper", x=1, y=0, xanchor="right", yanchor="bottom", showarrow=False,
        )  # fmt: skip
    return fig


def step_indices(n_steps: int, max_frames: int = 60) -> np.ndarray:
    """The steps given a frame: all of them, or the first ten, evenly spaced ones and the last."""
    if n_steps <= max_frames:
        return np.arange(n_steps)
    head = np.arange(min(10, max_frames // 2))
    rest = np.linspace(head[-1] + 1, n_steps - 1, max_frames - len(head)).round().astype(int)
    return np.unique(np.concatenate([head, rest]))


def _animation_controls(fig: go.Figure) -> None:
    """▶ Play and ❚❚ under the chart: Plotly frames in the browser, without a redraw (a frame moves only the
    traces it names, ~30 ms for 1,000 points instead of ~70 ms for a redraw). The step slider is the page's
    own live slider (ui.clustering.steps_view), which follows Play."""
    fig.update_layout(
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                y=0,
                xanchor="left",
                yanchor="top",
                pad=dict(t=60, r=10),
                showactive=False,
                buttons=[
                    dict(
                        label="▶ Play",
                        method="animate",
                        args=[None, dict(frame=dict(duration=600, redraw=False), transition=dict(duration=0), fromcurrent=False, mode="immediate")],
                    ),
                    dict(
                        label="❚❚",
                        method="animate",
                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))],
                    ),
                ],
            )
        ],
    )  # fmt: skip


def lloyd_figure(
    coords,
    centroids2d,
    labels,
    inertia,
    kinds,
    *,
    x_title: str,
    y_title: str,
    centre_labels=None,
    max_frames: int = 60,
    height: int = 560,
) -> go.Figure:
    """k-means step by step. Left: the points (coloured once assigned), the centroids and each
    centroid's path so far; right: inertia per step. A slider and Play run through the frames in the
    browser; the figure opens at the last step.

    coords (n, 2) shown points; centroids2d (steps, k, 2) or None (non-linear view); labels (steps, n)
    with -1 = not assigned yet; inertia (steps,) NaN at step 0; kinds per step ("init", "assign", "move");
    centre_labels: the cluster number (colour) of each centroid, default 0..k-1.
    """
    coords = np.asarray(coords, dtype=float)
    labels = np.asarray(labels)
    inertia = np.asarray(inertia, dtype=float)
    n_steps = len(kinds)
    k = 0 if centroids2d is None else np.asarray(centroids2d).shape[1]
    cl = list(range(k)) if centre_labels is None else [int(v) for v in centre_labels]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.66, 0.34], horizontal_spacing=0.1)
    steps = step_indices(n_steps, max_frames)

    def traces(s: int) -> list:
        out = [
            go.Scatter(
                x=coords[:, 0], y=coords[:, 1], mode="markers", name="points", showlegend=False,
                marker=coded_marker(labels[s], size=7 if len(coords) <= 1000 else 5),
                hovertemplate="%{x:.3g}, %{y:.3g}<extra></extra>",
            )
        ]  # fmt: skip
        if k:
            C = np.asarray(centroids2d)
            for c in range(k):
                out.append(
                    go.Scatter(
                        x=C[: s + 1, c, 0], y=C[: s + 1, c, 1], mode="lines", showlegend=False,
                        line=dict(color=cluster_colour(cl[c]), width=2), hoverinfo="skip",
                    )
                )  # fmt: skip
            out.append(
                go.Scatter(
                    x=C[s, :, 0], y=C[s, :, 1], mode="markers", name="centroids", showlegend=False,
                    marker=dict(symbol="x", size=18, color=[cluster_colour(v) for v in cl], line=dict(color="#000", width=2)),
                    hovertemplate="centroid<br>%{x:.3g}, %{y:.3g}<extra></extra>",
                )
            )  # fmt: skip
        out.append(
            go.Scatter(
                x=[s], y=[inertia[s] if np.isfinite(inertia[s]) else None], mode="markers", showlegend=False,
                marker=dict(size=14, color=PALETTE[5], symbol="circle"), hovertemplate="step %{x}: inertia %{y:.4g}<extra></extra>",
            )
        )  # fmt: skip
        return out

    return _stepper(
        fig, traces, steps, kinds, STEP_WORDS, curve=inertia, curve_name="inertia", curve_fmt=".4g",
        curve_title="inertia (sum of squared distances)", x_title=x_title, y_title=y_title, height=height,
    )  # fmt: skip


def em_figure(
    coords,
    means2d,
    covs2d,
    labels,
    max_resp,
    log_likelihood,
    kinds,
    *,
    x_title: str,
    y_title: str,
    centre_labels=None,
    max_frames: int = 60,
    height: int = 560,
) -> go.Figure:
    """EM step by step. Left: points coloured by their most likely component, opacity = that
    probability, and each Gaussian's 1σ and 2σ ellipses (when the view is linear); right: the mean
    log-likelihood per point at each step."""
    coords = np.asarray(coords, dtype=float)
    labels = np.asarray(labels)
    ll = np.asarray(log_likelihood, dtype=float)
    n_steps = len(kinds)
    k = 0 if means2d is None else np.asarray(means2d).shape[1]
    cl = list(range(k)) if centre_labels is None else [int(v) for v in centre_labels]
    steps = step_indices(n_steps, max_frames)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.66, 0.34], horizontal_spacing=0.1)

    def traces(s: int) -> list:
        out = [
            go.Scatter(
                x=coords[:, 0], y=coords[:, 1], mode="markers", showlegend=False, name="points",
                marker=coded_marker(labels[s], opacity=np.clip(np.asarray(max_resp[s], np.float32), 0.15, 1.0),
                                    size=7 if len(coords) <= 1000 else 5),
                hovertemplate="%{x:.3g}, %{y:.3g}<extra></extra>",
            )
        ]  # fmt: skip
        if k:
            M, S = np.asarray(means2d), np.asarray(covs2d)
            for c in range(k):
                for n_sigma, dash in ((1, "solid"), (2, "dot")):
                    ex, ey = ellipse_xy(M[s, c], S[s, c], n_sigma)
                    out.append(
                        go.Scatter(
                            x=ex, y=ey, mode="lines", showlegend=False, hoverinfo="skip",
                            line=dict(color=cluster_colour(cl[c]), width=2.5 if n_sigma == 1 else 1.5, dash=dash),
                        )
                    )  # fmt: skip
            out.append(
                go.Scatter(
                    x=M[s, :, 0], y=M[s, :, 1], mode="markers", showlegend=False, name="means",
                    marker=dict(symbol="x", size=16, color=[cluster_colour(v) for v in cl], line=dict(color="#000", width=2)),
                    hovertemplate="mean<br>%{x:.3g}, %{y:.3g}<extra></extra>",
                )
            )  # fmt: skip
        out.append(
            go.Scatter(
                x=[s], y=[ll[s]], mode="markers", showlegend=False, marker=dict(size=14, color=PALETTE[5]),
                hovertemplate="step %{x}: log-likelihood %{y:.5g}<extra></extra>",
            )
        )  # fmt: skip
        return out

    return _stepper(
        fig, traces, steps, kinds, EM_WORDS, curve=ll, curve_name="log-likelihood", curve_fmt=".5g",
        curve_title="mean log-likelihood per point", x_title=x_title, y_title=y_title, height=height,
    )  # fmt: skip


def _stepper(
    fig, traces, steps, kinds, words, *, curve, curve_name, curve_fmt, curve_title, x_title, y_title, height
) -> go.Figure:
    """The step-through both algorithms share: `traces(step)` on the left (its last trace, the current
    step's marker, goes on the right beside the per-step `curve`), one Plotly frame per shown step, a
    slider and Play; the figure opens at the last step."""
    n_steps, last = len(kinds), int(steps[-1])
    first = traces(last)
    n_left = len(first) - 1
    for tr in first[:n_left]:
        fig.add_trace(tr, row=1, col=1)
    hover = [f"step {i}: {kinds[i]}" for i in range(n_steps)]
    fig.add_trace(
        go.Scatter(
            x=np.arange(n_steps), y=curve, mode="lines+markers", name=curve_name, showlegend=False,
            line=dict(color=PALETTE[0], width=2), marker=dict(size=6), text=hover,
            hovertemplate=f"%{{text}}<br>{curve_name} %{{y:{curve_fmt}}}<extra></extra>",
        ),
        row=1, col=2,
    )  # fmt: skip
    fig.add_trace(first[-1], row=1, col=2)
    # the step's words as a text trace at the top of the points panel: frames change it without a redraw
    # (a frame's layout title is only redrawn by a full redraw)
    xs = np.concatenate([np.asarray(t.x, dtype=float) for t in first[:n_left] if t.x is not None and len(t.x)])
    ys = np.concatenate([np.asarray(t.y, dtype=float) for t in first[:n_left] if t.y is not None and len(t.y)])
    x_range, y_range = _padded(xs, 0.04), _padded(ys, 0.04)
    y_range[1] += 0.14 * (y_range[1] - y_range[0])  # room for the caption above the points

    def caption(s: int) -> go.Scatter:
        return go.Scatter(
            x=[x_range[0] + 0.03 * (x_range[1] - x_range[0])], y=[y_range[1]], text=[step_title(s, n_steps, kinds, words)], mode="text",
            textposition="bottom right", showlegend=False, hoverinfo="skip",
            textfont=dict(size=FONT_SIZE + 1, color=MARKER_COLOUR),
        )  # fmt: skip

    fig.add_trace(caption(last), row=1, col=1)
    moving = list(range(n_left)) + [n_left + 1, n_left + 2]
    fig.frames = [go.Frame(name=str(s), data=[*traces(int(s)), caption(int(s))], traces=moving) for s in steps]
    base_layout(fig, height=height)
    fig.update_xaxes(title_text=x_title, range=x_range, row=1, col=1)
    fig.update_yaxes(title_text=y_title, range=y_range, row=1, col=1)
    fig.update_xaxes(title_text="step", row=1, col=2)
    fig.update_yaxes(title_text=curve_title, row=1, col=2)
    _animation_controls(fig)
    return fig


def step_title(s: int, n_steps: int, kinds, words: dict) -> str:
    """What step `s` of a step-through does, in the notes' words."""
    return f"Step {s} of {n_steps - 1}: {words.get(kinds[s], kinds[s])}"


def _padded(values: np.ndarray, pad: float) -> list[float]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return [0.0, 1.0]
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return [lo - pad * span, hi + pad * span]


def dendrogram_figure(
    layout, node_labels, cut_height: float, n_clusters: int, *, height: int = 460
) -> go.Figure:
    """The dendrogram (merge height up the y axis), branches below the cut in their cluster's
    colour, merges above it grey, and the cut as a dashed line. `layout` is an
    `ml.clustering.DendrogramLayout`; `node_labels` the cluster of every tree node (-1 above the cut).

    Built from the live chart's parts: `dendrogram_base` (one grey line trace per group of merges),
    `dendrogram_colours` (each group's colour under this cut) and `dendrogram_marks` (the cut line)."""
    groups = dendrogram_groups(layout, node_labels)
    fig = dendrogram_base(layout, groups, height=height)
    apply_restyle(fig, dendrogram_colours(layout, groups, node_labels))
    fig.update_layout(**dendrogram_marks(layout, cut_height, n_clusters))
    return fig


def dendrogram_groups(layout, group_labels) -> list[np.ndarray]:
    """The drawn merges in groups that one cut colours alike: merges under the same node of a finer
    cut (`group_labels`: the label of every tree node under that cut, −1 above it) form one group,
    every merge above it is a group of its own. Any coarser cut then gives each group one colour."""
    lab = np.asarray(group_labels)[layout.nodes]
    groups = [np.flatnonzero(lab == c) for c in np.unique(lab[lab >= 0])]
    return groups + [np.array([i]) for i in np.flatnonzero(lab < 0)]


def dendrogram_base(layout, groups: list[np.ndarray], children=None, *, height: int = 460) -> go.Figure:
    """What does not move with the cut: the branches, one grey line trace per group of merges
    (`dendrogram_groups`), titled axes and, when the tree is truncated, a dot per subtree (last trace).

    children: the two child node ids of each drawn merge (the linkage matrix's first columns); with
    them each group is drawn as one unbroken line (a walk round its subtree), so recolouring it is one
    SVG path instead of one per merge."""
    fig = go.Figure()
    n_leaves = len(layout.leaf_nodes)
    width = 1.5 if len(layout.nodes) > 300 else 2.5
    for rows in groups:
        if children is not None:
            xs, ys = _walk(layout, np.asarray(children), rows)
        else:
            xs = np.column_stack([layout.xs[rows], np.full(len(rows), np.nan)]).ravel()
            ys = np.column_stack([layout.ys[rows], np.full(len(rows), np.nan)]).ravel()
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", connectgaps=False, line=dict(color=ABOVE_CUT_COLOUR, width=width),
                showlegend=False, hoverinfo="skip",
            )
        )  # fmt: skip
    if layout.truncated:
        fig.add_trace(
            go.Scatter(
                x=np.arange(n_leaves), y=np.zeros(n_leaves), mode="markers",
                marker=dict(size=np.clip(4 + 2 * np.log2(layout.leaf_size), 4, 18), color=ABOVE_CUT_COLOUR),
                text=[f"{s:,} points" for s in layout.leaf_size], name="subtrees", showlegend=False,
                hovertemplate="%{text}<extra></extra>",
            )
        )  # fmt: skip
    top = float(np.nanmax(layout.ys)) if layout.ys.size else 1.0
    base_layout(
        fig,
        title=dendrogram_title(layout),
        x="points, in merge order",
        y="merge height (linkage distance)",
        height=height,
    )
    fig.update_layout(showlegend=False)
    fig.update_xaxes(
        showticklabels=False, showgrid=False, zeroline=False, range=[-0.5, max(n_leaves - 0.5, 0.5)]
    )
    # the cut height slider reaches 1.05 × the top merge: the axis holds it without a rescale
    fig.update_yaxes(range=[0, (top or 1.0) * 1.1])
    return fig


def _walk(layout, children: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One polyline through every merge in `rows` (a subtree, or a single merge): down and up each
    branch, so each ∩ is drawn (twice over itself) without a break. Iterative (deep chains of single
    linkage would overflow recursion)."""
    rows = np.asarray(rows)
    nodes = layout.nodes[rows]
    where = {int(v): int(r) for v, r in zip(nodes, rows, strict=True)}
    inner = set(children[rows].ravel().tolist())
    root = next(int(v) for v in nodes if int(v) not in inner)
    out: list[tuple[float, float]] = []
    stack: list = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            out.append(item)
            continue
        r = where[item]
        xa, xb, h = float(layout.xs[r, 0]), float(layout.xs[r, 3]), float(layout.ys[r, 1])
        a, b = (int(c) for c in children[r])
        top = ((xa + xb) / 2, h)
        down_a = a if a in where else (xa, float(layout.ys[r, 0]))
        down_b = b if b in where else (xb, float(layout.ys[r, 3]))
        stack.extend(reversed([top, (xa, h), down_a, (xa, h), (xb, h), down_b, (xb, h), top]))
    xy = np.asarray(out)
    keep = np.concatenate([[True], np.any(np.diff(xy, axis=0) != 0, axis=1)])  # no repeated points
    return xy[keep, 0], xy[keep, 1]


def dendrogram_colours(layout, groups: list[np.ndarray], node_labels) -> list:
    """The restyle (`ui.live_plot`) that colours `dendrogram_base`'s groups for one cut: each group in
    its cluster's colour (grey above the cut), and the subtree dots of a truncated tree."""
    lab = np.asarray(node_labels)[layout.nodes]
    line = [ABOVE_CUT_COLOUR if lab[rows[0]] < 0 else cluster_colour(int(lab[rows[0]])) for rows in groups]
    out = [[{"line.color": line}, list(range(len(groups)))]]
    if layout.truncated:
        leaf = np.asarray(node_labels)[layout.leaf_nodes]
        dots = [ABOVE_CUT_COLOUR if c < 0 else cluster_colour(int(c)) for c in leaf]
        out.append([{"marker.color": [dots]}, [len(groups)]])
    return out


def apply_restyle(fig: go.Figure, restyle: list) -> go.Figure:
    """Apply `[[update, traces], ...]` to `fig` as Plotly.restyle does in the browser (one value per
    trace; dotted attribute paths)."""
    for update, traces in restyle:
        for attr, values in update.items():
            for value, i in zip(values, traces, strict=True):
                fig.data[i].update({attr.replace(".", "_"): value})
    return fig


def dendrogram_title(layout) -> str:
    title = "Dendrogram"
    if layout.truncated:
        title += f" (last {len(layout.nodes)} merges of {layout.n_rows - 1:,}; a dot is a subtree)"
    return title


def dendrogram_marks(layout, cut_height: float, n_clusters: int) -> dict:
    """What moves with the cut besides the colours, as a layout mark: the dashed cut line, labelled
    with the number of clusters. (A shape label, not an annotation or a legend: text marks of those
    kinds make Plotly redraw every branch.)"""
    cut = float(cut_height)
    text = f"cut: {n_clusters} cluster{'s' if n_clusters != 1 else ''}"
    line = dict(type="line", xref="x domain", yref="y", x0=0, x1=1, y0=cut, y1=cut, name="cut",
                line=dict(color="#000000", dash="dash", width=2),
                label=dict(text=text, textposition="end", xanchor="right", yanchor="bottom", padding=4))  # fmt: skip
    return {"shapes": [line]}


def points_figure(
    coords, *, x_title: str, y_title: str, height: int = 520, seed: int = 0, groups: list | None = None
) -> go.Figure:
    """The shown points, uncoloured: `point_colours` (one trace, a colour per point) or `group_colours`
    (one trace per group of points that always share a colour, e.g. the subtrees of a fine cut of a
    dendrogram: a scalar colour each) colour them by cluster with a restyle in the browser, and
    `title_marks` / `centroid_marks` add the title and centroids (layout marks), so a new k or cut never
    sends the points again; `legend_items` is their colour key."""
    coords = np.asarray(coords, dtype=float)
    size = 8 if len(coords) <= 1000 else 5
    fig = go.Figure()
    if groups is None:
        coords = coords[thin_indices(len(coords), MAX_POINTS, seed)]
        fig.add_trace(
            _scatter_cls(len(coords))(
                x=coords[:, 0], y=coords[:, 1], mode="markers", name="points", showlegend=False,
                marker=coded_marker(np.full(len(coords), -1), size=size),
                hovertemplate="%{x:.3g}, %{y:.3g}<extra></extra>",
            )
        )  # fmt: skip
    else:
        cls = _scatter_cls(len(coords))
        for rows in groups:
            fig.add_trace(
                cls(
                    x=coords[rows, 0], y=coords[rows, 1], mode="markers", name="points", showlegend=False,
                    marker=dict(color=NOISE_COLOUR, size=size), hovertemplate="%{x:.3g}, %{y:.3g}<extra></extra>",
                )
            )  # fmt: skip
    base_layout(fig, title=" ", x=x_title, y=y_title, height=height)
    fig.update_layout(showlegend=False)
    return fig


def colour_codes(labels) -> np.ndarray:
    """The palette slot of each label (−1: noise or above the cut): labels that share a colour share a code."""
    labels = np.asarray(labels)
    return np.where(labels < 0, -1, labels % len(CLUSTER_PALETTE)).astype(int)


def group_colours(labels) -> list:
    """The restyle colouring `points_figure(groups=...)`'s traces: trace i in cluster `labels[i]`'s colour."""
    return [[{"marker.color": [cluster_colour(int(c)) for c in labels]}, list(range(len(labels)))]]


def point_paint(labels, seed: int = 0, trace: int = 0) -> dict:
    """`points_figure`'s points coloured by `labels` as a live chart paints them (ui.live_plot "paint": each
    SVG point's fill set directly, ~1 ms for 1,000 points where a Plotly restyle takes ~50 ms): the points'
    palette codes (the same as `point_colours`) and each code's colour."""
    labels = np.asarray(labels)
    labels = labels[thin_indices(len(labels), MAX_POINTS, seed)]
    codes = np.where(labels < 0, -1, labels % len(CLUSTER_PALETTE)).astype(int)
    return {"trace": trace, "codes": codes.tolist(), "colours": {str(c): cluster_colour(int(c)) for c in np.unique(codes)}}


def point_colours(labels, seed: int = 0) -> list:
    """The restyle colouring `points_figure`'s points by `labels` (codes on DISCRETE_SCALE)."""
    labels = np.asarray(labels)
    labels = labels[thin_indices(len(labels), MAX_POINTS, seed)]
    codes = np.where(labels < 0, -1, labels % len(CLUSTER_PALETTE)).astype(int)
    return [[{"marker.color": [codes.tolist()]}, [0]]]


def legend_items(labels, names: dict | None = None) -> list[tuple[str, str, int]]:
    """(name, colour, size) of each cluster in `labels`, noise last, at most the MAX_LEGEND largest:
    the colour key drawn beside `points_figure` (outside the chart, so a new k or cut is no redraw)."""
    ids, counts = np.unique(np.asarray(labels), return_counts=True)
    sizes = dict(zip(ids.tolist(), counts.tolist(), strict=True))
    shown = set(sorted((c for c in sizes if c >= 0), key=lambda c: -sizes[c])[:MAX_LEGEND])
    return [
        ((names or {}).get(int(c)) or ("noise" if c < 0 else f"cluster {c}"), cluster_colour(c), sizes[c])
        for c in sorted(sizes, key=lambda v: (v < 0, v))
        if c < 0 or c in shown
    ]


def title_marks(title: str) -> dict:
    """The chart's title as a layout mark."""
    return {"title": dict(text=title, font=dict(size=FONT_SIZE + 3))}


def centroid_marks(centroids) -> list[dict]:
    """Centroids as layout shapes: a black ✕ under a coloured one, 16 px
    wide at each (label, x, y), so moving them is a relayout."""
    out = []
    for label, x, y in centroids:
        for colour, width in (("#000000", 6), (cluster_colour(int(label)), 3)):
            out.append(
                dict(type="path", xsizemode="pixel", ysizemode="pixel", xanchor=float(x), yanchor=float(y),
                     xref="x", yref="y", path="M-8,-8L8,8M-8,8L8,-8", name=f"centroid {label}",
                     line=dict(color=colour, width=width), layer="above")
            )  # fmt: skip
    return out


def kdistance_figure(
    distances, k: int, eps: float | None, knee_eps: float, core_fraction: float = 0.0, *, height: int = 380
) -> go.Figure:
    """Sorted k-distance curve: each point's distance to its (MinPts − 1)-th nearest neighbour. Points
    under the eps line are core points; the knee suggests eps. eps None: no eps line (`eps_marks`)."""
    d = np.asarray(distances, dtype=float)
    idx = even_indices(len(d), MAX_POINTS)
    fig = go.Figure(
        go.Scatter(
            x=idx, y=d[idx], mode="lines", line=dict(color=PALETTE[0], width=3), name=f"{k}-distance",
            hovertemplate="%{x} points have a k-distance up to %{y:.3g}<extra></extra>",
        )
    )  # fmt: skip
    knee_at = int(np.searchsorted(d, knee_eps))
    fig.add_trace(
        go.Scatter(
            x=[min(knee_at, len(d) - 1)], y=[knee_eps], mode="markers", name=f"knee: eps ≈ {knee_eps:.3g}",
            marker=dict(size=14, color=PALETTE[1], line=dict(color="#000", width=1)),
        )
    )  # fmt: skip
    if eps is not None:
        fig.update_layout(**eps_marks(eps, core_fraction))
    base_layout(
        fig, title=f"k-distance plot (k = MinPts = {k})", x="points sorted by k-distance",
        y=f"distance to the {_ordinal(k - 1)} nearest neighbour" if k > 1 else "distance", height=height,
    )  # fmt: skip
    _legend_inside(fig, left=True)
    return fig


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _mark_current(fig: go.Figure, x, label: str) -> None:
    fig.update_layout(**current_marks(x, label))


def current_marks(x, label: str | None = None) -> dict:
    """Layout marks of the current k (a dotted vertical line labelled at its foot): for `ui.live_plot`,
    where a move of k is one relayout of this shape alone. None: no mark. (A shape's own label, not an
    annotation: touching annotations makes Plotly redraw the whole chart.)"""
    if x is None:
        return {"shapes": []}
    x = float(x)
    shape = dict(type="line", xref="x", yref="y domain", x0=x, x1=x, y0=0, y1=1, name="current",
                 line=dict(color="#000", dash="dot", width=1.5),
                 label=dict(text=label or "", textposition="start", textangle=0, xanchor="left", yanchor="bottom",
                            padding=4))  # fmt: skip
    return {"shapes": [shape]}


def eps_marks(eps: float, core_fraction: float) -> dict:
    """The k-distance plot's eps line, labelled (a relayout of one shape when eps moves)."""
    eps = float(eps)
    shape = dict(type="line", xref="x domain", yref="y", x0=0, x1=1, y0=eps, y1=eps, name="eps",
                 line=dict(color=PALETTE[5], width=2, dash="dash"),
                 label=dict(text=f"eps = {eps:g}: {core_fraction:.0%} core points", textposition="start",
                            xanchor="left", yanchor="bottom", padding=4))  # fmt: skip
    return {"shapes": [shape]}


def _legend_inside(fig: go.Figure, left: bool = False) -> None:
    """Legend in the plot's top corner (small charts: no room above for both title and legend)."""
    fig.update_layout(
        legend=dict(
            orientation="v", x=0.01 if left else 0.99, y=0.99, xanchor="left" if left else "right", yanchor="top",
            bgcolor="rgba(255,255,255,0.7)",
        )
    )  # fmt: skip


def elbow_figure(ks, inertia, knee_k: int, current_k: int | None = None, *, height: int = 360) -> go.Figure:
    """The elbow method: inertia against k, the knee marked (and the current k)."""
    ks, inertia = np.asarray(ks), np.asarray(inertia, dtype=float)
    fig = go.Figure(
        go.Scatter(
            x=ks, y=inertia, mode="lines+markers", name="inertia", line=dict(color=PALETTE[0], width=3, dash="dash"),
            marker=dict(size=9), hovertemplate="k = %{x}: inertia %{y:.4g}<extra></extra>",
        )
    )  # fmt: skip
    at = ks == knee_k
    fig.add_trace(
        go.Scatter(x=ks[at], y=inertia[at], mode="markers", name=f"knee: k = {knee_k}",
                   marker=dict(size=18, color=PALETTE[1], symbol="star", line=dict(color="#000", width=1)))
    )  # fmt: skip
    if current_k is not None:
        _mark_current(fig, current_k, f"your k = {current_k}")
    base_layout(fig, title="Elbow: inertia against k", x="k (number of clusters)", y="inertia", height=height)
    _legend_inside(fig)
    fig.update_xaxes(dtick=1)
    return fig


def silhouette_k_figure(
    ks, silhouette, best_k, current_k: int | None = None, *, height: int = 360
) -> go.Figure:
    ks, sil = np.asarray(ks), np.asarray(silhouette, dtype=float)
    ok = np.isfinite(sil)
    fig = go.Figure(
        go.Scatter(
            x=ks[ok], y=sil[ok], mode="lines+markers", name="mean silhouette", line=dict(color=PALETTE[2], width=3),
            marker=dict(size=9), hovertemplate="k = %{x}: silhouette %{y:.3f}<extra></extra>",
        )
    )  # fmt: skip
    if best_k is not None:
        at = ks == best_k
        fig.add_trace(
            go.Scatter(x=ks[at], y=sil[at], mode="markers", name=f"highest: k = {best_k}",
                       marker=dict(size=18, color=PALETTE[1], symbol="star", line=dict(color="#000", width=1)))
        )  # fmt: skip
    if current_k is not None:
        _mark_current(fig, current_k, f"your k = {current_k}")
    base_layout(
        fig, title="Mean silhouette against k", x="k (number of clusters)", y="mean silhouette", height=height
    )
    _legend_inside(fig)
    fig.update_xaxes(dtick=1)
    return fig


def silhouette_figure(values, labels, *, height: int = 420) -> go.Figure:
    """Silhouette of every (shown) point, sorted within its cluster: a 'knife' per cluster; the
    dashed line is the mean. Points below 0 sit closer to another cluster than to their own."""
    values, labels = np.asarray(values, dtype=float), np.asarray(labels)
    ok = np.isfinite(values)
    fig = go.Figure()
    y0 = 0
    for c in sorted(np.unique(labels[ok])):
        v = np.sort(values[ok & (labels == c)])
        ys = np.arange(y0, y0 + len(v))
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([[0], v, [0]]), y=np.concatenate([[y0], ys, [ys[-1]]]), fill="toself", mode="lines",
                line=dict(color=cluster_colour(c), width=1), fillcolor=cluster_colour(c), name=f"cluster {c}",
                showlegend=bool(c < MAX_LEGEND), hovertemplate=f"cluster {c}<br>silhouette %{{x:.3f}}<extra></extra>",
            )
        )  # fmt: skip
        y0 += len(v) + max(2, ok.sum() // 60)
    if ok.any():
        mean = float(values[ok].mean())
        fig.add_vline(x=mean, line=dict(color="#000", dash="dash"), annotation_text=f"mean {mean:.3f}")
    base_layout(
        fig,
        title="Silhouette of each point",
        x="silhouette coefficient",
        y="points, by cluster",
        height=height,
    )
    fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, xanchor="left", yanchor="top"))
    fig.update_yaxes(showticklabels=False)
    fig.update_xaxes(range=[-1, 1])
    return fig


def information_figure(
    ks, bic, aic, best_bic: int, best_aic: int, current: int | None = None, *, height: int = 380
) -> go.Figure:
    """BIC and AIC against the number of components (lower is better), minima marked."""
    ks = np.asarray(ks)
    fig = go.Figure()
    for name, vals, best, colour, dash in (
        ("BIC", bic, best_bic, PALETTE[0], "solid"),
        ("AIC", aic, best_aic, PALETTE[5], "dash"),
    ):
        vals = np.asarray(vals, dtype=float)
        fig.add_trace(
            go.Scatter(
                x=ks,
                y=vals,
                mode="lines+markers",
                name=name,
                line=dict(color=colour, width=3, dash=dash),
                marker=dict(size=8),
            )
        )
        at = ks == best
        fig.add_trace(
            go.Scatter(x=ks[at], y=vals[at], mode="markers", name=f"lowest {name}: {best}",
                       marker=dict(size=18, color=colour, symbol="star", line=dict(color="#000", width=1)))
        )  # fmt: skip
    if current is not None:
        _mark_current(fig, current, f"yours: {current}")
    base_layout(
        fig,
        title="BIC and AIC against the number of components",
        x="components",
        y="criterion (lower is better)",
        height=height,
    )
    _legend_inside(fig)
    fig.update_xaxes(dtick=1)
    return fig


def profiles_figure(profile, features: list[str], *, height: int | None = None) -> go.Figure:
    """Cluster profiles: each cluster's feature means as a heatmap, coloured by how far the mean sits
    from the overall mean in overall standard deviations (text: the mean in raw units).

    profile: DataFrame from `ml.clustering.profiles` (index clusters; columns size, share, features),
    plus a row 'all' appended by the caller is not needed: `overall` rows are computed here from
    the weighted means."""
    feats = [f for f in features if f in profile.columns]
    capped = len(feats) > 40
    feats = feats[:40]
    means = profile[feats].to_numpy(dtype=float)
    w = profile["size"].to_numpy(dtype=float)
    overall = np.average(means, axis=0, weights=w)
    spread = np.sqrt(np.average((means - overall) ** 2, axis=0, weights=w))
    z = (means - overall) / np.where(spread > 0, spread, 1.0)
    rows = [f"{name} ({int(s):,})" for name, s in zip(profile.index, profile["size"], strict=True)]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=feats, y=rows, colorscale="RdBu_r", zmid=0, text=np.vectorize(lambda v: f"{v:.3g}")(means),
            texttemplate="%{text}" if len(feats) <= 16 else None, colorbar=dict(title="z"),
            hovertemplate="%{y}<br>%{x}: mean %{text}<extra></extra>",
        )
    )  # fmt: skip
    base_layout(
        fig,
        title="Cluster profiles: mean of each feature (colour: above or below the average cluster)"
        + (" · first 40 features" if capped else ""),
        height=height or max(260, 60 + 34 * len(rows)),
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    return fig


def mean_images_figure(images, titles: list[str], *, height: int = 240) -> go.Figure:
    """The mean image of each cluster (e.g. digits' 8×8 pixels), side by side in grey."""
    images = np.asarray(images, dtype=float)
    n = len(images)
    cols = min(n, 10)
    rows = int(np.ceil(n / cols))
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.01, vertical_spacing=0.08
    )
    for i, img in enumerate(images):
        fig.add_trace(
            go.Heatmap(z=img, colorscale="Greys", showscale=False, zmin=0, zmax=float(images.max() or 1), hoverinfo="skip"),
            row=i // cols + 1, col=i % cols + 1,
        )  # fmt: skip
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    for i in range(n):  # square pixels in every panel
        suffix = str(i + 1) if i else ""
        fig.layout[f"yaxis{suffix}"].scaleanchor = f"x{suffix}"
    base_layout(fig, title="Mean image of each cluster", height=height * rows)
    return fig
