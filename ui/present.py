"""Presentation mode: one switch for the projector (issue 14).

`setup(page)` runs in the router (app.py) before every page: it reads `?present=1` and
`?lock=model,threshold` from the link, draws the sidebar toggle, keeps both in the URL (a page
switch empties it) and, while presenting, injects the page CSS once per run:

- one scale factor (`ml.plots.PRESENTATION_SCALE`) for everything: the page's text and metric tiles
  (the root font size: Streamlit and `ui.widgets.metric_grid` size in rem) and every chart
  (`chart`, `live_figure`: fonts, lines, markers and margins through `ml.plots.presentation`);
- explanatory text collapsed: captions and `explain(...)` paragraphs hidden, expanders left closed;
- the sidebar closed when presentation starts (it opens with its arrow, and stays as the user leaves it);
- widgets named in `?lock=` disabled (`locked(key)`, honoured by `ui.widgets.param_widget` and the pages'
  main selectors), so a demo cannot be knocked off course.

`chart(fig, key=...)` is the one way a Plotly figure reaches the page: it scales the figure while
presenting and gives every chart the same `config`, whose camera button saves a 1920×1080 PNG at the
presentation scale named after the page's dataset, model and parameters (`name_exports`).
"""

from __future__ import annotations

import copy
import re

import streamlit as st

from ml import plots
from ml import report as rp

SCALE = plots.PRESENTATION_SCALE
KEY = "mx.present"  # the toggle's widget key
_URL_SEEN = "_mx.present_url"  # the last `present` value read from the URL
_LOCKS = "_mx.locks"
_EXPORT = "_mx.export_stem"
_PRESENTED = "_mx.presented"  # whether the previous run presented
TRUE_WORDS = {"1", "true", "yes", "on"}
# Each page's main chart(s) (live chart / chart keys): while presenting they are as tall as the browser
# window leaves below their top (`fit`), so chart and control share a 1280×720 screen.
MAIN_CHARTS = frozenset({
    "reg.fit.curve", "regions.fig", "roc_live", "clu.scatter", "clu.side", "embedding", "stale", "ano.live",
})  # fmt: skip
FIT = {"min": 300, "pad": 10}  # the smallest fitted height and the gap left under the chart (px)
# Each page's demonstrated control (a widget key; Streamlit gives its element the class st-key-<key, . as ->):
# while presenting, the sidebar section holding it comes first.
LEAD_CONTROLS = {"Regression": "reg.model"}  # the other pages' sidebars start with theirs
ALL = {"*", "all"}  # ?lock=all locks every widget that honours locks


def _truthy(raw) -> bool:
    return str(raw).strip().lower() in TRUE_WORDS


def parse_locks(raw: str | None) -> frozenset[str]:
    """'model, threshold' -> {'model', 'threshold'}; anything but letters, digits, '_', '.', '-', '*' dropped."""
    if not raw:
        return frozenset()
    return frozenset(n for n in (re.sub(r"[^A-Za-z0-9_.*-]", "", p) for p in str(raw).split(",")) if n)


def matches(name: str, key: str) -> bool:
    """Whether lock `name` covers widget (or URL parameter) `key`: the key itself or its last part(s):
    `model` locks `model` and `reg.model` (not the model's hyperparameters `model.tree.*`), `max_depth`
    locks `model.tree.max_depth`; `all` locks every control that honours locks."""
    return name in ALL or key == name or key.endswith("." + name)


# -- state -------------------------------------------------------------------------------------------
def active() -> bool:
    """Whether this session is in presentation mode (a page run without the router reads the link itself)."""
    try:
        ss = st.session_state
        if KEY not in ss and "present" in st.query_params:
            return _truthy(st.query_params.get("present"))
        return bool(ss.get(KEY, False))
    except Exception:  # noqa: BLE001 - outside a Streamlit run (scripts, unit tests)
        return False


def locks() -> frozenset[str]:
    """The lock names the link gave (`?lock=a,b`), kept for the session."""
    try:
        ss = st.session_state
        if _LOCKS not in ss and "lock" in st.query_params:
            return parse_locks(st.query_params.get("lock"))
        return ss.get(_LOCKS, frozenset())
    except Exception:  # noqa: BLE001
        return frozenset()


def locked(key: str) -> bool:
    """Whether the link locked the widget `key` (pass as `disabled=`)."""
    return any(matches(name, key) for name in locks())


def scale() -> float:
    """The chart and text scale this run draws at: SCALE while presenting, else 1."""
    return SCALE if active() else 1.0


def _read_url() -> None:
    """A link's `present` and `lock` values decide; a URL without them (after a page switch) keeps the session's."""
    ss, qp = st.session_state, st.query_params
    raw = qp.get("present")
    if raw is not None and raw != ss.get(_URL_SEEN):
        ss[KEY] = _truthy(raw)
        ss[_URL_SEEN] = raw
    raw = qp.get("lock")
    if raw is not None:
        ss[_LOCKS] = parse_locks(raw)


def _write_url(on: bool) -> None:
    ss, qp = st.session_state, st.query_params
    if on and not _truthy(qp.get("present") or ""):
        qp["present"] = "1"
    elif not on and "present" in qp:
        del qp["present"]
    ss[_URL_SEEN] = qp.get("present")
    names = ss.get(_LOCKS, frozenset())
    if names and "lock" not in qp:
        qp["lock"] = ",".join(sorted(names))


def setup(page: str = "") -> bool:
    """The router's call, every run, before the page: link -> state, the toggle, URL, CSS. Returns `active()`."""
    ss = st.session_state
    _read_url()
    st.sidebar.toggle(
        "Presentation mode",
        key=KEY,
        help="For the projector: larger text and charts, explanations folded away, the sidebar closed. "
        "The link gets `?present=1`; add `&lock=model,threshold` to lock those controls.",
    )
    if locks():  # say why controls are greyed out (names are letters, digits and _.*- only: see parse_locks)
        st.sidebar.markdown(
            ":material/lock: Locked by the link: " + ", ".join(f"`{n}`" for n in sorted(locks()))
        )
    on = active()
    starts = on and not ss.get(_PRESENTED)
    if starts:  # presentation starts: close the sidebar (once; it opens with its arrow)
        st.set_page_config(initial_sidebar_state="collapsed")
    ss[_PRESENTED] = on
    _write_url(on)
    ss[_EXPORT] = rp.slug(page or "chart", 40)
    if on:
        st.html(f"<style>{css(lead=LEAD_CONTROLS.get(page))}</style>")
    if on and starts:  # and close it even where this browser remembers it open (Streamlit keeps that per app)
        st.html(CLOSE_SIDEBAR_JS, unsafe_allow_javascript=True)
    return on


# Streamlit 1.67 keeps the sidebar's open/closed state per app in localStorage ("stSidebarCollapsed-<base>"),
# and a remembered state wins over `initial_sidebar_state`. This runs in the page (st.html with JavaScript)
# once, when presentation starts: it remembers "closed" and presses the sidebar's own close button if the
# sidebar is open (the arrow opens it again, and the user's choice stands from then on).
CLOSE_SIDEBAR_JS = """<span class="mx-script"></span><script>
(() => {
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k && k.startsWith("stSidebarCollapsed-")) localStorage.setItem(k, "true");
    }
  } catch (err) { /* storage refused: the button below still closes it */ }
  let tries = 0;
  const close = () => {
    const sb = document.querySelector("[data-testid='stSidebar']");
    const btn = document.querySelector("[data-testid='stSidebarCollapseButton'] button");
    const open = sb && sb.getAttribute("aria-expanded") !== "false" && sb.getBoundingClientRect().right > 5;
    const clicked = open && btn;
    if (clicked) btn.click();
    // until it is closed (a busy page renders late); after a click, give the sidebar time to fold first
    if ((open || !sb) && ++tries < 40) setTimeout(close, clicked ? 700 : 100);
  };
  close();
})();
</script>"""


def _key_class(key: str) -> str:
    """The CSS class Streamlit gives the element of widget `key`."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def css(k: float = SCALE, lead: str | None = None) -> str:
    """The page CSS while presenting: one root font size (everything sized in rem follows it), tighter
    padding, captions and `explain` text hidden, metric tiles that wrap instead of clipping (st.dataframe
    draws on a canvas in pixels and stays at its size: CSS zoom mis-sizes its grid). `lead`: the widget key of the page's
    demonstrated control where it is not first already: the sidebar section holding it comes first; the
    presentation toggle and the copy-link button follow the page's controls (the data choice comes last)."""
    top = "[data-testid='stSidebarUserContent'] > div > [data-testid='stVerticalBlock']"  # the sidebar's own rows
    lead_css = f"{top} > :has(.{_key_class(lead)}) {{ order: -1; }}" if lead else ""
    return lead_css + (
        f"{top} > .{_key_class(KEY)}, {top} > :has(> iframe[data-testid='stIFrame']) {{ order: 45; }}"
        "[data-testid='stElementContainer']:has(.mx-script) { display: none !important; }"
    ) + (
        f"html {{ font-size: {16 * k:g}px !important; }}"
        "[data-testid='stHeader'] { height: 2.5rem !important; min-height: 0 !important; }"
        "[data-testid='stMainBlockContainer'] { padding-top: 2.75rem !important; padding-bottom: 2rem !important;"
        " padding-left: 2rem !important; padding-right: 2rem !important; }"
        "[data-testid='stSidebarUserContent'] { padding-top: 0.5rem !important; }"
        # the sidebar (when opened) leads with the page's own controls: page links and data choice below them
        "[data-testid='stSidebarContent'] { display: flex !important; flex-direction: column !important; }"
        "[data-testid='stSidebarUserContent'] { order: 1; }"
        "[data-testid='stSidebarNav'], [data-testid='stSidebarNavSeparator'] { order: 2; }"
        "[data-testid='stSidebarUserContent'] [data-testid='stLayoutWrapper']:has(> [class*='st-key-mx-data-'])"
        " { order: 50; }"
        "[data-testid='stCaptionContainer'],"
        " [data-testid='stElementContainer']:has(> [data-testid='stCaptionContainer']),"
        " [data-testid='stElementContainer']:has(> [data-testid='stEmpty']) { display: none !important; }"
        # tighter rows in the main area, so the main chart and its control share a 1280×720 screen
        "[data-testid='stMain'] [data-testid='stVerticalBlock'] { row-gap: 0.55rem !important; }"
        "h1 { font-size: 2rem !important; padding: 0 0 0.25rem !important; }"
        ".mx-metrics { grid-template-columns: repeat(auto-fit, minmax(7rem, 1fr)) !important; }"
        ".mx-metric > div { white-space: normal !important; overflow-wrap: anywhere; }"
    )


def explain(text: str) -> None:
    """Explanatory text under a page's title: shown normally, folded away while presenting."""
    if not active():
        st.markdown(text)


# -- charts ------------------------------------------------------------------------------------------
def name_exports(page: str, dataset: str = "", model: str = "", params: dict | None = None, *, stem: str = "") -> None:
    """What this run's PNG exports are named after: 'classification_moons_tree_max_depth=3_<chart>.png'
    (or `stem` as given)."""
    if not stem:
        parts = [rp.slug(page, 20), rp.slug(dataset, 40) if dataset else "", rp.slug(model, 30) if model else ""]
        stem = "_".join([p for p in parts if p] + ([rp.params_slug(params)] if params else []))
    st.session_state[_EXPORT] = rp.slug(stem, 120)


def export_name(chart: str | None = None) -> str:
    """The file name (no extension) a chart's PNG gets."""
    try:
        stem = st.session_state.get(_EXPORT, "chart")
    except Exception:  # noqa: BLE001
        stem = "chart"
    return rp.slug(f"{stem}_{chart}" if chart else stem, 150)


def chart_config(chart: str | None = None) -> dict:
    """Plotly `config` for every chart: the camera button saves a 1920×1080 PNG at the presentation scale.

    Normally the chart is exported at 1920/SCALE × 1080/SCALE and `scale`d up, so its text comes out
    SCALE times bigger; while presenting the figure is already scaled and is exported at 1920×1080."""
    k = 1.0 if active() else SCALE
    w, h = rp.PNG_SIZE
    cfg = rp.browser_png_config(width=round(w / k), height=round(h / k), scale=k, filename=export_name(chart))
    cfg["displaylogo"] = False
    return cfg


def figure(fig):
    """`fig` as this run draws it: a scaled copy while presenting, else `fig` itself."""
    return plots.presentation(fig, SCALE) if active() else fig


def chart(fig, *, key: str | None = None, container=None, config: dict | None = None, **kwargs):
    """`st.plotly_chart` for every chart of the app: presentation scale and PNG export config.

    container: where to draw (a column, the sidebar...); kwargs go to `plotly_chart` unchanged."""
    where = st if container is None else container
    if key in MAIN_CHARTS and active() and not kwargs.get("on_select"):
        # a page's main chart is drawn by the live chart while presenting: it fits the browser window (`fit`)
        import contextlib
        import hashlib

        from ui.live_plot import live_plot

        fig_json = fig.to_json()
        with where if container is not None else contextlib.nullcontext():
            return live_plot(fig_json, hashlib.sha1(fig_json.encode()).hexdigest()[:16], {}, key=key, config=config)
    return where.plotly_chart(figure(fig), key=key, config={**chart_config(key), **(config or {})}, **kwargs)


def fit(key: str | None) -> dict | None:
    """How a live chart sizes itself: {min, pad} for a page's main chart while presenting (as tall as the
    window leaves below its top), else None (the figure's own height)."""
    return dict(FIT) if key in MAIN_CHARTS and active() else None


def live_figure(figure_json: str | None, revision: str | None, marks: dict | None = None):
    """(figure JSON, revision, marks) for a live component (ui/live_plot, ui/live_threshold), scaled while
    presenting; the revision changes with the mode so the component redraws the whole figure."""
    if not active():
        return figure_json, revision, marks
    if figure_json is not None:
        figure_json = plots.presentation_json(figure_json, SCALE)
    if marks:
        marks = plots.scale_layout(copy.deepcopy(marks), SCALE)
    return figure_json, (None if revision is None else f"{revision}|present{SCALE:g}"), marks


def table(data, *, container=None, hide_index: bool | None = None, column_config: dict | None = None, **kwargs):
    """`st.dataframe` for every table of the app; while presenting, an `st.table` of the same values.

    The data grid draws on a canvas in pixels, so its text would stay small on a projector (CSS zoom
    mis-sizes its grid); a table's text follows the presentation scale. Number formats of
    `column_config` ("percent", printf like "%.3f") carry over; other floats show 3 decimals."""
    where = st if container is None else container
    if not active():
        return where.dataframe(data, hide_index=hide_index, column_config=column_config, **kwargs)
    import pandas as pd
    from pandas.io.formats.style import Styler

    if isinstance(data, Styler):
        return where.table(data, hide_index=hide_index)
    frame = pd.DataFrame(data)
    formats = {}
    for col in frame.columns:
        if not pd.api.types.is_float_dtype(frame[col]):
            continue
        fmt = ((column_config or {}).get(col) or {}).get("type_config", {}).get("format") if isinstance(
            (column_config or {}).get(col), dict) else None  # fmt: skip
        if fmt == "percent":
            formats[col] = "{:.1%}"
        elif isinstance(fmt, str) and fmt.startswith("%"):
            formats[col] = lambda v, f=fmt: f % v
        else:
            formats[col] = "{:.3f}"
    labels = {c: cfg["label"] for c, cfg in (column_config or {}).items() if isinstance(cfg, dict) and cfg.get("label")}
    styler = frame.style.format(formats, na_rep="")
    if labels:
        styler = styler.relabel_index([labels.get(c, c) for c in frame.columns], axis="columns")
    return where.table(styler, hide_index=hide_index)
