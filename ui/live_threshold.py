"""The live threshold: a slider that moves every number and mark of the threshold view in the browser.

While the pointer drags, the component answers each threshold itself from cumulative counts
(`ThresholdEngine.browser_counts`: exact at every distinct score, or a stated grid past 40,000
thresholds, shown as "≈"), with no server round trip: the TP/FP/TN/FN line, both confusion tables,
the metric tiles and the operating-point and threshold marks of the curve panels. On release (or
Enter in its exact box, or a keyboard step) it sends the value; the server recomputes the exact
numbers with the engine, and passes them back as `confirmed`, and the rest of the page follows.
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
    beta: float,
    labels: dict,
    shown: list,
    confirmed: dict | None,
    key: str,
) -> dict | None:
    """Draw the live threshold view; returns the last committed {"t": value, "seq": n} (or None).

    counts: `BrowserCounts.payload()` for the current scores; `data_rev` names them (a change resets
    the component). counts and figure_json may be None when the browser already holds the ones named
    by data_rev and revision; a component that lacks them (remounted) returns {"need": True, "seq": n}
    and must be sent them again. `t_seq` changes whenever the server sets the threshold itself (a picker, new
    data): the slider then jumps to `t`. `confirmed`: the engine's exact {t, tp, fp, tn, fn} at `t`.
    labels: {"positive", "negative", "score"}; shown: [(metric key, tile label), ...].
    """
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
        labels={k: str(v) for k, v in labels.items()},
        shown=[[k, v] for k, v in shown],
        confirmed=confirmed,
        config={"displayModeBar": False, "responsive": True},
        key=key,
        default=None,
    )
