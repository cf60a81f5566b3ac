"""ML Explorer, Home: what each page teaches, the dataset gallery and the device torch models use.

Routed by app.py (`st.navigation`); the page list and its texts come from `ui.navigation`.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from ml import datasets, tables
from ui import cache, navigation
from ui.navigation import ensure_router
from ui.widgets import guard

ensure_router()

log = logging.getLogger("ml_explorer")

TASK_WORDS = {
    "binary": "classification (2 classes)",
    "multiclass": "classification (3+ classes)",
    "regression": "regression",
    None: "no target (unsupervised)",
}


def _origin(text: str) -> str:
    """The dataset's source, without markdown backticks or the shared scikit-learn licence sentence."""
    return " ".join(text.replace(datasets.SKLEARN_LICENCE, "").replace("`", "").split())


def _origin_of(ds: datasets.Dataset) -> str:
    """Where the data comes from; a simulated set first says what it imitates."""
    source = _origin(ds.source)
    return f"Imitates {ds.imitates}. {source}" if ds.simulated and ds.imitates else source


def gallery() -> pd.DataFrame:
    """One row per registered dataset, built at its default options (cached loads, a few ms warm)."""
    rows = []
    for spec in datasets.REGISTRY.values():
        row = {
            "Dataset": spec.title,
            "Task": TASK_WORDS.get(spec.task, spec.task),
            "Rows × features": "?",
            "Real or simulated": "Simulated" if spec.simulated else "Real",
            "Origin": spec.summary,
        }
        try:
            options = tuple(sorted((p.name, p.default) for p in spec.params))
            ds = cache.dataset(spec.name, options)
        except Exception as exc:  # noqa: BLE001 - one broken dataset must not hide the others
            log.exception("Home: dataset %r could not be loaded", spec.name)
            row["Origin"] = f"(could not be loaded: {type(exc).__name__}) {spec.summary}"
        else:
            size = f"{ds.n_samples:,} × {len(ds.feature_names)}"
            if any(p.name == "n_samples" for p in spec.params):
                size += " (adjustable)"
            row["Rows × features"] = size
            row["Real or simulated"] = "Simulated" if ds.simulated else "Real"
            row["Origin"] = _origin_of(ds)
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
st.title("ML Explorer")
st.markdown(
    "An interactive dashboard for learning and inspecting machine-learning models, built for the "
    "*Introduction to Machine Learning for Scientists* curriculum: move a slider, watch the model change."
)

st.header("What each page teaches")
pages = navigation.installed()
if not pages:
    st.info("No pages are installed yet: add scripts to the pages/ folder and list them in ui/navigation.py.")
else:
    for i, page in enumerate(pages):
        if i % 3 == 0:  # a row of three cards at a time, so the cards read in menu order
            columns = st.columns(3, gap="medium")
        with columns[i % 3].container(border=True, height="stretch"):
            st.subheader(page.title, anchor=False)
            st.caption(page.section)
            st.markdown(page.teaches)
            st.page_link(page.file, label=f"Open {page.title}", icon=page.icon)

st.header("Datasets")
st.markdown(
    "Every dataset the pages offer. **Real** tables come with scikit-learn (no download) or, for NAND, "
    "its truth table; **simulated** "
    "ones are generated on the fly, seeded, and say what they imitate. Size, noise and seed of the "
    "simulated sets can be changed on each page."
)
with guard("The dataset gallery"):
    table = gallery()
    # A static table wraps its text: every name and origin is read in full at 1366 px (a data grid
    # cut them at its column widths), and every row shows without an inner scroll.
    st.table(table.set_index(table.columns[0]))
    st.caption("Origins, licences and columns: data/README.md.")

st.header("Device")
with guard("Finding the device"):
    label = cache.device_label()
    st.markdown(f"**Torch models train on:** {label}")
    st.markdown(
        "The neural networks use the GPU automatically when torch sees one (CUDA, or Apple's MPS), and "
        "the CPU otherwise; set ML_EXPLORER_DEVICE=cpu to force the CPU. scikit-learn models run on the CPU."
    )

st.header("Real vs simulated data")
st.markdown(
    "The simulated SDSS and photon-vs-jet sets are caricatures for learning the tools. For science, "
    "load the real data: the pages accept an uploaded **CSV** file (up to "
    f"{tables.MAX_UPLOAD_MB} MB). For the SDSS, open the [SkyServer SQL search]({datasets.SKYSERVER_URL}), paste this "
    "query, choose CSV output and upload the result. It gives the columns u, g, r, i, z (magnitudes), "
    "class (STAR / GALAXY / QSO) and redshift; the colours are derived on upload."
)
st.code(datasets.SKYSERVER_QUERY, language="sql")
with st.expander("Real photon-vs-jet data (CMS Open Data)"):
    st.markdown(datasets.PHOTON_JET_HOW_TO_GET_REAL)
