"""Regression: from the line through the points to photometric redshifts.

Thin page: controls in the sidebar (ui.regression.sidebar), results on the right in lazy tabs;
the logic is in ui/regression.py, ml/regression.py and ml/plots/regression.py.
"""

from __future__ import annotations

import streamlit as st

from ui import cache
from ui import regression as reg
from ui.code_panel import regression_panel
from ui.data_source import data_line
from ui.evaluation_views import evaluation_views
from ui.navigation import ensure_router
from ui.present import explain, name_exports
from ui.state import tabs as linked_tabs
from ui.widgets import guard, guarded_fragment

ensure_router()

st.set_page_config(page_title="Regression · ML Explorer", layout="wide")
st.title("Regression")
explain(
    "Predict a number from features: watch a line learn its slope by gradient descent, a polynomial "
    "over-fit, L1 regularisation zero coefficients, and a neural network beat a straight line on "
    "photometric redshifts."
)

setup = reg.sidebar()
if setup.ds is None:
    reg.model_sidebar(setup)  # the model controls stay in view while the data component says what it needs
    st.stop()  # the data component has said why (no upload yet, or what is wrong with it)
data_line(setup.choice)
reg.data_note(setup.ds)


@guarded_fragment("The model and its results")
def model_and_results(base: reg.Setup) -> None:
    """The model's controls (sidebar) and everything they change. A fragment: moving a hyperparameter
    reruns only this, not the data component above it (key press -> page settled, see bench_browser)."""
    setup = reg.model_sidebar(base)
    name_exports("regression", setup.ds.name, setup.model, setup.params)  # PNG file names
    st.caption(
        f"**{setup.title}** · {setup.ds.n_samples:,} rows, {len(setup.ds.feature_names)} feature(s), "
        f"target: {reg.target_label(setup.ds)} · test fraction {setup.test_size:.0%} · "
        f"scaling: {reg.SCALING_TITLES[setup.scaling]} · seed {setup.seed}"
    )

    fitted = None
    with guard("Training the model"):
        if reg.needs_training(setup):
            st.info(
                f"Press **Train the network** in the sidebar to train it on {cache.device_label()} "
                "(a progress bar and live loss curves follow). The other tabs work meanwhile.",
                icon=":material/model_training:",
            )
        else:
            fitted = reg.fit_shown(setup)
    reg.warnings_for(setup, fitted)

    tabs = linked_tabs(reg.TABS, key="reg.tab")  # bound to the URL (?reg.tab=Residuals); a bad label is named in the note
    views = {
        "Fit": reg.fit_view,
        "Residuals": reg.residuals_view,
        "Coefficients": reg.coefficients_view,
        "Regularisation path": reg.path_view,
    }
    for label, tab in zip(reg.TABS, tabs, strict=True):
        if not tab.open:
            continue
        with tab, guard(f"The {label.lower()} view"):
            if label in views:
                if fitted is None:
                    st.info("Train the model first (see above).")
                else:
                    views[label](setup, fitted)
            elif label == "Evaluate":
                if setup.model == reg.GD:
                    st.caption(
                        "Gradient descent converges to least squares, so the sweeps below use the "
                        "closed-form linear regression on all features."
                    )
                X_tr, X_te, y_tr, y_te = reg.split_data(setup.split_key, setup.ds)
                model = "linear" if setup.model == reg.GD else setup.model
                params = {} if setup.model == reg.GD else setup.params
                evaluation_views(
                    reg.TASK, setup.split_key, model, params, setup.scaling, setup.seed, X_tr, y_tr,
                    X_test=X_te, y_test=y_te, key_prefix="reg.eval",
                )  # fmt: skip
            else:
                reg.versus_view(setup)
    regression_panel(setup, fitted)  # Show the code and Downloads


model_and_results(setup)
