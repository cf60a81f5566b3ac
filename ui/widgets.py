"""Shared widgets: parameter widgets generated from `ParamSpec`s, the dataset badge, the metric grid,
and `guard`, which turns any failure into a message in the page. Data choice is `ui.data_source`."""

from __future__ import annotations

import contextlib
import functools
import html
import logging

import numpy as np
import streamlit as st

from ml import datasets
from ml.params import ParamSpec

log = logging.getLogger("ml_explorer")


def safe_md(text: str) -> str:
    """User text made safe for st.markdown / st.error / captions: HTML-escaped and Markdown specials
    backslashed, so a label like `sig![t](http://host/x.png)` shows as written and fetches nothing."""
    text = html.escape(str(text), quote=False)
    for ch in "\\`*_{}[]()#+!|~<>$":
        text = text.replace(ch, "\\" + ch)
    text = text.replace("://", "\\://")  # a bare "http://…" would become a live link
    return text


class PageNote(Exception):  # noqa: N818 - a note, not an error
    """Ends a block of the page with a note (not an error): e.g. a fit the user stopped."""


@contextlib.contextmanager
def guard(what: str = "This part of the page"):
    """Show a ValueError's message (already worded for users) or a short note for anything else.

    No traceback reaches the user; the exception is logged on the server, and the rest of the
    page keeps working because the error stops only the block inside `with guard():`.
    """
    try:
        yield
    except PageNote as exc:  # worded by the app, user text in it already escaped
        st.info(str(exc), icon=":material/info:")
    except ValueError as exc:
        st.error(safe_md(str(exc)))  # messages quote column names and labels: user text
    except Exception as exc:  # noqa: BLE001 - the page must survive anything
        log.exception("%s failed", what)
        st.error(
            f"{what} could not be computed ({type(exc).__name__}: {safe_md(str(exc))}). "
            "Try other settings; the rest of the page still works."
        )


def guarded_fragment(what: str):
    """`st.fragment` whose body runs inside `guard(what)`.

    A fragment rerun calls the function alone, outside the caller's `with guard()`, so the
    guard has to be inside for errors in a rerun to become messages instead of tracebacks.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def body(*args, **kwargs):
            from ui.state import fragment_done

            with guard(what):
                result = fn(*args, **kwargs)
                fragment_done()  # a rerun of the fragment alone drops the URL parameters it no longer uses
                return result

        return st.fragment(body)

    return decorate


def _log_options(spec: ParamSpec, n: int = 25) -> list[float]:
    values = np.geomspace(spec.low, spec.high, n)
    if spec.default not in values:
        values = np.sort(np.append(values, spec.default))
    return [float(f"{v:.3g}") for v in values]


def param_widget(
    spec: ParamSpec, key: str, container=None, disabled: bool = False, persist: bool = False, link: bool = True
):
    """One widget for `spec`: slider, log-scale select slider, select box or toggle.

    persist=True keeps the value for the whole session (closed tabs, page switches). link=True (the
    default) keeps it in the URL under `key` too (`ui.state.linked`), so a shared link restores it.
    """
    from ui.present import locked
    from ui.state import linked

    c = container or st
    kw = dict(key=key, help=spec.help or None, disabled=disabled or locked(key))  # locked: ?lock= (ui.present)
    if persist:
        kw["persist_state"] = "session"

    def draw(widget, *args, **more):
        return linked(widget, *args, **more) if link else widget(*args, **more)

    if spec.kind == "bool":
        return draw(c.toggle, spec.label, value=bool(spec.default), **kw)
    if spec.kind == "choice":
        return draw(c.selectbox, spec.label, list(spec.choices), index=list(spec.choices).index(spec.default), **kw)
    if spec.kind == "int":
        step = int(spec.step or 1)
        return draw(c.slider, spec.label, int(spec.low), int(spec.high), int(spec.default), step, **kw)
    if spec.log:
        options = _log_options(spec)
        default = float(f"{spec.default:.3g}")
        return draw(c.select_slider, spec.label, options=options, value=default, format_func=lambda v: f"{v:g}", **kw)
    step = spec.step or (spec.high - spec.low) / 100
    return draw(c.slider, spec.label, float(spec.low), float(spec.high), float(spec.default), float(step), **kw)


def param_widgets(specs, prefix: str, container=None, persist: bool = False, link: bool = True) -> dict:
    """Widgets for every spec; returns {name: value}. Keys are `prefix.name` so each model keeps its own;
    each value is in the URL under its key (link=False: not)."""
    return {s.name: param_widget(s, f"{prefix}.{s.name}", container, persist=persist, link=link) for s in specs}


def dataset_badge(ds: datasets.Dataset) -> None:
    """Say whether the data is real or simulated, what it imitates and how to load the real thing."""
    from ui.present import active

    if active():  # presentation mode: the data line's "Simulated data" / "Real data" says it in one line
        return
    if ds.simulated:
        text = f"**Simulated data.** {ds.description}"
        if ds.imitates:
            text += f"\n\nImitates: {ds.imitates}."
        if ds.how_to_get_real:
            text += f"\n\n**The real thing:** {ds.how_to_get_real}"
        st.info(text, icon=":material/science:")
    else:
        st.caption(
            f"**Real data** — {ds.source.rstrip('.')}. {ds.n_samples:,} rows × {len(ds.feature_names)} features."
        )


def metric_grid(items: list[tuple[str, float, str]], columns: int = 6) -> None:
    """Many numbers as ONE element, (label, value, shown text) each, big enough for a projector.

    One element instead of one `st.metric` per number: on a live slider every changed element
    costs a browser re-render, and twelve of them cost ~40 ms a move. The exact value rides along
    in `data-value` (tests and scrapers read it; the text is rounded).
    """
    cells = "".join(
        f"<div class='mx-metric' data-label='{html.escape(label, quote=True)}' data-value='{value!r}'>"
        f"<div style='font-size:0.95rem;opacity:0.75;white-space:nowrap;overflow:hidden;"
        f"text-overflow:ellipsis' title='{html.escape(label, quote=True)}'>{html.escape(label)}</div>"
        f"<div style='font-size:2.1rem;line-height:1.25'>{html.escape(text)}</div></div>"
        for label, value, text in items
    )
    st.html(
        f"<div class='mx-metrics' style='display:grid;grid-template-columns:repeat({int(columns)},minmax(0,1fr));"
        f"gap:0.6rem 1rem;margin:0.4rem 0 0.8rem'>{cells}</div>"
    )
