"""The app's pages: file, title, icon, sidebar section and what each teaches, in one list.

`app.py` routes them with `st.navigation`; the Home page draws its cards from the same list, so a
page is named, grouped and described in exactly one place. Pages whose file is absent are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class PageInfo:
    file: str  # relative to the repository root
    title: str
    icon: str
    section: str  # "" for Home, which stands above the sections
    url_path: str
    teaches: str = ""


HOME = PageInfo("pages/0_Home.py", "Home", ":material/home:", "", "home")

PAGES = (
    PageInfo(
        "pages/1_Regression.py", "Regression", ":material/show_chart:", "Supervised", "Regression",
        "Watch a line learn its slope by gradient descent, see a polynomial over-fit and L1/L2 "
        "regularisation rein it in, then predict photometric redshifts with a linear model and a deep "
        "net. Scored with MSE, MAPE and R².",
    ),
    PageInfo(
        "pages/2_Classification.py", "Classification", ":material/category:", "Supervised", "Classification",
        "Star, galaxy or quasar? Photon or jet? NAND? Train perceptrons, trees, naive Bayes, SVMs, ensembles "
        "and neural nets; see decision regions, under- and over-fitting, cross-validation, learning and "
        "validation curves and grid search.",
    ),
    PageInfo(
        "pages/3_ROC_Explorer.py", "ROC Explorer", ":material/tune:", "Evaluation", "ROC_Explorer",
        "Choose a threshold and see the confusion matrix, precision and recall, the ROC and PR curves, and "
        "signal efficiency against background rejection. Upload your own labels and scores.",
    ),
    PageInfo(
        "pages/4_Clustering.py", "Clustering", ":material/bubble_chart:", "Unsupervised", "Clustering",
        "Find groups without labels: step through k-means and EM, cut a dendrogram, tune DBSCAN's eps, "
        "choose k with the elbow and the silhouette, and score clusters against known classes.",
    ),
    PageInfo(
        "pages/5_Dimensionality_reduction.py", "Dimensionality reduction", ":material/scatter_plot:",
        "Unsupervised", "Dimensionality_reduction",
        "PCA's components and how many are enough, ICA unmixing a cocktail party, random projections, "
        "NMF, autoencoders, UMAP and t-SNE side by side.",
    ),
    PageInfo(
        "pages/6_Anomaly_detection.py", "Anomaly detection", ":material/crisis_alert:", "Unsupervised",
        "Anomaly_detection",
        "Local Outlier Factor, Isolation Forest and DRAMA-style reconstruction-plus-distance detectors: "
        "why each calls a point anomalous, and how they compare on AUC, MCC and the rank-weighted score.",
    ),
)  # fmt: skip

SECTIONS = ("Supervised", "Evaluation", "Unsupervised")


def installed(root: Path = ROOT) -> list[PageInfo]:
    """The pages whose file exists under `root`, in menu order."""
    return [p for p in PAGES if (root / p.file).is_file()]


def by_section(root: Path = ROOT) -> dict[str, list[PageInfo]]:
    """Installed pages grouped by sidebar section (empty sections left out), Home first under ""."""
    groups: dict[str, list[PageInfo]] = {"": [HOME]}
    for page in installed(root):
        groups.setdefault(page.section, []).append(page)
    return groups


def ensure_router() -> None:
    """Make sure the page runs under app.py's router; call first thing in every page.

    With a pages/ folder present, a fresh server's first visit straight to a page's URL (a shared
    link) runs that page through Streamlit's legacy pages-folder mode instead of app.py: the sidebar
    then reads "app" and has no sections. Switch the server to the router (as app.py's
    st.navigation would) and rerun once, which routes the same URL through app.py.
    """
    import sys

    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        # AppTest resets the flag before every run, so a rerun there would repeat on each interaction
        # and swallow its button and form triggers; its pages need no sidebar routing anyway.
        if "streamlit.testing.v1.app_test" not in sys.modules:
            st.rerun()
