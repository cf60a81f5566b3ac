"""Row filters and label-free datasets from uploads (ml.sources)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.sources import RowFilter, unlabelled_dataset


def _table():
    return pd.DataFrame({"class": ["STAR", "GALAXY", "QSO", "GALAXY"] * 5, "z": np.linspace(0, 2, 20), "u": np.arange(20.0)})


def test_value_and_range_filters_keep_the_right_rows_and_say_so():
    df = _table()
    kept = RowFilter("class", values=("GALAXY",)).apply(df)
    assert len(kept) == 10 and set(kept["class"]) == {"GALAXY"}
    assert RowFilter("class", values=("GALAXY",)).describe() == "rows with class = GALAXY"
    kept = RowFilter("z", low=0.5, high=1.0).apply(df)
    assert kept["z"].between(0.5, 1.0).all() and len(kept) == int(df["z"].between(0.5, 1.0).sum())


def test_filter_keeping_nothing_or_naming_a_missing_column_is_a_message():
    with pytest.raises(ValueError, match="keeps no rows"):
        RowFilter("class", values=("PLANET",)).apply(_table())
    with pytest.raises(ValueError, match="does not have"):
        RowFilter("colour", values=("red",)).apply(_table())


def test_unlabelled_dataset_counts_infinity_as_missing_and_names_bad_cells():
    df = _table()
    df.loc[3, "u"] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        unlabelled_dataset(df, ["u", "z"])
    ds = unlabelled_dataset(df, ["u", "z"], missing="drop")
    assert ds.y is None and ds.task is None and ds.n_samples == 19
    bad = df.astype({"u": object})
    bad.loc[5, "u"] = "oops"
    with pytest.raises(ValueError, match="'oops'"):
        unlabelled_dataset(bad, ["u"])
