"""Hand scores from a training page to the ROC Explorer through `st.session_state`."""

from __future__ import annotations

import uuid

import numpy as np
import streamlit as st

from ui.state import switch_page

KEY = "roc_handoff"
ROC_PAGE = "pages/3_ROC_Explorer.py"


def send_to_roc(name: str, labels, classes, scores: dict[str, np.ndarray], description: str = "") -> None:
    """Store held-out scores for the ROC Explorer and switch to it.

    labels: the true class of each held-out row, as an index into `classes` (or the class values);
    classes: the class names; scores: model title -> (n, k) per-class scores or (n,) binary scores.
    """
    st.session_state[KEY] = {
        "name": name,
        "labels": np.asarray(labels),
        "classes": [str(c) for c in classes],
        "scores": {k: np.asarray(v, dtype=float) for k, v in scores.items()},
        "description": description,
        "token": uuid.uuid4().hex,
    }
    switch_page(ROC_PAGE)


def received() -> dict | None:
    """What a training page sent, if anything."""
    return st.session_state.get(KEY)
