"""A seeded random walk over a page's widgets, buttons and tabs, driven through Streamlit's AppTest.

Each step picks one control on the page as it stands (a select box, slider, number box, toggle,
radio, multiselect, segmented control, button or tab), gives it a value (an edge of its range about
a third of the time, else a random one) and reruns the page. After every rerun the page must show
no uncaught exception and no generic "could not be computed" message (guard's wording for an error
nobody anticipated). A failure names the seed and the steps that reproduce it.

Costly knobs (rows of a simulated dataset, epochs, trees, iterations) are kept near the bottom of
their range so hundreds of steps fit in CI; buttons that start long work (sweeps, comparisons,
training) are pressed only in the long run (WALK_STEPS above the default) or rarely.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field

from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import element_tree as et

GENERIC = "could not be computed"
# Parameters whose value sets the cost of a rerun: sampled from the bottom few percent of the range.
COSTLY = re.compile(
    r"(n_samples|epochs|n_estimators|max_iter|n_init|steps|hidden_units|hidden_layers|duration|"
    r"n_repeats|n_points|rows|patience|n_iter|resolution|n_components_max|max_k|k_max|_n|candidates)$"
)
COSTLY_CAP = 0.04  # share of the range a costly slider may reach
# Buttons that start work worth seconds (or minutes on big data): rare in the default walk.
LONG_BUTTON = re.compile(r"(train|run|compare|compute|grid|search|sweep|fit|learn|start|download)", re.I)
NEVER = re.compile(r"(remove this upload)", re.I)  # would only undo the walk's own setup


# -- raw widget states: choose a shown option without knowing the Python value behind it -------------
class _RawSelectbox(et.Selectbox):
    @property
    def _widget_state(self):
        ws = WidgetState()
        ws.id = self.id
        ws.string_value = self._raw
        return ws


class _RawRadio(et.Radio):
    @property
    def _widget_state(self):
        ws = WidgetState()
        ws.id = self.id
        ws.string_value = self._raw
        return ws


def _array_state(self):
    ws = WidgetState()
    ws.id = self.id
    ws.string_array_value.data[:] = list(self._raw)
    return ws


class _RawMultiselect(et.Multiselect):
    _widget_state = property(_array_state)


class _RawButtonGroup(et.ButtonGroup):
    _widget_state = property(_array_state)


class _RawSelectSlider(et.SelectSlider):
    _widget_state = property(_array_state)


_RAW = {
    et.Selectbox: _RawSelectbox,
    et.Radio: _RawRadio,
    et.Multiselect: _RawMultiselect,
    et.ButtonGroup: _RawButtonGroup,
    et.SelectSlider: _RawSelectSlider,
}


def _set_raw(widget, raw) -> None:
    widget.__class__ = _RAW.get(type(widget), type(widget))  # already raw when chosen twice between reruns
    widget._raw = raw


# -- the walk -------------------------------------------------------------------------------------------
def _nodes(root):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        children = getattr(node, "children", None)
        if children:
            stack.extend(reversed(list(children.values())))


def _tab_groups(root) -> list[tuple[str, list[str]]]:
    """(session key, labels) of every keyed st.tabs on the page."""
    out = []
    for node in _nodes(root):
        children = list((getattr(node, "children", None) or {}).values())
        labels = [c.label for c in children if isinstance(c, et.Tab)]
        if labels:
            tab_id = node.proto.tab_container.id
            if "-" in tab_id:
                out.append((tab_id.split("-", 2)[-1], labels))
    return out


@dataclass
class Walk:
    path: str
    seed: int
    steps: int
    long: bool = False
    per_run: int = 1  # widget changes per rerun (2 halves the reruns: two controls moved between runs)
    timeout: float = 180  # one run may pay a one-off compile (UMAP's numba: 10-75 s on a busy machine)
    log: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    n_runs: int = 0

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    # one value for each kind of control
    def _edge_or_random(self, low, high, step, key: str, is_int: bool):
        if COSTLY.search(key or ""):
            high = low + (high - low) * COSTLY_CAP
        r = self.rng.random()
        if r < 0.17:
            v = low
        elif r < 0.34:
            v = high
        else:
            v = self.rng.uniform(low, high)
        if step:
            v = low + round((v - low) / step) * step
        v = min(max(v, low), high)
        return int(round(v)) if is_int else float(v)

    def _action(self, at: AppTest):
        """(description, apply) for one randomly chosen control, or None."""
        candidates = []
        for node in _nodes(at._tree):
            if getattr(node, "disabled", False) or getattr(getattr(node, "proto", None), "disabled", False):
                continue
            label = getattr(node, "label", "") or ""
            if isinstance(node, et.Button):
                if NEVER.search(label):
                    continue
                weight = 1.0 if (self.long or not LONG_BUTTON.search(label)) else 0.08
                candidates.append((weight, node))
            elif isinstance(node, (et.Selectbox, et.Radio, et.Multiselect, et.ButtonGroup, et.SelectSlider)):
                if node.options:
                    candidates.append((1.0, node))
            elif isinstance(node, (et.Slider, et.NumberInput, et.Toggle, et.Checkbox, et.TextInput)):
                candidates.append((1.0, node))
        for tab_key, labels in _tab_groups(at._tree):
            candidates.append((1.5, ("tab", tab_key, labels)))
        if not candidates:
            return None
        weights = [w for w, _ in candidates]
        node = self.rng.choices([c for _, c in candidates], weights=weights)[0]
        return self._value_for(at, node)

    def _value_for(self, at: AppTest, node):
        rng = self.rng
        if isinstance(node, tuple):
            _, tab_key, labels = node
            label = rng.choice(labels)

            def apply():
                at.session_state[tab_key] = label

            return f"tab {tab_key!r} -> {label!r}", apply
        key = node.key or node.label
        if isinstance(node, et.Button):
            return f"click {node.label!r} ({key})", node.click
        if isinstance(node, (et.Selectbox, et.Radio)):
            raw = rng.choice(node.options)
            return f"{type(node).__name__.lower()} {key!r} -> {raw!r}", lambda: _set_raw(node, raw)
        if isinstance(node, et.SelectSlider):
            if rng.random() < 0.34:
                raw = [node.options[0] if rng.random() < 0.5 else node.options[-1]]
            else:
                raw = [rng.choice(node.options)]
            if COSTLY.search(node.key or ""):
                raw = [node.options[0]]
            cur = node.value
            if isinstance(cur, (list, tuple)) and len(cur) == 2:
                i, j = sorted(rng.sample(range(len(node.options)), 2)) if len(node.options) > 1 else (0, 0)
                raw = [node.options[i], node.options[j]]
            return f"select_slider {key!r} -> {raw!r}", lambda: _set_raw(node, raw)
        if isinstance(node, et.Multiselect):
            opts = list(node.options)
            r = rng.random()
            if r < 0.15:
                raw = []
            elif r < 0.3:
                raw = opts
            else:
                raw = rng.sample(opts, rng.randint(1, len(opts)))
            return f"multiselect {key!r} -> {raw!r}", lambda: _set_raw(node, raw)
        if isinstance(node, et.ButtonGroup):
            raw = [rng.choice(node.options)]
            return f"button_group {key!r} -> {raw!r}", lambda: _set_raw(node, raw)
        if isinstance(node, et.Slider):
            low, high, step = node.min, node.max, node.step
            is_int = isinstance(node.value if not isinstance(node.value, (list, tuple)) else node.value[0], int)
            if hasattr(low, "year"):  # date/time sliders: leave as is
                return None
            if isinstance(node.value, (list, tuple)):
                a = self._edge_or_random(low, high, step, node.key, is_int)
                b = self._edge_or_random(low, high, step, node.key, is_int)
                v = (min(a, b), max(a, b))
            else:
                v = self._edge_or_random(low, high, step, node.key, is_int)
            return f"slider {key!r} -> {v!r}", lambda: node.set_value(v)
        if isinstance(node, et.NumberInput):
            low = node.min if node.min is not None else -1e6
            high = node.max if node.max is not None else 1e6
            is_int = isinstance(node.value, int)
            step = node.step or (1 if is_int else None)
            v = self._edge_or_random(low, high, step, node.key, is_int)
            return f"number_input {key!r} -> {v!r}", lambda: node.set_value(v)
        if isinstance(node, (et.Toggle, et.Checkbox)):
            v = not node.value
            return f"{type(node).__name__.lower()} {key!r} -> {v}", lambda: node.set_value(v)
        if isinstance(node, et.TextInput):
            v = rng.choice(["", "0", "-1", "1e308", "nan", "abc", "<b>x</b>", "0.5"])
            return f"text_input {key!r} -> {v!r}", lambda: node.input(v)
        return None

    def _check(self, at: AppTest, what: str) -> None:
        problems = [f"uncaught exception: {e.value[:500]}" for e in at.exception]
        problems += [f"generic message: {e.value[:500]}" for e in at.error if GENERIC in e.value]
        for p in problems:
            self.failures.append(f"step {len(self.log)} ({what}): {p}")

    def run(self, prepare=None) -> Walk:
        at = AppTest.from_file(self.path, default_timeout=self.timeout)
        if prepare:
            prepare(at)
        self._run(at, "first run")
        if prepare:
            prepare(at, after_first=True)
        for i in range(self.steps):
            action = self._action(at)
            if action is None:
                self.log.append("(nothing to do) rerun")
                self._run(at, "rerun")
            else:
                what, apply = action
                self.log.append(what)
                apply()
                if (i + 1) % self.per_run == 0 or i == self.steps - 1:
                    self._run(at, what)  # the changes since the last rerun reach the page together
            if self.failures:  # the first failure's steps are the reproduction; the log has its traceback
                break
        return self

    def _run(self, at: AppTest, what: str) -> None:
        start = time.perf_counter()
        try:
            at.run()
        except RuntimeError as exc:  # AppTest's timeout
            self.failures.append(f"step {len(self.log)} ({what}): {exc} after {time.perf_counter() - start:.0f} s")
            return
        self.n_runs += 1
        self._check(at, what)

    def report(self) -> str:
        steps = "\n".join(f"  {i + 1:4d}. {s}" for i, s in enumerate(self.log))
        return (
            f"Random walk over {self.path} (seed {self.seed}, {self.steps} steps) found:\n  "
            + "\n  ".join(self.failures)
            + f"\nReproduce with WALK_SEED={self.seed} WALK_STEPS={self.steps} WALK_PER_RUN={self.per_run} (a rerun "
            f"after every {self.per_run} step(s)); the steps were:\n{steps}"
        )
