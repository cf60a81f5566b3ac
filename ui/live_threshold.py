"""The live threshold: a slider that moves every number and mark of the threshold view in the browser.

While the pointer drags, the component answers each threshold itself from cumulative counts
(`ThresholdEngine.browser_counts`: exact at every distinct score, or a stated grid past 40,000
thresholds, shown as "≈"), with no server round trip: the TP/FP/TN/FN line, both confusion tables,
the metric tiles and the operating-point and threshold marks of the curve panels. On release (or
Enter in its exact box, or a keyboard step) it sends the value; the server recomputes the exact
numbers with the engine, and passes them back as `confirmed`, and the rest of the page follows.

Two modes: "roc" (the ROC Explorer: confusion tables, metric tiles, a four-panel figure) and "anomaly"
(the Anomaly detection page: the slider is a contamination or a score threshold, the counts are rows
flagged, and TP / FP / precision / recall when labels exist; a score histogram whose threshold line moves
with the slider and, as `figure2`, the 2-D view whose flagged colouring follows it).
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

from ui.component_files import private_dir

_HTML = Path(__file__).with_name("live_threshold_frontend") / "index.html"
_component = components.declare_component("live_threshold", path=str(private_dir("live-threshold", _HTML)))


def live_threshold(
    *,
    counts: dict | None,
    data_rev: str,
    figure_json: str | None,
    revision: str,
    t: float,
    t_seq: int,
    lo: float,
    hi: float,
    step: float,
    beta: float = 1.0,
    labels: dict | None = None,
    shown: list = (),
    confirmed: dict | None,
    key: str,
    mode: str = "roc",
    control: dict | None = None,
    figure2: str | None = None,
    revision2: str | None = None,
) -> dict | None:
    """Draw the live threshold view; returns the last committed {"t": value, "seq": n} (or None).

    counts: `BrowserCounts.payload()` for the current scores; `data_rev` names them (a change resets
    the component). counts and figure_json may be None when the browser already holds the ones named
    by data_rev and revision; a component that lacks them (remounted) returns {"need": True, "seq": n}
    and must be sent them again. `t_seq` changes whenever the server sets the threshold itself (a picker, new
    data): the slider then jumps to `t`. `confirmed`: the engine's exact {t, tp, fp, tn, fn} at `t`.
    labels: {"positive", "negative", "score"}; shown: [(metric key, tile label), ...].

    mode="anomaly": `control` = {"kind": "contamination" or "score", "label": slider label, "exact_label",
    "colours": [not flagged, flagged]}; `t` is the slider's value (a contamination c: the browser flags the
    k = round(c·n) highest rows, as ml.detectors.n_flagged; or a score); counts come from
    ml.thresholds.flag_counts (labelled or not); `confirmed` = {"t": slider value, "threshold", "flagged",
    "tp", "fp"}. `figure2` (sent once per `revision2`, like `figure`): a 2-D view whose colour axis
    (ml.plots.anomaly.live_scatter) is recoloured at the threshold. labels, shown and beta are unused.
    """
    # presentation mode: scaled figures and text; a link's `?lock=threshold` disables the slider
    from ui import present

    figure_json, revision, _ = present.live_figure(figure_json, str(revision))
    figure2, revision2, _ = present.live_figure(figure2, revision2)
    lock_names = ("threshold", key, (control or {}).get("kind") or "threshold")
    return _component(
        counts=counts,
        data_rev=str(data_rev),
        figure=figure_json,
        revision=str(revision),
        t=float(t),
        t_seq=int(t_seq),
        lo=float(lo),
        hi=float(hi),
        step=float(step),
        beta=float(beta),
        labels={k: str(v) for k, v in (labels or {}).items()},
        shown=[[k, v] for k, v in shown],
        confirmed=confirmed,
        mode=str(mode),
        control=control or {},
        figure2=figure2,
        revision2=None if revision2 is None else str(revision2),
        config={"displayModeBar": "hover", "modeBarButtons": [["toImage"]], "responsive": True,
                **present.chart_config(key)},
        scale=present.scale(),
        fit=present.fit(key),  # presenting: the charts as tall as the window leaves below their top
        locked=any(present.locked(n) for n in lock_names),
        key=key,
        default=None,
    )
