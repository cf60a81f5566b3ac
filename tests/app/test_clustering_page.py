"""AppTest runs of the Clustering page: every algorithm on each kind of dataset, the step-throughs,
the dendrogram cut, DBSCAN's eps advice, uploads with and without labels, and bad input.

Small data throughout (a few hundred rows) so the file stays fast on two cores.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.live_helpers import live_figures, live_readouts
from tests.app.upload_helpers import apply, target_box, upload

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "4_Clustering.py")
TIMEOUT = 180


def _page(dataset: str = "blobs", algorithm: str = "kmeans", **state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["clu.dataset"] = dataset
    at.session_state["clu.algorithm"] = algorithm
    for k, v in state.items():
        at.session_state[k] = v
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _clean(at: AppTest) -> None:
    _ok(at)
    assert not at.error, [e.value for e in at.error]


def _figures(at: AppTest) -> list[dict]:
    """Every chart on the page as Plotly JSON: st.plotly_chart's spec, and each live chart's
    (ui.live_plot) figure with its marks, restyles and live-slider states applied, as the browser draws it."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")] + live_figures(at)


def _texts(fig: dict) -> list[str]:
    """The text marks of a figure: its annotations and its shapes' labels."""
    out = [a.get("text", "") for a in fig["layout"].get("annotations", [])]
    return out + [sh["label"]["text"] for sh in fig["layout"].get("shapes", []) if sh.get("label", {}).get("text")]


def _key(at: AppTest) -> dict[str, int]:
    """The colour key under the live scatter: {name: size}."""
    bodies = [el.proto.body for el in at.get("html")]
    bodies += [line["html"] for line in live_readouts(at)[1] if isinstance(line, dict)]  # a live k's colour key
    for body in bodies:
        if "clu-legend" in body:
            found = re.findall(r"data-name='([^']*)' data-size='(\d+)'", body)
            return {html.unescape(n): int(v) for n, v in found}
    return {}


def _figure(at: AppTest, title_start: str) -> dict:
    for f in _figures(at):
        text = (f["layout"].get("title") or {}).get("text") or ""
        if text.startswith(title_start):
            return f
    raise AssertionError(
        f"no figure titled {title_start!r}: {[(f['layout'].get('title') or {}).get('text') for f in _figures(at)]}"
    )


def _codes(v) -> np.ndarray:
    """Marker colours: a plain list, or plotly's binary form."""
    return _array(v) if isinstance(v, dict) else np.asarray(v)


def _stepper(at: AppTest) -> dict:
    """The step-through's figure (the live chart whose frames the step slider animates)."""
    return next(f for f in _figures(at) if f.get("frames"))


def _metrics(at: AppTest) -> dict[str, float]:
    out = {k: float("nan") if v is None else float(v) for k, v in live_readouts(at)[0].items()}  # live k
    for el in at.get("html"):
        for lab, value in re.findall(r"data-label='([^']*)' data-value='([^']*)'", el.proto.body):
            value = value.replace("np.float64(", "").replace("np.int64(", "").rstrip(")")
            out[html.unescape(lab)] = float("nan") if value == "None" else float(value)
    return out


def _array(v) -> np.ndarray:
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray([np.nan if x is None else x for x in v], dtype=float)


def _tab(at: AppTest, label: str) -> AppTest:
    at.session_state["clu.tab"] = label
    return at.run()


def _csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def test_default_page_clusters_blobs_with_k_means():
    at = _page()
    at.run()
    _clean(at)
    m = _metrics(at)
    assert m["Clusters"] == 3 and m["Noise"] == 0 and 0.3 < m["Silhouette"] < 1
    assert 0 < m["Adjusted Rand index"] <= 1
    fig = _figure(at, "k-means: 3 clusters")
    key = _key(at)
    assert list(key) == ["cluster 0", "cluster 1", "cluster 2"] and sum(key.values()) == 300
    points = next(t for t in fig["data"] if t.get("name") == "points")
    assert len(_array(points["x"])) == 300 and sorted(set(points["marker"]["color"])) == [0, 1, 2]
    assert fig["layout"]["xaxis"]["title"]["text"] == "x1 (standardised)"
    centroids = [sh for sh in fig["layout"]["shapes"] if sh.get("name", "").startswith("centroid")]
    assert len({sh["name"] for sh in centroids}) == 3  # a ✕ per centroid, at its data position
    assert all(sh["xsizemode"] == "pixel" and np.isfinite(sh["xanchor"]) for sh in centroids)
    side = _figure(at, "Elbow")
    assert _texts(side) == ["your k = 3"]  # the current k, a mark
    _figure(at, "Elbow")
    assert any("Simulated data" in i.value for i in at.info)


# Every algorithm on one dataset of each kind: 2-D shapes, real tables, simulated astronomy.
CASES = [
    ("kmeans", "iris", {}),
    ("agglomerative", "wine", {}),
    ("dbscan", "moons", {"clu.algo.dbscan.eps": 0.3}),
    ("hdbscan", "sdss", {"clu.dataset.sdss.n_samples": 400}),
    ("gmm", "blobs_aniso", {}),
    ("spectral", "circles", {"clu.algo.spectral.n_clusters": 2, "clu.dataset.circles.noise": 0.04}),
]


@pytest.mark.parametrize("algorithm,dataset,state", CASES)
def test_every_algorithm_runs(algorithm, dataset, state):
    at = _page(dataset, algorithm, **state)
    at.run()
    _clean(at)
    m = _metrics(at)
    assert m["Clusters"] >= 1 and 0 <= m["Noise"] <= 1
    assert any(f["layout"].get("title", {}).get("text", "").endswith("clusters") or "clusters ·" in
               f["layout"].get("title", {}).get("text", "") for f in _figures(at))  # fmt: skip
    if algorithm == "spectral":
        assert m["Adjusted Rand index"] > 0.9  # spectral follows the rings k-means cannot


def test_k_move_refits_but_the_dendrogram_cut_does_not():
    at = _page("iris", "agglomerative")
    at.run()
    _clean(at)
    first = _metrics(at)
    dendro = _figure(at, "Dendrogram")
    assert list(_key(at)) == ["cluster 0", "cluster 1", "cluster 2"]
    key_lines = [el.proto.body for el in at.get("html")] + [x["html"] for x in live_readouts(at)[1] if isinstance(x, dict)]
    assert any("merges above the cut" in body for body in key_lines)
    colours = lambda fig: {t["line"]["color"] for t in fig["data"] if t.get("mode") == "lines"}  # noqa: E731
    assert len(colours(dendro)) == 4  # three clusters and the grey merges above the cut
    scatter = _figure(at, "Hierarchical (agglomerative): 3 clusters")
    def point_colours(fig):  # the points' colour codes (a live cut paints them point by point)
        return {c for t in fig["data"] if t["name"] == "points" for c in np.atleast_1d(_codes(t["marker"]["color"]))}

    assert len(point_colours(scatter)) == 3
    at.session_state["clu.algo.agglomerative.n_clusters"] = 5  # a live slider (ui.live_slider): its value is kept in the session
    at.run()
    _clean(at)
    moved = _metrics(at)
    assert moved["Clusters"] == 5
    assert moved["Fit time"] == first["Fit time"]  # the same cached tree, cut again
    dendro5 = _figure(at, "Dendrogram")
    assert len(colours(dendro5)) == 6 and _texts(dendro5) == ["cut: 5 clusters"]
    assert len(dendro5["data"]) == len(dendro["data"])  # the same traces, recoloured (no new figure)
    scatter5 = _figure(at, "Hierarchical (agglomerative): 5 clusters")
    assert len(point_colours(scatter5)) == 5 and len(scatter5["data"]) == len(scatter["data"])
    assert sum(len(_array(t["x"])) for t in scatter5["data"]) == 150
    at.radio(key="clu.cut_mode").set_value("height").run()
    _clean(at)
    height = next(s for s in at.sidebar.slider if s.label == "Cut height")
    height.set_value(float(height.max)).run()  # above every merge: one cluster
    assert _metrics(at)["Clusters"] == 1
    height.set_value(0.0).run()  # under every merge: a cluster per distinct point, drawn in few traces
    _clean(at)
    assert _metrics(at)["Clusters"] > 100
    lines = [t for t in _figure(at, "Dendrogram")["data"] if t.get("mode") == "lines"]
    assert 1 <= len(lines) <= 16 and len({t["line"]["color"] for t in lines}) == len(lines)


def test_k_means_step_through_frames_and_inertia_never_rises():
    at = _page("blobs", "kmeans")
    at.run()
    at = _tab(at, "Step through")
    _clean(at)
    fig = _stepper(at)
    assert len(fig["frames"]) >= 3
    inertia = next(t for t in fig["data"] if t.get("name") == "inertia")
    y = _array(inertia["y"])[1:]
    assert np.all(np.diff(y) <= 1e-9 * y[0])
    assert any(b["label"].endswith("Play") for b in fig["layout"]["updatemenus"][0]["buttons"])
    # the step slider is a live slider over the frames: each value animates to its frame, its line says the step
    args = next(json.loads(c.proto.json_args) for c in at.get("component_instance") if "live_slider" in c.proto.component_name
                and json.loads(c.proto.json_args)["sliders"][0]["label"] == "Step")  # fmt: skip
    last = len(fig["frames"]) - 1
    assert args["sliders"][0]["max"] == last and args["values"]["clu.step"] == last
    captions = [next(t["text"][0] for t in f["data"] if t.get("mode") == "text") for f in fig["frames"]]
    assert captions[0].startswith("Step 0 of ") and "assign" in captions[1]  # each frame says what its step does
    at.session_state["clu.step"] = 1
    at.run()
    follow = next(json.loads(c.proto.json_args)["follow"] for c in at.get("component_instance")
                  if c.proto.component_name.endswith("live_plot") and json.loads(c.proto.json_args).get("follow")
                  and "clu.step" in json.loads(c.proto.json_args)["follow"]["values"])  # fmt: skip
    assert follow["values"]["clu.step"] == 1 and json.loads(follow["parts"])["clu.step"]["1"] == {"frame": fig["frames"][1]["name"]}


def test_em_step_through_log_likelihood_never_falls():
    at = _page("blobs_aniso", "gmm")
    at.run()
    at = _tab(at, "Step through")
    _clean(at)
    fig = _stepper(at)
    ll = _array(next(t for t in fig["data"] if t.get("name") == "log-likelihood")["y"])
    assert len(ll) >= 3 and np.all(np.diff(ll) >= -1e-9)


def test_dbscan_eps_too_small_says_so_and_suggests_the_knee():
    at = _page("moons", "dbscan", **{"clu.algo.dbscan.eps": 0.01})
    at.run()
    _clean(at)
    warning = next(w.value for w in at.warning if "every point is noise" in w.value)
    assert "k-distance" in warning and "Try eps" in warning
    assert _metrics(at)["Noise"] == 1.0
    kd = _figure(at, "k-distance plot")
    assert any("eps = 0.01" in t for t in _texts(kd))


def test_choosing_k_validation_profiles_and_compare_tabs():
    at = _page("iris", "kmeans")
    at.run()
    at = _tab(at, "Choosing k")
    _clean(at)
    _figure(at, "Elbow")
    _figure(at, "Mean silhouette")
    _figure(at, "Silhouette of each point")
    at = _tab(at, "Validation")
    _clean(at)
    frames = [d.value for d in at.dataframe]
    assert any("Adjusted Rand index" in set(f["score"]) for f in frames if "score" in f)
    contingency = frames[-1]
    assert contingency.to_numpy().sum() == 150
    at = _tab(at, "Profiles")
    _clean(at)
    _figure(at, "Cluster profiles")
    at = _tab(at, "Compare algorithms")
    _clean(at)
    table = at.dataframe[0].value
    assert len(table) == 6 and table["algorithm"].tolist()[0] == "k-means"


def test_uniform_noise_warns_and_digits_show_mean_images():
    at = _page("uniform_noise", "kmeans")
    at.run()
    _clean(at)
    assert any("no clusters at all" in w.value for w in at.warning)
    assert "Adjusted Rand index" not in _metrics(at)
    at = _page("digits", "kmeans", **{"clu.algo.kmeans.n_clusters": 10, "clu.algo.kmeans.n_init": 1})
    at.run()
    _clean(at)
    assert "PC1" in _figure(at, "k-means")["layout"]["xaxis"]["title"]["text"]
    at = _tab(at, "Profiles")
    _clean(at)
    images = _figure(at, "Mean image of each cluster")
    assert sum(t["type"] == "heatmap" for t in images["data"]) == 10


def test_upload_with_and_without_a_label_column():
    rng = np.random.default_rng(0)
    # two blobs that overlap a little (so neither column alone counts as a leak of the label)
    df = pd.DataFrame(
        np.vstack([rng.normal(0, 0.8, (40, 2)), rng.normal(2.5, 0.8, (40, 2))]), columns=["a", "b"]
    )
    df["class"] = ["left"] * 40 + ["right"] * 40
    at = _page()
    at.run()
    upload(at, "clu", _csv(df), "two.csv")
    _clean(at)
    assert _metrics(at)["Clusters"] == 3  # k = 3 on two blobs
    at.session_state["clu.algo.kmeans.n_clusters"] = 2  # a live slider (ui.live_slider): its value is kept in the session
    at.run()
    _clean(at)
    assert _metrics(at)["Adjusted Rand index"] > 0.8  # the label scores, never fits
    target_box(at).set_value("(no label column)")
    apply(at)
    _clean(at)
    assert "Adjusted Rand index" not in _metrics(at)
    at = _tab(at, "Validation")
    assert any("no class labels" in i.value for i in at.info)


def test_bad_inputs_are_clear_messages():
    one = pd.DataFrame({"x": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 5.0, 5.1, 5.2, 5.3, 5.4, 5.5], "const": 1.0})
    at = _page()
    at.run()
    upload(at, "clu", _csv(one), "one.csv")
    _clean(at)
    notes = [i.value for i in at.info] + [c.value for c in at.caption]
    assert any("constant" in n for n in notes)  # the constant column is left out, and said so
    assert any("strip plot" in c.value for c in at.caption)  # a single feature: a strip plot
    at.session_state["clu.algo.kmeans.n_clusters"] = 15  # a live slider (ui.live_slider): its value is kept in the session
    at.run()  # more clusters than rows
    _clean(at)
    assert any("more than this data allows" in n.value for n in at.info)
    assert _metrics(at)["Clusters"] == 12


@pytest.mark.slow
def test_hierarchical_refuses_more_than_20000_rows():
    at = _page("sdss", "agglomerative", **{"clu.dataset.sdss.n_samples": 25000})
    at.run()
    _ok(at)
    assert any("limited to 20,000 rows" in e.value for e in at.error)


@pytest.mark.slow
def test_umap_view_is_display_only():
    at = _page("iris", "gmm", **{"clu.view.3": "umap"})
    at.run()
    _clean(at)
    fig = _figure(at, "Gaussian mixture")
    assert fig["layout"]["xaxis"]["title"]["text"] == "UMAP 1"
    assert not any(t.get("name") in ("1σ", "2σ") for t in fig["data"])  # no ellipses in a non-linear view
    assert any("UMAP bends the space" in c.value for c in at.caption)


@pytest.mark.slow
def test_comparison_on_a_big_table_waits_for_the_button():
    at = _page("sdss", "kmeans", **{"clu.dataset.sdss.n_samples": 6000, "clu.algo.kmeans.n_init": 1})
    at.run()
    at = _tab(at, "Compare algorithms")
    _clean(at)
    assert not at.dataframe and any("may take a minute" in i.value for i in at.info)
    at.button(key="clu.compare.run").click().run()
    _clean(at)
    table = at.dataframe[0].value
    assert len(table) == 6 and table["fit time (s)"].notna().sum() >= 4
