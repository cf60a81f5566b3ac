"""Unit tests for the helpers added to ml.regression and ml.plots.regression for the Regression page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Lasso, LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml.models import fit_model, make_pipeline
from ml.plots import MAX_POINTS
from ml.plots.regression import add_line, coefficients_by_scaling_figure, gd_step_figures
from ml.regression import (
    gd_path,
    line_at,
    linear_coefficients,
    looks_like_redshift,
    metrics_frame,
    most_correlated_feature,
    ols_line,
    photoz_metrics,
    regression_metrics,
)


@pytest.mark.parametrize("name", ["redshift", "Redshift", "z_spec", "specz", "redshift_err_free", " zSpec "])
def test_redshift_names(name):
    assert looks_like_redshift(name)


@pytest.mark.parametrize("name", ["z", "y", "disease_progression", "r", "mag_z"])
def test_not_redshift_names(name):
    assert not looks_like_redshift(name)  # a bare "z" is SDSS's z-band magnitude


def test_most_correlated_feature():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"noise": rng.normal(size=200), "const": np.ones(200), "signal": rng.normal(size=200)})
    y = -3 * X["signal"] + 0.1 * rng.normal(size=200)
    assert most_correlated_feature(X, y) == "signal"  # |r|, so a negative slope counts
    with pytest.raises(ValueError, match="rows"):
        most_correlated_feature(X, y[:10])
    with pytest.raises(ValueError, match="at least one feature"):
        most_correlated_feature(X[[]], y)


def test_line_at_matches_the_path():
    x = np.linspace(-2, 2, 50)
    y = 2 * x + 1
    path = gd_path(x, y, "batch", 0.1, 300)
    np.testing.assert_allclose(line_at(path, x), path.w1[-1] * x + path.w2[-1])
    np.testing.assert_allclose(line_at(path, x, step=0), 0.0)
    np.testing.assert_allclose(line_at(path, x, step=10_000), line_at(path, x))  # clipped to the last step
    np.testing.assert_allclose(line_at(path, x), y, atol=1e-3)  # converged to the truth


def test_linear_coefficients_of_pipelines_and_polynomials():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    y = 2 * X["a"] - X["b"] + 5
    names, coef, intercept = linear_coefficients(Pipeline([("m", LinearRegression())]).fit(X, y), ["a", "b"])
    assert names == ["a", "b"]
    np.testing.assert_allclose(coef, [2, -1], atol=1e-9)
    assert intercept == pytest.approx(5)
    poly = fit_model(make_pipeline("polynomial", "regression", {"degree": 2}, 0, "none"), X, y.to_numpy())
    names, coef, _ = linear_coefficients(poly, ["a", "b"])
    assert names == ["a", "b", "a^2", "a b", "b^2"] and coef.size == 5
    lasso = Pipeline([("s", StandardScaler()), ("m", Lasso(alpha=10.0))]).fit(X, y)
    assert np.all(linear_coefficients(lasso, ["a", "b"])[1] == 0)  # a strong L1 penalty zeroes both
    tree = fit_model(make_pipeline("tree", "regression", None, 0), X, y.to_numpy())
    assert linear_coefficients(tree, ["a", "b"]) is None


def test_metrics_frame_matches_the_metric_functions():
    rng = np.random.default_rng(2)
    t = rng.uniform(0.05, 0.6, 300)
    p = t + rng.normal(0, 0.03, 300)
    frame = metrics_frame({"train": (t, p), "test": (t[:100], p[:100])}, eps=1e-3, photoz=True)
    assert list(frame.columns) == ["train", "test"]
    m, z = regression_metrics(t, p, 1e-3), photoz_metrics(t, p)
    assert frame.loc["MSE", "train"] == f"{m['mse']:.4g}"
    assert frame.loc["R²", "train"] == f"{m['r2']:.3f}"
    assert frame.loc["MAPE", "train"] == f"{100 * m['mape']:.3g} %"
    assert frame.loc["σ_NMAD", "train"] == f"{z['sigma_nmad']:.4g}"
    assert "σ_NMAD" not in metrics_frame({"test": (t, p)}).index
    constant = metrics_frame({"test": (np.ones(5), np.arange(5.0))})
    assert constant.loc["R²", "test"] == "—"  # undefined for a constant target
    with pytest.raises(ValueError, match="at least one"):
        metrics_frame({})


def test_add_line_and_scaling_figure():
    import plotly.graph_objects as go

    fig = add_line(go.Figure(), np.arange(10_000.0)[::-1], np.arange(10_000.0), "truth")
    tr = fig.data[0]
    assert tr.name == "truth" and len(tr.x) <= MAX_POINTS and np.all(np.diff(tr.x) > 0)
    names = [f"f{i}" for i in range(40)]
    coefs = {"unscaled": np.arange(40.0), "standardised": -np.arange(40.0) / 10}
    fig = coefficients_by_scaling_figure(names, coefs, top=12)
    assert [a.text for a in fig.layout.annotations] == ["unscaled", "standardised"]
    assert len(fig.data) == 2 and len(fig.data[0].y) == 12
    assert list(fig.data[0].y) == list(fig.data[1].y)  # the same features in every panel
    assert "f39" in fig.data[0].y  # ranked by the standardised panel
    with pytest.raises(ValueError, match="one per feature"):
        coefficients_by_scaling_figure(names[:3], coefs)


def test_gd_step_figures():
    rng = np.random.default_rng(3)
    x = rng.uniform(-3, 3, 1000)
    y = 0.8 * x + 0.5 + rng.normal(0, 0.3, 1000)
    path = gd_path(x, y, "minibatch", 0.05, 50)
    line, loss = gd_step_figures(x, y, path, 20, ols_line(x, y), "x (standardised)", "y")
    assert [t.name for t in line.data][:3] == ["data", "earlier steps", "step 20"]
    assert line.data[-1].name == "least squares (closed form)"
    assert line.layout.title.text.startswith("Step 20: y = ")
    assert "+ -" not in line.layout.title.text
    assert line.layout.xaxis.title.text == "x (standardised)"
    assert loss.layout.yaxis.type == "log"
    negative, _ = gd_step_figures(x, -y - 5, gd_path(x, -y - 5, "batch", 0.1, 200), 200)
    assert " − " in negative.layout.title.text  # y = w1·x − 5.5, not "+ -5.5"
