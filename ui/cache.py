"""Cached calls into `ml`. Keys are primitives (names, tuples of values, SHA-256 of uploads); every cache is bounded.

Big objects (datasets, uploads) live in `st.cache_resource` and are
treated as read-only; small results go in `st.cache_data`.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from ml import datasets, tables
from ml.device import device_name


@st.cache_resource(max_entries=32, show_spinner=False)
def dataset(name: str, options: tuple = ()) -> datasets.Dataset:
    """A registered dataset built with `options` (a sorted tuple of (name, value) pairs)."""
    return datasets.load_dataset(name, **dict(options))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_resource(max_entries=4, show_spinner=False)
def upload_table(digest: str, filename: str, _data: bytes) -> tables.Table:
    """An uploaded file read and validated once per distinct content (keyed by its SHA-256)."""
    return tables.read_table(_data, filename)


@st.cache_resource(show_spinner=False)
def device_label() -> str:
    """The device torch models train on, in words."""
    return device_name("auto")


@st.cache_resource(max_entries=4, show_spinner=False)
def upload_dataset(key: tuple, task: str, _df) -> datasets.Dataset:
    """An uploaded table prepared as a Dataset once per key (from `ui.widgets.upload_columns`)."""
    _, _, target, features, non_numeric, missing = key
    return tables.to_dataset(
        _df, target, list(features), task=task, non_numeric=non_numeric, missing=missing, name="upload"
    )
