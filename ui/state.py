"""Page state <-> URL query parameters, so a lecturer can share a link to an exact view.

Streamlit widgets bind themselves to the URL with `bind="query-params"` (they need a key, which
becomes the parameter name); `bound` returns the keyword arguments that do so.
"""

from __future__ import annotations

import streamlit as st


def bound(key: str) -> dict:
    """Widget kwargs that give the widget `key` and sync its value with the URL query parameter `key`."""
    return {"key": key, "bind": "query-params"}


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
