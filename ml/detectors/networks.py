"""The networks behind the autoencoder detector and DRAMA's AE / VAE reductions: ml.nets' torch
models (imported lazily), with a scikit-learn stand-in for the autoencoder when ml.nets has none.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np


def _net_kwargs(cls, n_components: int, epochs: int, seed: int) -> dict:
    """Keyword arguments `cls` accepts among the usual names for latent size, epochs and seed."""
    names = set(inspect.signature(cls).parameters)
    kw = {}
    for options, value in (
        (("n_components", "latent_dim", "encoding_dim", "latent_size", "z_dim"), n_components),
        (("epochs", "max_epochs", "max_iter", "n_epochs"), epochs),
        (("random_state", "seed"), seed),
    ):
        for name in options:
            if name in names:
                kw[name] = value
                break
    return kw


class _SklearnAutoencoder:
    """A small dense autoencoder from scikit-learn's MLPRegressor (X -> X), used when ml.nets has none.

    Layers: d -> h -> z -> h -> d with tanh; `transform` runs the encoder half, `inverse_transform`
    the decoder half.
    """

    def __init__(self, n_components=2, epochs=200, random_state=0):
        self.n_components = n_components
        self.epochs = epochs
        self.random_state = random_state

    def fit(self, X):
        from sklearn.neural_network import MLPRegressor

        d = X.shape[1]
        h = int(min(64, max(2 * self.n_components, d // 2)))
        self.net_ = MLPRegressor(
            hidden_layer_sizes=(h, int(self.n_components), h),
            activation="tanh",
            max_iter=int(self.epochs),
            random_state=int(self.random_state),
            early_stopping=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning at few epochs is expected
            self.net_.fit(X, X)
        return self

    def _run(self, A, layers):
        for i in layers:
            A = A @ self.net_.coefs_[i] + self.net_.intercepts_[i]
            if i < len(self.net_.coefs_) - 1:
                A = np.tanh(A)
        return A

    def transform(self, X):
        return self._run(np.asarray(X, dtype=float), (0, 1))

    def inverse_transform(self, Z):
        return self._run(np.asarray(Z, dtype=float), (2, 3))

    def reconstruction_error(self, X):
        X = np.asarray(X, dtype=float)
        return np.mean((self.net_.predict(X) - X) ** 2, axis=1)


def make_network(kind: str, n_components: int, epochs: int, seed: int):
    """An (unfitted) autoencoder ("ae") or VAE ("vae"): ml.nets' torch models when present.

    The autoencoder falls back to `_SklearnAutoencoder` when ml.nets has no TorchAutoencoder; the
    VAE has no stand-in and raises ValueError saying so.
    """
    import ml.nets as nets

    name = "TorchAutoencoder" if kind == "ae" else "TorchVariationalAutoencoder"
    cls = getattr(nets, name, None)
    if cls is None:
        if kind == "ae":
            return _SklearnAutoencoder(n_components, epochs, seed)
        raise ValueError(
            "The VAE reduction needs ml.nets.TorchVariationalAutoencoder, which this build does not have yet; "
            "choose another reduction (PCA, ICA, NMF or the autoencoder)."
        )
    return cls(**_net_kwargs(cls, n_components, epochs, seed))


def _reconstruction_error(net, X) -> np.ndarray:
    if hasattr(net, "reconstruction_error"):
        return np.asarray(net.reconstruction_error(X), dtype=float).ravel()
    R = net.inverse_transform(net.transform(X))
    return np.mean((np.asarray(R) - X) ** 2, axis=1)
