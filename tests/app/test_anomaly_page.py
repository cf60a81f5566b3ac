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
from ml.plots import anomaly as plots
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


def _live(at: AppTest) -> dict:
    """What the page sent the live threshold component (ui/live_threshold.py, mode "anomaly")."""
    (el,) = [e for e in at.get("component_instance") if e.proto.component_name.endswith("live_threshold")]
    return json.loads(el.proto.json_args)


def _figures(at: AppTest) -> dict:
    """The component's two figures (histogram, 2-D view), decoded; they are sent once per data and view,
    so ask again as a remounted component does when this run did not carry them."""
    a = _live(at)
    if a["figure"] is None or (a["revision2"] and a["figure2"] is None):
        at.session_state["ano.live_has"] = None
        a = _live(at.run())
    return {"hist": json.loads(a["figure"]), "scatter": json.loads(a["figure2"]) if a["figure2"] else None}


def _confirmed(at: AppTest) -> dict:
    return _live(at)["confirmed"]


def _scatter_names(at: AppTest) -> set[str]:
    return {t.get("name", "").split(" (")[0] for t in _figures(at)["scatter"]["data"]}


def _tab(at: AppTest, label: str) -> AppTest:
    at.session_state["ano.tab"] = label
    return at.run()


def _labelled(c: dict) -> bool:
    return c["precision"] is not None


def test_default_page_scores_thresholds_and_draws():
    at = _page()
    at.run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    a, c = _live(at), _confirmed(at)
    assert a["mode"] == "anomaly" and a["control"]["kind"] == "contamination"
    assert (a["lo"], a["hi"], a["t"]) == (0.005, 0.5, 0.05)
    assert c["flagged"] == det.n_flagged(300, 0.05) and 0 <= c["precision"] <= 1 and 0 <= c["recall"] <= 1
    counts = a["counts"]  # the cumulative counts the browser answers drags from: labelled, exact
    assert counts["n_pos"] + counts["n_neg"] == 300 and counts["step"] == 0
    figs = _figures(at)
    line = next(s for s in figs["hist"]["layout"]["shapes"] if s.get("name") == "threshold")
    assert line["x0"] == pytest.approx(c["threshold"])  # the line the component moves, at the threshold
    assert {t["name"].split(" (")[0] for t in figs["hist"]["data"]} == {"normal", "anomaly"}
    assert _scatter_names(at) == {"normal rows", "labelled anomalies", "flagged", "not flagged"}
    assert figs["scatter"]["layout"]["coloraxis"]["cmin"] < c["threshold"]  # recoloured in the browser
    assert a["control"]["colours"] == [plots.GREY, plots.ANOMALY_COLOUR]
    assert any("Simulated data" in md.value for md in at.markdown)


def test_contamination_moves_the_threshold_without_refitting(monkeypatch):
    at = _page()
    at.run()
    before = _confirmed(at)
    calls = []
    original = det.IForest._fit
    monkeypatch.setattr(det.IForest, "_fit", lambda self, X: calls.append(1) or original(self, X))
    a = _live(at)
    # what a release does: the component's value carries the contamination (and the data it was made on)
    at.session_state["ano.live"] = {"t": 0.2, "seq": 1, "rev": a["data_rev"]}
    at.run()
    _ok(at)
    after = _confirmed(at)
    assert after["t"] == 0.2 and at.session_state["ano.contamination"] == 0.2
    assert after["flagged"] == det.n_flagged(300, 0.2) > before["flagged"]
    assert after["threshold"] < before["threshold"] and after["recall"] >= before["recall"]
    assert _live(at)["counts"] is None  # the counts went once; a move sends only the value and the numbers
    at.session_state["ano.live"] = {"t": 0.3, "seq": 2, "rev": "other data"}  # made on other data: dropped
    at.run()
    assert _confirmed(at)["t"] == 0.2
    at.button_group(key="ano.mode").set_value("score").run()  # the threshold set directly
    _ok(at)
    a = _live(at)
    assert a["control"]["kind"] == "score" and "Threshold on the score" in a["control"]["label"]
    assert a["lo"] <= a["t"] <= a["hi"] and a["counts"] is not None  # a new mode: the counts go again
    assert calls == []  # neither move refitted the detector


def test_a_contamination_outside_the_range_is_clamped_with_a_message():
    at = _page(**{"ano.contamination": 0.9})
    at.run()
    _ok(at)
    assert any("Contamination must be in (0, 0.5]" in w.value for w in at.warning)
    assert _confirmed(at)["t"] == 0.5 and _confirmed(at)["flagged"] == 150


def test_a_slow_detector_waits_for_train_and_keeps_the_last_result_marked_stale(monkeypatch):
    at = _page(**{"ano.autoencoder.epochs": 5})
    at.run()
    first = _confirmed(at)
    monkeypatch.setattr(det, "estimate_fit_seconds", lambda *a, **k: 30.0)  # forecast: slow
    calls = []
    original = det.AutoencoderDetector.fit
    monkeypatch.setattr(det.AutoencoderDetector, "fit", lambda self, X: calls.append(1) or original(self, X))
    at.session_state["ano.detector"] = "autoencoder"
    at.run()
    _ok(at)
    assert calls == []  # nothing fitted yet
    assert any("Stale" in w.value and "Isolation Forest" in w.value for w in at.warning)
    assert any("Stale" in md.value for md in at.markdown) and _confirmed(at)["flagged"] == first["flagged"]
    next(b for b in at.button if b.label == "Train Autoencoder reconstruction error").click().run()
    _ok(at)
    assert calls == [1] and any("Autoencoder" in md.value and "Stale" not in md.value for md in at.markdown)


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
    assert _labelled(_confirmed(at)) and _live(at)["counts"]["n_neg"] > 0
    _tab(at, "Metrics")
    _ok(at)
    assert 0 <= _metrics(at)["ROC AUC"] <= 1
    at.selectbox(key="ano.dataset").set_value("uniform_noise").run()  # no labels
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    c = _confirmed(at)  # no labels: rows flagged only, counted without a TP / FP split
    assert not _labelled(c) and c["flagged"] >= det.n_flagged(_n_rows(at), 0.05)  # ties flag together
    assert _live(at)["counts"]["n_neg"] == 0
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
    assert not _labelled(_confirmed(at))


def _n_rows(at: AppTest) -> int:
    c = _live(at)["counts"]
    return c["n_pos"] + c["n_neg"]


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
    assert _confirmed(at)["flagged"] > 0 and not _labelled(_confirmed(at))


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


def test_the_fit_forecast_calls_the_networks_slow_and_the_rest_quick():
    """ml.detectors.estimate_fit_seconds at the registry defaults on the default 1,000 × 2 set: the networks
    (autoencoder, DRAMA with an autoencoder or a VAE) wait for Train, every other detector fits at once."""
    from ui.anomaly import SLOW_FIT_S

    def forecast(name, **over):
        entry = registry.get("detector", name)
        return det.estimate_fit_seconds(name, {**{p.name: p.default for p in entry.params}, **over}, 1000, 2)

    assert forecast("autoencoder") > SLOW_FIT_S
    assert forecast("drama", reduction="ae") > SLOW_FIT_S and forecast("drama", reduction="vae") > SLOW_FIT_S
    for name in ("iforest", "lof", "ocsvm", "elliptic", "knn", "drama"):
        assert forecast(name) < SLOW_FIT_S, name
    assert forecast("autoencoder", epochs=5) < SLOW_FIT_S  # the tests' short training fits at once
