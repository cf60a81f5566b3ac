"""Dimensionality reduction engine (ml/projection.py), checked against scikit-learn's references."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness as sk_trustworthiness
from sklearn.random_projection import johnson_lindenstrauss_min_dim

from ml import projection as P
from ml import registry, simulate
from ml.datasets import load_dataset


@pytest.fixture(scope="module")
def wine():
    return load_dataset("wine")


@pytest.fixture(scope="module")
def wine_fit(wine):
    return P.fit_pca(wine.X, "standard", wine.feature_names)


# ---- PCA: one full fit, queries ---------------------------------------------------------------------


def test_pca_explained_variance_equals_sklearn(wine, wine_fit):
    X = P.scale(wine.X, "standard")
    ref = PCA().fit(X)
    np.testing.assert_allclose(wine_fit.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(wine_fit.explained_variance_, ref.explained_variance_, rtol=1e-10)
    assert wine_fit.n_components == 13
    # a k-component embedding is the first k columns of the full fit (up to each component's sign)
    ref3 = PCA(3).fit_transform(X)
    np.testing.assert_allclose(np.abs(wine_fit.embedding(3)), np.abs(ref3), atol=1e-8)


def test_standard_scaling_equals_sklearn(wine):
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    np.testing.assert_allclose(P.scale(wine.X, "standard"), StandardScaler().fit_transform(wine.X), atol=1e-12)
    np.testing.assert_allclose(P.scale(wine.X, "minmax"), MinMaxScaler().fit_transform(wine.X), atol=1e-12)
    with pytest.raises(ValueError, match="scaling"):
        P.scale(wine.X, "log")


def test_components_to_reach_the_target(wine_fit):
    cum = wine_fit.cumulative
    for target in (0.5, 0.85, 0.95, 1.0):
        k = wine_fit.n_for_target(target)
        assert cum[k - 1] >= target - 1e-12
        assert k == 1 or cum[k - 2] < target
    assert wine_fit.n_for_target() == wine_fit.n_for_target(0.85)
    with pytest.raises(ValueError, match="between 0 and 1"):
        wine_fit.n_for_target(85)


def test_reconstruction_error_falls_with_k_and_is_zero_at_full_rank(wine, wine_fit):
    err = wine_fit.reconstruction_errors()
    assert len(err) == wine_fit.n_components
    assert np.all(np.diff(err) <= 1e-12)
    assert err[0] > err[-2] > 0
    assert err[-1] == pytest.approx(0, abs=1e-12)
    # the closed form equals rebuilding the rows explicitly
    X = P.scale(wine.X, "standard")
    rows = np.arange(len(X))
    for k in (1, 4, 13):
        direct = P.reconstruction_error(X, wine_fit.reconstruct_rows(rows, k))
        assert direct == pytest.approx(err[k - 1], abs=1e-10)


def test_pca_queries_reject_impossible_k(wine_fit):
    with pytest.raises(ValueError, match="from 1 to 13"):
        wine_fit.embedding(14)
    assert wine_fit.loadings(2).shape == (2, 13)
    arrows = wine_fit.biplot_arrows()
    assert arrows.shape == (13, 2)


def test_constant_and_duplicate_columns_are_named():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=50), "b": 3.0, "c": rng.normal(size=50)})
    X["d"] = X["a"]
    fit = P.fit_pca(X, "standard", list(X.columns))
    text = " ".join(fit.notes)
    assert "constant" in text and "b" in text
    assert "duplicate" in text
    assert "zero variance" in text
    assert fit.explained_variance_ratio_[-1] < 1e-10


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 2 rows"):
        P.fit_pca(np.ones((1, 3)))
    with pytest.raises(ValueError, match="missing or infinite"):
        P.fit_pca(np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 1.0]]))
    assert "one feature" in " ".join(P.data_notes(np.arange(10.0).reshape(-1, 1)))


def test_pca_accuracy_curve_follows_the_notes(wine):
    seen = []
    curve = P.pca_accuracy_curve(
        wine.X, wine.y, ks=[1, 2, 5, 13], classifier="logistic", callback=lambda *a: seen.append(a)
    )
    assert [c["k"] for c in curve] == [1, 2, 5, 13]
    assert len(seen) == 4 and seen[-1][:3] == (4, 4, 13)
    assert curve[-1]["accuracy"] > 0.9 and curve[0]["accuracy"] < curve[-1]["accuracy"]
    assert curve[-1]["variance"] == pytest.approx(1.0)
    stopped = P.pca_accuracy_curve(wine.X, wine.y, ks=[1, 2, 3], classifier="logistic", callback=lambda *a: False)
    assert len(stopped) == 1
    with pytest.raises(ValueError, match="two classes"):
        P.pca_accuracy_curve(wine.X, np.zeros(len(wine.X)))


def test_image_shape_recognises_pixels():
    assert P.image_shape([f"pixel_{r}_{c}" for r in range(8) for c in range(8)]) == (8, 8)
    assert P.image_shape(["a", "b"]) is None
    assert P.image_shape(["pixel_0_0", "pixel_0_1", "pixel_1_0"]) is None


# ---- ICA: the cocktail party ------------------------------------------------------------------------


@pytest.mark.parametrize("n_sources", [3, 4])
def test_fastica_unmixes_the_cocktail_party_and_pca_does_not(n_sources):
    S, A, X = simulate.cocktail_party(n_sources, duration=1.0, seed=0)
    assert X.shape == (8000, n_sources) and A.shape == (n_sources, n_sources)
    np.testing.assert_allclose(X.to_numpy(), S.to_numpy() @ A.T)
    ica = P.match_sources(S, P.unmix(X, "ica", seed=0)["signals"])
    assert np.all(ica["corr"] >= 0.95), ica["corr"]
    assert sorted(ica["order"]) == list(range(n_sources))
    # aligned signals have the sources' sign and scale
    for i in range(n_sources):
        assert np.corrcoef(ica["aligned"][:, i], S.iloc[:, i])[0, 1] >= 0.95
    pca = P.match_sources(S, P.unmix(X, "pca", seed=0)["signals"])
    assert np.any(pca["corr"] < 0.95), pca["corr"]


def test_match_sources_undoes_order_and_sign():
    rng = np.random.default_rng(1)
    S = rng.laplace(size=(500, 3))
    E = np.column_stack([-2 * S[:, 2], S[:, 0], 0.5 * S[:, 1]])
    m = P.match_sources(S, E)
    assert list(m["order"]) == [1, 2, 0]
    assert list(m["signs"]) == [1, 1, -1]
    np.testing.assert_allclose(m["corr"], 1.0)
    np.testing.assert_allclose(m["aligned"], S, atol=1e-8)


def test_cocktail_party_refuses_a_singular_mixing_matrix():
    with pytest.raises(ValueError, match="singular"):
        simulate.cocktail_party(2, mixing=[[1, 2], [2, 4]])
    with pytest.raises(ValueError, match="2 × 2"):
        simulate.cocktail_party(2, mixing=np.eye(3))


def test_ica_non_convergence_becomes_a_note():
    S, A, X = simulate.cocktail_party(3, duration=0.5, seed=0)
    out = P.unmix(X, "ica", seed=0, max_iter=1, tol=1e-12)
    assert out["notes"] and "did not converge" in out["notes"][0] and "iterations" in out["notes"][0]
    with pytest.raises(ValueError, match="at least as many recordings"):
        P.unmix(X, "ica", n_components=4)


def test_audio_is_float32_in_range():
    a = P.to_audio(np.sin(np.arange(100)) * 50 + 3)
    assert a.dtype == np.float32 and np.abs(a).max() == pytest.approx(0.9, rel=1e-6)


# ---- random projection ------------------------------------------------------------------------------


@pytest.mark.parametrize("n,eps", [(100, 0.1), (1797, 0.5), (10_000, 0.3), (50, 0.9)])
def test_jl_min_dim_equals_sklearn(n, eps):
    assert P.jl_min_dim(n, eps) == int(johnson_lindenstrauss_min_dim(n, eps=eps))


def test_jl_refuses_eps_outside_0_1():
    with pytest.raises(ValueError, match="between 0 and 1"):
        P.jl_min_dim(100, 1.0)


def test_random_projection_at_the_jl_dimension_keeps_distances():
    ds = load_dataset("blobs_nd", n_samples=300, n_features=1500, centers=3, seed=0)
    X = ds.X.to_numpy()
    eps = 0.5
    k = P.jl_min_dim(len(X), eps)
    assert k < X.shape[1]
    proj = P.project("rp_gaussian", X, {"n_components": k}, seed=0)
    ratios = P.distance_ratios(X, proj.embedding, n_pairs=2000, seed=0)
    assert len(ratios) > 1900  # pairs of a row with itself are skipped
    assert np.mean((ratios > 1 - eps) & (ratios < 1 + eps)) > 0.99
    again = P.distance_ratios(X, proj.embedding, n_pairs=2000, seed=0)
    np.testing.assert_array_equal(ratios, again)  # seeded pairs


# ---- NMF, UMAP, t-SNE, registry ---------------------------------------------------------------------


def test_nmf_refuses_negatives_offering_min_max_scaling(wine):
    with pytest.raises(ValueError, match="non-negative.*min-max"):
        P.project("nmf", P.scale(wine.X, "standard"))
    proj = P.project("nmf", P.scale(wine.X, "minmax"), {"n_components": 3})
    assert proj.embedding.shape == (178, 3) and (proj.embedding >= 0).all()


def test_trustworthiness_equals_sklearn(wine):
    X = P.scale(wine.X, "standard")
    E = PCA(2).fit_transform(X)
    assert P.trustworthiness(X, E) == pytest.approx(sk_trustworthiness(X, E, n_neighbors=5), abs=1e-12)
    # past the row budget: the same measure on a seeded subsample
    idx = P.subsample(len(X), 100, seed=3)
    assert P.trustworthiness(X, E, max_rows=100, seed=3) == pytest.approx(
        sk_trustworthiness(X[idx], E[idx], n_neighbors=5), abs=1e-12
    )


def test_size_limits_clip_components_perplexity_and_neighbours():
    pca = registry.get("projector", "pca")
    params, notes = pca.fit_to_data({"n_components": 50, "whiten": False}, 20, 4)
    assert params["n_components"] == 4 and notes
    tsne = registry.get("projector", "tsne")
    params, notes = tsne.fit_to_data(tsne.validate({"perplexity": 30.0}), 12, 3)
    assert params["perplexity"] < 12 and notes
    umap_entry = registry.get("projector", "umap")
    params, _ = umap_entry.fit_to_data(umap_entry.validate({"n_neighbors": 50}), 10, 3)
    assert params["n_neighbors"] < 10


def test_tsne_checks_perplexity_below_rows():
    with pytest.raises(ValueError, match="perplexity.*smaller than the number of rows"):
        P.TSNEProjector(perplexity=30).fit(np.random.default_rng(0).normal(size=(20, 3)))


def test_subsample_past_the_row_budget_is_seeded_and_stated():
    X = np.random.default_rng(0).normal(size=(400, 5))
    a = P.project("tsne", X, {"perplexity": 10.0, "max_iter": 250}, seed=1, row_budget=100)
    b = P.subsample(400, 100, seed=1)
    np.testing.assert_array_equal(a.rows, b)
    assert a.embedding.shape == (100, 2)
    assert "100 of 400 rows" in a.notes[0] and "seed 1" in a.notes[0]


LINEAR = ["pca", "ica", "rp_gaussian", "rp_sparse", "nmf"]


@pytest.mark.parametrize("name", LINEAR)
def test_linear_projectors_follow_the_contract(name, wine):
    X = P.scale(wine.X, "minmax")
    est = registry.make("projector", name, {"n_components": 3}, seed=0)
    est, _ = P.fit_projector(est, X)
    registry.check_contract("projector", est)
    assert est.embedding_.shape == (178, 3)
    np.testing.assert_allclose(est.transform(X), est.embedding_, atol=1e-4)
    assert est.inverse_transform(est.embedding_).shape == X.shape
    assert clone(est).get_params() == est.get_params()
    assert pickle.loads(pickle.dumps(est)).embedding_.shape == (178, 3)


@pytest.mark.slow  # the first UMAP fit in a process compiles numba code (15-40 s on a busy 2-core box)
def test_umap_embeds_with_its_parameters_and_warms():
    X = P.scale(load_dataset("iris").X, "standard")
    proj = P.project("umap", X, {"n_neighbors": 10, "min_dist": 0.2}, seed=0)
    assert proj.embedding.shape == (150, 2)
    assert P.umap_is_warm()
    assert P.warm_umap() == 0.0  # already warm: nothing to pay
    assert P.trustworthiness(X, proj.embedding) > 0.9
    again = P.project("umap", X, {"n_neighbors": 10, "min_dist": 0.2}, seed=0)
    np.testing.assert_allclose(proj.embedding, again.embedding, atol=1e-5)  # seeded


def test_every_entry_is_a_projector_with_widgets():
    names = [e.name for e in registry.entries("projector")]
    for n in ("pca", "ica", "rp_gaussian", "rp_sparse", "nmf", "autoencoder", "vae", "umap", "tsne"):
        assert n in names
    for e in registry.entries("projector"):
        assert e.params and e.validate()


def test_reconstruction_curve_for_pca_matches_the_full_fit(wine, wine_fit):
    X = P.scale(wine.X, "standard")
    curve = P.reconstruction_curve("pca", X, [1, 3, 13])
    err = wine_fit.reconstruction_errors()
    np.testing.assert_allclose([c["error"] for c in curve], err[[0, 2, 12]], atol=1e-10)
    with pytest.raises(ValueError, match="no inverse"):
        P.reconstruction_curve("tsne", X, [2])


# ---- datasets ---------------------------------------------------------------------------------------


def test_projection_datasets_load():
    for name, shape in (("swiss_roll", (1500, 3)), ("s_curve", (1500, 3)), ("blobs_nd", (600, 500))):
        ds = load_dataset(name)
        assert ds.X.shape == shape and ds.simulated
    party = load_dataset("cocktail_party", n_sources=4, duration=0.5)
    assert party.y is None and party.X.shape == (4000, 4)
    assert list(party.extra.columns) == ["source_sine", "source_square", "source_sawtooth", "source_speech"]


# ---- autoencoders (ml.nets, registered here) --------------------------------------------------------


@pytest.mark.parametrize("name", ["autoencoder", "vae"])
def test_autoencoders_reduce_their_loss_pickle_and_clone(name, wine):
    X = P.scale(wine.X, "standard")
    proj = P.project(name, X, {"epochs": 30, "learning_rate": 0.003}, seed=0)
    net = proj.estimator
    registry.check_contract("projector", net)
    assert proj.embedding.shape == (178, 2)
    losses = [r["train_loss"] for r in net.history_]
    assert losses[-1] < 0.8 * losses[0]
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_allclose(again.transform(X), net.transform(X), atol=1e-5)
    assert again.inverse_transform(again.embedding_).shape == X.shape
    assert net.reconstruction_error(X).shape == (178,)
    fresh = clone(net)
    assert fresh.get_params()["latent_dim"] == 2 and not hasattr(fresh, "embedding_")
    if name == "vae":
        assert net.get_params()["beta"] == 1.0 and net.variational
