"""Caches bounded by bytes as well as count (issue 10): ui.budget and ui.training.LRUStore."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ui import budget, cache
from ui.training import LRUStore


def test_a_cache_past_its_byte_budget_drops_its_oldest_entries():
    calls = []

    @budget.within_budget("test_budget", 1.0)  # 1 MB
    @st.cache_data(max_entries=100, show_spinner=False)
    def big(k: int, _ignored=None) -> np.ndarray:
        calls.append(k)
        return np.zeros(600_000 // 8)  # 0.6 MB each

    for k in (1, 2, 3):
        big(k, _ignored=object())
    n, held, limit = budget.usage()["test_budget"]
    assert held <= limit and n == 1  # two 0.6 MB values do not fit in 1 MB
    big(3)
    assert calls == [1, 2, 3]  # the newest is still cached
    big(1)
    assert calls == [1, 2, 3, 1]  # the oldest was cleared and is computed again


def test_lru_store_is_bounded_by_bytes():
    box = LRUStore(maxsize=100, max_bytes=1_000_000)
    for k in range(5):
        box.put(k, np.zeros(300_000 // 8))
    assert box.nbytes <= 1_000_000 and len(box) == 3
    assert box.get(0) is None and box.get(4) is not None


def test_nbytes_counts_frames_and_fitted_models():
    df = pd.DataFrame({"a": np.arange(100_000.0), "s": ["abcdef"] * 100_000})
    assert budget.nbytes(df) > 100_000 * 8 + 100_000 * 6  # Arrow-backed strings: their buffers, counted exactly
    assert budget.nbytes(df) == int(df.memory_usage(deep=True).sum())
    assert budget.nbytes(df.astype({"s": object})) > 100_000 * 8 + 100_000 * 40  # Python strings: sampled
    from sklearn.tree import DecisionTreeClassifier

    X = np.random.default_rng(0).random((2000, 4))
    tree = DecisionTreeClassifier().fit(X, X[:, 0] > 0.5 + X[:, 1] * 0)
    assert budget.nbytes(tree) > tree.tree_.node_count * 50


def test_every_budget_is_stated_in_ui_cache():
    assert {"upload_table", "prepared_upload", "dataset", "fitted", "roc_table"} <= set(cache.CACHE_BUDGET_MB)
    assert sum(cache.CACHE_BUDGET_MB.values()) <= 2000
