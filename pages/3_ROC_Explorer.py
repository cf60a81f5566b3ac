"""ROC Explorer: pick a classification threshold and see what it does to every metric."""

import streamlit as st

from ui.navigation import ensure_router
from ui.present import explain
from ui.roc import page_body

ensure_router()

st.set_page_config(page_title="ROC Explorer · ML Explorer", layout="wide")
st.title("ROC Explorer")
explain(
    "A classifier gives each row a score; a **threshold** turns scores into decisions. "
    "Move it and watch the confusion matrix, precision, recall and the ROC operating point change."
)
page_body()
