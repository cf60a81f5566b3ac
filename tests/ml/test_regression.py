"""Tests for ml.regression: metrics, gradient descent, regularisation paths, input checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from ml.regression import (
    check_regression_target,
    degree_warning,
    gd_path,
    ols_line,
    photoz_metrics,
    regression_metrics,
    regularisation_path,
)


@pytest.fixture
def line_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 60)
    return x, 3.0 * x - 1.0


# ------------------------------------------------------------------------------ metrics


def test_metrics_match_sklearn():
    rng = np.random.default_rng(1)
    t = rng.normal(2, 1, 200)
    p = t + rng.normal(0, 0.3, 200)
    m = regression_metrics(t, p)
    assert m["mse"] == pytest.approx(mean_squared_error(t, p), rel=1e-12)
    assert m["rmse"] == pytest.approx(np.sqrt(mean_squared_error(t, p)), rel=1e-12)
    assert m["mae"] == pytest.approx(mean_absolute_error(t, p), rel=1e-12)
    assert m["r2"] == pytest.approx(r2_score(t, p), rel=1e-12)
    assert m["n"] == 200
    assert "note" not in m


def test_mape_with_eps_by_hand():
    t = np.array([0.0, 2.0, -4.0, 0.0005])
    p = np.array([0.01, 1.0, -3.0, 0.0])
    # |err| / max(eps, |t|) with eps = 1e-3: 0.01/1e-3, 1/2, 1/4, 0.0005/1e-3
    expected = (10.0 + 0.5 + 0.25 + 0.5) / 4
    assert regression_metrics(t, p)["mape"] == pytest.approx(expected)
    assert regression_metrics(t, p, eps=0.1)["mape"] == pytest.approx((0.1 + 0.5 + 0.25 + 0.005) / 4)


def test_constant_truth_gives_nan_r2_and_note():
    m = regression_metrics([1.0] * 5, [1.0, 2.0, 1.0, 1.0, 1.0])
    assert np.isnan(m["r2"])
    assert "undefined" in m["note"]
    assert m["mse"] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("t", "p", "eps", "words"),
    [
        ([1, 2, 3], [1, 2], 1e-3, "same length"),
        ([1, np.nan], [1, 2], 1e-3, "missing or infinite"),
        ([1, 2], [1, 2], 0.0, "positive"),
        ([], [], 1e-3, "empty"),
        (["a", "b"], [1, 2], 1e-3, "numbers"),
    ],
)
def test_metrics_bad_input(t, p, eps, words):
    with pytest.raises(ValueError, match=words):
        regression_metrics(t, p, eps=eps)


def test_photoz_metrics_by_hand():
    z_true = np.array([0.0, 0.5, 1.0, 2.0, 0.2])
    z_pred = np.array([0.1, 0.5, 1.4, 1.7, 0.2])
    # dz = (pred - true)/(1 + true) = [0.1, 0, 0.2, -0.1, 0]
    m = photoz_metrics(z_true, z_pred)
    assert m["bias"] == pytest.approx(0.04)
    # median(dz) = 0; |dz - 0| = [0.1, 0, 0.2, 0.1, 0] -> median 0.1
    assert m["sigma_nmad"] == pytest.approx(0.14826)
    assert m["outlier_fraction"] == pytest.approx(0.2)  # only 0.2 > 0.15
    assert m["n"] == 5
    assert photoz_metrics(z_true, z_pred, outlier_cut=0.05)["outlier_fraction"] == pytest.approx(0.6)


def test_photoz_rejects_z_below_minus_one():
    with pytest.raises(ValueError, match="greater than -1"):
        photoz_metrics([-1.0, 0.5], [0.0, 0.5])


# ------------------------------------------------------------------------------ gradient descent


def test_ols_line_matches_sklearn():
    rng = np.random.default_rng(2)
    x = rng.normal(size=100)
    y = 0.7 * x + 2 + rng.normal(0, 0.5, 100)
    lr = LinearRegression().fit(x[:, None], y)
    w1, w2 = ols_line(x, y)
    assert w1 == pytest.approx(lr.coef_[0])
    assert w2 == pytest.approx(lr.intercept_)


def test_ols_line_constant_x():
    with pytest.raises(ValueError, match="slope is undefined"):
        ols_line([1, 1, 1], [1, 2, 3])


@pytest.mark.parametrize(
    ("method", "lr", "steps"),
    [("batch", 0.1, 1000), ("square", 0.05, 3000), ("minibatch", 0.1, 1000)],
)
def test_gd_converges_to_closed_form(line_data, method, lr, steps):
    x, y = line_data
    w1, w2 = ols_line(x, y)
    path = gd_path(x, y, method, lr, steps)
    assert path.diverged_at is None and path.message is None
    assert path.n_steps == steps
    assert len(path.w1) == len(path.w2) == len(path.loss) == steps + 1
    assert (path.w1[0], path.w2[0]) == (0.0, 0.0)
    assert path.w1[-1] == pytest.approx(w1, abs=1e-2)
    assert path.w2[-1] == pytest.approx(w2, abs=1e-2)
    assert path.loss[-1] < 1e-4 * path.loss[0]


def test_absolute_trick_moves_toward_point(line_data):
    x, y = line_data
    path = gd_path(x, y, "absolute", 0.01, 5000, seed=3)
    # each step moves w1 by ±p·α and w2 by ±α, the sign from which side of the line the point is on
    for t in (1, 2, 10, 100):
        i = path.points_at(t)[0]
        above = y[i] > path.w1[t - 1] * x[i] + path.w2[t - 1]
        sign = 1 if above else -1
        assert path.w2[t] - path.w2[t - 1] == pytest.approx(sign * 0.01)
        assert path.w1[t] - path.w1[t - 1] == pytest.approx(sign * x[i] * 0.01)
    w1, w2 = ols_line(x, y)
    assert path.w1[-1] == pytest.approx(w1, abs=0.1)
    assert path.w2[-1] == pytest.approx(w2, abs=0.1)


def test_square_trick_update_and_indices(line_data):
    x, y = line_data
    path = gd_path(x, y, "square", 0.05, 20, seed=1)
    assert path.point_index.shape == (20,)
    assert path.batch_index is None
    assert path.points_at(0).size == 0
    i = path.points_at(1)[0]
    r = y[i] - (path.w1[0] * x[i] + path.w2[0])
    assert path.w1[1] == pytest.approx(x[i] * r * 0.05)
    assert path.w2[1] == pytest.approx(r * 0.05)
    mb = gd_path(x, y, "minibatch", 0.1, 5, batch_size=8)
    assert mb.batch_index.shape == (5, 8) and mb.points_at(3).size == 8
    assert gd_path(x, y, "batch", 0.1, 5).points_at(3).size == 0


def test_gd_loss_is_mse_and_deterministic(line_data):
    x, y = line_data
    path = gd_path(x, y, "minibatch", 0.05, 50, seed=7)
    for t in (0, 13, 50):
        direct = np.mean((y - path.w1[t] * x - path.w2[t]) ** 2)
        assert path.loss[t] == pytest.approx(direct, rel=1e-9, abs=1e-12)
    again = gd_path(x, y, "minibatch", 0.05, 50, seed=7)
    np.testing.assert_array_equal(path.w1, again.w1)


@pytest.mark.parametrize("method", ["batch", "square", "minibatch"])
def test_divergence_detected(line_data, method):
    x, y = line_data
    path = gd_path(x * 100, y, method, 10.0, 1000)
    assert path.diverged_at is not None and path.diverged_at <= 1000
    assert "smaller learning rate" in path.message
    assert path.n_steps < 1000
    assert np.all(np.isfinite(path.w1)) and np.all(np.isfinite(path.loss))
    if path.point_index is not None:
        assert path.point_index.size == path.n_steps


def test_divergence_with_overflow_keeps_finite_prefix():
    x = np.linspace(-1e100, 1e100, 11)
    path = gd_path(x, np.ones(11), "batch", 1.0, 100)
    assert path.diverged_at is not None
    assert np.all(np.isfinite(path.loss))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(method="newton"), "method must be one of"),
        (dict(learning_rate=0), "learning_rate must be a positive"),
        (dict(learning_rate=float("nan")), "learning_rate must be a positive"),
        (dict(steps=0), "steps must be a whole number"),
        (dict(steps=2.5), "steps must be a whole number"),
        (dict(batch_size=0), "batch_size"),
    ],
)
def test_gd_bad_parameters(line_data, kwargs, words):
    x, y = line_data
    args = dict(method="batch", learning_rate=0.1, steps=10) | kwargs
    with pytest.raises(ValueError, match=words):
        gd_path(x, y, **args)


# ------------------------------------------------------------------------------ regularisation


@pytest.fixture
def sparse_problem():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 8)) * np.array([1, 10, 0.1, 1, 5, 1, 1, 100])  # mixed scales
    y = 3 * X[:, 0] + 0.2 * X[:, 1] - 20 * X[:, 2] + rng.normal(0, 0.5, 300)
    names = ["a", "b", "c"] + [f"noise{i}" for i in range(5)]
    return pd.DataFrame(X, columns=names), y


def test_lasso_path_zeroes_noise(sparse_problem):
    X, y = sparse_problem
    df = regularisation_path(X, y, kind="lasso")
    assert list(df.columns) == ["alpha", "feature", "coef"]
    assert len(df) == 8 * 30
    alphas = np.sort(df["alpha"].unique())
    # largest alpha: every coefficient zero; smallest: close to OLS on standardised X
    top = df[df["alpha"] == alphas[-1]]
    assert np.all(top["coef"] == 0)
    Xs = (X - X.mean()) / X.std(ddof=0)
    ols = LinearRegression().fit(Xs, y).coef_
    low = df[df["alpha"] == alphas[0]].set_index("feature")["coef"].reindex(X.columns)
    np.testing.assert_allclose(low.to_numpy(), ols, atol=0.05 * np.abs(ols).max())
    # a moderate alpha: informative kept, noise exactly zero
    mid = regularisation_path(X, y, kind="lasso", alphas=[0.2]).set_index("feature")["coef"]
    assert np.all(mid[["a", "b", "c"]].abs() > 0.1)
    assert np.all(mid[[f"noise{i}" for i in range(5)]] == 0)


def test_ridge_path_shrinks_but_keeps_all(sparse_problem):
    X, y = sparse_problem
    df = regularisation_path(X.to_numpy(), y, kind="ridge", n_alphas=10)
    assert set(df["feature"]) == {f"x{i}" for i in range(8)}
    norms = df.groupby("alpha")["coef"].apply(lambda c: np.sum(c**2)).sort_index()
    assert np.all(np.diff(norms.to_numpy()) < 0)  # more alpha, smaller coefficients
    assert np.all(df["coef"] != 0)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [(dict(kind="elastic"), "lasso"), (dict(alphas=[-1.0]), "positive"), (dict(n_alphas=1), "n_alphas")],
)
def test_regularisation_path_bad(sparse_problem, kwargs, words):
    X, y = sparse_problem
    with pytest.raises(ValueError, match=words):
        regularisation_path(X, y, **kwargs)
    with pytest.raises(ValueError, match="rows"):
        regularisation_path(X, y[:10])


# ------------------------------------------------------------------------------ checks


def test_degree_warning():
    assert degree_warning(100, 3) is None
    strong = degree_warning(10, 9)
    assert "interpolates" in strong and "over-fitting" in strong
    assert "interpolates" in degree_warning(5, 12)
    mild = degree_warning(20, 12)
    assert mild is not None and "over-fitting" in mild and "interpolates" not in mild
    with pytest.raises(ValueError, match="degree"):
        degree_warning(10, -1)


def test_check_regression_target_accepts_good():
    check_regression_target(np.linspace(0, 1, 20))
    check_regression_target(pd.Series(np.arange(12)))
    check_regression_target(pd.Series([str(v) for v in np.linspace(0, 1, 12)], dtype=object))


@pytest.mark.parametrize(
    ("y", "words"),
    [
        (pd.Series(["star", "galaxy", "qso"] * 5), "classification page"),
        (np.array([True, False] * 10), "classification page"),
        (np.arange(5.0), "at least 10"),
        (np.r_[np.arange(12.0), np.nan], "missing or infinite"),
        (np.r_[np.arange(12.0), np.inf], "missing or infinite"),
        (np.full(20, 3.0), "same value"),
        (np.ones((20, 2)), "single column"),
    ],
)
def test_check_regression_target_bad(y, words):
    with pytest.raises(ValueError, match=words):
        check_regression_target(y)
