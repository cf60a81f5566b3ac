"""AppTest runs of the Anomaly detection page: every detector on labelled, unlabelled and uploaded data,
the live threshold (no refit), label choices, bad inputs, the ROC hand-off and a small benchmark."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ml import detectors as det
from ml import registry
from tests.app.upload_helpers import upload
from ui.handoff import KEY as ROC_KEY

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "6_Anomaly_detection.py")
TIMEOUT = 120
SMALL = {"ano.dataset.anomaly_local.n_samples": 300}
FAST = {"ano.autoencoder.epochs": 5, "ano.drama.epochs": 5}


def _page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for k, v in {**SMALL, **FAST, **state}.items():
        at.session_state[k] = v
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _metrics(at: AppTest) -> dict[str, float]:
    out = {}
    for el in at.get("html"):
        for lab, value in re.findall(r"data-label='([^']*)' data-value='([^']*)'", el.proto.body):
            value = value.replace("np.float64(", "").replace("np.int64(", "").rstrip(")")
            out[html.unescape(lab)] = float(value)
    return out


def _live(at: AppTest) -> list[dict]:
    """The live charts (ui.live_plot): their figure JSON, decoded, and their marks."""
    out = []
    for el in at.get("component_instance"):
        if el.proto.component_name.endswith("live_plot"):
            args = json.loads(el.proto.json_args)
            out.append({"figure": json.loads(args["figure"]), "marks": args["marks"]})
    return out


def _histogram(at: AppTest) -> dict:
    """{figure, marks} of the score histogram (its marks are the threshold line)."""
    return next(c for c in _live(at) if "shapes" in c["marks"])


def _threshold_x(at: AppTest) -> float:
    return _histogram(at)["marks"]["shapes"][0]["x0"]


def _scatter(at: AppTest) -> dict:
    return next(c for c in _live(at) if "coloraxis" in c["marks"])


def _scatter_names(at: AppTest) -> set[str]:
    return {t.get("name", "").split(" (")[0] for t in _scatter(at)["figure"]["data"]}


def _tab(at: AppTest, label: str) -> AppTest:
    at.session_state["ano.tab"] = label
    return at.run()


def test_default_page_scores_thresholds_and_draws():
    at = _page()
    at.run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    m = _metrics(at)
    assert m["Flagged"] == det.n_flagged(300, 0.05)
    assert 0 <= m["Precision"] <= 1 and 0 <= m["Recall"] <= 1
    assert _threshold_x(at) == pytest.approx(m["Threshold"])
    assert {t["name"].split(" (")[0] for t in _histogram(at)["figure"]["data"]} == {"normal", "anomaly"}
    assert _scatter_names(at) == {"normal rows", "labelled anomalies", "flagged", "not flagged"}
    scale = _scatter(at)["marks"]["coloraxis"]["colorscale"]  # the colour step sits at the threshold
    lo, hi = _scatter(at)["marks"]["coloraxis"]["cmin"], _scatter(at)["marks"]["coloraxis"]["cmax"]
    assert scale[1][0] == pytest.approx((m["Threshold"] - lo) / (hi - lo), abs=1e-6)
    assert any("Simulated data" in md.value for md in at.markdown)


def test_contamination_moves_the_threshold_without_refitting(monkeypatch):
    at = _page()
    at.run()
    before = _metrics(at)
    calls = []
    original = det.IForest._fit
    monkeypatch.setattr(det.IForest, "_fit", lambda self, X: calls.append(1) or original(self, X))
    at.slider(key="ano.contamination").set_value(0.2).run()
    _ok(at)
    after = _metrics(at)
    assert after["Flagged"] == det.n_flagged(300, 0.2) > before["Flagged"]
    assert after["Threshold"] < before["Threshold"]
    assert _threshold_x(at) == pytest.approx(after["Threshold"])
    assert after["Recall"] >= before["Recall"]
    at.button_group(key="ano.mode").set_value("score").run()  # the threshold set directly
    _ok(at)
    assert "Threshold on the score" in " ".join(s.label for s in at.slider)
    assert calls == []  # neither move refitted the detector


def _csv(n: int = 80, labels=None) -> bytes:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=n), rng.normal(size=n)
    a[:4] += 6
    kind = np.where(np.arange(n) < 4, "odd", "ok") if labels is None else labels
    return pd.DataFrame({"a": a, "b": b, "label": kind}).to_csv(index=False).encode()


@pytest.mark.parametrize("name", [e.name for e in registry.entries("detector")])
def test_every_detector_on_labelled_unlabelled_and_uploaded_data(name):
    at = _page(**{"ano.detector": name})
    at.run()  # labelled: the local-anomaly set
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert "Flagged" in _metrics(at) and "Precision" in _metrics(at)
    _tab(at, "Metrics")
    _ok(at)
    assert 0 <= _metrics(at)["ROC AUC"] <= 1
    at.selectbox(key="ano.dataset").set_value("uniform_noise").run()  # no labels
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert "Precision" not in _metrics(at) and "Flagged" in _metrics(at)
    assert any("Metrics need labels" in i.value for i in at.info)
    assert _scatter_names(at) == {"rows", "flagged", "not flagged"}
    upload(at, "ano", _csv(), "odd.csv")  # an upload whose label names the anomaly ("odd" / "ok")
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    pick = next(s for s in at.selectbox if s.label == "Which label value is the anomaly?")
    assert pick.options[pick.index].startswith("odd (4 rows)")  # the rarer value by default
    assert "ROC AUC" in _metrics(at)


def test_labels_with_many_values_ask_which_is_the_anomaly_and_can_be_ignored():
    at = _page(**{"ano.dataset": "iris"})
    at.run()
    _ok(at)
    pick = next(s for s in at.selectbox if s.label == "Which label value is the anomaly?")
    pick.set_value(det_ignore()).run()
    _ok(at)
    assert "Precision" not in _metrics(at)


def det_ignore():
    from ui.anomaly import IGNORE

    return IGNORE


def test_a_label_column_that_is_all_anomalies_is_not_used_and_the_rest_works():
    """A constant label (every row 1) cannot score anything: the page scores without labels and says so."""
    at = _page()
    at.run()
    upload(at, "ano", _csv(labels=np.ones(80, dtype=int)), "ones.csv")
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert any("no labels used for scoring" in md.value for md in at.markdown)
    assert "Flagged" in _metrics(at) and "Precision" not in _metrics(at)


def test_n_neighbors_above_the_rows_is_clipped_with_a_note():
    at = _page(**{"ano.detector": "lof", "ano.lof.n_neighbors": 200, "ano.dataset": "odds_wine"})
    at.run()
    _ok(at)
    assert any("more than this data allows" in i.value for i in at.info)


def test_nmf_on_negative_data_is_a_message():
    state = {"ano.detector": "drama", "ano.drama.reduction": "nmf", "ano.drama.scaling": "standard"}
    at = _page(**state)
    at.run()
    _ok(at)
    assert any("NMF needs non-negative data" in e.value for e in at.error)


def test_open_in_roc_explorer_hands_over_scores_and_labels():
    at = _page()
    at.run()
    _tab(at, "Metrics")
    next(b for b in at.button if b.label == "Open in ROC Explorer").click().run()
    sent = at.session_state[ROC_KEY]
    assert sent["classes"] == ["normal", "anomaly"]
    assert sent["labels"].shape == (300,) and set(np.unique(sent["labels"])) == {0, 1}
    assert list(sent["scores"]) == ["Isolation Forest"]


def test_a_small_benchmark_runs_on_request_and_offers_csv():
    state = {"ano.bench.datasets": ["odds_wine"], "ano.bench.seeds": 1, "ano.bench.reds": ["none"]}
    at = _page(**state)
    at.run()
    _tab(at, "Benchmark table")
    _ok(at)
    assert not at.dataframe or all("DRT-metric" not in str(d.value.columns) for d in at.dataframe)
    next(b for b in at.button if b.label == "Run the benchmark").click().run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[-1].value
    assert len(table) == 1 and ("AUC", "DRAMA") in table.columns
    assert at.get("download_button")
