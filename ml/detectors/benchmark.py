"""The benchmark table (the notes' Table 6): every detector on every labelled dataset, over seeds;
the mean ± std summary, the notes' layout and the best method per dataset.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ml import registry
from ml.detectors.base import capped_threads, check_X
from ml.detectors.distance_metrics import metric_title
from ml.detectors.drama import DRAMA, REDUCTION_TITLES
from ml.detectors.metrics import anomaly_labels, evaluate

BENCH_DATASETS = (
    "odds_wbc", "odds_wine", "odds_digits", "odds_photon_jet",
    "anomaly_local", "anomaly_new_class", "anomaly_events", "anomaly_huge",
)  # fmt: skip
# Sizes the benchmark uses where a dataset's default is big (the table stays under a minute on two cores).
BENCH_OPTIONS = {"odds_photon_jet": {"n_samples": 2000}, "anomaly_huge": {"n_samples": 300}}
BENCH_SCORES = ("auc", "mcc", "rws")
SCORE_TITLES = {
    "auc": "AUC",
    "mcc": "MCC",
    "rws": "RWS",
    "average_precision": "AP",
    "precision_at_k": "P@n_o",
}
# The baselines of the notes (LOF at 5, 10 and 35 neighbours, Isolation Forest) and the other detectors.
BENCH_BASELINES = (
    ("LOF k=5", "LOF", "lof", {"n_neighbors": 5}),
    ("LOF k=10", "LOF", "lof", {"n_neighbors": 10}),
    ("LOF k=35", "LOF", "lof", {"n_neighbors": 35}),
    ("i-Forest", "i-Forest", "iforest", {}),
    ("one-class SVM", "one-class SVM", "ocsvm", {}),
    ("Elliptic Envelope", "Elliptic Envelope", "elliptic", {}),
    ("kNN distance", "kNN", "knn", {}),
)
BENCH_REDUCTIONS = ("none", "pca", "ica", "nmf")  # + "ae", "vae" on request (networks take longer)


def bench_tasks(
    datasets=BENCH_DATASETS, seeds=(0, 1, 2), reductions=BENCH_REDUCTIONS, networks: bool = False
):
    """The (dataset, seed, kind, label) units of work of one benchmark run, in order."""
    tasks = []
    for name in datasets:
        for seed in seeds:
            for label, *_ in BENCH_BASELINES:
                tasks.append((name, int(seed), "baseline", label))
            if networks:
                tasks.append((name, int(seed), "baseline", "Autoencoder"))
            for red in tuple(reductions) + (("ae", "vae") if networks else ()):
                tasks.append((name, int(seed), "drama", red))
    return tasks


def _bench_data(name: str, seed: int):
    from ml import datasets as ds_mod

    spec = ds_mod.REGISTRY[name]
    options = dict(BENCH_OPTIONS.get(name, {}))
    if any(p.name == "seed" for p in spec.params):
        options["seed"] = seed
    ds = ds_mod.load_dataset(name, **options)
    if ds.y is None:
        raise ValueError(f"{name} has no labels; the benchmark needs labelled data.")
    return ds.X.to_numpy(dtype=float), anomaly_labels(ds.y.to_numpy())


def run_benchmark(
    datasets=BENCH_DATASETS,
    seeds=(0, 1, 2),
    reductions=BENCH_REDUCTIONS,
    networks: bool = False,
    progress=None,
    data=None,
    n_components: int = 2,
    split_levels: int = 3,
) -> tuple[pd.DataFrame, list[str]]:
    """Scores of every detector (and the DRAMA reduction × metric grid) on every dataset and seed.

    Returns (long table: one row per dataset, seed and method with AUC, MCC, RWS, AP and P@n_o;
    notes on what was skipped). The seed changes both the draw of the data (ODDS-style subsample,
    simulation) and the detector's randomness. `data` maps extra dataset titles to (X, y) (e.g. an
    upload), scored with the same seeds. `progress(done, total, text)` is called after each unit.
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("choose at least one seed.")
    names = list(datasets) + list(data or {})
    tasks = bench_tasks(names, seeds, reductions, networks)
    with capped_threads():
        return _run_tasks(tasks, data, progress, n_components, split_levels)


def _run_tasks(tasks, data, progress, n_components, split_levels) -> tuple[pd.DataFrame, list[str]]:
    import time

    rows, notes, cache = [], [], {}
    for i, (name, seed, kind, what) in enumerate(tasks):
        t0 = time.perf_counter()
        if (name, seed) not in cache:
            cache.clear()
            cache[(name, seed)] = data[name] if data and name in data else _bench_data(name, seed)
        X, y = cache[(name, seed)]
        X, y = check_X(X), np.asarray(y)
        try:
            if kind == "baseline":
                if what == "Autoencoder":
                    family, entry, params = "Autoencoder", "autoencoder", {}
                else:
                    _, family, entry, params = next(b for b in BENCH_BASELINES if b[0] == what)
                e = registry.get("detector", entry)
                p, _ = e.fit_to_data(e.validate(params), *X.shape)
                scores = e.make(p, seed).fit(X).decision_scores_
                rows.append(_bench_row(name, seed, what, family, "", "", y, scores, time.perf_counter() - t0))
            else:
                k = min(n_components, X.shape[1])
                levels = min(split_levels, max(1, int(math.log2(max(X.shape[0], 2) / 2))))
                m = DRAMA(
                    reduction=what, n_components=k, split_levels=levels, metric="l2", random_state=seed
                ).fit(X)
                by_metric, skipped = m.scores_by_metric()
                dt = (time.perf_counter() - t0) / max(len(by_metric), 1)
                for metric, scores in by_metric.items():
                    label = f"DRAMA {REDUCTION_TITLES[what]}-{metric_title(metric)}"
                    rows.append(_bench_row(name, seed, label, "DRAMA", what, metric, y, scores, dt))
                for metric, why in skipped.items():
                    notes.append(
                        f"{name}, {REDUCTION_TITLES[what]}-{metric_title(metric)} skipped: {why.split(':')[0]}."
                    )
        except ValueError as exc:
            notes.append(f"{name} (seed {seed}), {what}: not scored — {exc}")
        if progress is not None:
            progress(i + 1, len(tasks), f"{name} · seed {seed} · {what}")
    return pd.DataFrame(rows), sorted(set(notes))


def _bench_row(dataset, seed, method, family, drt, metric, y, scores, seconds) -> dict:
    ev = evaluate(y, scores)
    return {
        "dataset": dataset, "seed": seed, "method": method, "family": family, "drt": drt, "metric": metric,
        "auc": ev["auc"], "mcc": ev["mcc"], "rws": ev["rws"], "average_precision": ev["average_precision"],
        "precision_at_k": ev["precision_at_k"], "seconds": seconds,
    }  # fmt: skip


def summarise(long: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over seeds of every score, one row per (dataset, method), best AUC first per dataset."""
    if long.empty:
        return long
    keys = ["dataset", "method", "family", "drt", "metric"]
    scores = ["auc", "mcc", "rws", "average_precision", "precision_at_k", "seconds"]
    g = long.groupby(keys, sort=False)[scores]
    out = g.mean().add_suffix("_mean").join(g.std(ddof=0).add_suffix("_std")).reset_index()
    out["n_seeds"] = g.size().to_numpy()
    order = {n: i for i, n in enumerate(dict.fromkeys(long["dataset"]))}
    out["_d"] = out["dataset"].map(order)
    return (
        out.sort_values(["_d", "auc_mean"], ascending=[True, False]).drop(columns="_d").reset_index(drop=True)
    )


def notes_table(
    summary: pd.DataFrame,
    columns=("DRAMA", "LOF", "i-Forest", "one-class SVM", "Elliptic Envelope", "kNN", "Autoencoder"),
) -> pd.DataFrame:
    """The notes' Table 6 layout: per dataset the best DRAMA DRT-metric (by mean AUC), then AUC, MCC and
    RWS (×100, "mean ± std") of DRAMA's best, the best LOF (over k = 5, 10, 35), i-Forest and the rest.

    Returns a frame of strings with a ("", "DRT-metric") column and (score, method) columns; the
    numeric means ride along in `.attrs["means"]` (same shape) for highlighting the best per dataset.
    """
    if summary.empty:
        return pd.DataFrame()
    families = [c for c in columns if c in set(summary["family"])]
    text, means = [], []
    for name, block in summary.groupby("dataset", sort=False):
        best = {f: block[block["family"] == f].sort_values("auc_mean", ascending=False).iloc[0] for f in families
                if (block["family"] == f).any()}  # fmt: skip
        drama = best.get("DRAMA")
        t_row = {
            ("", "dataset"): name,
            ("", "DRT-metric"): (
                f"{REDUCTION_TITLES[drama['drt']]}-{metric_title(drama['metric'])}"
                if drama is not None
                else ""
            ),
        }  # noqa: E501
        m_row = {}
        for s in BENCH_SCORES:
            for f in families:
                r = best.get(f)
                if r is None:
                    t_row[(SCORE_TITLES[s], f)] = ""
                    m_row[(SCORE_TITLES[s], f)] = np.nan
                    continue
                mean, std = 100 * r[f"{s}_mean"], 100 * r[f"{s}_std"]
                t_row[(SCORE_TITLES[s], f)] = f"{mean:.0f} ± {std:.0f}" if std >= 1 else f"{mean:.0f}"
                m_row[(SCORE_TITLES[s], f)] = mean
        text.append(t_row)
        means.append(m_row)
    out = pd.DataFrame(text)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    m = pd.DataFrame(means)
    m.columns = pd.MultiIndex.from_tuples(m.columns)
    out.attrs["means"] = m
    return out


def best_per_dataset(table: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame (same shape as `notes_table`'s output): True where a method has the best mean of its score."""
    means = table.attrs.get("means")
    flags = pd.DataFrame(False, index=table.index, columns=table.columns)
    if means is None or means.empty:
        return flags
    for s in BENCH_SCORES:
        block = means.xs(SCORE_TITLES[s], axis=1, level=0, drop_level=False)
        best = block.max(axis=1)
        for col in block.columns:
            flags[col] = flags[col] | ((block[col] >= best - 1e-9) & block[col].notna())
    return flags
