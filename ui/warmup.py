"""Start-up work paid once per server, in the background, so the first user does not wait for it."""

from __future__ import annotations

import logging
import threading

import streamlit as st

log = logging.getLogger("ml_explorer")


@st.cache_resource(show_spinner=False)
def warm_up_once() -> threading.Thread:
    """Compile UMAP's numba code (10-15 s on first use) in a daemon thread, once per server process."""

    def work():
        try:
            from ml import projection

            warm = getattr(projection, "warm_umap", None)
            if warm is not None:
                warm()
        except Exception:  # noqa: BLE001 - a failed warm-up only means the first fit pays the compile
            log.exception("UMAP warm-up failed")

    thread = threading.Thread(target=work, name="umap-warmup", daemon=True)
    thread.start()
    return thread
