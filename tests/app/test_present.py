"""Presentation mode (ui/present.py): `?present=1` turns it on, its one scale reaches every chart's
layout and export config, `?lock=` disables the named widgets; and the figure scaling itself
(ml.plots.presentation) on a figure built here."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from ml import plots
from ui import present

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
CLS = str(ROOT / "pages" / "2_Classification.py")
K = plots.PRESENTATION_SCALE
TIMEOUT = 180


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _classification(**query) -> AppTest:
    """The Classification page with `query` in its URL. AppTest runs a page of the pages/ folder on its own
    (not through app.py's router), so this checks that the page honours the link by itself too."""
    at = AppTest.from_file(CLS, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return _ok(at.run())


def _charts(at: AppTest) -> list[tuple[dict, dict]]:
    """(figure, config) of every st.plotly_chart and every live chart component on the page."""
    out = [(json.loads(el.proto.spec), json.loads(el.proto.config or "{}")) for el in at.get("plotly_chart")]
    for el in at.get("component_instance"):
        args = json.loads(el.proto.json_args or "{}")
        if args.get("figure"):
            out.append((json.loads(args["figure"]), args.get("config") or {}))
    return out


def _css(at: AppTest) -> str:
    return "".join(el.proto.body for el in at.get("html") if "<style>" in el.proto.body)


# -- the figure scaling (pure) ---------------------------------------------------------------------
def _figure() -> go.Figure:
    fig = go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 0, 1], mode="lines+markers", name="a"))
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="markers", marker=dict(size=[4, 8], line=dict(width=1)), name="b")
    fig.add_bar(x=[0, 1], y=[2, 3], name="c")
    plots.base_layout(fig, title="t", x="x (m)", y="y (s)")
    fig.add_annotation(text="note", x=1, y=1)
    fig.add_shape(type="line", x0=0, x1=1, y0=0, y1=1, line=dict(width=3))
    fig.frames = [go.Frame(data=[go.Scatter(x=[0], y=[0], mode="markers")])]
    return fig


def test_presentation_scales_every_font_line_and_marker_and_leaves_the_original_alone():
    fig = _figure()
    before = fig.to_json()
    big = plots.presentation(fig, K)
    assert fig.to_json() == before  # cached figures are shared by every session: never changed in place
    L, F = big.layout, plots.FONT_SIZE
    assert L.font.size == pytest.approx(F * K)
    assert L.title.font.size == pytest.approx((F + 3) * K)
    assert L.xaxis.tickfont.size == pytest.approx(F * K) and L.yaxis.title.font.size == pytest.approx(F * K)
    assert L.legend.font.size == pytest.approx((F - 1) * K)
    assert L.annotations[0].font.size == pytest.approx(F * K)
    assert L.shapes[0].line.width == pytest.approx(3 * K)
    assert L.margin.l == pytest.approx(fig.layout.margin.l * K)
    assert L.height == fig.layout.height  # one panel keeps its height (the page must fit 1280×720)
    assert big.data[0].line.width == pytest.approx(2 * K) and big.data[0].marker.size == pytest.approx(6 * K)
    assert list(big.data[1].marker.size) == pytest.approx([4 * K, 8 * K])
    assert big.data[1].marker.line.width == pytest.approx(K)
    assert big.frames[0].data[0].marker.size == pytest.approx(6 * K)
    assert plots.presentation(fig, 1) is fig


def test_presentation_json_matches_the_figure_path_and_a_subplot_grid_grows():
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, subplot_titles=("top", "bottom"))
    fig.add_scatter(x=[0, 1], y=[0, 1], row=1, col=1)
    fig.add_scatter(x=[0, 1], y=[1, 0], row=2, col=1)
    plots.base_layout(fig, height=500)
    via_json = json.loads(plots.presentation_json(fig.to_json(), K))
    via_fig = json.loads(plots.presentation(fig, K).to_json())
    assert via_json["layout"]["annotations"] == via_fig["layout"]["annotations"]
    assert via_json["layout"]["height"] == via_fig["layout"]["height"] == pytest.approx(500 * K)
    assert via_json["layout"]["yaxis2"]["tickfont"]["size"] == pytest.approx(plots.FONT_SIZE * K)


def test_lock_names_cover_their_widget_keys():
    assert present.parse_locks(" model, threshold,,<b>") == {"model", "threshold", "b"}
    assert present.matches("model", "reg.model") and present.matches("model", "model")
    assert present.matches("max_depth", "model.tree.max_depth") and present.matches("tree.max_depth", "model.tree.max_depth")
    assert not present.matches("model", "models") and not present.matches("depth", "model.tree.max_depth")
    assert not present.matches("model", "model.tree.max_depth")  # the choice, not its hyperparameters
    assert present.matches("all", "anything")


# -- through the app --------------------------------------------------------------------------------
def test_present_in_the_link_turns_on_the_toggle_and_the_page_css():
    at = _ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    at.query_params["present"] = "1"
    _ok(at.run())  # Home, through the router (app.py), which owns the toggle and the CSS
    assert at.sidebar.toggle(key=present.KEY).value is True
    assert at.query_params["present"] in ("1", ["1"])  # kept in the URL, so the link can be shared
    assert f"font-size: {16 * K:g}px" in _css(at)  # the page's text and metric tiles (rem) follow the root
    at.sidebar.toggle(key=present.KEY).set_value(False).run()
    _ok(at)
    assert "present" not in at.query_params and not _css(at)
    at.query_params["lock"] = "model,threshold"
    _ok(at.run())
    assert any("Locked by the link: `model`, `threshold`" in m.value for m in at.sidebar.markdown)


def test_the_scale_reaches_every_chart_layout_and_png_export():
    at = _classification(present="1")
    charts = _charts(at)
    assert charts, "the page drew no chart"
    for fig, config in charts:
        layout = fig["layout"]
        assert layout["font"]["size"] == pytest.approx(plots.FONT_SIZE * K)
        assert layout["xaxis"]["tickfont"]["size"] == pytest.approx(plots.FONT_SIZE * K)
        png = config["toImageButtonOptions"]
        assert (png["format"], png["width"] * png["scale"], png["height"] * png["scale"]) == ("png", 1920, 1080)
    name = charts[0][1]["toImageButtonOptions"]["filename"]
    assert name.startswith("classification_") and "tree" in name  # page, dataset and model in the file name

    at.session_state[present.KEY] = False  # presentation off: normal sizes
    _ok(at.run())
    for fig, config in _charts(at):
        assert fig["layout"]["font"]["size"] == plots.FONT_SIZE
        png = config["toImageButtonOptions"]  # exported at 1536×864 × 1.25: the PNG has presentation-size text
        assert (png["width"], png["height"], png["scale"]) == (round(1920 / K), round(1080 / K), K)


def test_locked_widgets_are_disabled():
    at = _classification(lock="model,max_depth")
    assert at.selectbox(key="model").disabled
    import json

    live = [json.loads(c.proto.json_args) for c in at.get("component_instance") if c.proto.component_name.endswith("live_slider")]
    depth = [a for a in live if a["sliders"] and a["sliders"][0]["name"].endswith(".max_depth")]
    assert depth and all(a["locked"] for a in depth)  # the tree's depth is a live slider, locked by the link
    assert not any(s.disabled for s in at.slider)
    charts = _charts(at)  # locks work without presentation mode: normal sizes
    assert charts and charts[0][0]["layout"]["font"]["size"] == plots.FONT_SIZE


def test_every_chart_goes_through_the_one_choke_point():
    """ui.present.chart is the one way a figure reaches the page (presentation scale, PNG export config)."""
    import re

    direct = []
    for path in [*sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]:
        if path.name == "present.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.plotly_chart\(", line) and not line.lstrip().startswith("#"):
                direct.append(f"{path.relative_to(ROOT)}:{n}")
    assert not direct, f"draw charts with ui.present.chart(fig, key=..., container=...), not st.plotly_chart: {direct}"


def test_the_css_leads_with_the_demonstrated_control():
    css = present.css(lead="reg.model")
    assert ":has(.st-key-reg-model) { order: -1; }" in css  # the page's control section first in the sidebar
    assert f".{present._key_class(present.KEY)}" in css  # the toggle after the page's controls
    assert "order: -1" not in present.css()
    assert present._key_class("clu.algo.kmeans.n_clusters") == "st-key-clu-algo-kmeans-n_clusters"
    assert present.fit("regions.fig") is None  # outside a run: not presenting


def test_the_main_chart_fits_the_window():
    at = _classification(present="1")
    fits = [json.loads(el.proto.json_args or "{}").get("fit") for el in at.get("component_instance")]
    assert fits.count(present.FIT) == 1, fits  # the decision regions alone: as tall as the window leaves
    at.session_state[present.KEY] = False
    _ok(at.run())
    fits = [json.loads(el.proto.json_args or "{}").get("fit") for el in at.get("component_instance")]
    assert fits and not any(fits)  # normal mode: the figures' own heights


def test_the_sidebar_closes_once_when_presentation_starts():
    def scripts(at):
        return [el.proto.body for el in at.get("html") if "stSidebarCollapsed-" in el.proto.body]

    at = _ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    at.query_params["present"] = "1"
    _ok(at.run())  # Home through the router: presentation starts
    assert len(scripts(at)) == 1  # closes the sidebar even where this browser remembers it open
    _ok(at.run())
    assert not scripts(at)  # once: from then on the user's choice stands
    at.sidebar.toggle(key=present.KEY).set_value(False).run()
    at.sidebar.toggle(key=present.KEY).set_value(True).run()
    assert len(scripts(at)) == 1  # the toggle starts it again


def test_tables_follow_the_presentation_scale():
    """While presenting, a table is an st.table (its text scales with the page); otherwise the data grid."""
    import pandas as pd
    from streamlit.testing.v1 import AppTest

    def page():
        import pandas as pd
        import streamlit as st

        from ui import present

        present.setup("t")
        frame = pd.DataFrame({"model": ["a", "b"], "share": [0.1234, 0.5], "auc": [0.91234, 0.8]})
        present.table(
            frame, hide_index=True,
            column_config={"share": st.column_config.NumberColumn(format="percent"),
                           "auc": st.column_config.NumberColumn("AUC", format="%.2f")},
        )  # fmt: skip

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception and len(at.dataframe) == 1 and len(at.table) == 0
    at = AppTest.from_function(page)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception and len(at.dataframe) == 0 and len(at.table) == 1
    shown = at.table[0].value
    assert isinstance(shown, pd.DataFrame) and len(shown) == 2
