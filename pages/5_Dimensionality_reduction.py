"""Dimensionality reduction: PCA, ICA, random projection, NMF, autoencoders, UMAP and t-SNE."""

import streamlit as st

from ui import projection as proj
from ui.code_panel import projection_panel
from ui.data_source import data_line
from ui.navigation import ensure_router
from ui.present import explain, name_exports

ensure_router()

st.set_page_config(page_title="Dimensionality reduction · ML Explorer", layout="wide")
st.title("Dimensionality reduction")
explain(
    "Squeeze many features into a few: see what a **principal component** is and how many are enough, why "
    "PCA cannot unmix a cocktail party and **ICA** can, what a **random projection** preserves, and how "
    "**UMAP** and **t-SNE** differ from linear maps."
)

setup = proj.sidebar()
if setup is None:
    st.stop()
name_exports("projection", setup.choice.ds.name, setup.entry.name, setup.params)  # PNG file names
data_line(setup.choice)
with st.expander("What am I looking at?"):
    st.markdown(
        "Each row of the table is a point in as many dimensions as there are features. A **projection** maps it "
        "to 2 or 3 numbers (the *embedding*) that can be drawn. **Linear** maps (PCA, ICA, random projection, "
        "NMF) multiply the data by a matrix: PCA keeps the directions of largest variance (the *explained "
        "variance ratio* of each component, its *eigenvalue*, tells how much), so the first few components "
        "often hold most of the information. **Non-linear** maps (autoencoders, UMAP, t-SNE) can unroll curved "
        "sheets. **Trustworthiness** (k = 5) is 1 when every point's nearest neighbours on the map were its "
        "neighbours in the data."
    )
proj.views(setup)
projection_panel(setup)  # Show the code and Downloads
