"""One registry mechanism for every kind of model the pages offer.

An `Entry` is a name, a title, its kind, its tunable parameters (`ParamSpec`s, from which the UI
generates widgets), a `build(params, seed)` factory returning an unfitted estimator, and the
attribute contract its fitted estimators follow. Pages loop over `entries(kind)` and never branch
per model.

Kinds and their contracts (DESIGN.md, "one API per task", as PyOD does for detectors):
- classifier: `predict`, plus `predict_proba` or `decision_function` for scores.
- regressor: `predict`.
- clusterer: `labels_` after `fit(X)`.
- projector: `embedding_` after `fit(X)`; `transform` / `inverse_transform` where they exist.
- detector: `decision_scores_` (higher = more anomalous), `threshold_`, `labels_` (1 = anomaly)
  after `fit(X)`, and `decision_function(X)` on new rows.

Parameters that depend on the data's size (k of kNN, n_neighbors, components, perplexity,
max_samples, folds) declare their bound in `Entry.size_limits`; `fit_to_data` clips them to the data
and says so, so no widget combination reaches scikit-learn with an impossible value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ml.params import ParamSpec, validate_all

KINDS = ("classifier", "regressor", "clusterer", "projector", "detector")

# The task each kind serves, in the one vocabulary shared by datasets and models.
KIND_TASK = {
    "classifier": "classification",
    "regressor": "regression",
    "clusterer": "clustering",
    "projector": "projection",
    "detector": "detection",
}

# Dataset targets each kind accepts: "binary"/"multiclass"/"regression" are label types; None means
# no target. Unsupervised kinds take any dataset and use a label, when present, only for scoring.
KIND_TARGETS = {
    "classifier": ("binary", "multiclass"),
    "regressor": ("regression",),
    "clusterer": ("binary", "multiclass", "regression", None),
    "projector": ("binary", "multiclass", "regression", None),
    "detector": ("binary", None),
}

CONTRACTS: dict[str, tuple[str, ...]] = {
    "classifier": ("predict",),
    "regressor": ("predict",),
    "clusterer": ("labels_",),
    "projector": ("embedding_",),
    "detector": ("decision_scores_", "threshold_", "labels_", "decision_function"),
}

# A size limit maps (n_rows, n_features) to the largest value a parameter may take on that data.
SizeLimit = Callable[[int, int], int]


@dataclass(frozen=True)
class Entry:
    """A registry entry: what the model is, its knobs, its factory and its data-size bounds."""

    name: str
    title: str
    kind: str
    params: tuple[ParamSpec, ...]
    build: Callable[[dict, int], Any]
    description: str = ""
    family: str = ""
    is_torch: bool = False
    tags: tuple[str, ...] = ()
    size_limits: dict[str, SizeLimit] = field(default_factory=dict, hash=False, compare=False)
    # Extra, kind-specific facts a page may read (e.g. {"steps": True} for a step-through).
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Entry {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}.")
        unknown = set(self.size_limits) - {p.name for p in self.params}
        if unknown:
            raise ValueError(f"Entry {self.name!r}: size limits for unknown parameters {sorted(unknown)}.")

    @property
    def task(self) -> str:
        return KIND_TASK[self.kind]

    def validate(self, params: dict | None = None) -> dict:
        """Defaults overlaid with `params`, each checked against its ParamSpec."""
        return validate_all(list(self.params), dict(params or {}))

    def make(self, params: dict | None = None, seed: int = 0):
        """An unfitted estimator with validated `params`."""
        return self.build(self.validate(params), int(seed))

    def fit_to_data(self, params: dict, n_rows: int, n_features: int) -> tuple[dict, list[str]]:
        """`params` with every size-bound parameter clipped to what this data allows, and one note per clip."""
        out, notes = dict(params), []
        by_name = {p.name: p for p in self.params}
        for name, limit in self.size_limits.items():
            if name not in out:
                continue
            largest = int(limit(int(n_rows), int(n_features)))
            lowest = int(by_name[name].low) if by_name[name].low is not None else 1
            if largest < lowest:
                raise ValueError(
                    f"{self.title}: the data has {n_rows:,} rows and {n_features:,} features, too few for "
                    f"{by_name[name].label} (it needs at least {lowest}). Use more rows or another model."
                )
            if out[name] > largest:
                notes.append(
                    f"{by_name[name].label} = {out[name]} is more than this data allows; using {largest}, "
                    f"the largest allowed for {n_rows:,} rows × {n_features:,} features."
                )
                out[name] = type(out[name])(largest)
        return out, notes


class Registry:
    """The entries of one kind, in registration order."""

    def __init__(self, kind: str):
        if kind not in KINDS:
            raise ValueError(f"Unknown kind {kind!r}; expected one of {KINDS}.")
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, entry: Entry) -> Entry:
        if entry.kind != self.kind:
            raise ValueError(f"Entry {entry.name!r} is a {entry.kind}, not a {self.kind}.")
        self._entries[entry.name] = entry
        return entry

    def get(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except KeyError:
            raise ValueError(
                f"Unknown {self.kind} {name!r}; expected one of {sorted(self._entries)}."
            ) from None

    def entries(self, tag: str | None = None) -> list[Entry]:
        return [e for e in self._entries.values() if tag is None or tag in e.tags]

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)


REGISTRIES: dict[str, Registry] = {kind: Registry(kind) for kind in KINDS}

# Modules that register entries of each kind; imported on first use so `import ml.registry` stays cheap
# and each engine module can import this one without a cycle.
_PROVIDERS = {
    "classifier": ("ml.models",),
    "regressor": ("ml.models",),
    "clusterer": ("ml.clustering",),
    "projector": ("ml.projection",),
    "detector": ("ml.detectors",),
}


def _load(kind: str) -> Registry:
    import importlib

    if kind not in REGISTRIES:
        raise ValueError(f"Unknown kind {kind!r}; expected one of {KINDS}.")
    for module in _PROVIDERS[kind]:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # a provider that exists but fails to import is a real error
                raise
    return REGISTRIES[kind]


def register(entry: Entry) -> Entry:
    """Add `entry` to the registry of its kind."""
    return REGISTRIES[entry.kind].register(entry)


def entries(kind: str, tag: str | None = None) -> list[Entry]:
    """Every entry of `kind` (optionally only those tagged `tag`), in registration order."""
    return _load(kind).entries(tag)


def get(kind: str, name: str) -> Entry:
    return _load(kind).get(name)


def make(kind: str, name: str, params: dict | None = None, seed: int = 0):
    """An unfitted estimator of registry entry `kind`/`name`."""
    return get(kind, name).make(params, seed)


def check_contract(kind: str, fitted) -> None:
    """Raise ValueError naming what a fitted estimator of `kind` lacks from its contract."""
    missing = [attr for attr in CONTRACTS[kind] if not hasattr(fitted, attr)]
    if missing:
        raise ValueError(f"A fitted {kind} must have {list(CONTRACTS[kind])}; {type(fitted).__name__} lacks {missing}.")
