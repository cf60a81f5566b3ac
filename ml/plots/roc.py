"""ROC Explorer figures.

Measured in Chromium: Streamlit rebuilds a changed Plotly chart from scratch (~0.3 s for four
panels). So the four threshold-dependent panels are ONE figure built once per curve set, and a
threshold move changes only layout shapes (operating points as pixel-sized rings, threshold lines),
which ui/live_plot.py sends to the browser alone. The confusion matrix is a colour-scaled
table (a heatmap without a Plotly chart).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ml.plots import FONT_SIZE, MARKER_COLOUR, NEGATIVE_COLOUR, PALETTE, POSITIVE_COLOUR, base_layout
from ml.roc import Curves

VIEWS = ("standard", "physics")
METRIC_LABELS = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall (TPR)",
    "f1": "F1",
    "fbeta": "Fβ",
    "fpr": "FPR",
}
METRIC_STYLE = {  # (colour, dash): distinct from each other and from the class colours (blue, vermillion)
    "accuracy": (MARKER_COLOUR, None),
    "precision": (PALETTE[1], None),
    "recall": (PALETTE[2], None),
    "f1": (PALETTE[3], None),
    "fbeta": (PALETTE[4], "dash"),
    "fpr": ("#7F7F7F", "dot"),
}
_PANEL_TITLES = {
    "standard": ("ROC curve", "Precision–recall curve", "Score distributions", "Metrics vs threshold"),
    "physics": (
        "Signal efficiency vs background rejection",
        "Background efficiency (log) vs signal efficiency",
        "Score distributions",
        "Metrics vs threshold",
    ),
}


def confusion_tables(m: dict, pos_name: str, neg_name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts, row-normalised rates) as 2×2 frames: rows the actual class, columns the prediction."""
    counts = np.array([[m["tp"], m["fn"]], [m["fp"], m["tn"]]], dtype=float)
    rows = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    index = [f"actual {pos_name}", f"actual {neg_name}"]
    columns = [f"predicted {pos_name}", f"predicted {neg_name}"]
    return pd.DataFrame(counts, index, columns), pd.DataFrame(rates, index, columns)


_CELL = (("TP", "FN"), ("FP", "TN"))


def confusion_styler(table: pd.DataFrame, *, rates: bool):
    """The matrix as a heatmap table: cells shaded by value, labelled TP/FN/FP/TN, readable on a projector."""
    labels = pd.DataFrame(_CELL, index=table.index, columns=table.columns)
    fmt = (lambda v: f"{v:.1%}") if rates else (lambda v: f"{int(v):,}")
    text = labels + " " + table.map(fmt)
    vmax = 1.0 if rates else max(float(table.to_numpy().max()), 1.0)

    def shade(col):
        out = []
        for v in col:
            a = 0.08 + 0.8 * (v / vmax)
            ink = "white" if a > 0.5 else "#111"
            out.append(
                f"background-color: rgba(0, 114, 178, {a:.2f}); color: {ink}; font-size: 1.15rem; "
                "text-align: center; font-weight: 600"
            )
        return out

    return text.style.apply(lambda c: shade(table[c.name]), axis=0)


def _point(fig, row, col, name) -> None:
    """The operating point: a 14-pixel ring drawn as a layout shape anchored at a data position.

    A shape, not a trace: the curves then never change between threshold moves, and the browser
    redraws only the shapes (Plotly.relayout of shapes ~15 ms; of traces or annotations ~50 ms).
    Pixel-sized shapes are distorted on Plotly's log axes, so no panel here uses one.
    """
    fig.add_shape(
        type="circle",
        name=name,
        xsizemode="pixel",
        ysizemode="pixel",
        xanchor=0.0,
        yanchor=0.0,
        x0=-7,
        x1=7,
        y0=-7,
        y1=7,
        line=dict(color=MARKER_COLOUR, width=3),
        row=row,
        col=col,
    )


def _decade_axis(values: np.ndarray) -> dict:
    """A linear axis over log10 values that reads like a log axis: range, labelled ticks at each decade
    and unlabelled minor ticks at 2 and 5 (labelling them read "5, 2, 100, 5, 2, 10 …")."""
    lo, hi = float(np.min(values)), float(np.max(values))
    lo, hi = (lo - 0.5, hi + 0.5) if hi - lo < 1e-9 else (lo, hi)
    pad = 0.04 * (hi - lo)
    vals, text, decades = [], [], 0
    for k in range(int(np.floor(lo)), int(np.ceil(hi)) + 1):
        for mult in (1, 2, 5):
            v = k + np.log10(mult)
            if lo - pad <= v <= hi + pad:
                vals.append(v)
                text.append(_decade_label(mult, k))
                decades += mult == 1
    if decades < 2:  # less than a decade in view: label the 2s and 5s too, or one label would be all
        text = [t or f"{10.0 ** v:.2g}" for v, t in zip(vals, text, strict=True)]
    return dict(range=[lo - pad, hi + pad], tickmode="array", tickvals=vals, ticktext=text, ticks="outside")


def _decade_label(mult: int, k: int) -> str:
    if mult != 1:
        return ""  # minor ticks at 2 and 5: a tick mark, no label
    if -2 <= k <= 3:
        return f"{10.0**k:g}"
    return "10" + str(k).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _line(fig, x, y, row, col, colour=PALETTE[0], dash=None) -> None:
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line=dict(color=colour, width=2.5, dash=dash),
            showlegend=False,
            hoverinfo="skip",
        ),
        row=row,
        col=col,
    )


def live_base(
    c: Curves,
    *,
    view: str = "standard",
    pos_name: str = "positive",
    neg_name: str = "negative",
    score_label: str = "score",
    beta: float = 1.0,
    lower_is_positive: bool = False,
    height: int = 720,
) -> dict:
    """The four curve panels as a plain dict, built once per curve set and view (Plotly's validation
    is slow); `live_update` then moves the operating point and the threshold lines cheaply."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}.")
    fig = make_subplots(
        rows=2, cols=2, subplot_titles=_PANEL_TITLES[view], horizontal_spacing=0.12, vertical_spacing=0.21
    )
    if view == "standard":
        _line(fig, c.roc_fpr, c.roc_tpr, 1, 1)
        _line(fig, [0, 1], [0, 1], 1, 1, colour="#999", dash="dot")
        _point(fig, 1, 1, "pt_roc")
        fig.update_xaxes(
            title_text=f"false positive rate (AUC = {c.auc:.3f})", range=[-0.02, 1.02], row=1, col=1
        )
        fig.update_yaxes(title_text="true positive rate", range=[-0.02, 1.04], row=1, col=1)
        _line(fig, c.pr_recall, c.pr_precision, 1, 2)
        _point(fig, 1, 2, "pt_pr")
        fig.update_xaxes(
            title_text=f"recall (AP = {c.average_precision:.3f})", range=[-0.02, 1.02], row=1, col=2
        )
        fig.update_yaxes(title_text="precision", range=[-0.02, 1.04], row=1, col=2)
    else:
        eff_s, eff_b = np.asarray(c.roc_tpr), np.asarray(c.roc_fpr)
        ok = eff_b > 0
        log_rej, log_eff_b = -np.log10(eff_b[ok]), np.log10(eff_b[ok])
        _line(fig, eff_s[ok], log_rej, 1, 1)
        _point(fig, 1, 1, "pt_rej")
        fig.update_xaxes(
            title_text=f"signal efficiency ε_S (AUC = {c.auc:.3f})", range=[-0.02, 1.02], row=1, col=1
        )
        fig.update_yaxes(title_text="background rejection 1/ε_B (log)", row=1, col=1, **_decade_axis(log_rej))
        _line(fig, eff_s[ok], log_eff_b, 1, 2)
        _point(fig, 1, 2, "pt_effb")
        fig.update_xaxes(title_text="signal efficiency ε_S", range=[-0.02, 1.02], row=1, col=2)
        fig.update_yaxes(
            title_text="background efficiency ε_B (log)", row=1, col=2, **_decade_axis(log_eff_b)
        )

    t0 = float(c.hist_edges[0])
    centres = (c.hist_edges[:-1] + c.hist_edges[1:]) / 2
    for counts, name, colour in (
        (c.hist_neg, neg_name, NEGATIVE_COLOUR),
        (c.hist_pos, pos_name, POSITIVE_COLOUR),
    ):
        frac = np.asarray(counts) / max(int(np.sum(counts)), 1)
        fig.add_trace(
            go.Scatter(
                x=centres,
                y=frac,
                mode="lines",
                line=dict(shape="hvh", color=colour, width=2),
                fill="tozeroy",
                opacity=0.55,
                name=f"{name} (actual)",
                hoverinfo="skip",
            ),
            row=2,
            col=1,
        )
    rule = "≤" if lower_is_positive else "≥"
    fig.update_xaxes(title_text=f"{score_label} (positive if {rule} threshold)", row=2, col=1)
    fig.update_yaxes(title_text="fraction of class", row=2, col=1)

    for name, (x, y) in c.metric_curves.items():
        if name == "fbeta" and beta == 1:
            continue  # Fβ at β = 1 is F1: one line, labelled as both
        label = f"Fβ (β={beta:g})" if name == "fbeta" else METRIC_LABELS.get(name, name)
        if name == "f1" and beta == 1:
            label = "F1 = Fβ (β=1)"
        colour, dash = METRIC_STYLE.get(name, (MARKER_COLOUR, None))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                name=label,
                # A metric is constant between two distinct scores: a step function. In the engine's
                # order (tightest threshold first) "hv" holds each value until the next threshold, so
                # the chart at any threshold t equals the tiles at t.
                line=dict(color=colour, width=2.5, dash=dash, shape="hv"),
                legend="legend2",
                hoverinfo="skip",
            ),
            row=2,
            col=2,
        )
    fig.update_xaxes(title_text=f"threshold on {score_label}", row=2, col=2)
    fig.update_yaxes(title_text="metric value", range=[-0.02, 1.04], row=2, col=2)
    for col in (1, 2):
        fig.add_vline(
            x=t0, line=dict(color=MARKER_COLOUR, width=2, dash="dash"), row=2, col=col, name="threshold"
        )

    base_layout(fig, height=height)
    # one legend per panel: the classes under the score distributions, the metrics under their panel
    legend_font = dict(size=FONT_SIZE - 1)
    fig.update_layout(
        margin=dict(t=60, b=40),
        legend=dict(y=-0.1, yanchor="top", x=0, xanchor="left", orientation="v", font=legend_font),
        legend2=dict(y=-0.1, yanchor="top", x=0.55, xanchor="left", orientation="h", font=legend_font),
    )
    fig.update_annotations(font_size=16)
    # The curves change only with the base; a content hash as `datarevision` tells Plotly so, and a
    # threshold move (shapes only) then skips recomputing the traces in the browser.
    fig.update_layout(datarevision=hashlib.sha1(fig.to_json().encode()).hexdigest()[:16])
    return fig.to_dict()


def live_marks(base: dict, m: dict) -> dict:
    """The layout `shapes` of `base` with the operating points and threshold lines moved to `m`:
    everything a threshold move changes, and all the browser needs to be sent.

    Values are finite floats (strict JSON). The physics panels plot log10 values on linear axes; a
    point with no place there (FPR = 0) is hidden rather than sent as infinity.
    """
    fpr, tpr = float(m["fpr"]), float(m["tpr"])
    log_fpr = float(np.log10(fpr)) if fpr > 0 else None
    points = {
        "pt_roc": (fpr, tpr),
        "pt_pr": (float(m["recall"]), float(m["precision"])),
        "pt_rej": (tpr, None if log_fpr is None else -log_fpr),
        "pt_effb": (tpr, log_fpr),
    }
    t = float(m["threshold"])
    shapes = []
    for sh in base["layout"].get("shapes", ()):
        name = sh.get("name")
        if name == "threshold":
            sh = {**sh, "x0": t, "x1": t}
        elif name in points:
            x, y = points[name]
            sh = {**sh, "xanchor": x, "yanchor": 0.0 if y is None else y, "visible": y is not None}
        shapes.append(sh)
    return {"shapes": shapes}


def live_update(base: dict, m: dict) -> go.Figure:
    """`base` as a figure with its marks moved to `m` (for export and tests; the page sends only
    `live_marks` to the browser). Wrapped without validation: milliseconds on the server."""
    return go.Figure(
        {"data": base["data"], "layout": {**base["layout"], **live_marks(base, m)}}, _validate=False
    )


def live_figure(c: Curves, m: dict, **options) -> go.Figure:
    """The four threshold-dependent curve panels with the operating point `m` marked."""
    return live_update(live_base(c, **options), m)


def overlay_figure(curves: dict[str, Curves], *, kind: str = "roc") -> go.Figure:
    """Every model's ROC (or PR) curve on one chart, for comparison (drawn once, not per threshold)."""
    fig = go.Figure()
    for i, (model, c) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        if kind == "roc":
            x, y, label = c.roc_fpr, c.roc_tpr, f"{model} (AUC {c.auc:.3f})"
        else:
            x, y, label = c.pr_recall, c.pr_precision, f"{model} (AP {c.average_precision:.3f})"
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=label, line=dict(color=colour, width=2.5)))
    if kind == "roc":
        fig.add_trace(
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                name="random guess",
                line=dict(color="#999", dash="dot", width=1),
            )
        )
        return base_layout(fig, x="false positive rate", y="true positive rate", height=460)
    return base_layout(fig, x="recall", y="precision", height=460)
