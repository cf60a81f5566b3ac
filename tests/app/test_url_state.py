"""Shareable states (issue 14): every page's state lives in the URL and a link restores it.

For each of the six pages: a crafted link sets the widgets (registry keys as values), a bad value and an
unknown parameter are ignored with ONE note naming them, a control moved afterwards goes back into the
URL, and a new session opened on that URL shows the same state (it writes back the very same link).

AppTest runs a page file on its own (not through app.py's st.navigation), so the pages run here inside
app.py's two link hooks, `ui.state.begin()` and `ui.state.finish()`, as the router runs them.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180


def _router(page: str) -> None:  # what app.py does around a page (AppTest cannot route through it)
    import runpy

    from ui import state

    state.begin()
    runpy.run_path(page)
    state.finish()


def _open(page: str, params: dict) -> AppTest:
    at = AppTest.from_function(_router, args=(str(ROOT / "pages" / page),), default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _notes(at: AppTest) -> list[str]:
    return [i.value for i in at.info if "link" in i.value]


def _widget(at: AppTest, key: str):
    for kind in ("selectbox", "slider", "select_slider", "radio", "toggle", "number_input", "multiselect"):
        found = [w for w in at.get(kind) if getattr(w, "key", None) == key]
        if found:
            return found[0]
    for group in at.get("button_group"):
        if group.key == key:
            return group
    for el in at.get("component_instance"):  # a live slider (ui.live_slider) holds its values in its arguments
        if el.proto.component_name.endswith("live_slider"):
            values = json.loads(el.proto.json_args)["values"]
            if key in values:  # moved the way the browser commits it: the value in the session
                return SimpleNamespace(value=values[key], set_value=lambda v: at.session_state.__setitem__(key, v))
    raise AssertionError(f"no widget with key {key!r}")


# page file: (link, {widget key: value the link must set}, bad params the note must name,
#             (widget key, new value) moved in the first session)
CASES = {
    "1_Regression.py": (
        {"reg.model": "knn", "reg.knn.n_neighbors": "9", "reg.test": "0.3", "reg.tab": "Residuals",
         "reg.resid.set": "train", "reg.scaling": "zzz", "bogus": "1"},
        {"reg.model": "knn", "reg.knn.n_neighbors": 9, "reg.test": 0.3, "reg.resid.set": "train"},
        ["reg.scaling=zzz", "bogus=1"],
        ("reg.knn.n_neighbors", 4),
    ),
    "2_Classification.py": (
        {"model": "k-nearest neighbours", "model.knn.n_neighbors": "3", "view": "Metrics", "metrics.beta": "0.5",
         "scaling": "minmax", "test": "0.9", "foo": "bar"},
        {"model": "knn", "model.knn.n_neighbors": 3, "metrics.beta": 0.5, "scaling": "minmax"},
        ["test=0.9", "foo=bar"],
        ("model.knn.weights", "distance"),
    ),
    "3_ROC_Explorer.py": (
        {"roc_source": "photon_jet", "roc_pj_n": "2000", "roc_view": "physics", "roc_beta": "2", "t": "-0.1",
         "roc_pj_seed": "-5", "zz": "1"},
        {"roc_source": "photon_jet", "roc_pj_n": 2000, "roc_view": "physics", "roc_beta": 2.0, "roc_t": -0.1},
        ["roc_pj_seed=-5", "zz=1"],
        ("roc_beta", 0.5),
    ),
    "4_Clustering.py": (
        {"clu.dataset": "moons", "clu.algorithm": "agglomerative", "clu.algo.agglomerative.n_clusters": "2",
         "clu.algo.agglomerative.linkage": "single", "clu.tab": "Validation", "clu.scaling": "cubic",
         "clu.algo.kmeans.n_clusters": "4"},
        {"clu.dataset": "moons", "clu.algorithm": "agglomerative", "clu.algo.agglomerative.n_clusters": 2,
         "clu.algo.agglomerative.linkage": "single"},
        ["clu.scaling=cubic", "clu.algo.kmeans.n_clusters=4"],
        ("clu.seed", 7),
    ),
    "5_Dimensionality_reduction.py": (
        {"proj.dataset": "iris", "method": "pca", "proj.pca.n_components": "3", "scaling": "minmax",
         "proj.view": "PCA", "proj.seed": "abc", "proj.view2": "x"},
        {"proj.dataset": "iris", "method": "pca", "proj.pca.n_components": 3, "scaling": "minmax"},
        ["proj.seed=abc", "proj.view2=x"],
        ("proj.seed", 5),
    ),
    "6_Anomaly_detection.py": (
        {"ano.detector": "lof", "ano.lof.n_neighbors": "30", "ano.contamination": "0.1", "ano.tab": "Metrics",
         "ano.mode": "sideways", "ano.source": "Upload", "ano.upload": "my table.csv"},
        {"ano.detector": "lof", "ano.lof.n_neighbors": 30, "ano.contamination": 0.1, "ano.source": "Built-in"},
        ["ano.mode=sideways"],
        ("ano.seed", 3),
    ),
}


@pytest.mark.slow  # three runs of a page each (~5-13 s on the loaded 2-core machine)
@pytest.mark.parametrize("page", list(CASES))
def test_link_round_trip(page):
    link, expected, bad, (moved, new) = CASES[page]
    a = _open(page, link)
    _ok(a)
    # the link set the widgets (and the values no widget holds)
    for key, value in expected.items():
        assert a.session_state[key] == value, (key, a.session_state[key], value)
    for key in expected:
        if key not in ("roc_t",) and key != "ano.contamination":
            assert _widget(a, key).value == expected[key], key
    # one note names every value that was ignored, and the page still works
    notes = _notes(a)
    assert len(notes) == 1, notes
    for item in bad:
        assert item.replace("_", "\\_") in notes[0] or item in notes[0], (item, notes[0])
    url = dict(a.query_params)
    for item in bad:
        assert item.split("=")[0] not in url, (item, url)  # dropped from the address
    if "ano.upload" in link:
        assert "can't travel in a link" in notes[0] and "my table.csv" in notes[0]
        assert "ano.upload" not in url and "ano.source" not in url  # the built-in default is shown
    # registry keys (not shown titles) stand in the URL
    model_key = {"2_Classification.py": "model"}.get(page)
    if model_key:
        assert url[model_key] == "knn"

    # a control moved afterwards goes into the URL
    _widget(a, moved).set_value(new)
    a.run()
    _ok(a)
    state = dict(a.query_params)
    assert state.get(moved) == str(new), (moved, state)

    # state -> link -> new session -> the same state, and no note
    b = _open(page, state)
    _ok(b)
    assert not _notes(b), _notes(b)
    assert dict(b.query_params) == state
    for key in {*expected, moved}:
        assert b.session_state[key] == a.session_state[key], key


def test_default_state_leaves_the_url_empty_and_links_only_what_changed():
    at = _open("2_Classification.py", {"cls.dataset": "nand"})
    _ok(at)
    assert dict(at.query_params) == {"cls.dataset": "nand"}  # defaults are not written
    _widget(at, "model").set_value("svm")
    at.run()
    assert dict(at.query_params)["model"] == "svm"
    at.selectbox(key="model").set_value("knn")
    at.run()
    url = dict(at.query_params)
    assert url["model"] == "knn" and not any(k.startswith("model.svm.") for k in url)  # the old model's params left


def test_an_upload_is_named_in_the_link_and_a_new_session_falls_back_with_a_note():
    from tests.app.upload_helpers import upload

    csv = "x1,x2,class\n" + "\n".join(f"{i % 7},{(i * 3) % 11},{'a' if i % 2 else 'b'}" for i in range(60))
    at = _open("2_Classification.py", {})
    upload(at, "cls", csv.encode(), "lecture <data>.csv")
    _ok(at)
    link = dict(at.query_params)
    assert link["cls.upload"] == "lecture <data>.csv"  # (Upload is the source's default once a file is held)
    b = _open("2_Classification.py", link)
    _ok(b)
    notes = _notes(b)
    assert len(notes) == 1 and "can't travel in a link" in notes[0] and "showing the built-in default" in notes[0]
    assert "<data>" not in notes[0]  # the file name is escaped
    assert b.session_state["cls.source"] == "Built-in"
    assert "cls.source" not in dict(b.query_params) and "cls.upload" not in dict(b.query_params)


def test_a_range_slider_and_the_tuning_tab_travel_in_a_link():
    link = {"cls.dataset": "moons", "model": "knn", "eval.tab": "Validation curve", "eval.k": "3",
            "eval.vc.n_neighbors.range": ["3", "20"]}  # fmt: skip
    at = _open("2_Classification.py", link)
    _ok(at)
    assert not _notes(at)
    assert at.session_state["eval.vc.n_neighbors.range"] == (3, 20) and at.session_state["eval.k"] == 3
    assert at.session_state["eval.tab"] == "Validation curve"
    assert at.query_params["eval.vc.n_neighbors.range"] == ["3", "20"]
