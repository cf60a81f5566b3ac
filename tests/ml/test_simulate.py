"""Properties of the simulated datasets: the physics caricature and the overlap we tuned for teaching."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import train_test_split

from ml import simulate
from ml.photometry import BANDS, COLOURS, derive_colours


@pytest.fixture(scope="module")
def sdss() -> pd.DataFrame:
    return derive_colours(simulate.sdss_photometry(4000, seed=1))


@pytest.fixture(scope="module")
def photons() -> pd.DataFrame:
    return simulate.photon_jet(6000, seed=2)


# ---- SDSS ------------------------------------------------------------------------------------


def test_sdss_columns_and_ranges(sdss):
    assert list(sdss.columns[:7]) == [*BANDS, "class", "redshift"]
    assert set(sdss["class"]) == {"STAR", "GALAXY", "QSO"}
    mags = sdss[list(BANDS)]
    assert mags.notna().all().all()
    assert mags.min().min() >= 12 and mags.max().max() <= 25
    # u is the faintest band on average (SDSS objects are red in u-g).
    assert sdss["u"].median() > sdss["g"].median()


def test_sdss_is_deterministic():
    pd.testing.assert_frame_equal(
        simulate.sdss_photometry(300, seed=5), simulate.sdss_photometry(300, seed=5)
    )
    assert not simulate.sdss_photometry(300, seed=5).equals(simulate.sdss_photometry(300, seed=6))


def test_sdss_class_balance(sdss):
    share = sdss["class"].value_counts(normalize=True)
    assert share["STAR"] == pytest.approx(0.4, abs=0.03)
    assert share["GALAXY"] == pytest.approx(0.5, abs=0.03)
    assert share["QSO"] == pytest.approx(0.1, abs=0.02)


def test_sdss_redshifts(sdss):
    z = sdss.groupby("class")["redshift"]
    stars, galaxies, quasars = (z.get_group(c) for c in ("STAR", "GALAXY", "QSO"))
    assert stars.abs().max() < 0.001
    assert (stars < 0).any()  # radial velocities of either sign, as in real spectra
    assert (galaxies < 0.4).mean() > 0.85
    assert 0.05 < galaxies.median() < 0.2
    assert quasars.max() > 3
    assert 1.2 < quasars.median() < 2.5


def test_sdss_colour_physics(sdss):
    stars = sdss[sdss["class"] == "STAR"]
    galaxies = sdss[sdss["class"] == "GALAXY"]
    quasars = sdss[sdss["class"] == "QSO"]
    low_z_qso = quasars[quasars["redshift"] < 2]
    high_z_qso = quasars[quasars["redshift"] > 3]
    assert low_z_qso["u-g"].median() < stars["u-g"].median() - 0.5  # UV excess
    assert high_z_qso["u-g"].median() > low_z_qso["u-g"].median() + 0.8  # Lyman-alpha forest in u
    near, far = galaxies[galaxies["redshift"] < 0.08], galaxies[galaxies["redshift"] > 0.3]
    assert far["g-r"].median() > near["g-r"].median() + 0.4  # galaxies redden with redshift
    assert (stars["r"].between(14, 20)).all()


def test_sdss_colours_match_magnitudes(sdss):
    for colour in COLOURS:
        a, b = colour.split("-")
        np.testing.assert_allclose(sdss[colour], sdss[a] - sdss[b])


def test_sdss_fractions_option():
    only_galaxies = simulate.sdss_photometry(500, seed=0, fractions=(0, 1, 0))
    assert len(only_galaxies) == 500 and set(only_galaxies["class"]) == {"GALAXY"}
    with pytest.raises(ValueError, match="fractions"):
        simulate.sdss_photometry(100, fractions=(1, 1))
    with pytest.raises(ValueError, match="non-negative"):
        simulate.sdss_photometry(100, fractions=(1, -1, 1))


@pytest.mark.slow
def test_sdss_random_forest_accuracy_is_high_but_not_perfect(sdss):
    features = list(BANDS) + list(COLOURS)
    X_tr, X_te, y_tr, y_te = train_test_split(
        sdss[features], sdss["class"], test_size=0.3, random_state=0, stratify=sdss["class"]
    )
    model = RandomForestClassifier(n_estimators=60, random_state=0, n_jobs=1).fit(X_tr, y_tr)
    assert 0.85 <= (model.predict(X_te) == y_te).mean() <= 0.99


@pytest.mark.slow
def test_galaxy_photoz_linear_is_meaningful_nonlinear_better():
    galaxies = derive_colours(simulate.sdss_photometry(2500, seed=3, fractions=(0, 1, 0)))
    X, y = galaxies[list(BANDS) + list(COLOURS)], galaxies["redshift"]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    linear = r2_score(y_te, LinearRegression().fit(X_tr, y_tr).predict(X_te))
    forest = RandomForestRegressor(n_estimators=60, min_samples_leaf=3, random_state=0, n_jobs=1)
    nonlinear = r2_score(y_te, forest.fit(X_tr, y_tr).predict(X_te))
    assert 0.5 <= linear <= 0.9
    assert nonlinear > linear


# ---- photon vs jet ---------------------------------------------------------------------------


def test_photon_jet_columns_and_physics(photons):
    assert list(photons.columns) == [*simulate.PHOTON_JET_FEATURES, "label"]
    assert photons["label"].mean() == pytest.approx(0.5, abs=0.001)
    assert (photons[["H_over_E", "iso_sum", "n_tracks"]] >= 0).all().all()
    assert photons["n_tracks"].dtype.kind == "i"
    by = photons.groupby("label")
    assert by["H_over_E"].median()[1] < by["H_over_E"].median()[0]
    assert 0.009 <= by["shower_width"].median()[1] <= 0.011
    assert by["shower_width"].median()[0] > 0.012
    assert by["iso_sum"].median()[1] < by["iso_sum"].median()[0]
    assert (photons.loc[photons["label"] == 1, "n_tracks"] == 0).mean() > 0.7
    assert (photons.loc[photons["label"] == 0, "n_tracks"] >= 1).mean() > 0.4


def test_photon_jet_signal_fraction():
    df = simulate.photon_jet(1000, seed=0, signal_fraction=0.2)
    assert df["label"].sum() == 200
    for bad in (0, 1, -0.1, "x"):
        with pytest.raises(ValueError, match="signal_fraction"):
            simulate.photon_jet(100, signal_fraction=bad)


@pytest.mark.slow
def test_photon_jet_forest_beats_every_single_variable(photons):
    features = list(simulate.PHOTON_JET_FEATURES)
    X_tr, X_te, y_tr, y_te = train_test_split(
        photons[features], photons["label"], test_size=0.4, random_state=0
    )
    model = RandomForestClassifier(n_estimators=80, min_samples_leaf=5, random_state=0, n_jobs=1)
    auc = roc_auc_score(y_te, model.fit(X_tr, y_tr).predict_proba(X_te)[:, 1])
    assert 0.90 <= auc <= 0.97
    for feature in features:
        single = roc_auc_score(y_te, -X_te[feature])  # lower value = more photon-like
        assert 0.65 < single < auc - 0.03, feature


def test_photon_jet_discriminants_point_towards_photons():
    scores = simulate.photon_jet_discriminants(4000, seed=4)
    expected = {"minus_H_over_E", "minus_shower_width", "minus_iso_sum", "likelihood_ratio"}
    assert expected | {"label", "logistic_score", "bdt_score"} == set(scores.columns)
    aucs = {c: roc_auc_score(scores["label"], scores[c]) for c in scores.columns if c != "label"}
    assert all(a > 0.5 for a in aucs.values()), aucs
    assert aucs["likelihood_ratio"] > aucs["minus_iso_sum"]
    assert aucs["bdt_score"] > max(aucs["minus_H_over_E"], aucs["minus_shower_width"], aucs["minus_iso_sum"])
    assert scores.notna().all().all()


# ---- NAND, shapes and curves -----------------------------------------------------------------


def test_nand_truth_table():
    table = simulate.nand_gate()
    assert list(table.itertuples(index=False, name=None)) == [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 0)]


@pytest.mark.parametrize("maker", [simulate.moons, simulate.circles, simulate.blobs, simulate.linear_pair])
def test_shapes(maker):
    df = maker(123, noise=0.1, seed=0)
    assert list(df.columns) == ["x1", "x2", "label"] and len(df) == 123
    assert df["label"].min() == 0
    with pytest.raises(ValueError, match="noise"):
        maker(100, noise=-1, seed=0)
    with pytest.raises(ValueError, match="n must be"):
        maker(0, noise=0.1, seed=0)


def test_blob_centers_and_linear_separability():
    assert simulate.blobs(200, centers=5, noise=0.5).label.nunique() == 5
    from sklearn.linear_model import LogisticRegression

    df = simulate.linear_pair(400, noise=0.4, seed=1)
    model = LogisticRegression().fit(df[["x1", "x2"]], df["label"])
    assert model.score(df[["x1", "x2"]], df["label"]) == 1.0


@pytest.mark.parametrize("kind", simulate.CURVE_KINDS)
def test_curve_1d(kind):
    df = simulate.curve_1d(kind, n=80, noise=0.0, seed=0)
    assert list(df.columns) == ["x", "y"] and len(df) == 80
    assert df["x"].is_monotonic_increasing
    assert df["x"].between(*simulate.CURVE_X_RANGE).all()
    np.testing.assert_allclose(df["y"], simulate.curve_true(kind, df["x"]))
    noisy = simulate.curve_1d(kind, n=80, noise=0.5, seed=0)
    assert np.std(noisy["y"] - simulate.curve_true(kind, noisy["x"])) == pytest.approx(0.5, rel=0.3)


def test_curve_1d_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        simulate.curve_1d("exponential")
