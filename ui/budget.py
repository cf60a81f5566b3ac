"""Caches bounded by bytes as well as by count (issue 10: four 350 MB tables fitted in one cache).

`within_budget(name, mb)` wraps an `st.cache_resource` / `st.cache_data` function: it records the size
of each value the first time it comes back (estimated by `nbytes`, cheap: array buffers, not a
pickle), and when the cache's total passes its budget it clears the least recently used entries
(`cached.clear(*args)` clears one key) until it fits again. The budgets themselves are stated in one
place, `ui.cache.CACHE_BUDGET_MB`. `usage()` reports every budgeted cache (for the memory benchmark).
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd

_LEDGERS: dict[str, _Ledger] = {}


def nbytes(obj, depth: int = 5, _seen: dict | None = None) -> int:
    """A cheap estimate of the memory `obj` holds: array and frame buffers, bytes, containers, and the
    attributes of plain objects (fitted estimators, datasets, tables), `depth` levels down."""
    seen = _seen if _seen is not None else {}
    if id(obj) in seen:
        return 0
    seen[id(obj)] = obj  # held, so a temporary's id is not reused while we walk
    if isinstance(obj, (bytes, bytearray, memoryview, str)):
        return len(obj)
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return obj.nbytes + sum(nbytes(v, 0, seen) for v in obj.ravel()[:1000]) * max(obj.size // 1000, 1)
        return obj.nbytes
    if isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
        usage = obj.memory_usage(index=True, deep=False)
        total = int(usage.sum()) if hasattr(usage, "sum") else int(usage)
        frame = obj.to_frame() if isinstance(obj, pd.Series) else obj if isinstance(obj, pd.DataFrame) else None
        if frame is not None:  # object columns: sample their strings instead of walking every cell
            text = [j for j, t in enumerate(frame.dtypes) if not pd.api.types.is_numeric_dtype(t)]
            for j in text[:50]:
                col = frame.iloc[:, j]
                sample = col.iloc[:200]
                if len(sample):
                    total += int(sum(sys.getsizeof(v) for v in sample) / len(sample) * len(col))
        return total
    if depth <= 0:
        return sys.getsizeof(obj)
    if isinstance(obj, dict):
        return sys.getsizeof(obj) + sum(nbytes(k, depth - 1, seen) + nbytes(v, depth - 1, seen) for k, v in obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return sys.getsizeof(obj) + sum(nbytes(v, depth - 1, seen) for v in obj)
    if hasattr(obj, "node_count") and hasattr(obj, "__getstate__"):  # a fitted sklearn Tree
        try:
            return nbytes(obj.__getstate__(), 2, seen)
        except Exception:  # noqa: BLE001 - an estimate only
            return sys.getsizeof(obj)
    fields = getattr(obj, "__dict__", None)
    if fields is None and hasattr(obj, "__slots__"):
        fields = {s: getattr(obj, s, None) for s in obj.__slots__}
    if isinstance(fields, dict):
        return sys.getsizeof(obj) + sum(nbytes(v, depth - 1, seen) for v in fields.values())
    return sys.getsizeof(obj)


class _Ledger:
    def __init__(self, name: str, mb: float):
        self.name, self.limit = name, int(mb * 1024**2)
        self.entries: OrderedDict[str, tuple[dict, int]] = OrderedDict()
        self.lock = threading.Lock()

    @property
    def total(self) -> int:
        return sum(size for _, size in self.entries.values())


def within_budget(name: str, mb: float):
    """Bound the cached function's entries to `mb` megabytes in all (least recently used cleared first)."""
    ledger = _LEDGERS.setdefault(name, _Ledger(name, mb))
    ledger.limit = int(mb * 1024**2)

    def decorate(cached):
        sig = inspect.signature(getattr(cached, "__wrapped__", cached))
        # Streamlit drops entries past max_entries without telling us: the ledger forgets them too
        max_entries = getattr(getattr(cached, "_info", None), "max_entries", None)

        @functools.wraps(cached)
        def call(*args, **kwargs):
            value = cached(*args, **kwargs)
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            # underscore arguments are not part of Streamlit's key: never kept here (they are big)
            key_args = {k: (None if k.startswith("_") else v) for k, v in bound.arguments.items()}
            key = repr(sorted((k, v) for k, v in key_args.items() if not k.startswith("_")))
            evict = []
            with ledger.lock:
                if key in ledger.entries:
                    ledger.entries.move_to_end(key)
                else:
                    ledger.entries[key] = (key_args, nbytes(value))
                    while max_entries and len(ledger.entries) > max_entries:
                        ledger.entries.popitem(last=False)
                    while ledger.total > ledger.limit and len(ledger.entries) > 1:
                        _, (old_args, _) = ledger.entries.popitem(last=False)
                        evict.append(old_args)
            for old_args in evict:
                cached.clear(**old_args)
            return value

        call.clear = cached.clear
        return call

    return decorate


def usage() -> dict[str, tuple[int, int, int]]:
    """{cache name: (entries, bytes held, budget bytes)} for every budgeted cache."""
    return {n: (len(led.entries), led.total, led.limit) for n, led in _LEDGERS.items()}
