"""ML Explorer: the router. Run with `streamlit run app.py`.

`st.navigation` shows Home and the pages grouped in sections (Supervised, Evaluation,
Unsupervised), from the one list in `ui.navigation`; each page's file lives in pages/.
"""

from __future__ import annotations

import streamlit as st

from ui import navigation
from ui.warmup import warm_up_once

st.set_page_config(page_title="ML Explorer", layout="wide")

pages = {
    section: [
        st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path, default=p is navigation.HOME)
        for p in infos
    ]
    for section, infos in navigation.by_section().items()
}
try:
    st.navigation(pages, position="sidebar", expanded=True).run()
finally:  # also when the page stops or reruns itself
    warm_up_once()
