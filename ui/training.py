"""Training with a live view, and bounded result stores for fitted models and sweeps.

`fit_with_progress` fits a model once per key and keeps it in a bounded store shared by every
session. Torch networks show a progress bar and live loss/score curves while they train.

Why not `st.cache_resource` around the fit? Streamlit records the elements a cached function
draws in order to replay them, and refuses (CacheReplayClosureError) when the function writes
into placeholders made outside it — exactly what a live training chart does. So the stores here
are plain LRU dictionaries held in one `st.cache_resource`: the same sharing and bound, with the
drawing left outside the cache.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from ml.models import final_estimator, fit_model
from ml.plots.training import history_figure
from ml.runtime import LONG_FIT_S, estimate_fit_seconds
from ui import cache
from ui.budget import nbytes
from ui.present import chart
from ui.widgets import PageNote, safe_md

_MISSING = object()
LIVE_REFRESH_S = 0.5  # at most this often the live chart is redrawn while a net trains (a redraw remounts it)


class LRUStore:
    """A thread-safe dictionary holding at most `maxsize` entries and `max_bytes` bytes (estimated by
    ui.budget.nbytes), least recently used dropped first."""

    def __init__(self, maxsize: int, max_bytes: int | None = None):
        self.maxsize = int(maxsize)
        self.max_bytes = max_bytes
        self._data: OrderedDict = OrderedDict()
        self._sizes: dict = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            if key not in self._data:
                return default
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: Hashable, value: Any) -> None:
        size = nbytes(value) if self.max_bytes else 0
        with self._lock:
            self._data[key] = value
            self._sizes[key] = size
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize or (
                self.max_bytes and len(self._data) > 1 and sum(self._sizes.values()) > self.max_bytes
            ):
                old, _ = self._data.popitem(last=False)
                self._sizes.pop(old, None)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(self._sizes.values())

    def pop(self, key: Hashable) -> None:
        with self._lock:
            self._data.pop(key, None)
            self._sizes.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


store = cache.training_store  # the shared bounded LRUStore called `name`, declared with every other cache


def cached(name: str, key: tuple, compute: Callable[[], Any], maxsize: int = 16) -> Any:
    """`compute()` once per key in store `name`; failures (exceptions) are not stored."""
    box = store(name, maxsize)
    value = box.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        box.put(key, value)
    return value


def lookup(name: str, key: tuple, maxsize: int = 16) -> Any:
    """What store `name` holds for `key`, or None."""
    return store(name, maxsize).get(key)


def history_panel(net, task: str, n_train: int, key: str) -> None:
    """A trained network's loss and score per epoch (train vs validation, best epoch marked when
    early stopping chose it), with where, how long and how fast it trained."""
    best = net.best_epoch_ if net.early_stopping else None
    chart(history_figure(net.history_, task, best), key=key)
    n_fit = n_train * (1 - net.validation_fraction)
    st.caption(
        f"Trained on {net.device_} ({cache.device_label()}): {net.n_epochs_} epochs in {net.fit_time_:.2f} s "
        f"({n_fit * net.n_epochs_ / max(net.fit_time_, 1e-9):,.0f} samples/s). Train (dashed) and validation "
        f"(solid) per epoch; validation is {net.validation_fraction:.0%} of the training rows, held out inside "
        "the network's fit."
    )


class _LiveTraining:
    """Progress bar and live history chart, drawn into one container while a net trains."""

    def __init__(self, task: str, title: str):
        self.task = task
        self.slot = st.empty()  # one slot, so close() can clear the whole panel
        self.box = self.slot.container(border=True)
        self.box.caption(f"Training **{title}** on **{cache.device_label()}** …")
        self.bar = self.box.progress(0.0, text="Starting")
        self.chart = self.box.empty()
        self.box.button("Stop training (keep what it has learned)", key=f"_stop_{id(self)}", icon=":material/stop:")
        self.history: list[dict] = []
        self._last = 0.0
        self.n_epochs = 0
        self.interrupted: BaseException | None = None  # the user's Stop (or any control moved) while training

    def __call__(self, record: dict, n_epochs: int) -> bool:
        self.history.append(record)
        self.n_epochs = n_epochs
        if self.interrupted is not None:
            return False
        now = time.perf_counter()
        last_epoch = record["epoch"] >= n_epochs
        if now - self._last < LIVE_REFRESH_S and not last_epoch:
            return True
        self._last = now
        try:
            self.bar.progress(
                min(record["epoch"] / n_epochs, 1.0),
                text=f"Epoch {record['epoch']} of {n_epochs}: validation loss {record['val_loss']:.4g}",
            )
            # a key per redraw: the final live figure may equal the one the page draws after training
            chart(
                history_figure(self.history, self.task), key=f"_live_{id(self)}_{record['epoch']}", container=self.chart
            )
        except ScriptControlException as exc:  # Stop pressed or a control moved: end after this epoch
            self.interrupted = exc
            return False
        return True

    def close(self) -> None:
        self.slot.empty()


def _duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:,.0f} min"


def _ask_before_long_fit(full_key: tuple, expected: float, title: str, n_rows: int, is_torch: bool) -> None:
    """Say the estimate and ask (a button); stop the page here until the user agrees."""
    st.warning(
        f"Training **{safe_md(title)}** on {n_rows:,} rows is expected to take about **{_duration(expected)}** on "
        "this machine (a rough estimate). To make it faster, lower the cost: fewer rows (the dataset's options "
        "or the row filter), smaller C or γ, fewer trees or epochs, a larger batch. Or train anyway"
        + (": the network's training shows its progress and can be stopped, keeping what it has learned." if is_torch
           else "."),
        icon=":material/hourglass_top:",
    )
    if st.button(f"Train anyway (about {_duration(expected)})", key=f"_long_fit_{abs(hash(full_key))}"):
        st.session_state["_long_fits_ok"].add(full_key)
        st.rerun()
    st.stop()


def fit_with_progress(
    key: tuple, build: Callable[[], Any], X, y, *, task: str, is_torch: bool, title: str | None = None
):
    """The estimator `build()` makes, fitted on X, y once per `key`; returns (estimator, seconds).

    `key` names everything the fit depends on (data key, preparation, model name, params tuple,
    seed). On a miss a torch model shows a progress bar and live loss/score curves (train vs
    validation) and the device; other models show a spinner. The stored estimator is shared:
    treat it as read-only. Raises ValueError (bad parameters, divergence) for the caller's guard.
    `title` names the model in the live panel (default: the network's class name).
    """
    box = store("fitted", 16)
    full_key = ("fit", task, *key)
    hit = box.get(full_key, _MISSING)
    if hit is not _MISSING:
        note = getattr(hit[0], "stopped_note_", None)
        if note:
            st.info(note, icon=":material/stop_circle:")
            if st.button("Train to the end", key=f"_resume_{abs(hash(full_key))}"):
                box.pop(full_key)
                st.rerun()
        return hit
    estimator = build()
    n_rows, n_features = len(X), (X.shape[1] if getattr(X, "ndim", 1) > 1 else 1)
    expected = estimate_fit_seconds(estimator, n_rows, n_features)
    if expected > LONG_FIT_S and full_key not in st.session_state.setdefault("_long_fits_ok", set()):
        _ask_before_long_fit(full_key, expected, title or type(final_estimator(estimator)).__name__, n_rows, is_torch)
    start = time.perf_counter()
    if is_torch:
        net = final_estimator(estimator)
        live = _LiveTraining(task, title or type(net).__name__)
        net.set_params(callback=live)
        try:
            fit_model(estimator, X, y)
        except ValueError:
            live.bar.empty()  # keep the curves up to the divergence: they show what went wrong
            raise
        finally:
            net.set_params(callback=None)  # clones (CV, grid search) must not draw into stale placeholders
        live.close()
        if live.interrupted is not None:  # keep what it learned, then let the user's rerun (or stop) go on
            estimator.stopped_note_ = (
                f"Training was stopped after {len(live.history)} of {live.n_epochs} epochs; the network keeps "
                "what it had learned by then."
            )
            box.put(full_key, (estimator, time.perf_counter() - start))
            raise live.interrupted
    else:
        job = _background_fit(full_key, estimator, X, y, (task, key[0], key[-2]))
        if not job.done.wait(QUIET_FIT_S):
            _wait_with_progress(job, full_key, expected, title or type(final_estimator(estimator)).__name__)
        if job.error is not None:
            raise job.error
        return job.result
    result = (estimator, time.perf_counter() - start)
    box.put(full_key, result)
    store("fit_seconds", 256).put((task, key[0], key[-2]), result[1])
    return result


QUIET_FIT_S = 0.3  # a fit that ends within this shows nothing
_RUNNING: dict = {}  # fit key -> _Fit still running (one per key, shared by the sessions that ask)
_RUNNING_LOCK = threading.Lock()


class _Fit:
    """A scikit-learn fit in a worker thread: it reports nothing and cannot be cut short, so the page
    waits beside it (elapsed time against the estimate, a Stop button) and a Stop frees the page at once;
    the fit finishes in the background and is stored, so coming back to these settings costs nothing."""

    def __init__(self, full_key: tuple, estimator, X, y, seconds_key: tuple):
        self.full_key, self.estimator, self.seconds_key = full_key, estimator, seconds_key
        self.done, self.error, self.result = threading.Event(), None, None
        self.start = time.perf_counter()
        self._stores = (store("fitted", 16), store("fit_seconds", 256))  # looked up here: the worker has no script context
        threading.Thread(target=self._work, args=(X, y), daemon=True, name="ml-explorer-fit").start()

    def _work(self, X, y) -> None:
        try:
            fit_model(self.estimator, X, y)
            self.result = (self.estimator, time.perf_counter() - self.start)
            self._stores[0].put(self.full_key, self.result)
            self._stores[1].put(self.seconds_key, self.result[1])
        except Exception as exc:  # noqa: BLE001 - handed to the page that waits (ValueError: a worded message)
            self.error = exc
        finally:
            with _RUNNING_LOCK:
                _RUNNING.pop(self.full_key, None)
            self.done.set()


def _background_fit(full_key: tuple, estimator, X, y, seconds_key: tuple) -> _Fit:
    with _RUNNING_LOCK:
        job = _RUNNING.get(full_key)
        if job is None:
            job = _RUNNING[full_key] = _Fit(full_key, estimator, X, y, seconds_key)
    return job


def _wait_with_progress(job: _Fit, full_key: tuple, expected: float, title: str) -> None:
    """Elapsed time against the estimate and a Stop button until `job` is done.

    Stop (or any other control) ends this run: Streamlit interrupts it at the next element update, or,
    in a fragment where it does not, the loop sees the waiting rerun (ui.sweep's check). The next run
    finds the button pressed and says the fit goes on in the background.
    """
    from ui.sweep import _interrupted

    slot = st.empty()
    with slot.container():
        bar = st.progress(0.0, text=f"Training {safe_md(title)} …")
        stopped = st.button("Stop", key=f"_stop_fit_{abs(hash(full_key))}", icon=":material/stop_circle:")
    if stopped:
        slot.empty()
        raise PageNote(
            f"Training **{safe_md(title)}** was stopped: the page is free again. A scikit-learn fit cannot be cut "
            "short, so it finishes in the background and is kept: come back to these settings to see it, or "
            "change them (fewer rows, a cheaper setting) for a faster fit."
        )
    while not job.done.wait(0.25):
        if _interrupted():
            raise PageNote(f"Training **{safe_md(title)}** goes on in the background (another control was used).")
        elapsed = time.perf_counter() - job.start
        left = max(expected - elapsed, 0.0)
        bar.progress(
            min(elapsed / max(expected, 1e-9), 0.99),
            text=f"Training {safe_md(title)}: {elapsed:,.0f} s so far, "
            + (f"about {_duration(left)} left (estimate)" if left > 0 else "longer than estimated")
            + ". Stop frees the page.",
        )
    slot.empty()


def params_text(params: dict) -> str:
    """'name = value, …' for a message (floats short), or 'default settings'."""
    text = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in params.items())
    return safe_md(text) or "default settings"


def train_gate(why: str | None, title: str, key: str, last: tuple[str, dict] | None, token=None) -> bool:
    """True to fit now: `why` is None (a quick fit) or the Train button was pressed for this fit.

    Otherwise a bordered box with one "Train <title>" button and why it waits; `last` = (title, params)
    of the result still shown below (marked stale), or None when there is none for this data. `token`
    names the fit (its key): a press holds for that fit across the rerun that a "Train anyway" (a fit
    over LONG_FIT_S) makes, so one press and one confirmation train it.
    """
    if why is None:
        return True
    armed = st.session_state.get(f"_{key}.armed")
    box = st.container(border=True)
    if box.button(f"Train {title}", type="primary", key=key, icon=":material/model_training:"):
        st.session_state[f"_{key}.armed"] = token
        return True
    if token is not None and armed == token:
        return True
    if last is not None:
        box.warning(
            f"**Stale:** the results below are from **{safe_md(last[0])}** ({params_text(last[1])}). "
            f"{why}: press **Train** to fit with the current settings.",
            icon=":material/history:",
        )
    else:
        box.info(f"{why}: press **Train** to fit it with the settings in the sidebar.")
    return False


def is_fitted(key: tuple, task: str) -> bool:
    """Whether `fit_with_progress(key, …, task=task)` would answer from the store (no fit)."""
    return store("fitted", 16).get(("fit", task, *key), _MISSING) is not _MISSING


def fit_seconds(data_and_model: tuple, task: str) -> float | None:
    """Seconds the last fit of this model on this data took (any parameters), or None.

    `data_and_model` is (data key, model name): the first and the last-but-one entries of a fit key
    laid out (data key, …, model name, parameter tuple), as the Classification page builds it.
    """
    return store("fit_seconds", 256).get((task, *data_and_model))
