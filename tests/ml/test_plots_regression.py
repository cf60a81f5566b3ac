"""Tests for the regression figures and the shared curve figure: traces, axis titles, point limits."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ml.plots import MAX_POINTS
from ml.plots.curves import curve_figure, even_indices, thin_indices
from ml.plots.regression import (
    coefficients_figure,
    fit_curve_figure,
    gd_figure,
    gd_loss_figure,
    pred_vs_true_figure,
    regularisation_path_figure,
    residual_histogram,
    residuals_figure,
)
from ml.regression import gd_path, regularisation_path

BIG = 100_000


def _sizes(fig: go.Figure) -> list[int]:
    """Number of points each trace sends (x length, or y length for bars without x)."""
    out = []
    for tr in fig.data:
        vals = tr.x if tr.x is not None else tr.y
        out.append(0 if vals is None else len(vals))
    return out


def _titles(fig: go.Figure) -> tuple[str, str]:
    return fig.layout.xaxis.title.text, fig.layout.yaxis.title.text


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(0)
    x = rng.normal(size=BIG)
    return x, 2 * x + rng.normal(0, 0.5, BIG)


def test_thin_indices_deterministic_and_bounded():
    a, b = thin_indices(BIG), thin_indices(BIG)
    np.testing.assert_array_equal(a, b)
    assert a.size == MAX_POINTS and np.all(np.diff(a) > 0)
    np.testing.assert_array_equal(thin_indices(10), np.arange(10))
    e = even_indices(BIG)
    assert e.size <= MAX_POINTS and e[0] == 0 and e[-1] == BIG - 1


def test_fit_curve_figure(big):
    x, y = big
    grid = np.linspace(-4, 4, 200)
    fig = fit_curve_figure(x[:50], y[:50], x[50:70], y[50:70], grid, 2 * grid, "Degree 1", "g−r (mag)", "z")
    assert len(fig.data) == 3
    assert [t.name for t in fig.data] == ["train", "test", "fitted curve"]
    assert _titles(fig) == ("g−r (mag)", "z")
    assert fig.layout.title.text == "Degree 1"
    assert fig.data[1].marker.symbol == "diamond"
    # 100k points and a 100k grid: every trace thinned
    fig = fit_curve_figure(x, y, x, y, x, 2 * x, "big")
    assert max(_sizes(fig)) <= MAX_POINTS
    assert isinstance(fig.data[0], go.Scattergl)
    assert "5,000 of 100,000" in fig.data[0].name


def test_gd_figures():
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, 40)
    y = 3 * x - 1
    path = gd_path(x, y, "square", 0.05, 200)
    fig = gd_figure(x, y, path, 50, x_label="x (mag)", y_label="y")
    assert len(fig.data) == 4  # data, earlier lines, current line, point used
    assert fig.data[3].name == "point used" and len(fig.data[3].x) == 1
    assert fig.data[3].x[0] == x[path.point_index[49]]
    assert _titles(fig) == ("x (mag)", "y")
    assert "Step 50" in fig.layout.title.text
    assert len(gd_figure(x, y, path, 0).data) == 3  # step 0: no point used yet
    assert len(gd_figure(x, y, path, 10_000).data) == 4  # clipped to the last step
    batch = gd_path(x, y, "batch", 0.1, 30)
    assert len(gd_figure(x, y, batch, 30).data) == 3
    mb = gd_path(x, y, "minibatch", 0.1, 30, batch_size=8)
    assert len(gd_figure(x, y, mb, 5).data[3].x) == 8

    loss = gd_loss_figure(path, 50)
    assert len(loss.data) == 2
    assert loss.layout.yaxis.type == "log"
    assert loss.data[1].x[0] == 50
    assert _titles(loss)[0] == "step"


def test_gd_figures_big_and_diverged(big):
    x, y = big
    path = gd_path(x, y, "minibatch", 0.01, 20_000, batch_size=4)
    assert max(_sizes(gd_figure(x, y, path, 20_000))) <= MAX_POINTS
    assert max(_sizes(gd_loss_figure(path, 123))) <= MAX_POINTS
    bad = gd_path(x * 100, y, "batch", 10.0, 100)
    fig = gd_loss_figure(bad, bad.n_steps)
    assert bad.diverged_at is not None
    assert any("diverged" in (a.text or "") for a in fig.layout.annotations)


def test_pred_vs_true(big):
    z, zp = np.abs(big[0]), np.abs(big[1]) / 2
    fig = pred_vs_true_figure(z, zp, "Linear", "redshift z")
    assert len(fig.data) == 2
    assert _titles(fig) == ("true redshift z", "predicted redshift z")
    assert max(_sizes(fig)) <= MAX_POINTS
    fig = pred_vs_true_figure(z, zp, "Linear", "redshift z", outlier_band=0.15)
    assert len(fig.data) == 3
    band = fig.data[2]
    lo, hi = band.x[0], band.x[1]
    assert band.y[0] == pytest.approx(lo + 0.15 * (1 + lo))
    assert band.y[4] == pytest.approx(hi - 0.15 * (1 + hi))


def test_residual_figures(big):
    p, r = big
    fig = residuals_figure(p, r, target_label="z")
    assert len(fig.data) == 1 and max(_sizes(fig)) <= MAX_POINTS
    assert _titles(fig)[0] == "predicted z"
    h = residual_histogram(r, bins=40)
    assert len(h.data) == 1 and isinstance(h.data[0], go.Bar)
    assert len(h.data[0].x) == 40 and sum(h.data[0].y) == BIG
    assert _titles(h) == ("residual (true − predicted) y", "number of points")
    with pytest.raises(ValueError, match="bins"):
        residual_histogram(r, bins=0)


def test_coefficients_and_path_figures():
    fig = coefficients_figure(["a", "b", "c"], [1.0, -2.0, 0.5], "Linear coefficients")
    assert len(fig.data) == 1 and list(fig.data[0].y) == ["a", "b", "c"]
    assert _titles(fig) == ("coefficient", "feature")
    with pytest.raises(ValueError, match="names"):
        coefficients_figure(["a"], [1.0, 2.0])
    assert max(_sizes(coefficients_figure([f"f{i}" for i in range(BIG)], np.arange(BIG)))) <= MAX_POINTS

    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 4))
    y = X[:, 0] + rng.normal(0, 0.1, 100)
    for kind in ("lasso", "ridge"):
        df = regularisation_path(X, y, kind=kind, n_alphas=12)
        fig = regularisation_path_figure(df, kind)
        assert len(fig.data) == 4
        assert fig.layout.xaxis.type == "log"
        assert "α" in _titles(fig)[0] and "coefficient" in _titles(fig)[1]
    with pytest.raises(ValueError, match="missing"):
        regularisation_path_figure(df.drop(columns="coef"), "lasso")


def test_curve_figure():
    x = np.array([1, 10, 100, 1000])
    m, s = np.array([0.9, 0.8, 0.7, 0.6]), np.full(4, 0.05)
    fig = curve_figure(x, m, s, m - 0.1, s, "C", "R²", log_x=True, title="Validation curve")
    assert len(fig.data) == 4
    assert [t.name for t in fig.data if t.showlegend is not False] == ["train", "validation"]
    assert fig.layout.xaxis.type == "log"
    assert _titles(fig) == ("C", "R²")
    assert len(curve_figure(x, m, None, m, None, "n", "score").data) == 2
    xb = np.arange(BIG)
    fig = curve_figure(xb, xb * 0.0, xb * 0.0 + 1, xb * 0.0, xb * 0.0 + 1, "n", "score")
    assert max(_sizes(fig)) <= MAX_POINTS
    with pytest.raises(ValueError, match="one value per x"):
        curve_figure(x, m[:3], None, m, None, "n", "score")
