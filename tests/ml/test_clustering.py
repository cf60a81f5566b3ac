"""Clustering engine: wrappers, step histories, linkage cuts, scores and the seed's reference numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster
from sklearn import datasets as skd
from sklearn import metrics, preprocessing

from ml import clustering as C
from ml import registry
from ml.datasets import load_dataset


@pytest.fixture(scope="module")
def iris():
    bunch = skd.load_iris()
    return bunch.data, bunch.target


@pytest.fixture(scope="module")
def blobs():
    X, y = skd.make_blobs(400, centers=4, cluster_std=1.0, random_state=3)
    return X, y


# ---- the seed's reference numbers ------------------------------------------------------------------
@pytest.mark.parametrize("linkage,expected", [("ward", 0.8857), ("complete", 0.6444), ("average", 0.5584)])
def test_iris_normalised_agglomerative_ari_matches_the_notes(iris, linkage, expected):
    X, y = iris
    f = C.fit("agglomerative", {"n_clusters": 3, "linkage": linkage}, preprocessing.normalize(X))
    assert metrics.adjusted_rand_score(y, f.labels) == pytest.approx(expected, abs=5e-5)


def test_iris_raw_kmeans_and_gmm_ari_match_the_notes(iris):
    X, y = iris
    km = C.fit("kmeans", {"n_clusters": 3}, X, seed=0)
    gm = C.fit("gmm", {"n_components": 3}, X, seed=0)
    assert round(metrics.adjusted_rand_score(y, km.labels), 2) == 0.73
    assert round(metrics.adjusted_rand_score(y, gm.labels), 2) == 0.90


def test_prepare_normalize_is_the_notes_preprocessing(iris):
    X, _ = iris
    prep = C.prepare(pd.DataFrame(X, columns=list("abcd")), "normalize")
    assert np.allclose(prep.X, preprocessing.normalize(X))
    assert prep.features == list("abcd")


# ---- every registry entry follows the contract -----------------------------------------------------
@pytest.mark.parametrize("name", [e.name for e in registry.entries("clusterer")])
def test_every_clusterer_fits_and_labels_every_row(name, blobs):
    X, _ = blobs
    f = C.fit(name, {}, preprocessing.StandardScaler().fit_transform(X), seed=0)
    registry.check_contract("clusterer", f.estimator)
    assert f.labels.shape == (len(X),) and f.labels.min() >= -1
    assert f.n_clusters >= 1 and f.seconds >= 0


def test_registry_has_the_issue_algorithms():
    names = {e.name for e in registry.entries("clusterer")}
    assert {"kmeans", "agglomerative", "dbscan", "hdbscan", "gmm", "spectral"} <= names


def test_size_limits_clip_k_to_the_rows():
    entry = registry.get("clusterer", "kmeans")
    params, notes = entry.fit_to_data({"n_clusters": 30, "init": "random", "n_init": 1}, 5, 2)
    assert params["n_clusters"] == 5 and notes
    spectral = registry.get("clusterer", "spectral")
    params, notes = spectral.fit_to_data(spectral.validate({"n_neighbors": 40}), 12, 2)
    assert params["n_neighbors"] == 11


# ---- k-means and Lloyd's steps ---------------------------------------------------------------------
def test_lloyd_history_inertia_never_increases_and_alternates(blobs):
    X, _ = blobs
    for init in ("k-means++", "random"):
        h = C.lloyd_history(X, 4, init=init, seed=2, n_init=3)
        assert h.kinds[0] == "init" and set(h.kinds[1::2]) == {"assign"} and set(h.kinds[2::2]) <= {"move"}
        inertia = h.inertia[1:]
        assert np.all(np.diff(inertia) <= 1e-9 * inertia[0])
        assert (h.labels[0] == -1).all() and h.labels.shape == (h.n_steps, len(X))
        assert h.centroids.shape == (h.n_steps, 4, 2)
    # converged run ends where scikit-learn's k-means does (same partition)
    sk = C.fit("kmeans", {"n_clusters": 4}, X, seed=0)
    assert metrics.adjusted_rand_score(sk.labels, h.labels[-1]) > 0.99


def test_lloyd_history_keeps_only_the_requested_rows(blobs):
    X, _ = blobs
    keep = np.arange(0, len(X), 7)
    h = C.lloyd_history(X, 3, seed=0, keep=keep)
    assert h.labels.shape[1] == len(keep)


def test_minibatch_is_used_past_the_threshold_and_says_so(blobs):
    X, _ = blobs
    est = C.KMeansClusterer(4, n_init=1, random_state=0, minibatch_above=100).fit(X)
    assert "mini-batch" in est.algorithm_used_
    assert "Lloyd" in C.KMeansClusterer(4, n_init=1, random_state=0).fit(X).algorithm_used_


def test_k_larger_than_distinct_points_is_refused_with_a_message():
    X = np.array([[0.0, 0.0]] * 5 + [[1.0, 1.0]] * 5)
    with pytest.raises(ValueError, match="distinct points"):
        C.fit("kmeans", {"n_clusters": 3}, X)
    with pytest.raises(ValueError, match="distinct"):
        C.lloyd_history(X, 3)


def test_fewer_rows_than_clusters_is_clipped_with_a_note():
    X = np.arange(8.0).reshape(4, 2)
    f = C.fit("kmeans", {"n_clusters": 6}, X)
    assert f.params["n_clusters"] == 4 and any("more than this data allows" in n for n in f.notes)


# ---- hierarchical: cut of the linkage matrix ------------------------------------------------------
@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_cut_by_number_of_clusters_equals_scipy_fcluster(iris, linkage):
    X, _ = iris
    h = C.fit("agglomerative", {"n_clusters": 3, "linkage": linkage}, X).estimator
    for k in (1, 2, 3, 5, 12, 40, 150):
        labels, nodes = h.cut(n_clusters=k)
        reference = fcluster(h.linkage_matrix_, k, criterion="maxclust")
        assert len(np.unique(labels)) == len(np.unique(reference))
        assert metrics.adjusted_rand_score(reference, labels) == pytest.approx(1.0)
        assert nodes.shape == (2 * len(X) - 1,)


def test_cut_by_height_equals_fcluster_distance_and_k_round_trips(iris):
    X, _ = iris
    h = C.fit("agglomerative", {"n_clusters": 3, "linkage": "average"}, X).estimator
    for k in (2, 3, 4, 9):
        height = h.height_for_k(k)
        assert h.k_for_height(height) == k
        labels, _ = h.cut(height=height)
        reference = fcluster(h.linkage_matrix_, height, criterion="distance")
        assert metrics.adjusted_rand_score(reference, labels) == pytest.approx(1.0)


def test_cluster_numbers_follow_the_dendrogram_left_to_right(iris):
    X, _ = iris
    h = C.fit("agglomerative", {"n_clusters": 4}, X).estimator
    labels, _ = h.cut(n_clusters=4)
    in_order = labels[h.leaf_order_]
    first_seen = [c for i, c in enumerate(in_order) if c not in in_order[:i]]
    assert first_seen == [0, 1, 2, 3]


def test_big_tables_and_huge_eps_are_refused_with_messages(monkeypatch):
    X = np.random.default_rng(0).normal(size=(300, 2))
    with pytest.raises(ValueError, match="HDBSCAN is limited to 100 rows"):
        C.HDBSCANClusterer(max_rows=100).fit(X)
    monkeypatch.setattr(C, "DBSCAN_MAX_PAIRS", 10_000)
    with pytest.raises(ValueError, match="so large for 300 rows"):
        C.fit("dbscan", {"eps": 5.0}, X)
    assert C.fit("dbscan", {"eps": 0.05}, X).noise_fraction > 0.5  # a small eps still runs


def test_hierarchical_refuses_big_tables_and_ward_with_other_metrics():
    X = np.random.default_rng(0).normal(size=(60, 2))
    with pytest.raises(ValueError, match="limited to 50 rows"):
        C.Hierarchical(max_rows=50).fit(X)
    with pytest.raises(ValueError, match="Ward linkage works with euclidean"):
        C.fit("agglomerative", {"linkage": "ward", "metric": "cosine"}, X)


# ---- DBSCAN -----------------------------------------------------------------------------------------
def test_dbscan_core_border_noise_and_k_distance_agree(blobs):
    X, _ = blobs
    Xs = preprocessing.StandardScaler().fit_transform(X)
    kd = C.k_distance(Xs, 6)
    assert np.all(np.diff(kd.distances) >= 0)
    for eps in (0.05, 0.15, kd.knee_eps, 0.6):
        est = C.fit("dbscan", {"eps": eps, "min_samples": 6}, Xs).estimator
        assert np.mean(est.point_kind_ == 0) == pytest.approx(kd.core_fraction(eps))
        assert ((est.point_kind_ == 2) == (est.labels_ == -1)).all()
        assert est.noise_fraction_ == pytest.approx(np.mean(est.labels_ == -1))
    # the knee suggestion gives a sensible clustering of the four blobs
    at_knee = C.fit("dbscan", {"eps": kd.knee_eps, "min_samples": 6}, Xs)
    assert 2 <= at_knee.n_clusters <= 8 and at_knee.noise_fraction < 0.2


def test_dbscan_advice_for_all_noise_and_one_cluster(blobs):
    X, _ = blobs
    tiny = C.fit("dbscan", {"eps": 0.01, "min_samples": 5}, X)
    huge = C.fit("dbscan", {"eps": 10.0, "min_samples": 5}, X)
    assert "every point is noise" in C.dbscan_advice(tiny.labels, 0.01, 0.5)
    assert "one cluster" in C.dbscan_advice(huge.labels, 10.0, 0.5)
    assert C.dbscan_advice(np.array([0, 1, -1]), 0.3, 0.5) is None


# ---- Gaussian mixture and EM ---------------------------------------------------------------------
@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_em_history_log_likelihood_never_decreases(blobs, covariance_type):
    X, _ = blobs
    h = C.em_history(X, 4, covariance_type, seed=1)
    assert h.kinds[0] == "init" and h.kinds[1::2] == ["E"] * len(h.kinds[1::2])
    assert np.all(np.diff(h.log_likelihood) >= -1e-9)
    assert h.covariances.shape == (h.n_steps, 4, 2, 2)
    assert np.all((h.max_resp > 0) & (h.max_resp <= 1 + 1e-6))
    # the last step is the fitted mixture scikit-learn reaches from the same start
    gm = C.fit("gmm", {"n_components": 4, "covariance_type": covariance_type}, X, seed=1)
    assert metrics.adjusted_rand_score(gm.labels, h.labels[-1]) > 0.95


def test_gmm_exposes_full_covariances_and_information_criteria(blobs):
    X, _ = blobs
    est = C.fit("gmm", {"n_components": 3, "covariance_type": "diag"}, X).estimator
    assert est.covariances_full_.shape == (3, 2, 2)
    assert np.allclose(est.covariances_full_[:, 0, 1], 0)
    sweep = C.information_sweep(X, range(1, 7), seed=0)
    assert sweep.best_bic == 4 and len(sweep.bic) == 6


def test_gmm_singular_covariance_is_a_clear_message():
    X = np.c_[np.arange(20.0), 2 * np.arange(20.0)]  # on a line: every full covariance is singular
    with pytest.raises(ValueError, match="singular covariance"):
        C.GaussianMixtureClusterer(2, reg_covar=0.0, random_state=0).fit(X)
    with pytest.raises(ValueError, match="singular covariance"):
        C.em_history(X, 2, reg_covar=0.0)


# ---- scores -----------------------------------------------------------------------------------------
def test_scores_equal_scikit_learn(blobs):
    X, y = blobs
    labels = C.fit("kmeans", {"n_clusters": 4}, X).labels
    scores, notes = C.internal_scores(X, labels)
    assert scores["silhouette"] == pytest.approx(metrics.silhouette_score(X, labels))
    assert scores["davies_bouldin"] == pytest.approx(metrics.davies_bouldin_score(X, labels))
    assert scores["calinski_harabasz"] == pytest.approx(metrics.calinski_harabasz_score(X, labels))
    ext = C.external_scores(y, labels)
    assert ext["ari"] == pytest.approx(metrics.adjusted_rand_score(y, labels))
    assert ext["nmi"] == pytest.approx(metrics.normalized_mutual_info_score(y, labels))
    assert ext["v_measure"] == pytest.approx(metrics.v_measure_score(y, labels))
    table = C.contingency(y, labels, ("a", "b", "c", "d"))
    assert table.to_numpy().sum() == len(y) and list(table.columns) == ["a", "b", "c", "d"]


def test_internal_scores_leave_noise_out_and_say_so(blobs):
    X, _ = blobs
    labels = C.fit("kmeans", {"n_clusters": 4}, X).labels.copy()
    labels[:20] = -1
    scores, notes = C.internal_scores(X, labels)
    assert scores["silhouette"] == pytest.approx(metrics.silhouette_score(X[20:], labels[20:]))
    assert any("noise" in n for n in notes)
    one, notes = C.internal_scores(X, np.zeros(len(X), dtype=int))
    assert one["silhouette"] is None and notes


def test_k_sweep_finds_the_elbow_of_well_separated_blobs(blobs):
    X, _ = blobs
    s = C.k_sweep(X, range(1, 9), n_init=2, seed=0)
    assert np.all(np.diff(s.inertia) < 0)
    assert s.knee_k == 4 and s.best_silhouette_k == 4 and np.isnan(s.silhouette[0])


def test_knee_of_a_hockey_stick():
    x = np.arange(10)
    y = np.array([100, 50, 20, 10, 9, 8, 7, 6, 5, 4], dtype=float)
    assert C.knee_index(x, y) in (2, 3)


# ---- colours, profiles, views, comparison ---------------------------------------------------------
def test_match_labels_keeps_colours_when_k_changes():
    old = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    new = np.array([2, 2, 2, 0, 0, 0, 1, 1, 3])  # same three groups renumbered, one point split off
    out = C.match_labels(new, old)
    assert out[:8].tolist() == [0, 0, 0, 1, 1, 1, 2, 2] and out[8] == 3
    with_noise = C.match_labels(np.array([-1, 1, 1, 0]), np.array([0, 0, 0, 1]))
    assert with_noise.tolist() == [-1, 0, 0, 1]


def test_profiles_sizes_and_means():
    X = pd.DataFrame({"a": [0.0, 2.0, 10.0, 12.0, 5.0], "b": [1.0, 1.0, 3.0, 3.0, 0.0]})
    out = C.profiles(X, np.array([0, 0, 1, 1, -1]))
    assert out.loc["cluster 0", "a"] == 1.0 and out.loc["cluster 1", "b"] == 3.0
    assert out["size"].sum() == 5 and out.index[-1] == "noise"
    assert C.image_shape([f"pixel_{i}_{j}" for i in range(8) for j in range(8)]) == (8, 8)
    assert C.image_shape(["a", "b"]) is None


def test_prepare_drops_constant_columns_and_rejects_bad_input():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "c": [5.0, 5.0, 5.0]})
    prep = C.prepare(df, "standard")
    assert prep.features == ["a"] and any("constant" in n for n in prep.notes)
    with pytest.raises(ValueError, match="constant"):
        C.prepare(pd.DataFrame({"c": [1.0, 1.0]}), "none")
    with pytest.raises(ValueError, match="missing or infinite"):
        C.prepare(pd.DataFrame({"a": [1.0, np.nan, 2.0]}), "none")
    with pytest.raises(ValueError, match="numeric"):
        C.prepare(pd.DataFrame({"a": ["x", "y"]}), "none")
    with pytest.raises(ValueError, match="at least 2 rows"):
        C.prepare(pd.DataFrame({"a": [1.0]}), "none")
    with pytest.raises(ValueError, match="Scaling"):
        C.scale(np.ones((2, 2)), "log")


def test_scalings_change_the_data(iris):
    X, _ = iris
    outs = {s: C.prepare(X, s).X for s in C.SCALINGS}
    assert np.allclose(outs["standard"].mean(0), 0) and np.allclose(outs["minmax"].max(0), 1)
    assert np.allclose(np.linalg.norm(outs["normalize"], axis=1), 1) and np.allclose(outs["none"], X)


def test_views_project_points_and_covariances(iris):
    X, _ = iris
    pca = C.view_2d(X, "pca", ["a", "b", "c", "d"], rows=np.arange(0, 150, 3))
    assert pca.coords.shape == (50, 2) and "PC1" in pca.x_title
    assert np.allclose(pca.project(X[::3]), pca.coords)
    cov = np.cov(X.T)[None]
    assert pca.project_cov(cov).shape == (1, 2, 2)
    two = C.view_2d(X, "features", ["a", "b", "c", "d"], pair=(2, 3))
    assert np.allclose(two.coords, X[:, [2, 3]]) and two.x_title == "c"
    strip = C.view_2d(X[:, :1], "features", ["a"])
    assert "strip" in strip.note
    with pytest.raises(ValueError, match="two different"):
        C.view_2d(X, "features", list("abcd"), pair=(1, 1))


def test_compare_lists_every_algorithm_and_refusals(blobs):
    X, y = blobs
    settings = [(e.name, {}) for e in registry.entries("clusterer")]
    table = C.compare(X, settings, y)
    assert len(table) == len(settings) and {"ari", "silhouette", "fit_s"} <= set(table.columns)
    small = C.Hierarchical(max_rows=10)
    with pytest.raises(ValueError):
        small.fit(X)


def test_clustering_datasets_load():
    noise = load_dataset("uniform_noise", n_samples=50, seed=1)
    assert noise.y is None and noise.task is None and noise.X.shape == (50, 2)
    for name in ("blobs_aniso", "blobs_varied"):
        ds = load_dataset(name, n_samples=90)
        assert ds.y.nunique() == 3 and ds.X.shape == (90, 2)


def test_k_path_matches_colours_along_k_and_scores_each_k(iris):
    """Every k's clustering with numbers matched to the k before it: a cut of a tree splits one cluster per
    step, so every other cluster keeps its number (its colour) and the new one takes the next free number."""
    X, _ = iris
    tree = C.Hierarchical(1, "ward", "euclidean").fit(X)
    path = C.k_path({k: (tree.cut(n_clusters=k)[0], 0.0) for k in range(1, 8)}, X, seed=0)
    for k in range(2, 8):
        prev, now = path[k - 1].labels, path[k].labels
        assert sorted(set(now.tolist())) == list(range(k))
        kept = [c for c in range(k - 1) if np.array_equal(now == c, prev == c)]
        assert len(kept) == k - 2  # one cluster split in two; the others are unchanged, numbers and all
        for raw, shown in path[k].mapping.items():
            assert np.all(now[path[k].raw == raw] == shown)
        assert path[k].scores["silhouette"] == pytest.approx(C.internal_scores(X, path[k].raw, seed=0)[0]["silhouette"])
    assert path[1].scores["silhouette"] is None
