"""Page state <-> URL query parameters, so a lecturer can share a link to an exact view.

One mechanism for every page (issue 14, "Shareable states"):

- `linked(widget, *args, **kw)` draws a keyed widget (`c.slider`, `c.selectbox`, `st.toggle`, ...)
  and keeps its value in the URL under its key, with registry keys as values (`?model=knn`, not
  the shown title). On the page's first run in a session (and on browser back/forward) the link's
  value is checked against the widget's own options or range and, when valid, becomes the widget's
  value; an invalid one is ignored and named in one note at the top of the page. After the widget
  is drawn its value is written back (a value equal to the widget's default is left out of the URL).
  `ui.widgets.param_widget` (every registry hyperparameter) and `ui.data_source.builtin_picker`
  use it, so pages link their models and data without per-widget code.
- `link_value(name, value, parse=...)` does the same for a value no widget holds (the live
  threshold); `tabs(labels, key=...)` opens `st.tabs` bound to the URL by Streamlit itself.
- `begin()` / `finish()` (called by app.py around the page) put the "Copy link" button at the top of
  the sidebar and the place for the note at the top of the page, and, after a complete run, drop URL
  parameters no control used (named in the note when they came from the link).

The widgets are not bound with Streamlit's `bind="query-params"` (which stores a select box's shown
title in the URL and silently drops invalid values), so `st.switch_page` is free to empty the URL;
`switch_page` below still hands it an explicit empty set for the tabs, which are bound.
"""

from __future__ import annotations

import functools
import html
import inspect
import math
from dataclasses import dataclass, field

import streamlit as st

_SEEN = "_url_seen"  # {(page, name)}: names whose link value this session has already read on that page
_RUN = "_mx_url_run"  # attribute of the ScriptRunContext: this run's record (_Run)
_FRAG = "_url_fragments"  # {fragment id: URL names its widgets used in its last run}
_NOTE = "_url_note"  # (page, text): the note about ignored link values, kept while that page is open
# Parameters read by other code (presentation mode, locks) or by Streamlit: never called unknown.
RESERVED = {"present", "lock", "locked", "embed", "embed_options"}


@dataclass
class _Run:
    token: object  # ctx.cursors: a new dict every run, so `is` tells runs apart
    page: str
    fragment: bool
    used: set = field(default_factory=set)
    by_fragment: dict = field(default_factory=dict)  # fragment id -> names its widgets used this run
    ignored: list = field(default_factory=list)
    slot: object = None


def _ctx():
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    return get_script_run_ctx()


class _Bare:  # outside a script run (bare mode): a record per call
    cursors = None
    page_script_hash = ""
    fragment_ids_this_run = None


def _run() -> _Run:
    """This run's record. It lives on the session's ScriptRunContext (not in session state, whose size is
    budgeted): the context outlives runs, and its `cursors` dict is new in every run."""
    ctx = _ctx() or _Bare()
    rec = getattr(ctx, _RUN, None)
    if rec is None or rec.token is not ctx.cursors:
        rec = _Run(ctx.cursors, ctx.page_script_hash, bool(ctx.fragment_ids_this_run))
        if not isinstance(ctx, _Bare):
            setattr(ctx, _RUN, rec)
    return rec


def _fragment_id() -> str | None:
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState

        return ThreadState.get().fragment_id
    except Exception:  # noqa: BLE001 - outside a run, or another Streamlit version
        return None


def _used(name: str) -> None:
    rec = _run()
    rec.used.add(name)
    fid = _fragment_id()
    if fid is not None:
        rec.by_fragment.setdefault(fid, set()).add(name)


def fragment_done() -> None:
    """Called at the end of a fragment's body (`ui.widgets.guarded_fragment`): when the fragment ran alone,
    the URL parameters its widgets wrote last time but not this time (the previous model's hyperparameters
    after a model change) leave the URL, as `finish` does after a full run."""
    fid = _fragment_id()
    if fid is None:
        return
    rec = _run()
    now = rec.by_fragment.get(fid, set())
    kept_names = st.session_state.setdefault(_FRAG, {})
    if rec.fragment:
        qp = st.query_params
        for name in kept_names.get(fid, set()) - now - rec.used:
            if name in qp and not _bound_natively(name):
                del qp[name]
    kept_names[fid] = set(now)


def _first(name: str) -> bool:
    """True when the link's value for `name` is to be read: the page's first run in this session that
    draws it, or a browser back/forward (the URL is then the state to show)."""
    ctx = _ctx()
    seen = st.session_state.setdefault(_SEEN, set())
    mark = (_run().page, name)
    if mark not in seen:
        seen.add(mark)
        return True
    return bool(ctx is not None and ctx.is_history_navigation)


def _md(text: str) -> str:
    text = html.escape(str(text), quote=False)
    for ch in "\\`*_{}[]()#+!|~<>$":
        text = text.replace(ch, "\\" + ch)
    text = text.replace("://", "\\://")  # a bare "http://…" would become a live link
    return text


def note(text: str, sentence: bool = False) -> None:
    """Add `text` to the page's one note about the link (shown at the top of the page): an ignored
    setting ("model=foo (not one of …)"), or with sentence=True a whole sentence said first."""
    rec = _run()
    item = ("!" if sentence else "") + text
    if item not in rec.ignored:
        rec.ignored.append(item)
    _show(rec)


def _ignore(name: str, raw, why: str) -> None:
    shown = ", ".join(raw) if isinstance(raw, list) else raw
    text = f"{name}={shown}" if shown != "" else name
    text = text if len(text) <= 80 else text[:77] + "…"
    note(f"{_md(text)} ({_md(why)})")


def _note_text(items: list[str]) -> str:
    plain = [i for i in items if not i.startswith("!")]
    special = [i[1:] for i in items if i.startswith("!")]
    parts = special[:]
    if plain:
        parts.append("This link has settings this page cannot use; they were ignored: " + "; ".join(plain) + ".")
    return " ".join(parts)


def _show(rec: _Run) -> None:
    if not rec.ignored:
        return
    text = _note_text(rec.ignored)
    st.session_state[_NOTE] = (rec.page, text)
    if rec.fragment:
        return  # a fragment may not write outside itself; the next full run shows it
    if rec.slot is None:
        from streamlit.delta_generator_singletons import get_dg_singleton_instance

        rec.slot = get_dg_singleton_instance().main_dg.empty()
    rec.slot.info(text, icon=":material/link_off:")


# -- reading and writing the URL -------------------------------------------------------------------
def _num(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "iu"):
        return str(int(v))
    f = float(v)
    if math.isfinite(f) and f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


def _fmt(v) -> str:
    """An option or number as it stands in the URL: registry keys as they are, numbers short and exact."""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, int, float)) or hasattr(v, "dtype"):
        return _num(v)
    return str(v)


def _short(v) -> str:
    return "…" if v is None else f"{float(v):.4g}"


def _url_get(name: str, multi: bool):
    qp = st.query_params
    if name not in qp:
        return None
    if multi:
        values = qp.get_all(name)
        return [v for v in values if v != ""]
    return qp.get(name)


def _bound_natively(name: str) -> bool:
    ctx = _ctx()
    if ctx is None:
        return False
    with ctx.session_state.query_params() as qp:
        return qp.is_bound(name)


def _write(name: str, value) -> None:
    """Put `value` (a string, a list of strings, or None to leave it out) in the URL under `name`."""
    qp = st.query_params
    if _bound_natively(name):
        return
    if value is None:
        if name in qp:
            del qp[name]
        return
    if isinstance(value, list):
        value = value or [""]  # an empty choice stays in the link as `name=`
        if qp.get_all(name) != value:
            qp[name] = value
    elif name not in qp or qp.get_all(name) != [value]:
        qp[name] = value


# -- what a widget accepts -------------------------------------------------------------------------
@dataclass
class _Spec:
    kind: str  # "options", "number", "bool"
    default: object
    multi: bool = False  # a list of values (multiselect, range slider)
    options: list | None = None
    labels: object = None  # the format_func giving each option's shown text (a list once worked out)
    low: float | None = None
    high: float | None = None
    integer: bool = False

    def dump(self, value):
        if value is None:
            return None
        if self.multi:
            return [_fmt(v) for v in value]
        return _fmt(value)

    def parse_one(self, raw: str):
        """The value `raw` stands for, or raise ValueError saying why not."""
        if self.kind == "bool":
            low = raw.strip().lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
            raise ValueError("not true or false")
        if self.kind == "options":
            keys = [_fmt(o) for o in self.options]
            if self.labels is not None and not isinstance(self.labels, list):
                self.labels = _labels(self.options, self.labels)
            for pool in (keys, self.labels or []):
                if raw in pool:
                    return self.options[pool.index(raw)]
            for pool in (keys, self.labels or []):
                low = [str(p).lower() for p in pool]
                if raw.lower() in low:
                    return self.options[low.index(raw.lower())]
            try:
                f = float(raw)
                for o in self.options:
                    if isinstance(o, (int, float)) and not isinstance(o, bool) and math.isclose(f, float(o), rel_tol=1e-9, abs_tol=1e-12):
                        return o
            except ValueError:
                pass
            shown = ", ".join(keys[:8]) + (" …" if len(keys) > 8 else "")
            raise ValueError(f"not one of {shown}")
        try:
            f = float(raw)
        except ValueError:
            raise ValueError("not a number") from None
        if not math.isfinite(f):
            raise ValueError("not a finite number")
        if self.integer:
            if f != int(f):
                raise ValueError("not a whole number")
            f = int(f)
        if (self.low is not None and f < self.low) or (self.high is not None and f > self.high):
            raise ValueError(f"outside {_short(self.low)} to {_short(self.high)}")
        return f

    def parse(self, raw):
        if not self.multi:
            return self.parse_one(raw)
        values = [self.parse_one(r) for r in raw]
        if self.kind == "number":
            if len(values) != 2 or values[0] > values[1]:
                raise ValueError("not a range low, high")
            return tuple(values)
        if isinstance(self.default, tuple):
            if len(values) != 2:
                raise ValueError("not a range low, high")
            return tuple(values)
        return values


def _labels(options, format_func):
    if format_func is None:
        return None
    out = []
    for o in options:
        try:
            out.append(str(format_func(o)))
        except Exception:  # noqa: BLE001 - a label we cannot compute is just not accepted in links
            out.append(None)
    return out


@functools.lru_cache(maxsize=64)
def _signature(func) -> inspect.Signature:
    return inspect.signature(func)


def _spec(widget, args, kw) -> _Spec | None:
    """What the widget `widget(*args, **kw)` accepts and its default, from its own arguments."""
    kind = getattr(widget, "__name__", "")
    func = getattr(widget, "__func__", None)
    try:  # a DeltaGenerator method: its signature is read once per widget kind
        params = _signature(func).parameters if func is not None else inspect.signature(widget).parameters
    except (TypeError, ValueError):
        return None
    names = [n for n in params if n != "self"]
    given = dict(zip(names, args, strict=False))  # the call's arguments by name (Signature.bind costs ~0.1 ms)
    given.update(kw)

    def get(name, fallback=None):  # the call's argument `name`, or the widget's default for it
        if name in given:
            return given[name]
        p = params.get(name)
        return fallback if p is None or p.default is inspect.Parameter.empty else p.default

    if kind in ("toggle", "checkbox"):
        return _Spec("bool", bool(get("value")))
    if kind in ("selectbox", "radio", "select_slider", "segmented_control", "pills", "multiselect"):
        options = list(get("options") or [])
        labels = get("format_func")  # shown text, worked out only when a link is read
        if kind in ("selectbox", "radio"):
            index = get("index", 0)
            default = options[index] if index is not None and options else None
            return _Spec("options", default, options=options, labels=labels)
        if kind == "select_slider":
            value = get("value")
            multi = isinstance(value, (tuple, list))
            default = tuple(value) if multi else (value if value is not None else (options[0] if options else None))
            return _Spec("options", default, multi=multi, options=options, labels=labels)
        if kind == "multiselect":
            default = get("default")
            default = [] if default is None else ([default] if isinstance(default, str) else list(default))
            return _Spec("options", default, multi=True, options=options, labels=labels)
        multi = get("selection_mode") == "multi"
        default = get("default")
        if multi:
            default = [] if default is None else ([default] if isinstance(default, str) else list(default))
        return _Spec("options", default, multi=multi, options=options, labels=labels)
    if kind in ("slider", "number_input"):
        low, high, value, step = get("min_value"), get("max_value"), get("value"), get("step")
        if kind == "slider":
            if value is None:
                value = low if low is not None else 0
            low = 0 if low is None else low
            high = 100 if high is None else high
        elif value == "min" or value is None:
            value = low if low is not None else 0.0
        multi = isinstance(value, (tuple, list))
        numbers = [x for x in (low, high, step, *(value if multi else [value])) if x is not None]
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in numbers):
            return None  # dates and times are not linked
        integer = all(isinstance(x, int) for x in numbers)
        return _Spec("number", tuple(value) if multi else value, multi=multi, low=low, high=high, integer=integer)
    return None


# -- the public helpers ----------------------------------------------------------------------------
def linked(widget, *args, url: str | None = None, **kw):
    """Draw `widget(*args, **kw)` (a keyed Streamlit widget) with its value kept in the URL.

    The URL parameter is `url` or the widget's key. A link's value is applied on the page's first
    run when the widget accepts it (an option given by its key or its shown text, a number inside
    the range) and ignored with a note otherwise; the value is written back after every run.
    """
    key = kw.get("key")
    spec = _spec(widget, args, kw) if key is not None else None
    if spec is None:
        return widget(*args, **kw)
    name = url or str(key)
    if _locked(name, str(key)):
        kw["disabled"] = True  # presentation mode: the link locked this control (?lock=name)
    if _first(name):
        raw = _url_get(name, spec.multi)
        if raw is not None:
            try:
                st.session_state[key] = spec.parse(raw)
            except ValueError as exc:
                _ignore(name, raw, str(exc))
    value = widget(*args, **kw)
    _used(name)
    dumped = spec.dump(value)
    _write(name, None if dumped == spec.dump(spec.default) else dumped)
    return value


def _locked(*names: str) -> bool:
    from ui.present import locked  # ui.present imports nothing of ui

    return any(locked(n) for n in names)


def link_value(name: str, value, *, parse, dump=_fmt, default=None):
    """A value no widget holds (the live threshold), kept in the URL under `name`.

    On the page's first run a value in the link replaces `value` when `parse(text)` accepts it
    (ValueError says why not, and the value is named in the note); the result is written back
    (left out when it equals `default`) and returned.
    """
    if _first(name):
        raw = st.query_params.get(name)
        if raw is not None:
            try:
                value = parse(raw)
            except (ValueError, TypeError) as exc:
                _ignore(name, raw, str(exc) or "not a valid value")
    _used(name)
    _write(name, None if default is not None and value == default else dump(value))
    return value


def number_in(low: float, high: float):
    """A parser for `link_value`: a number inside [low, high], or ValueError saying why not."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError("not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"outside {_short(low)} to {_short(high)}")
        return value

    return parse


def truth(text: str) -> bool:
    """A parser for `prime` / `link_value`: true/false (also 1/0, yes/no, on/off)."""
    return _Spec("bool", False).parse_one(text)


def prime(key: str, parse, url: str | None = None) -> None:
    """Apply the link's value for widget `key` now, for code that reads st.session_state[key] before the
    widget (drawn later through `linked`) is drawn; `parse(text)` raises ValueError for a bad value."""
    name = url or key
    if not _first(name):
        return
    raw = st.query_params.get(name)
    if raw is None:
        return
    try:
        st.session_state[key] = parse(raw)
    except ValueError as exc:
        _ignore(name, raw, str(exc))


def from_link(name: str) -> str | None:
    """The link's raw value for `name` on the page's first run (None afterwards or when absent);
    the caller decides what it means and calls `use(name)` when the parameter stays meaningful."""
    if not _first(name):
        return None
    return st.query_params.get(name)


def peek(name: str) -> str | None:
    """The link's raw value for `name` if it has not been read yet on this page (nothing is marked)."""
    if (_run().page, name) in st.session_state.get(_SEEN, set()):
        return None
    return st.query_params.get(name)


def use(name: str, value: str | None = None, write: bool = False) -> None:
    """Mark URL parameter `name` as used this run (so `finish` keeps it); with write=True also set
    it to `value` (None removes it)."""
    _used(name)
    if write:
        _write(name, value)


def tabs(labels, *, key: str, container=None, **kw):
    """`st.tabs` whose open tab is in the URL (`?key=label`, Streamlit's own binding); only the open
    tab's body runs (`tab.open`). A label in a link that is not one of `labels` is named in the note."""
    labels = list(labels)
    if _first(key):
        raw = st.query_params.get(key)
        if raw is not None and raw not in labels:
            _ignore(key, raw, "not one of the tabs " + ", ".join(labels))
    _used(key)
    return (container or st).tabs(labels, key=key, on_change="rerun", bind="query-params", **kw)


def begin(copy_link: bool = True) -> None:
    """Called by app.py before the page runs: the place at the top of the page for the link note, and
    the "Copy link" button at the top of the sidebar (copy_link=False: none, as on Home)."""
    rec = _run()
    if rec.fragment:
        return
    if copy_link:
        copy_link_button()
    rec.slot = st.empty()
    kept_note = st.session_state.get(_NOTE)
    if kept_note and kept_note[0] == rec.page:
        rec.slot.info(kept_note[1], icon=":material/link_off:")
    elif kept_note:
        st.session_state.pop(_NOTE, None)  # another page: the note was about that page's link


def finish() -> None:
    """Called by app.py after a page ran to its end: drop URL parameters no control used this run,
    naming in the note those that came from the link."""
    rec = _run()
    if rec.fragment:
        return
    seen = st.session_state.setdefault(_SEEN, set())
    for name in list(st.query_params):
        if name in rec.used or name.lower() in RESERVED or _bound_natively(name):
            continue
        if (rec.page, name) not in seen:
            seen.add((rec.page, name))
            _ignore(name, st.query_params.get(name), "not a setting of this page or of this view")
        del st.query_params[name]


_COPY_HTML = """
<style>html, body { margin: 0; padding: 0; overflow: hidden; }</style>
<div style="font-family:'Source Sans Pro',sans-serif">
<button id="mx-copy" title="Copy the address of this exact view: data, model, every setting, the open tab"
 style="width:100%;height:40px;margin:1px 0;border:1px solid rgba(49,51,63,0.25);border-radius:0.5rem;background:#fff;
 color:rgb(49,51,63);cursor:pointer;font-size:0.95rem"><svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" style="vertical-align:-3px;margin-right:6px"><path d="M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71"/><path d="M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71"/></svg>Copy link to this view</button>
<input id="mx-link" readonly aria-label="Link to this view" style="display:none;width:100%;height:34px;
 box-sizing:border-box;font-size:0.8rem;border:1px solid rgba(49,51,63,0.25);border-radius:0.5rem;padding:0 6px">
</div>
<script>
const b = document.getElementById("mx-copy"), u = document.getElementById("mx-link"), label = b.innerHTML;
function href() { try { return window.parent.location.href; } catch (e) { return document.referrer; } }
b.onclick = async () => {
  const link = href(); u.value = link;
  let ok = false;
  try { await navigator.clipboard.writeText(link); ok = true; } catch (e) {
    try { u.style.display = "block"; u.select(); ok = document.execCommand("copy"); } catch (e2) { ok = false; }
  }
  b.dataset.copied = ok ? "1" : "0";
  if (ok) {
    u.style.display = "none"; b.style.display = "block"; b.textContent = "\u2713 Link copied";
    setTimeout(() => { b.innerHTML = label; }, 2500);
  } else {  // no clipboard here: the link, selected, for Ctrl+C
    b.style.display = "none"; u.style.display = "block"; u.focus(); u.select();
  }
};
</script>
"""


def copy_link_button(container=None) -> None:
    """A "Copy link" button that copies the browser's current address (where the clipboard is refused,
    the link appears selected in its place, for Ctrl+C). It reads the address when pressed, so it is
    right after any control moved, fragments included."""
    (container or st.sidebar).iframe(_COPY_HTML, height=46)


def bound(key: str) -> dict:
    """Widget kwargs for a widget whose value belongs in the URL: its key, kept for the session.

    Draw the widget through `linked(...)`, which puts the value in the URL (`?key=value`) and
    reads it from a link; the value is also kept for the session (`persist_state`), so leaving
    the page and coming back restores it.
    """
    return {"key": key, "persist_state": "session"}


def switch_page(page: str) -> None:
    """Go to `page` from a page whose widgets may be bound to the URL.

    `st.switch_page(page)` clears the query parameters on the way and refuses ("Cannot clear query
    parameters - bound to widgets") when a bound widget holds a non-default value; handing it an
    explicit empty set replaces them instead, and the target page starts with a clean URL.
    """
    st.switch_page(page, query_params={})


def pop_pending(key: str) -> None:
    """Apply a value queued for widget `key` before the widget is drawn (widgets can't be set after)."""
    pending = f"_pending_{key}"
    if pending in st.session_state:
        st.session_state[key] = st.session_state.pop(pending)


def queue(key: str, value) -> None:
    """Queue `value` for widget `key`; it is applied by `pop_pending` on the next run."""
    st.session_state[f"_pending_{key}"] = value


def kept(**kw) -> dict:
    """Widget kwargs that keep the value for the whole session, across closed tabs and page switches.

    Streamlit otherwise forgets a widget's value when it is not drawn in a run (a view in a closed tab,
    another page); `persist_state="session"` is its own mechanism for exactly this.
    """
    return {"persist_state": "session", **kw}


def clamp_kept(key: str, low, high) -> None:
    """Bring a kept widget value back inside [low, high] before the widget is drawn.

    A value kept for the session (`kept`) outlives the data it was chosen for: 39 components on a
    table that now has 3 features would make Streamlit refuse the slider (value above max).
    """
    value = st.session_state.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and low <= high:
        if value < low or value > high:
            st.session_state[key] = type(value)(min(max(value, low), high))


def accept_key_in_url(key: str, options) -> None:
    """Kept for callers: `linked` now reads registry keys (and shown titles) from links itself.

    Called before the widget is drawn: a URL value that is one of `options` (registry keys)
    becomes the widget's value on the page's first run.
    """
    raw = st.query_params.get(key)
    if raw is not None and raw in list(options) and key not in st.session_state:
        st.session_state[key] = raw
