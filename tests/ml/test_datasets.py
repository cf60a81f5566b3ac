"""Every registered dataset loads, is consistent, and rejects bad options with a helpful ValueError."""

import pandas as pd
import pytest

from ml import datasets
from ml.datasets import REGISTRY, load_dataset
from ml.params import defaults

EXPECTED = {
    "iris",
    "wine",
    "breast_cancer",
    "digits",
    "diabetes",
    "moons",
    "circles",
    "blobs",
    "linear",
    "nand",
    "sdss",
    "sdss_photoz",
    "photon_jet",
    "curve_1d",
}
REAL = {"iris", "wine", "breast_cancer", "digits", "diabetes", "nand"}


def _small(spec) -> dict:
    """Options that keep each load quick: the defaults with about 400 rows (or the smallest allowed)."""
    options = defaults(list(spec.params))
    n_spec = next((p for p in spec.params if p.name == "n_samples"), None)
    if n_spec is not None:
        options["n_samples"] = max(int(n_spec.low), min(400, options["n_samples"]))
    return options


def test_registry_has_the_expected_names():
    assert EXPECTED <= set(REGISTRY)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dataset_loads_consistently(name):
    spec = REGISTRY[name]
    options = _small(spec)
    ds = load_dataset(name, **options)
    assert ds.name == name and ds.task == spec.task
    assert ds.simulated == spec.simulated == (name not in REAL)
    assert isinstance(ds.X, pd.DataFrame) and len(ds.X) == len(ds.y) > 0
    if "n_samples" in options:
        assert ds.n_samples == options["n_samples"]
    assert not ds.X.isna().any().any() and not ds.y.isna().any()
    assert all(ds.X[c].dtype.kind in "if" for c in ds.X.columns)
    assert ds.description and ds.source and ds.target_name
    if ds.simulated and name not in {"moons", "circles", "blobs", "linear", "curve_1d"}:
        assert ds.imitates and ds.how_to_get_real
    if ds.task == "regression":
        assert ds.y.dtype.kind == "f" and ds.class_names == ()
    else:
        assert ds.y.dtype.kind == "i"
        assert all(isinstance(c, str) for c in ds.class_names)
        assert set(ds.y.unique()) == set(range(len(ds.class_names)))
        assert (ds.task == "binary") == (len(ds.class_names) == 2) or name == "blobs"


def test_defaults_are_valid_and_sizes_as_documented():
    for spec in REGISTRY.values():
        for param in spec.params:
            assert param.validate(param.default) == param.default
    assert defaults(list(REGISTRY["sdss"].params))["n_samples"] == 5000
    assert defaults(list(REGISTRY["photon_jet"].params))["n_samples"] == 20000
    for name in ("moons", "circles", "blobs", "linear"):
        assert defaults(list(REGISTRY[name].params))["n_samples"] == 300


def test_loads_are_deterministic_and_seed_dependent():
    a = load_dataset("moons", n_samples=50, seed=3)
    b = load_dataset("moons", n_samples=50, seed=3)
    c = load_dataset("moons", n_samples=50, seed=4)
    pd.testing.assert_frame_equal(a.X, b.X)
    assert not a.X.equals(c.X)


def test_sdss_dataset_features_extra_and_codes():
    ds = load_dataset("sdss", n_samples=500, seed=0)
    assert ds.feature_names == ["u", "g", "r", "i", "z", "u-g", "g-r", "r-i", "i-z"]
    assert list(ds.extra.columns) == ["redshift", "class"]
    names = [ds.class_names[k] for k in ds.y]
    assert names == list(ds.extra["class"])
    assert "SkyServer" in ds.how_to_get_real and datasets.SKYSERVER_QUERY in ds.how_to_get_real


def test_sdss_query_asks_for_the_upload_columns():
    query = datasets.SKYSERVER_QUERY
    assert query.startswith("SELECT TOP")
    for column in ("p.u", "p.g", "p.r", "p.i", "p.z", "s.class", "s.z AS redshift"):
        assert column in query
    assert "JOIN SpecObj AS s ON s.bestobjid = p.objid" in query


def test_sdss_photoz_quasar_option():
    galaxies = load_dataset("sdss_photoz", n_samples=600, seed=0)
    assert set(galaxies.extra["class"]) == {"GALAXY"} and galaxies.y.max() < 1
    mixed = load_dataset("sdss_photoz", include_quasars=True, n_samples=600, seed=0)
    assert set(mixed.extra["class"]) == {"GALAXY", "QSO"} and mixed.y.max() > 2
    assert len(mixed.X) == 600


def test_photon_jet_dataset():
    ds = load_dataset("photon_jet", n_samples=1000, signal_fraction=0.3)
    assert ds.class_names == ("jet", "photon")
    assert ds.y.sum() == 300
    assert ds.feature_names == ["H_over_E", "shower_width", "iso_sum", "n_tracks"]


def test_real_datasets_shapes():
    assert load_dataset("digits").X.shape == (1797, 64)
    assert load_dataset("iris").X.shape == (150, 4)
    cancer = load_dataset("breast_cancer")
    assert cancer.class_names == ("malignant", "benign") and int(cancer.y.sum()) == 357  # 1 = benign
    assert load_dataset("diabetes").X.shape == (442, 10)


def test_nand_dataset_is_the_truth_table():
    ds = load_dataset("nand")
    assert ds.y.tolist() == [1, 1, 1, 0] and ds.X.values.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]


def test_blobs_centers_and_curve_kind():
    assert load_dataset("blobs", centers=5).class_names == tuple(f"blob {k}" for k in range(5))
    curve = load_dataset("curve_1d", kind="sine", n_samples=30)
    assert curve.feature_names == ["x"] and list(curve.extra.columns) == ["y_true"]


@pytest.mark.parametrize(
    "name, options, message",
    [
        ("moons", {"noise": -1}, "Noise"),
        ("moons", {"n_samples": 5}, "Number of samples"),
        ("blobs", {"centers": 20}, "Number of blobs"),
        ("curve_1d", {"kind": "cubic"}, "expected one of"),
        ("sdss", {"n_samples": "many"}, "expected a number"),
        ("photon_jet", {"signal_fraction": 1.5}, "Photon fraction"),
        ("iris", {"n_samples": 10}, "Unknown parameter"),
    ],
)
def test_bad_options_raise_value_error(name, options, message):
    with pytest.raises(ValueError, match=message):
        load_dataset(name, **options)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="Unknown dataset 'mnist'"):
        load_dataset("mnist")
