"""One way to run a long sweep on every page: its estimate first, progress with time left, a Stop
button, and the results so far kept.

A sweep is an `ml.evaluation.Plan`: small steps (one fit, one model, one dataset × seed) and an
`assemble(results)` that builds the result from the steps done. `sweep(key, plan, ...)`:

- before it runs, the Run button says its estimate ("Run … (about 12 s)"), with a warning past
  `SWEEP_BUDGET_S`;
- while it runs, a progress bar reads "k of n fits · about X s left" and a Stop button sits under it;
- each finished step's result goes into `st.session_state` at once, so a Stop, any other control
  moved, or a page switch keeps what is done; the page then shows the partial result, says
  "Stopped after k of n", and offers Continue (from there) or Start again;
- a finished sweep is kept in a shared bounded store (`ui.training.store`) and shown at once later.

How Streamlit 1.67 interrupts a running script: a widget event asks the script runner for a rerun
and the running script raises RerunException at its next `st.*` call (a "yield point"), *unless*
the widget sits in a fragment: a fragment widget's rerun request is queued and never preempts the
run in progress (`script_requests._fragment_run_should_not_preempt_script`), so a Stop button
inside a fragment would only act after the sweep ends. So between steps the sweep also looks at
the pending request itself (`_interrupted`) and stops when any rerun or stop is waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from ml.evaluation import Plan
from ui import training

SWEEP_BUDGET_S = 20.0  # default sizes keep a sweep under this many seconds on the 2-core machine
PARTIAL = "_sweeps.partial"  # session key: {sweep key: [step results]} of sweeps stopped part-way
SPENT = "_sweeps.seconds"  # session key: {sweep key: seconds the kept steps took} (time left when continuing)
MAX_PARTIAL = 8  # partial sweeps kept per session (oldest dropped)


@dataclass
class Outcome:
    """What a sweep has: `value` is the plan's assembled result over the `done` steps of `total`."""

    value: object
    done: int
    total: int
    unit: str = "step"
    units: str = "steps"

    @property
    def complete(self) -> bool:
        return self.done >= self.total


def speed(name: str) -> float:
    """How many times slower than forecast the sweeps run by button `name` ran lately on this server
    (1 = as forecast; learnt from every run of a second or more, so estimates and budgets follow the
    machine's load)."""
    return float(training.store("sweep_speed", 64).get(name) or 1.0)


def _learn_speed(name: str, plan: Plan, start: int, done: int, seconds: float, raw_estimate: float) -> None:
    weights = [s.weight for s in plan.steps]
    forecast = raw_estimate * sum(weights[start:done]) / max(sum(weights), 1e-12)
    if forecast < 0.5 or seconds <= 0:
        return
    ratio = min(max(seconds / forecast, 0.25), 10.0)
    old = speed(name)
    training.store("sweep_speed", 64).put(name, float(np.sqrt(old * ratio)))  # halfway, in log space


def duration(seconds: float) -> str:
    """'about 12 s', 'about 3 min', 'under a second'."""
    if seconds < 1:
        return "under a second"
    if seconds < 120:
        return f"about {seconds:,.0f} s"
    return f"about {seconds / 60:,.0f} min"


def _interrupted() -> bool:
    """Whether a rerun or stop is waiting: the user pressed Stop (or any control) or left the page."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        requests = getattr(get_script_run_ctx(suppress_warning=True), "script_requests", None)
        state = getattr(requests, "_state", None)  # ScriptRequestType: CONTINUE, RERUN or STOP
        return getattr(state, "name", "CONTINUE") in ("RERUN", "STOP")
    except Exception:  # noqa: BLE001 - a private attribute: without it, Stop acts at the next st.* call
        return False


def _partials() -> dict:
    return st.session_state.setdefault(PARTIAL, {})


def _keep(key: tuple, results: list, seconds: float | None = None) -> None:
    box, spent = _partials(), st.session_state.setdefault(SPENT, {})
    box.pop(key, None)
    box[key] = results
    if seconds is not None:
        spent[key] = seconds
    while len(box) > MAX_PARTIAL:
        box.pop(next(iter(box)))
    for old in [k for k in spent if k not in box]:
        spent.pop(old, None)


def _drop(key: tuple) -> None:
    _partials().pop(key, None)
    st.session_state.setdefault(SPENT, {}).pop(key, None)


def partial_results(key: tuple) -> list | None:
    """The step results kept for a sweep stopped part-way (tests and callers that draw their own)."""
    return _partials().get(key)


def _time_left(plan: Plan, done: int, spent: float | None, estimate: float) -> float:
    """Seconds left after `done` steps: the measured rate of the steps done (`spent` seconds), else the
    estimate shared out by the steps' weights."""
    weights = [s.weight for s in plan.steps]
    left = sum(weights[done:])
    if done > 0 and spent:
        return spent / max(sum(weights[:done]), 1e-12) * left
    return estimate * left / max(sum(weights), 1e-12)


def sweep(
    key: tuple,
    plan: Plan | Callable[[], Plan],
    *,
    label: str,
    widget_key: str,
    estimate: float,
    store: str = "sweeps",
    store_size: int = 32,
    advice: str = "Fewer folds, values or rows make it faster.",
    disabled: bool = False,
    estimate_on_button: bool = True,
    auto: bool = False,
) -> Outcome | None:
    """The sweep `plan` under `key`: its finished result, its partial result, or a Run button.

    `plan` may be a function making the plan (it is only made when needed). `estimate` is the
    forecast seconds of the whole plan, said on the Run button (or, with `estimate_on_button=False`,
    in a caption just above it). `auto` runs it at once, without a button (quick sweeps: still with
    progress and Stop). Returns None until something has run; else an Outcome the
    caller draws (a partial one after a stop, said above it here). A step's ValueError (worded for
    users) goes to the caller's `guard` and drops the partial result.
    """
    raw, estimate = estimate, estimate * speed(widget_key)
    done_value = training.lookup(store, key, store_size)
    if done_value is not None:
        n = len(plan.steps) if isinstance(plan, Plan) else 0
        return Outcome(done_value, n, n)
    make = plan if callable(plan) and not isinstance(plan, Plan) else (lambda: plan)
    results = partial_results(key)
    head = st.empty()  # the Run / Continue controls, cleared while the sweep runs
    if results is None and auto:
        return _run(key, make(), [], (raw, estimate, widget_key), store, store_size)
    if results is None:
        with head.container():
            if estimate > SWEEP_BUDGET_S:
                st.warning(
                    f"This is expected to take {duration(estimate)} on this machine (a rough estimate). {advice} "
                    "It can be stopped while it runs, keeping the results so far.",
                    icon=":material/hourglass_top:",
                )
            elif not estimate_on_button:
                st.caption(f"Expected to take {duration(estimate)} on this machine (a rough estimate).")
            text = f"{label} ({duration(estimate)})" if estimate_on_button else label
            pressed = st.button(text, key=widget_key, type="primary", disabled=disabled)
        if not pressed:
            return None
        head.empty()
        return _run(key, make(), [], (raw, estimate, widget_key), store, store_size)
    built = make()
    n, k = len(built.steps), len(results)
    left = _time_left(built, k, st.session_state.get(SPENT, {}).get(key), estimate)
    with head.container():
        st.info(
            f"Stopped after {k} of {n} {built.units}: what is shown below comes from those {k}. Continue from "
            f"there ({duration(left)} left) or start again.",
            icon=":material/stop_circle:",
        )
        c1, c2 = st.columns(2)
        go_on = c1.button(f"Continue ({duration(left)} left)", key=widget_key, type="primary", disabled=disabled)
        again = c2.button("Start again", key=f"{widget_key}.restart", disabled=disabled)
    if go_on or again:
        head.empty()
        return _run(key, built, [] if again else list(results), (raw, estimate, widget_key), store, store_size)
    return _outcome(built, results)


def _outcome(plan: Plan, results: list) -> Outcome | None:
    if not results:
        return None
    return Outcome(plan.assemble(results), len(results), len(plan.steps), plan.unit, plan.units)


def _run(key: tuple, plan: Plan, results: list, forecast: tuple, store: str, store_size: int) -> Outcome | None:
    """Run the steps not done yet, keeping each result as it comes; stop when the user interrupts.
    `forecast` is (raw estimate, estimate scaled by speed(name), name)."""
    raw, estimate, name = forecast
    n, start = len(plan.steps), len(results)
    before = st.session_state.get(SPENT, {}).get(key, 0.0) if start else 0.0
    _keep(key, results, before)
    slot = st.empty()
    with slot.container(border=True):
        left = _time_left(plan, start, before, estimate)
        bar = st.progress(start / max(n, 1), text=f"{start} of {n} {plan.units} · {duration(left)} left")
        st.button("Stop (keep the results so far)", key=f"_sweep_stop_{abs(hash(key))}", icon=":material/stop:")
    t0 = time.perf_counter()
    try:
        for i in range(start, n):
            if _interrupted():
                _learn_speed(name, plan, start, i, time.perf_counter() - t0, raw)
                slot.empty()
                return _outcome(plan, results)
            results.append(plan.steps[i].run())
            spent = before + time.perf_counter() - t0
            _keep(key, results, spent)  # kept before the next st.* call, where Streamlit may stop this run
            nxt = f" · next: {plan.steps[i + 1].label}" if i + 1 < n else ""
            left = duration(_time_left(plan, i + 1, spent, estimate))
            bar.progress((i + 1) / n, text=f"{i + 1} of {n} {plan.units} · {left} left{nxt}")
    except ValueError:
        _drop(key)
        slot.empty()
        raise
    _learn_speed(name, plan, start, n, time.perf_counter() - t0, raw)
    value = plan.assemble(results)
    training.store(store, store_size).put(key, value)
    _drop(key)
    slot.empty()
    return Outcome(value, n, n, plan.unit, plan.units)


def stopped_note(outcome: Outcome | None) -> None:
    """A caption under a partial result (charts and tables say they are partial)."""
    if outcome is not None and not outcome.complete:
        st.caption(f"Partial result: {outcome.done} of {outcome.total} {outcome.units} done.")
