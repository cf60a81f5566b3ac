"""Clustering: k-means, hierarchical, DBSCAN and Gaussian mixtures, step by step."""

import streamlit as st

from ui import clustering as clu
from ui.code_panel import clustering_panel
from ui.data_source import data_line
from ui.navigation import ensure_router
from ui.present import explain, name_exports
from ui.state import tabs as linked_tabs
from ui.widgets import dataset_badge, guard, guarded_fragment

ensure_router()

st.set_page_config(page_title="Clustering · ML Explorer", layout="wide")
st.title("Clustering")
explain(
    "Group points without labels and see why **k-means** fails on moons, what a **dendrogram** cut means, "
    "how **eps** makes or breaks **DBSCAN**, and what **EM** does to a **Gaussian mixture**: move one control "
    "at a time."
)

setup = clu.sidebar()
if setup is None:
    st.stop()
name_exports("clustering", setup.choice.ds.name, setup.entry.name, setup.params)  # PNG file names
data_line(setup.choice)


@guarded_fragment("Clustering")
def results(setup: clu.Setup) -> None:
    """Everything the algorithm's controls move (k, the cut, eps...), drawn from their widgets in the
    sidebar: a fragment, so moving one reruns this part alone (not the data panel above)."""
    setup = clu.controls(setup)
    res = None
    with guard("Clustering"):
        res = clu.run(setup)
    if res is None:
        return
    with guard("The summary"):
        clu.summary(res)

    views = {"Clusters": clu.clusters_view}
    if setup.entry.extra.get("steps"):
        views["Step through"] = clu.steps_view
    views |= {
        "Choosing k": clu.choosing_k_view,
        "Validation": clu.validation_view,
        "Profiles": clu.profiles_view,
        "Compare algorithms": clu.compare_view,
    }
    # Only the open tab runs (on_change="rerun"): moving k redraws what is on screen, nothing else.
    tabs = linked_tabs(list(views), key="clu.tab")  # the open tab is in the URL too
    for (label, view), tab in zip(views.items(), tabs, strict=True):
        if tab.open:
            with tab, guard(label):
                view(res)
    explain()
    dataset_badge(setup.choice.ds)
    clustering_panel(res)  # Show the code and Downloads


def explain() -> None:
    with st.expander("What am I looking at?"):
        st.markdown(
            "- **k-means** places k centroids, assigns every point to the closest and moves each centroid to the "
            "mean of its points, until nothing changes. It minimises the *inertia* (sum of squared distances), so "
            "it likes round clusters of similar size.\n"
            "- **Hierarchical (agglomerative)** clustering merges the two closest clusters again and again; the "
            "*dendrogram* records every merge at its height, and a horizontal cut gives the clusters. *Single* "
            "link uses the closest points, *complete* the farthest, *average* the mean distance, *Ward* the rise "
            "in variance.\n"
            "- **DBSCAN** needs *eps* (search radius) and *MinPts*: a *core point* has MinPts neighbours within "
            "eps, a *border point* lies within eps of a core point, the rest is *noise*. The *k-distance plot* "
            "suggests eps at its knee. **HDBSCAN** tries every eps at once.\n"
            "- A **Gaussian mixture** fits one Gaussian per cluster by *expectation maximisation*: initialise from "
            "k-means, E-step (membership probabilities), M-step (new means and covariances), check the "
            "log-likelihood. *BIC* and *AIC* help choose the number of components.\n"
            "- **Validation**: *internal* indices use the data alone (silhouette, Davies–Bouldin, "
            "Calinski–Harabasz); *external* ones compare with known labels (adjusted Rand index, NMI, V-measure)."
        )


results(setup)
