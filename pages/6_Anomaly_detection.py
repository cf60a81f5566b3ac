"""Anomaly detection: LOF, Isolation Forest, DRAMA and friends, scored, thresholded and benchmarked."""

import streamlit as st

from ui import anomaly as ano
from ui.code_panel import anomaly_panel
from ui.data_source import data_line
from ui.navigation import ensure_router
from ui.present import explain, name_exports
from ui.state import tabs as linked_tabs
from ui.widgets import guard

ensure_router()  # a link straight to this page on a fresh server still goes through app.py

st.set_page_config(page_title="Anomaly detection · ML Explorer", layout="wide")
st.title("Anomaly detection")
explain(
    "Score every row for how **unusual** it is, then pick a threshold: Isolation Forest isolates, LOF compares "
    "local densities, and **DRAMA** measures the distance to the nearest prototype after a dimensionality "
    "reduction. No method is best for every kind of anomaly."
)

choice = ano.data_sidebar()
if choice is None:
    st.stop()
labels = ano.label_choice(choice)
res = None
with guard("The detector's settings"):
    entry, params, seed, notes = ano.detector_sidebar(choice.ds.n_samples, len(choice.ds.feature_names))
    name_exports("anomaly", choice.ds.name, entry.name, params)  # PNG file names
    data_line(choice)
    with guard("Fitting the detector"):
        res = ano.fit(choice, labels, entry, params, seed, notes)

if res is not None:
    ano.summary_line(res)
    ano.threshold_panel(res)

views = {"Most anomalous rows": ano.top_rows_view, "Metrics": ano.metrics_view, "Benchmark table": None}
tabs = linked_tabs(list(views), key="ano.tab")  # the open tab is in the URL too
for (label, view), tab in zip(views.items(), tabs, strict=True):
    if not tab.open:
        continue
    with tab, guard(label):
        if view is None:
            ano.benchmark_view(res)
        elif res is None:
            st.info("Fix the detector above to see this view.")
        else:
            view(res)
            if label == "Metrics":
                ano.drama_view(res)

with st.expander("What am I looking at?"):
    st.markdown(
        "- **Score**: each detector gives every row an anomaly score, higher = more anomalous "
        "(Isolation Forest: short isolation paths; LOF: lower density than its neighbours; kNN: far from its "
        "k-th neighbour; Elliptic Envelope: robust Mahalanobis distance; autoencoder: reconstruction error).\n"
        "- **Threshold**: rows scoring at or above it are called anomalies. *Contamination* sets it as the share "
        "of rows you expect to be anomalous. Moving it never refits the detector.\n"
        "- **DRAMA** (Dimensionality Reduction Anomaly Meta-Algorithm): scale the data to [0, 1], reduce it (PCA, "
        "ICA, NMF, autoencoder, VAE or none), split it into prototypes by agglomerative splitting (each cluster "
        "cut in two per level), and score each row by its distance to the nearest prototype under one of ten "
        "metrics (L1, L2, L4, weighted L2/L4, Bray–Curtis, Chebyshev, Canberra, correlation, Mahalanobis).\n"
        "- With labels: **TP** anomalies caught, **FP** false alarms, **FN** missed anomalies."
    )
anomaly_panel(res)  # Show the code and Downloads
