"""Torch estimators behind the scikit-learn API, all trained by one loop (`ml.nets.training`).

- `TorchMLPClassifier`, `TorchMLPRegressor` (`ml.nets.mlp`): multilayer perceptrons.
- `TorchAutoencoder`, `TorchVariationalAutoencoder` (`ml.nets.autoencoder`): dimensionality
  reduction with `embedding_`, `transform`, `inverse_transform` and `reconstruction_error`.
- `TrainingDiverged` (NaN/inf loss; a readable ValueError with the history so far) and
  `StopTraining` (raise it, or return False, from a callback to stop and keep what is done).
- `compute_threads`, `cpu_threads`: the thread caps of `ml.runtime`, re-exported.

Importing this package imports torch.
"""

from ml.nets.autoencoder import TorchAutoencoder, TorchVariationalAutoencoder
from ml.nets.mlp import TorchMLPClassifier, TorchMLPRegressor
from ml.nets.training import (
    ACTIVATIONS,
    CHUNK,
    OPTIMIZERS,
    SeededDropout,
    StopTraining,
    TrainingDiverged,
    TrainResult,
    train,
)
from ml.runtime import compute_threads, cpu_threads

_CHUNK = CHUNK  # the name ml.nets used before it became a package

__all__ = [
    "ACTIVATIONS",
    "CHUNK",
    "OPTIMIZERS",
    "SeededDropout",
    "StopTraining",
    "TorchAutoencoder",
    "TorchMLPClassifier",
    "TorchMLPRegressor",
    "TorchVariationalAutoencoder",
    "TrainResult",
    "TrainingDiverged",
    "compute_threads",
    "cpu_threads",
    "train",
]
