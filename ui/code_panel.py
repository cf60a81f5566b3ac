"""'Show the code' and 'Downloads' on every page (issue 14).

`code_panel(script, key)` is the expander with the reproducing script (st.code has a copy button)
and a .py download. The `*_panel` functions read one page's state (the objects the page already
holds), generate its script with `ml.codegen` and offer its exports (`ml.report`): CSV tables with
the settings in their first line and their file name, PNG figures at projector resolution (every
chart's camera button, in the browser: `ui.present.chart_config`; also here when kaleido is installed),
and a one-file HTML report. Every export is built only when its button is
pressed (download_button with a callable), so showing the panel costs one script generation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ml import codegen as cg
from ml import report as rp
from ui.widgets import guard

REPORT_POINTS = 3000  # points per scatter in the HTML report (seeded subsample beyond)


# -- the two expanders --------------------------------------------------------------------------------
def code_panel(script: str, key: str, file_name: str = "reproduce.py", fresh=None) -> None:
    """An expander 'Show the code': the script (copy button top right) and a .py download.

    fresh: optional callable regenerating the script when the download is pressed (for state that a
    fragment may have moved since the panel was drawn, e.g. the anomaly threshold). The expander is lazy
    (its content is drawn only while open, `f"{key}.code_open"` in the session): a highlighted script
    re-rendered on every slider move cost most of the page's DOM changes."""
    box = st.expander("Show the code", icon=":material/code:", key=f"{key}.code_open", on_change="rerun")
    if not box.open:  # lazy: a closed panel sends nothing, so a slider move does not re-highlight the script
        return
    with box:
        st.caption(
            "Python that reproduces this result from scratch (same data and seed, split, scaling, model and "
            "parameters) and prints the numbers shown above. Copy it with the button at its top right."
        )
        st.code(script, language="python")
        st.download_button(
            "Download the script (.py)",
            script.encode("utf-8") if fresh is None else (lambda: _guarded(lambda: fresh().encode("utf-8"))),
            file_name=file_name, mime="text/x-python",
            key=f"{key}.code_dl", icon=":material/download:", on_click="ignore",
        )  # fmt: skip


def exports_panel(key: str, csvs=(), report=None, report_name: str = "report.html", figures=(), png_name: str = "") -> None:
    """An expander 'Downloads': CSV tables, the HTML report and (with kaleido) PNG figures.

    csvs: [(label, make_bytes, file_name)]; report: make_html or None; figures: [(caption, make_figure)].
    """
    box = st.expander("Downloads", icon=":material/download:", key=f"{key}.dl_open", on_change="rerun")
    if not box.open:  # lazy, like the code panel: its open state is kept across reruns, and closed it costs nothing
        return
    with box:
        cols = st.columns(2)
        for i, (label, make, name) in enumerate(csvs):
            cols[i % 2].download_button(
                label, lambda make=make: _guarded(make), file_name=name, mime="text/csv", key=f"{key}.dl.{i}",
                on_click="ignore",
            )  # fmt: skip
        if report is not None:
            st.download_button(
                "One-file HTML report (figures interactive, settings and numbers listed)",
                lambda: _guarded(lambda: report().encode("utf-8")), file_name=report_name, mime="text/html",
                key=f"{key}.dl.report", icon=":material/article:", on_click="ignore",
            )  # fmt: skip
        if figures and rp.png_available():
            for j, (caption, make_fig) in enumerate(figures):
                st.download_button(
                    f"{caption} as PNG ({rp.PNG_SIZE[0]}×{rp.PNG_SIZE[1]})",
                    lambda make_fig=make_fig: _guarded(lambda: rp.figure_png(make_fig())),
                    file_name=f"{png_name or 'figure'}_{j}.png", mime="image/png", key=f"{key}.dl.png.{j}",
                    on_click="ignore",
                )  # fmt: skip
        else:
            st.caption(
                "Figures as PNG: the camera icon at the top right of each chart (shown on hover) saves it in your "
                "browser as a 1920×1080 image with presentation-size text, named after the data, model and "
                "parameters."
            )
        st.caption("CSV files start with one '# …' line naming the data, model and parameters: "
                   "read them with `pd.read_csv(path, skiprows=1)`.")  # fmt: skip


def _panel(fn):
    """A page panel that turns any failure into a message in the page (never a traceback)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with guard("Show the code and downloads"):
            return fn(*args, **kwargs)

    return wrapper


def _guarded(make) -> bytes:
    try:
        return make()
    except Exception as exc:  # noqa: BLE001 - a download must never crash the page
        return f"# This export failed: {type(exc).__name__}: {exc}\n".encode()


# -- helpers ------------------------------------------------------------------------------------------
def _filename(choice) -> str:
    """The uploaded file's name (for the script and the exports), '' for built-in data."""
    if not getattr(choice, "is_upload", False):
        return ""
    from ui.data_source import uploads

    up = uploads().get(choice.key[1])
    return up.filename if up is not None else str(choice.title).split(" → ")[0]


def _data(choice, task=None) -> dict:
    return cg.data_state(choice.key, filename=_filename(choice), task=task)


def _meta(page: str, data: dict, model: str, params: dict, **more) -> dict:
    return {"page": page, "data": cg.data_title(data), "model": model, "parameters": cg.params_text(params),
            **{k.replace("_", " "): v for k, v in more.items()}}  # fmt: skip


def _sub(n: int, limit: int = REPORT_POINTS, seed: int = 0) -> np.ndarray:
    return np.arange(n) if n <= limit else np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def _scatter(x, y, colour=None, title="", xt="", yt="", discrete=True) -> go.Figure:
    idx = _sub(len(x))
    x, y = np.asarray(x)[idx], np.asarray(y)[idx]
    fig = go.Figure()
    if colour is not None and discrete:
        c = np.asarray(colour)[idx]
        for v in pd.unique(c):
            m = c == v
            fig.add_trace(go.Scattergl(x=x[m], y=y[m], mode="markers", name=str(v), marker={"size": 6}))
    else:
        marker = {"size": 6} if colour is None else {"size": 6, "color": np.asarray(colour)[idx], "colorscale": "Viridis", "showscale": True}
        fig.add_trace(go.Scattergl(x=x, y=y, mode="markers", marker=marker, showlegend=False))
    fig.update_layout(title=title, xaxis_title=xt, yaxis_title=yt, template="plotly_white", height=560)
    return fig


def _report(title, meta, numbers, figures, script, tables=None, notes=()):
    return lambda: rp.html_report(title, meta, numbers, [(c, f()) for c, f in figures], tables or {}, notes, script)


# -- per page -----------------------------------------------------------------------------------------
@_panel
def classification_panel(run) -> None:
    """Classification: the script, test-row predictions with class scores, the report."""
    from sklearn.pipeline import Pipeline

    prep = isinstance(run.est, Pipeline) and "prep" in run.est.named_steps
    data = _data(run.data, "multiclass")
    p = run.prep
    script = cg.classification_code(
        data, run.spec.name, run.params, test_size=p.test_size, seed=p.seed, scaling=p.scaling, prep=prep,
        held_out=run.held_out, model_title=run.spec.title,
    )  # fmt: skip
    code_panel(script, "cls", rp.file_name("classification", cg.data_slug(data), run.spec.name, run.params, "code", "py"))
    meta = _meta("Classification", data, run.spec.title, run.params, test_fraction=p.test_size, seed=p.seed, scaling=p.scaling)
    names = list(run.class_names)

    def table() -> pd.DataFrame:
        pred = run.est.predict(run.X_test)
        scores = run.est.predict_proba(run.X_test) if hasattr(run.est, "predict_proba") else None
        named = lambda v: np.asarray([names[list(run.classes).index(c)] for c in v], dtype=object)  # noqa: E731
        return rp.predictions_table(run.X_test, named(run.y_test), named(pred), scores, names, run.X_test.index)

    def numbers() -> dict:
        return {"train accuracy": float(np.mean(run.est.predict(run.X_train) == run.y_train)),
                "test accuracy": float(np.mean(run.est.predict(run.X_test) == run.y_test))}  # fmt: skip

    def confusion() -> go.Figure:
        from sklearn.metrics import confusion_matrix

        cm = confusion_matrix(run.y_test, run.est.predict(run.X_test), labels=run.classes)
        fig = go.Figure(go.Heatmap(z=cm, x=names, y=names, text=cm, texttemplate="%{text}", colorscale="Blues"))
        fig.update_layout(title="Confusion matrix (test rows)", xaxis_title="predicted", yaxis_title="true",
                          yaxis_autorange="reversed", height=520)  # fmt: skip
        return fig

    stem = lambda what, ext: rp.file_name("classification", cg.data_slug(data), run.spec.name, run.params, what, ext)  # noqa: E731
    exports_panel(
        "cls",
        [("Test-row predictions with class scores (CSV)", lambda: rp.csv_with_meta(table(), meta), stem("predictions", "csv"))],
        lambda: _report("Classification", meta, numbers(), [("Confusion matrix", confusion)], script,
                        {"Test-row predictions": table()})(),  # fmt: skip
        stem("report", "html"), [("Confusion matrix", confusion)], stem("confusion", "png").removesuffix(".png"),
    )


@_panel
def regression_panel(setup, fitted) -> None:
    """Regression: the script, test-row predictions with residuals, the report."""
    if setup.ds is None:
        return
    from sklearn.pipeline import Pipeline

    est = None if fitted is None else fitted.estimator
    prep = isinstance(est, Pipeline) and "prep" in est.named_steps
    data = _data(setup.choice, "regression")
    params = dict(setup.params)
    if est is not None:
        from ml.models import entry as model_entry

        params, _ = model_entry(setup.model, "regression").fit_to_data(params, len(fitted.X_train), fitted.X_train.shape[1])
    script = cg.regression_code(
        data, setup.model, params, test_size=setup.test_size, seed=setup.seed, scaling=setup.scaling, prep=prep,
        model_title=setup.title, photoz=bool(setup.photoz),
    )  # fmt: skip
    stem = lambda what, ext: rp.file_name("regression", cg.data_slug(data), setup.model, params, what, ext)  # noqa: E731
    code_panel(script, "reg", stem("code", "py"))
    if fitted is None:  # a network not trained yet: the code, but nothing to export
        return
    meta = _meta("Regression", data, setup.title, params, test_fraction=setup.test_size, seed=setup.seed, scaling=setup.scaling)

    def table() -> pd.DataFrame:
        return rp.predictions_table(fitted.X_test, fitted.y_test, fitted.pred_test, row_ids=fitted.X_test.index)

    def numbers() -> dict:
        from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

        y, p = fitted.y_test, fitted.pred_test
        return {"test R²": r2_score(y, p), "test RMSE": root_mean_squared_error(y, p), "test MAE": mean_absolute_error(y, p)}

    def pvt() -> go.Figure:
        fig = _scatter(fitted.y_test, fitted.pred_test, title="Predicted vs true (test rows)", xt="true", yt="predicted")
        lo, hi = float(np.nanmin(fitted.y_test)), float(np.nanmax(fitted.y_test))
        fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="perfect", line={"dash": "dash"}))
        return fig

    exports_panel(
        "reg",
        [("Test-row predictions and residuals (CSV)", lambda: rp.csv_with_meta(table(), meta), stem("predictions", "csv"))],
        lambda: _report("Regression", meta, numbers(), [("Predicted vs true", pvt)], script, {"Test-row predictions": table()})(),
        stem("report", "html"), [("Predicted vs true", pvt)], stem("pred_vs_true", "png").removesuffix(".png"),
    )


@_panel
def clustering_panel(res) -> None:
    """Clustering: the script, every row's cluster label, the report."""
    s = res.setup
    data = _data(s.choice)
    labelled = s.choice.ds.y is not None and s.choice.ds.task in ("binary", "multiclass")
    params = dict(s.params)
    script = cg.clustering_code(
        data, s.entry.name, params, scaling=s.scaling, seed=s.seed, cut_mode=s.cut_mode, cut_height=res.cut_height,
        n_rows=res.prep.n_rows, n_features=res.prep.n_features, labelled=labelled, algorithm_title=s.entry.title,
    )  # fmt: skip
    stem = lambda what, ext: rp.file_name("clustering", cg.data_slug(data), s.entry.name, params, what, ext)  # noqa: E731
    code_panel(script, "clu", stem("code", "py"))
    meta = _meta("Clustering", data, s.entry.title, params, scaling=s.scaling, seed=s.seed)

    def table() -> pd.DataFrame:
        cols = {"cluster": res.labels}
        if labelled:
            cols["true_label"] = s.choice.ds.y.to_numpy()
        return rp.labelled_rows(s.choice.ds.X, cols)

    def numbers() -> dict:
        from ml import clustering as mlc

        out = {"clusters": res.fit.n_clusters, "noise fraction": res.fit.noise_fraction}
        scores, _ = mlc.internal_scores(res.prep.X, res.labels, seed=s.seed)
        out |= {k.replace("_", " "): ("—" if v is None else v) for k, v in scores.items()}
        if labelled:
            out["adjusted Rand index"] = mlc.external_scores(s.choice.ds.y.to_numpy(), res.labels)["ari"]
        return out

    def fig() -> go.Figure:
        X = res.prep.X
        j = 1 if X.shape[1] > 1 else 0
        f = res.prep.features
        return _scatter(X[:, 0], X[:, j], res.labels, "Clusters (first two features, scaled)", f[0], f[j])

    exports_panel(
        "clu",
        [("Cluster label of every row (CSV)", lambda: rp.csv_with_meta(table(), meta), stem("labels", "csv"))],
        lambda: _report("Clustering", meta, numbers(), [("Clusters", fig)], script)(),
        stem("report", "html"), [("Clusters", fig)], stem("clusters", "png").removesuffix(".png"),
    )


@_panel
def projection_panel(setup) -> None:
    """Dimensionality reduction: the script, the embedding of every row (once computed), the report."""
    from ui import projection as proj_ui

    data = _data(setup.choice)
    params = dict(setup.params)
    script = cg.projection_code(
        data, setup.entry.name, params, scaling=setup.scaling, seed=setup.seed, n_rows=len(setup.A),
        n_features=setup.A.shape[1], method_title=setup.entry.title,
    )  # fmt: skip
    stem = lambda what, ext: rp.file_name("projection", cg.data_slug(data), setup.entry.name, params, what, ext)  # noqa: E731
    code_panel(script, "proj", stem("code", "py"))
    meta = _meta("Dimensionality reduction", data, setup.entry.title, params, scaling=setup.scaling, seed=setup.seed)
    last = st.session_state.get(f"{proj_ui.PAGE}.last")
    proj = last[1] if last is not None and last[0] == setup.data_key and last[1].name == setup.entry.name else None
    if proj is None:
        exports_panel("proj", [], None)
        return
    E = np.asarray(proj.embedding)
    rows = setup.rows[np.asarray(proj.rows)]

    def table() -> pd.DataFrame:
        cols = {f"component_{i + 1}": E[:, i] for i in range(E.shape[1])}
        if setup.ds.y is not None:
            cols["label"] = np.asarray(setup.ds.y)[rows]
        return rp.labelled_rows(None, cols, rows=rows)

    def numbers() -> dict:
        from ml import projection as P

        out = {"trustworthiness (k = 5)": P.trustworthiness(setup.A[proj.rows], E), "rows embedded": len(rows)}
        ratio = getattr(proj.estimator, "explained_variance_ratio_", None)
        if ratio is not None:
            out |= {f"explained variance PC{i + 1}": float(r) for i, r in enumerate(np.asarray(ratio)[: E.shape[1]])}
        return out

    def fig() -> go.Figure:
        y = None if setup.ds.y is None else np.asarray(setup.ds.y)[rows]
        disc = setup.ds.task in ("binary", "multiclass")
        return _scatter(E[:, 0], E[:, min(1, E.shape[1] - 1)], y, f"{setup.entry.title} embedding", "component 1",
                        "component 2", discrete=disc)  # fmt: skip

    exports_panel(
        "proj",
        [("Embedding of every row (CSV)", lambda: rp.csv_with_meta(table(), meta), stem("embedding", "csv"))],
        lambda: _report("Dimensionality reduction", meta, numbers(), [("Embedding", fig)], script)(),
        stem("report", "html"), [("Embedding", fig)], stem("embedding", "png").removesuffix(".png"),
    )


def _anomaly_threshold(name: str) -> dict:
    """The anomaly page's threshold as its fragment last set it: contamination, or a score."""
    from ui.anomaly import PAGE

    ss = st.session_state
    if ss.get(f"{PAGE}.mode", "contamination") == "score" and ss.get(f"{PAGE}.threshold.{name}") is not None:
        return {"threshold": float(ss[f"{PAGE}.threshold.{name}"])}
    return {"contamination": float(ss.get(f"{PAGE}.contamination", 0.05))}


@_panel
def anomaly_panel(res) -> None:
    """Anomaly detection: the script, every row's score (and label), the report."""
    if res is None:
        return
    data = _data(res.choice)
    params = dict(res.params)
    lab = res.labels
    anomaly_value = None
    if lab.y is not None and lab.key and lab.key[0] == "value":
        raw = res.choice.ds.y.to_numpy()
        anomaly_value = next((v for v in pd.unique(raw) if str(v) == lab.key[1]), lab.key[1])
    def make_script() -> str:
        return cg.anomaly_code(
            data, res.entry.name, params, seed=res.seed, anomaly_value=anomaly_value, labelled=lab.y is not None,
            detector_title=res.entry.title, **_anomaly_threshold(res.entry.name),
        )  # fmt: skip

    script = make_script()
    stem = lambda what, ext: rp.file_name("anomaly", cg.data_slug(data), res.entry.name, params, what, ext)  # noqa: E731
    code_panel(script, "ano", stem("code", "py"), make_script)
    meta = _meta("Anomaly detection", data, res.entry.title, params, seed=res.seed, labels=lab.text)
    scores = np.asarray(res.scores, dtype=float)

    def table() -> pd.DataFrame:
        cols = {"anomaly_score": scores, "rank": np.argsort(np.argsort(-scores, kind="stable"), kind="stable") + 1}
        if lab.y is not None:
            cols["is_anomaly_label"] = lab.y
        return rp.labelled_rows(res.choice.ds.X, cols)

    def numbers() -> dict:
        if lab.y is None:
            return {"rows": len(scores)}
        from ml import detectors

        return {k.replace("_", " "): v for k, v in detectors.evaluate(lab.y, scores).items()}

    def fig() -> go.Figure:
        f = go.Figure()
        if lab.y is None:
            f.add_trace(go.Histogram(x=scores, nbinsx=60, name="all rows"))
        else:
            for v, name in ((0, "normal"), (1, "anomaly")):
                f.add_trace(go.Histogram(x=scores[lab.y == v], nbinsx=60, name=name, opacity=0.7))
        f.update_layout(barmode="overlay", title="Anomaly scores", xaxis_title="score (higher = more anomalous)",
                        yaxis_title="rows", template="plotly_white", height=520)  # fmt: skip
        return f

    exports_panel(
        "ano",
        [("Anomaly score of every row (CSV)", lambda: rp.csv_with_meta(table(), meta), stem("scores", "csv"))],
        lambda: _report("Anomaly detection", meta, numbers(), [("Score distribution", fig)], script)(),
        stem("report", "html"), [("Score distribution", fig)], stem("scores", "png").removesuffix(".png"),
    )


def roc_source(key: tuple) -> tuple[dict, str]:
    """(codegen source dict, dataset slug) of the ROC Explorer's source key."""
    kind = key[0]
    if kind == "builtin":
        _, name, options, models, seed = key
        return {"kind": "builtin", "data": cg.data_state(("builtin", name, options)), "seed": int(seed)}, name
    if kind == "photon_jet":
        return {"kind": "photon_jet", "n": int(key[1]), "seed": int(key[2])}, "photon_jet"
    if kind == "upload":
        from ui.data_source import uploads

        up = uploads().get(key[1])
        fn = up.filename if up is not None else "scores.csv"
        return {"kind": "upload", "filename": fn, "label": key[2], "drop_nonfinite": bool(key[4])}, fn.rsplit(".", 1)[0]
    return {"kind": "handoff", "name": str(key[1])}, "handoff"


def roc_file_stem(key: tuple, model: str) -> str:
    _, ds = roc_source(key)
    return f"roc_{rp.slug(ds, 40)}_{rp.slug(model, 40)}"


def roc_meta(key: tuple, model: str, positive, lower: bool, t: float | None, beta: float) -> dict:
    _, ds = roc_source(key)
    meta = {"page": "ROC Explorer", "data": ds, "scores": model, "positive class": positive,
            "lower score means positive": lower, "beta": beta}  # fmt: skip
    if t is not None:
        meta["threshold"] = f"{t:.6g}"
    return meta


def roc_metrics_csv(key: tuple, model: str, positive, lower: bool, t: float, beta: float, metrics: dict) -> bytes:
    """The metrics at one threshold as CSV, its first line naming the data, score and threshold."""
    return rp.csv_with_meta(pd.DataFrame([metrics]), roc_meta(key, model, positive, lower, t, beta))


def roc_table_gz(key: tuple, model: str, positive, lower: bool, beta: float, gz: bytes) -> bytes:
    """The gzipped threshold table with a settings line in front (a second gzip member: gunzip and
    gzip.decompress read both as one file)."""
    import gzip

    line = rp.meta_line(roc_meta(key, model, positive, lower, None, beta)) + "\n"
    return gzip.compress(line.encode("utf-8")) + gz


@_panel
def roc_panel(key: tuple, model: str, positive, lower: bool, t: float, beta: float, e) -> None:
    """ROC Explorer (inside its threshold fragment): the script for the score and threshold shown,
    the scores with labels and the metrics at this threshold as CSV, the report."""
    from ui.roc import MODEL_TITLES

    source, ds = roc_source(key)
    if source["kind"] == "builtin":
        by_title = {v: k for k, v in MODEL_TITLES.items()}
        source["model_name"] = by_title.get(model, by_title.get(str(model).lower(), "logistic"))
    script = cg.roc_code(source, model, positive, threshold=t, lower=lower, beta=beta)
    stem = roc_file_stem(key, model)
    code_panel(script, "roc", f"{stem}_code.py")
    meta = roc_meta(key, model, positive, lower, t, beta)

    def numbers() -> dict:
        m = e.metrics(t, beta)
        return {"AUC": e.auc, "average precision": e.average_precision, **m}

    def curve() -> go.Figure:
        tab = e.table(beta)
        idx = np.unique(np.linspace(0, len(tab) - 1, min(len(tab), 1000)).astype(int))
        m = e.metrics(t, beta)
        f = go.Figure(go.Scatter(x=tab["fpr"].to_numpy()[idx], y=tab["tpr"].to_numpy()[idx], mode="lines", name=f"{model} (AUC {e.auc:.3f})"))
        f.add_trace(go.Scatter(x=[m["fpr"]], y=[m["tpr"]], mode="markers", marker={"size": 14}, name=f"threshold {t:.4g}"))
        f.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot"}, name="chance"))
        f.update_layout(title="ROC curve", xaxis_title="false positive rate", yaxis_title="true positive rate",
                        template="plotly_white", height=560)  # fmt: skip
        return f

    exports_panel(
        "roc",
        [],  # the page's own CSV buttons (metrics at this threshold, full table) sit just above
        lambda: _report("ROC Explorer", meta, numbers(), [("ROC curve", curve)], script)(),
        f"{stem}_report.html", [("ROC curve", curve)], f"{stem}_roc",
    )
