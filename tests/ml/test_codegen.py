"""Show the code: every generated script runs on its own and prints the numbers the app computes.

Each case builds a page state (as primitives), generates the script with ml.codegen, runs it in a
temporary directory (runpy, so the libraries are imported once), reads its ``name = value`` lines,
and compares them with what the app's own ml functions give for the same state.
"""

from __future__ import annotations

import contextlib
import io
import runpy

import numpy as np
import pandas as pd
import pytest

from ml import codegen as cg
from ml import datasets, evaluation
from ml.models import make_pipeline

REL = 1e-6


def run(script: str, tmp_path, monkeypatch) -> dict[str, float]:
    path = tmp_path / "generated.py"
    path.write_text(script, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(path), run_name="__main__")
    numbers = cg.parse_numbers(out.getvalue())
    assert numbers, f"the script printed no numbers:\n{out.getvalue()}"
    return numbers


def builtin(name, **options):
    return cg.data_state(("builtin", name, tuple(sorted(options.items()))))


# -- classification -------------------------------------------------------------------------------------
def app_classification(ds, name, params, test_size, seed, scaling):
    X_tr, X_te, y_tr, y_te = evaluation.split(ds.X, ds.y, "classification", test_size, seed)
    est = make_pipeline(name, "classification", params, seed, scaling, X=X_tr).fit(X_tr, np.asarray(y_tr))
    return {
        "Train accuracy": float(np.mean(est.predict(X_tr) == np.asarray(y_tr))),
        "Test accuracy": float(np.mean(est.predict(X_te) == np.asarray(y_te))),
    }


@pytest.mark.parametrize(
    ("name", "options", "model", "params", "seed", "scaling"),
    [
        ("moons", {"noise": 0.3}, "tree", {"max_depth": 3}, 1, "standard"),
        ("iris", {}, "knn", {"n_neighbors": 7}, 3, "minmax"),
        ("wine", {}, "naive_bayes", {}, 0, "none"),
    ],
)
def test_classification_script_reproduces_accuracy(tmp_path, monkeypatch, name, options, model, params, seed, scaling):
    ds = datasets.load_dataset(name, **options)
    want = app_classification(ds, model, params, 0.3, seed, scaling)
    script = cg.classification_code(builtin(name, **options), model, params, test_size=0.3, seed=seed, scaling=scaling)
    got = run(script, tmp_path, monkeypatch)
    for k, v in want.items():
        assert got[k] == pytest.approx(v, rel=REL), k


def test_classification_script_on_an_upload_with_text_gaps_and_a_filter(tmp_path, monkeypatch):
    """An upload: the script reads the same file, applies the row filter, and the pipeline's prep step."""
    from ml import tables
    from ml.sources import RowFilter

    rng = np.random.default_rng(0)
    n = 240
    df = pd.DataFrame({
        "a": rng.normal(size=n), "b": rng.normal(size=n), "colour": rng.choice(["red", "blue", "green"], n),
        "survey": rng.choice(["S1", "S2"], n), "class": rng.choice(["star", "galaxy"], n),
    })  # fmt: skip
    df.loc[::17, "a"] = np.nan
    df["b"] += (df["class"] == "star") * 1.5
    (tmp_path / "my data.csv").write_text(df.to_csv(index=False))
    flt = RowFilter("survey", values=("S1",))
    key = ("upload", "0" * 64, "class", "class", ("a", "b", "colour"), "onehot", "impute", flt)
    table = tables.read_table((tmp_path / "my data.csv").read_bytes(), "my data.csv")
    ds = tables.to_dataset(flt.apply(table.df), "class", ["a", "b", "colour"], task="multiclass",
                           non_numeric="onehot", missing="impute", name="upload")  # fmt: skip
    want = app_classification(ds, "logistic", {}, 0.25, 2, "standard")
    state = cg.data_state(key, filename="my data.csv", task="multiclass")
    script = cg.classification_code(state, "logistic", {}, test_size=0.25, seed=2, prep=True)
    assert "preprocessor(X_train)" in script and "RowFilter('survey'" in script
    got = run(script, tmp_path, monkeypatch)
    for k, v in want.items():
        assert got[k] == pytest.approx(v, rel=REL), k


def test_classification_script_with_the_torch_network(tmp_path, monkeypatch):
    params = {"epochs": 5, "hidden_units": 8}
    ds = datasets.load_dataset("moons", n_samples=200)
    want = app_classification(ds, "mlp_torch", params, 0.25, 0, "standard")
    script = cg.classification_code(builtin("moons", n_samples=200), "mlp_torch", params, seed=0)
    assert "from ml.nets import TorchMLPClassifier" in script
    got = run(script, tmp_path, monkeypatch)
    assert got["Test accuracy"] == pytest.approx(want["Test accuracy"], rel=REL)


# -- regression -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "model", "params", "scaling"),
    [("diabetes", "ridge", {"alpha": 3.0}, "standard"), ("curve_1d", "polynomial", {"degree": 3}, "minmax")],
)
def test_regression_script_reproduces_r2(tmp_path, monkeypatch, name, model, params, scaling):
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    ds = datasets.load_dataset(name)
    X_tr, X_te, y_tr, y_te = evaluation.split(ds.X, ds.y, "regression", 0.25, 4)
    est = make_pipeline(model, "regression", params, 4, scaling, X=X_tr).fit(X_tr, np.asarray(y_tr, float))
    pred = est.predict(X_te)
    script = cg.regression_code(builtin(name), model, params, test_size=0.25, seed=4, scaling=scaling)
    got = run(script, tmp_path, monkeypatch)
    assert got["Test R²"] == pytest.approx(r2_score(y_te, pred), rel=REL)
    assert got["Test RMSE"] == pytest.approx(root_mean_squared_error(y_te, pred), rel=REL)
    assert got["Test MAE"] == pytest.approx(mean_absolute_error(y_te, pred), rel=REL)


def test_regression_script_prints_the_photoz_metrics(tmp_path, monkeypatch):
    from ml.regression import photoz_metrics

    ds = datasets.load_dataset("sdss_photoz", n_samples=600)
    X_tr, X_te, y_tr, y_te = evaluation.split(ds.X, ds.y, "regression", 0.25, 0)
    est = make_pipeline("knn", "regression", {}, 0, "standard", X=X_tr).fit(X_tr, np.asarray(y_tr, float))
    pz = photoz_metrics(np.asarray(y_te, float), est.predict(X_te))
    script = cg.regression_code(builtin("sdss_photoz", n_samples=600), "knn", {}, photoz=True)
    got = run(script, tmp_path, monkeypatch)
    assert got["Test σ_NMAD"] == pytest.approx(pz["sigma_nmad"], rel=REL)
    assert got["Test photo-z bias"] == pytest.approx(pz["bias"], rel=REL, abs=1e-12)
    assert got["Test outlier fraction (|Δz|/(1+z) > 0.15)"] == pytest.approx(pz["outlier_fraction"], abs=1e-12)


def test_regression_script_for_gradient_descent(tmp_path, monkeypatch):
    from sklearn.metrics import r2_score

    from ml.regression import gd_path, line_at

    ds = datasets.load_dataset("curve_1d")
    X_tr, X_te, y_tr, y_te = evaluation.split(ds.X, ds.y, "regression", 0.25, 0)
    feat = ds.feature_names[0]
    x_tr, x_te = X_tr[feat].to_numpy(float), X_te[feat].to_numpy(float)  # scaling "none"
    path = gd_path(x_tr, np.asarray(y_tr, float), "batch", 0.05, 100, 16, 0)
    params = {"method": "batch", "learning_rate": 0.05, "steps": 100, "batch_size": 16, "feature": feat}
    script = cg.regression_code(builtin("curve_1d"), "gd", params, scaling="none")
    got = run(script, tmp_path, monkeypatch)
    assert got["Test R²"] == pytest.approx(r2_score(np.asarray(y_te, float), line_at(path, x_te)), rel=REL)


# -- ROC Explorer ---------------------------------------------------------------------------------------
def test_roc_script_reproduces_the_threshold_metrics_of_a_quick_model(tmp_path, monkeypatch):
    from ml import roc
    from ml.thresholds import ThresholdEngine

    ds = datasets.load_dataset("breast_cancer")
    labels, classes, scores = roc.model_scores(ds, "logistic", seed=1)
    sset = roc.from_models("breast_cancer", labels, classes, {"Logistic regression": scores})
    y, s = sset.binary("Logistic regression", "malignant")
    e = ThresholdEngine(y, s)
    m = e.metrics(0.3)
    source = {"kind": "builtin", "data": builtin("breast_cancer"), "seed": 1, "model_name": "logistic"}
    got = run(cg.roc_code(source, "Logistic regression", "malignant", threshold=0.3), tmp_path, monkeypatch)
    for k in ("tp", "fp", "tn", "fn"):
        assert got[k.upper()] == m[k]
    assert got["Precision"] == pytest.approx(m["precision"], rel=REL)
    assert got["Recall (TPR)"] == pytest.approx(m["recall"], rel=REL)
    assert got["F1"] == pytest.approx(m["f1"], rel=REL)
    assert got["ROC AUC"] == pytest.approx(e.auc, rel=REL)


def test_roc_script_for_photon_jet_scores_with_lower_is_positive(tmp_path, monkeypatch):
    from ml import roc
    from ml.thresholds import ThresholdEngine

    sset = roc.photon_jet_scores(2000, 3)
    model = next(iter(sset.scores))
    y, s = sset.binary(model, "photon")
    e = ThresholdEngine(y, s, higher_is_positive=False)
    t = float(np.median(s))
    m = e.metrics(t, 2.0)
    code = cg.roc_code({"kind": "photon_jet", "n": 2000, "seed": 3}, model, "photon", threshold=t, lower=True, beta=2.0)
    got = run(code, tmp_path, monkeypatch)
    assert (got["TP"], got["FP"]) == (m["tp"], m["fp"])
    assert got["F-beta"] == pytest.approx(m["fbeta"], rel=REL)
    assert got["ROC AUC"] == pytest.approx(e.auc, rel=REL)


# -- clustering -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "algo", "params", "scaling", "cut"),
    [
        ("blobs", "kmeans", {"n_clusters": 4}, "standard", None),
        ("moons", "dbscan", {"eps": 0.3, "min_samples": 5}, "standard", None),
        ("iris", "agglomerative", {"n_clusters": 3, "linkage": "average"}, "minmax", None),
        ("blobs", "agglomerative", {"n_clusters": 3}, "standard", 2.5),
        ("wine", "gmm", {"n_components": 3}, "standard", None),
    ],
)
def test_clustering_script_reproduces_silhouette_and_ari(tmp_path, monkeypatch, name, algo, params, scaling, cut):
    from ml import clustering as mlc

    ds = datasets.load_dataset(name)
    prep = mlc.prepare(ds.X, scaling)
    if algo == "agglomerative":
        est = mlc.fit(algo, {**params, "n_clusters": 1}, prep.X, 2).estimator
        labels, _ = est.cut(height=cut) if cut is not None else est.cut(n_clusters=params["n_clusters"])
    else:
        labels = mlc.fit(algo, params, prep.X, 2).labels
    scores, _ = mlc.internal_scores(prep.X, labels, seed=2)
    ari = mlc.external_scores(ds.y.to_numpy(), labels)["ari"]
    script = cg.clustering_code(
        builtin(name), algo, params, scaling=scaling, seed=2, cut_mode="height" if cut else "clusters",
        cut_height=cut, n_rows=prep.n_rows, n_features=prep.n_features, labelled=True,
    )  # fmt: skip
    got = run(script, tmp_path, monkeypatch)
    assert got["Clusters"] == len(set(labels[labels >= 0].tolist()))
    assert got["Adjusted Rand index"] == pytest.approx(ari, rel=REL, abs=1e-9)
    if scores["silhouette"] is not None:
        assert got["Silhouette"] == pytest.approx(scores["silhouette"], rel=REL)


# -- dimensionality reduction ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "method", "params", "scaling"),
    [("wine", "pca", {"n_components": 3}, "standard"), ("iris", "ica", {"n_components": 2}, "minmax"),
     ("iris", "rp_gaussian", {"n_components": 2}, "none")],
)  # fmt: skip
def test_projection_script_reproduces_trustworthiness_and_variance(tmp_path, monkeypatch, name, method, params, scaling):
    from ml import projection as P

    ds = datasets.load_dataset(name)
    values, rows, names, _ = P.numeric_matrix(ds.X)
    A = P.scale(values, scaling)
    if method == "pca":
        full = P.fit_pca(A, "none")
        E = full.embedding(params["n_components"])
    else:
        E = P.project(method, A, params, 5).embedding
    tw = P.trustworthiness(A, E)
    script = cg.projection_code(builtin(name), method, params, scaling=scaling, seed=5, n_rows=len(A), n_features=A.shape[1])
    got = run(script, tmp_path, monkeypatch)
    assert got["Trustworthiness (k = 5)"] == pytest.approx(tw, rel=1e-6)
    if method == "pca":
        for i, r in enumerate(full.explained_variance_ratio_[: params["n_components"]], start=1):
            assert got[f"Explained variance ratio PC{i}"] == pytest.approx(r, rel=1e-6)


# -- anomaly detection ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "detector", "params", "anomaly_value"),
    [("anomaly_local", "iforest", {"n_estimators": 50}, None), ("anomaly_new_class", "lof", {"n_neighbors": 20}, None),
     ("iris", "knn", {"n_neighbors": 5}, 2)],
)  # fmt: skip
def test_anomaly_script_reproduces_the_ranking_metrics(tmp_path, monkeypatch, name, detector, params, anomaly_value):
    from ml import detectors as det

    ds = datasets.load_dataset(name)
    X = det.check_X(ds.X.to_numpy(dtype=float))
    model = det.make(detector, params, 7).fit(X)
    y = det.anomaly_labels(ds.y.to_numpy()) if anomaly_value is None else (ds.y.to_numpy() == anomaly_value).astype(int)
    ev = det.evaluate(y, model.decision_scores_)
    script = cg.anomaly_code(builtin(name), detector, params, seed=7, anomaly_value=anomaly_value, contamination=0.07)
    got = run(script, tmp_path, monkeypatch)
    from ml.thresholds import ThresholdEngine

    t = det.threshold_for(model.decision_scores_, 0.07)
    m = ThresholdEngine(y, model.decision_scores_).metrics(t)  # what the page's threshold panel shows
    assert got["Threshold"] == pytest.approx(t, rel=REL)
    assert (got["Caught (TP)"], got["False alarms (FP)"]) == (m["tp"], m["fp"])
    assert got["Precision at the threshold"] == pytest.approx(m["precision"], rel=REL)
    assert got["Recall at the threshold"] == pytest.approx(m["recall"], rel=REL)
    assert got["ROC AUC"] == pytest.approx(ev["auc"], rel=REL)
    assert got["Average precision"] == pytest.approx(ev["average_precision"], rel=REL)
    assert got["Precision@n_o"] == pytest.approx(ev["precision_at_k"], rel=REL)
    assert got["MCC (top n_o)"] == pytest.approx(ev["mcc"], rel=REL, abs=1e-12)
    assert got["RWS (top n_o)"] == pytest.approx(ev["rws"], rel=REL, abs=1e-12)


# -- the code itself ------------------------------------------------------------------------------------
def test_user_strings_cannot_break_out_of_the_script(tmp_path):
    """A file name or column with quotes, newlines and backslashes stays a string / a comment."""
    nasty = 'x"\'\n import os; os.system("echo hacked") #\\.csv'
    key = ("upload", "0" * 64, "t", "t\n'", ("a'\"", "b\\n"), "error", "error", None)
    script = cg.classification_code(cg.data_state(key, filename=nasty, task="multiclass"), "tree", {})
    compile(script, "generated.py", "exec")  # still valid Python
    assert "\nimport os" not in script and "\n import os" not in script


def test_estimator_expr_uses_public_modules_and_only_non_default_params():
    s = cg.Script("t")
    expr = cg.estimator_expr(make_pipeline("svm", "classification", {"C": 2.0}, 3, "standard"), s)
    assert "from sklearn.svm import SVC" in s.imports
    assert "SVC(C=2.0" in expr and "cache_size" not in expr and "random_state=3" in expr


def test_clustering_and_anomaly_scripts_on_an_unlabelled_upload(tmp_path, monkeypatch):
    """An upload without a label column (unlabelled_dataset), with a gap policy: same rows, same numbers."""
    from ml import clustering as mlc
    from ml import detectors as det
    from ml import tables
    from ml.sources import unlabelled_dataset

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"objid": np.arange(300), "u": rng.normal(size=300), "g": rng.normal(size=300) * 2})
    df.loc[::25, "u"] = np.nan
    (tmp_path / "sky.csv").write_text(df.to_csv(index=False))
    table = tables.read_table((tmp_path / "sky.csv").read_bytes(), "sky.csv")
    ds = unlabelled_dataset(table.df, ["u", "g"], missing="drop", filename="sky.csv")
    key = ("upload", "f" * 64, "clu", None, ("u", "g"), "error", "drop", None)
    data = cg.data_state(key, filename="sky.csv")
    prep = mlc.prepare(ds.X, "standard")
    labels = mlc.fit("kmeans", {"n_clusters": 3}, prep.X, 0).labels
    sil = mlc.internal_scores(prep.X, labels)[0]["silhouette"]
    got = run(cg.clustering_code(data, "kmeans", {"n_clusters": 3}), tmp_path, monkeypatch)
    assert got["Silhouette"] == pytest.approx(sil, rel=REL)
    scores = det.make("iforest", {}, 0).fit(det.check_X(ds.X.to_numpy(float))).decision_scores_
    script = cg.anomaly_code(data, "iforest", {}, labelled=False)
    path = tmp_path / "a.py"
    path.write_text(script.replace('print("Most anomalous rows:", order[:10].tolist())',
                                   'print(f"Top score = {float(scores[order[0]])!r}")'))  # fmt: skip
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(path), run_name="__main__")
    assert cg.parse_numbers(out.getvalue())["Top score"] == pytest.approx(scores.max(), rel=1e-12)


def test_torch_autoencoder_projection_and_drama_detector_scripts(tmp_path, monkeypatch):
    from ml import detectors as det
    from ml import projection as P

    ds = datasets.load_dataset("iris")
    values, _, _, _ = P.numeric_matrix(ds.X)
    A = P.scale(values, "standard")
    params = {"epochs": 5, "latent_dim": 2}
    E = P.project("autoencoder", A, params, 0).embedding
    got = run(cg.projection_code(builtin("iris"), "autoencoder", params, n_rows=len(A), n_features=4), tmp_path, monkeypatch)
    assert got["Trustworthiness (k = 5)"] == pytest.approx(P.trustworthiness(A, E), rel=1e-6)

    ds = datasets.load_dataset("anomaly_local")
    model = det.make("drama", {"split_levels": 2}, 0).fit(det.check_X(ds.X.to_numpy(float)))
    ev = det.evaluate(ds.y.to_numpy(), model.decision_scores_)
    got = run(cg.anomaly_code(builtin("anomaly_local"), "drama", {"split_levels": 2}), tmp_path, monkeypatch)
    assert got["ROC AUC"] == pytest.approx(ev["auc"], rel=REL)


def test_a_repaired_upload_is_read_and_repaired_the_same_way(tmp_path, monkeypatch):
    """'Read these columns as numbers' on the page: the script reads the original file and repairs it."""
    from ml import clustering as mlc
    from ml import tables
    from ml.sources import unlabelled_dataset
    from ml.tables.values import number_issues, repair_numbers

    rng = np.random.default_rng(2)
    a = rng.normal(size=120).round(3)
    df = pd.DataFrame({"a": a.astype(str), "b": rng.normal(size=120)})
    df.loc[3, "a"] = "12%"
    df.loc[7, "a"] = "1,234"
    (tmp_path / "raw.csv").write_text(df.to_csv(index=False))
    raw = tables.read_table((tmp_path / "raw.csv").read_bytes(), "raw.csv").df
    fixed, _ = repair_numbers(raw, [i.column for i in number_issues(raw)])
    ds = unlabelled_dataset(fixed, ["a", "b"], missing="drop")
    labels = mlc.fit("kmeans", {"n_clusters": 2}, mlc.prepare(ds.X, "standard").X, 0).labels
    sil = mlc.internal_scores(mlc.prepare(ds.X, "standard").X, labels)[0]["silhouette"]
    key = ("upload", "e" * 64, "clu", None, ("a", "b"), "error", "drop", None)
    data = cg.data_state(key, filename="raw.csv (read as numbers)")
    script = cg.clustering_code(data, "kmeans", {"n_clusters": 2})
    assert "repair_numbers" in script and "Path('raw.csv')" in script
    got = run(script, tmp_path, monkeypatch)
    assert got["Silhouette"] == pytest.approx(sil, rel=REL)


def test_roc_script_for_an_uploaded_score_table(tmp_path, monkeypatch):
    from ml import roc, tables
    from ml.thresholds import ThresholdEngine

    rng = np.random.default_rng(3)
    y = rng.random(400) < 0.3
    df = pd.DataFrame({"truth": np.where(y, "signal", "background"), "bdt score": rng.normal(y * 1.0, 1.0)})
    (tmp_path / "scores.csv").write_text(df.to_csv(index=False))
    table = tables.read_table((tmp_path / "scores.csv").read_bytes(), "scores.csv")
    sset = roc.upload_scores(table, "truth", ["bdt score"])
    positive = roc.binary_positive_default(sset)
    yy, s = sset.binary("bdt score", positive)
    m = ThresholdEngine(yy, s).metrics(0.4)
    source = {"kind": "upload", "filename": "scores.csv", "label": "truth", "drop_nonfinite": False}
    got = run(cg.roc_code(source, "bdt score", positive, threshold=0.4), tmp_path, monkeypatch)
    assert (got["TP"], got["FP"], got["TN"], got["FN"]) == (m["tp"], m["fp"], m["tn"], m["fn"])
