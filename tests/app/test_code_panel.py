"""'Show the code' and 'Downloads' on every page: the expanders render, the code is the page's state,
and no page raises (AppTest, default states)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180

PAGES = [
    ("1_Regression.py", "regression_code" , "from sklearn"),
    ("2_Classification.py", "classification", "train_test_split("),
    ("3_ROC_Explorer.py", "roc", "threshold = "),
    ("4_Clustering.py", "clustering", "model.fit(A)"),
    ("5_Dimensionality_reduction.py", "projection", "trustworthiness("),
    ("6_Anomaly_detection.py", "anomaly", "decision_scores_"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("page", "kind", "snippet"), PAGES)
def test_every_page_shows_its_code_and_downloads(page, kind, snippet):
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [e.label for e in at.expander]
    assert "Show the code" in labels and "Downloads" in labels, labels
    codes = [c.value for c in at.code if c.language == "python"]
    assert codes and snippet in codes[-1]
    compile(codes[-1], "generated.py", "exec")
