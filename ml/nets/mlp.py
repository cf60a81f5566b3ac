"""PyTorch multilayer perceptrons behind the scikit-learn estimator API.

`TorchMLPClassifier` and `TorchMLPRegressor` follow scikit-learn's rules (as skorch's `NeuralNet`
does): `__init__` only stores parameters, `fit` validates them, resolves the device, trains and
returns `self`; learned attributes end in `_`. So `clone`, `Pipeline`, `cross_val_score` and grid
search work unchanged.

Training is the shared loop of `ml.nets.training` (forward pass, loss, backward pass, optimizer
step, over shuffled mini-batches). A validation set is always held out so that `history_` has
train and validation curves for every epoch (the "model complexity graph"); with
`early_stopping=True` the weights of the best validation epoch are restored.

Randomness (weight initialisation, the validation split, shuffling, dropout) comes from generators
seeded by `random_state`, never from torch's global seed, so concurrent fits do not disturb
each other and a given `random_state` gives the same model every time on the same device.
Fitted networks pickle (and go through joblib) without their callback.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch.nn import functional as F

from ml.nets.training import (
    OPTIMIZERS,
    as_float32,
    bad_param,
    check_common_params,
    forward_chunks,
    init_weights,
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
)  # fmt: skip


class _TorchMLPBase(BaseEstimator):
    """Shared parameters, validation and training of the two torch models.

    Parameters
    ----------
    hidden_layers, hidden_units : network shape (0 hidden layers gives a linear model).
    activation : "relu", "tanh" or "sigmoid".
    dropout : probability of dropping a hidden unit during training (0 turns dropout off).
    optimizer : "sgd" (plain gradient descent on mini-batches), "momentum" (SGD with
        `momentum`) or "adam".
    learning_rate : step size. The default 1e-3 suits adam; plain sgd usually needs 0.01-0.1.
    momentum : the β of the "momentum" optimizer (ignored by the others).
    epochs : maximum passes over the training data.
    batch_size : rows per gradient step (64, as in the lecture's DataLoader).
    weight_decay : L2 penalty on the weights.
    early_stopping, patience : stop after `patience` epochs without a lower validation loss and
        restore the best weights.
    validation_fraction : share of the rows held out for the validation curve (always used).
    device : "auto", "cuda", "mps" or "cpu"; resolved in `fit` into `device_`.
    random_state : seed for initialisation, split, shuffling and dropout.
    callback : optional `callback(record, n_epochs)` called after each epoch with that epoch's
        history record (live curves, progress bars). Returning False (or raising
        `ml.nets.StopTraining`) stops training after that epoch, keeping the epochs done
        (`stop_reason_ == "callback"`). It is not pickled with the model.

    Fitted attributes: `module_` (the torch network, in evaluation mode), `history_` (one dict
    per epoch: epoch, train_loss, val_loss, train_score, val_score), `best_epoch_`, `n_epochs_`,
    `device_`, `fit_time_` (seconds, callbacks included), `callback_time_` (seconds spent in the
    callback), `stop_reason_` ("epochs", "early_stopping" or "callback"), `n_features_in_`.
    """

    _is_classifier = False

    def __init__(
        self,
        hidden_layers: int = 2,
        hidden_units: int = 32,
        activation: str = "relu",
        dropout: float = 0.0,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        momentum: float = 0.9,
        epochs: int = 100,
        batch_size: int = 64,
        weight_decay: float = 0.0,
        early_stopping: bool = False,
        patience: int = 10,
        validation_fraction: float = 0.2,
        device: str = "auto",
        random_state: Any = None,
        callback: Any = None,
    ):
        self.hidden_layers = hidden_layers
        self.hidden_units = hidden_units
        self.activation = activation
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.epochs = epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.callback = callback

    # -- validation ---------------------------------------------------------------------------
    def _check_params(self) -> None:
        check_common_params(self)
        if not (is_num(self.dropout) and 0.0 <= self.dropout < 1.0):
            raise bad_param(self, "dropout", "a number from 0 up to (not including) 1", "Use 0 to turn dropout off.")
        if self.optimizer not in OPTIMIZERS:
            raise bad_param(self, "optimizer", f"one of {list(OPTIMIZERS)}")
        if not (is_num(self.momentum) and 0.0 <= self.momentum < 1.0):
            raise bad_param(self, "momentum", "a number from 0 up to (not including) 1")
        if not (is_num(self.validation_fraction) and 0.0 < self.validation_fraction < 1.0):
            raise bad_param(self, "validation_fraction", "a number strictly between 0 and 1", "0.2 is typical.")

    # -- task-specific hooks (overridden) -----------------------------------------------------
    def _encode_target(self, y) -> tuple[np.ndarray, int]:
        raise NotImplementedError

    def _batch_loss(self, out, y):
        raise NotImplementedError

    def _score_tensor(self, out, y):
        raise NotImplementedError

    def _loss_scale(self) -> float:
        return 1.0

    # -- training -----------------------------------------------------------------------------
    def fit(self, X, y):
        """Train on X, y (validation split held out); returns self."""
        self._check_params()
        device = resolve(self.device)
        with cpu_threads(device):
            return self._fit(X, y, device)

    def _fit(self, X, y, device: str):
        for attr in _FITTED:
            self.__dict__.pop(attr, None)  # a failed refit must not leave the old model behind
        X, y = validate_data(
            self, X, y, dtype=np.float64, ensure_min_samples=2, y_numeric=not self._is_classifier
        )
        X32 = as_float32(self, X)
        y_enc, n_out = self._encode_target(y)
        seed = seed_from(self.random_state)
        train_idx, val_idx = split_indices(
            len(X32), float(self.validation_fraction), seed, y_enc if self._is_classifier else None
        )
        X_all = torch.as_tensor(X32, device=device)  # the data go to the device once
        y_all = torch.as_tensor(y_enc, device=device)
        tr = torch.as_tensor(train_idx, device=device)
        va = torch.as_tensor(val_idx, device=device)

        module = mlp_layers(
            X32.shape[1], n_out, [int(self.hidden_units)] * int(self.hidden_layers), self.activation, float(self.dropout)
        )
        init_weights(module, torch.Generator().manual_seed(seed))
        module.to(device)
        gen = torch.Generator(device=device).manual_seed(seed)

        def batch_loss(net, xb, yb):
            return self._batch_loss(net(xb), yb)

        def evaluate(net, Xs, ys):
            out = forward_chunks(net, Xs)
            return {"loss": self._batch_loss(out, ys), "score": self._score_tensor(out, ys)}

        also = "standardise the features" + (" or use the adam optimizer" if self.optimizer != "adam" else "")
        result = train(
            module, X_all[tr], y_all[tr], X_all[va], y_all[va],
            batch_loss=batch_loss, evaluate=evaluate, generator=gen,
            epochs=int(self.epochs), batch_size=int(self.batch_size), optimizer=self.optimizer,
            learning_rate=float(self.learning_rate), momentum=float(self.momentum),
            weight_decay=float(self.weight_decay), early_stopping=bool(self.early_stopping),
            patience=int(self.patience), callback=self.callback, scales={"loss": self._loss_scale()},
            diverged_advice=f"Lower the learning rate (now {self.learning_rate:g}), {also}.",
        )  # fmt: skip
        self.module_ = module
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.n_epochs
        self.fit_time_ = result.fit_time
        self.callback_time_ = result.callback_time
        self.stop_reason_ = result.stop_reason
        self.device_ = device
        return self

    # -- inference ----------------------------------------------------------------------------
    def _raw_output(self, X) -> np.ndarray:
        check_is_fitted(self, "module_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        X32 = as_float32(self, X)
        with torch.no_grad(), cpu_threads(self.device_):
            out = forward_chunks(self.module_, torch.as_tensor(X32, device=self.device_))
        return out.detach().cpu().numpy().astype(np.float64)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["callback"] = None  # UI callbacks (closures over widgets) are not picklable
        return state



class TorchMLPClassifier(ClassifierMixin, _TorchMLPBase):
    """A multilayer perceptron classifier (softmax output, cross-entropy loss) trained with torch.

    Scores in `history_` are accuracies; losses are mean cross-entropy. Labels may be any
    values (strings included); they are kept in `classes_`.
    """

    _is_classifier = True

    def _encode_target(self, y):
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"TorchMLPClassifier needs at least 2 classes in y, got only {self.classes_.tolist()}. "
                "Check the target column or the rows selected."
            )
        return y_enc.astype(np.int64), len(self.classes_)

    def _batch_loss(self, out, y):
        return F.cross_entropy(out, y)

    def _score_tensor(self, out, y):
        return (out.argmax(dim=1) == y).float().mean()

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n, n_classes), columns in `classes_` order."""
        logits = self._raw_output(X)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def decision_function(self, X) -> np.ndarray:
        """Logits: (n,) for two classes (positive = classes_[1]), else (n, n_classes)."""
        logits = self._raw_output(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict(self, X) -> np.ndarray:
        """The most probable class for each row."""
        best = self._raw_output(X).argmax(axis=1)
        return self.classes_[best]


class TorchMLPRegressor(RegressorMixin, _TorchMLPBase):
    """A multilayer perceptron regressor (linear output, mean-squared-error loss) trained with torch.

    The target is standardised internally (`y_mean_`, `y_std_`) for stable training; predictions
    and the losses in `history_` are in the target's own units. Scores are R².
    """

    def _encode_target(self, y):
        y = np.asarray(y, dtype=np.float64).ravel()
        self.y_mean_ = float(y.mean())
        std = float(y.std())
        self.y_std_ = std if std > 0 and math.isfinite(std) else 1.0
        return ((y - self.y_mean_) / self.y_std_).astype(np.float32), 1

    def _batch_loss(self, out, y):
        return F.mse_loss(out[:, 0], y)

    def _score_tensor(self, out, y):
        ss_res = ((y - out[:, 0]) ** 2).sum()
        ss_tot = ((y - y.mean()) ** 2).sum()
        return torch.where(ss_tot > 0, 1.0 - ss_res / ss_tot, torch.full_like(ss_tot, float("nan")))

    def _loss_scale(self) -> float:
        return self.y_std_**2

    def predict(self, X) -> np.ndarray:
        """Predicted targets, shape (n,), in the target's units."""
        return self._raw_output(X)[:, 0] * self.y_std_ + self.y_mean_

