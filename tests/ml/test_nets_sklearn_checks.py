"""scikit-learn's own estimator checks on the torch estimators, with the known failures listed.

`parametrize_with_checks` runs every check scikit-learn applies to its own estimators (clone,
pickling, input validation, n_features_in_, sample order, idempotent fits, …). The few that
cannot pass for a torch network are listed in `EXPECTED_FAILED` with the reason, and are run as
expected failures (a check that starts passing is reported, not hidden).
"""

import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from ml.nets import TorchAutoencoder, TorchMLPClassifier, TorchMLPRegressor, TorchVariationalAutoencoder

torch.set_num_threads(1)

SMALL = dict(hidden_units=16, epochs=20, learning_rate=0.01, device="cpu", random_state=0)
ESTIMATORS = [
    TorchMLPClassifier(**SMALL),
    TorchMLPRegressor(**SMALL),
    TorchAutoencoder(latent_dim=2, **SMALL),
    TorchVariationalAutoencoder(latent_dim=2, **SMALL),
]

_FLOAT32_SUBSETS = (
    "the networks compute in float32, and BLAS picks its matrix-product kernel by the number of "
    "rows, so a row predicted in a batch of 20 and in a batch of 10 can differ in the 7th significant "
    "digit (measured: 1.8e-7 absolute); the check's tolerance (1e-7) is meant for float64"
)
EXPECTED_FAILED: dict[str, dict[str, str]] = {
    "TorchMLPClassifier": {"check_methods_subset_invariance": _FLOAT32_SUBSETS},
    "TorchMLPRegressor": {"check_methods_subset_invariance": _FLOAT32_SUBSETS},
    # passes on this machine, but can meet the same float32 rounding: an XPASS is reported, not failed
    "TorchAutoencoder": {"check_methods_subset_invariance": _FLOAT32_SUBSETS},
    "TorchVariationalAutoencoder": {"check_methods_subset_invariance": _FLOAT32_SUBSETS},
}


def expected_failed_checks(estimator) -> dict[str, str]:
    return EXPECTED_FAILED[type(estimator).__name__]


@pytest.mark.slow
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
