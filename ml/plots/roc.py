"""ROC Explorer figures. The threshold-dependent view is ONE figure of six panels, so a threshold
move redraws one Plotly chart (measured: per-chart overhead dominates point count in the browser)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ml.plots import (
    MARKER_COLOUR,
    NEGATIVE_COLOUR,
    PALETTE,
    POSITIVE_COLOUR,
    base_layout,
)
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
_PANEL_TITLES = {
    "standard": (
        "Confusion matrix (counts)",
        "Row-normalised (rates)",
        "ROC curve",
        "Precision–recall curve",
        "Score distributions",
        "Metrics vs threshold",
    ),
    "physics": (
        "Confusion matrix (counts)",
        "Row-normalised (rates)",
        "Signal efficiency vs background rejection",
        "Background efficiency (log) vs signal efficiency",
        "Score distributions",
        "Metrics vs threshold",
    ),
}


def _matrix_panels(fig, m: dict, pos_name: str, neg_name: str) -> None:
    tp, fp, tn, fn = (int(m[k]) for k in ("tp", "fp", "tn", "fn"))
    counts = np.array([[tp, fn], [fp, tn]], dtype=float)  # rows: actual pos, neg; cols: predicted pos, neg
    rows = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    x = [f"pred. {pos_name}", f"pred. {neg_name}"]
    y = [f"actual {pos_name}", f"actual {neg_name}"]
    names = [["TP", "FN"], ["FP", "TN"]]
    text_counts = [[f"{names[i][j]}<br>{int(counts[i, j]):,}" for j in range(2)] for i in range(2)]
    text_rates = [[f"{names[i][j]}<br>{rates[i, j]:.1%}" for j in range(2)] for i in range(2)]
    for col, z, text in ((1, counts, text_counts), (2, rates, text_rates)):
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=x,
                y=y,
                text=text,
                texttemplate="%{text}",
                textfont=dict(size=16),
                colorscale="Blues",
                showscale=False,
                hoverinfo="skip",
                zmin=0,
                meta="cm_counts" if col == 1 else "cm_rates",
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(autorange="reversed", showticklabels=col == 1, row=1, col=col)


def _point(fig, x, y, row, col, text, meta) -> None:
    fig.add_trace(
        go.Scatter(
            x=[x],
            y=[y],
            meta=meta,
            mode="markers",
            marker=dict(size=14, color=MARKER_COLOUR, symbol="circle-open", line=dict(width=3)),
            name="operating point",
            showlegend=False,
            hovertemplate=text + "<extra></extra>",
        ),
        row=row,
        col=col,
    )


def _vline(fig, t, row, col) -> None:
    fig.add_vline(
        x=t, line=dict(color=MARKER_COLOUR, width=2, dash="dash"), row=row, col=col, name="threshold"
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
    height: int = 760,
) -> go.Figure:
    """The six panels as a plain dict, built once per curve set and view (Plotly's validation is slow);
    `live_update` then moves the operating point cheaply."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}.")
    t = float(c.hist_edges[0])
    m = {
        "threshold": t,
        "tp": 0,
        "fp": 0,
        "tn": 0,
        "fn": 0,
        "fpr": 0.0,
        "tpr": 0.0,
        "recall": 0.0,
        "precision": 0.0,
    }
    fig = make_subplots(
        rows=2,
        cols=3,
        subplot_titles=_PANEL_TITLES[view],
        horizontal_spacing=0.09,
        vertical_spacing=0.16,
    )
    _matrix_panels(fig, m, pos_name, neg_name)
    line = dict(color=PALETTE[0], width=2.5)

    if view == "standard":
        fig.add_trace(
            go.Scatter(x=c.roc_fpr, y=c.roc_tpr, mode="lines", line=line, showlegend=False, hoverinfo="skip"),
            row=1,
            col=3,
        )
        fig.add_trace(
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                showlegend=False,
                hoverinfo="skip",
                line=dict(color="#999", dash="dot", width=1),
            ),
            row=1,
            col=3,
        )
        _point(fig, m["fpr"], m["tpr"], 1, 3, "operating point", "pt_roc")
        fig.update_xaxes(
            title_text=f"false positive rate (AUC = {c.auc:.3f})", range=[-0.02, 1.02], row=1, col=3
        )
        fig.update_yaxes(title_text="true positive rate", range=[-0.02, 1.04], row=1, col=3)

        fig.add_trace(
            go.Scatter(
                x=c.pr_recall, y=c.pr_precision, mode="lines", line=line, showlegend=False, hoverinfo="skip"
            ),
            row=2,
            col=1,
        )
        _point(fig, m["recall"], m["precision"], 2, 1, "operating point", "pt_pr")
        fig.update_xaxes(
            title_text=f"recall (AP = {c.average_precision:.3f})", range=[-0.02, 1.02], row=2, col=1
        )
        fig.update_yaxes(title_text="precision", range=[-0.02, 1.04], row=2, col=1)
    else:
        eff_s = np.asarray(c.roc_tpr)
        eff_b = np.asarray(c.roc_fpr)
        ok = eff_b > 0
        fig.add_trace(
            go.Scatter(
                x=eff_s[ok], y=1.0 / eff_b[ok], mode="lines", line=line, showlegend=False, hoverinfo="skip"
            ),
            row=1,
            col=3,
        )
        _point(fig, m["tpr"], 1.0, 1, 3, "operating point", "pt_rej")
        fig.update_xaxes(title_text="signal efficiency ε_S", range=[-0.02, 1.02], row=1, col=3)
        fig.update_yaxes(title_text="background rejection 1/ε_B", type="log", row=1, col=3)

        fig.add_trace(
            go.Scatter(x=eff_s[ok], y=eff_b[ok], mode="lines", line=line, showlegend=False, hoverinfo="skip"),
            row=2,
            col=1,
        )
        _point(fig, m["tpr"], 1.0, 2, 1, "operating point", "pt_effb")
        fig.update_xaxes(
            title_text=f"signal efficiency ε_S (AUC = {c.auc:.3f})", range=[-0.02, 1.02], row=2, col=1
        )
        fig.update_yaxes(title_text="background efficiency ε_B", type="log", row=2, col=1)

    centres = (c.hist_edges[:-1] + c.hist_edges[1:]) / 2
    width = float(np.diff(c.hist_edges).mean()) if len(c.hist_edges) > 1 else 1.0
    for counts, name, colour in (
        (c.hist_neg, neg_name, NEGATIVE_COLOUR),
        (c.hist_pos, pos_name, POSITIVE_COLOUR),
    ):
        total = max(int(np.sum(counts)), 1)
        fig.add_trace(
            go.Bar(
                x=centres,
                y=np.asarray(counts) / total,
                width=width,
                name=f"{name} (actual)",
                marker=dict(color=colour),
                opacity=0.6,
                hoverinfo="skip",
            ),
            row=2,
            col=2,
        )
    _vline(fig, t, 2, 2)
    rule = "≤" if lower_is_positive else "≥"
    fig.update_xaxes(title_text=f"{score_label} (positive if {rule} threshold)", row=2, col=2)
    fig.update_yaxes(title_text="fraction of class", row=2, col=2)

    for i, (name, (x, y)) in enumerate(c.metric_curves.items()):
        label = METRIC_LABELS.get(name, name).replace("β", f"β (β={beta:g})" if name == "fbeta" else "β")
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                name=label,
                line=dict(color=PALETTE[(i + 1) % 8], width=2),
                hoverinfo="skip",
                legendgroup="metrics",
            ),
            row=2,
            col=3,
        )
    _vline(fig, t, 2, 3)
    fig.update_xaxes(title_text=f"threshold on {score_label}", row=2, col=3)
    fig.update_yaxes(title_text="metric value", range=[-0.02, 1.04], row=2, col=3)

    base_layout(fig, height=height)
    fig.update_layout(barmode="overlay", margin=dict(t=70, b=50), legend=dict(y=-0.12, yanchor="top", x=0))
    fig.update_annotations(font_size=16)
    return fig.to_dict()


def live_update(base: dict, m: dict) -> go.Figure:
    """`base` with the confusion matrices, operating points and threshold lines moved to `m`.

    Only the changed traces are copied, and the figure is wrapped without validation: a
    threshold move costs milliseconds on the server.
    """
    tp, fp, tn, fn = (int(m[k]) for k in ("tp", "fp", "tn", "fn"))
    counts = np.array([[tp, fn], [fp, tn]], dtype=float)
    rows = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    names = (("TP", "FN"), ("FP", "TN"))
    fpr, tpr = m["fpr"], m["tpr"]
    points = {
        "pt_roc": ([fpr], [tpr]),
        "pt_pr": ([m["recall"]], [m["precision"]]),
        "pt_rej": ([tpr], [1.0 / fpr]) if fpr > 0 else ([], []),
        "pt_effb": ([tpr], [fpr]) if fpr > 0 else ([], []),
    }
    data = []
    for trace in base["data"]:
        meta = trace.get("meta")
        if meta == "cm_counts":
            text = [[f"{names[i][j]}<br>{int(counts[i, j]):,}" for j in range(2)] for i in range(2)]
            trace = {**trace, "z": counts.tolist(), "text": text}
        elif meta == "cm_rates":
            text = [[f"{names[i][j]}<br>{rates[i, j]:.1%}" for j in range(2)] for i in range(2)]
            trace = {**trace, "z": rates.tolist(), "text": text}
        elif meta in points:
            x, y = points[meta]
            trace = {**trace, "x": x, "y": y}
        data.append(trace)
    t = float(m["threshold"])
    shapes = [
        {**sh, "x0": t, "x1": t} if sh.get("name") == "threshold" else sh
        for sh in base["layout"].get("shapes", ())
    ]
    return go.Figure({"data": data, "layout": {**base["layout"], "shapes": shapes}}, _validate=False)


def live_figure(c: Curves, m: dict, **options) -> go.Figure:
    """The six threshold-dependent panels with the operating point `m` (ThresholdEngine.metrics) marked."""
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
        return base_layout(
            fig, title="ROC curves", x="false positive rate", y="true positive rate", height=440
        )
    return base_layout(fig, title="Precision–recall curves", x="recall", y="precision", height=440)
