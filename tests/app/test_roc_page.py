"""AppTest of the ROC Explorer: every score source, the threshold, pickers, multiclass and bad uploads."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ml.thresholds import ThresholdEngine
from ui import roc as roc_ui
from ui.roc import SHOWN

PAGE = "../../pages/3_ROC_Explorer.py"


def run_page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def live_args(at) -> dict:
    """What the page sent the live threshold component (ui/live_threshold.py)."""
    (el,) = [e for e in at.get("component_instance") if e.proto.component_name.endswith("live_threshold")]
    return json.loads(el.proto.json_args)


def has_live_threshold(at) -> bool:
    return any(e.proto.component_name.endswith("live_threshold") for e in at.get("component_instance"))


def metric(at, label: str) -> float:
    """A tile's number at the confirmed threshold (the engine's exact metrics the page sent), by its label."""
    key = {lab: k for k, lab in SHOWN}[label]
    value = live_args(at)["confirmed"][key]
    return float("inf") if value is None else float(value)


def threshold(at) -> float:
    return float(at.session_state["roc_t"])


def set_threshold(at, t: float) -> AppTest:
    """What a release of the live slider does: the component's value carries the new threshold."""
    at.session_state["roc_t"] = float(t)
    return at.run()


def figures(at) -> dict[str, dict]:
    """Every figure on the page: the st.plotly_chart ones and the live threshold's curve panels."""
    out = {e.proto.id: json.loads(e.proto.spec) for e in at.get("plotly_chart")}
    if has_live_threshold(at):
        a = live_args(at)
        if a["figure"] is None:  # sent once per data and view: ask again, as a remounted component does
            at.session_state["roc_live_has"] = None
            a = live_args(at.run())
        out["live"] = json.loads(a["figure"])
    return out


def live_matrix(at) -> list:
    c = live_args(at)["confirmed"]
    return [[c["tp"], c["fn"]], [c["fp"], c["tn"]]]


def live_figure(at) -> dict:
    return next(f for f in figures(at).values() if "Score distributions" in json.dumps(f["layout"]))


def npoints(v) -> int:
    """Points in a Plotly array, plain or base64-encoded ({"dtype", "bdata"}, as Plotly 6+ sends numpy)."""
    if isinstance(v, dict) and "bdata" in v:
        return len(base64.b64decode(v["bdata"])) // np.dtype(v["dtype"]).itemsize
    return len(v) if v is not None else 0


def upload(at, data: bytes, name: str = "scores.csv") -> AppTest:
    at.radio(key="roc_source").set_value("upload").run()
    at.file_uploader(key="roc.uploader").set_value((name, data, "text/csv"))
    return at.run()


def csv(text: str) -> bytes:
    return text.strip().encode() + b"\n"


def scores_csv(n=400, seed=0, labels=("0", "1"), extra="") -> bytes:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    a = rng.normal(y * 1.0, 1.0)
    b = rng.normal(y * 0.5, 1.0)
    rows = [f"label,model_a,model_b{extra and ',' + extra}"]
    rows += [f"{labels[int(t)]},{x:.5f},{z:.5f}" for t, x, z in zip(y, a, b, strict=True)]
    return "\n".join(rows).encode()


def test_builtin_default_runs_and_threshold_moves_matrix():
    at = run_page()
    assert not at.exception and not errors(at)
    before = live_matrix(at)
    acc = metric(at, "accuracy")
    assert 0.85 < acc <= 1.0
    set_threshold(at, 0.99)
    assert not at.exception
    assert live_matrix(at) != before
    assert live_args(at)["t"] == pytest.approx(0.99)
    sent = live_args(at)
    high = metric(at, "recall / TPR / ε_S"), metric(at, "predicted positive rate")
    set_threshold(at, 0.02)
    # a threshold move resends the same figure and counts; only the confirmed numbers change
    moved = live_args(at)
    assert moved["revision"] == sent["revision"] and moved["data_rev"] == sent["data_rev"]
    assert moved["figure"] is None and moved["counts"] is None  # the browser has them: not sent again
    assert moved["confirmed"] != sent["confirmed"]
    assert moved["confirmed"]["t"] == pytest.approx(0.02) and threshold(at) == pytest.approx(0.02)
    # a lower threshold predicts more rows positive and finds at least as many positives
    assert metric(at, "recall / TPR / ε_S") >= high[0] and metric(at, "predicted positive rate") > high[1]
    # two models: the comparison table at once; both overlays when their (lazy) expander is opened
    assert any("AUC" in df.value.columns for df in at.dataframe)
    assert len(figures(at)) == 1  # the live view only: no st.plotly_chart (no second plotly.js) on a first visit
    at.session_state[roc_ui.COMPARE_CURVES] = True
    at.run()
    assert not at.exception
    overlays = [f for k, f in figures(at).items() if k != "live"]
    assert len(overlays) == 2
    names = " ".join(t.get("name", "") for f in overlays for t in f["data"])
    assert "logistic regression" in names and "random forest" in names, names


def test_every_quick_model_and_multiclass_per_class_auc():
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.run()
    at.selectbox(key="roc.dataset").set_value("iris").run()
    at.multiselect(key="roc_models").set_value(["logistic", "random_forest", "hist_gb", "mlp_torch"]).run()
    assert not at.exception and not errors(at)
    at.selectbox(key="roc_positive").set_value("virginica").run()
    assert not at.exception
    tables = [df.value for df in at.dataframe if "class" in df.value.columns]
    assert tables and all(t["class"].iloc[-1] == "macro average" for t in tables)
    assert len(tables) == 4
    for t in tables:
        assert 0.5 < t["AUC"].iloc[-1] <= 1.0


def test_pickers_move_the_threshold_to_the_engine_answer():
    csv_bytes = scores_csv(600, seed=3)
    at = upload(AppTest.from_file(PAGE, default_timeout=120).run(), csv_bytes)
    assert not at.exception and not errors(at)
    rows = np.loadtxt(io.BytesIO(csv_bytes), delimiter=",", skiprows=1)
    engine = ThresholdEngine(rows[:, 0] == 1, rows[:, 1])

    at.selectbox(key="roc_picker").set_value("best Youden's J").run()
    at.button(key="roc_pick_go").click().run()
    assert threshold(at) == pytest.approx(engine.best_threshold("youden_j"))

    at.selectbox(key="roc_picker").set_value("target signal efficiency (TPR)").run()
    at.number_input(key="roc_target_tpr").set_value(0.9).run()
    at.button(key="roc_pick_go").click().run()
    assert metric(at, "recall / TPR / ε_S") >= 0.9
    assert threshold(at) == pytest.approx(engine.threshold_for_tpr(0.9))

    at.selectbox(key="roc_picker").set_value("target false-positive rate").run()
    at.number_input(key="roc_target_fpr").set_value(0.05).run()
    at.button(key="roc_pick_go").click().run()
    assert metric(at, "FPR / ε_B") <= 0.05

    at.selectbox(key="roc_picker").set_value("minimum expected cost").run()
    at.number_input(key="roc_cost_fn").set_value(10.0).run()
    at.button(key="roc_pick_go").click().run()
    expected, _ = engine.min_cost_threshold(1.0, 10.0, at.session_state["roc_prior"])
    assert threshold(at) == pytest.approx(expected)

    at.selectbox(key="roc_picker").set_value("best Fβ").run()
    at.number_input(key="roc_beta").set_value(2.0).run()
    at.button(key="roc_pick_go").click().run()
    assert threshold(at) == pytest.approx(engine.best_threshold("fbeta", 2.0))
    assert not at.exception


def test_photon_jet_source_physics_view_and_direction_switch():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.radio(key="roc_source").set_value("photon_jet").run()
    assert not at.exception and not errors(at)
    assert at.selectbox(key="roc_positive").value == "photon"
    assert any("Simulated" in i.value for i in at.info)
    at.segmented_control(key="roc_view").set_value("physics").run()
    live = live_figure(at)
    assert any(
        "background rejection" in str(v.get("title", ""))
        for k, v in live["layout"].items()
        if k.startswith("yaxis")
    )
    auc_before = at.dataframe[0].value["AUC"].max()
    at.toggle(key="roc_lower").set_value(True).run()
    assert not at.exception
    assert at.dataframe[0].value["AUC"].max() < auc_before  # flipped direction: the AUCs become 1 - AUC


def test_upload_string_labels_multiple_models_and_downloads():
    at = upload(
        AppTest.from_file(PAGE, default_timeout=120).run(), scores_csv(labels=("background", "signal"))
    )
    assert not at.exception and not errors(at)
    assert at.selectbox(key="roc_positive").value == "signal"
    assert at.selectbox(key="roc_model").options == ["model_a", "model_b"]
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels[0] == "Metrics at this threshold (CSV)"
    assert labels[1].startswith("Full threshold table (CSV, gzip; ~") and "MB unzipped" in labels[1]  # size said first


def test_handoff_from_classification_page():
    sent = {
        "name": "moons",
        "labels": np.array([0, 1, 0, 1, 1, 0, 1, 0]),
        "classes": ["class 0", "class 1"],
        "scores": {"tree": np.array([0.1, 0.9, 0.3, 0.8, 0.4, 0.2, 0.7, 0.6])},
        "description": "held-out scores",
        "token": "abc",
    }
    at = run_page(roc_handoff=sent)
    assert not at.exception and not errors(at)
    assert at.radio(key="roc_source").value == "handoff"
    assert at.selectbox(key="roc_model").value == "tree"


BAD_UPLOADS = {
    "empty": (b"", "empty"),
    "binary": (b"\x00\x01\x02\x03" * 100, "binary"),
    "excel": (b"PK\x03\x04" + b"\x00" * 200, "Excel"),
    "no header": (csv("0,0.1,0.3\n1,0.8,0.5\n0,0.2,0.1"), "header"),
    "duplicate columns": (csv("label,score,score\n0,0.1,0.2\n1,0.9,0.8"), "uplicate"),
    "single class": (csv("label,score\n" + "\n".join(f"1,0.{i}" for i in range(1, 9))), "class"),
    "scores not numbers": (
        csv("label,score,other\n" + "\n".join(f"{i % 2},abc{i},{i}" for i in range(20))),
        "not numbers",
    ),
    "no label column": (
        csv("a,b\n" + "\n".join(f"{i * 0.37:.3f},{i * 0.11:.3f}" for i in range(200))),
        "label",
    ),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_show_a_message_and_the_page_lives(case):
    data, word = BAD_UPLOADS[case]
    at = upload(AppTest.from_file(PAGE, default_timeout=60).run(), data)
    assert not at.exception
    messages = errors(at) + [w.value for w in at.warning]
    assert messages, f"{case}: no message shown"
    assert word.lower() in " ".join(messages).lower()
    assert at.radio(key="roc_source").value == "upload"  # the sidebar still works
    at.radio(key="roc_source").set_value("photon_jet").run()
    assert not at.exception and has_live_threshold(at)


def test_latin1_upload_reads_with_a_note():
    data = "label,score,comment\n" + "\n".join(f"{i % 2},{i / 40:.3f},café" for i in range(40))
    at = upload(AppTest.from_file(PAGE, default_timeout=60).run(), data.encode("latin-1"))
    assert not at.exception and not errors(at)
    assert any("Latin-1" in i.value for i in at.info)


def test_nan_scores_offer_to_drop_rows():
    rows = ["label,score"] + [f"{i % 2},{'nan' if i < 3 else 'inf' if i == 3 else i / 50}" for i in range(50)]
    at = upload(AppTest.from_file(PAGE, default_timeout=60).run(), "\n".join(rows).encode())
    assert not at.exception
    assert any("4" in e and ("NaN" in e or "infinite" in e) for e in errors(at))
    at.checkbox(key="roc_drop_nonfinite").check().run()
    assert not at.exception and not errors(at)
    assert has_live_threshold(at)


def test_many_classes_label_is_one_vs_rest():
    rng = np.random.default_rng(0)
    rows = ["label,score"] + [f"c{k},{rng.random():.4f}" for k in rng.integers(0, 12, 300)]
    at = upload(AppTest.from_file(PAGE, default_timeout=60).run(), "\n".join(rows).encode())
    assert not at.exception and not errors(at)
    assert len(at.selectbox(key="roc_positive").options) == 12
    assert any("one-vs-rest" in c.value for c in at.caption)


def test_file_over_the_upload_limit(monkeypatch):
    import ml.tables

    monkeypatch.setattr(ml.tables, "MAX_UPLOAD_MB", 0.001)
    at = upload(AppTest.from_file(PAGE, default_timeout=60).run(), scores_csv(200))
    assert not at.exception
    assert any("MB" in e for e in errors(at))


def test_a_million_row_upload_works():
    rng = np.random.default_rng(1)
    n = 1_000_000
    y = rng.random(n) < 0.3
    s = rng.normal(y * 1.0, 1.0)
    buf = io.StringIO()
    buf.write("label,score\n")
    np.savetxt(buf, np.column_stack([y.astype(int), s]), fmt=["%d", "%.5f"], delimiter=",")
    at = upload(AppTest.from_file(PAGE, default_timeout=300).run(), buf.getvalue().encode())
    assert not at.exception and not errors(at)
    engine = ThresholdEngine(y, np.round(s, 5))
    t = threshold(at)
    assert metric(at, "accuracy") == pytest.approx(engine.metrics(t)["accuracy"], abs=6e-4)
    for fig in figures(at).values():
        for trace in fig["data"]:
            assert npoints(trace.get("x")) <= 5000 and npoints(trace.get("y")) <= 5000
    assert max(npoints(t.get("x")) for f in figures(at).values() for t in f["data"]) > 100  # curves are drawn


def _chart_value(x, y, t: float, lower: bool) -> float:
    """The value a step trace (shape "hv", points in the engine's order) shows at threshold t."""

    def arr(v):
        if isinstance(v, dict):  # plotly's binary encoding
            return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).astype(float)
        return np.asarray(v, dtype=float)

    x, y = arr(x), arr(y)
    held = np.flatnonzero(x <= t) if lower else np.flatnonzero(x >= t)  # the points already passed
    return float(y[held[-1]])


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("kind", ["tree", "continuous"])
def test_metrics_vs_threshold_chart_equals_the_tiles(kind, lower):
    """A tree's 0/1 scores at t = 0.5 read FPR ≈ 0.52 on straight lines; steps read the tile value."""
    from ml.plots.roc import live_base
    from ml.roc import curves

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = (
        np.where(rng.random(300) < 0.95, y, 1 - y).astype(float)
        if kind == "tree"
        else np.round(y + rng.normal(0, 0.8, 300), 2)
    )
    e = ThresholdEngine(y, s, higher_is_positive=not lower)
    for beta in (1.0, 2.0):
        base = live_base(curves(e, beta), beta=beta, lower_is_positive=lower)
        traces = {t["name"]: t for t in base["data"] if t.get("legend") == "legend2"}
        names = set(traces)
        assert ("Fβ (β=2)" in names) == (beta == 2.0) and ("F1 = Fβ (β=1)" in names) == (beta == 1.0)
        colours = [(t["line"]["color"], t["line"].get("dash")) for t in traces.values()]
        assert len(set(colours)) == len(colours)  # every metric its own look
        for t in [0.5, 0.0, 1.0, *np.quantile(s, [0.1, 0.37, 0.5, 0.8])]:
            m = e.metrics(float(t), beta)
            for name, key in (("accuracy", "accuracy"), ("FPR", "fpr"), ("precision", "precision")):
                tr = traces[name]
                assert tr["line"]["shape"] == "hv"
                want = m[key]
                got = _chart_value(tr["x"], tr["y"], float(t), lower)
                assert got == pytest.approx(want, abs=1e-12), (kind, lower, t, name, got, want)
