"""The ROC Explorer's Streamlit glue: score sources in the sidebar, bounded caches, and the live threshold view.

A threshold move reruns only the `live_view` fragment, which queries a cached engine
(binary search) and redraws one figure; curves are computed once per (scores, model, class).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ml import roc, tables
from ml.plots.roc import overlay_figure
from ml.thresholds import ThresholdEngine
from ui import cache, handoff
from ui.code_panel import roc_file_stem, roc_metrics_csv, roc_panel, roc_table_gz
from ui.data_source import _md, builtin_picker, link_upload, upload_from_link, upload_picker, uploader
from ui.live_threshold import live_threshold
from ui.present import active as present_active
from ui.present import chart, locked, name_exports
from ui.present import table as show_table
from ui.state import kept, link_value, linked, number_in
from ui.widgets import dataset_badge, guard, guarded_fragment

SOURCES = {
    "builtin": "Train a model on a built-in dataset",
    "upload": "Upload labels and scores (CSV)",
    "photon_jet": "Simulated photon vs jet discriminants",
    "handoff": "Scores sent from the Classification page",
}
MODEL_TITLES = {
    "logistic": "logistic regression",
    "random_forest": "random forest",
    "hist_gb": "gradient boosting",
    "mlp_torch": "neural net (PyTorch)",
}
PICKERS = (
    "best Fβ",
    "best Youden's J",
    "target signal efficiency (TPR)",
    "target false-positive rate",
    "minimum expected cost",
)
SHOWN = (
    ("accuracy", "accuracy"),
    ("balanced_accuracy", "balanced accuracy"),
    ("precision", "precision"),
    ("recall", "recall / TPR / ε_S"),
    ("specificity", "specificity"),
    ("fpr", "FPR / ε_B"),
    ("f1", "F1"),
    ("fbeta", "Fβ"),
    ("mcc", "MCC"),
    ("youden_j", "Youden's J"),
    ("predicted_positive_rate", "predicted positive rate"),
    ("background_rejection", "bkg. rejection 1/ε_B"),
)


# --- cached computations: declared in ui/cache.py with every other cache (keys are primitives) -------
_model_scores = cache.roc_model_scores
_photon_jet = cache.roc_photon_jet
_upload = cache.roc_upload
engine = cache.roc_engine
curves = cache.roc_curves
_live_base = cache.roc_live_base
_table_csv = cache.roc_table_csv
_browser_counts = cache.roc_browser_counts


COMPARE_CURVES = "roc_compare_curves"  # the lazy expander with every model's ROC and PR curves (open: True)
TABLE_BYTES_PER_ROW = 330  # CSV bytes per threshold row of ThresholdEngine.table (measured: 21 columns)


# --- the sidebar: where the scores come from ------------------------------------------------


def source_picker() -> tuple[tuple, roc.ScoreSet] | None:
    """Sidebar controls for the score source; returns (cache key, ScoreSet), or None after saying why."""
    sent = handoff.received()
    options = list(SOURCES) if sent else [k for k in SOURCES if k != "handoff"]
    with st.sidebar:
        upload_from_link("roc", "roc_source", "builtin", upload="upload")
        source = linked(
            st.radio,
            "Scores from",
            options,
            format_func=SOURCES.get,
            key="roc_source",
            index=options.index("handoff") if sent else 0,
        )
        if source == "builtin":
            return _builtin_source()
        if source == "photon_jet":
            n = linked(st.select_slider, "Candidates", [2000, 5000, 20000, 100000], 20000, **kept(key="roc_pj_n"))
            seed = linked(st.number_input, "Seed", 0, 10_000, 0, **kept(key="roc_pj_seed"))
            return ("photon_jet", n, seed), _photon_jet(n, int(seed))
        if source == "handoff":
            s = roc.from_models(
                sent["name"], sent["labels"], sent["classes"], sent["scores"], sent["description"]
            )
            return ("handoff", sent.get("token", sent["name"])), s
    return _upload_source()


def _builtin_source():
    from ml.datasets import list_datasets

    names = [d.name for d in list_datasets(("binary", "multiclass")) if "anomaly" not in d.tags]
    choice = builtin_picker("roc", names, "breast_cancer", st.sidebar)
    if choice is None:
        return None
    _, name, options = choice.key
    models = linked(
        st.multiselect,
        "Models",
        list(roc.QUICK_MODELS),
        default=["logistic", "random_forest"],
        format_func=MODEL_TITLES.get,
        **kept(key="roc_models"),
    )
    seed = int(linked(st.number_input, "Seed", 0, 10_000, 0, **kept(key="roc_seed")))
    if not models:
        st.warning("Choose at least one model.")
        return None
    scores, labels, classes = {}, None, None
    bar = st.progress(0.0, text="Training…")
    for i, m in enumerate(models):
        with guard(f"Training {MODEL_TITLES[m]}"):
            labels, classes, scores[MODEL_TITLES[m]] = _model_scores(name, options, m, seed)
        bar.progress((i + 1) / len(models), text=f"Trained {i + 1} of {len(models)} models")
    bar.empty()
    if not scores:
        return None
    ds = cache.dataset(name, options)
    s = roc.from_models(name, labels, classes, scores, ds.description, ds.simulated)
    return ("builtin", name, options, tuple(models), seed), s


def _upload_source():
    st.markdown("**Upload a CSV** with a label column and one or more score columns (one per model).")
    with st.sidebar:
        uploader("roc", help="Labels: 0/1, booleans or strings. Scores: any numbers, one column per model.")
        up = upload_picker("roc")
        link_upload("roc", up)
    if up is None:
        st.info("Add a file in the sidebar to begin, or choose another source there.")
        return None
    table = up.table
    df = table.df
    st.caption(f"{len(df):,} rows × {df.shape[1]} columns read.")
    labels = tables.label_candidates(df)
    if not labels:
        single = [c for c in df.columns if df[c].nunique(dropna=True) == 1]
        if single:
            value = df[single[0]].dropna().iloc[0]
            st.error(
                f"Column '{_md(single[0])}' has a single class ('{_md(value)}') in all {len(df):,} rows: the ROC "
                "needs both positive and negative examples. Upload labels of both classes."
            )
        else:
            st.error(
                "No column can serve as labels: a label column needs 2 to 50 distinct values "
                "(e.g. 0/1, true/false, signal/background). Add one and upload again."
            )
        return None
    c1, c2 = st.columns(2)
    label = c1.selectbox("Label column", labels, **kept(key="roc_label"))
    candidates = tables.score_candidates(df, label)
    empty = [c for c in df.columns if c != label and not df[c].notna().any()]
    if empty:
        st.warning(
            f"Column(s) {_md(', '.join(map(repr, empty)))} are entirely empty (no values in any row), so they are "
            "not offered as scores."
        )
    skipped = [c for c in df.columns if c != label and c not in candidates and c not in labels and c not in empty]
    if skipped:
        text = df[skipped[0]].dropna().astype(str)
        example = text[pd.to_numeric(text, errors="coerce").isna()].head(2).tolist()  # the cells that are not numbers
        st.warning(
            f"Column(s) {_md(', '.join(map(repr, skipped)))} are not numbers (e.g. {_md(example)}), so they are not "
            "offered as scores. Scores must be numeric: fix those cells, or ignore this if they are not scores."
        )
    if not candidates:
        st.error("No numeric score column besides the label. Each model needs a column of numbers.")
        return None
    if st.session_state.get("_roc_cols_for") != (table.sha256, label):  # a new table: its own default scores
        st.session_state["_roc_cols_for"] = (table.sha256, label)
        st.session_state["roc_score_cols"] = candidates[: min(4, len(candidates))]
    cols = c2.multiselect(
        "Score columns (one per model)",
        candidates,
        default=candidates[: min(4, len(candidates))],
        **kept(key="roc_score_cols"),
    )
    if not cols:
        st.warning("Choose at least one score column.")
        return None
    drop = bool(st.session_state.get("roc_drop_nonfinite", False))
    try:
        return ("upload", table.sha256, label, tuple(cols), drop), _upload(
            table.sha256, label, tuple(cols), drop, table
        )
    except tables.NonFiniteScores as exc:
        st.error(_md(str(exc)))
        st.checkbox(f"Drop the {exc.n_rows:,} rows with NaN or infinite scores", key="roc_drop_nonfinite")
    except ValueError as exc:
        st.error(_md(str(exc)))
    return None


# --- the page body ---------------------------------------------------------------------------


def describe_source(scores: roc.ScoreSet, key: tuple) -> None:
    """Real vs simulated, and what the scores are."""
    if key[0] == "builtin":
        ds = cache.dataset(key[1], key[2])
        dataset_badge(ds)
        if roc.can_split(ds):
            st.caption("Scores are each model's held-out (test-split, 30%) predictions, default settings.")
        else:
            st.info(
                f"{ds.n_samples} rows are too few to hold any out (a class has a single row), so each model is "
                "scored on the rows it was trained on: the curves show how well it fits them, not how it would "
                "do on new data.",
                icon=":material/info:",
            )
    elif scores.simulated:
        st.info(
            f"**Simulated data.** {scores.description} Imitates CMS-style ECAL photon identification. "
            "To use real data, export labels and discriminants to CSV and choose *Upload*.",
            icon=":material/science:",
        )
    else:
        st.caption(_md(scores.description))
    for note in scores.notes:
        st.caption(_md(note))


def comparison(scores: roc.ScoreSet, key: tuple, positive: str, lower: bool) -> None:
    """All models' curves overlaid with an AUC / AP table, and per-class AUC for multiclass scores."""
    engines = {m: engine(key, m, positive, lower, scores) for m in scores.scores}
    if len(engines) > 1:
        st.subheader("Compare models")
        st.markdown("Each model's AUC and average precision; open the curves below to see them all together.")
        show_table(
            roc.summary_table(engines),
            hide_index=True,
            height="content",
            column_config={
                "AUC": st.column_config.NumberColumn(format="%.4f"),
                "average precision": st.column_config.NumberColumn(format="%.4f"),
            },
        )
        # Drawn when opened (a lazy expander): the overlays are the only st.plotly_chart charts of this
        # page, so a first visit loads no second copy of plotly.js beside the live view's (first visit
        # on a warm server, see bench_browser --pages).
        box = st.expander(
            "ROC and precision–recall curves of all models", key=COMPARE_CURVES, on_change="rerun",
            icon=":material/stacked_line_chart:",
        )  # fmt: skip
        if box.open:
            all_curves = {
                m: curves(key, m, str(positive), lower, 1.0, e) for m, e in engines.items()
            }  # as live_view keys it
            with box:
                c1, c2 = st.columns(2)
                c1.markdown("**ROC curves**")
                c2.markdown("**Precision–recall curves**")
                chart(overlay_figure(all_curves, kind="roc"), key="roc_overlay", container=c1)
                chart(overlay_figure(all_curves, kind="pr"), key="pr_overlay", container=c2)
    per_class = {m: roc.per_class_auc(scores, m) for m in scores.scores if scores.is_multiclass}
    per_class = {m: t for m, t in per_class.items() if t is not None}
    if per_class:
        st.subheader("Per-class AUC (one-vs-rest)")
        cols = st.columns(len(per_class))
        for col, (m, t) in zip(cols, per_class.items(), strict=True):
            col.caption(m)
            show_table(
                t, hide_index=True, height="content", container=col,
                column_config={"AUC": st.column_config.NumberColumn(format="%.4f")},
            )  # fmt: skip


def _default_threshold(e: ThresholdEngine) -> float:
    if 0.0 <= e.score_min and e.score_max <= 1.0:
        return 0.5
    return float(np.median(e.thresholds))


def _set_threshold(value: float) -> None:
    """The server sets the threshold (a picker, new data): the live slider jumps to it."""
    st.session_state["roc_t"] = float(value)
    st.session_state["roc_t_seq"] = st.session_state.get("roc_t_seq", 0) + 1


def _apply_picker(e: ThresholdEngine, beta: float) -> None:
    """on_click: compute the picked threshold and move both threshold widgets to it."""
    how = st.session_state["roc_picker"]
    try:
        if how == "best Fβ":
            t = e.best_threshold("fbeta", beta)
        elif how == "best Youden's J":
            t = e.best_threshold("youden_j")
        elif how.startswith("target signal"):
            t = e.threshold_for_tpr(st.session_state["roc_target_tpr"])
        elif how.startswith("target false"):
            t = e.threshold_for_fpr(st.session_state["roc_target_fpr"])
        else:
            t, _ = e.min_cost_threshold(
                st.session_state["roc_cost_fp"],
                st.session_state["roc_cost_fn"],
                st.session_state["roc_prior"],
            )
        _set_threshold(t)
        st.session_state.pop("roc_picker_error", None)
    except ValueError as exc:
        st.session_state["roc_picker_error"] = str(exc)


def _pickers(e: ThresholdEngine, beta: float) -> None:
    c1, c2, c3, c4 = st.columns([2.2, 1.3, 1.3, 1.0], vertical_alignment="bottom")
    how = c1.selectbox("Pick a threshold by", PICKERS, **kept(key="roc_picker"))
    if how.startswith("target signal"):
        c2.number_input("target TPR", 0.0, 1.0, 0.9, 0.01, **kept(key="roc_target_tpr"))
    elif how.startswith("target false"):
        c2.number_input("target FPR", 0.0, 1.0, 0.01, 0.001, format="%.4f", **kept(key="roc_target_fpr"))
    elif how.startswith("minimum"):
        c2.number_input("cost of a FP", 0.0, 1e6, 1.0, **kept(key="roc_cost_fp"))
        c3.number_input("cost of a FN", 0.0, 1e6, 5.0, **kept(key="roc_cost_fn"))
        prior = e.n_pos / e.n
        st.session_state.setdefault("roc_prior", round(prior, 4))
        c4.number_input(
            "positive prior",
            0.0,
            1.0,
            step=0.01,
            format="%.4f",
            key="roc_prior",
            help=f"Share of positives where the classifier will run (this data: {prior:.4f}).",
        )
    c4b = c4 if not how.startswith("minimum") else c1
    c4b.button(
        "Move threshold", on_click=_apply_picker, args=(e, beta), key="roc_pick_go",
        disabled=locked("threshold"),  # a presentation link's ?lock=threshold
    )  # fmt: skip
    if err := st.session_state.get("roc_picker_error"):
        st.error(_md(err))


@guarded_fragment("The threshold view")
def live_view(key: tuple, model: str, positive: str, negative: str, lower: bool, e: ThresholdEngine, side=None) -> None:
    if st.session_state.get("roc_t_for") != (key, model, positive, lower):
        st.session_state["roc_t_for"] = (key, model, positive, lower)
        _set_threshold(_default_threshold(e))
    lo, hi = float(e.score_min), float(e.score_max)
    if lo == hi:
        hi = lo + 1.0
    step = (hi - lo) / 1000
    sent = st.session_state.get("roc_live")  # what the live slider committed (release, Enter, a key)
    if sent and sent.get("seq") != st.session_state.get("roc_live_seen"):
        st.session_state["roc_live_seen"] = sent.get("seq")
        if sent.get("need"):  # the component lost its data (remounted): send it again
            st.session_state.pop("roc_live_has", None)
        else:
            st.session_state["roc_t"] = float(sent["t"])
    t = float(min(max(st.session_state["roc_t"], lo - step), hi + step))
    st.session_state["roc_t"] = t
    linked_t = link_value("t", t, parse=number_in(lo - step, hi + step))  # ?t=0.42: the threshold in the link
    if linked_t != t:
        _set_threshold(linked_t)
        t = linked_t

    # presenting: β and the view go to the sidebar (`side`), so the slider and the four panels share a 1280×720 screen
    c1, c2 = (side, side) if side is not None else st.columns([3, 2], vertical_alignment="bottom")
    beta = linked(c1.number_input, "β for Fβ", 0.1, 10.0, 1.0, 0.1, **kept(key="roc_beta"))
    view = (
        linked(
            c2.segmented_control,
            "View",
            ["standard", "physics"],
            default="standard",
            **kept(key="roc_view"),
            label_visibility="collapsed",
            format_func={"standard": "standard view", "physics": "particle physics"}.get,
        )
        or "standard"
    )
    m = e.metrics(t, beta)
    c = curves(key, model, positive, lower, float(beta), e)
    base, base_json = _live_base(
        key, model, positive, lower, float(beta), view, c,
        pos_name=str(positive), neg_name=str(negative), score_label=model,
    )  # fmt: skip
    # the counts (up to ~0.85 MB) and the figure go to the browser once per data and view; later reruns
    # send only the threshold and the confirmed numbers (the component asks again if it lost them)
    data_rev, revision = repr((key, model, str(positive), lower)), base["layout"]["datarevision"]
    fresh = st.session_state.get("roc_live_has") != (data_rev, revision)
    st.session_state["roc_live_has"] = (data_rev, revision)
    name_exports("roc", stem=roc_file_stem(key, model))  # PNG file names
    live_threshold(
        counts=_browser_counts(key, model, str(positive), lower, e) if fresh else None,
        data_rev=data_rev,
        figure_json=base_json if fresh else None,
        revision=revision,
        t=t,
        t_seq=st.session_state.get("roc_t_seq", 0),
        lo=lo - step,
        hi=hi + step,
        step=step,
        beta=float(beta),
        labels={"positive": positive, "negative": negative, "score": model},
        shown=SHOWN,
        confirmed={"t": t, **{k: (v if np.isfinite(v) else None) for k, v in m.items() if k != "threshold"}},
        key="roc_live",
    )
    with st.expander("Pick a threshold for me"):
        _pickers(e, beta)
    d1, d2 = st.columns(2)
    d1.download_button(
        "Metrics at this threshold (CSV)",
        roc_metrics_csv(key, model, positive, lower, t, float(beta), m),
        file_name=f"{roc_file_stem(key, model)}_t={t:.4g}_metrics_at_threshold.csv",
        mime="text/csv",
        key="roc_dl_point",
        on_click="ignore",  # a download needs no rerun (a rerun would revoke the table button's deferred file mid-click)
    )
    size_mb = len(e.thresholds) * TABLE_BYTES_PER_ROW / 1024**2  # said before anything is built
    d2.download_button(
        f"Full threshold table (CSV, gzip; ~{size_mb:,.1f} MB unzipped)",
        lambda: roc_table_gz(key, model, positive, lower, float(beta), _table_csv(key, model, positive, lower, float(beta), e)),
        file_name=f"{roc_file_stem(key, model)}_threshold_table.csv.gz",
        mime="application/gzip",
        key="roc_dl_table",
        help=f"Every metric at each of the {len(e.thresholds):,} distinct thresholds; built when pressed, "
        "gzip-compressed (about a third of the size).",
    )
    roc_panel(key, model, positive, lower, t, float(beta), e)  # Show the code and Downloads (ui/code_panel.py)


EXPLAIN = """
- **Confusion matrix**: rows are the true class, columns the prediction at this threshold. TP and TN are
  right; FP (false alarms) and FN (misses) are wrong. The row-normalised matrix shows the rates: TPR
  (recall, signal efficiency ε_S) and FNR on the positive row, FPR (background efficiency ε_B) and
  specificity on the negative row.
- **ROC curve**: TPR against FPR at every threshold. The circle is the current threshold. The area under
  it (AUC) is the chance that a random positive scores higher than a random negative (0.5 = guessing).
- **Precision–recall curve**: of the rows predicted positive, how many are (precision), against how many
  positives are found (recall). Average precision (AP) summarises it; it matters when positives are rare.
- **Score distributions**: each class's scores, binned; the dashed line is the threshold. Everything on
  the positive side of the line is predicted positive, so the overlap is where the errors live.
- **Metrics vs threshold**: how each metric changes as the threshold moves; the dashed line is the
  current threshold.
- **Particle physics view**: physicists call TPR the signal efficiency ε_S and FPR the background
  efficiency ε_B, and plot ε_S against background rejection 1/ε_B on a log axis: a tight cut keeps
  little signal but rejects almost all background.
- **Pickers**: best Fβ (β > 1 weighs recall more), best Youden's J = TPR − FPR, the strictest threshold
  reaching a target signal efficiency, the loosest keeping FPR under a target, or the threshold
  minimising the expected cost C_FP·FPR·(1−p) + C_FN·FNR·p for a class prior p.
"""


def page_body() -> None:
    """The whole ROC Explorer below the title (kept here so the page file stays configuration)."""
    e = None
    with guard("Loading the scores"):
        picked = source_picker()
        if picked is None:
            return
        key, scores = picked
        with st.sidebar:
            classes = [str(c) for c in scores.classes]
            default = str(roc.binary_positive_default(scores))
            positive = linked(
                st.selectbox,
                "Positive class",
                classes,
                index=classes.index(default) if default in classes else len(classes) - 1,
                **kept(key="roc_positive"),
                help="The class called 'positive' (signal). Others are negative (one-vs-rest).",
            )
            models = list(scores.scores)
            model = linked(st.selectbox, "Threshold applies to", models, **kept(key="roc_model"))
            lower = linked(
                st.toggle,
                "Lower score means positive",
                **kept(key="roc_lower"),
                help="For scores where small values mean positive, e.g. a raw H/E or a distance.",
            )
        positive = scores.classes[classes.index(positive)]
        negative = "rest" if scores.is_multiclass else next(c for c in scores.classes if c != positive)
        e = engine(key, model, positive, lower, scores)
    if e is None:
        return
    # The threshold view comes first, so the slider, the confusion matrix and the ROC curve share the
    # first screen (1366 × 768 too); what the data are and how to read the view follow it.
    # presenting: β and the view sit in a sidebar slot (made here: a fragment cannot open the sidebar itself)
    live_view(key, model, str(positive), str(negative), lower, e, side=st.sidebar.container() if present_active() else None)
    with guard("Describing the scores"):
        describe_source(scores, key)
        with st.expander("What am I looking at?"):
            st.markdown(EXPLAIN)
    with guard("The model comparison"):
        comparison(scores, key, positive, lower)
