"""A Plotly chart that stays mounted across reruns and redraws only its layout marks when only they change.

`st.plotly_chart` gives a changed figure a new element id, so the browser rebuilds the chart
(Plotly.newPlot plus theming, ~0.3 s for the ROC Explorer's four panels) on every slider move.
This component keeps one Plotly div per key: a new `revision` redraws the figure with
Plotly.react; the same revision with new marks (layout shapes, annotations) is one
Plotly.relayout of those alone (~15 ms).
plotly.js comes from the installed plotly package (no download, no vendored copy), served from a
private folder this process made (ui.component_files).
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

from ui.component_files import private_dir

_HTML = Path(__file__).with_name("live_plot_frontend") / "index.html"
_component = components.declare_component("live_plot", path=str(private_dir("live-plot", _HTML)))


def live_plot(figure_json: str, revision: str, marks: dict, *, key: str, config: dict | None = None) -> None:
    """Draw `figure_json` (a Plotly figure as JSON, built once) with `marks` laid over its layout.

    `marks` holds top-level layout keys (e.g. "shapes", "annotations") and must be strict JSON
    (finite floats). `revision` names the figure's content: while it stays the same only `marks`
    go to Plotly, so it must change whenever the figure does.
    """
    _component(
        figure=figure_json,
        revision=str(revision),
        marks=marks,
        config={"displayModeBar": False, "responsive": True, **(config or {})},
        key=key,
        default=None,
    )
