"""The one training loop every torch estimator uses, and the parts it is built from.

`train(...)` runs the loop of the lecture notes (forward pass, loss, backward pass, optimizer
step over shuffled mini-batches) with what the pages need around it:

- devices: the data and the network go to the device once (`resolve("auto")` picks CUDA, then
  Apple's MPS, else the CPU), and the CPU uses `ml.runtime.cpu_threads`;
- seeded batches: shuffling, dropout and any sampling draw from one `torch.Generator` seeded by
  the estimator's `random_state`, never from torch's global seed, so concurrent fits do not
  disturb each other and a seed gives the same model every time on the same device;
- a validation split evaluated once per epoch (one chunked forward pass per split, one device
  sync per epoch), recorded in `history_` as dicts (`epoch`, `train_<metric>`, `val_<metric>`);
- early stopping on the validation loss with the best epoch's weights restored;
- a live `callback(record, n_epochs)` after each epoch (progress bars, live curves). It may stop
  training, keeping what is done: return `False` or raise `StopTraining` (a page's Stop button);
- a NaN/inf loss stops training with `TrainingDiverged`, whose message says what to change and
  whose `history` holds the epochs completed before it.

Speed (bench/bench_nets.py): a step of these small networks costs microseconds of arithmetic and
tens of microseconds of framework overhead per operation, so the loop keeps the operations per
batch few: batches are contiguous slices of a once-per-epoch permuted copy (no DataLoader, no
per-batch gather), nothing is read back to Python per batch (no `.item()`), and the parameters
live in one flat buffer so that zeroing the gradients is one operation and the optimizer step
(`FlatOptimizer`, torch.optim's formulas) a handful, instead of a few per weight tensor.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch import nn

from ml.device import resolve_device
from ml.runtime import ReadableError

ACTIVATIONS = ("relu", "tanh", "sigmoid")
OPTIMIZERS = ("sgd", "momentum", "adam")
CHUNK = 65_536  # rows per forward pass when evaluating or predicting

_ACTIVATION_LAYERS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class TrainingDiverged(ReadableError):
    """Training produced a NaN/inf loss; `history` holds the epochs completed before it."""

    def __init__(self, message: str, history: list[dict]):
        super().__init__(message)
        self.history = history


class StopTraining(Exception):  # noqa: N818 (a signal, not an error)
    """Raise from a training callback to stop after the current epoch, keeping what is done."""


def resolve(device: str | None) -> str:
    """The device a fit runs on: "auto" → CUDA, then MPS, else CPU (see `ml.device`)."""
    return resolve_device(device)


# -- building blocks ---------------------------------------------------------------------------
class SeededDropout(nn.Module):
    """Dropout drawing its mask from `self.generator` (seeded) instead of torch's global RNG.

    A module-level class, so fitted networks pickle; the generator is attached only while
    training and is None otherwise (in evaluation mode the layer is the identity).
    """

    def __init__(self, p: float):
        super().__init__()
        self.p = float(p)
        self.generator: torch.Generator | None = None

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = torch.rand(x.shape, generator=self.generator, device=x.device) >= self.p
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def __getstate__(self):
        state = self.__dict__.copy()
        state["generator"] = None  # a torch.Generator does not pickle
        return state


def mlp_layers(
    n_in: int, n_out: int, widths: list[int] | tuple[int, ...], activation: str, dropout: float = 0.0
) -> nn.Sequential:
    """Linear layers of the given hidden `widths`, each followed by the activation (and dropout);
    a linear output layer of `n_out` units."""
    act = _ACTIVATION_LAYERS[activation]
    layers: list[nn.Module] = []
    width = n_in
    for units in widths:
        layers += [nn.Linear(width, units), act()]
        if dropout > 0:
            layers.append(SeededDropout(dropout))
        width = units
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def init_weights(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default Linear initialisation, drawn from `generator` (on the CPU)."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
                bound = 1.0 / math.sqrt(layer.weight.shape[1])
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def forward_chunks(fn: Callable, X: torch.Tensor) -> torch.Tensor:
    """`fn(X)` in chunks of `CHUNK` rows (bounded memory for big predictions)."""
    if len(X) <= CHUNK:
        return fn(X)
    return torch.cat([fn(X[i : i + CHUNK]) for i in range(0, len(X), CHUNK)])


def split_indices(
    n: int, fraction: float, seed: int, stratify: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation row indices; `fraction` of the rows (at least 1, at most n - 1) go to
    validation, stratified by `stratify` when every class allows it. fraction 0 → no validation."""
    idx = np.arange(n)
    if fraction <= 0:
        return idx, idx[:0]
    n_val = min(max(int(round(fraction * n)), 1), n - 1)
    if stratify is not None:
        try:
            return train_test_split(idx, test_size=n_val, random_state=seed, stratify=stratify)
        except ValueError:
            pass  # a class too small to stratify: fall back to a plain random split
    return train_test_split(idx, test_size=n_val, random_state=seed)


def seed_from(random_state) -> int:
    """One integer seed from scikit-learn's `random_state` (None, int or RandomState)."""
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


class FlatOptimizer:
    """SGD, SGD with momentum, or Adam on one flat parameter buffer, with torch.optim's formulas.

    sgd:      θ ← θ - lr·g
    momentum: b ← β·b + g (b = g at the first step);  θ ← θ - lr·b
    adam:     m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;
              θ ← θ - lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε)      (β1, β2, ε = 0.9, 0.999, 1e-8)
    with g = ∇loss + weight_decay·θ (L2 penalty, as torch.optim's `weight_decay`).

    A handful of in-place operations on one buffer per step: cheaper than torch.optim's step on
    these small networks (its per-step bookkeeping costs more than the arithmetic), and the first
    fit of a process does not pay the import of torch's compiler (~5 s) that torch.optim triggers.
    """

    def __init__(self, param: torch.Tensor, grad: torch.Tensor, optimizer: str, learning_rate: float,
                 momentum: float = 0.9, weight_decay: float = 0.0):  # fmt: skip
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}.")
        self.param, self.grad, self.kind = param, grad, optimizer
        self.lr, self.momentum, self.weight_decay = float(learning_rate), float(momentum), float(weight_decay)
        self.t = 0
        self.buf = torch.zeros_like(param) if optimizer != "sgd" else None
        self.v = torch.zeros_like(param) if optimizer == "adam" else None
        self.denom = torch.empty_like(param) if optimizer == "adam" else None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        g, p = self.grad, self.param
        if self.weight_decay:
            g = g.add(p, alpha=self.weight_decay)
        if self.kind == "sgd":
            p.add_(g, alpha=-self.lr)
        elif self.kind == "momentum":
            if self.t == 1:
                self.buf.copy_(g)
            else:
                self.buf.mul_(self.momentum).add_(g)
            p.add_(self.buf, alpha=-self.lr)
        else:
            b1, b2, eps = 0.9, 0.999, 1e-8
            self.buf.lerp_(g, 1 - b1)
            self.v.mul_(b2).addcmul_(g, g, value=1 - b2)
            torch.sqrt(self.v, out=self.denom)
            self.denom.div_(math.sqrt(1 - b2**self.t)).add_(eps)
            p.addcdiv_(self.buf, self.denom, value=-self.lr / (1 - b1**self.t))


class _FlatParameters:
    """Every parameter of `module` as a view into one flat buffer (and every gradient into another),
    so zeroing gradients is one operation and the optimizer step works on one tensor, not one per
    weight matrix.

    Element-wise optimizers (SGD, momentum, Adam, with weight decay) give the same updates on the
    flat buffer as on the separate tensors. `release()` gives each parameter its own storage again.
    """

    def __init__(self, module: nn.Module):
        self.params = [p for p in module.parameters() if p.requires_grad]
        first = self.params[0]
        total = sum(p.numel() for p in self.params)
        self.flat = torch.empty(total, dtype=first.dtype, device=first.device)
        self.grad = torch.zeros_like(self.flat)
        offset = 0
        with torch.no_grad():
            for p in self.params:
                k = p.numel()
                self.flat[offset : offset + k].copy_(p.reshape(-1))
                p.data = self.flat[offset : offset + k].view_as(p)
                p.grad = self.grad[offset : offset + k].view_as(p)  # autograd accumulates here
                offset += k

    def zero_grad(self) -> None:
        self.grad.zero_()

    def release(self) -> None:
        with torch.no_grad():
            for p in self.params:
                p.data = p.data.clone()
                p.grad = None


# -- the loop ----------------------------------------------------------------------------------
@dataclass
class TrainResult:
    """What `train` returns; estimators copy it into their `*_` attributes."""

    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    n_epochs: int = 0
    fit_time: float = 0.0
    callback_time: float = 0.0
    stop_reason: str = "epochs"  # "epochs", "early_stopping" or "callback"


def train(
    module: nn.Module,
    X_train: torch.Tensor,
    y_train: torch.Tensor | None,
    X_val: torch.Tensor,
    y_val: torch.Tensor | None,
    *,
    batch_loss: Callable,
    evaluate: Callable,
    generator: torch.Generator,
    epochs: int,
    batch_size: int,
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    early_stopping: bool = False,
    patience: int = 10,
    callback: Callable | None = None,
    scales: dict[str, float] | None = None,
    diverged_advice: str = "Lower the learning rate or standardise the features.",
) -> TrainResult:
    """Train `module` in place (already on the data's device) and return its history.

    batch_loss(module, xb, yb) → scalar loss tensor of one mini-batch (module in training mode;
        draw any randomness from `generator`). `yb` is None when `y_train` is None.
    evaluate(module, X, y) → {metric: scalar tensor} on a whole split, in evaluation mode and
        without gradients; it must include "loss". Each record holds `train_<metric>` and (with a
        validation split) `val_<metric>`, times `scales[metric]` (e.g. back to the target's units).
    Early stopping (and the best epoch) follows the validation loss, or the training loss when
    there is no validation split.
    """
    scales = scales or {}
    for layer in module.modules():
        if isinstance(layer, SeededDropout):
            layer.generator = generator
    flat = _FlatParameters(module)
    optim = FlatOptimizer(flat.flat, flat.grad, optimizer, learning_rate, momentum, weight_decay)
    result = TrainResult()
    history = result.history
    has_val = len(X_val) > 0
    monitor = "val_loss" if has_val else "train_loss"
    best_loss, best_state, waited = math.inf, None, 0
    n, bs = len(X_train), int(batch_size)
    start = time.perf_counter()
    try:
        for epoch in range(1, int(epochs) + 1):
            module.train()
            perm = torch.randperm(n, generator=generator, device=X_train.device)
            xs = X_train[perm].split(bs)  # one gather per epoch; batches are contiguous slices
            ys = y_train[perm].split(bs) if y_train is not None else [None] * len(xs)
            for xb, yb in zip(xs, ys, strict=True):
                flat.zero_grad()
                batch_loss(module, xb, yb).backward()
                optim.step()
            record = _evaluate_epoch(module, evaluate, epoch, X_train, y_train, X_val, y_val, has_val, scales)
            _check_finite(record, epoch, history, diverged_advice)
            history.append(record)
            if record[monitor] < best_loss:
                best_loss, result.best_epoch, waited = record[monitor], epoch, 0
                if early_stopping:
                    best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
            else:
                waited += 1
            if callback is not None:
                t0 = time.perf_counter()
                try:
                    go_on = callback(dict(record), int(epochs))
                except StopTraining:
                    go_on = False
                result.callback_time += time.perf_counter() - t0
                if go_on is False:
                    result.stop_reason = "callback"
                    break
            if early_stopping and waited >= patience:
                result.stop_reason = "early_stopping"
                break
        if early_stopping and best_state is not None:
            module.load_state_dict(best_state)
    finally:
        flat.release()
        for layer in module.modules():
            if isinstance(layer, SeededDropout):
                layer.generator = None
        module.eval()
    result.n_epochs = len(history)
    result.fit_time = time.perf_counter() - start
    return result


def _evaluate_epoch(module, evaluate, epoch, X_train, y_train, X_val, y_val, has_val, scales) -> dict:
    module.eval()
    with torch.no_grad():
        splits = [("train", evaluate(module, X_train, y_train))]
        if has_val:
            splits.append(("val", evaluate(module, X_val, y_val)))
        names = [f"{split}_{metric}" for split, metrics in splits for metric in metrics]
        values = torch.stack(
            [v.reshape(()).float() for _, metrics in splits for v in metrics.values()]
        ).tolist()  # one device sync per epoch
    record: dict = {"epoch": epoch}
    for name, value in zip(names, values, strict=True):
        record[name] = value * scales.get(name.split("_", 1)[1], 1.0)
    return record


def _check_finite(record: dict, epoch: int, history: list[dict], advice: str) -> None:
    losses = [v for k, v in record.items() if k.endswith("_loss")]
    if all(math.isfinite(v) for v in losses):
        return
    what = "NaN" if any(math.isnan(v) for v in losses) else "infinite"
    raise TrainingDiverged(f"Training diverged at epoch {epoch} (loss became {what}). {advice}", history)


# -- parameter checks shared by the estimators -------------------------------------------------
def is_int(v) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def is_num(v) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def bad_param(estimator, param: str, expected: str, fix: str = "") -> ValueError:
    """ValueError "Name: param must be <expected>, got <value>. <fix>" (scikit-learn's style)."""
    got = getattr(estimator, param)
    return ValueError(f"{type(estimator).__name__}: {param} must be {expected}, got {got!r}. {fix}".strip())


def check_common_params(est) -> None:
    """Checks of the parameters every torch estimator has (epochs, batch size, learning rate, …)."""
    if not (is_int(est.epochs) and est.epochs >= 1):
        raise bad_param(est, "epochs", "an integer ≥ 1")
    if not (is_int(est.batch_size) and est.batch_size >= 1):
        raise bad_param(est, "batch_size", "an integer ≥ 1")
    if not (is_num(est.learning_rate) and 0.0 < est.learning_rate < math.inf):
        raise bad_param(est, "learning_rate", "a positive number", "Try 1e-3 for adam or 0.01-0.1 for sgd.")
    if not (is_num(est.weight_decay) and 0.0 <= est.weight_decay < math.inf):
        raise bad_param(est, "weight_decay", "a number ≥ 0", "Use 0 for no L2 penalty.")
    if not (is_int(est.patience) and est.patience >= 1):
        raise bad_param(est, "patience", "an integer ≥ 1")
    if est.activation not in ACTIVATIONS:
        raise bad_param(est, "activation", f"one of {list(ACTIVATIONS)}")
    if not (is_int(est.hidden_layers) and est.hidden_layers >= 0):
        raise bad_param(est, "hidden_layers", "an integer ≥ 0")
    if not (is_int(est.hidden_units) and est.hidden_units >= 1):
        raise bad_param(est, "hidden_units", "an integer ≥ 1")
    if est.callback is not None and not callable(est.callback):
        raise bad_param(est, "callback", "None or a function callback(record, n_epochs)")


def as_float32(estimator, X: np.ndarray) -> np.ndarray:
    """X as float32, refusing values beyond float32's range with advice."""
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    if not np.isfinite(X32).all():
        raise ValueError(
            f"{type(estimator).__name__}: features exceed the float32 range (|x| > 3e38). "
            "Scale the features (e.g. standard scaling) before training."
        )
    return X32
