"""A Plotly chart that stays mounted across reruns and redraws only its layout marks when only they change.

`st.plotly_chart` gives a changed figure a new element id, so the browser rebuilds the chart
(Plotly.newPlot plus theming, ~0.3 s for the ROC Explorer's four panels) on every slider move.
This component keeps one Plotly div per key: a new `revision` redraws the figure with
Plotly.react; the same revision with new marks (layout shapes, annotations) is one
Plotly.relayout of those alone (~15 ms). In presentation mode the figure and marks are scaled
(`ui.present.live_figure`); the mode bar's camera saves a PNG at projector resolution.
plotly.js comes from the installed plotly package (no download, no vendored copy), served from a
private folder this process made (ui.component_files).
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

from ui.component_files import private_dir

_HTML = Path(__file__).with_name("live_plot_frontend") / "index.html"
_component = components.declare_component("live_plot", path=str(private_dir("live-plot", _HTML)))


def live_plot(
    figure_json: str,
    revision: str,
    marks: dict,
    *,
    key: str,
    config: dict | None = None,
    restyle: list | None = None,
    animate: dict | None = None,
    follow: dict | None = None,
) -> None:
    """Draw `figure_json` (a Plotly figure as JSON, built once) with `marks` laid over its layout.

    `marks` holds top-level layout keys (e.g. "shapes", "annotations") and must be strict JSON
    (finite floats). `revision` names the figure's content: while it stays the same only `marks`
    go to Plotly, so it must change whenever the figure does.

    `restyle` (optional): `[[update, trace_indices], ...]` applied with Plotly.restyle after the figure
    and marks, e.g. new point or line colours (`{"marker.color": [codes]}, [0]`): a style change of
    traces the figure already holds, without sending the figure again. Marks or restyles equal to the
    ones last applied are skipped.

    `animate` (optional): `{"data": [trace updates], "traces": [indices]}`, new data for a few traces applied as
    one animation frame without redraw (Plotly.animate): only those traces move, the rest of the figure is not
    redrawn (a step slider over a precomputed path). An update equal to the last one is skipped.
    """
    from ui import present

    figure_json, revision, marks = present.live_figure(figure_json, str(revision), marks)  # scaled while presenting
    _component(
        figure=figure_json,
        revision=revision,
        marks=marks,
        restyle=restyle,
        **({"animate": animate} if animate is not None else {}),
        **({"follow": follow} if follow is not None else {}),
        config={**live_config(key), **(config or {})},
        fit=present.fit(key),  # presenting a page's main chart: as tall as the window leaves below its top
        key=key,
        default=None,
    )


def live_config(key: str) -> dict:
    """A live chart's Plotly config: its mode bar (on hover) holds only the camera, which saves a 1920×1080
    PNG at the presentation scale named after the page's data and model (`ui.present.chart_config`)."""
    from ui import present

    return {"displayModeBar": "hover", "modeBarButtons": [["toImage"]], "responsive": True, **present.chart_config(key)}
