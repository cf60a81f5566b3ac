"""ML Explorer, Home: what each page teaches, the dataset gallery and the device torch models use.

Run with `streamlit run app.py`. The pages/ folder gives the sidebar menu (no st.navigation here).
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pandas as pd
import streamlit as st

from ml import datasets, tables
from ui import cache
from ui.widgets import guard

st.set_page_config(page_title="ML Explorer", layout="wide")

log = logging.getLogger("ml_explorer")
ROOT = Path(__file__).resolve().parent
PAGES_DIR = ROOT / "pages"

# What each known page teaches, keyed by its file name. Pages found on disk but not listed here
# still get a card, with the first line of their module docstring.
PAGE_CARDS = {
    "1_Regression.py": (
        ":material/show_chart:",
        "Watch a line learn its slope by gradient descent, see a polynomial over-fit and L1/L2 "
        "regularisation rein it in, then predict photometric redshifts with a linear model and a deep "
        "net. Scored with MSE, MAPE and R².",
    ),
    "2_Classification.py": (
        ":material/category:",
        "Star, galaxy or quasar? Photon or jet? NAND? Train perceptrons, trees, naive Bayes, SVMs, ensembles "
        "and neural nets; see decision regions, under- and over-fitting, cross-validation, learning and "
        "validation curves and grid search.",
    ),
    "3_ROC_Explorer.py": (
        ":material/tune:",
        "Choose a threshold and see the confusion matrix, precision and recall, the ROC and PR curves, and "
        "signal efficiency against background rejection. Upload your own labels and scores.",
    ),
}

TASK_WORDS = {
    "binary": "classification (2 classes)",
    "multiclass": "classification (3+ classes)",
    "regression": "regression",
}


def _page_title(path: Path) -> str:
    """The name Streamlit's sidebar shows: the file name without its number prefix, spaces for underscores."""
    stem = re.sub(r"^\d+[_ -]*", "", path.stem)
    return stem.replace("_", " ").strip() or path.stem


def _page_order(path: Path) -> tuple:
    match = re.match(r"^(\d+)", path.name)
    return (0, int(match.group(1)), path.name) if match else (1, 0, path.name)


def _docstring_line(path: Path) -> str:
    """First line of the page's module docstring (cheap: parsed, never executed)."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError, ValueError):
        return ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def existing_pages() -> list[Path]:
    """Pages on disk, in the sidebar's order (pages/*.py, numbered first)."""
    if not PAGES_DIR.is_dir():
        return []
    found = [p for p in PAGES_DIR.glob("*.py") if not p.name.startswith((".", "_"))]
    return sorted(found, key=_page_order)


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
pages = existing_pages()
if not pages:
    st.info("No pages are installed yet: add scripts to the pages/ folder.")
else:
    columns = st.columns(3, gap="medium")
    for i, path in enumerate(pages):
        icon, text = PAGE_CARDS.get(path.name, (":material/description:", _docstring_line(path)))
        with columns[i % len(columns)].container(border=True, height="stretch"):
            st.subheader(_page_title(path), anchor=False)
            if text:
                st.markdown(text)
            st.page_link(f"pages/{path.name}", label=f"Open {_page_title(path)}", icon=icon)

st.header("Datasets")
st.markdown(
    "Every dataset the pages offer. **Real** tables come with scikit-learn (no download) or, for NAND, "
    "its truth table; **simulated** "
    "ones are generated on the fly, seeded, and say what they imitate. Size, noise and seed of the "
    "simulated sets can be changed on each page."
)
with guard("The dataset gallery"):
    table = gallery()
    st.dataframe(
        table,
        hide_index=True,
        height=35 * (len(table) + 1) + 3,  # every row visible: no inner scrolling on a projector
        column_config={
            "Origin": st.column_config.TextColumn(help="For simulated sets: what they imitate, then how."),
        },
    )
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
