"""AppTest runs of the Dimensionality reduction page: every method on two datasets and an upload,
the PCA queries, the cocktail party, random projection, and bad input as page messages.

Small data and few epochs; the UMAP / t-SNE / autoencoder runs are marked slow."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.live_helpers import live_figures, live_readouts
from tests.app.upload_helpers import upload

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "5_Dimensionality_reduction.py")
TIMEOUT = 180
LINEAR = ["pca", "ica", "rp_gaussian", "rp_sparse", "nmf"]


def _page(dataset: str = "iris", **state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["proj.dataset"] = dataset
    for k, v in state.items():
        at.session_state[k] = v
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _figures(at: AppTest) -> list[dict]:
    """Every figure on the page: st.plotly_chart's, and the live charts' (ui.live_plot) with their marks
    laid over the layout, as the browser draws them."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")] + live_figures(at)


def _metrics(at: AppTest) -> dict[str, float]:
    out = dict(live_readouts(at)[0])
    for el in at.get("html"):
        for lab, value in re.findall(r"data-label='([^']*)' data-value='([^']*)'", el.proto.body):
            out[html.unescape(lab)] = float(value.replace("np.float64(", "").rstrip(")"))
    return out


def _array(v) -> np.ndarray:
    """A plotly JSON array: a list, or the binary form {dtype, bdata, shape}."""
    if isinstance(v, dict):
        import base64

        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if "shape" in v else a
    return np.array([[np.nan if x is None else x for x in row] for row in v], dtype=float)


def _array_1d(v) -> np.ndarray:
    return _array(v) if isinstance(v, dict) else np.asarray(v, dtype=float)


def _tab(at: AppTest, label: str) -> AppTest:
    at.session_state["proj.view"] = label
    return at.run()


def _embedding(at: AppTest) -> dict:
    figs = [f for f in _figures(at) if f["layout"].get("xaxis", {}).get("title", {}).get("text", "").endswith(" 1")]
    assert figs, "no embedding figure"
    return figs[0]


def test_default_page_draws_the_pca_embedding_of_digits():
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    fig = _embedding(at)
    assert fig["layout"]["xaxis"]["title"]["text"] == "PC 1"
    assert len(fig["data"]) == 10  # one trace per digit
    m = _metrics(at)
    assert 0.5 < m["Trustworthiness (k = 5)"] <= 1.0


@pytest.mark.parametrize("dataset", ["iris", "wine"])
def test_every_linear_method_on_two_datasets(dataset):
    at = _page(dataset, scaling="minmax")
    at.run()
    for name in LINEAR:
        at.selectbox(key="method").set_value(name).run()
        _ok(at)
        assert not at.error, (name, [e.value for e in at.error])
        fig = _embedding(at)
        assert len(fig["data"]) == 3  # three classes in both sets
        assert 0 < _metrics(at)["Trustworthiness (k = 5)"] <= 1


def test_nmf_on_standardised_data_says_to_use_min_max():
    at = _page("wine", method="nmf")
    at.run()
    _ok(at)
    assert any("non-negative" in e.value and "min-max" in e.value for e in at.error)


def test_pca_view_is_queries_on_one_fit():
    at = _page("wine")
    at.run()
    _tab(at, "PCA")
    _ok(at)
    scree = next(f for f in _figures(at) if f["layout"].get("yaxis", {}).get("title", {}).get("text") == "explained variance ratio")
    note = " ".join(sh.get("label", {}).get("text", "") for sh in scree["layout"]["shapes"])
    assert "85% reached with" in note
    k85 = int(re.search(r"with (\d+)", note).group(1))
    m = _metrics(at)
    assert m["Components for 85%"] == k85
    at.session_state["proj.target"] = 95  # the live sliders' values are kept in the session (ui.live_slider)
    at.run()
    assert _metrics(at)["Components for 95%"] > k85
    at.session_state["proj.pca_k"] = 13
    at.run()
    assert _metrics(at)["Reconstruction error, k = 13"] == pytest.approx(0, abs=1e-12)
    scree = next(f for f in _figures(at) if f["layout"].get("yaxis", {}).get("title", {}).get("text") == "explained variance ratio")
    assert "k = 13" in [sh.get("label", {}).get("text") for sh in scree["layout"]["shapes"]]  # the k mark moved
    assert not any(sh.get("name") == "past k" for sh in scree["layout"]["shapes"])  # all 13 kept: nothing faded
    titles = {f["layout"].get("xaxis", {}).get("title", {}).get("text") for f in _figures(at)}
    assert "feature" in titles  # loadings heatmap
    assert any("PC1" in (t or "") for t in titles)  # biplot


def test_digits_reconstruction_slider_changes_the_images():
    at = _page("digits")
    at.run()
    _tab(at, "PCA")

    def recon():
        return next(t["z"] for f in _figures(at) for t in f["data"] if t.get("name") == "reconstruction")

    before = recon()
    at.session_state["proj.recon_k"] = 64
    at.run()
    _ok(at)
    after = recon()
    assert after != before
    # at full rank the reconstructions are the originals (top and bottom rows of the mosaic agree)
    z = _array(after)
    np.testing.assert_allclose(z[:8], z[9:17], atol=1e-6)


def test_accuracy_against_k_runs_on_request():
    at = _page("iris")
    at.run()
    _tab(at, "PCA")
    at.radio(key="proj.acc_clf").set_value("logistic").run()
    at.button(key="proj.acc_run").click().run()
    _ok(at)
    fig = next(f for f in _figures(at) if any("test accuracy" in t.get("name", "") for t in f["data"]))
    assert fig["data"][0]["x"] == [1, 2, 3, 4]


def test_cocktail_party_ica_recovers_the_sources_and_pca_does_not():
    at = _page("cocktail_party")
    at.run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    m = _metrics(at)  # the cocktail tab comes first for this dataset
    ica = [v for k, v in m.items() if k.startswith("ICA |corr|")]
    pca = [v for k, v in m.items() if k.startswith("PCA |corr|")]
    assert len(ica) == 3 and min(ica) >= 0.95
    assert min(pca) < 0.95
    assert len(at.get("audio")) == 12  # sources, mixes, ICA and PCA outputs


def test_random_projection_panel_on_many_dimensional_blobs():
    at = _page("blobs_nd")
    at.run()
    _tab(at, "Random projection")
    _ok(at)
    assert any("JL minimum for 600 rows" in s.value for s in at.success)
    hist = next(f for f in _figures(at) if any(t.get("type") == "histogram" for t in f["data"]))
    within = float(re.match(r"([\d.]+)% of pairs within", hist["layout"]["title"]["text"]).group(1))
    assert within > 99  # at the JL dimension (the default k)


def _csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def test_upload_with_gaps_and_text_is_projected():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(80, 4)), columns=["a", "b", "c", "d"])
    df.loc[3, "b"] = np.nan
    df["class"] = np.where(df["a"] > 0, "star", "galaxy")
    at = _page()
    at.run()
    upload(at, "proj", _csv(df), "mine.csv")
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    for name in LINEAR:
        at.selectbox(key="method").set_value(name).run()
        _ok(at)
        if name == "nmf":
            assert any("min-max" in e.value for e in at.error)
            continue
        assert not at.error, (name, [e.value for e in at.error])
        assert len(_embedding(at)["data"]) == 2  # coloured by the optional label: galaxy, star
    assert any("rows have missing" in r.label for r in at.sidebar.radio)  # the shared component asks
    assert sum(len(_array_1d(t["x"])) for t in _embedding(at)["data"]) == 79  # the row with a gap dropped


@pytest.mark.slow
def test_umap_tsne_and_autoencoders_on_iris():
    at = _page("iris", **{"proj.autoencoder.epochs": 5, "proj.vae.epochs": 5})
    at.run()
    for name in ("umap", "tsne"):
        at.selectbox(key="method").set_value(name).run()
        _ok(at)
        assert not at.error, (name, [e.value for e in at.error])
        assert _metrics(at)["Trustworthiness (k = 5)"] > 0.8
    for name in ("autoencoder", "vae"):
        at.selectbox(key="method").set_value(name).run()
        _ok(at)
        assert any("Run" in b.label for b in at.button)  # torch fits wait for the button
        at.button(key="proj.run").click().run()
        _ok(at)
        assert not at.error, (name, [e.value for e in at.error])
        assert len(_embedding(at)["data"]) == 3
    # back to UMAP: the stored fit comes back without a button
    at.selectbox(key="method").set_value("umap").run()
    assert not any(b.key == "proj.run" for b in at.button)


NONLINEAR = ["umap", "tsne", "autoencoder", "vae"]
SHORT = {"proj.autoencoder.epochs": 5, "proj.vae.epochs": 5, "proj.tsne.max_iter": 250}


@pytest.mark.slow
@pytest.mark.parametrize("source", ["wine", "upload"])
def test_every_non_linear_method_on_a_second_dataset_and_an_upload(source):
    """UMAP, t-SNE, the autoencoder and the VAE (5 epochs) on wine and on an uploaded table (labels optional):
    each draws an embedding coloured by the label, with a trustworthiness, and no error."""
    at = _page("wine", **SHORT)
    at.run()
    classes = 3
    if source == "upload":
        rng = np.random.default_rng(1)
        df = pd.DataFrame(rng.normal(size=(90, 5)), columns=list("pqrst"))
        df["class"] = np.where(df["p"] + df["q"] > 0, "up", "down")
        upload(at, "proj", _csv(df), "table.csv")
        classes = 2
    _ok(at)
    for name in NONLINEAR:
        at.selectbox(key="method").set_value(name).run()
        run = [b for b in at.button if b.key == "proj.run"]
        if run:  # the torch fits wait for the button
            run[0].click().run()
        _ok(at)
        assert not at.error, (source, name, [e.value for e in at.error])
        assert len(_embedding(at)["data"]) == classes, (source, name)
        assert 0.5 < _metrics(at)["Trustworthiness (k = 5)"] <= 1, (source, name)


@pytest.mark.slow
def test_side_by_side_compares_two_methods():
    at = _page("iris", **{"proj.compare": ["pca", "tsne"]})
    at.run()
    _tab(at, "Side by side")
    run = [b for b in at.button if b.key == "proj.cmp_run"]
    if run:  # absent when an earlier test already stored t-SNE's default fit on iris (shared store)
        run[0].click().run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    captions = [c.value for c in at.caption if "trustworthiness" in c.value]
    assert len(captions) == 2
    assert len([f for f in _figures(at) if f["data"]]) >= 2


def test_tiny_upload_clips_perplexity_and_refuses_one_feature():
    df = pd.DataFrame({"a": np.arange(12.0), "b": np.arange(12.0) ** 2 % 7})
    at = _page(method="tsne", **{"proj.tsne.max_iter": 250})
    at.run()
    upload(at, "proj", _csv(df), "tiny.csv")
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert any("Perplexity" in c.value and "largest allowed" in c.value for c in at.caption)


def test_one_feature_upload_is_explained_not_a_failure():
    df = pd.DataFrame({"only": np.random.default_rng(0).normal(size=40), "flat": 1.0})
    at = _page()
    at.run()
    upload(at, "proj", _csv(df), "one.csv")
    for view in ("Embedding", "PCA", "Random projection", "Reconstruction error"):
        _tab(at, view)
        _ok(at)
        assert not at.error, (view, [e.value for e in at.error])
    _tab(at, "Embedding")
    assert any("one feature" in c.value for c in at.caption)
