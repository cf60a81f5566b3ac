"""The fit-time forecast (ml.runtime.estimate_fit_seconds) does not raise false alarms on fast fits.

The Classification page asks for a Train press when a model never fitted on the data is forecast to take
over 2 s (ui.classification.SLOW_FIT_S); k-NN on photon vs jet was forecast at ~4 s and fits at once.
"""

from __future__ import annotations

import pytest

from ml.models import make_pipeline
from ml.runtime import LONG_FIT_S, estimate_fit_seconds

PAGE_SLOW_FIT_S = 2.0  # ui.classification.SLOW_FIT_S (tests/ml import no Streamlit)


@pytest.mark.parametrize("n_rows,n_features", [(15_000, 4), (18_000, 4), (18_000, 9), (3_750, 9), (1_347, 64)])
def test_knn_on_the_builtin_sizes_is_never_forecast_slow(n_rows, n_features):
    """photon vs jet (20,000 rows at test fractions 0.1-0.25), SDSS (5,000 × 9), digits (1,797 × 64)."""
    for k in (1, 5, 50):
        pipe = make_pipeline("knn", "classification", {"n_neighbors": k})
        assert estimate_fit_seconds(pipe, n_rows, n_features) < PAGE_SLOW_FIT_S, (n_rows, n_features, k)


def test_knn_forecast_grows_with_rows_and_is_long_for_brute_force_on_big_wide_tables():
    pipe = make_pipeline("knn", "classification")
    small, big = estimate_fit_seconds(pipe, 1_000, 4), estimate_fit_seconds(pipe, 100_000, 4)
    assert 0 < small < big
    # past 15 features scikit-learn compares every row with every row: quadratic
    assert estimate_fit_seconds(pipe, 100_000, 64) > LONG_FIT_S
    assert estimate_fit_seconds(pipe, 100_000, 64) > 10 * estimate_fit_seconds(pipe, 100_000, 8)


def test_knn_regressor_uses_the_same_forecast():
    reg = make_pipeline("knn", "regression")
    cls = make_pipeline("knn", "classification")
    assert estimate_fit_seconds(reg, 18_000, 4) == pytest.approx(estimate_fit_seconds(cls, 18_000, 4))
