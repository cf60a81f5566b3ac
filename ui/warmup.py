"""Start-up work paid once per server, in the background, so the first user does not wait for it."""

from __future__ import annotations

import logging
import threading

import streamlit as st

log = logging.getLogger("ml_explorer")


@st.cache_resource(show_spinner=False)
def warm_up_once() -> threading.Thread:
    """Compile UMAP's numba code (10-15 s on first use) in a daemon thread, once per server process.

    Two threads importing the same package tree at once can meet a circular import half done
    (scikit-learn's modules import each other): the scikit-learn modules UMAP needs are imported
    here, in the script's thread, before the warm-up thread starts; app.py calls this after the
    page has run, so the page's own imports are done too.
    """
    import sklearn.base  # noqa: F401
    import sklearn.decomposition  # noqa: F401
    import sklearn.manifold  # noqa: F401
    import sklearn.metrics  # noqa: F401
    import sklearn.neighbors  # noqa: F401

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
