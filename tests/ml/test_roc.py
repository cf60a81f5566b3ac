"""ROC Explorer engine pieces: score sets, per-class AUC, curves and the live figure."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from sklearn.metrics import roc_auc_score

from ml import roc, tables
from ml.plots.roc import (
    confusion_styler,
    confusion_tables,
    live_base,
    live_figure,
    live_marks,
    live_update,
    overlay_figure,
)
from ml.thresholds import ThresholdEngine


@pytest.fixture
def binary_engine():
    rng = np.random.default_rng(0)
    y = rng.random(5000) < 0.3
    return ThresholdEngine(y, rng.normal(y * 1.2, 1.0))


def test_binary_model_scores_serve_either_class_as_positive():
    labels = np.array([0, 1, 1, 0, 1, 0])
    p = np.array([0.2, 0.9, 0.6, 0.4, 0.7, 0.1])
    s = roc.from_models("toy", labels, ["no", "yes"], {"m": p.reshape(-1, 1)})
    y_yes, s_yes = s.binary("m", "yes")
    y_no, s_no = s.binary("m", "no")
    assert ThresholdEngine(y_yes, s_yes).auc == pytest.approx(roc_auc_score(labels == 1, p))
    assert ThresholdEngine(y_no, s_no).auc == pytest.approx(roc_auc_score(labels == 0, 1 - p))
    np.testing.assert_allclose(s_no, 1 - p)
    with pytest.raises(ValueError, match="not among the labels"):
        s.binary("m", "maybe")


def test_decision_scores_are_negated_for_the_other_class():
    s = roc.from_models("toy", [0, 1, 0, 1], ["a", "b"], {"svm": np.array([-2.0, 1.5, 0.3, 2.0])})
    _, s_a = s.binary("svm", "a")
    np.testing.assert_allclose(s_a, [2.0, -1.5, -0.3, -2.0])


def test_per_class_auc_matches_scikit_learn_macro_ovr():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 600)
    logits = rng.normal(size=(600, 3)) + np.eye(3)[y] * 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    s = roc.from_models("toy", y, ["a", "b", "c"], {"m": proba})
    table = roc.per_class_auc(s, "m")
    assert list(table["class"]) == ["a", "b", "c", "macro average"]
    assert table["AUC"].iloc[-1] == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    for k, name in enumerate("abc"):
        assert table.loc[table["class"] == name, "AUC"].item() == pytest.approx(
            roc_auc_score(y == k, proba[:, k])
        )


def test_per_class_auc_needs_a_score_per_class():
    s = roc.ScoreSet(
        "u", np.array(["a", "b", "c", "a"]), ("a", "b", "c"), {"m": np.array([0.1, 0.5, 0.9, 0.2])}
    )
    assert roc.per_class_auc(s, "m") is None
    y, sc = s.binary("m", "c")
    assert y.tolist() == [False, False, True, False] and sc.tolist() == [0.1, 0.5, 0.9, 0.2]


def test_curves_are_thinned_and_exact_summaries_kept(binary_engine):
    c = roc.curves(binary_engine, beta=2.0)
    assert c.auc == binary_engine.auc and c.average_precision == binary_engine.average_precision
    for arr in (c.roc_fpr, c.roc_tpr, c.pr_recall, c.pr_precision):
        assert 10 < len(arr) <= roc.CURVE_POINTS
    assert c.hist_pos.sum() == binary_engine.n_pos and c.hist_neg.sum() == binary_engine.n_neg
    assert set(c.metric_curves) == {*roc.THRESHOLD_METRICS, "fbeta"}
    assert (c.roc_fpr[0], c.roc_tpr[0], c.roc_fpr[-1], c.roc_tpr[-1]) == (0, 0, 1, 1)


def _point(fig: go.Figure, name: str):
    return next(s for s in fig.layout.shapes if s.name == name)


@pytest.mark.parametrize("view", ["standard", "physics"])
def test_live_figure_marks_the_operating_point(binary_engine, view):
    c = roc.curves(binary_engine)
    base = live_base(c, view=view, pos_name="signal", neg_name="background")
    for t in (-0.5, 0.6, 2.0):
        m = binary_engine.metrics(t)
        fig = live_update(base, m)
        go.Figure(fig.to_dict())  # the patched dict is a valid Plotly figure
        lines = [s for s in fig.layout.shapes if s.name == "threshold"]
        assert len(lines) == 2 and all(s.x0 == t for s in lines)
        assert fig.data == go.Figure(base).data  # the curves never change with the threshold
        json.dumps(live_marks(base, m), allow_nan=False)  # what the browser gets is strict JSON
        if view == "standard":
            pt = _point(fig, "pt_roc")
            assert (pt.xanchor, pt.yanchor) == (m["fpr"], m["tpr"]) and pt.xref == "x" and pt.yref == "y"
        elif m["fpr"] > 0:  # the physics panels plot log10 values on linear axes
            assert _point(fig, "pt_rej").yanchor == pytest.approx(np.log10(1 / m["fpr"]))
            assert _point(fig, "pt_effb").yanchor == pytest.approx(np.log10(m["fpr"]))
        else:
            assert _point(fig, "pt_rej").visible is False
    axis_titles = str(fig.layout)
    assert ("background rejection" in axis_titles) == (view == "physics")
    assert "false positive rate" in axis_titles or view == "physics"


def test_decade_axis_reads_like_a_log_axis():
    from ml.plots.roc import _decade_axis

    ax = _decade_axis(np.array([-3.2, -0.1]))  # log10 of background efficiencies 6e-4 .. 0.8
    labels = dict(zip(np.round(ax["tickvals"], 6), ax["ticktext"], strict=True))
    assert (
        labels[-3.0] == "10⁻³"
        and labels[-2.0] == "0.01"
        and labels[-1.0] == "0.1"
        and labels[round(np.log10(0.5), 6)] == ""  # a tick at 0.5, unlabelled: decades only
    )
    assert ax["range"][0] < -3.2 and ax["range"][1] > -0.1
    assert _decade_axis(np.array([4.0, 5.0]))["ticktext"][0] == "10⁴"


def test_live_figure_never_sends_big_traces():
    rng = np.random.default_rng(2)
    y = rng.random(200_000) < 0.5
    e = ThresholdEngine(y, rng.normal(y * 1.0, 1.0))
    fig = live_figure(roc.curves(e), e.metrics(0.3))
    assert max(len(t.x) if t.x is not None else 0 for t in fig.data) <= 5000


def test_overlay_figure_has_one_trace_per_model(binary_engine):
    c = roc.curves(binary_engine)
    fig = overlay_figure({"a": c, "b": c}, kind="roc")
    assert [t.name.split(" (")[0] for t in fig.data] == ["a", "b", "random guess"]
    assert fig.layout.xaxis.title.text == "false positive rate"
    pr = overlay_figure({"a": c}, kind="pr")
    assert pr.layout.yaxis.title.text == "precision"


def test_photon_jet_scores_are_oriented_towards_photons():
    s = roc.photon_jet_scores(4000, seed=1)
    assert s.classes == ("jet", "photon") and s.simulated
    for model in s.scores:
        y, sc = s.binary(model, "photon")
        assert ThresholdEngine(y, sc).auc > 0.6, model


def test_upload_scores_pass_validation_errors_through():
    good = tables.read_table(b"label,a,b\nsignal,0.1,3\nbackground,0.4,1\nsignal,0.8,2\nbackground,0.2,5\n")
    s = roc.upload_scores(good, "label", ["a", "b"])
    assert s.classes == ("background", "signal") and set(s.scores) == {"a", "b"}
    bad = tables.read_table(b"label,a\n1,0.1\n0,nan\n1,0.3\n0,inf\n0,0.2\n1,0.9\n")
    with pytest.raises(tables.NonFiniteScores) as info:
        roc.upload_scores(bad, "label", ["a"])
    assert info.value.n_rows == 2
    assert roc.upload_scores(bad, "label", ["a"], drop_nonfinite=True).n == 4


def test_confusion_tables_match_the_counts_and_rates(binary_engine):
    m = binary_engine.metrics(0.4)
    counts, rates = confusion_tables(m, "signal", "background")
    assert counts.to_numpy().tolist() == [[m["tp"], m["fn"]], [m["fp"], m["tn"]]]
    assert list(counts.index) == ["actual signal", "actual background"]
    assert list(counts.columns) == ["predicted signal", "predicted background"]
    np.testing.assert_allclose(rates.sum(axis=1), 1.0)
    assert rates.iloc[0, 0] == pytest.approx(m["tpr"]) and rates.iloc[1, 0] == pytest.approx(m["fpr"])
    html = confusion_styler(counts, rates=False).to_html()
    assert f"TP {int(m['tp']):,}" in html and "background-color" in html
    assert "TN" in confusion_styler(rates, rates=True).to_html()
    _, empty_rates = confusion_tables({"tp": 0, "fn": 0, "fp": 3, "tn": 1}, "a", "b")
    assert empty_rates.iloc[0].tolist() == [0.0, 0.0]  # no positives: rates 0, not NaN
