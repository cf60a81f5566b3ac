"""Shared widgets: parameter widgets generated from `ParamSpec`s, the dataset picker and badge,
the upload box, and `guard`, which turns any failure into a message in the page."""

from __future__ import annotations

import contextlib
import functools
import html
import logging

import numpy as np
import streamlit as st

from ml import datasets, tables
from ml.params import ParamSpec
from ui import cache

log = logging.getLogger("ml_explorer")


@contextlib.contextmanager
def guard(what: str = "This part of the page"):
    """Show a ValueError's message (already worded for users) or a short note for anything else.

    No traceback reaches the user; the exception is logged on the server, and the rest of the
    page keeps working because the error stops only the block inside `with guard():`.
    """
    try:
        yield
    except ValueError as exc:
        st.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - the page must survive anything
        log.exception("%s failed", what)
        st.error(
            f"{what} could not be computed ({type(exc).__name__}: {exc}). "
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
            with guard(what):
                return fn(*args, **kwargs)

        return st.fragment(body)

    return decorate


def _log_options(spec: ParamSpec, n: int = 25) -> list[float]:
    values = np.geomspace(spec.low, spec.high, n)
    if spec.default not in values:
        values = np.sort(np.append(values, spec.default))
    return [float(f"{v:.3g}") for v in values]


def param_widget(spec: ParamSpec, key: str, container=None, disabled: bool = False, persist: bool = False):
    """One widget for `spec`: slider, log-scale select slider, select box or toggle.

    persist=True keeps the value for the whole session (closed tabs, page switches).
    """
    c = container or st
    kw = dict(key=key, help=spec.help or None, disabled=disabled)
    if persist:
        kw["persist_state"] = "session"
    if spec.kind == "bool":
        return c.toggle(spec.label, value=bool(spec.default), **kw)
    if spec.kind == "choice":
        return c.selectbox(spec.label, list(spec.choices), index=list(spec.choices).index(spec.default), **kw)
    if spec.kind == "int":
        step = int(spec.step or 1)
        return c.slider(spec.label, int(spec.low), int(spec.high), int(spec.default), step, **kw)
    if spec.log:
        options = _log_options(spec)
        default = float(f"{spec.default:.3g}")
        return c.select_slider(
            spec.label, options=options, value=default, format_func=lambda v: f"{v:g}", **kw
        )
    step = spec.step or (spec.high - spec.low) / 100
    return c.slider(spec.label, float(spec.low), float(spec.high), float(spec.default), float(step), **kw)


def param_widgets(specs, prefix: str, container=None, persist: bool = False) -> dict:
    """Widgets for every spec; returns {name: value}. Keys are `prefix.name` so each model keeps its own."""
    return {s.name: param_widget(s, f"{prefix}.{s.name}", container, persist=persist) for s in specs}


def dataset_picker(
    task=None, key: str = "dataset", default: str | None = None, container=None, label: str = "Dataset"
) -> tuple[str, tuple]:
    """Choose a registered dataset and its options (size, noise, seed); returns (name, options tuple)."""
    c = container or st
    specs = datasets.list_datasets(task)
    names = [s.name for s in specs]
    titles = {s.name: s.title + ("  (simulated)" if s.simulated else "") for s in specs}
    index = names.index(default) if default in names else 0
    name = c.selectbox(label, names, index=index, format_func=titles.get, key=key)
    spec = datasets.REGISTRY[name]
    values = {}
    if spec.params:
        with c.expander("Dataset options", expanded=False):
            values = param_widgets(spec.params, f"{key}.{name}")
    return name, tuple(sorted(values.items()))


def dataset_badge(ds: datasets.Dataset) -> None:
    """Say whether the data is real or simulated, what it imitates and how to load the real thing."""
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


def upload_box(label: str, key: str, help: str | None = None):
    """A CSV upload box; returns the validated `ml.tables.Table`, or None (after showing why) ."""
    file = st.file_uploader(label, type=None, key=key, help=help)
    if file is None:
        return None
    data = file.getvalue()
    # hash each upload once (0.3 s at 200 MB), not on every rerun of the page
    digests = st.session_state.setdefault("_upload_digests", {})
    if digests.get(key, (None,))[0] != file.file_id:
        digests[key] = (file.file_id, cache.sha256(data))
    with guard("Reading the file"):
        table = cache.upload_table(digests[key][1], file.name, data)
        for note in table.notes:
            st.info(note)
        return table
    return None


def upload_columns(
    table, prefix: str, *, target_label: str, default_target: str, default_features: list[str]
) -> tuple[tuple, str, list[str], str, str]:
    """Sidebar choices that turn an uploaded table into a dataset: the target, the features and, only
    when the chosen columns need one, what to do with text features and with rows that have gaps.

    Returns (data key, target, features, non_numeric, missing); the key names the upload's content
    and every choice, so `cache.upload_dataset` builds each prepared table once.
    """
    sb, df = st.sidebar, table.df
    columns = [str(c) for c in df.columns]
    target = sb.selectbox(target_label, columns, index=columns.index(default_target), key=f"{prefix}.target")
    candidates = [str(c) for c in tables.feature_candidates(df, target)]
    default = [c for c in default_features if c in candidates] or candidates
    features = sb.multiselect(
        "Feature columns", candidates, default=default, key=f"{prefix}.features.{target}"
    )
    kinds = tables.column_kinds(df)
    text = [c for c in features if kinds.get(c) in ("categorical", "text")]
    non_numeric, missing = "error", "error"
    if text:
        non_numeric = sb.radio(
            f"{len(text)} feature column(s) hold text, not numbers ({', '.join(text[:3])})",
            ["drop", "onehot"],
            format_func={
                "drop": "Leave them out",
                "onehot": "One-hot encode (a 0/1 column per category)",
            }.get,
            key=f"{prefix}.text",
        )
    present = [c for c in [*features, target] if c in df.columns]
    n_missing = int(df[present].isna().any(axis=1).sum()) if present else 0
    if n_missing:
        missing = sb.radio(
            f"{n_missing:,} of {len(df):,} rows have missing values",
            ["drop", "impute"],
            format_func={"drop": "Drop those rows", "impute": "Fill gaps with the column median"}.get,
            key=f"{prefix}.missing",
        )
    key = ("upload", table.sha256, target, tuple(features), non_numeric, missing)
    return key, target, features, non_numeric, missing


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
        f"<div style='display:grid;grid-template-columns:repeat({int(columns)},minmax(0,1fr));"
        f"gap:0.6rem 1rem;margin:0.4rem 0 0.8rem'>{cells}</div>"
    )
