"""Pure figure builders: arrays in, plotly Figure out. Shared palette and layout live here.

The palette is Okabe-Ito (colour-blind safe), used the same way on every page: class i is
always PALETTE[i]. Fonts are sized to read on a projector.
"""

from __future__ import annotations

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
