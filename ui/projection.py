"""Streamlit glue for the Dimensionality reduction page: sidebar, cached fits, and one function per view.

PCA is fitted once per (data, scaling) with all components (`ui.cache.pca_full`); its sliders
are queries. Other projectors are fitted once per (data, scaling, method, parameters, seed) and
kept in a bounded shared store (`ui.training.cached`), so going back to a setting is instant.
Slow fits (UMAP, t-SNE past a few thousand rows, the autoencoders) keep the previous embedding on
screen marked stale and run on a button.
"""

from __future__ import annotations

import hashlib
import html
import json
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from ml import projection as P
from ml import registry
from ml.plots import projection as plots
from ui import cache, training
from ui.data_source import data_source
from ui.live_plot import live_plot
from ui.live_slider import Slider, live_sliders, texts
from ui.present import chart
from ui.state import accept_key_in_url, bound, clamp_kept, kept, linked
from ui.state import tabs as linked_tabs
from ui.widgets import guard, guarded_fragment, metric_grid, param_widgets

PAGE = "proj"
DATASETS = [
    "digits", "iris", "wine", "breast_cancer", "sdss", "blobs_nd", "swiss_roll", "s_curve", "cocktail_party",
]  # fmt: skip
DEFAULT_DATASET = "digits"
STORE, STORE_SIZE = "projection", 24
AUTO_ROWS = {"umap": 2500, "tsne": 1000}  # above this many rows UMAP / t-SNE wait for the Run button
COMPARE_DEFAULT = ["pca", "umap"]
IMAGE_SAMPLES = 10


@dataclass
class Setup:
    """Everything that defines a result on this page."""

    choice: object
    scaling: str
    entry: registry.Entry
    params: dict
    seed: int
    A: np.ndarray  # scaled, finite numeric matrix
    rows: np.ndarray  # rows of the dataset kept in A
    names: list[str]
    notes: list[str]

    @property
    def data_key(self) -> tuple:
        return (self.choice.key, self.scaling)

    @property
    def ds(self):
        return self.choice.ds

    def images(self, idx, values=None, shape=None) -> np.ndarray:
        """Rows `idx` (or scaled `values` for them) as images in the data's own units."""
        raw = self.ds.X[self.names].to_numpy(dtype=float)[self.rows]
        out = raw[idx] if values is None else P.unscale(values, raw, self.scaling)
        return out.reshape(-1, *(shape or P.image_shape(self.names)))

    def fit_key(self, name: str | None = None, params: dict | None = None) -> tuple:
        name = name or self.entry.name
        p = self.params if params is None else params
        return (*self.data_key, name, tuple(sorted(p.items())), self.seed)


def _md(text) -> str:
    """User text (column names, labels) safe for markdown."""
    out = html.escape(str(text))
    for ch in "\\`*_{}[]()#+!|~<>$":
        out = out.replace(ch, "\\" + ch)
    out = out.replace("://", "\\://")  # a bare "http://…" would become a live link
    return out


# -- sidebar ---------------------------------------------------------------------------------------
def sidebar() -> Setup | None:
    choice = data_source(PAGE, target="optional", datasets=DATASETS, default=DEFAULT_DATASET)
    sb = st.sidebar
    sb.header("Method")
    entries = {e.name: e for e in registry.entries("projector")}
    accept_key_in_url("method", list(entries))  # ?method=umap (the registry key) works in links
    name = linked(sb.selectbox, "Method", list(entries), format_func=lambda n: entries[n].title, **bound("method"))
    entry = entries[name]
    sb.caption(entry.description)
    params = param_widgets(entry.params, f"{PAGE}.{name}", sb, persist=True)
    scaling = linked(
        sb.radio, "Scaling", P.SCALINGS, format_func=P.SCALING_LABELS.get, help="Applied to every feature before any method.",
        **bound("scaling"),
    )  # fmt: skip
    seed = int(linked(sb.number_input, "Seed", 0, 9999, 0, **kept(key=f"{PAGE}.seed")))
    if choice is None:
        return None
    with guard("Preparing the data"):
        A, rows, names, notes = cache.projection_matrix(choice.key, scaling, _X=choice.ds.X)
        return Setup(choice, scaling, entry, params, seed, A, rows, names, list(notes))
    return None


# -- shared pieces ---------------------------------------------------------------------------------
def colouring(setup: Setup, key: str = "colour"):
    """The colouring chosen in the view (label or a feature): (values over A's rows, kind, label, class names)."""
    ds = setup.ds
    options = (["label"] if ds.y is not None else []) + ["none"] + setup.names
    pick = linked(
        st.selectbox, "Colour by",
        options,
        format_func=lambda o: f"label ({ds.target_name})" if o == "label" else ("no colour" if o == "none" else o),
        **kept(key=f"{PAGE}.{key}"),
    )  # fmt: skip
    if pick == "none":
        return None, None, "", ()
    if pick == "label":
        y = np.asarray(ds.y)[setup.rows]
        kind = "class" if ds.task in ("binary", "multiclass") else "value"
        return y, kind, str(ds.target_name), tuple(ds.class_names)
    return ds.X[pick].to_numpy(dtype=float)[setup.rows], "value", pick, ()


def hover_values(setup: Setup, idx):
    """Up to six raw feature values per point for the hover; for images, the image itself as text."""
    if P.image_shape(setup.names) is not None:
        return plots.glyphs(setup.images(idx))
    raw = setup.ds.X[setup.names[: plots.HOVER_FEATURES]]
    return {c: raw[c].to_numpy(dtype=float)[setup.rows][idx] for c in raw.columns}


def _fit(setup: Setup, name: str, params: dict) -> P.Projection:
    """A registry projector fitted on the page's data, once per key (bounded shared store)."""
    entry = registry.get("projector", name)
    key = setup.fit_key(name, params)
    if entry.is_torch:
        return _fit_torch(setup, entry, params, key)
    return training.cached(STORE, key, lambda: P.project(name, setup.A, params, setup.seed), STORE_SIZE)


def _fit_torch(setup: Setup, entry, params: dict, key: tuple) -> P.Projection:
    hit = training.lookup(STORE, key, STORE_SIZE)
    if hit is not None:
        return hit
    rows = P.subsample(len(setup.A), entry.extra.get("row_budget") or P.ROW_BUDGET.get(entry.name), setup.seed)
    p, notes = entry.fit_to_data(entry.validate(params), len(rows), setup.A.shape[1])
    est, secs = training.fit_with_progress(
        ("projection", *key), lambda: entry.make(p, setup.seed), setup.A[rows], None,
        task="projection", is_torch=True, title=entry.title,
    )  # fmt: skip
    proj = P.Projection(entry.name, est, np.asarray(est.embedding_), rows, secs, p, notes)
    training.store(STORE, STORE_SIZE).put(key, proj)
    return proj


def _pca_projection(setup: Setup, params: dict) -> P.Projection:
    """PCA from the one full fit: the first k columns (whitened on request). No refit."""
    full = cache.pca_full(setup.choice.key, setup.scaling, _A=setup.A, _names=tuple(setup.names))
    p, notes = registry.get("projector", "pca").fit_to_data(params, *setup.A.shape)
    E = full.embedding(p["n_components"])
    if p.get("whiten"):
        E = E / np.sqrt(np.maximum(full.explained_variance_[: E.shape[1]], 1e-12))
    return P.Projection("pca", full, E, np.arange(len(E)), full.fit_time, p, notes + full.notes)


def _is_slow(setup: Setup, name: str) -> bool:
    entry = registry.get("projector", name)
    if entry.is_torch:
        return True
    limit = AUTO_ROWS.get(name)
    return limit is not None and min(len(setup.A), entry.extra.get("row_budget") or len(setup.A)) > limit


def _slow_note(setup: Setup, name: str) -> str:
    entry = registry.get("projector", name)
    n = min(len(setup.A), entry.extra.get("row_budget") or len(setup.A))
    if name == "umap":
        extra = "" if P.umap_is_warm() else " The first UMAP fit on this server also compiles its code (10-15 s)."
        return f"UMAP on {n:,} rows takes several seconds on this machine.{extra}"
    if name == "tsne":
        return f"t-SNE on {n:,} rows takes about {max(2, n // 150)} s on this machine."
    return f"{entry.title} trains for {setup.params.get('epochs', '?')} epochs on {n:,} rows; progress is shown."


def draw_embedding(setup: Setup, proj: P.Projection, colour, kind, label, classes, *, title="", dims=2, key=""):
    col = None if colour is None else colour[proj.rows]
    fig = plots.embedding_figure(
        proj.embedding, col, kind, class_names=classes, colour_label=label, title=title, dims=dims,
        hover=hover_values(setup, proj.rows), axis_prefix="PC" if proj.name == "pca" else "component",
        seed=setup.seed,
    )  # fmt: skip
    chart(fig, key=key or None)


def _k_slider(c, label: str, high: int, default: int, key: str, **kw) -> int:
    """A 1 … high integer slider; with only one possible value, that value and a note instead."""
    if high <= 1:
        c.caption(f"{label}: 1 (the only value this data allows)")
        return 1
    clamp_kept(key, 1, high)  # a count kept from a wider table must fit this one
    return int(linked(c.slider, label, 1, high, min(max(default, 1), high), **kw, **kept(key=key)))


# -- views -----------------------------------------------------------------------------------------
def embedding_view(setup: Setup) -> None:
    """The current method's embedding, coloured by label or a feature; slow fits on a button."""
    name = setup.entry.name
    c1, c2 = st.columns([3, 1])
    with c1:
        colour, kind, label, classes = colouring(setup)
    dims_max = int(setup.params.get("n_components", setup.params.get("latent_dim", 2)))
    with c2:
        dims = 3 if dims_max >= 3 and linked(st.toggle, "3-D", **kept(key=f"{PAGE}.3d")) else 2
    key = setup.fit_key()
    slot = st.empty()
    if name == "pca":
        proj = _pca_projection(setup, setup.params)
    elif training.lookup(STORE, key, STORE_SIZE) is None and _is_slow(setup, name):
        last = st.session_state.get(f"{PAGE}.last")
        gate = st.empty()
        with gate.container():
            st.info(_slow_note(setup, name) + " Press **Run** to fit with these settings.")
            run = st.button(f"Run {setup.entry.title}", type="primary", key=f"{PAGE}.run")
        if not run:
            if last is not None and last[0] == setup.data_key:
                with slot.container():
                    st.warning(f"Stale: this is the previous result ({last[1].name}); the settings have changed.")
                    draw_embedding(setup, last[1], colour, kind, label, classes, dims=dims, key="stale")
            return
        gate.empty()
        proj = _fit_with_stale(setup, name, slot, colour, kind, label, classes, dims)
    else:
        proj = _fit_with_stale(setup, name, slot, colour, kind, label, classes, dims)
    st.session_state[f"{PAGE}.last"] = (setup.data_key, proj)
    with slot.container():
        draw_embedding(setup, proj, colour, kind, label, classes, dims=dims, key="embedding")
        for note in proj.notes + setup.notes:
            st.caption(_md(note))
    tw = cache.trust(*setup.data_key, key, _A=setup.A[proj.rows], _E=proj.embedding)
    metric_grid(
        [
            ("Trustworthiness (k = 5)", tw, f"{tw:.3f}"),
            ("Fit time", proj.fit_time, f"{proj.fit_time:.2f} s"),
            ("Rows embedded", len(proj.rows), f"{len(proj.rows):,}"),
            ("Dimensions", proj.embedding.shape[1], f"{setup.A.shape[1]} → {proj.embedding.shape[1]}"),
        ],
        columns=4,
    )
    if name in ("autoencoder", "vae"):
        _autoencoder_extras(setup, proj)


def _fit_with_stale(setup, name, slot, colour, kind, label, classes, dims) -> P.Projection:
    """Fit, keeping the previous embedding on screen marked stale while the new one computes."""
    last = st.session_state.get(f"{PAGE}.last")
    if training.lookup(STORE, setup.fit_key(), STORE_SIZE) is None and last is not None and last[0] == setup.data_key:
        with slot.container():
            st.warning("Stale: the previous result, shown while the new one is computed …")
            draw_embedding(setup, last[1], colour, kind, label, classes, dims=dims, key="stale")
    if setup.entry.is_torch:  # the live training panel shows progress
        return _fit(setup, name, setup.params)
    text = f"Fitting {setup.entry.title} …"
    if name == "umap" and not P.umap_is_warm():
        text += " (the first UMAP fit on this server also compiles its code: 10-15 s more)"
    with st.spinner(text, show_time=True):
        return _fit(setup, name, setup.params)


def _autoencoder_extras(setup: Setup, proj: P.Projection) -> None:  # noqa: D103
    net = proj.estimator
    err = net.reconstruction_error(setup.A[proj.rows])
    st.caption(
        f"Trained on {net.device_} for {net.n_epochs_} epochs{_stop_text(net)}. Mean "
        f"reconstruction error per row {np.mean(err):.4g} (median {np.median(err):.4g}); the anomaly page "
        "reads the same per-row error as an anomaly score."
    )
    _loss_chart(net)
    shape = P.image_shape(setup.names)
    if shape is not None:
        idx = _sample_images(setup)
        recon = net.inverse_transform(net.transform(setup.A[idx]))
        chart(
            plots.image_mosaic(
                np.concatenate([setup.images(idx), setup.images(idx, recon)]), rows=2,
                row_titles=("original", "rebuilt"), title="Autoencoder reconstructions",
            ),
            key="ae_images",
        )  # fmt: skip


def _loss_chart(net) -> None:
    """The finished training's loss per epoch, train (dashed) vs validation (solid): the live panel's chart
    goes when training ends, this one stays."""
    from ml.plots import FONT_SIZE
    from ml.plots.training import history_figure

    fig = history_figure(net.history_, "projection")
    what = "reconstruction MSE + β·KL" if getattr(net, "variational", False) else "reconstruction MSE"
    fig.update_yaxes(title_text=f"loss: {what}", row=1, col=1)
    fig.update_layout(  # the chart's own title instead of the one-panel subplot title; room for the legend under it
        title=dict(text="Training loss per epoch", font=dict(size=FONT_SIZE + 3)), margin=dict(t=86)
    )
    fig.layout.annotations = ()
    chart(fig, key="ae_loss")


def _stop_text(net) -> str:
    reason = str(getattr(net, "stop_reason_", "") or "")
    return "" if reason in ("", "epochs", "completed") else f" (stopped: {reason})"


def _sample_images(setup: Setup) -> np.ndarray:
    """IMAGE_SAMPLES rows to show as images: one per class when labelled (first of each), else the first rows."""
    y = None if setup.ds.y is None else np.asarray(setup.ds.y)[setup.rows]
    if y is not None and setup.ds.task in ("binary", "multiclass"):
        firsts = [int(np.flatnonzero(y == c)[0]) for c in np.unique(y)][:IMAGE_SAMPLES]
        if len(firsts) >= 2:
            return np.array(firsts)
    return np.arange(min(IMAGE_SAMPLES, len(setup.A)))


def pca_view(setup: Setup) -> None:
    full = cache.pca_full(setup.choice.key, setup.scaling, _A=setup.A, _names=tuple(setup.names))
    for note in full.notes + setup.notes:
        st.caption(_md(note))
    _pca_queries(setup, full)
    _biplot(setup, full)
    if P.image_shape(setup.names) is not None:
        st.subheader("Eigen-images and reconstruction")
        _eigen_images(setup, full)
    st.subheader("Downstream accuracy against the number of components")
    _accuracy(setup)


@guarded_fragment("The PCA view")
def _pca_queries(setup: Setup, full: P.PCAFit) -> None:
    """The component and target sliders with what they move: four numbers and the marks of two live
    charts (built once per data and scaling), every value's marks precomputed: a move is answered in
    the browser (ui.live_slider), the server only keeps the values."""
    n = full.n_components
    err = full.reconstruction_errors()
    cum = full.cumulative
    ks = Slider(f"{PAGE}.pca_k", "Components k", 1, max(n, 1), min(2, n), url=f"{PAGE}.pca_k")
    ts = Slider(f"{PAGE}.target", "Variance target (%)", 50, 99, int(P.DEFAULT_TARGET * 100), url=f"{PAGE}.target", fmt="{} %")
    sliders = [ks, ts] if n > 1 else [ts]
    if n <= 1:
        st.caption("Components k: 1 (the only value this data allows)")
    k_t = {t: full.n_for_target(t / 100) for t in ts.values()}
    live = live_sliders(
        sliders, key=f"{PAGE}.pca_live", reset=_revision(setup.data_key),
        tiles=[
            texts(ts, lambda t: [f"Components for {t}%", f"{k_t[t]} of {n}", k_t[t]]),
            texts(ks, lambda k: [f"Variance kept by {k}", f"{cum[k - 1]:.1%}", float(cum[k - 1])]),
            texts(ks, lambda k: [f"Reconstruction error, k = {k}", f"{err[k - 1]:.3g}", float(err[k - 1])]),
            {"static": ["Fit time (all components)", f"{full.fit_time * 1000:.0f} ms", full.fit_time]},
        ],
        columns=4,
    )  # fmt: skip
    scree, loadings, n_shown = cache.pca_live_figures(*setup.data_key, _full=full, _names=tuple(setup.names))
    rev = _revision(setup.data_key)
    scree_parts = lambda: {  # noqa: E731 (built once per data: ui.live_slider keeps it serialised)
        ks.name: {str(k): {"marks": plots.scree_marks(n, k=k)} for k in ks.values()},
        ts.name: {str(t): {"marks": plots.scree_marks(n, t / 100, k_t[t])} for t in ts.values()},
    }
    live_plot(scree, rev, {}, follow=live.follow(scree_parts, rev=f"{rev}.scree"), key=f"{PAGE}.scree")
    st.markdown(
        f"**Loadings** (eigenvectors): each feature's weight in each of the first {n_shown} components; "
        "the k kept are outlined, the rest faded"
    )
    load_parts = lambda: {ks.name: {str(k): {"marks": plots.loadings_marks(k, n_shown)} for k in ks.values()}}  # noqa: E731
    live_plot(loadings, rev, {}, follow=live.follow(load_parts, rev=f"{rev}.loadings"), key=f"{PAGE}.loadings")


def _revision(*parts) -> str:
    """A live chart's revision: names the figure's content (ui.live_plot redraws it only when this changes)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _biplot(setup: Setup, full: P.PCAFit) -> None:
    """Points on PC1-PC2 with the feature arrows (does not depend on the sliders: drawn outside the fragment)."""
    if full.n_components < 2:
        return
    st.markdown("**Biplot**: the rows on PC1-PC2 and each feature's direction (the longest 8 arrows)")
    y = None if setup.ds.y is None else np.asarray(setup.ds.y)[setup.rows]
    kind = None if y is None else ("class" if setup.ds.task in ("binary", "multiclass") else "value")
    chart(
        plots.biplot_figure(
            full.scores_[:, :2], full.biplot_arrows(), setup.names, y, kind,
            class_names=tuple(setup.ds.class_names), colour_label=str(setup.ds.target_name),
            explained=tuple(full.explained_variance_ratio_[:2]),
        ),
        key="biplot",
    )  # fmt: skip


def _eigen_images(setup: Setup, full: P.PCAFit) -> None:
    shape = P.image_shape(setup.names)
    n_eig = min(10, full.n_components)
    chart(
        plots.image_mosaic(
            full.components_[:n_eig].reshape(-1, *shape), [f"PC{i + 1}" for i in range(n_eig)], diverging=True,
            title="Eigen-images: the first principal components as pictures",
        ),
        key="eigen",
    )  # fmt: skip
    _reconstruction_slider(setup, full)


@guarded_fragment("The reconstruction slider")
def _reconstruction_slider(setup: Setup, full: P.PCAFit) -> None:
    """The reconstruction slider and the images it moves: every k's pixels are precomputed (one small array
    each), so a move repaints the mounted mosaic in the browser (ui.live_slider) with its error line."""
    n = full.n_components
    idx = _sample_images(setup)
    ks = Slider(f"{PAGE}.recon_k", "Reconstruct with k components", 1, max(n, 1), min(10, n), url=f"{PAGE}.recon_k")
    states = cache.pca_recon_states(*setup.data_key, tuple(int(i) for i in idx), _build=lambda: _recon_states(setup, full, idx))
    live = live_sliders(
        [ks], key=f"{PAGE}.recon_live", reset=_revision(setup.data_key, "recon"),
        lines=[texts(ks, lambda k: states["lines"][k - 1])],
    )  # fmt: skip
    live_plot(
        _recon_json(setup, idx), _revision(setup.data_key, "recon"), {},
        follow=live.follow(lambda: {ks.name: states["parts"]}, rev=_revision(setup.data_key, "recon", tuple(idx))),
        key=f"{PAGE}.recon",
    )  # fmt: skip


_K_TITLE = "k = ?"


def _recon_states(setup: Setup, full: P.PCAFit, idx: np.ndarray) -> dict:
    """Each k's reconstruction as a restyle of the mosaic's pixels with its row title, and its error line."""
    base = json.loads(_recon_json(setup, idx))
    ticktext = base["layout"]["yaxis"]["ticktext"]
    originals = setup.images(idx)
    parts, lines = {}, []
    errors = full.reconstruction_errors()
    for k in range(1, full.n_components + 1):
        recon = full.reconstruct_rows(idx, k)
        grid = np.round(plots.mosaic_grid(np.concatenate([originals, setup.images(idx, recon)]), rows=2), 2)
        z = np.where(np.isnan(grid), None, grid).tolist()
        ticks = [f"k = {k}" if t == _K_TITLE else t for t in ticktext]
        parts[str(k)] = {"restyle": [[{"z": [z]}, [0]]], "marks": {"yaxis.ticktext": ticks}}
        err = P.reconstruction_error(setup.A[idx], recon)
        lines.append(
            f"k = {k} of {full.n_components} components keep {full.cumulative[k - 1]:.1%} of the variance; mean squared "
            f"error of these {len(idx)} images {err:.3g} (all rows: {errors[k - 1]:.3g}, in scaled units)."
        )
    return {"parts": parts, "lines": lines}


def _recon_json(setup: Setup, idx: np.ndarray) -> str:
    """The originals above their reconstructions as figure JSON (labels, grey scale fixed by the originals),
    built once per data; each k's pixels and row title come from `_recon_states`."""

    def build() -> dict:
        labels = (
            [str(setup.ds.class_names[int(v)]) if setup.ds.class_names else str(v) for v in np.asarray(setup.ds.y)[setup.rows][idx]]
            if setup.ds.y is not None else []
        )  # fmt: skip
        originals = setup.images(idx)
        fig = plots.image_mosaic(
            np.concatenate([originals, originals]), labels, rows=2, row_titles=("original", _K_TITLE),
            name="reconstruction",
        )  # fmt: skip
        return json.loads(fig.to_json())

    return json.dumps(cache.pca_recon_template(*setup.data_key, tuple(int(i) for i in idx), _build=build))


def _accuracy(setup: Setup) -> None:
    ds = setup.ds
    if ds.y is None or ds.task not in ("binary", "multiclass"):
        st.caption("Needs a class label: choose a labelled dataset (or a label column for an upload).")
        return
    clf = linked(
        st.radio, "Classifier", ["random_forest", "logistic"], horizontal=True,
        format_func={"random_forest": "random forest (the notes' choice)", "logistic": "logistic regression (faster)"}.get,
        **kept(key=f"{PAGE}.acc_clf"),
    )  # fmt: skip
    key = ("accuracy", *setup.data_key, clf)
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    from ml.evaluation import Plan, Step
    from ml.runtime import estimate_fit_seconds
    from ui.sweep import stopped_note, sweep

    n_rows, n_features = setup.A.shape
    n_train = n_rows - int(np.ceil(0.33 * n_rows))  # the notes' split (ml.projection.pca_accuracy_curve)
    n_comp = min(n_train, n_features)
    ks = [int(k) for k in np.unique(np.linspace(1, n_comp, min(n_comp, 24)).round().astype(int))]
    y = np.asarray(ds.y)[setup.rows]

    def cost(k: int) -> float:  # one classifier on k components, plus the PCA each step repeats
        model = RandomForestClassifier(n_estimators=100) if clf == "random_forest" else LogisticRegression()
        return 0.02 + estimate_fit_seconds(model, n_train, k) + 2e-9 * n_train * n_features**2

    def plan():
        def one(k):
            return lambda: P.pca_accuracy_curve(setup.A, y, ks=[k], classifier=clf)

        steps = [Step(f"k = {k}", one(k), cost(k)) for k in ks]
        return Plan(steps, lambda results: [c for r in results for c in r], "value of k", "values of k")

    st.caption(
        "The notes' `pca_optimize`: train on 67 % of the rows, test on 33 %, with k = 1 … all components "
        f"({len(ks)} values of k, {n_rows:,} rows)."
    )
    out = sweep(
        key, plan, label="Compute accuracy against k", widget_key=f"{PAGE}.acc_run",
        estimate=sum(cost(k) for k in ks), store=STORE, store_size=STORE_SIZE,
        advice="Logistic regression is much faster than the random forest.",
    )  # fmt: skip
    if out is None or not out.value:
        return
    curve = out.value
    stopped_note(out)
    best = max(curve, key=lambda c: c["accuracy"])
    chart(plots.accuracy_figure(curve, clf.replace("_", " ")), key="accuracy")
    st.caption(f"Best test accuracy {best['accuracy']:.3f} with k = {best['k']} ({best['variance']:.0%} of the variance).")


def compare_view(setup: Setup) -> None:
    """Two to four methods on the same data and colouring, with trustworthiness and fit time."""
    entries = {e.name: e for e in registry.entries("projector")}
    picked = linked(
        st.multiselect, "Methods (2 to 4)", list(entries), default=COMPARE_DEFAULT, max_selections=4,
        format_func=lambda n: entries[n].title, **kept(key=f"{PAGE}.compare"),
    )  # fmt: skip
    if len(picked) < 2:
        st.info("Pick at least two methods to compare.")
        return
    colour, kind, label, classes = colouring(setup, "compare_colour")
    todo = [n for n in picked if n != "pca" and training.lookup(STORE, _default_key(setup, n), STORE_SIZE) is None]
    if todo:
        gate = st.empty()
        with gate.container():
            run = st.button(f"Fit {', '.join(entries[n].title for n in todo)} (defaults)", type="primary", key=f"{PAGE}.cmp_run")
            st.caption("Each method runs at its default parameters; results are kept, so the comparison reopens instantly.")
        if not run:
            return
        gate.empty()
    cols = st.columns(len(picked))
    for name, col in zip(picked, cols, strict=True):
        with col, guard(entries[name].title):
            params = entries[name].validate()
            proj = _pca_projection(setup, params) if name == "pca" else _fit(setup, name, params)
            tw = cache.trust(*setup.data_key, _default_key(setup, name), _A=setup.A[proj.rows], _E=proj.embedding)
            st.markdown(f"**{entries[name].title}**")
            st.caption(f"trustworthiness {tw:.3f} · fit {proj.fit_time:.2f} s · {len(proj.rows):,} rows")
            draw_embedding(setup, proj, colour, kind, label, classes, key=f"cmp_{name}")


def _default_key(setup: Setup, name: str) -> tuple:
    return setup.fit_key(name, registry.get("projector", name).validate())


def reconstruction_view(setup: Setup) -> None:
    """Reconstruction error against k for PCA (exact, every k), NMF and the autoencoder (on request)."""
    st.caption(
        "All three on min-max scaled data (0 to 1, which NMF needs), so their errors compare. PCA's curve is "
        "exact for every k from its one fit; NMF and the autoencoder refit per k."
    )
    A = P.scale(setup.A, "minmax") if setup.scaling != "minmax" else setup.A
    full = cache.pca_full(setup.choice.key, "minmax", _A=A, _names=tuple(setup.names))
    n = full.n_components
    ks = sorted({k for k in (1, 2, 3, 5, 8, 12, 16, 24, 32, n) if k <= n})
    curves = {"PCA": (np.arange(1, n + 1), full.reconstruction_errors())}
    key = ("recon", setup.choice.key, tuple(ks), setup.seed)
    more = training.lookup(STORE, key, STORE_SIZE)
    if more is None:
        if st.button(f"Add NMF and the autoencoder at k = {', '.join(map(str, ks))}", key=f"{PAGE}.recon_run"):
            bar = st.progress(0.0)
            more = {}
            for i, name in enumerate(("nmf", "autoencoder")):
                with guard(registry.get("projector", name).title):
                    def report(j, total, k, err, i=i, name=name):
                        bar.progress((i + j / total) / 2, text=f"{name}: k = {k} ({j} of {total})")

                    params = {"epochs": 40} if name == "autoencoder" else None
                    rows = P.subsample(len(A), 3000, setup.seed)
                    curve = P.reconstruction_curve(name, A[rows], ks, setup.seed, params, callback=report)
                    more[registry.get("projector", name).title] = ([c["k"] for c in curve], [c["error"] for c in curve])
            bar.empty()
            training.store(STORE, STORE_SIZE).put(key, more)
    curves.update(more or {})
    chart(plots.error_curves_figure(curves), key="recon_curves")


def cocktail_view(setup: Setup | None) -> None:
    """The cocktail party: sources, microphone mixes, ICA and PCA unmixing, each with audio players."""
    from ml import simulate

    st.markdown(
        "Microphones each record a mix **X = A S** of independent sources. **FastICA** looks for the unmixing "
        "matrix W = A⁻¹ that makes the outputs as non-Gaussian (independent) as possible; **PCA** only "
        "decorrelates them, which is not the same as unmixing."
    )
    c = st.columns(4)
    n = linked(c[0].slider, "Sources", 2, 4, 3, help="sine, square, sawtooth, then a speech-like tone", **kept(key=f"{PAGE}.cp_n"))
    seed = int(linked(c[1].number_input, "Mixing seed", 0, 9999, 0, **kept(key=f"{PAGE}.cp_seed")))
    noise = linked(c[2].slider, "Microphone noise", 0.0, 0.3, 0.0, 0.01, **kept(key=f"{PAGE}.cp_noise"))
    fun = linked(c[3].selectbox, "ICA contrast", ["logcosh", "exp", "cube"], **kept(key=f"{PAGE}.cp_fun"))
    A0 = simulate.mixing_matrix(n, seed)
    with st.expander("Mixing matrix A (editable: one row per microphone)"):
        edited = st.data_editor(
            np.round(A0, 3), key=f"{PAGE}.cp_A.{n}.{seed}", column_config=None, use_container_width=True,
        )  # fmt: skip
        mixing = tuple(map(tuple, np.asarray(edited, float)))
    party = (n, 2.0, float(noise), seed, mixing)
    S, A, X, names = cache.cocktail(*party)
    ica = cache.unmixed(party, "ica", (("fun", fun), ("max_iter", 400)), 0)
    pca = cache.unmixed(party, "pca", (), 0)
    for note in ica["notes"]:
        st.warning(note)
    rate = simulate.COCKTAIL_RATE
    metric_grid(
        [(f"ICA |corr| {nm}", float(v), f"{v:.3f}") for nm, v in zip(names, ica["match"]["corr"], strict=True)]
        + [(f"PCA |corr| {nm}", float(v), f"{v:.3f}") for nm, v in zip(names, pca["match"]["corr"], strict=True)],
        columns=2 * n if n <= 3 else n,
    )
    panels = [
        ("Sources S", S, names),
        ("Microphones X = A S", X, [f"mic {i + 1}" for i in range(n)]),
        ("ICA: recovered (matched to the sources)", ica["match"]["aligned"], [f"ICA → {nm}" for nm in names]),
        ("PCA: decorrelated (matched to the sources)", pca["match"]["aligned"], [f"PCA → {nm}" for nm in names]),
    ]
    cols = st.columns(2)
    for i, (title, signals, labels) in enumerate(panels):
        with cols[i % 2]:
            chart(plots.signals_figure(signals, labels, rate, title=title), key=f"cp_{i}")
            for j, lab in enumerate(labels):
                st.caption(lab)
                st.audio(P.to_audio(signals[:, j]), sample_rate=rate)
    st.caption(
        "Recovered signals come back in any order, sign and loudness; they are matched to the sources by the "
        "largest |correlation| (Hungarian assignment), flipped and rescaled for the plots and players."
    )


def jl_view(setup: Setup) -> None:
    """Random projection: the Johnson-Lindenstrauss minimum dimension and the distance ratios it keeps."""
    n, p = setup.A.shape
    c = st.columns(3)
    eps = linked(c[0].slider, "ε (allowed distortion)", 0.05, 0.95, 0.5, 0.05, **kept(key=f"{PAGE}.jl_eps"))
    kind = linked(
        c[1].radio, "Projection", ["rp_gaussian", "rp_sparse"], format_func=lambda n: registry.get("projector", n).title,
        **kept(key=f"{PAGE}.jl_kind"),
    )  # fmt: skip
    k_min = P.jl_min_dim(n, eps)
    k = _k_slider(c[2], "Dimension k", p, max(2, k_min), f"{PAGE}.jl_k")
    if k_min <= p:
        st.success(f"JL minimum for {n:,} rows at ε = {eps:.2f}: **{k_min:,}** dimensions, fewer than the data's {p:,}.")
    else:
        st.info(
            f"JL minimum for {n:,} rows at ε = {eps:.2f}: **{k_min:,}** dimensions, more than the data's {p:,}: "
            "the guarantee needs high-dimensional data (try the many-dimensional blobs, or a larger ε)."
        )
    eps_grid = np.linspace(0.05, 0.95, 50)
    left, right = st.columns(2)
    with left:
        chart(
            plots.jl_bound_figure(n, eps_grid, [P.jl_min_dim(n, e) for e in eps_grid], eps, p), key="jl_bound"
        )
    with right:
        ratios, secs = cache.jl_ratios(*setup.data_key, kind, k, setup.seed, _A=setup.A)
        chart(plots.jl_figure(ratios, eps, k=k, k_min=k_min), key="jl_hist")
    st.caption(
        f"{len(ratios):,} random pairs of rows (seed {setup.seed}); projection fitted in {secs * 1000:.0f} ms. "
        "The lemma bounds squared distances: (1 − ε)‖u − v‖² < ‖p(u) − p(v)‖² < (1 + ε)‖u − v‖²."
    )


VIEWS = {
    "Embedding": embedding_view,
    "PCA": pca_view,
    "Side by side": compare_view,
    "Reconstruction error": reconstruction_view,
    "Cocktail party (ICA)": cocktail_view,
    "Random projection": jl_view,
}


def views(setup: Setup) -> None:
    """The views as tabs; only the open one runs."""
    names = list(VIEWS)
    if setup.choice.key[:2] == ("builtin", "cocktail_party"):
        names.insert(0, names.pop(names.index("Cocktail party (ICA)")))
    tabs = linked_tabs(names, key=f"{PAGE}.view")  # the open tab is in the URL too
    for label, tab in zip(names, tabs, strict=True):
        if tab.open:
            with tab, guard(label):
                start = time.perf_counter()
                VIEWS[label](setup)
                st.session_state[f"{PAGE}.view_time"] = time.perf_counter() - start
