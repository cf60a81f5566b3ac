"""Live sliders: view-only sliders whose every consequence is precomputed, answered in the browser.

A slider that only picks among states already computed (PCA's number of components, the
reconstruction's k, a dendrogram cut, a step through a precomputed history) need not wait for a
rerun to show its result. `live_sliders` draws such sliders in one component with their readouts
(metric tiles and lines, one text per slider value); the live charts that follow the group
(`ui.live_plot.live_plot(..., follow=live.follow(parts))`) hold one state per value (marks,
restyles, animation data). A move updates the readouts and tells those charts, in the page, with
no server round trip; release or a key press sends the values to the server, which keeps them (the
session, the address) and reruns with them, drawing what is already on screen.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from ui import state as ui_state
from ui.component_files import private_dir

_HTML = Path(__file__).with_name("live_slider_frontend") / "index.html"
_component = components.declare_component("live_slider", path=str(private_dir("live-slider", _HTML)))


@dataclass(frozen=True)
class Slider:
    """One slider: its session-state `name` (kept for the session), `url` name in the address (None: not
    linked), range and step (integers give integer values), default, and how its value reads (`fmt`)."""

    name: str
    label: str
    lo: float
    hi: float
    default: float
    step: float = 1
    url: str | None = None
    fmt: str = "{}"
    help: str | None = None
    note: str | None = None
    labels: tuple | None = None  # what each value reads as (value i: labels[i - lo]), e.g. step numbers
    options: tuple | None = None  # the values it can take, in order (a log scale): lo, hi, step are ignored

    def __post_init__(self):
        if self.options:  # the range input runs over the options' positions
            object.__setattr__(self, "lo", 0)
            object.__setattr__(self, "hi", len(self.options) - 1)
            object.__setattr__(self, "step", 1)

    def clamp(self, v) -> float | int:
        """`v` on the slider's grid, inside its range (integers for an integer step; the nearest option, on a
        log scale, for a slider over options)."""
        try:
            v = float(v)
        except (TypeError, ValueError):
            v = float(self.default)
        if not math.isfinite(v):
            v = float(self.default)
        if self.options:
            if v <= 0:
                return self.options[0]
            return min(self.options, key=lambda o: abs(math.log(o) - math.log(v)) if o > 0 else math.inf)
        v = min(max(v, self.lo), self.hi)
        v = self.lo + round((v - self.lo) / self.step) * self.step
        v = min(v, self.hi)
        return int(round(v)) if float(self.step).is_integer() and float(self.lo).is_integer() else round(v, 10)

    def values(self) -> list:
        """Every value the slider can take, in order."""
        if self.options:
            return list(self.options)
        n = int(round((self.hi - self.lo) / self.step))
        return [self.clamp(self.lo + i * self.step) for i in range(n + 1)]


@dataclass
class Live:
    """The sliders' committed values and what charts need to follow them."""

    key: str
    token: str
    values: dict = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.values[name]

    def follow(self, parts, rev: str) -> dict:
        """A chart's `follow` argument. `parts` = {slider name: {str(value): {"marks": {layout key: value},
        "restyle": [[update, traces], ...], "animate": {...}}}} (or a function returning it), named by `rev`:
        it is serialised once per `rev` and parsed by the browser only when `rev` changes, so a rerun costs
        little however many states there are. The chart draws, for the current values, each slider's part
        (layout lists concatenated in the order of `parts`, other keys: the last one wins)."""
        from ui import present

        presenting = present.active()
        rev = f"{rev}|{self.token}" + ("|present" if presenting else "")
        text = _PARTS.get(rev)
        if text is None:
            built = parts() if callable(parts) else parts
            if presenting:  # marks scaled as the chart's own figure is (ui.present.live_figure)
                built = {
                    name: {v: {**part, "marks": present.live_figure(None, None, part["marks"])[2]} if part.get("marks") else part
                           for v, part in states.items()}
                    for name, states in built.items()
                }  # fmt: skip
            text = json.dumps(built, separators=(",", ":"), allow_nan=False)
            _PARTS[rev] = text
            while len(_PARTS) > _PARTS_KEPT:
                _PARTS.popitem(last=False)
        else:
            _PARTS.move_to_end(rev)
        return {"group": self.key, "token": self.token, "values": dict(self.values), "rev": rev, "parts": text}


_PARTS: OrderedDict[str, str] = OrderedDict()  # serialised parts by revision, shared by the sessions of this process
_PARTS_KEPT = 24


def texts(slider: Slider, fn) -> dict:
    """A readout's texts at every value of `slider`: {"slider": name, "texts": {str(v): fn(v)}}."""
    return {"slider": slider.name, "texts": {str(v): fn(v) for v in slider.values()}}


def compose(follow: dict, paint: bool = False) -> tuple:
    """(marks, restyles) a chart that follows shows at the committed values (as the browser composes them);
    with `paint`, (marks, restyles, the last part's "paint" or None)."""
    marks: dict = {}
    restyle: list = []
    painted = None
    parts = follow["parts"]
    for name, states in (json.loads(parts) if isinstance(parts, str) else parts).items():
        part = states.get(str(follow["values"].get(name)), {})
        for k, v in (part.get("marks") or {}).items():
            marks[k] = [*marks.get(k, []), *v] if isinstance(v, list) and isinstance(marks.get(k), list) else v
        restyle += part.get("restyle") or []
        painted = part.get("paint") or painted
    return (marks, restyle, painted) if paint else (marks, restyle)


def live_sliders(
    sliders: list[Slider], *, key: str, reset: str = "", tiles=(), lines=(), columns: int | None = None,
    delay: int | None = None, known: list | None = None,
) -> Live:
    """Draw `sliders` with their readouts; return the committed values (kept for the session, in the address).

    `reset` names the data the states belong to: when it (or a slider's range) changes the browser takes
    the server's values. `tiles` / `lines`: readouts in order, each `texts(slider, fn)` ([label, value] for a
    tile, a string or {"html": escaped markup} for a line) or {"static": ...} for one that does not move.
    `delay`: milliseconds the slider rests before its value is sent (default 400); 0 when the page has not
    precomputed the states (then every move asks the server at once, as a plain slider does). `known`: the
    values that have states, when not all do (or a function of the values): a move to another value asks the
    server at once.
    """
    token = hashlib.sha256(
        json.dumps([reset, [(s.name, s.lo, s.hi, s.step, s.options) for s in sliders]], default=str).encode()
    ).hexdigest()[:16]
    sent = st.session_state.get(key)  # the browser's last commit (a component's value is in the session state)
    seen = st.session_state.get(f"{key}.seq", 0)
    fresh = isinstance(sent, dict) and sent.get("token") == token and int(sent.get("seq") or 0) > seen
    if fresh:
        st.session_state[f"{key}.seq"] = int(sent["seq"])
    values = {}
    for s in sliders:
        v = st.session_state.get(s.name, s.default)
        if fresh and s.name in (sent.get("values") or {}):
            v = sent["values"][s.name]
        if s.url:
            v = ui_state.link_value(s.url, s.clamp(v), parse=_parser(s), default=s.clamp(s.default))
        values[s.name] = st.session_state[s.name] = s.clamp(v)
    from ui import present

    _component(
        sliders=[
            {"name": s.name, "label": s.label, "min": s.lo if s.options else s.clamp(s.lo),
             "max": s.hi if s.options else s.clamp(s.hi), "step": s.step,
             "format": s.fmt, "help": s.help, "note": s.note, "labels": list(s.labels) if s.labels else None,
             "options": list(s.options) if s.options else None}
            for s in sliders
        ],
        values=values,
        token=token,
        seq=int(st.session_state.get(f"{key}.seq", 0)),
        group=key,
        tiles=list(tiles),
        lines=list(lines),
        columns=columns,
        delay=delay,
        known=None if known is None else [str(v) for v in (known(values) if callable(known) else known)],
        scale=present.scale(),
        locked=any(present.locked(n) for s in sliders for n in (s.url or s.name, s.name)),
        key=key,
        default=None,
    )  # fmt: skip
    return Live(key=key, token=token, values=values)


def live_readouts(live: Live, *, key: str, tiles=(), lines=(), columns: int | None = None) -> None:
    """Readouts of `live`'s sliders drawn elsewhere on the page (the sliders in the sidebar, their numbers
    beside the charts): the same tiles and lines as `live_sliders` takes, following the sliders' moves in
    the browser."""
    from ui import present

    _component(
        sliders=[], values=live.values, token=live.token, seq=0, group=live.key, tiles=list(tiles),
        lines=list(lines), columns=columns, delay=None, scale=present.scale(), locked=False, key=key, default=None,
    )  # fmt: skip


def _parser(s: Slider):
    parse = ui_state.number_in(*((s.options[0], s.options[-1]) if s.options else (s.lo, s.hi)))
    return lambda text: s.clamp(parse(text))
