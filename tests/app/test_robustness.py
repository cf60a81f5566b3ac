"""Issue 10's "Found" list, one test each: no crash, no hang, no misleading message.

Small data throughout (AppTest reruns cost ~0.1-1 s each on two cores).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
CLS = str(ROOT / "pages" / "2_Classification.py")
REG = str(ROOT / "pages" / "1_Regression.py")
ROC = str(ROOT / "pages" / "3_ROC_Explorer.py")
TIMEOUT = 120


def _page(path: str, **state) -> AppTest:
    at = AppTest.from_file(path, default_timeout=TIMEOUT)
    for k, v in state.items():
        at.session_state[k] = v
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    generic = [e.value for e in at.error if "could not be computed" in e.value]
    assert not generic, generic


def _texts(at: AppTest) -> str:
    return "\n".join(x.value for x in [*at.error, *at.warning, *at.info, *at.caption, *at.markdown])


# -- size-dependent parameters ---------------------------------------------------------------------
def test_knn_on_nand_is_clipped_with_a_note_not_a_crash():
    at = _page(CLS, **{"cls.dataset": "nand", "model": "knn"})
    at.run()
    _ok(at)
    text = _texts(at)
    assert "using 4" in text and "largest allowed" in text, text
    assert any(m.label == "Train accuracy" for m in at.metric)


def test_knn_k50_on_20_moons_with_half_held_out_is_clipped():
    at = _page(CLS, **{"cls.dataset": "moons", "cls.dataset.moons.n_samples": 20, "model": "knn",
                       "model.knn.n_neighbors": 50, "test": 0.5})  # fmt: skip
    at.run()
    _ok(at)
    assert "using 10" in _texts(at)


def test_knn_regression_on_few_rows_is_clipped_not_sklearn_text():
    at = _page(REG, **{"reg.dataset": "curve_1d", "reg.dataset.curve_1d.n_samples": 10, "reg.model": "knn",
                       "reg.knn.n_neighbors": 50})  # fmt: skip
    at.run()
    _ok(at)
    text = _texts(at)
    assert "n_samples_fit" not in text
    assert "largest allowed" in text, text


def test_cross_validation_folds_clip_inside_folds():
    from ml.evaluation import cross_validate, make_folds
    from ml.models import make_pipeline

    X = pd.DataFrame({"a": np.arange(12.0), "b": np.arange(12.0) ** 2})
    y = np.array([0, 1] * 6)
    frame = cross_validate(make_pipeline("knn", "classification", {"n_neighbors": 50}), X, y, "classification", k=3)
    assert frame["test_score"].notna().all()
    try:
        make_folds(X, np.array([0] * 10 + [1] * 2), "classification", k=5)
    except ValueError as exc:
        assert "at most 2 folds" in str(exc)
    else:
        raise AssertionError("5 folds with a class of 2 rows must be refused")


# -- links ------------------------------------------------------------------------------------------
def test_model_registry_key_in_the_url_is_honoured():
    at = _page(CLS, **{"cls.dataset": "nand"})
    at.query_params["model"] = "knn"
    at.run()
    _ok(at)
    assert at.selectbox(key="model").value == "knn"
    at = _page(REG)
    at.query_params["reg.model"] = "knn"
    at.run()
    _ok(at)
    assert at.selectbox(key="reg.model").value == "knn"


# -- the ROC Explorer's built-in NAND ----------------------------------------------------------------
def test_roc_nand_is_scored_without_a_split_and_says_so():
    at = _page(ROC, **{"roc.dataset": "nand"})
    at.run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert any("too few to hold any out" in i.value for i in at.info)
