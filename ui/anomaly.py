"""The Anomaly detection page's Streamlit glue: data and label choice, the detector, the cached fit,
the live threshold, and one function per view.

Scores are computed once per (data, detector parameters, seed) through `ui.cache`; the contamination
slider and the direct threshold are queries on the sorted scores (and on a ThresholdEngine when labels
exist), inside a fragment, so a move never refits and reruns only the threshold views.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ml import detectors as det
from ml import registry
from ml.plots import anomaly as plots
from ml.thresholds import flag_counts
from ui import cache, handoff, present, training
from ui.data_source import DataChoice, data_source
from ui.live_threshold import live_threshold
from ui.present import chart
from ui.present import table as show_table
from ui.state import kept, link_value, linked, number_in, prime, truth
from ui.widgets import guard, guarded_fragment, metric_grid, param_widgets, safe_md

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
    stale: bool = False  # the last result, shown while a slow detector waits for its Train press

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
            f"The label column holds one value ({safe_md(values[0])}): nothing to score against.",
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
    pick = linked(
        st.sidebar.selectbox,
        "Which label value is the anomaly?",
        options,
        index=options.index(rare),
        format_func=lambda v: v if v == IGNORE else f"{shown(v)} ({int(counts.get(v, 0)):,} rows)",
        help="The chosen value counts as 'anomaly', every other as 'normal'. Labels are used only for scoring.",
        **kept(key=f"{PAGE}.anomaly_value.{choice.key!r}"[:200]),
        url=f"{PAGE}.anomaly_value",
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
    name = linked(
        sb.selectbox,
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
        linked(
            sb.number_input, "Seed", 0, 10_000, 0, 1, help="Fixes the detector's randomness.", **kept(key=f"{PAGE}.seed")
        )
    )
    params, notes = entry.fit_to_data({**params, "contamination": 0.05}, n_rows, n_features)
    params.pop("contamination")
    return entry, params, seed, notes


def _drama_hints(params: dict) -> None:
    if params.get("reduction") == "none" and params.get("space") == "latent":
        st.sidebar.caption("With no reduction the latent space is the feature space itself.")


# -- fitting -----------------------------------------------------------------------------------------
SLOW_FIT_S = (
    2.0  # a detector forecast (or last seen) to take longer waits for a Train press, as on Classification
)
LAST_RESULT = (
    f"{PAGE}.last_result"  # the last fitted Result, shown (marked stale) while a slow detector waits
)


def fit(
    choice: DataChoice, labels: Labels, entry, params: dict, seed: int, notes: list[str]
) -> Result | None:
    """The detector fitted on the chosen data (once per data, parameters and seed). A slow one (a network,
    DRAMA with an autoencoder or VAE, or any whose fit is forecast to exceed SLOW_FIT_S) fits only on its
    Train button: until then the last result stays on screen marked stale (the Classification page's rule)."""
    X = det.check_X(choice.ds.X.to_numpy(dtype=float) if _numeric(choice.ds.X) else choice.ds.X.to_numpy())
    ptuple = tuple(sorted(params.items()))
    key = (choice.key, entry.name, ptuple, seed)
    if training.lookup("anomaly_fitted", key, 16) is None and not _train_now(
        choice, labels, entry, params, X
    ):
        return _stale_or_none(choice, labels)
    t0 = time.perf_counter()
    with st.spinner(f"Fitting {entry.title} on {len(X):,} rows …", show_time=True):
        model, seconds = cache.anomaly_fit(choice.key, entry.name, ptuple, seed, X)
    training.store("anomaly_fitted", 16).put(key, True)
    training.store("fit_seconds", 256).put(("detector", choice.key, entry.name), seconds)
    if time.perf_counter() - t0 > 0.5:
        st.toast(f"{entry.title} fitted in {seconds:.1f} s")
    res = Result(
        choice, entry, params, seed, X, model, seconds, labels, [*notes, *getattr(model, "notes_", [])]
    )
    st.session_state[LAST_RESULT] = res
    return res


def _slow_reason(choice: DataChoice, entry, params: dict, X: np.ndarray) -> str | None:
    """Why this detector waits for a Train press, or None (ui.classification's rule: the last fit of this
    detector on this data took long, or, never fitted here, a forecast says it will)."""
    took = training.fit_seconds((choice.key, entry.name), "detector")
    if took is not None and took > SLOW_FIT_S:
        return f"{entry.title} took {took:.1f} s to fit on this data last time, so it refits only when asked"
    expected = det.estimate_fit_seconds(entry.name, params, X.shape[0], X.shape[1])
    if took is None and expected > SLOW_FIT_S:
        return f"{entry.title} is expected to take about {expected:.0f} s on {len(X):,} rows, so it fits only when asked"
    return None


def _train_now(choice: DataChoice, labels: Labels, entry, params: dict, X: np.ndarray) -> bool:
    """True to fit now: a quick detector, or a slow one whose Train button was just pressed."""
    last: Result | None = st.session_state.get(LAST_RESULT)
    shown = (last.entry.title, last.params) if last is not None and last.choice.key == choice.key else None
    return training.train_gate(_slow_reason(choice, entry, params, X), entry.title, f"{PAGE}.train", shown)


def _stale_or_none(choice: DataChoice, labels: Labels) -> Result | None:
    last: Result | None = st.session_state.get(LAST_RESULT)
    if last is None or last.choice.key != choice.key:
        return None
    return replace(last, labels=labels, stale=True)  # the same rows: the current label choice applies


def _numeric(X: pd.DataFrame) -> bool:
    return all(pd.api.types.is_numeric_dtype(t) for t in X.dtypes)


# -- the live threshold (fragment) --------------------------------------------------------------------
CONTAMINATION = (0.005, 0.5, 0.005)  # the contamination slider: lowest, highest, step
LIVE = f"{PAGE}.live"  # the live threshold component's key (ui/live_threshold.py)


def threshold_panel(res: Result) -> None:
    """Contamination or direct threshold, counts, histogram and 2-D view: a fragment whose threshold
    control answers drags in the browser (ui.live_threshold) and confirms the exact numbers on release."""
    # presenting: how the threshold is set and the 2-D view's controls sit in a sidebar slot (made here: a
    # fragment cannot open the sidebar), so the slider and both charts share a 1280×720 screen
    _threshold_fragment(res, side=st.sidebar.container() if present.active() else None)


def _bump_seq() -> None:
    """The server set the slider's value itself (new data or mode, a clamp): the component jumps to it."""
    st.session_state[f"{LIVE}_seq"] = st.session_state.get(f"{LIVE}_seq", 0) + 1


def _live_value(res: Result, mode: str, data_rev: str, sorted_scores: np.ndarray) -> tuple[float, str]:
    """The slider's value (a contamination or a score) after what the component last committed, and a note
    when a kept value had to be clamped. Values live under ano.contamination / ano.threshold.<detector>."""
    ss = st.session_state
    n, lo, hi = sorted_scores.size, float(sorted_scores[0]), float(sorted_scores[-1])
    key = f"{PAGE}.contamination" if mode == "contamination" else f"{PAGE}.threshold.{res.entry.name}"
    sent = ss.get(LIVE)
    if sent and sent.get("seq") != ss.get(f"{LIVE}_seen"):
        ss[f"{LIVE}_seen"] = sent.get("seq")
        if sent.get("need"):  # the component lost its data (remounted): send it again
            ss.pop(f"{LIVE}_has", None)
        elif sent.get("rev") in (None, data_rev) and ss.get(f"{LIVE}_for") == data_rev:
            ss[key] = float(sent["t"])  # a commit made on other data (a drag across a switch) is dropped
    if ss.get(f"{LIVE}_for") != data_rev:
        ss[f"{LIVE}_for"] = data_rev
        _bump_seq()
    note = ""
    if mode == "contamination":
        value = ss.get(key, 0.05)
        ok = min(max(float(value), CONTAMINATION[0]), CONTAMINATION[1])
        if ok != value:
            note = f"Contamination must be in (0, 0.5]; {value!r} was set to {ok:g}."
    else:
        value = ss.get(key)
        default = float(sorted_scores[n - det.n_flagged(n, 0.05)])
        ok = default if value is None else min(max(float(value), lo), hi)  # kept from other data or settings
    if ok != value:
        ss[key] = ok
        _bump_seq()
    linked_ok = link_value(  # in the URL: ?ano.contamination=0.1 or ?ano.threshold=2.5 (read from a link on the first run)
        f"{PAGE}.contamination" if mode == "contamination" else f"{PAGE}.threshold",
        float(ok),
        parse=number_in(*CONTAMINATION[:2]) if mode == "contamination" else number_in(lo, hi),
        default=0.05 if mode == "contamination" else None,
    )
    if linked_ok != ok:
        ss[key] = ok = linked_ok
        _bump_seq()
    return float(ok), note


@guarded_fragment("The threshold views")
def _threshold_fragment(res: Result, side=None) -> None:
    scores, y = res.scores, res.labels.y
    sorted_scores = cache.anomaly_sorted(*res.fit_key, scores)
    n = sorted_scores.size
    lo, hi = float(sorted_scores[0]), float(sorted_scores[-1])
    c1, c2, c3 = (side, side, side) if side is not None else st.columns([2, 2, 3], vertical_alignment="bottom")
    mode = linked(
        c1.segmented_control,
        "Set the threshold by",
        ["contamination", "score"],
        default="contamination",
        required=True,
        format_func={"contamination": "Contamination", "score": "Score (directly)"}.get,
        help="Contamination: threshold = the score of the k-th highest row, k = round(contamination × rows). "
        "Drag the slider (or use the arrow keys): the numbers and marks follow at once; no refit.",
        **kept(key=f"{PAGE}.mode"),
    )
    view = None  # (figure JSON, revision, caption), or None when it cannot be drawn (said by the guard)
    with guard("The 2-D view"):
        view = _scatter_figure(res, c2, c3)
    if mode == "score" and hi <= lo:
        st.warning("Every row has the same score: this detector sees no anomaly here.")
    data_rev = repr((res.fit_key, res.labels.key, mode))
    value, note = _live_value(res, mode, data_rev, sorted_scores)
    if note:
        st.warning(note)
    threshold = float(sorted_scores[n - det.n_flagged(n, value)]) if mode == "contamination" else value
    flagged = int(n - np.searchsorted(sorted_scores, threshold, "left"))
    tp, fp, precision, recall = flagged, 0, None, None
    if y is not None:
        m = cache.anomaly_engine(*res.fit_key, res.labels.key, y, scores).metrics(threshold)
        tp, fp, precision, recall = m["tp"], m["fp"], m["precision"], m["recall"]
    prime(f"{PAGE}.logy", truth)  # the link's value, before it is read here (the toggle is drawn below)
    log_y = bool(st.session_state.get(f"{PAGE}.logy", False))
    revision = _revision(res.fit_key, res.labels.key, log_y)
    revision2 = view[1] if view else None
    has = st.session_state.get(f"{LIVE}_has") or (None, None, None)
    figure2 = None
    if view and has[2] != revision2:
        with guard("The 2-D view"):
            figure2 = view[0]()
        if figure2 is None:
            view = revision2 = None
    st.session_state[f"{LIVE}_has"] = (data_rev, revision, revision2)
    if mode == "contamination":
        bounds, label = CONTAMINATION, "Contamination (share of rows called anomalies)"
    else:
        top = hi if hi > lo else lo + 1.0
        bounds, label = (
            (lo, top, (top - lo) / 1000),
            "Threshold on the score (rows at or above it are anomalies)",
        )
    live_threshold(
        counts=_flag_counts(res) if has[0] != data_rev else None,
        data_rev=data_rev,
        figure_json=_hist_json(res, log_y, threshold) if has[1] != revision else None,
        revision=revision,
        t=value,
        t_seq=st.session_state.get(f"{LIVE}_seq", 0),
        lo=bounds[0],
        hi=bounds[1],
        step=bounds[2],
        confirmed={
            "t": value,
            "threshold": threshold,
            "flagged": flagged,
            "share": flagged / n,
            "tp": int(tp),
            "fp": int(fp),
            "precision": precision,
            "recall": recall,
        },  # fmt: skip
        key=LIVE,
        mode="anomaly",
        control={
            "kind": mode,
            "label": label,
            "exact_label": f"Exact {'contamination' if mode == 'contamination' else 'threshold'} (Enter)",
            "colours": [plots.GREY, plots.ANOMALY_COLOUR],
        },
        figure2=figure2,
        revision2=revision2,
    )
    b1, b2 = st.columns(2, gap="medium")
    linked(b1.toggle, "Log count axis", key=f"{PAGE}.logy", help="Shows the thin tail of rare high scores.")
    if view:
        b2.caption(view[2])


def _revision(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _flag_counts(res: Result) -> dict:
    """The cumulative flagged (and TP / FP) counts the live threshold answers drags from, once per scores."""
    return training.cached(
        "anomaly_counts",
        (res.fit_key, res.labels.key),
        lambda: flag_counts(res.scores, res.labels.y).payload(),
        maxsize=8,
    )


def _hist_json(res: Result, log_y: bool, threshold: float) -> str:
    """The cached score histogram with the threshold line (a named shape the component moves)."""
    fig = json.loads(cache.anomaly_hist_json(res.fit_key, res.labels.key, log_y, res.scores, res.labels.y))
    line = {**plots.threshold_shape(threshold), "yref": "y domain"}
    fig["layout"]["shapes"] = [*fig["layout"].get("shapes", []), line]
    return json.dumps(fig)


def _scatter_figure(res: Result, c_view, c_axes):
    """The 2-D view's controls (drawn in `c_view`, `c_axes`) and its figure: (a function building its JSON,
    revision, caption)."""
    X, y = res.X, res.labels.y
    names = res.choice.ds.feature_names
    how = linked(
        c_view.segmented_control,
        "2-D view",
        list(VIEWS),
        default="pca" if X.shape[1] > 2 else "features",
        required=True,
        format_func=VIEWS.get,
        **kept(key=f"{PAGE}.view.{'2d' if X.shape[1] <= 2 else 'nd'}"),  # two-feature data keep their plane
        url=f"{PAGE}.view",
    )
    pair = (0, 1)
    if how == "features" and X.shape[1] > 2:
        a, b = c_axes.columns(2)
        i = linked(a.selectbox, "x axis", range(len(names)), format_func=lambda k: names[k], **kept(key=f"{PAGE}.fx"))
        j = linked(
            b.selectbox, "y axis", range(len(names)), index=1, format_func=lambda k: names[k], **kept(key=f"{PAGE}.fy")
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
    view_key = (how, pair, rows_key)

    def build() -> str:  # only when the browser lacks this view: a threshold move skips both cache lookups
        with st.spinner("Embedding for the 2-D view …"):
            coords, xt, yt = cache.anomaly_view(res.choice.key + (rows_key,), how, pair, res.seed, X, rows)
        idx = np.arange(len(X)) if rows is None else rows
        titles = (
            names[0] if X.shape[1] == 1 else (names[pair[0]] if how == "features" else xt),
            yt if X.shape[1] == 1 or how != "features" else names[pair[1]],
        )
        truth = None if y is None else y[idx]
        return cache.anomaly_scatter_json(
            res.fit_key, res.labels.key, view_key, titles, coords, res.scores[idx], truth
        )

    caption = "Right: vermillion = flagged (score ≥ threshold), grey = not." + (
        " Big outlined circles are the labelled anomalies: vermillion ones are caught (TP), grey ones missed "
        "(FN); a small vermillion dot is a false alarm (FP)." if y is not None else ""
    )  # fmt: skip
    if rows is not None:
        caption += f" UMAP of {len(rows):,} of {len(X):,} rows (every labelled anomaly plus a seeded sample)."
    return build, _revision(res.fit_key, res.labels.key, view_key), caption


# -- the other views ------------------------------------------------------------------------------------
def summary_line(res: Result) -> None:
    lab = res.labels
    text = (
        "**Stale** · " if res.stale else ""
    ) + f"**{res.entry.title}** scored {len(res.X):,} rows in {res.seconds:.2f} s"
    text += f" · labels: {safe_md(lab.text)}" if lab.y is not None else " · no labels used for scoring"
    st.markdown(text)
    for note in res.notes:
        st.info(note)
    if lab.problem:
        st.warning(
            f"{safe_md(lab.problem)} Scores and views work; the metrics need labels with both kinds of row."
        )


def top_rows_view(res: Result) -> None:
    k = linked(st.slider, "How many of the most anomalous rows", 3, 30, 10, 1, **kept(key=f"{PAGE}.topk"))
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
        chart(plots.top_images(X[order], (8, 8), titles), key=f"{PAGE}.topimg", width="stretch")
    elif as_curves:
        normal = X if y is None else X[y == 0]
        chart(
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
    show_table(table.iloc[:, :12], hide_index=False, width="stretch")


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
            show_table(frame.style.format("{:.3f}").highlight_max(color="#F0E44280"), width="stretch")
        for m, why in skipped.items():
            st.caption(f"{det.metric_title(m)} skipped: {safe_md(why)}")
        st.caption(
            f"{model.centres_.shape[0]} prototypes after {model.split_levels} splitting level(s); distances measured in "
            f"the {model.space} space."
        )


# -- the benchmark table ----------------------------------------------------------------------------------
def benchmark_view(res: Result | None) -> None:
    from ml.evaluation import Plan, Step
    from ui.sweep import stopped_note, sweep

    st.markdown(
        "Every detector, and DRAMA's reduction × metric grid, on every labelled dataset: **AUC, MCC and RWS** "
        "(×100) as mean ± std over seeds (each seed redraws the data and reseeds the detector), laid out like the "
        "notes' table. The best per dataset is highlighted."
    )
    names = [n for n in det.BENCH_DATASETS]
    c1, c2, c3 = st.columns([3, 1, 2])
    chosen = linked(c1.multiselect, "Datasets", names, default=names, **kept(key=f"{PAGE}.bench.datasets"))
    n_seeds = linked(c2.number_input, "Seeds", 1, 10, 3, 1, **kept(key=f"{PAGE}.bench.seeds"))
    reductions = linked(
        c3.multiselect,
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
    reds = tuple(r for r in reductions if r not in ("ae", "vae"))
    names_all = list(chosen) + list(data or {})
    units = [(name, seed) for seed in range(int(n_seeds)) for name in names_all]  # seed by seed: a stop keeps whole tables

    def unit_cost(name: str) -> float:  # seconds, measured on two busy cores (~0.3 s a fit, networks ~3 s)
        n_fits = len(det.bench_tasks([name], (0,), reds, networks))
        scale = 2.0 if name == "anomaly_huge" else (max(len(data[name][0]) / 1000, 0.5) if data and name in data else 1.0)
        return (0.3 * n_fits + (9.0 if networks else 0.0)) * scale

    def plan():
        def unit(name, seed):
            extra = {name: data[name]} if data and name in data else None
            return lambda: det.run_benchmark(
                [] if extra else [name], seeds=(seed,), reductions=reds, networks=networks, data=extra
            )

        def assemble(results):
            frames = [r[0] for r in results if not r[0].empty]
            return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(),
                    sorted({n for r in results for n in r[1]}))  # fmt: skip

        steps = [Step(f"{name} · seed {seed}", unit(name, seed), unit_cost(name)) for name, seed in units]
        return Plan(steps, assemble, "dataset × seed run", "dataset × seed runs")

    n_tasks = len(det.bench_tasks(names_all, range(int(n_seeds)), reds, networks))
    if chosen or data:
        st.caption(f"{n_tasks} fits: {len(names_all)} dataset(s) × {int(n_seeds)} seed(s), seed by seed.")
    with guard("The benchmark"):
        out = sweep(
            key, plan, label="Run the benchmark", widget_key=f"{PAGE}.bench.run",
            estimate=sum(unit_cost(name) for name, _ in units), store="anomaly_bench", store_size=MAX_BENCH_RUNS,
            advice="Fewer datasets, seeds or reductions make it faster.", disabled=not (chosen or data),
            estimate_on_button=False,
        )  # fmt: skip
    if out is None or out.value is None:
        return
    long, notes = out.value
    stopped_note(out)
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
    show_table(styler, hide_index=True, width="stretch")
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
        ds_name = linked(st.selectbox, "Dataset", list(dict.fromkeys(summary["dataset"])), key=f"{PAGE}.bench.grid")
        score = linked(st.segmented_control, "Score", ["auc", "mcc", "rws"], default="auc", required=True, key=f"{PAGE}.bench.score",
                                     format_func=det.SCORE_TITLES.get)  # fmt: skip
        block = summary[(summary["dataset"] == ds_name) & (summary["family"] == "DRAMA")]
        reds = list(dict.fromkeys(block["drt"]))
        mets = list(det.METRICS) + list(det.ENSEMBLES)
        grid = np.full((len(reds), len(mets)), np.nan)
        for _, r in block.iterrows():
            grid[reds.index(r["drt"]), mets.index(r["metric"])] = 100 * r[f"{score}_mean"]
        chart(
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
                st.caption(safe_md(note))
