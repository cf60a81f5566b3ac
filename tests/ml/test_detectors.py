"""Detectors: the PyOD contract, DRAMA's ten metrics against scipy, MCC and RWS on known rankings,
the simulated sets, the benchmark table and the bad inputs of issue 13."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist
from sklearn.metrics import matthews_corrcoef

from ml import datasets, registry, simulate_anomaly
from ml import detectors as det

RNG = np.random.default_rng(0)


# ---- the ten metrics -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rows():
    X = RNG.uniform(0.0, 1.0, (60, 7))
    X[3, 2] = 0.0  # a zero pair for Canberra's 0/0 rule
    P = RNG.uniform(0.0, 1.0, (4, 7))
    P[1, 2] = 0.0
    return X, P


@pytest.mark.parametrize(
    "metric,scipy_name,kw",
    [
        ("l1", "cityblock", {}),
        ("l2", "euclidean", {}),
        ("l4", "minkowski", {"p": 4}),
        ("braycurtis", "braycurtis", {}),
        ("chebyshev", "chebyshev", {}),
        ("canberra", "canberra", {}),
        ("correlation", "correlation", {}),
    ],
)
def test_each_metric_equals_scipy_cdist(rows, metric, scipy_name, kw):
    X, P = rows
    np.testing.assert_allclose(
        det.distances(X, P, metric), cdist(X, P, scipy_name, **kw), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("metric,p", [("wl2", 2), ("wl4", 4)])
def test_weighted_metrics_divide_by_each_clusters_spread(rows, metric, p):
    X, P = rows
    spreads = RNG.uniform(0.1, 2.0, P.shape)
    got = det.distances(X, P, metric, spreads=spreads)
    for j in range(P.shape[0]):
        want = cdist(X / spreads[j], P[j : j + 1] / spreads[j], "minkowski", p=p)[:, 0]
        np.testing.assert_allclose(got[:, j], want, rtol=1e-10)


def test_mahalanobis_equals_direct_computation_and_cdist(rows):
    X, P = rows
    A = RNG.normal(size=(7, 7))
    cov = A @ A.T + 0.5 * np.eye(7)
    VI = np.linalg.inv(cov)
    inv_covs = np.stack([VI] * P.shape[0])
    got = det.distances(X, P, "mahalanobis", inv_covs=inv_covs)
    direct = np.array([[np.sqrt((x - c) @ VI @ (x - c)) for c in P] for x in X])
    np.testing.assert_allclose(got, direct, rtol=1e-10)
    np.testing.assert_allclose(got, cdist(X, P, "mahalanobis", VI=VI), rtol=1e-10)


def test_distances_are_computed_in_blocks_without_changing_them(rows, monkeypatch):
    X, P = rows
    whole = det.distances(X, P, "l2")
    monkeypatch.setattr(det, "_BLOCK", 10)  # a block of one row
    np.testing.assert_array_equal(det.distances(X, P, "l2"), whole)


def test_singular_covariance_is_regularised_and_said():
    rows = np.column_stack([RNG.normal(size=50), np.ones(50)])  # a constant feature
    inv, note = det.inverse_covariance(rows)
    assert np.isfinite(inv).all()
    assert note and "singular" in note and "rank 1 of 2" in note


def test_covariance_factors_equal_the_direct_inverse_full_rank_and_ridged():
    full = RNG.normal(size=(80, 5)) @ RNG.normal(size=(5, 5))
    f = det.covariance_factors(full)
    np.testing.assert_allclose(f.inverse(), np.linalg.inv(np.cov(full, rowvar=False)), rtol=1e-8, atol=1e-10)
    few = RNG.normal(size=(6, 20))  # fewer rows than features: singular
    g = det.covariance_factors(few)
    cov = np.cov(few, rowvar=False)
    ridge = 1e-3 * np.mean(np.diag(cov))
    assert g.rank == 5 and g.ridge == pytest.approx(ridge)
    want = np.linalg.inv(cov + ridge * np.eye(20))
    np.testing.assert_allclose(g.inverse(), want, rtol=1e-6, atol=1e-8)
    X, c = RNG.normal(size=(30, 20)), few.mean(axis=0)
    direct = np.sqrt(np.einsum("ij,jk,ik->i", X - c, want, X - c))
    np.testing.assert_allclose(g.distances(X, c), direct, rtol=1e-6)


def test_drama_mahalanobis_is_the_direct_distance_to_the_nearest_prototype():
    X = RNG.normal(size=(200, 4))
    m = det.DRAMA(reduction="none", split_levels=2, metric="mahalanobis", scaling="none").fit(X)
    want = np.full(len(X), np.inf)
    for j, c in enumerate(m.centres_):
        VI = np.linalg.inv(np.cov(X[m.cluster_labels_ == j], rowvar=False))
        want = np.minimum(want, np.sqrt(np.einsum("ij,jk,ik->i", X - c, VI, X - c)))
    np.testing.assert_allclose(m.decision_scores_, want, rtol=1e-8)


def test_undefined_metrics_are_named():
    X = np.array([[-1.0, 2.0], [0.5, 0.3]])
    assert "non-negative" in det.metric_problem("braycurtis", X, X)
    C = np.array([[1.0, 1.0, 1.0], [0.1, 0.5, 0.9]])
    assert "constant rows" in det.metric_problem("correlation", C, C)
    assert det.metric_problem("l2", X, X) is None


# ---- MCC and RWS on known rankings -------------------------------------------------------------
def test_rws_weights_the_top_ranked_row_most():
    y = np.array([1, 0, 1, 0, 0])
    assert det.rws(y, [5, 4, 3, 2, 1]) == pytest.approx(2 / 3)  # anomaly at rank 1 (w=2) of n_o=2
    assert det.rws(y, [4, 5, 3, 2, 1]) == pytest.approx(1 / 3)  # the same anomaly at rank 2 (w=1)
    assert det.rws(y, [5, 1, 4, 2, 3]) == pytest.approx(1.0)  # perfect
    assert det.rws(y, [1, 5, 2, 4, 3]) == pytest.approx(0.0)  # none in the top 2
    # n_o = 3, anomalies ranked 1st and 3rd: (3 + 1) / 6
    assert det.rws([1, 0, 1, 0, 1, 0], [6, 5, 4, 3, 2, 1]) == pytest.approx(4 / 6)


def test_mcc_at_top_n_o_matches_sklearn_on_the_top_n_o_cut():
    y = np.array([1, 1, 0, 0])
    assert det.mcc_at_top(y, [4, 3, 2, 1]) == pytest.approx(1.0)
    assert det.mcc_at_top(y, [4, 2, 3, 1]) == pytest.approx(0.0)  # TP = FP = FN = TN = 1
    assert det.mcc_at_top(y, [1, 2, 3, 4]) == pytest.approx(-1.0)
    yy = RNG.integers(0, 2, 200)
    s = RNG.normal(size=200) + yy
    pred = np.zeros(200, int)
    pred[np.argsort(-s)[: yy.sum()]] = 1
    assert det.mcc_at_top(yy, s) == pytest.approx(matthews_corrcoef(yy, pred))


def test_evaluate_reports_auc_ap_and_precision_at_k():
    y = np.array([0, 0, 1, 0, 1])
    ev = det.evaluate(y, [0.1, 0.2, 0.9, 0.3, 0.8])
    assert ev["auc"] == 1.0 and ev["average_precision"] == 1.0 and ev["precision_at_k"] == 1.0
    assert ev["n_anomalies"] == 2


@pytest.mark.parametrize(
    "y,match",
    [([0, 0, 0], "no anomalies"), ([1, 1, 1], "every row"), ([0, 1, 2], "0/1")],
)
def test_metrics_refuse_labels_they_cannot_score(y, match):
    with pytest.raises(ValueError, match=match):
        det.evaluate(np.array(y), [1.0, 2.0, 3.0])


def test_anomaly_labels_from_named_or_many_valued_columns():
    np.testing.assert_array_equal(det.anomaly_labels(np.array([0, 1, 0])), [0, 1, 0])
    with pytest.raises(ValueError, match="choose which one means 'anomaly'"):
        det.anomaly_labels(np.array(["a", "b", "c", "a"]))
    with pytest.raises(ValueError, match="choose which value"):
        det.anomaly_labels(np.array(["ok", "odd", "ok"]))
    np.testing.assert_array_equal(det.anomaly_labels(np.array(["ok", "odd", "ok"]), "odd"), [0, 1, 0])
    with pytest.raises(ValueError, match="no anomalies"):
        det.anomaly_labels(np.array([0, 0]))
    with pytest.raises(ValueError, match="every row is labelled an anomaly"):
        det.anomaly_labels(np.array(["odd", "odd"]), "odd")


# ---- the API contract and the simulated local-anomaly set ---------------------------------------
@pytest.fixture(scope="module")
def local():
    ds = datasets.load_dataset("anomaly_local", n_samples=400, contamination=0.05)
    return ds.X.to_numpy(), ds.y.to_numpy()


_FAST = {"autoencoder": {"epochs": 60}}


@pytest.mark.parametrize("name", [e.name for e in registry.entries("detector")])
def test_every_detector_follows_the_api_and_beats_random_on_local_anomalies(name, local):
    X, y = local
    e = registry.get("detector", name)
    params, _ = e.fit_to_data(e.validate({**_FAST.get(name, {}), "contamination": 0.05}), *X.shape)
    m = e.make(params, seed=0).fit(X)
    registry.check_contract("detector", m)
    s = m.decision_scores_
    assert s.shape == (len(X),) and np.isfinite(s).all()
    np.testing.assert_array_equal(m.labels_, (s >= m.threshold_).astype(int))  # consistent with threshold_
    assert m.labels_.sum() == det.n_flagged(len(X), 0.05)
    new = m.decision_function(X[:7])
    assert new.shape == (7,) and np.isfinite(new).all()
    auc = det.evaluate(y, s)["auc"]
    assert auc > 0.5, f"{name}: AUC {auc:.2f}"  # higher = more anomalous
    if name == "iforest":
        assert auc >= 0.9


def test_decision_function_on_training_rows_matches_training_scores_where_defined(local):
    X, _ = local
    for name in ("iforest", "elliptic", "drama"):
        m = det.make(name).fit(X)
        np.testing.assert_allclose(m.decision_function(X), m.decision_scores_, rtol=1e-8, atol=1e-10)


def test_moving_the_contamination_is_a_query_not_a_refit(local):
    X, _ = local
    m = det.make("iforest", {"contamination": 0.05}).fit(X)
    t10 = det.threshold_for(m.decision_scores_, 0.10)
    assert t10 < m.threshold_  # more contamination, lower threshold
    assert int((m.decision_scores_ >= t10).sum()) == det.n_flagged(len(X), 0.10)


# ---- DRAMA --------------------------------------------------------------------------------------
def test_drama_ensembles_and_scores_by_metric(local):
    X, y = local
    m = det.DRAMA(reduction="pca", split_levels=3, metric="ensemble_sum").fit(X)
    by, skipped = m.scores_by_metric()
    assert set(by) == set(det.METRICS) | set(det.ENSEMBLES) and not skipped
    np.testing.assert_allclose(by["ensemble_sum"], m.decision_scores_)
    assert det.evaluate(y, by["mahalanobis"])["auc"] > 0.9
    mx = det.DRAMA(reduction="pca", split_levels=3, metric="ensemble_max").fit(X)
    assert mx.decision_scores_.max() <= 1.0 + 1e-12


def test_drama_latent_space_and_prototype_count(local):
    X, _ = local
    m = det.DRAMA(reduction="pca", n_components=2, split_levels=2, space="latent", metric="l1").fit(X)
    assert m.latent_prototypes_.shape == (4, 2) and m.prototypes_.shape == (4, X.shape[1])
    assert m.centres_ is m.latent_prototypes_


def test_drama_original_space_prototypes_are_reconstructed():
    X = simulate_anomaly.event_signals(120, 30, 0.05, 0.1, 0).drop(columns="label").to_numpy()
    m = det.DRAMA(reduction="pca", n_components=3, split_levels=1).fit(X)
    assert m.prototypes_.shape == (2, 30)  # decoded back to the 30 features


def test_drama_skips_undefined_metrics_in_ensembles_and_refuses_them_alone(local):
    X, _ = local
    m = det.DRAMA(reduction="pca", space="latent", metric="ensemble_sum").fit(X)
    assert "braycurtis" not in m.metric_scores_
    assert any("Bray–Curtis" in n for n in m.notes_)
    with pytest.raises(ValueError, match="Bray–Curtis is undefined"):
        det.DRAMA(reduction="pca", space="latent", metric="braycurtis").fit(X)
    with pytest.raises(ValueError, match="correlation is undefined on one feature"):
        det.DRAMA(reduction="pca", n_components=1, space="latent", metric="correlation").fit(X)


def test_drama_mahalanobis_says_when_it_regularises():
    ds = datasets.load_dataset("odds_digits")
    X = ds.X.to_numpy()[:300]
    m = det.DRAMA(reduction="none", split_levels=1, metric="mahalanobis").fit(X)
    assert any("regularised" in n for n in m.notes_)
    assert np.isfinite(m.decision_scores_).all()


def test_nmf_on_negative_data_is_refused(local):
    X, _ = local
    with pytest.raises(ValueError, match="NMF needs non-negative data"):
        det.DRAMA(reduction="nmf", scaling="standard").fit(X)
    det.DRAMA(reduction="nmf", scaling="minmax").fit(X)  # DRAMA's [0, 1] scaling is fine


# ---- bad inputs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("c", [0, -0.1, 0.6, "many"])
def test_contamination_outside_0_to_half_is_refused(c, local):
    X, _ = local
    with pytest.raises(ValueError, match=r"contamination must be"):
        det.IForest(contamination=c).fit(X)


@pytest.mark.parametrize("cls", [det.LOF, det.KNNDistance])
def test_n_neighbors_at_least_rows_is_refused_and_the_registry_clips_it(cls):
    X = RNG.normal(size=(8, 2))
    with pytest.raises(ValueError, match="must be less than the number of rows"):
        cls(n_neighbors=8).fit(X)
    e = registry.get("detector", "lof")
    params, notes = e.fit_to_data({"n_neighbors": 35, "contamination": 0.1}, 8, 2)
    assert params["n_neighbors"] == 7 and notes


def test_missing_and_text_values_are_refused():
    with pytest.raises(ValueError, match="missing or infinite"):
        det.IForest().fit(np.array([[1.0, np.nan], [2.0, 3.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="numeric"):
        det.IForest().fit(np.array([["a", "b"], ["c", "d"]]))


# ---- generators and datasets ----------------------------------------------------------------------
def test_generators_are_seeded_and_hold_the_asked_contamination():
    a = simulate_anomaly.local_anomaly(500, 5, 0.04, 0.05, seed=3)
    b = simulate_anomaly.local_anomaly(500, 5, 0.04, 0.05, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.shape == (500, 6) and a["label"].sum() == 20
    big = simulate_anomaly.event_signals(50, 3000, 0.1, 0.1, 0)
    assert big.shape == (50, 3001) and big["label"].sum() == 5
    with pytest.raises(ValueError, match="contamination"):
        simulate_anomaly.new_class(100, 2, 0.7)


def test_anomaly_datasets_are_binary_with_named_classes_and_say_how_they_were_made():
    specs = datasets.list_datasets(tag="anomaly")
    assert {s.name for s in specs} >= set(det.BENCH_DATASETS)
    for s in specs:
        ds = datasets.load_dataset(s.name, **({"n_samples": 500} if s.name == "odds_photon_jet" else {}))
        assert ds.task == "binary" and ds.class_names == ("normal", "anomaly")
        assert set(ds.y.unique()) == {0, 1} and 0 < ds.y.mean() < 0.2
        assert ds.description and ds.source
    wbc = datasets.load_dataset("odds_wbc")
    assert "ODDS" in wbc.source and "malignant" in wbc.description


# ---- the benchmark table ------------------------------------------------------------------------
def test_benchmark_table_shape_and_ordering():
    calls = []
    long, notes = det.run_benchmark(
        datasets=("odds_wine", "anomaly_new_class"),
        seeds=(0, 1),
        reductions=("none", "pca"),
        progress=lambda i, n, text: calls.append((i, n)),
    )
    assert (
        calls[-1][0]
        == calls[-1][1]
        == len(det.bench_tasks(("odds_wine", "anomaly_new_class"), (0, 1), ("none", "pca")))
    )
    n_methods = len(det.BENCH_BASELINES) + 2 * (len(det.METRICS) + 2)
    assert len(long) == 2 * 2 * n_methods
    summary = det.summarise(long)
    assert len(summary) == 2 * n_methods and (summary["n_seeds"] == 2).all()
    assert list(dict.fromkeys(summary["dataset"])) == ["odds_wine", "anomaly_new_class"]
    for _, block in summary.groupby("dataset"):
        assert block["auc_mean"].is_monotonic_decreasing  # best first
    table = det.notes_table(summary)
    assert len(table) == 2
    assert ("AUC", "DRAMA") in table.columns and ("RWS", "i-Forest") in table.columns
    best = det.best_per_dataset(table)
    assert best.xs("AUC", axis=1, level=0).any(axis=1).all()  # one best AUC per dataset at least
    means = table.attrs["means"]
    wine = summary[summary["dataset"] == "odds_wine"]
    assert means.loc[0, ("AUC", "DRAMA")] == pytest.approx(
        100 * wine[wine["family"] == "DRAMA"]["auc_mean"].max()
    )
