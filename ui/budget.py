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
_STORES: dict[str, BudgetedStore] = {}  # stores that are not st.cache_* functions (ui.cache.upload_tables)


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
            # (Arrow-backed strings, pandas 3's default, are counted exactly by memory_usage: not sampled)
            text = [j for j, t in enumerate(frame.dtypes) if pd.api.types.is_object_dtype(t)]
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

        def ledger_key(args, kwargs) -> tuple[str, dict]:
            bound = sig.bind_partial(*args, **kwargs)
            bound.apply_defaults()
            # underscore arguments are not part of Streamlit's key: never kept here (they are big)
            key_args = {k: (None if k.startswith("_") else v) for k, v in bound.arguments.items()}
            for name in sig.parameters:
                key_args.setdefault(name, None)
            return repr(sorted((k, v) for k, v in key_args.items() if not k.startswith("_"))), key_args

        @functools.wraps(cached)
        def call(*args, **kwargs):
            value = cached(*args, **kwargs)
            key, key_args = ledger_key(args, kwargs)
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

        def forget(*args, **kwargs) -> None:
            """Drop the one entry these arguments name (underscore arguments may be left out)."""
            key, key_args = ledger_key(args, kwargs)
            with ledger.lock:
                ledger.entries.pop(key, None)
            cached.clear(**key_args)

        call.clear = cached.clear
        call.forget = forget
        return call

    return decorate


def usage() -> dict[str, tuple[int, int, int]]:
    """{cache name: (entries, bytes held, budget bytes)} for every budgeted cache and store."""
    out = {n: (len(led.entries), led.total, led.limit) for n, led in _LEDGERS.items()}
    out.update({n: (len(s), s.total, s.limit) for n, s in _STORES.items()})
    return out


class BudgetedStore:
    """A thread-safe {key: value} holding at most `mb` megabytes (estimated by `nbytes`) and `max_entries`
    values, least recently used dropped first (the newest is always kept). Listed by `usage()` as `name`."""

    def __init__(self, name: str, mb: float, max_entries: int = 64):
        self.name, self.limit, self.max_entries = name, int(mb * 1024**2), int(max_entries)
        self._data: OrderedDict = OrderedDict()
        self._sizes: dict = {}
        self._lock = threading.Lock()
        _STORES[name] = self

    def get(self, key, default=None):
        with self._lock:
            if key not in self._data:
                return default
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key, value) -> None:
        size = nbytes(value)
        with self._lock:
            self._data[key] = value
            self._sizes[key] = size
            self._data.move_to_end(key)
            while len(self._data) > 1 and (len(self._data) > self.max_entries or self.total > self.limit):
                old, _ = self._data.popitem(last=False)
                self._sizes.pop(old, None)

    def pop(self, key) -> None:
        with self._lock:
            self._data.pop(key, None)
            self._sizes.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._sizes.clear()

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    @property
    def total(self) -> int:
        return sum(self._sizes.values())


class FileStore:
    """Bytes kept on disk, in a folder this process created with private permissions (0700), at most `mb`
    megabytes in all, least recently used deleted first (the newest is always kept). Keys are hex digests.

    Uploads keep their bytes here so a parsed table evicted from memory can be read again, without
    holding the bytes in memory. The folder is removed when the process exits."""

    def __init__(self, mb: float, prefix: str = "ml-explorer-uploads-"):
        import atexit
        import shutil
        import tempfile

        self.limit = int(mb * 1024**2)
        self.folder = tempfile.mkdtemp(prefix=prefix)  # mode 0700, a new name: never someone else's folder
        self._sizes: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        atexit.register(shutil.rmtree, self.folder, True)

    def _path(self, key: str) -> str:
        import os

        if not key or not all(ch in "0123456789abcdef" for ch in key):
            raise ValueError(f"FileStore keys are lowercase hex digests, not {key[:40]!r}.")
        return os.path.join(self.folder, key)

    def put(self, key: str, data: bytes) -> None:
        import os

        path = self._path(key)
        with self._lock:
            if key not in self._sizes:
                tmp = f"{path}.part"
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
                self._sizes[key] = len(data)
            self._sizes.move_to_end(key)
            while len(self._sizes) > 1 and sum(self._sizes.values()) > self.limit:
                old, _ = self._sizes.popitem(last=False)
                try:
                    os.remove(self._path(old))
                except OSError:
                    pass

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        with self._lock:
            if key not in self._sizes:
                return None
            self._sizes.move_to_end(key)
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError:
            self.pop(key)
            return None

    def pop(self, key: str) -> None:
        import os

        with self._lock:
            if self._sizes.pop(key, None) is not None:
                try:
                    os.remove(self._path(key))
                except OSError:
                    pass

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._sizes

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._sizes.values())

