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


def _open_code(at) -> None:
    """Open every page's 'Show the code' expander (lazy: its script is drawn only while open)."""
    for key in ("cls", "reg", "roc", "clu", "proj", "ano"):
        at.session_state[f"{key}.code_open"] = True
        at.session_state[f"{key}.dl_open"] = True


def test_a_closed_code_panel_draws_no_script():
    """Closed (the default), the panel sends no script: a slider move does not re-render it."""
    at = AppTest.from_file(str(ROOT / "pages" / "2_Classification.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert "Show the code" in [e.label for e in at.expander]
    assert not [c for c in at.code if c.language == "python"]


@pytest.mark.slow
@pytest.mark.parametrize(("page", "kind", "snippet"), PAGES)
def test_every_page_shows_its_code_and_downloads(page, kind, snippet):
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=TIMEOUT)
    _open_code(at)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [e.label for e in at.expander]
    assert "Show the code" in labels and "Downloads" in labels, labels
    codes = [c.value for c in at.code if c.language == "python"]
    assert codes and snippet in codes[-1]
    compile(codes[-1], "generated.py", "exec")


@pytest.mark.slow
def test_the_classification_pages_code_prints_the_pages_accuracy(tmp_path, monkeypatch):
    """The script shown on the page, run on its own, prints the page's test accuracy."""
    import contextlib
    import io
    import runpy

    from ml.codegen import parse_numbers

    at = AppTest.from_file(str(ROOT / "pages" / "2_Classification.py"), default_timeout=TIMEOUT)
    _open_code(at)
    at.session_state["model.tree.max_depth"] = 3
    at.run()
    assert not at.exception
    from tests.app.live_helpers import live_readouts

    shown = {m.label: m.value for m in at.metric} or {k: f"{v:.3f}" for k, v in live_readouts(at)[0].items() if k != "Fit time"}
    script = [c.value for c in at.code if c.language == "python"][-1]
    (tmp_path / "g.py").write_text(script)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(tmp_path / "g.py"), run_name="__main__")
    got = parse_numbers(out.getvalue())
    assert f"{got['Test accuracy']:.3f}" == shown["Test accuracy"]
    assert f"{got['Train accuracy']:.3f}" == shown["Train accuracy"]
