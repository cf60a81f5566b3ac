"""Cached calls into `ml`. Keys are primitives (names, tuples of values, SHA-256 of uploads); every cache is bounded.

Big objects (datasets, uploads) live in `st.cache_resource` and are
treated as read-only; small results go in `st.cache_data`.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import streamlit as st

from ml import datasets, tables
from ml.device import device_name
from ui.budget import BudgetedStore, FileStore, within_budget

if TYPE_CHECKING:
    from ml import roc
    from ml.thresholds import ThresholdEngine

# Memory budget of each big cache, in MB (issue 10): on top of its entry count, a cache whose values
# pass its budget drops its least recently used entries (ui.budget). Their sum (~1.7 GB) is an upper
# bound never reached together: in bench/bench_memory.py's soak (20 uploads of 1M rows, every page and
# built-in dataset) they hold ~0.5 GB and the whole server stays under 1.4 GB.
CACHE_BUDGET_MB = {
    "dataset": 200,  # built-in datasets (the largest simulated sets are ~10-40 MB)
    "upload_table": 300,  # parsed uploads, server-wide by SHA-256; sessions hold only the key (a 1M-row, 40 MB CSV is ~45 MB as a frame; the newest is kept even past the budget)
    "prepared_upload": 200,  # uploads as Datasets (features, target)
    "roc_upload": 100,  # ROC Explorer's label and score columns of uploads (every row)
    "sampled_upload": 100,  # seeded samples of uploads past a page's row budget (ui.data_source.ROW_BUDGET)
    "fitted": 200,  # ui.training's shared store of fitted models
    "training_store": 50,  # each other ui.training store (predictions, grids, sweeps, importances)
    "roc_table": 64,  # ROC Explorer's gzipped full threshold tables (downloads)
    "roc_engine": 150,  # ROC Explorer's threshold engines (sorted scores, cumulative counts)
    "projection_matrix": 150,
    "clustering_prepared": 150,
}


@within_budget("dataset", CACHE_BUDGET_MB["dataset"])
@st.cache_resource(max_entries=32, show_spinner=False)
def dataset(name: str, options: tuple = ()) -> datasets.Dataset:
    """A registered dataset built with `options` (a sorted tuple of (name, value) pairs)."""
    return datasets.load_dataset(name, **dict(options))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Uploads (ui/data_source.py). A session holds only references (SHA-256, file name, sizes); the parsed
# tables live once per server in `upload_tables` (bounded by CACHE_BUDGET_MB["upload_table"]) and the
# bytes on disk in `upload_files` (UPLOAD_DISK_MB, a private folder), so an evicted table is read again.
UPLOAD_DISK_MB = 2000  # bytes of uploads kept on disk, server-wide (ten 200 MB files); oldest deleted first
UPLOAD_TABLES_MAX = 8


@st.cache_resource(show_spinner=False)
def upload_tables() -> BudgetedStore:
    """Parsed uploads (ml.tables.Table) by SHA-256, server-wide, at most CACHE_BUDGET_MB["upload_table"] MB."""
    return BudgetedStore("upload_table", CACHE_BUDGET_MB["upload_table"], max_entries=UPLOAD_TABLES_MAX)


@st.cache_resource(show_spinner=False)
def upload_files() -> FileStore:
    """The uploads' bytes by SHA-256 on disk (private folder), at most UPLOAD_DISK_MB MB in all."""
    return FileStore(UPLOAD_DISK_MB)


@st.cache_resource(show_spinner=False)
def upload_reads() -> dict:
    """Reads in progress, server-wide: {SHA-256: concurrent.futures.Future of a Table} (a second session,
    or a rerun, uploading the same bytes waits for the same read)."""
    return {}


@st.cache_resource(show_spinner=False)
def upload_samples() -> BudgetedStore:
    """Seeded samples of prepared uploads past a page's row budget, {(data key, n, seed): (Dataset, rows
    before sampling)}, server-wide, CACHE_BUDGET_MB["sampled_upload"] MB. Once a sample is drawn the full
    prepared upload is dropped from `prepared_upload` (ui.data_source): only the sample stays in memory."""
    return BudgetedStore("sampled_upload", CACHE_BUDGET_MB["sampled_upload"], max_entries=16)


def sample_rows(ds: datasets.Dataset, n: int, seed: int) -> datasets.Dataset:
    """`n` rows of `ds` drawn with `seed` (rows keep their file order)."""
    from dataclasses import replace

    import numpy as np

    rows = np.sort(np.random.default_rng(seed).choice(ds.n_samples, size=n, replace=False))
    y = None if ds.y is None else ds.y.iloc[rows].reset_index(drop=True)
    extra = ds.extra.iloc[rows].reset_index(drop=True) if hasattr(ds.extra, "iloc") else ds.extra
    return replace(ds, X=ds.X.iloc[rows].reset_index(drop=True), y=y, extra=extra)


@st.cache_resource(show_spinner=False)
def device_label() -> str:
    """The device torch models train on, in words."""
    return device_name("auto")


@within_budget("prepared_upload", CACHE_BUDGET_MB["prepared_upload"])
@st.cache_resource(max_entries=8, show_spinner=False)
def prepared_upload(key: tuple, task: str | None, filename: str, _table: tables.Table) -> datasets.Dataset:
    """A stored upload prepared as a Dataset once per key (from `ui.data_source`: the upload's SHA-256,
    target, features, text and missing-value policies and row filter)."""
    from ml.sources import unlabelled_dataset

    _, _, _, target, features, non_numeric, missing, row_filter = key
    df = row_filter.apply(_table.df) if row_filter is not None else _table.df
    if target is None:
        return unlabelled_dataset(df, list(features), missing=missing, filename=filename)
    return tables.to_dataset(
        df, target, list(features), task=task, non_numeric=non_numeric, missing=missing, name="upload"
    )


# ---- Dimensionality reduction (ui/projection.py) -----------------------------------------------
# Keys: the data's key tuple (from ui.data_source), the scaling, parameter tuples, the seed. The big
# arrays ride along as underscore arguments (never hashed).


@within_budget("projection_matrix", CACHE_BUDGET_MB["projection_matrix"])
@st.cache_resource(max_entries=8, show_spinner=False)
def projection_matrix(key: tuple, scaling: str, _X):
    """(scaled finite matrix, kept row indices, feature names, notes) of one dataset and scaling."""
    from ml import projection

    values, rows, names, notes = projection.numeric_matrix(_X)
    return projection.scale(values, scaling), rows, names, notes


@st.cache_resource(max_entries=8, show_spinner=False)
def pca_full(key: tuple, scaling: str, _A, _names=()):
    """PCA with every component, fitted once per (data, scaling): sliders query it, never refit it."""
    from ml import projection

    return projection.fit_pca(_A, "none", list(_names) or None)


@st.cache_resource(max_entries=8, show_spinner=False)
def pca_live_figures(key: tuple, scaling: str, _full, _names=()) -> tuple[str, str, int]:
    """The PCA view's scree plot and loadings heatmap (first 12 components) as JSON, built once per
    (data, scaling): the component and target sliders move only their marks (ui.live_plot)."""
    from ml.plots import projection as plots

    n_shown = min(_full.n_components, 12)
    scree = plots.scree_figure(_full.explained_variance_ratio_).to_json()
    loadings = plots.loadings_figure(_full.loadings(n_shown), list(_names)).to_json()
    return scree, loadings, n_shown


@st.cache_resource(max_entries=8, show_spinner=False)
def pca_recon_template(key: tuple, scaling: str, rows: tuple, _build) -> dict:
    """The reconstruction mosaic's figure (a plain dict) for these image rows, built once by `_build()`;
    each k fills in only its pixels (ui.projection)."""
    return _build()


@st.cache_resource(max_entries=8, show_spinner=False)
def pca_recon_states(key: tuple, scaling: str, rows: tuple, _build) -> dict:
    """Every k's reconstruction of these image rows (pixels, row title, error line), built once by `_build()`
    per (data, scaling): the reconstruction slider picks among them in the browser (ui.projection)."""
    return _build()


@st.cache_data(max_entries=16, show_spinner=False)
def cocktail(n_sources: int, duration: float, noise: float, seed: int, mixing: tuple | None):
    """The cocktail party (sources, mixing matrix, recordings) for these settings."""
    from ml import simulate

    S, A, X = simulate.cocktail_party(n_sources, duration, simulate.COCKTAIL_RATE, seed, mixing=mixing, noise=noise)
    return S.to_numpy(), A, X.to_numpy(), list(S.columns)


@st.cache_data(max_entries=32, show_spinner=False)
def unmixed(party: tuple, method: str, params: tuple, seed: int) -> dict:
    """ICA or PCA on the cocktail party `party` (the arguments of `cocktail`), matched to the sources."""
    from ml import projection

    S, _, X, _ = cocktail(*party)
    out = projection.unmix(X, method, seed=seed, **dict(params))
    out["match"] = projection.match_sources(S, out["signals"])
    return out


@st.cache_data(max_entries=16, show_spinner=False)
def jl_ratios(key: tuple, scaling: str, kind: str, k: int, seed: int, _A):
    """Squared-distance ratios of a k-dimensional random projection (seeded projection and pairs)."""
    from ml import projection

    proj = projection.project(kind, _A, {"n_components": k}, seed=seed)
    return projection.distance_ratios(_A, proj.embedding, seed=seed), proj.fit_time


@st.cache_data(max_entries=64, show_spinner=False)
def trust(key: tuple, scaling: str, fit_key: tuple, _A, _E) -> float:
    """Trustworthiness (k = 5) of one embedding, once per fit."""
    from ml import projection

    return projection.trustworthiness(_A, _E)


# ---- Clustering (ui/clustering.py) --------------------------------------------------------------
# Keys: the data's key tuple (ui.data_source), the scaling, the algorithm's name and parameter tuple,
# the seed. The prepared matrix rides along as an underscore argument (never hashed). A k, eps, cut
# or step move reads these; only what the move really changes is computed again.


@within_budget("clustering_prepared", CACHE_BUDGET_MB["clustering_prepared"])
@st.cache_resource(max_entries=8, show_spinner=False)
def clustering_prepared(key: tuple, scaling: str, _X):
    """The checked, constant-free, scaled matrix (ml.clustering.Prepared) of one dataset and scaling."""
    from ml import clustering

    return clustering.prepare(_X, scaling)


@st.cache_resource(max_entries=32, show_spinner=False)
def clustering_fit(key: tuple, scaling: str, name: str, params: tuple, seed: int, _X):
    """A fitted clusterer (ml.clustering.Fit), read-only. The hierarchical tree is fitted once per
    (linkage, metric) and cut by the caller."""
    from ml import clustering

    return clustering.fit(name, dict(params), _X, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def clustering_internal(key: tuple, scaling: str, fit_key: tuple, seed: int, _X, _labels):
    """Silhouette, Davies–Bouldin, Calinski–Harabasz of one clustering (fit_key names its labels)."""
    from ml import clustering

    return clustering.internal_scores(_X, _labels, seed=seed)


@st.cache_resource(max_entries=8, show_spinner=False)
def clustering_k_states(key: tuple, scaling: str, name: str, others: tuple, seed: int, high: int, _compute):
    """Every k's clustering for the live k slider (ui.clustering.k_states), read-only: computed once per
    (data, scaling, algorithm, its other parameters, seed, slider top)."""
    return _compute()


@st.cache_data(max_entries=16, show_spinner=False)
def clustering_lloyd(key: tuple, scaling: str, k: int, init: str, n_init: int, seed: int, _X, _keep):
    from ml import clustering

    return clustering.lloyd_history(_X, k, init, seed, n_init=n_init, keep=_keep)


@st.cache_data(max_entries=16, show_spinner=False)
def clustering_em(key: tuple, scaling: str, k: int, covariance_type: str, reg_covar: float, seed: int, _X, _keep):
    from ml import clustering

    return clustering.em_history(_X, k, covariance_type, reg_covar, seed, keep=_keep)


@st.cache_data(max_entries=16, show_spinner=False)
def clustering_kdistance(key: tuple, scaling: str, min_samples: int, _X):
    from ml import clustering

    return clustering.k_distance(_X, min_samples)


@st.cache_data(max_entries=16, show_spinner=False)
def clustering_ksweep(key: tuple, scaling: str, init: str, seed: int, _X):
    from ml import clustering

    return clustering.k_sweep(_X, init=init, seed=seed)


@st.cache_data(max_entries=16, show_spinner=False)
def clustering_information(key: tuple, scaling: str, covariance_type: str, reg_covar: float, seed: int, _X):
    from ml import clustering

    return clustering.information_sweep(_X, covariance_type=covariance_type, reg_covar=reg_covar, seed=seed)


@st.cache_resource(max_entries=16, show_spinner=False)
def clustering_view(key: tuple, scaling: str, how: str, pair: tuple, seed: int, _X, _rows, _features):
    """Display coordinates (ml.clustering.View2D) of the shown rows; UMAP is imported only here."""
    from ml import clustering

    return clustering.view_2d(_X, how, list(_features), pair, rows=_rows, seed=seed, scaled=_SCALED.get(scaling, ""))


_SCALED = {"standard": "standardised", "minmax": "min-max scaled", "normalize": "row-normalised"}


@st.cache_data(max_entries=8, show_spinner=False)
def clustering_compare(key: tuple, scaling: str, settings: tuple, seed: int, _X, _y):
    from ml import clustering

    return clustering.compare(_X, [(name, dict(params)) for name, params in settings], _y, seed)


@st.cache_resource(max_entries=48, show_spinner=False)
def clustering_figure_json(revision: str, _build) -> str:
    """A live chart's figure JSON (ui.live_plot), built once per `revision` (a digest of everything the
    figure shows: data, scaling, fit, view, labels); moves that change only its marks never rebuild it."""
    return _build().to_json()


# ---- Anomaly detection (ui/anomaly.py) -----------------------------------------------------------
# Keys: the data's key tuple (ui.data_source), the detector's registry name, its parameter tuple
# (contamination left out: moving it never refits), the seed. Arrays ride along as underscore arguments.


@st.cache_resource(max_entries=16, show_spinner=False)
def anomaly_fit(key: tuple, name: str, params: tuple, seed: int, _X):
    """A fitted detector (read-only) and its training scores, with the seconds it took."""
    import time

    from ml import detectors

    t0 = time.perf_counter()
    model = detectors.make(name, dict(params), seed).fit(_X)
    return model, time.perf_counter() - t0


@st.cache_resource(max_entries=16, show_spinner=False)
def anomaly_sorted(key: tuple, name: str, params: tuple, seed: int, _scores):
    """The scores sorted once: a contamination or threshold move is a binary search on them."""
    import numpy as np

    return np.sort(np.asarray(_scores, dtype=float))


@st.cache_resource(max_entries=16, show_spinner=False)
def anomaly_engine(key: tuple, name: str, params: tuple, seed: int, labels_key: tuple, _y, _scores):
    """The ThresholdEngine of one detector's scores against the chosen anomaly labels (built once)."""
    from ml.thresholds import ThresholdEngine

    return ThresholdEngine(_y, _scores)


@st.cache_data(max_entries=16, show_spinner=False)
def anomaly_evaluation(key: tuple, name: str, params: tuple, seed: int, labels_key: tuple, _y, _scores) -> dict:
    """ROC AUC, AP, P@n_o, MCC at top n_o and RWS of one detector's scores."""
    from ml import detectors

    return detectors.evaluate(_y, _scores)


@st.cache_resource(max_entries=8, show_spinner=False)
def anomaly_view(key: tuple, how: str, pair: tuple, seed: int, _X, _rows):
    """(coordinates of rows `_rows`, x title, y title) of the 2-D view; UMAP imported only here."""
    from ml import detectors

    return detectors.display_2d(_X, how, pair, rows=_rows, seed=seed)


@st.cache_resource(show_spinner=False)
def anomaly_benchmarks() -> dict:
    """Finished benchmark runs, server-wide, keyed by (datasets, seeds, reductions, networks, upload key);
    ui.anomaly keeps at most a few."""
    return {}


@st.cache_data(max_entries=16, show_spinner=False)
def anomaly_hist_json(fit_key: tuple, labels_key: tuple, log_y: bool, _scores, _y) -> str:
    """The score histogram (no threshold) as Plotly JSON, built once per scores and labels; the
    threshold line is a mark laid over it (ui.live_plot)."""
    from ml.plots import anomaly

    return anomaly.score_histogram(_scores, _y, None, log_y=log_y, title="Scores and the threshold").to_json()


@st.cache_data(max_entries=16, show_spinner=False)
def anomaly_scatter_json(fit_key: tuple, labels_key: tuple, view_key: tuple, titles: tuple, _xy, _scores, _truth) -> str:
    """The 2-D view coloured through a colour axis as Plotly JSON, built once per scores, labels and view;
    which points are flagged is a mark (the colour axis) laid over it."""
    from ml.plots import anomaly

    return anomaly.live_scatter(
        _xy[:, 0], _xy[:, 1], _scores, _truth, x_label=titles[0], y_label=titles[1],
        title="What the detector calls anomalous", seed=fit_key[-1],
    ).to_json()  # fmt: skip


# ---- ROC Explorer (ui/roc.py): scores, threshold engines, curves, the live figure, downloads -----------
# Keys are primitives (data key, model, positive class, direction, β); big objects ride along as
# underscore arguments. ml.roc and the plots are imported when first used (Home needs neither).


@st.cache_resource(max_entries=8, show_spinner=False)
def roc_model_scores(name: str, options: tuple, model: str, seed: int):
    from ml import roc

    return roc.model_scores(dataset(name, options), model, seed=seed)


@st.cache_resource(max_entries=2, show_spinner=False)
def roc_photon_jet(n: int, seed: int) -> roc.ScoreSet:
    from ml import roc

    return roc.photon_jet_scores(n, seed)


@within_budget("roc_upload", CACHE_BUDGET_MB["roc_upload"])
@st.cache_resource(max_entries=4, show_spinner=False)
def roc_upload(digest: str, label: str, cols: tuple, drop: bool, _table: tables.Table) -> roc.ScoreSet:
    from ml import roc

    return roc.upload_scores(_table, label, list(cols), drop_nonfinite=drop)


@within_budget("roc_engine", CACHE_BUDGET_MB["roc_engine"])
@st.cache_resource(max_entries=16, show_spinner=False)
def roc_engine(key: tuple, model: str, positive: str, lower: bool, _scores: roc.ScoreSet) -> ThresholdEngine:
    """The threshold engine for one model and positive class (built once: a sort)."""
    from ml.thresholds import ThresholdEngine

    y, s = _scores.binary(model, positive)
    engine = ThresholdEngine(y, s, higher_is_positive=not lower)
    _ = engine.auc  # builds the lazy per-threshold curve now (the page shows the AUC anyway), so the budget counts it
    return engine


@st.cache_resource(max_entries=16, show_spinner=False)
def roc_curves(key: tuple, model: str, positive: str, lower: bool, beta: float, _engine: ThresholdEngine) -> roc.Curves:
    """Thinned curves for one engine (computed once per β)."""
    from ml import roc

    return roc.curves(_engine, beta)


@st.cache_resource(max_entries=16, show_spinner=False)
def roc_live_base(key: tuple, model: str, positive: str, lower: bool, beta: float, view: str, _c: roc.Curves, **kw):
    """The four-panel figure (dict, and JSON for the browser) built once per curves and view."""
    import plotly.io as pio

    from ml.plots.roc import live_base

    base = live_base(_c, view=view, beta=beta, lower_is_positive=lower, **kw)
    return base, pio.to_json(base, validate=False)


@within_budget("roc_table", CACHE_BUDGET_MB["roc_table"])
@st.cache_data(max_entries=2, show_spinner=False)
def roc_table_csv(key: tuple, model: str, positive: str, lower: bool, beta: float, _engine: ThresholdEngine) -> bytes:
    """The full threshold table as gzipped CSV, built only when the download is pressed."""
    import gzip

    return gzip.compress(tables.csv_bytes(_engine.table(beta)), compresslevel=6)


@st.cache_data(max_entries=8, show_spinner=False)
def roc_browser_counts(key: tuple, model: str, positive: str, lower: bool, _engine: ThresholdEngine) -> dict:
    """The cumulative counts the live threshold answers drags from (built once per scores)."""
    return _engine.browser_counts().payload()


# ---- Regression (ui/regression.py) -------------------------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner=False)
def regression_split(key: tuple, _ds: datasets.Dataset):
    """(X_train, X_test, y_train, y_test) for key = (data key, test fraction, seed)."""
    from ml import evaluation

    _, test_size, seed = key
    return evaluation.split(_ds.X, _ds.y, "regression", test_size, seed)


# ---- Fitted models and their derived results (ui/training.py's LRU stores) ------------------------------


@st.cache_resource(show_spinner=False)
def training_store(name: str, maxsize: int = 16):
    """The shared bounded store called `name` (one per server process): at most `maxsize` entries and
    CACHE_BUDGET_MB[name] megabytes (default: the "training_store" budget)."""
    from ui.training import LRUStore

    budget = CACHE_BUDGET_MB.get(name, CACHE_BUDGET_MB["training_store"])
    return LRUStore(maxsize, max_bytes=int(budget * 1024**2))
