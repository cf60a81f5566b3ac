"""Autoencoders (plain and variational) for dimensionality reduction, behind scikit-learn's API.

An autoencoder is two networks trained together: an encoder that squeezes each row into a few
latent numbers (the "bottleneck", `latent_dim`, 2 by default so it can be drawn) and a decoder
that rebuilds the row from them. Training minimises the reconstruction error, so the latent
space keeps what is needed to rebuild the data: a non-linear cousin of PCA (with no hidden
layers and a linear activation it learns PCA's subspace).

The variational autoencoder (VAE) encodes each row as a Gaussian (mean μ and log-variance) in
latent space, decodes a sample z = μ + σ·ε of it (the reparameterisation trick), and adds β times
the Kullback–Leibler divergence of that Gaussian from the standard normal to the loss:

    loss per row = Σ_features (x - x̂)² + β · KL(N(μ, σ²) ‖ N(0, 1)),
    KL = -½ Σ_latent (1 + log σ² - μ² - σ²).

The KL term pulls the codes towards a smooth, centred cloud; β trades that against the
reconstruction (β = 1 is the classic VAE; larger β gives smoother, less detailed latents).
`transform` returns μ (no sampling), so the embedding is deterministic.

Inputs should be standardised (zero mean, unit variance per feature) by the caller, e.g. with
`StandardScaler` in a Pipeline: the decoder's linear output and the squared error treat every
feature on the same scale, and unscaled features with large values make training slow or
diverge.

Training uses the shared loop of `ml.nets.training` (devices, seeded batches, validation split,
early stopping, `history_`, live callback, divergence stop); only adam is offered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from ml.nets.training import (
    as_float32,
    bad_param,
    check_common_params,
    forward_chunks,
    init_weights,
    is_int,
    is_num,
    mlp_layers,
    resolve,
    seed_from,
    split_indices,
    train,
)
from ml.runtime import cpu_threads

_FITTED = (
    "module_", "history_", "device_", "best_epoch_", "n_epochs_", "fit_time_", "callback_time_", "stop_reason_",
    "embedding_",
)  # fmt: skip
_LOGVAR_RANGE = (-30.0, 20.0)  # keeps exp(log σ²) finite in float32


class AutoencoderNet(nn.Module):
    """Encoder and mirrored decoder; a variational encoder outputs μ and log σ² side by side."""

    def __init__(self, n_in: int, latent_dim: int, widths: list[int], activation: str, variational: bool):
        super().__init__()
        self.latent_dim = int(latent_dim)
        self.variational = bool(variational)
        n_code = self.latent_dim * (2 if self.variational else 1)
        self.encoder = mlp_layers(n_in, n_code, widths, activation)
        self.decoder = mlp_layers(self.latent_dim, n_in, list(reversed(widths)), activation)

    def encode(self, x) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(μ, log σ²) for a VAE, (code, None) for a plain autoencoder."""
        h = self.encoder(x)
        if not self.variational:
            return h, None
        mu, logvar = h.split(self.latent_dim, dim=1)
        return mu, logvar.clamp(*_LOGVAR_RANGE)

    def forward(self, x):
        """The reconstruction of x through the latent mean (no sampling)."""
        return self.decoder(self.encode(x)[0])


class TorchAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """A PyTorch autoencoder (or, with `variational=True`, a VAE) as a scikit-learn transformer.

    Parameters
    ----------
    latent_dim : size of the bottleneck (2 to draw the latent space).
    hidden_layers, hidden_units : layers of the encoder (the decoder mirrors them); 0 hidden
        layers gives a linear autoencoder.
    activation : "relu", "tanh" or "sigmoid".
    epochs, batch_size, learning_rate, weight_decay : adam training, as for the MLPs.
    early_stopping, patience : stop after `patience` epochs without a lower validation loss (or
        training loss when validation_fraction is 0) and restore the best weights.
    validation_fraction : share of the rows held out for the validation curve (0 = none).
    variational, beta : train a VAE with β times the KL term (see the module's docstring).
    device : "auto", "cuda", "mps" or "cpu"; resolved in `fit` into `device_`.
    random_state : seed for initialisation, split, shuffling and the VAE's sampling.
    callback : `callback(record, n_epochs)` after each epoch; return False (or raise
        `ml.nets.StopTraining`) to stop and keep what is done. Not pickled.

    Standardise the inputs first (see the module's docstring).

    Fitted attributes: `embedding_` (latent codes of the training rows, the VAE's means),
    `history_` (per epoch: train_loss, val_loss, train_reconstruction, val_reconstruction and,
    for a VAE, train_kl, val_kl; "loss" is the training objective, "reconstruction" the mean squared
    error per value), `module_`, `device_`, `best_epoch_`, `n_epochs_`, `fit_time_`,
    `callback_time_`, `stop_reason_`, `n_features_in_`.
    """

    def __init__(
        self,
        latent_dim: int = 2,
        hidden_layers: int = 2,
        hidden_units: int = 64,
        activation: str = "relu",
        epochs: int = 100,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        early_stopping: bool = False,
        patience: int = 10,
        validation_fraction: float = 0.1,
        variational: bool = False,
        beta: float = 1.0,
        device: str = "auto",
        random_state: Any = None,
        callback: Any = None,
    ):
        self.latent_dim = latent_dim
        self.hidden_layers = hidden_layers
        self.hidden_units = hidden_units
        self.activation = activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.variational = variational
        self.beta = beta
        self.device = device
        self.random_state = random_state
        self.callback = callback

    def _check_params(self) -> None:
        check_common_params(self)
        if not (is_int(self.latent_dim) and self.latent_dim >= 1):
            raise bad_param(self, "latent_dim", "an integer ≥ 1", "2 lets you draw the latent space.")
        if not (is_num(self.validation_fraction) and 0.0 <= self.validation_fraction < 1.0):
            raise bad_param(self, "validation_fraction", "a number from 0 up to (not including) 1", "0.1 is typical.")
        if not isinstance(self.variational, bool | np.bool_):
            raise bad_param(self, "variational", "True or False")
        if not (is_num(self.beta) and 0.0 <= self.beta < np.inf):
            raise bad_param(self, "beta", "a number ≥ 0", "1 is the classic VAE.")

    def fit(self, X, y=None):
        """Train on the rows of X (y is ignored); returns self with `embedding_` set."""
        self._check_params()
        device = resolve(self.device)
        with cpu_threads(device):
            X32 = self._fit(X, device)
            self.embedding_ = self._encode(X32, device)
        return self

    def _fit(self, X, device: str) -> np.ndarray:
        for attr in _FITTED:
            self.__dict__.pop(attr, None)  # a failed refit must not leave the old model behind
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        X32 = as_float32(self, X)
        seed = seed_from(self.random_state)
        train_idx, val_idx = split_indices(len(X32), float(self.validation_fraction), seed)
        X_all = torch.as_tensor(X32, device=device)
        tr = torch.as_tensor(train_idx, device=device)
        va = torch.as_tensor(val_idx, device=device)
        variational, beta = bool(self.variational), float(self.beta)

        module = AutoencoderNet(
            X32.shape[1], int(self.latent_dim), [int(self.hidden_units)] * int(self.hidden_layers),
            self.activation, variational,
        )  # fmt: skip
        init_weights(module, torch.Generator().manual_seed(seed))
        module.to(device)
        gen = torch.Generator(device=device).manual_seed(seed)

        def batch_loss(net, xb, _):
            mu, logvar = net.encode(xb)
            if not variational:
                return ((net.decoder(mu) - xb) ** 2).mean()
            eps = torch.randn(mu.shape, generator=gen, device=mu.device)
            z = mu + torch.exp(0.5 * logvar) * eps
            sse = ((net.decoder(z) - xb) ** 2).sum(dim=1)
            kl = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(dim=1)
            return (sse + beta * kl).mean()

        def evaluate(net, Xs, _):
            mu, logvar = net.encode(Xs)
            sq = (net.decoder(mu) - Xs) ** 2
            mse = sq.mean()
            if not variational:
                return {"loss": mse, "reconstruction": mse}
            kl = (-0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(dim=1)).mean()
            return {"loss": sq.sum(dim=1).mean() + beta * kl, "reconstruction": mse, "kl": kl}

        result = train(
            module, X_all[tr], None, X_all[va], None,
            batch_loss=batch_loss, evaluate=evaluate, generator=gen,
            epochs=int(self.epochs), batch_size=int(self.batch_size), optimizer="adam",
            learning_rate=float(self.learning_rate), weight_decay=float(self.weight_decay),
            early_stopping=bool(self.early_stopping), patience=int(self.patience), callback=self.callback,
            diverged_advice=(
                f"Lower the learning rate (now {self.learning_rate:g}) and standardise the features "
                "(zero mean, unit variance)."
            ),
        )  # fmt: skip
        self.module_ = module
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.n_epochs
        self.fit_time_ = result.fit_time
        self.callback_time_ = result.callback_time
        self.stop_reason_ = result.stop_reason
        self.device_ = device
        return X32

    # -- inference ----------------------------------------------------------------------------
    def _encode(self, X32: np.ndarray, device: str) -> np.ndarray:
        with torch.no_grad():
            Xt = torch.as_tensor(X32, device=device)
            out = forward_chunks(lambda x: self.module_.encode(x)[0], Xt)
        return out.cpu().numpy().astype(np.float64)

    def _decode(self, Z32: np.ndarray) -> np.ndarray:
        with torch.no_grad(), cpu_threads(self.device_):
            out = forward_chunks(self.module_.decoder, torch.as_tensor(Z32, device=self.device_))
        return out.cpu().numpy().astype(np.float64)

    def transform(self, X) -> np.ndarray:
        """Latent codes of X, shape (n, latent_dim) (the VAE's means μ)."""
        check_is_fitted(self, "module_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        with cpu_threads(self.device_):
            return self._encode(as_float32(self, X), self.device_)

    def inverse_transform(self, Z) -> np.ndarray:
        """Rows rebuilt by the decoder from latent codes Z, shape (n, n_features_in_)."""
        from sklearn.utils import check_array

        check_is_fitted(self, "module_")
        Z = check_array(Z, dtype=np.float64)
        if Z.shape[1] != self.module_.latent_dim:
            raise ValueError(
                f"{type(self).__name__}: inverse_transform expects {self.module_.latent_dim} latent "
                f"columns (latent_dim), got {Z.shape[1]}."
            )
        return self._decode(as_float32(self, Z))

    def reconstruct(self, X) -> np.ndarray:
        """X encoded and decoded again (through the latent mean), in X's units."""
        return self.inverse_transform(self.transform(X))

    def reconstruction_error(self, X) -> np.ndarray:
        """Mean squared reconstruction error per row, shape (n,) (higher = less typical row)."""
        check_is_fitted(self, "module_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return np.mean((self.reconstruct(X) - X) ** 2, axis=1)

    def score(self, X, y=None) -> float:
        """Minus the mean reconstruction error on X (higher is better, as scikit-learn's search expects)."""
        return -float(np.mean(self.reconstruction_error(X)))

    @property
    def _n_features_out(self) -> int:
        return int(self.latent_dim)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["callback"] = None  # UI callbacks (closures over widgets) are not picklable
        return state



class TorchVariationalAutoencoder(TorchAutoencoder):
    """`TorchAutoencoder` with `variational=True` by default: the VAE (see the module docstring)."""

    def __init__(
        self,
        latent_dim: int = 2,
        hidden_layers: int = 2,
        hidden_units: int = 64,
        activation: str = "relu",
        epochs: int = 100,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        early_stopping: bool = False,
        patience: int = 10,
        validation_fraction: float = 0.1,
        variational: bool = True,
        beta: float = 1.0,
        device: str = "auto",
        random_state: Any = None,
        callback: Any = None,
    ):
        super().__init__(
            latent_dim=latent_dim, hidden_layers=hidden_layers, hidden_units=hidden_units,
            activation=activation, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
            weight_decay=weight_decay, early_stopping=early_stopping, patience=patience,
            validation_fraction=validation_fraction, variational=variational, beta=beta, device=device,
            random_state=random_state, callback=callback,
        )  # fmt: skip
