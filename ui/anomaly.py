"""The Anomaly detection page's Streamlit glue: data and label choice, the detector, the cached fit,
the live threshold, and one function per view.

Scores are computed once per (data, detector parameters, seed) through `ui.cache`; the contamination
slider and the direct threshold are queries on the sorted scores (and on a ThresholdEngine when labels
exist), inside a fragment, so a move never refits and reruns only the threshold views.
"""

from __future__ import annotations

import hashlib
import html
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ml import detectors as det
from ml import registry
from ml.plots import anomaly as plots
from ui import cache, handoff
from ui.data_source import DataChoice, data_source
from ui.live_plot import live_plot
from ui.state import clamp_kept, kept
from ui.widgets import guard, guarded_fragment, metric_grid, param_widgets

PAGE = "ano"
DATASETS = [
    "anomaly_local",
    "anomaly_new_class",
    "anomaly_events",
    "anomaly_huge",
    "odds_wbc",
    "odds_wine",
    "odds_digits",
    "odds_photon_jet",
    "digits",
    "iris",
    "uniform_noise",
]
DEFAULT_DATASET = "anomaly_local"
DEFAULT_DETECTOR = "iforest"
IGNORE = "(ignore the labels)"
UMAP_ROWS = 3000  # rows UMAP embeds (a seeded subset plus every labelled anomaly)
VIEWS = {"pca": "PCA", "features": "Two features", "umap": "UMAP"}
MAX_BENCH_RUNS = 4  # finished benchmark tables kept server-wide


def _md(text) -> str:
    text = html.escape(str(text))
    for ch in "\\`*_{}[]()#+!|~<>$":
        text = text.replace(ch, "\\" + ch)
    return text


@dataclass
class Labels:
    y: np.ndarray | None  # 0/1 anomaly labels, or None
    key: tuple  # names the choice (for cache keys)
    text: str  # what "anomaly" means here, for captions
    problem: str = ""  # why labels are not used, when they exist but cannot score


@dataclass
class Result:
    choice: DataChoice
    entry: registry.Entry
    params: dict  # without contamination
    seed: int
    X: np.ndarray
    model: object
    seconds: float
    labels: Labels
    notes: list[str] = field(default_factory=list)

    @property
    def scores(self) -> np.ndarray:
        return self.model.decision_scores_

    @property
    def fit_key(self) -> tuple:
        return (self.choice.key, self.entry.name, tuple(sorted(self.params.items())), self.seed)


# -- sidebar ------------------------------------------------------------------------------------------
def data_sidebar() -> DataChoice | None:
    return data_source(PAGE, target="optional", task=None, datasets=DATASETS, default=DEFAULT_DATASET)


def label_choice(choice: DataChoice) -> Labels:
    """The 0/1 anomaly labels of the chosen data: as they are when 0/1 (or normal/anomaly), else the
    user picks which label value is the anomaly (or ignores the labels)."""
    ds = choice.ds
    if ds.y is None:
        return Labels(None, ("none",), "no labels")
    y = ds.y.to_numpy()
    names = list(ds.class_names) if ds.class_names else []
    if ds.class_names == ("normal", "anomaly"):
        return _checked(y, ("builtin01",), "label 1 = anomaly")
    values = sorted(pd.unique(y).tolist(), key=str)
    if len(values) == 1:
        return Labels(
            None,
            ("one",),
            "",
            f"The label column holds one value ({_md(values[0])}): nothing to score against.",
        )

    def shown(v):
        if names and isinstance(v, (int, np.integer)) and 0 <= int(v) < len(names):
            return f"{names[int(v)]}"
        return str(v)

    counts = pd.Series(y).value_counts()
    rare = counts.idxmin()
    options = [IGNORE, *values]
    if set(values) <= {0, 1} and not names:
        rare = 1
    pick = st.sidebar.selectbox(
        "Which label value is the anomaly?",
        options,
        index=options.index(rare),
        format_func=lambda v: v if v == IGNORE else f"{shown(v)} ({int(counts.get(v, 0)):,} rows)",
        help="The chosen value counts as 'anomaly', every other as 'normal'. Labels are used only for scoring.",
        **kept(key=f"{PAGE}.anomaly_value.{choice.key!r}"[:200]),
    )
    if pick == IGNORE:
        return Labels(None, ("ignored",), "labels ignored")
    return _checked((y == pick).astype(int), ("value", str(pick)), f"anomaly = {shown(pick)}")


def _checked(y01: np.ndarray, key: tuple, text: str) -> Labels:
    try:
        return Labels(det.anomaly_labels(y01), key, text)
    except ValueError as exc:
        return Labels(None, key, "", str(exc))


def detector_sidebar(n_rows: int, n_features: int) -> tuple[registry.Entry, dict, int, list[str]]:
    sb = st.sidebar
    sb.header("Detector")
    entries = {e.name: e for e in registry.entries("detector")}
    names = list(entries)
    name = sb.selectbox(
        "Detector",
        names,
        index=names.index(DEFAULT_DETECTOR),
        format_func=lambda n: entries[n].title,
        **kept(key=f"{PAGE}.detector"),
    )
    entry = entries[name]
    sb.caption(entry.description)
    specs = [s for s in entry.params if s.name != "contamination"]
    params = param_widgets(specs, f"{PAGE}.{name}", sb, persist=True)
    if name == "drama":
        _drama_hints(params)
    seed = int(
        sb.number_input(
            "Seed", 0, 10_000, 0, 1, help="Fixes the detector's randomness.", **kept(key=f"{PAGE}.seed")
        )
    )
    params, notes = entry.fit_to_data({**params, "contamination": 0.05}, n_rows, n_features)
    params.pop("contamination")
    return entry, params, seed, notes


def _drama_hints(params: dict) -> None:
    if params.get("reduction") == "none" and params.get("space") == "latent":
        st.sidebar.caption("With no reduction the latent space is the feature space itself.")


# -- fitting -----------------------------------------------------------------------------------------
def fit(
    choice: DataChoice, labels: Labels, entry, params: dict, seed: int, notes: list[str]
) -> Result | None:
    X = det.check_X(choice.ds.X.to_numpy(dtype=float) if _numeric(choice.ds.X) else choice.ds.X.to_numpy())
    ptuple = tuple(sorted(params.items()))
    t0 = time.perf_counter()
    with st.spinner(f"Fitting {entry.title} on {len(X):,} rows …"):
        model, seconds = cache.anomaly_fit(choice.key, entry.name, ptuple, seed, X)
    if time.perf_counter() - t0 > 0.5:
        st.toast(f"{entry.title} fitted in {seconds:.1f} s")
    return Result(
        choice, entry, params, seed, X, model, seconds, labels, [*notes, *getattr(model, "notes_", [])]
    )


def _numeric(X: pd.DataFrame) -> bool:
    return all(pd.api.types.is_numeric_dtype(t) for t in X.dtypes)


# -- the live threshold (fragment) --------------------------------------------------------------------
def threshold_panel(res: Result) -> None:
    """Contamination slider or direct threshold, counts, histogram and 2-D view: a fragment."""
    _threshold_fragment(res)


@guarded_fragment("The threshold views")
def _threshold_fragment(res: Result) -> None:
    scores = res.scores
    sorted_scores = cache.anomaly_sorted(*res.fit_key, scores)
    n = sorted_scores.size
    top = st.columns([2, 3])
    mode = top[0].segmented_control(
        "Set the threshold by",
        ["contamination", "score"],
        default="contamination",
        required=True,
        format_func={"contamination": "Contamination", "score": "Score (directly)"}.get,
        **kept(key=f"{PAGE}.mode"),
    )
    if mode == "contamination":
        c = top[1].slider(
            "Contamination (share of rows called anomalies)",
            0.005,
            0.5,
            0.05,
            0.005,
            format="%.3f",
            help="threshold = the score of the k-th highest row, k = round(contamination × rows). No refit.",
            **kept(key=f"{PAGE}.contamination"),
        )
        threshold = float(sorted_scores[n - det.n_flagged(n, c)])
    else:
        lo, hi = float(sorted_scores[0]), float(sorted_scores[-1])
        if hi <= lo:
            st.warning("Every row has the same score: this detector sees no anomaly here.")
            threshold = hi
        else:
            default = float(sorted_scores[n - det.n_flagged(n, 0.05)])
            clamp_kept(f"{PAGE}.threshold.{res.entry.name}", lo, hi)  # kept from other data or settings
            threshold = top[1].slider(
                "Threshold on the score (rows at or above it are anomalies)",
                lo,
                hi,
                min(max(default, lo), hi),
                (hi - lo) / 200,
                format="%.4g",
                **kept(key=f"{PAGE}.threshold.{res.entry.name}"),
            )
    flagged_n = int(n - np.searchsorted(sorted_scores, threshold, "left"))
    y = res.labels.y
    items = [
        ("Flagged", flagged_n, f"{flagged_n:,}"),
        ("Share flagged", flagged_n / n, f"{flagged_n / n:.1%}"),
    ]
    if y is not None:
        engine = cache.anomaly_engine(*res.fit_key, res.labels.key, y, scores)
        m = engine.metrics(threshold)
        items += [
            ("Caught (TP)", m["tp"], f"{m['tp']:,} of {engine.n_pos:,}"),
            ("False alarms (FP)", m["fp"], f"{m['fp']:,}"),
            ("Precision", m["precision"], f"{m['precision']:.3f}"),
            ("Recall", m["recall"], f"{m['recall']:.3f}"),
        ]
    items.append(("Threshold", threshold, f"{threshold:.4g}"))
    metric_grid(items, columns=len(items))
    left, right = st.columns(2, gap="medium")
    with left:
        log_y = bool(st.session_state.get(f"{PAGE}.logy", False))
        hist = cache.anomaly_hist_json(res.fit_key, res.labels.key, log_y, scores, y)
        live_plot(
            hist,
            _revision(res.fit_key, res.labels.key, log_y),
            plots.threshold_marks(threshold),
            key=f"{PAGE}.hist",
        )
        st.toggle("Log count axis", key=f"{PAGE}.logy", help="Shows the thin tail of rare high scores.")
    with right, guard("The 2-D view"):
        scatter_view(res, threshold)


def _revision(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def scatter_view(res: Result, threshold: float) -> None:
    X, y = res.X, res.labels.y
    names = res.choice.ds.feature_names
    how = st.segmented_control(
        "2-D view",
        list(VIEWS),
        default="pca" if X.shape[1] > 2 else "features",
        required=True,
        format_func=VIEWS.get,
        **kept(key=f"{PAGE}.view.{'2d' if X.shape[1] <= 2 else 'nd'}"),  # two-feature data keep their plane
    )
    pair = (0, 1)
    if how == "features" and X.shape[1] > 2:
        a, b = st.columns(2)
        i = a.selectbox("x axis", range(len(names)), format_func=lambda k: names[k], **kept(key=f"{PAGE}.fx"))
        j = b.selectbox(
            "y axis", range(len(names)), index=1, format_func=lambda k: names[k], **kept(key=f"{PAGE}.fy")
        )
        pair = (int(i), int(j))
    rows = None
    if how == "umap" and len(X) > UMAP_ROWS:
        rng = np.random.default_rng(res.seed)
        must = np.flatnonzero(y) if y is not None else np.array([], dtype=int)
        rest = np.setdiff1d(np.arange(len(X)), must)
        rows = np.sort(
            np.concatenate(
                [must, rng.choice(rest, UMAP_ROWS - min(must.size, UMAP_ROWS // 2), replace=False)]
            )
        )
    rows_key = None if rows is None else (len(rows), int(rows.sum()))
    with st.spinner("Embedding for the 2-D view …"):
        coords, xt, yt = cache.anomaly_view(res.choice.key + (rows_key,), how, pair, res.seed, X, rows)
    idx = np.arange(len(X)) if rows is None else rows
    titles = (
        names[0] if X.shape[1] == 1 else (names[pair[0]] if how == "features" else xt),
        yt if X.shape[1] == 1 or how != "features" else names[pair[1]],
    )
    view_key = (how, pair, rows_key)
    scores = res.scores
    truth = None if y is None else y[idx]
    fig = cache.anomaly_scatter_json(
        res.fit_key, res.labels.key, view_key, titles, coords, scores[idx], truth
    )
    marks = plots.flag_marks(threshold, float(scores[idx].min()), float(scores[idx].max()))
    live_plot(fig, _revision(res.fit_key, res.labels.key, view_key), marks, key=f"{PAGE}.scatter")
    st.caption(
        "Vermillion = flagged (score ≥ threshold), grey = not."
        + (" Big outlined circles are the labelled anomalies: vermillion ones are caught (TP), grey ones missed "
           "(FN); a small vermillion dot is a false alarm (FP)." if y is not None else "")
    )  # fmt: skip
    if rows is not None:
        st.caption(f"UMAP of {len(rows):,} of {len(X):,} rows (every labelled anomaly plus a seeded sample).")


# -- the other views ------------------------------------------------------------------------------------
def summary_line(res: Result) -> None:
    lab = res.labels
    text = f"**{res.entry.title}** scored {len(res.X):,} rows in {res.seconds:.2f} s"
    text += f" · labels: {_md(lab.text)}" if lab.y is not None else " · no labels used for scoring"
    st.markdown(text)
    for note in res.notes:
        st.info(note)
    if lab.problem:
        st.warning(
            f"{_md(lab.problem)} Scores and views work; the metrics need labels with both kinds of row."
        )


def top_rows_view(res: Result) -> None:
    k = st.slider("How many of the most anomalous rows", 3, 30, 10, 1, **kept(key=f"{PAGE}.topk"))
    order = det.top_ranked(res.scores, k)
    X, y = res.X, res.labels.y
    titles = [
        f"#{r + 1} · {res.scores[i]:.3g}" + ("" if y is None else (" ✓" if y[i] else " ✗"))
        for r, i in enumerate(order)
    ]
    name = res.choice.ds.name
    as_images = X.shape[1] == 64 and name in ("digits", "odds_digits")
    as_curves = name in ("anomaly_events", "anomaly_huge") or (X.shape[1] >= 50 and not as_images)
    if y is not None:
        st.caption("✓ = a labelled anomaly, ✗ = a normal row. Ranked by score, highest first.")
    if as_images:
        st.plotly_chart(plots.top_images(X[order], (8, 8), titles), key=f"{PAGE}.topimg", width="stretch")
    elif as_curves:
        normal = X if y is None else X[y == 0]
        st.plotly_chart(
            plots.top_curves(X[order], titles, reference=np.median(normal, axis=0)),
            key=f"{PAGE}.topcurves",
            width="stretch",
        )
    table = res.choice.ds.X.iloc[order].copy()

    def fresh(name: str) -> str:  # an upload may already have a column called "score" (issue 10)
        while name in table.columns:
            name += " (detector)" if not name.endswith(")") else "'"
        return name

    table.insert(0, fresh("score"), res.scores[order])
    if y is not None:
        table.insert(1, fresh("labelled anomaly"), y[order].astype(bool))
    st.dataframe(table.iloc[:, :12], hide_index=False, width="stretch")


def metrics_view(res: Result) -> None:
    y = res.labels.y
    if y is None:
        st.info(
            "Metrics need labels: choose a dataset with an anomaly label, or an upload with a 0/1 (or named) label "
            "column. Scores and views above work without one."
        )
        return
    ev = cache.anomaly_evaluation(*res.fit_key, res.labels.key, y, res.scores)
    n_o = ev["n_anomalies"]
    metric_grid(
        [
            ("ROC AUC", ev["auc"], f"{ev['auc']:.3f}"),
            ("Average precision", ev["average_precision"], f"{ev['average_precision']:.3f}"),
            (f"Precision@{n_o}", ev["precision_at_k"], f"{ev['precision_at_k']:.3f}"),
            (f"MCC (top {n_o})", ev["mcc"], f"{ev['mcc']:.3f}"),
            (f"RWS (top {n_o})", ev["rws"], f"{ev['rws']:.3f}"),
        ],
        columns=5,
    )
    with st.expander("What do these metrics mean?"):
        st.markdown(
            f"All five use the ranking only (no threshold). **n_o = {n_o}**, the number of labelled anomalies, as in "
            "the notes. **MCC** calls the top n_o rows anomalies and correlates that with the labels (1 perfect, 0 "
            "chance). **RWS**, the rank-weighted score, sums $w_i I_i$ over the top n_o rows with $w_i = n_o + 1 - i$ "
            "(the top-ranked row weighs most; $I_i$ = 1 for a true anomaly), divided by $\\sum w_i = n_o(n_o+1)/2$ "
            "so a perfect ranking scores 1."
        )
    roc_button(res)


def roc_button(res: Result) -> None:
    if st.button(
        "Open in ROC Explorer", key=f"{PAGE}.roc", help="Send these scores and labels to the ROC Explorer."
    ):
        with guard("Sending scores to the ROC Explorer"):
            try:
                handoff.send_to_roc(
                    f"{res.choice.title}: {res.entry.title}",
                    res.labels.y,
                    ["normal", "anomaly"],
                    {res.entry.title: res.scores},
                    f"Anomaly scores of {res.entry.title} on {res.choice.title} ({len(res.X):,} rows; label 1 = "
                    f"{res.labels.text}).",
                )
            except StreamlitPageNotFoundError:  # the page was started on its own, not through app.py
                st.info("Scores saved. Open the ROC Explorer page from the navigation to see them.")


def drama_view(res: Result) -> None:
    """For DRAMA: every metric from the same prototypes, scored against the labels (no refit)."""
    if res.entry.name != "drama":
        return
    y = res.labels.y
    model = res.model
    with guard("DRAMA's metric row"):
        by, skipped = model.scores_by_metric()
        if y is not None:
            rows = [{"metric": det.metric_title(m), **det.evaluate(y, s)} for m, s in by.items()]
            frame = pd.DataFrame(rows).drop(columns="n_anomalies").set_index("metric")
            frame = frame.rename(columns=det.SCORE_TITLES)[["AUC", "AP", "P@n_o", "MCC", "RWS"]]
            st.markdown("**Every metric from these prototypes** (same reduction and splitting, no refit):")
            st.dataframe(frame.style.format("{:.3f}").highlight_max(color="#F0E44280"), width="stretch")
        for m, why in skipped.items():
            st.caption(f"{det.metric_title(m)} skipped: {_md(why)}")
        st.caption(
            f"{model.centres_.shape[0]} prototypes after {model.split_levels} splitting level(s); distances measured in "
            f"the {model.space} space."
        )


# -- the benchmark table ----------------------------------------------------------------------------------
def benchmark_view(res: Result | None) -> None:
    st.markdown(
        "Every detector, and DRAMA's reduction × metric grid, on every labelled dataset: **AUC, MCC and RWS** "
        "(×100) as mean ± std over seeds (each seed redraws the data and reseeds the detector), laid out like the "
        "notes' table. The best per dataset is highlighted."
    )
    names = [n for n in det.BENCH_DATASETS]
    c1, c2, c3 = st.columns([3, 1, 2])
    chosen = c1.multiselect("Datasets", names, default=names, **kept(key=f"{PAGE}.bench.datasets"))
    n_seeds = c2.number_input("Seeds", 1, 10, 3, 1, **kept(key=f"{PAGE}.bench.seeds"))
    reductions = c3.multiselect(
        "DRAMA reductions",
        list(det.REDUCTIONS),
        default=list(det.BENCH_REDUCTIONS),
        **kept(key=f"{PAGE}.bench.reds"),
    )
    networks = any(r in ("ae", "vae") for r in reductions)
    include_upload = False
    if res is not None and res.choice.is_upload and res.labels.y is not None:
        include_upload = st.checkbox("Include my uploaded data", value=True, key=f"{PAGE}.bench.upload")
    data = {res.choice.title: (res.X, res.labels.y)} if include_upload else None
    upload_key = (res.choice.key, res.labels.key) if include_upload else None
    key = (
        tuple(chosen),
        int(n_seeds),
        tuple(r for r in reductions if r not in ("ae", "vae")),
        networks,
        upload_key,
    )
    store = cache.anomaly_benchmarks()
    n_tasks = len(
        det.bench_tasks(
            chosen + list(data or {}),
            range(int(n_seeds)),
            [r for r in reductions if r not in ("ae", "vae")],
            networks,
        )
    )
    if key not in store:
        st.caption(f"{n_tasks} fits to run (about {n_tasks * 0.15:.0f}-{n_tasks * 0.5:.0f} s on two cores).")
        if st.button(
            "Run the benchmark", key=f"{PAGE}.bench.run", type="primary", disabled=not (chosen or data)
        ):
            bar = st.progress(0.0, text="Starting …")

            def progress(i, total, text):
                bar.progress(i / total, text=f"{i}/{total} · {text}")

            with guard("The benchmark"):
                long, notes = det.run_benchmark(
                    chosen,
                    seeds=tuple(range(int(n_seeds))),
                    reductions=tuple(r for r in reductions if r not in ("ae", "vae")),
                    networks=networks,
                    progress=progress,
                    data=data,
                )
                while len(store) >= MAX_BENCH_RUNS:
                    store.pop(next(iter(store)))
                store[key] = (long, notes)
            bar.empty()
    if key not in store:
        return
    long, notes = store[key]
    if long.empty:
        st.warning("Nothing could be scored: " + " ".join(notes[:3]))
        return
    summary = det.summarise(long)
    table = det.notes_table(summary)
    best = det.best_per_dataset(table)
    shown = table.copy()
    shown.attrs = {}  # the numeric means ride in attrs; Arrow cannot carry a frame there
    styler = shown.style.apply(
        lambda _: np.where(best, "background-color: #F0E44299; font-weight: 700", ""), axis=None
    )
    st.dataframe(styler, hide_index=True, width="stretch")
    st.caption(
        "DRAMA = its best reduction-metric per dataset (by mean AUC), named in 'DRT-metric'; LOF = the best of k = 5, "
        "10, 35, as in the notes. Values ×100; '± std' shown when it is at least 1."
    )
    st.download_button(
        "Download the full table (CSV)",
        summary.to_csv(index=False).encode(),
        "anomaly_benchmark.csv",
        "text/csv",
        key=f"{PAGE}.bench.csv",
    )
    with st.expander("DRAMA's reduction × metric grid, per dataset"):
        ds_name = st.selectbox("Dataset", list(dict.fromkeys(summary["dataset"])), key=f"{PAGE}.bench.grid")
        score = st.segmented_control("Score", ["auc", "mcc", "rws"], default="auc", required=True, key=f"{PAGE}.bench.score",
                                     format_func=det.SCORE_TITLES.get)  # fmt: skip
        block = summary[(summary["dataset"] == ds_name) & (summary["family"] == "DRAMA")]
        reds = list(dict.fromkeys(block["drt"]))
        mets = list(det.METRICS) + list(det.ENSEMBLES)
        grid = np.full((len(reds), len(mets)), np.nan)
        for _, r in block.iterrows():
            grid[reds.index(r["drt"]), mets.index(r["metric"])] = 100 * r[f"{score}_mean"]
        st.plotly_chart(
            plots.drama_grid(
                grid,
                [det.REDUCTION_TITLES[r] for r in reds],
                [det.metric_title(m) for m in mets],
                score=det.SCORE_TITLES[score],
            ),  # fmt: skip
            key=f"{PAGE}.bench.gridfig",
            width="stretch",
        )
    if notes:
        with st.expander(f"{len(notes)} note(s): skipped metrics and fits"):
            for note in notes[:50]:
                st.caption(_md(note))
