"""Classification: train, tune and understand classifiers live."""

import streamlit as st

from ui import classification as cls
from ui.code_panel import classification_panel
from ui.data_source import data_line
from ui.evaluation_views import evaluation_views
from ui.navigation import ensure_router
from ui.present import explain, name_exports
from ui.state import tabs as linked_tabs
from ui.widgets import dataset_badge, guard, guarded_fragment

ensure_router()

st.set_page_config(page_title="Classification · ML Explorer", layout="wide")
st.title("Classification")
explain(
    "Train a classifier and watch its decision regions change as you move a hyperparameter: "
    "too simple and it **underfits** (train and test scores both low), too flexible and it **overfits** "
    "(train score high, test score lower)."
)

data = cls.data_sidebar()
prep = cls.preparation_sidebar()
if data is None:
    cls.model_sidebar()  # the model controls stay in view while the data component says what it needs
    st.stop()
data_line(data)


@guarded_fragment("The model and its results")
def model_and_results(data, prep) -> None:
    """The model's controls (sidebar) and everything they change. A fragment: moving a hyperparameter
    reruns only this, not the data component above it (key press -> page settled, see bench_browser)."""
    spec, params, live = cls.model_sidebar(data, prep)  # live: the main parameter as a live slider, or None
    name_exports("classification", data.ds.name, spec.name, params)  # PNG file names
    run = None
    with guard("Training"):
        run = cls.train(data, prep, spec, params, live)
    if run is None:
        return
    left, right = st.columns([7, 2], gap="medium")
    with right:
        cls.summary(run)
        cls.roc_button(run)

    views = {
        "Decision regions": cls.regions_view,
        "Metrics": cls.metrics_view,
        "Confusion matrix": cls.confusion_view,
        "Feature importance": cls.importance_view,
    }
    views.update(cls.extra_views(spec))  # the model's own views (a drawn tree, training curves), from the registry
    with left:
        # Only the open tab runs (on_change="rerun"): a hyperparameter move redraws what is on screen.
        tabs = linked_tabs(list(views), key="view")  # the open tab is in the URL too (?view=Metrics)
        for (label, view), tab in zip(views.items(), tabs, strict=True):
            if tab.open:
                with tab, guard(label):
                    view(run)

    dataset_badge(data.ds)

    st.header("Tune and compare")
    st.caption(
        "Sweeps use the training rows only, by k-fold cross-validation; each runs when you press its button."
    )
    evaluation_views(
        "classification",
        (data.key, prep.test_size),
        spec.name,
        params,
        prep.scaling,
        prep.seed,
        run.X_train,
        run.y_train,
        X_test=run.X_test,
        y_test=run.y_test,
    )
    classification_panel(run)  # Show the code and Downloads


model_and_results(data, prep)
