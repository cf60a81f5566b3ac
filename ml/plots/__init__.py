"""Pure figure builders: arrays in, plotly Figure out. Shared palette and layout live here.

The palette is Okabe-Ito (colour-blind safe), used the same way on every page: class i is
always PALETTE[i]. Fonts are sized to read on a projector.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go

PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#CC79A7",  # pink
    "#56B4E9",  # sky
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
NEGATIVE_COLOUR = PALETTE[0]  # background / class 0
POSITIVE_COLOUR = PALETTE[5]  # signal / positive class
MARKER_COLOUR = "#000000"
FONT_SIZE = 16  # the one font scale: titles +3, axis titles and ticks at it, legends −1
MAX_POINTS = 5000  # no trace sent to the browser has more points than this
# Presentation mode's one scale factor: chart fonts, lines, markers and margins (`presentation`), the
# page's text and metric tiles (ui/present.py's CSS) and PNG exports all grow by it.
PRESENTATION_SCALE = 1.25  # 1920×1080 / 1.25 = 1536×864: PNG exports scale up exactly


# Class colours: Okabe-Ito without its black (black marks errors and lines), then Paul Tol's
# muted colours, so ten classes (the digits) get ten distinct colours.
CLASS_COLOURS = (*PALETTE[:7], "#882255", "#44AA99", "#332288", "#999933", "#AA4499", "#117733")


def class_colour(i: int) -> str:
    """Colour of class index i, the same on every page (never black: black is the error mark)."""
    return CLASS_COLOURS[i % len(CLASS_COLOURS)]


def base_layout(fig: go.Figure, *, title: str = "", x: str = "", y: str = "", height: int = 480) -> go.Figure:
    """Apply the project's layout: titled axes, projector-size fonts, tight margins, legend on top."""
    fig.update_layout(
        title=dict(text=title, font=dict(size=FONT_SIZE + 3)) if title else None,
        font=dict(size=FONT_SIZE),
        height=height,
        # read from the back of a lecture room at 1920 × 1080: ticks at the axis-title size, legends
        # one below; the top margin leaves room for a legend that wraps to a second row under the title
        margin=dict(l=64, r=20, t=86 if title else 40, b=60),
        legend=dict(
            orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=FONT_SIZE - 1)
        ),
        uirevision="keep",  # keep zoom while the data updates
    )
    # explicit axis fonts: Streamlit's chart theme would otherwise shrink ticks to ~11 px
    axis_fonts = dict(tickfont=dict(size=FONT_SIZE), title_font=dict(size=FONT_SIZE))
    fig.update_xaxes(title_text=x or None, **axis_fonts) if x else fig.update_xaxes(**axis_fonts)
    fig.update_yaxes(title_text=y or None, **axis_fonts) if y else fig.update_yaxes(**axis_fonts)
    return fig


# -- presentation mode ---------------------------------------------------------------------------------
_SCATTER_TYPES = {"scatter", "scattergl", "scatterpolar", "scatterpolargl", "scatterternary", "scattergeo"}
_MARGIN_SIDES = ("l", "r", "t", "b", "pad")


def _times(value, k: float):
    """`value` (a number, numbers, a numpy array or a plotly typed array {dtype, bdata}) times `k`."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, np.number)):
        return float(value) * k
    if isinstance(value, np.ndarray):
        return value.astype("f8") * k if value.dtype.kind in "iuf" else value
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value.get("dtype", "f8")))
        out = {"dtype": "f8", "bdata": base64.b64encode((arr.astype("f8") * k).tobytes()).decode("ascii")}
        return {**out, "shape": value["shape"]} if "shape" in value else out
    if isinstance(value, (list, tuple)):
        return [_times(v, k) for v in value]
    return value


def _scale_tree(node, k: float, parent: str = "") -> None:
    """Scale in place every font size, line width and marker size below `node` (a figure's JSON)."""
    if isinstance(node, list):
        for item in node:
            if isinstance(item, (dict, list)):
                _scale_tree(item, k, parent)
        return
    if not isinstance(node, dict) or "bdata" in node:
        return
    if parent.endswith("font") and "size" in node:  # font, tickfont, textfont, title.font, legend.font...
        node["size"] = _times(node["size"], k)
    if parent == "line" and "width" in node:  # trace lines, marker outlines, shapes
        node["width"] = _times(node["width"], k)
    if parent == "marker" and "size" in node:
        node["size"] = _times(node["size"], k)
    if parent.startswith("error_") and "thickness" in node:
        node["thickness"] = _times(node["thickness"], k)
    for key, child in node.items():
        if isinstance(child, (dict, list)):
            _scale_tree(child, k, key)


def _scale_trace(trace: dict, k: float) -> None:
    """Scale one trace's dict in place; scatter lines and markers left at Plotly's defaults (2 px, 6 px)
    get those defaults scaled."""
    _scale_tree(trace, k)
    if trace.get("type", "scatter") in _SCATTER_TYPES:
        mode = trace.get("mode") or "lines+markers"
        if "lines" in mode:
            trace.setdefault("line", {}).setdefault("width", 2 * k)
        if "markers" in mode:
            trace.setdefault("marker", {}).setdefault("size", 6 * k)


def scale_layout(layout: dict, k: float) -> dict:
    """Scale a figure layout (or a dict of layout keys such as {"shapes": ..., "annotations": ...}) in place."""
    _scale_tree(layout, k)
    margin = layout.get("margin")
    if isinstance(margin, dict):
        for side in _MARGIN_SIDES:
            if isinstance(margin.get(side), (int, float)):
                margin[side] = margin[side] * k
    for note in layout.get("annotations") or ():
        if isinstance(note, dict):
            note.setdefault("font", {}).setdefault("size", FONT_SIZE * k)
    for shape in layout.get("shapes") or ():
        if isinstance(shape, dict):
            shape.setdefault("line", {}).setdefault("width", 2 * k)
    return layout


def _full_layout(layout: dict, k: float) -> dict:
    """`scale_layout` plus explicit sizes where the figure left them to Plotly or Streamlit's theme."""
    had_font = isinstance(layout.get("font"), dict) and "size" in layout["font"]
    scale_layout(layout, k)
    if not had_font:
        layout.setdefault("font", {})["size"] = FONT_SIZE * k
    for name in [a for a in layout if a[:5] in ("xaxis", "yaxis")] or ["xaxis", "yaxis"]:
        axis = layout.setdefault(name, {})
        axis.setdefault("tickfont", {}).setdefault("size", FONT_SIZE * k)
        if isinstance(axis.get("title"), str):
            axis["title"] = {"text": axis["title"]}
        axis.setdefault("title", {}).setdefault("font", {}).setdefault("size", FONT_SIZE * k)
    layout.setdefault("legend", {}).setdefault("font", {}).setdefault("size", (FONT_SIZE - 1) * k)
    title = layout.get("title")
    if isinstance(title, dict) and title.get("text") and "y" not in title:
        # at the very top, so a legend over the plot that wraps to more rows at the bigger size stays clear of it
        title.update(y=1, yref="container", yanchor="top", pad={"t": 6 * k})
    return layout


def presentation_dict(fig: dict, k: float = PRESENTATION_SCALE) -> dict:
    """A figure's JSON dict (data, layout, frames) scaled for the projector, in place; returned.

    Every font size (layout, title, axes' ticks and titles, legend, annotations, colour bars, text on
    traces, slider labels), line width and marker size is multiplied by `k`; sizes the figure left
    to Plotly get its defaults times `k` (Streamlit's chart theme would otherwise draw 11-12 px ticks).
    Margins grow with the text they hold. A single panel keeps its height (the page must still fit a
    1280×720 projector); a grid of panels grows by `k` too, so its subplot titles keep clear of the axes.
    """
    layout = _full_layout(fig.setdefault("layout", {}), k)
    panels = sum(1 for a in layout if a[:5] == "yaxis")
    if panels > 1 and isinstance(layout.get("height"), (int, float)):
        layout["height"] = layout["height"] * k
    for trace in fig.get("data") or ():
        _scale_trace(trace, k)
    for frame in fig.get("frames") or ():
        for trace in frame.get("data") or ():
            _scale_trace(trace, k)
        if isinstance(frame.get("layout"), dict):
            scale_layout(frame["layout"], k)
    return fig


def presentation(fig: go.Figure, k: float = PRESENTATION_SCALE) -> go.Figure:
    """A copy of `fig` for presentation mode: fonts, lines, markers and margins `k` times bigger.

    The figure itself is left alone (it may be cached and shared by every session). The copy is not
    validated again (~50 ms for 15k points): only sizes the figure already had, and Plotly's own size
    properties of scatter traces, change."""
    if k == 1:
        return fig
    return go.Figure(presentation_dict(fig.to_dict(), k), _validate=False)


def presentation_json(figure_json: str, k: float = PRESENTATION_SCALE) -> str:
    """`presentation` for a figure already serialised to JSON (ui/live_plot's input)."""
    if k == 1:
        return figure_json
    return json.dumps(presentation_dict(json.loads(figure_json), k), separators=(",", ":"))
