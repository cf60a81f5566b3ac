"""ML Explorer: the router. Run with `streamlit run app.py`.

`st.navigation` shows Home and the pages grouped in sections (Supervised, Evaluation,
Unsupervised), from the one list in `ui.navigation`; each page's file lives in pages/. Presentation
mode (`ui.present`: the sidebar toggle, `?present=1`, `?lock=...`) is set up here, once, for every page.
"""

from __future__ import annotations

import streamlit as st

from ui import navigation, present, state
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
    page = st.navigation(pages, position="sidebar", expanded=True)
    present.setup(page.title)  # presentation mode: ?present=1, ?lock=..., the sidebar toggle, the page CSS
    state.begin(copy_link=page.title != navigation.HOME.title)  # "Copy link"; the place for the link note
    page.run()
    state.finish()  # after a complete run: URL parameters no control used are dropped (named if from a link)
finally:  # also when the page stops or reruns itself
    warm_up_once()
