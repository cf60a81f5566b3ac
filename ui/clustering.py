"""The Clustering page's Streamlit glue: sidebar controls, the cached fit, and one function per view.

Everything heavy goes through `ui.cache` keyed by primitives (data key, scaling, algorithm, parameter
tuple, seed): moving k refits only the clusterer; moving the dendrogram cut or eps re-reads a cached
tree or k-distance curve; the Lloyd and EM step sliders are Plotly frames that run in the browser.

The algorithm's controls (k, the cut, eps, ...) are drawn into the sidebar by the page's results
fragment (`controls`), so moving one reruns the results alone, not the data panel. The charts they move
are live charts (`ui.live_plot`): each figure's JSON is built once per revision (`cache.clustering_figure_json`)
and stays mounted; a move that changes only marks (the current k, the eps line, the cut line, the
dendrogram's branch colours, the scatter's colours under a cut) is one Plotly.relayout in the browser.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st

from ml import clustering as mlc
from ml import registry
from ml.plots import clustering as plots
from ml.plots.curves import thin_indices
from ui import cache
from ui.data_source import DataChoice, data_source
from ui.live_plot import live_plot
from ui.live_slider import Live, Slider, live_readouts, live_sliders, texts
from ui.present import chart
from ui.present import table as show_table
from ui.state import kept, linked
from ui.training import cached
from ui.widgets import metric_grid, param_widgets

PAGE = "clu"
DATASETS = [
    "blobs",
    "blobs_aniso",
    "blobs_varied",
    "moons",
    "circles",
    "uniform_noise",
    "iris",
    "wine",
    "digits",
    "sdss",
]
DISPLAY_POINTS = 2000  # points drawn in the cluster views (a fixed seeded subset beyond this)
LIVE_MAX_ROWS = 2500  # up to here every k is clustered once (k-means k = 1-30: ~1 s at 1,000 rows, 2 cores)
LIVE_TABS = ("Clusters", "Choosing k")  # the views drawn from those states (others ask the server per move)
STEP_POINTS = 1000  # points animated in the step-throughs
VIEWS = {"features": "Two features", "pca": "First two principal components", "umap": "UMAP (display only)"}


@dataclass
class Setup:
    choice: DataChoice
    scaling: str
    entry: registry.Entry
    params: dict
    seed: int
    cut_mode: str = "clusters"
    view: str = "features"
    pair: tuple = (0, 1)
    colour_by: str = "cluster"
    box: object = None  # the sidebar slot the results fragment draws the algorithm's controls into
    live: Live | None = None  # the number-of-clusters slider when it is a live slider (ui.live_slider)
    k_slider: Slider | None = None
    instant: bool = False  # every k precomputed: a move of k is answered in the browser
    notes: list = field(default_factory=list)  # what the controls changed (a k the data cannot take)


@dataclass
class Result:
    setup: Setup
    prep: mlc.Prepared
    fit: mlc.Fit
    labels: np.ndarray  # colour-matched labels (the numbers every view uses)
    mapping: dict  # raw cluster number -> shown number
    fit_key: tuple
    cut_height: float | None = None
    node_labels: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    states: dict | None = None  # every k's clustering (ml.clustering.KStep) when k is a live slider

    @property
    def y(self):
        ds = self.setup.choice.ds
        return None if ds.y is None else ds.y.to_numpy()


def _md(text: str) -> str:
    text = html.escape(str(text))
    for ch in "\\`*_{}[]()#+!|~<>$":
        text = text.replace(ch, "\\" + ch)
    text = text.replace("://", "\\://")  # a bare "http://…" would become a live link
    return text


# -- sidebar -----------------------------------------------------------------------------------------
def sidebar() -> Setup | None:
    choice = data_source(PAGE, target="optional", datasets=DATASETS, default="blobs")
    sb = st.sidebar
    sb.header("Algorithm")
    scaling = linked(
        sb.selectbox, "Scaling", list(mlc.SCALINGS), format_func=mlc.SCALINGS.get, **kept(key=f"{PAGE}.scaling"),
        help="Applied to every feature before clustering; distances, and so the clusters, depend on it.",
    )  # fmt: skip
    entries = {e.name: e for e in registry.entries("clusterer")}
    name = linked(
        sb.selectbox, "Algorithm", list(entries), format_func=lambda n: entries[n].title, **kept(key=f"{PAGE}.algorithm")
    )
    entry = entries[name]
    sb.caption(entry.description)
    box = sb.container()  # k, the cut, eps...: drawn here by the results fragment (`controls`)
    seed = int(
        linked(sb.number_input, "Seed", 0, 9999, 0, 1, help="Fixes every random start.", **kept(key=f"{PAGE}.seed"))
    )
    if choice is None:
        param_widgets(entry.params, f"{PAGE}.algo.{name}", box, persist=True)
        return None
    sb.header("View")
    n_feat = len(choice.ds.feature_names)
    views = ["features", "pca", "umap"] if n_feat > 2 else ["features"]
    view = linked(
        sb.radio, "2-D view", views, url=f"{PAGE}.view", index=1 if n_feat > 2 else 0, format_func=VIEWS.get,
        **kept(key=f"{PAGE}.view.{min(n_feat, 3)}"),
        help="For display only: the clustering always uses every chosen feature.",
    )  # fmt: skip
    pair = (0, 1)
    if view == "features" and n_feat >= 2:
        feats = choice.ds.feature_names
        c1, c2 = sb.columns(2)
        i = linked(c1.selectbox, "x axis", range(n_feat), 0, format_func=feats.__getitem__, key=f"{PAGE}.x.{n_feat}", url=f"{PAGE}.x")
        j = linked(c2.selectbox, "y axis", range(n_feat), 1, format_func=feats.__getitem__, key=f"{PAGE}.y.{n_feat}", url=f"{PAGE}.y")
        pair = (int(i), int(j))
    colour_by = "cluster"
    if choice.ds.y is not None and choice.ds.task in ("binary", "multiclass"):
        colour_by = linked(
            sb.radio, "Colour points by", ["cluster", "label"], horizontal=True,
            format_func={"cluster": "cluster", "label": "true label"}.get, **kept(key=f"{PAGE}.colour_by"),
        )  # fmt: skip
    return Setup(choice, scaling, entry, {}, seed, "clusters", view, pair, colour_by, box)


def controls(setup: Setup) -> Setup:
    """The algorithm's parameter widgets (and the dendrogram's cut mode), drawn into the sidebar slot
    by the results fragment: moving one reruns the fragment alone. Returns the completed setup."""
    box, name = setup.box, setup.entry.name
    prefix = f"{PAGE}.algo.{name}"
    cut_mode = "clusters"
    if name == "agglomerative":
        cut_mode = linked(
            box.radio, "Cut the dendrogram by", ["clusters", "height"], horizontal=True,
            format_func={"clusters": "number of clusters", "height": "height"}.get, **kept(key=f"{PAGE}.cut_mode"),
        )  # fmt: skip
    k_param = setup.entry.extra.get("k_param")
    if not k_param or cut_mode != "clusters":
        params = param_widgets(setup.entry.params, prefix, box, persist=True)
        return replace(setup, params=params, cut_mode=cut_mode)
    # The number of clusters: a live slider. Up to LIVE_MAX_ROWS rows every k's clustering is computed once
    # (`k_states`), so a move is answered in the browser; past it, or while a view that is not drawn from
    # those states is open, each move asks the server (as a plain slider does).
    spec = next(p for p in setup.entry.params if p.name == k_param)
    prep = cache.clustering_prepared(setup.choice.key, setup.scaling, setup.choice.ds.X)
    high = max(1, int(min(spec.high, prep.n_rows)))
    k_box = box.container()  # first in the sidebar, drawn last (its token names the other parameters)
    params = param_widgets([p for p in setup.entry.params if p.name != k_param], prefix, box, persist=True)
    slider = Slider(
        f"{prefix}.{k_param}", spec.label, max(1, int(spec.low)), high, min(int(spec.default), high),
        url=f"{prefix}.{k_param}", help=spec.help or None,
    )  # fmt: skip
    asked = st.session_state.get(slider.name)
    notes = []
    if isinstance(asked, int | float) and asked > high:  # a k kept from a bigger table (or a link): say so
        notes = setup.entry.fit_to_data({**params, k_param: int(asked)}, prep.n_rows, prep.n_features)[1]
    instant = prep.n_rows <= LIVE_MAX_ROWS and st.session_state.get("clu.tab", "Clusters") in LIVE_TABS
    reset = _digest(setup.choice.key, setup.scaling, name, sorted(params.items()), setup.seed, high)
    with k_box:
        live = live_sliders([slider], key=f"{PAGE}.k_live", reset=reset, delay=None if instant else 0)
    params[k_param] = live[slider.name]
    return replace(setup, params=params, cut_mode=cut_mode, live=live, k_slider=slider, instant=instant, notes=notes)


# -- fitting -------------------------------------------------------------------------------------------
def _digest(*parts) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


def _fit(key, setup: Setup, name: str, params: dict, X):
    """The cached fit; a spinner (with the expected cost) when the table is big enough to take a while."""
    args = (key, setup.scaling, name, tuple(sorted(params.items())), setup.seed, X)
    if len(X) < 5000:
        return cache.clustering_fit(*args)
    slow = name in ("agglomerative", "spectral")
    text = f"Fitting {setup.entry.title} on {len(X):,} rows" + (
        f" (its cost grows with the square of the rows: about {max(1, round(0.15 * (len(X) / 1000) ** 2))} s "
        "here; it is fitted once and then reused)"
        if slow
        else ""
    )
    with st.spinner(text + "…"):
        return cache.clustering_fit(*args)


def k_states(setup: Setup, prep, params: dict) -> dict:
    """Every k of the live slider clustered once per (data, scaling, other parameters, seed), its colours
    matched along k (ml.clustering.k_path): k-means fitted per k (each fit is the page's cached fit for that
    k), the hierarchical tree fitted once and cut at each k. A k the data cannot take has no state."""
    name, k_param, slider = setup.entry.name, setup.entry.extra["k_param"], setup.k_slider
    others = tuple(sorted((n, v) for n, v in params.items() if n != k_param))

    def fit_k(k: int):
        return cache.clustering_fit(
            setup.choice.key, setup.scaling, name, tuple(sorted({**params, k_param: k}.items())), setup.seed, prep.X
        )

    def compute() -> dict:
        raw = {}
        tree = fit_k(1).estimator if name == "agglomerative" else None
        for k in slider.values():
            try:
                if tree is not None:
                    raw[k] = (tree.cut(n_clusters=k)[0], 0.0)
                else:
                    f = fit_k(k)
                    raw[k] = (f.labels, f.seconds, getattr(f.estimator, "cluster_centers_", None))
            except ValueError:  # k above the distinct points: that k shows the fit's own message
                continue
        return mlc.k_path(raw, prep.X, setup.seed)

    args = (setup.choice.key, setup.scaling, name, others, setup.seed, slider.hi)
    if prep.n_rows < 1000:
        return cache.clustering_k_states(*args, _compute=compute)
    with st.spinner(f"Clustering once for every k from {slider.lo} to {slider.hi}, so that moving k is instant…"):
        return cache.clustering_k_states(*args, _compute=compute)


def run(setup: Setup) -> Result:
    ds = setup.choice.ds
    key = setup.choice.key
    prep = cache.clustering_prepared(key, setup.scaling, ds.X)
    name, params = setup.entry.name, dict(setup.params)
    states = k_states(setup, prep, params) if setup.instant else None
    cut_height = node_raw = None
    if name == "agglomerative":
        tree_params = {**params, "n_clusters": 1}
        fit = _fit(key, setup, name, tree_params, prep.X)
        est = fit.estimator
        if setup.cut_mode == "height":
            top = float(est.heights_[-1]) if len(est.heights_) else 1.0
            default = est.height_for_k(min(params["n_clusters"], prep.n_rows))
            cut_height = linked(
                (setup.box or st.sidebar).slider, "Cut height", 0.0, round(top * 1.05, 4), round(default, 4), round(top / 400, 5) or 0.0001,
                key=f"{PAGE}.cut.{_digest(key, setup.scaling, params['linkage'], params['metric'])}",
                help="Merges above this height are undone; each branch below it is a cluster.", url=f"{PAGE}.cut",
            )  # fmt: skip
            raw, node_raw = est.cut(height=cut_height)
        else:
            k = int(min(params["n_clusters"], prep.n_rows))
            raw, node_raw = est.cut(n_clusters=k)
            cut_height = est.height_for_k(k)
        n_clusters = len(np.unique(raw))
        fit = mlc.Fit(name, {**params, "n_clusters": n_clusters}, est, raw, fit.seconds, list(fit.notes))
        fit_key = (name, tuple(sorted(tree_params.items())), "cut", n_clusters)
    else:
        fit = _fit(key, setup, name, params, prep.X)
        raw = fit.labels
        fit_key = (name, tuple(sorted(params.items())), setup.seed)
    k = int(params.get(setup.entry.extra.get("k_param") or "", 0) or 0)
    if states is not None and k in states and np.array_equal(states[k].raw, raw):
        labels, mapping = states[k].labels.copy(), dict(states[k].mapping)  # the colours the browser shows
        st.session_state[f"_{PAGE}.last_labels"] = ((setup.choice.key, setup.scaling), labels)
    else:
        labels, mapping = _stable_colours(setup, raw)
    node = (
        None if node_raw is None else np.array([mapping.get(int(v), v) if v >= 0 else -1 for v in node_raw])
    )
    return Result(
        setup, prep, fit, labels, mapping, fit_key, cut_height, node,
        list(prep.notes) + list(setup.notes) + list(fit.notes), states,
    )  # fmt: skip


def _stable_colours(setup: Setup, raw: np.ndarray) -> tuple[np.ndarray, dict]:
    """Match this clustering's numbers to the last one shown on the same data, so colours stay put."""
    slot = f"_{PAGE}.last_labels"
    data_id = (setup.choice.key, setup.scaling)
    prev = st.session_state.get(slot)
    old = prev[1] if prev is not None and prev[0] == data_id and len(prev[1]) == len(raw) else None
    labels = mlc.match_labels(raw, old) if old is not None else raw.copy()
    mapping = {}
    for c in np.unique(raw):
        mapping[int(c)] = int(labels[np.argmax(raw == c)])
    st.session_state[slot] = (data_id, labels)
    return labels, mapping


# -- summary -------------------------------------------------------------------------------------------
def display_rows(res: Result, limit: int = DISPLAY_POINTS) -> np.ndarray:
    return thin_indices(res.prep.n_rows, limit, seed=0)


def internal(res: Result):
    return cache.clustering_internal(
        res.setup.choice.key, res.setup.scaling, res.fit_key, res.setup.seed, res.prep.X, res.labels
    )


def _summary_items(res: Result, labels, scores: dict, seconds: float) -> list[tuple[str, float, str]]:
    """The summary's numbers for one clustering: (label, value, shown text) each."""
    labels = np.asarray(labels)
    n = len(set(labels[labels >= 0].tolist()))
    noise = float(np.mean(labels < 0))
    sil = scores["silhouette"]
    items = [("Clusters", n, f"{n}"), ("Noise", noise, f"{noise:.0%}"), ("Silhouette", sil, "—" if sil is None else f"{sil:.3f}")]
    if res.y is not None and res.setup.choice.ds.task in ("binary", "multiclass"):
        ari = mlc.external_scores(res.y, labels)["ari"]
        items.append(("Adjusted Rand index", ari, f"{ari:.3f}"))
    items.append(("Fit time", seconds, f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"))
    return items


def _per_k(res: Result, what: str, fn) -> dict:
    """`fn(step)` for every precomputed k (ml.clustering.KStep), computed once per states and `what`
    (a rerun after the slider rests reads them back)."""
    return cached(f"clu.per_k.{what}", _states_id(res), lambda: {k: fn(step) for k, step in res.states.items()}, 8)


def summary(res: Result) -> None:
    f = res.fit
    if res.states is not None and res.setup.live is not None:  # the numbers follow the live k slider
        seconds = (lambda step: f.seconds) if f.name == "agglomerative" else (lambda step: step.seconds)
        by_k = _per_k(res, "summary", lambda step: _summary_items(res, step.labels, step.scores, seconds(step)))
        width = len(next(iter(by_k.values()))) if by_k else 0
        slider = res.setup.k_slider
        tiles = [
            texts(slider, lambda k, i=i: None if k not in by_k else [by_k[k][i][0], by_k[k][i][2], by_k[k][i][1]])
            for i in range(width)
        ]  # fmt: skip
        live_readouts(res.setup.live, key=f"{PAGE}.summary_live", tiles=tiles, columns=width)
    else:
        scores, _ = internal(res)
        items = _summary_items(res, res.labels, scores, f.seconds)
        metric_grid(items, columns=len(items))
    used = getattr(f.estimator, "algorithm_used_", "")
    if used:
        st.caption(f"Algorithm used: {used}.")
    for note in res.notes:
        st.info(note)
    key = res.setup.choice.key
    if key[0] == "builtin" and key[1] in ("moons", "circles") and dict(key[2]).get("noise", 0) > 0.06:
        st.caption(
            f"With noise {dict(key[2])['noise']:g} the two shapes touch: lower the noise to 0.05 in Dataset "
            "options to see spectral clustering, DBSCAN and single linkage follow them while k-means cannot."
        )
    if res.setup.choice.ds.name == "uniform_noise":
        st.warning(
            "This data has no clusters at all: points are spread uniformly. Every algorithm asked for k "
            "clusters still returns k of them; compare the silhouette here with the one on blobs."
        )
    if f.name == "dbscan":
        kd = kdistance(res)
        advice = mlc.dbscan_advice(f.labels, f.params["eps"], kd.knee_eps)
        if advice:
            st.warning(advice)
    if f.n_clusters > mlc.MAX_CLUSTERS:
        st.warning(
            f"{f.n_clusters} clusters: more than {mlc.MAX_CLUSTERS} is rarely meaningful; the legend and tables "
            f"show the {mlc.MAX_CLUSTERS} largest."
        )


# -- views --------------------------------------------------------------------------------------------
def _view(res: Result, rows: np.ndarray):
    s = res.setup
    pair = s.pair
    if s.view == "features" and res.prep.n_features > 1:
        names = [s.choice.ds.feature_names[i] for i in s.pair]
        dropped = [n for n in names if n not in res.prep.features]
        if dropped:
            raise ValueError(
                f"{_md(', '.join(dropped))} is constant and was left out of the clustering: choose other axes."
            )
        pair = tuple(res.prep.features.index(n) for n in names)
    args = (s.choice.key, s.scaling, s.view, pair, s.seed, res.prep.X, rows, tuple(res.prep.features))
    if s.view != "umap":
        return cache.clustering_view(*args)
    with st.spinner(
        "UMAP: the first run on this server compiles its code (10 s to a minute); later runs take seconds…"
    ):
        return cache.clustering_view(*args)


def kdistance(res: Result):
    return cache.clustering_kdistance(
        res.setup.choice.key, res.setup.scaling, int(res.fit.params["min_samples"]), res.prep.X
    )


def clusters_view(res: Result) -> None:
    """The clusters in 2-D, next to the algorithm's own picture (dendrogram, k-distance, BIC, elbow).

    Both are live charts: the figure goes to the browser once per revision and the moving parts
    (title, current k, eps line, cut line, branch colours, colours under a cut) as marks."""
    rows = display_rows(res)
    view = _view(res, rows)
    if view.note:
        st.caption(view.note)
    side = _side(res)
    if side is None:
        _scatter(res, rows, view)
    else:
        left, right = st.columns([11, 9], gap="small")
        with left:
            _scatter(res, rows, view)
        with right:
            parts, build, marks, *more = side
            restyle = more[0] if more else None
            _live("clu.side", parts, build, marks, restyle, per_k=more[1] if len(more) > 1 else None, res=res)
    f = res.fit
    if f.name == "dbscan":
        st.caption(
            "Core points (filled) have MinPts neighbours within eps; border points (rings) sit within eps of "
            "a core point; noise (grey ×) neither. Points under the eps line of the k-distance plot are core points."
        )
    if f.name == "gmm":
        st.caption(
            "Ellipses: 1σ (solid) and 2σ (dotted) of each Gaussian; faint points are shared between components."
        )


def _hash(a) -> str:
    """A short digest of an array's values (part of a live chart's revision)."""
    a = np.ascontiguousarray(a)
    return hashlib.sha1(a.tobytes() + str((a.dtype, a.shape)).encode()).hexdigest()[:16]


def _live(
    key: str, parts: tuple, build, marks: dict | None = None, restyle: list | None = None, per_k=None, res=None
) -> None:
    """A live chart: the figure `build()` makes is sent once per revision (a digest of `parts`, which
    must name everything the figure shows); `marks` (layout keys) move with one relayout and `restyle`
    recolours the traces it already holds.

    `per_k(step)` -> {"marks", "restyle"} (with `res` whose k is a live slider): the chart follows the slider,
    every k's marks and colours precomputed and applied in the browser (`marks` / `restyle` then unused)."""
    revision = hashlib.sha1(repr(parts).encode()).hexdigest()[:20]
    figure = cache.clustering_figure_json(revision, build)
    if per_k is None or res is None or res.states is None or res.setup.live is None:
        live_plot(figure, revision, marks or {}, key=key, restyle=restyle)
        return
    live = res.setup.live
    slider = res.setup.k_slider

    def states() -> dict:
        return {slider.name: {str(k): per_k(step) for k, step in res.states.items()}}

    follow_rev = hashlib.sha1(repr((parts, key, _states_id(res))).encode()).hexdigest()[:20]
    live_plot(figure, revision, {}, key=key, follow=live.follow(states, rev=follow_rev))


def _states_id(res: Result) -> tuple:
    """What a live chart's per-k states depend on besides its figure: the data, algorithm and settings."""
    s = res.setup
    others = tuple(sorted((n, v) for n, v in s.params.items() if n != s.entry.extra.get("k_param")))
    return (*_states_id_base(res, others), s.colour_by, len(res.states or ()))


def _scatter(res: Result, rows: np.ndarray, view) -> None:
    f, s = res.fit, res.setup
    shown = f" · {len(rows):,} of {res.prep.n_rows:,} points shown" if len(rows) < res.prep.n_rows else ""
    title = f"{s.entry.title}: {f.n_clusters} clusters{shown}"
    data = (s.choice.key, s.scaling, s.view, s.pair, s.seed, len(rows), int(rows.sum()))
    labels = res.labels[rows]
    names = None
    if s.colour_by == "label" and res.y is not None:
        labels = res.y[rows].astype(int)
        names = {i: str(n) for i, n in enumerate(s.choice.ds.class_names)}
    if f.name in ("kmeans", "agglomerative"):
        # the points are sent once per data and view; a new k or cut sends their colours (a restyle),
        # the title and the centroids (layout marks); the colour key is a line of HTML under the chart.
        # With k a live slider, every k's colours, title and centroids are precomputed (`_live(per_k=...)`).
        by_label = s.colour_by == "label" and res.y is not None

        def marks_for(n_clusters: int, centres, mapping) -> dict:
            marks = plots.title_marks(f"{s.entry.title}: {n_clusters} clusters{shown}")
            if f.name == "kmeans" and view.W is not None and centres is not None:
                c2 = view.project(centres)
                marks["shapes"] = plots.centroid_marks([(mapping[c], *c2[c]) for c in range(len(c2))])
            return marks

        centres = f.estimator.cluster_centers_ if f.name == "kmeans" else None
        marks = marks_for(f.n_clusters, centres, res.mapping)
        live_k = res.states is not None and s.live is not None
        if f.name == "agglomerative" and s.colour_by == "cluster" and f.n_clusters <= DENDROGRAM_GROUPS and not live_k:
            # the points in one trace per subtree of a finer cut: a new cut restyles their scalar colours
            est = f.estimator
            g = int(min(DENDROGRAM_GROUPS, est.n_leaves_))
            fine = est.cut(n_clusters=g)[0][rows]
            groups = [np.flatnonzero(fine == c) for c in np.unique(fine)]
            build = lambda: plots.points_figure(  # noqa: E731
                view.coords, x_title=view.x_title, y_title=view.y_title, groups=groups
            )
            parts = ("point-groups", data, f.params["linkage"], f.params["metric"], g)

            def per_k(step):
                shown_labels = step.labels[rows]
                return {
                    "marks": marks_for(_n_clusters(step.labels), None, step.mapping),
                    "restyle": plots.group_colours([shown_labels[r[0]] for r in groups]),
                }

            restyle = plots.group_colours([labels[r[0]] for r in groups])
            _live("clu.scatter", parts, build, marks, restyle, per_k=per_k, res=res)
        else:
            build = lambda: plots.points_figure(view.coords, x_title=view.x_title, y_title=view.y_title)  # noqa: E731

            def per_k(step):
                out = {"marks": marks_for(_n_clusters(step.labels), step.centres, step.mapping)}
                if not by_label:  # painted in the browser point by point (a restyle redraws every point)
                    out["paint"] = plots.point_paint(step.labels[rows])
                return out

            _live("clu.scatter", ("points", data), build, marks, plots.point_colours(labels), per_k=per_k, res=res)
        above = f.name == "agglomerative" and s.colour_by == "cluster"
        extra = "grey: merges above the cut" if above else ""
        if res.states is not None and s.live is not None and not by_label:
            keys = _per_k(res, f"key.{len(rows)}.{extra}", lambda step: {"html": _colour_key_html(plots.legend_items(step.labels[rows], names), extra)})
            live_readouts(s.live, key=f"{PAGE}.colour_key", lines=[texts(s.k_slider, keys.get)])
        else:
            _colour_key(plots.legend_items(labels, names), extra)
        return
    kinds = f.estimator.point_kind_[rows] if f.name == "dbscan" else None
    opacity = f.estimator.proba_.max(1)[rows] if f.name == "gmm" else None
    ellipses = None
    if f.name == "gmm" and view.W is not None:
        m2 = view.project(f.estimator.means_)
        s2 = view.project_cov(f.estimator.covariances_full_)
        ellipses = [(res.mapping.get(c, c), m2[c], s2[c]) for c in range(len(m2))]
    parts = ("scatter", data, f.name, res.fit_key, s.colour_by, _hash(labels), tuple(sorted(res.mapping.items())))
    build = lambda: plots.clusters_figure(  # noqa: E731
        view.coords, labels, x_title=view.x_title, y_title=view.y_title, names=names, kinds=kinds,
        opacity=opacity, ellipses=ellipses, title=" ",
    )  # fmt: skip
    _live("clu.scatter", parts, build, {"title": dict(text=title, font=dict(size=plots.FONT_SIZE + 3))})


def _n_clusters(labels) -> int:
    labels = np.asarray(labels)
    return len(set(labels[labels >= 0].tolist()))


def _colour_key(items: list, extra: str = "") -> None:
    """The scatter's legend as one line of HTML under it: (name, colour, size) each."""
    st.html(_colour_key_html(items, extra))


def _colour_key_html(items: list, extra: str = "") -> str:
    """The colour key's markup (names escaped): st.html draws it, or a live slider's readout line."""
    n_real = sum(1 for name, _, _ in items if name != "noise")
    cells = "".join(
        f"<span class='clu-key' data-name='{html.escape(str(name), quote=True)}' data-size='{size}' "
        f"style='white-space:nowrap;margin-right:1.1rem'><span style='color:{colour};font-size:1.35em'>●</span> "
        f"{html.escape(str(name))} ({size:,})</span> "
        for name, colour, size in items
    )
    if n_real >= plots.MAX_LEGEND:
        extra = f"the {plots.MAX_LEGEND} largest clusters are listed" + (f"; {extra}" if extra else "")
    if extra:
        cells += f"<span style='opacity:0.75;white-space:nowrap'>({html.escape(extra)})</span>"
    return f"<div class='clu-legend' style='font-size:1rem;line-height:1.9;margin:-0.4rem 0 0.4rem 1rem'>{cells}</div>"


DENDROGRAM_GROUPS = 30  # up to 30 clusters (the slider's top) the branches and points are drawn in groups that
# every such cut colours alike (the subtrees of a 30-cluster cut); a finer cut by height regroups them


def _side(res: Result):
    """(revision parts, figure builder, marks) of the chart beside the clusters, or None."""
    f, s = res.fit, res.setup
    data = (s.choice.key, s.scaling)
    if f.name == "agglomerative":
        est = f.estimator
        layout = mlc.dendrogram_layout(est)
        if f.n_clusters <= DENDROGRAM_GROUPS:  # one unbroken line per subtree of a 30-cluster cut
            g = int(min(DENDROGRAM_GROUPS, est.n_leaves_))
            groups = plots.dendrogram_groups(layout, est.cut(n_clusters=g)[1])
            parts = ("dendrogram", data, f.params["linkage"], f.params["metric"], g)
            children = est.linkage_matrix_[layout.nodes - est.n_leaves_, :2]
        else:  # a fine cut by height: the merges grouped by their colour now (a new figure per cut)
            codes = plots.colour_codes(res.node_labels[layout.nodes])
            groups = [np.flatnonzero(codes == c) for c in np.unique(codes)]
            parts = ("dendrogram-colours", data, f.params["linkage"], f.params["metric"], _hash(codes))
            children = None
        per_k = None
        if f.n_clusters <= DENDROGRAM_GROUPS and res.cut_height is not None and res.setup.cut_mode == "clusters":

            def per_k(step):  # every cut's line and branch colours (ui.live_slider)
                node_raw = est.cut(n_clusters=step.k)[1]
                node = np.array([step.mapping.get(int(v), v) if v >= 0 else -1 for v in node_raw])
                return {
                    "marks": plots.dendrogram_marks(layout, est.height_for_k(step.k), _n_clusters(step.labels)),
                    "restyle": plots.dendrogram_colours(layout, groups, node),
                }

        return (
            parts,
            lambda: plots.dendrogram_base(layout, groups, children),
            plots.dendrogram_marks(layout, res.cut_height, f.n_clusters),
            plots.dendrogram_colours(layout, groups, res.node_labels),
            per_k,
        )
    if f.name == "dbscan":
        kd = kdistance(res)
        eps = float(f.params["eps"])
        return (
            ("k-distance", data, kd.k),
            lambda: plots.kdistance_figure(kd.distances, kd.k, None, kd.knee_eps),
            plots.eps_marks(eps, kd.core_fraction(eps)),
        )
    if f.name == "gmm":
        cov, reg = f.params["covariance_type"], f.params["reg_covar"]
        with _maybe_spinner(res, "Fitting mixtures of 1 to 10 components (BIC and AIC)"):
            sweep = cache.clustering_information(s.choice.key, s.scaling, cov, reg, s.seed, res.prep.X)
        n = int(f.params["n_components"])
        return (
            ("information", data, cov, reg, s.seed),
            lambda: plots.information_figure(sweep.ks, sweep.bic, sweep.aic, sweep.best_bic, sweep.best_aic),
            plots.current_marks(n, f"yours: {n}"),
        )
    if f.name == "kmeans":
        return _elbow(res)
    return None


def _elbow(res: Result):
    s = res.setup
    sweep = ksweep(res)
    k = _current_k(res)
    return (
        ("elbow", (s.choice.key, s.scaling), _sweep_init(res), s.seed),
        lambda: plots.elbow_figure(sweep.ks, sweep.inertia, sweep.knee_k),
        plots.current_marks(k, f"your k = {k}"),
        None,
        _k_marks,
    )


def _k_marks(step) -> dict:
    """A choosing-k chart's mark at one k of the live slider."""
    return {"marks": plots.current_marks(step.k, f"your k = {step.k}")}


def _current_k(res: Result) -> int:
    k_param = res.setup.entry.extra.get("k_param")
    return int(res.fit.params[k_param]) if k_param else res.fit.n_clusters


def _sweep_init(res: Result) -> str:
    s = res.setup
    return s.params.get("init", "k-means++") if s.entry.name == "kmeans" else "k-means++"


def ksweep(res: Result):
    s = res.setup
    init = _sweep_init(res)
    from ui.sweep import duration

    # ~1 s at 5,000 × 9 and ~2 s at 1,797 × 64 on two busy cores (at most 20,000 rows reach this page): a
    # spinner with the estimate, no Run button or Stop (ui.sweep) for a sweep of a few seconds at most
    estimate = 0.3 + res.prep.n_rows * max(res.prep.X.shape[1], 8) / 60_000
    with _maybe_spinner(res, f"Running k-means for k = 1 to 10 (the elbow and silhouette sweep, {duration(estimate)})"):
        return cache.clustering_ksweep(s.choice.key, s.scaling, init, s.seed, res.prep.X)


def _maybe_spinner(res: Result, text: str):
    """A spinner on big tables (where a sweep takes seconds); nothing on small ones (no flicker)."""
    import contextlib

    return st.spinner(text + "…") if res.prep.n_rows >= 5000 else contextlib.nullcontext()


def steps_view(res: Result) -> None:
    """Lloyd's iterations or EM, one step at a time (slider and Play run in the browser)."""
    f, s = res.fit, res.setup
    if f.name not in ("kmeans", "gmm"):
        st.info(
            "The step-through is for k-means (Lloyd's algorithm) and Gaussian mixtures (EM): choose one of them."
        )
        return
    rows = display_rows(res, STEP_POINTS)
    view = _view(res, rows)
    k = int(f.params["n_clusters"] if f.name == "kmeans" else f.params["n_components"])
    if f.name == "kmeans":
        h = cache.clustering_lloyd(
            s.choice.key, s.scaling, k, f.params["init"], f.params["n_init"], s.seed, res.prep.X, rows
        )
        centre_labels, labels = _history_colours(h.labels, res.labels[rows], k)
        cents = None if view.W is None else np.stack([view.project(c) for c in h.centroids])
        build = lambda: plots.lloyd_figure(  # noqa: E731
            view.coords, cents, labels, h.inertia, h.kinds, x_title=view.x_title, y_title=view.y_title,
            centre_labels=centre_labels,
        )  # fmt: skip
        st.caption(
            f"One run of Lloyd's algorithm: the best of {f.params['n_init']} seeded starts "
            f"({'converged' if h.converged else 'stopped'} after {(h.n_steps - 1) // 2} iterations). Inertia never "
            "rises: each assign step and each move step can only lower it. Press Play, or drag the step slider."
        )  # fmt: skip
    else:
        h = cache.clustering_em(
            s.choice.key,
            s.scaling,
            k,
            f.params["covariance_type"],
            f.params["reg_covar"],
            s.seed,
            res.prep.X,
            rows,
        )
        centre_labels, labels = _history_colours(h.labels, res.labels[rows], k)
        means = covs = None
        if view.W is not None:
            means = np.stack([view.project(m) for m in h.means])
            covs = np.stack([view.project_cov(c) for c in h.covariances])
        build = lambda: plots.em_figure(  # noqa: E731
            view.coords, means, covs, labels, h.max_resp, h.log_likelihood, h.kinds,
            x_title=view.x_title, y_title=view.y_title, centre_labels=centre_labels,
        )  # fmt: skip
        st.caption(
            "EM as the notes list it: (1) initialise the Gaussians from k-means, (2) E-step: each point's "
            "membership probability, (3) M-step: new weighted means and covariances, (4) the log-likelihood, "
            f"which never falls. {'Converged' if h.converged else 'Stopped'} after {(h.n_steps - 1) // 2} iterations."
        )  # fmt: skip
    if view.W is None:
        st.caption("UMAP is not linear: centroids, paths and ellipses are left out of this view.")
    _step_slider(res, build, h)


def _step_slider(res: Result, build, h) -> None:
    """The step slider over the figure's frames (a live slider: a move animates the chart to that frame in
    the browser, without a redraw; ▶ Play moves the slider along) with the step's words as its readout."""
    names = [str(int(v)) for v in plots.step_indices(len(h.kinds))]  # the figure's frames (one per shown step)
    revision = hashlib.sha1(repr(("steps", _states_id_base(res), h.n_steps, _hash(np.asarray(h.labels)))).encode()).hexdigest()[:20]
    last = len(names) - 1
    slider = Slider(
        "clu.step", "Step", 0, last, last, labels=tuple(names) if names != [str(i) for i in range(len(names))] else None,
        help="Move through the precomputed run; ▶ Play under the chart animates it in the browser.",
    )  # fmt: skip
    # the step's words are the chart's caption (a frame changes it), so the slider needs no readout of its own
    live = live_sliders([slider], key=f"{PAGE}.step_live", reset=revision)
    figure = cache.clustering_figure_json(revision, build)
    parts = lambda: {slider.name: {str(i): {"frame": names[i]} for i in range(len(names))}}  # noqa: E731
    live_plot(figure, revision, {}, key="clu.steps", follow=live.follow(parts, rev=revision))


def _states_id_base(res: Result, params: tuple | None = None) -> tuple:
    """The data, scaling, algorithm, `params` (default: all of them), seed and 2-D view a chart's states belong to."""
    s = res.setup
    params = tuple(sorted(s.params.items())) if params is None else params
    return (s.choice.key, s.scaling, s.entry.name, params, s.seed, s.view, s.pair)


def _history_colours(hist_labels: np.ndarray, shown: np.ndarray, k: int) -> tuple[list, np.ndarray]:
    """Renumber a history's clusters to match the colours of the fit on screen: (the colour of each
    history cluster 0..k-1, the relabelled per-step labels)."""
    final = hist_labels[-1].astype(int)
    matched = mlc.match_labels(final, shown)
    mapping = {int(c): int(matched[np.argmax(final == c)]) for c in np.unique(final)}
    used = set(mapping.values())
    free = iter(i for i in range(2 * k + 2) if i not in used)
    for c in range(k):
        if c not in mapping:
            mapping[c] = next(free)
    lookup = np.array([mapping[c] for c in range(k)])
    relabelled = np.where(hist_labels < 0, -1, lookup[np.clip(hist_labels, 0, k - 1)])
    return [mapping[c] for c in range(k)], relabelled


def choosing_k_view(res: Result) -> None:
    """Elbow and mean silhouette against k, the current k marked; the silhouette of each point."""
    sweep = ksweep(res)
    s = res.setup
    current = _current_k(res)
    left, right = st.columns(2, gap="small")
    with left:
        parts, build, marks, _, per_k = _elbow(res)
        _live("clu.elbow", parts, build, marks, per_k=per_k, res=res)
    with right:
        _live(
            "clu.silk",
            ("silhouette-k", (s.choice.key, s.scaling), _sweep_init(res), s.seed),
            lambda: plots.silhouette_k_figure(sweep.ks, sweep.silhouette, sweep.best_silhouette_k),
            plots.current_marks(current, f"your k = {current}"),
            per_k=_k_marks, res=res,
        )  # fmt: skip
    st.caption(
        f"Both sweeps run k-means for k = 1 to {sweep.ks.max()} on the same scaled data (seed {res.setup.seed}). "
        f"The elbow is where adding a cluster stops paying (here k = {sweep.knee_k}); a high mean silhouette "
        "means points sit well inside their own cluster."
        + (
            f" Silhouettes in the sweep use a fixed sample of {mlc.SWEEP_SILHOUETTE_SAMPLE:,} points."
            if res.prep.n_rows > mlc.SWEEP_SILHOUETTE_SAMPLE
            else ""
        )
    )
    rows = display_rows(res)
    values = mlc.silhouette_values(res.prep.X[rows], res.labels[rows])
    if np.isfinite(values).any():
        labels = res.labels[rows]
        _live(
            "clu.silhouette",
            ("silhouette", (s.choice.key, s.scaling), _hash(values), _hash(labels)),
            lambda: plots.silhouette_figure(values, labels),
        )
        if len(rows) < res.prep.n_rows:
            st.caption(f"Silhouette of {len(rows):,} of the {res.prep.n_rows:,} points (a fixed sample).")
    else:
        st.info("The silhouette needs at least two clusters (noise left out).")


def validation_view(res: Result) -> None:
    scores, notes = internal(res)
    st.subheader("Internal indices (the data alone)", anchor=False)
    table = pd.DataFrame(
        [{"score": mlc.SCORE_LABELS[k], "value": v, "reads as": mlc.SCORE_HELP[k]} for k, v in scores.items()]
    )
    show_table(
        table, hide_index=True, column_config={"value": st.column_config.NumberColumn(format="%.4g")}
    )
    for note in notes:
        st.caption(note)
    if res.fit.name in ("dbscan", "hdbscan"):
        st.caption(
            "The notes' warning: silhouette (and the other internal indices) favour round, dense clusters and "
            "do not suit density-based clusterings with noise and odd shapes."
        )
    y = res.y
    st.subheader("External indices (against the true labels)", anchor=False)
    ds = res.setup.choice.ds
    if y is None or ds.task not in ("binary", "multiclass"):
        st.info(
            "This data has no class labels, so there are no external scores. Pick a label column in the data panel."
        )
        return
    ext = mlc.external_scores(y, res.labels)
    show_table(
        pd.DataFrame(
            [
                {"score": mlc.SCORE_LABELS[k], "value": v, "reads as": mlc.SCORE_HELP[k]}
                for k, v in ext.items()
            ]
        ),
        hide_index=True,
        column_config={"value": st.column_config.NumberColumn(format="%.4f")},
    )
    st.markdown("**Contingency table**: clusters (rows) against true classes (columns)")
    table = mlc.contingency(y, res.labels, ds.class_names)  # a dataframe shows text as is: no escaping needed
    show_table(table.head(mlc.MAX_CLUSTERS + 1))
    st.caption("Labels are used only here and for colouring, never for fitting.")


def profiles_view(res: Result) -> None:
    ds = res.setup.choice.ds
    prof = mlc.profiles(ds.X, res.labels)
    chart(plots.profiles_figure(prof, ds.feature_names), key="clu.profiles")
    shape = mlc.image_shape(ds.feature_names)
    rows = [i for i in prof.index if i != "noise"][:20]
    if shape is not None and not rows:
        st.info("Every point is noise with these settings, so no cluster has a mean image to show.")
    elif shape is not None:
        images = (
            prof.loc[rows, [c for c in prof.columns if c not in ("size", "share")]]
            .to_numpy()
            .reshape(-1, *shape)
        )
        chart(plots.mean_images_figure(images, list(rows)), key="clu.images")
    show_table(prof, column_config={"share": st.column_config.NumberColumn(format="percent")})
    st.caption("Feature means in the data's own units (before scaling).")


def _settings(name: str) -> dict:
    """The current settings of algorithm `name`: its widgets' values this session, else defaults."""
    entry = registry.get("clusterer", name)
    out = {}
    for p in entry.params:
        value = st.session_state.get(f"{PAGE}.algo.{name}.{p.name}", p.default)
        out[p.name] = value
    return entry.validate(out)


def compare_view(res: Result) -> None:
    s = res.setup
    settings = tuple(
        (e.name, tuple(sorted(_settings(e.name).items()))) for e in registry.entries("clusterer")
    )
    y = res.y if s.choice.ds.task in ("binary", "multiclass") else None
    from ml.evaluation import Plan, Step
    from ui.sweep import duration, stopped_note, sweep

    n_rows, X = res.prep.n_rows, res.prep.X
    r = n_rows / 5000  # seconds per algorithm at 5,000 rows on two busy cores, and how each grows with rows
    costs = {"kmeans": 0.5 + 0.5 * r, "agglomerative": 4.5 * r**2, "dbscan": 0.15 * r**1.5,
             "hdbscan": 0.5 * r**2.4, "gmm": 0.7 * r, "spectral": 1.0 * r**2}  # fmt: skip
    cost = {name: costs.get(name, 0.5 * r) for name, _ in settings}

    def plan():
        def one(name, params):
            return lambda: mlc.compare(X, [(name, dict(params))], y, s.seed).to_dict("records")[0]

        steps = [Step(registry.get("clusterer", n).title, one(n, p), cost[n]) for n, p in settings]
        return Plan(steps, lambda rows: pd.DataFrame(rows), "algorithm")

    estimate = sum(cost.values())
    quick = n_rows <= 5000 and estimate <= 5
    if not quick:
        st.info(
            f"Fitting all {len(settings)} algorithms on {n_rows:,} rows may take a minute: {duration(estimate)} "
            "expected on this machine (hierarchical and HDBSCAN grow fastest with rows; hierarchical, spectral and "
            "HDBSCAN refuse more than 20,000 rows)."
        )
    out = sweep(
        ("clustering_compare", s.choice.key, s.scaling, settings, s.seed), plan, label="Run the comparison",
        widget_key="clu.compare.run", estimate=estimate, store="clustering_compare", store_size=8, auto=quick,
        advice="Fewer rows (the data panel's filter or a smaller sample) make it faster.",
    )  # fmt: skip
    if out is None or out.value is None:
        return
    table = out.value
    stopped_note(out)
    labels = {**mlc.SCORE_LABELS, "algorithm": "algorithm", "clusters": "clusters", "noise": "noise share",
              "fit_s": "fit time (s)", "note": "note"}  # fmt: skip
    table = table.rename(columns=labels)
    show_table(
        table, hide_index=True,
        column_config={
            "noise share": st.column_config.NumberColumn(format="percent"),
            "fit time (s)": st.column_config.NumberColumn(format="%.3f"),
            **{mlc.SCORE_LABELS[k]: st.column_config.NumberColumn(format="%.3f") for k in mlc.SCORE_LABELS},
        },
    )  # fmt: skip
    st.caption(
        "Every algorithm at its current settings (its sliders keep their values when you switch) on the same "
        "scaled data. Click a column header to sort. Davies–Bouldin: lower is better; the rest: higher."
    )
