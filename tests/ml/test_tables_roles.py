"""Column roles: the default features a scientist would choose (no ids, bookkeeping or leaks)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets as skd

from ml.tables import feature_candidates, read_table
from ml.tables.roles import (
    FeatureSuggestion,
    id_like_columns,
    leaking_columns,
    suggest_features,
)

PHOTOMETRY = ["u", "g", "r", "i", "z", "u-g", "g-r", "r-i", "i-z"]
SDSS_BOOKKEEPING = ["run", "rerun", "camcol", "field", "plate", "mjd", "fiberid"]


def skyserver_csv(n: int = 400, seed: int = 0) -> bytes:
    """A small SkyServer-like spectroscopic export, ids written as 1.23764870457714E+018 like the real one."""
    rng = np.random.default_rng(seed)
    cls = rng.choice(["GALAXY", "STAR", "QSO"], n, p=[0.5, 0.4, 0.1])
    redshift = np.select(
        [cls == "STAR", cls == "GALAXY"], [rng.normal(0, 3e-4, n), rng.gamma(2, 0.05, n)], rng.uniform(0.3, 3, n)
    )
    r = rng.uniform(14, 19.5, n)
    g = r + np.where(cls == "STAR", 0.6, 0.9) + rng.normal(0, 0.3, n)
    u = g + 1.2 + rng.normal(0, 0.4, n)
    i = r - 0.3 + rng.normal(0, 0.1, n)
    z = i - 0.2 + rng.normal(0, 0.1, n)
    # 15 significant digits, as the export writes them: as float64 many ids collapse to one value
    objid = rng.choice([1.23764870457714e18, 1.23764870457715e18, 1.23765138290172e18, 1.23766315290174e18], n)
    rows = ["objid,ra,dec,u,g,r,i,z,run,rerun,camcol,field,specobjid,class,redshift,plate,mjd,fiberid"]
    for k in range(n):
        rows.append(
            f"{objid[k]:.14E},{rng.uniform(0, 360):.6f},{rng.uniform(-10, 70):.6f},{u[k]:.5f},{g[k]:.5f},"
            f"{r[k]:.5f},{i[k]:.5f},{z[k]:.5f},{rng.integers(94, 8000)},301,{rng.integers(1, 7)},"
            f"{rng.integers(11, 800)},{rng.choice([3.0e17, 3.1e17, 1.4e18]) + 0:.14E},{cls[k]},{redshift[k]:.6f},"
            f"{rng.integers(266, 8000)},{rng.integers(51578, 58000)},{rng.integers(1, 1000)}"
        )
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(scope="module")
def sdss() -> pd.DataFrame:
    df = read_table(skyserver_csv()).df
    assert df["objid"].dtype == "float64" and df["objid"].nunique() <= 4  # the uniqueness test cannot see it
    return df


def test_sdss_class_target_defaults_to_photometry(sdss):
    s = suggest_features(sdss, "class")
    assert isinstance(s, FeatureSuggestion) and s.sdss
    assert s.features == PHOTOMETRY
    assert s.left_out["objid"] == "identifier"
    assert s.left_out["specobjid"] == "identifier"
    assert s.left_out["ra"] == s.left_out["dec"] == "sky position"
    assert all(s.left_out[c] == "survey bookkeeping" for c in SDSS_BOOKKEEPING)
    assert s.left_out["redshift"] == "another target of this table"
    assert "class" not in s.left_out and "class" not in s.features
    assert list(s.left_out) == [c for c in sdss.columns if c in s.left_out]  # table order
    assert "objid (identifier)" in s.line() and "redshift (another target" in s.line()


def test_sdss_redshift_target_leaves_class_out(sdss):
    s = suggest_features(sdss, "redshift")
    assert s.features == PHOTOMETRY
    assert s.left_out["class"] == "another target of this table"
    assert "redshift" not in s.left_out


def test_sdss_without_target_keeps_only_the_name_and_content_rules(sdss):
    s = suggest_features(sdss, None)
    assert s.features == PHOTOMETRY
    assert s.left_out["objid"] == "identifier" and s.left_out["run"] == "survey bookkeeping"
    assert not any(why.startswith("leaks") or why == "another target of this table" for why in s.left_out.values())


def test_sdss_magnitude_target_drops_its_colours(sdss):
    s = suggest_features(sdss, "r")
    assert "r" not in s.features and "g-r" not in s.features and "r-i" not in s.features
    assert {"u", "g", "u-g", "i-z"} <= set(s.features)
    # in this fake table i and z track r within 0.1 mag: predicting r from them is no test of anything
    assert s.left_out["i"].startswith("leaks the target: correlation")


def test_suggestion_is_frozen(sdss):
    s = suggest_features(sdss, "class")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.features = []  # type: ignore[misc]


def test_ids_by_content():
    rng = np.random.default_rng(3)
    n = 200
    df = pd.DataFrame(
        {
            "row": np.arange(n),  # a row number by name
            "serial": np.arange(1000, 1000 + 3 * n, 3),  # monotone integers
            "code": rng.permutation(10**6)[:n],  # near-unique integers
            "big": np.full(n, 1.23764870457714e18) + rng.integers(0, 3, n) * 1e5,  # huge integral floats
            "count": rng.poisson(5, n),  # small integers: a measurement
            "flux": rng.normal(size=n),
            "fluid": rng.normal(size=n),  # a float named *id is a measurement
            "note": [f"free text {k}" for k in range(n)],
            "blank": np.nan,
            "same": 7.0,
        }
    )
    ids = id_like_columns(df)
    assert ids == {
        "row": "row number",
        "serial": "identifier",
        "code": "identifier",
        "big": "identifier",
        "note": "text",
        "blank": "empty",
        "same": "constant (one value)",
    }


def test_planted_leak_in_a_class_target():
    rng = np.random.default_rng(5)
    n = 600
    y = rng.integers(0, 3, n)
    df = pd.DataFrame(
        {
            "a": rng.normal(y * 0.7, 1.0),
            "b": rng.normal(size=n),
            "leak": y * 10 + rng.normal(0, 0.5, n),  # the label in disguise
            "label": np.array(["A", "B", "C"])[y],
        }
    )
    assert list(leaking_columns(df, "label")) == ["leak"]
    s = suggest_features(df, "label")
    assert s.features == ["a", "b"] and not s.sdss
    assert s.left_out["leak"].startswith("leaks the target: alone predicts it")


def test_planted_leak_in_a_numeric_target():
    rng = np.random.default_rng(6)
    n = 500
    t = rng.normal(size=n)
    df = pd.DataFrame({"x": t + rng.normal(0, 1, n), "copy": np.exp(t) + rng.normal(0, 1e-3, n), "y": t})
    leaks = leaking_columns(df, "y")
    assert list(leaks) == ["copy"] and "correlation" in leaks["copy"]
    assert suggest_features(df, "y", task="regression").features == ["x"]


@pytest.mark.parametrize("loader", ["load_iris", "load_wine", "load_breast_cancer", "load_diabetes"])
def test_no_false_alarms_on_clean_tables(loader):
    frame = getattr(skd, loader)(as_frame=True).frame
    s = suggest_features(frame, "target")
    assert s.left_out == {}, s.left_out
    assert s.features == [c for c in frame.columns if c != "target"]
    assert suggest_features(frame, None).left_out == {}


def test_unscaled_diabetes_integers_are_measurements():
    frame = skd.load_diabetes(as_frame=True, scaled=False).frame
    assert suggest_features(frame, "target").left_out == {}


def test_unknown_target_is_a_clear_error():
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    with pytest.raises(ValueError, match="no column"):
        suggest_features(df, "nope")


def test_feature_candidates_unchanged(sdss):
    cands = feature_candidates(sdss, "class")
    assert "redshift" in cands and "objid" in cands and "u-g" in cands  # the wide list, for the chooser


def test_to_dataset_defaults_to_the_suggestion(sdss):
    from ml.tables import to_dataset

    ds = to_dataset(sdss, "class")
    assert ds.feature_names == PHOTOMETRY
    assert "Left out: objid, specobjid (identifier)" in ds.description
    rng = np.random.default_rng(0)
    only_ids = pd.DataFrame({"objid": np.arange(50) * 7 + 10**6, "label": rng.integers(0, 2, 50)})
    with pytest.raises(ValueError, match="looks like an identifier"):
        to_dataset(only_ids, "label")
    assert to_dataset(only_ids, "label", features=["objid"]).feature_names == ["objid"]  # forced


def test_leak_test_can_be_skipped_for_curated_sets():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 300)
    df = pd.DataFrame({"x1": y * 6.0 + rng.normal(size=300), "x2": rng.normal(size=300), "label": y})
    assert "x1" in suggest_features(df, "label").left_out  # alone it separates the classes
    assert suggest_features(df, "label", leaks=False).features == ["x1", "x2"]


def test_wide_tables_stay_quick_and_quiet():
    rng = np.random.default_rng(4)
    n, p = 400, 600
    df = pd.DataFrame(rng.normal(size=(n, p)), columns=[f"f{j}" for j in range(p)])
    df["label"] = rng.integers(0, 3, n)
    df["f7"] = df["label"] * 5 + rng.normal(0, 0.2, n)  # one planted leak among 600 columns
    s = suggest_features(df, "label")
    assert list(s.left_out) == ["f7"] and len(s.features) == p - 1
