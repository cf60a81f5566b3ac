"""Page state <-> URL query parameters, so a lecturer can share a link to an exact view.

Streamlit widgets bind themselves to the URL with `bind="query-params"` (they need a key, which
becomes the parameter name); `bound` returns the keyword arguments that do so.
"""

from __future__ import annotations

import streamlit as st


def bound(key: str) -> dict:
    """Widget kwargs that give the widget `key` and sync its value with the URL query parameter `key`.

    The value is also kept for the session (`persist_state`), so leaving the page with `switch_page`
    below (which empties the URL) and coming back restores it.
    """
    return {"key": key, "bind": "query-params", "persist_state": "session"}


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
    """Let a link name a select box's option by its registry key (`?model=knn`), not only by its title.

    A widget bound to the URL stores the *shown* text there (the title, with `format_func`), and
    Streamlit drops a URL value that is not one of those texts. Called before the widget is drawn: a
    URL value that is one of `options` (registry keys) becomes the widget's value on the page's first run.
    """
    raw = st.query_params.get(key)
    if raw is not None and raw in list(options) and key not in st.session_state:
        st.session_state[key] = raw
