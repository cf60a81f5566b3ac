"""Generators for the anomaly-detection page, after the DRAMA notes' synthetic experiments.

- `local_anomaly`: a few points just off a curved 1-D manifold (a *local* anomaly: inside the data's
  range, only unusual for their neighbourhood), in 2-D or embedded in more features.
- `new_class`: normal rows in a few Gaussian clusters, anomalies a small foreign cluster (a *new class*).
- `event_signals`: curves of n_features samples (100 by default, up to 3,000 for the notes' "huge
  dimension"): smooth normal shapes, and anomalies that carry an *event*, a narrow bump.

Each returns a DataFrame of features plus "label" (1 = anomaly, 0 = normal). Everything is seeded
(same seed, same table); `contamination` is the share of anomalies, `noise` the scatter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.simulate import _check_n, _check_noise


def _check_contamination(c) -> float:
    try:
        value = float(c)
    except (TypeError, ValueError):
        raise ValueError(f"contamination must be a number in (0, 0.5], got {c!r}.") from None
    if not (0 < value <= 0.5):
        raise ValueError(f"contamination must be in (0, 0.5] (the share of anomalies), got {c!r}; e.g. 0.02.")
    return value


def _counts(n: int, contamination: float) -> tuple[int, int]:
    n_o = max(1, int(round(n * contamination)))
    return n - n_o, n_o


def _frame(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, prefix: str = "x") -> pd.DataFrame:
    order = rng.permutation(len(y))
    width = len(str(X.shape[1]))
    cols = [f"{prefix}{i + 1:0{width}d}" if X.shape[1] > 9 else f"{prefix}{i + 1}" for i in range(X.shape[1])]
    df = pd.DataFrame(X[order], columns=cols)
    df["label"] = y[order].astype(int)
    return df


def _embed(P: np.ndarray, n_features: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """2-D points placed in `n_features` dimensions by a random rotation, plus small noise off the plane."""
    if n_features == 2:
        return P
    Q, _ = np.linalg.qr(rng.normal(size=(n_features, 2)))
    return P @ Q.T + rng.normal(0, noise, size=(P.shape[0], n_features))


def local_anomaly(
    n: int = 1000, n_features: int = 2, contamination: float = 0.02, noise: float = 0.05, seed: int = 0
) -> pd.DataFrame:
    """Normal rows along the curve y = sin(x), x in [-π, π], with Gaussian scatter `noise`; anomalies
    sit 8-14 `noise` widths off the curve (perpendicular), inside the curve's range."""
    n = _check_n(n, 10, "n")
    n_features = _check_n(n_features, 2, "n_features")
    noise = _check_noise(noise)
    n_in, n_o = _counts(n, _check_contamination(contamination))
    rng = np.random.default_rng(seed)
    t = rng.uniform(-np.pi, np.pi, n_in)
    normal = np.column_stack([t, np.sin(t)]) + rng.normal(0, noise, (n_in, 2))
    s = rng.uniform(-0.8 * np.pi, 0.8 * np.pi, n_o)
    tangent = np.column_stack([np.ones(n_o), np.cos(s)])
    perp = np.column_stack([-tangent[:, 1], tangent[:, 0]]) / np.linalg.norm(tangent, axis=1, keepdims=True)
    off = rng.uniform(8, 14, n_o) * max(noise, 0.02) * rng.choice([-1, 1], n_o)
    anomalies = np.column_stack([s, np.sin(s)]) + perp * off[:, None]
    P = np.vstack([normal, anomalies])
    X = _embed(P, n_features, noise / 2, rng)
    return _frame(X, np.r_[np.zeros(n_in), np.ones(n_o)], rng)


def new_class(
    n: int = 1000, n_features: int = 2, contamination: float = 0.02, noise: float = 1.0, seed: int = 0
) -> pd.DataFrame:
    """Three Gaussian clusters (std `noise`) of normal rows; anomalies a tight fourth cluster (std
    noise / 3) placed between them, at least 4 `noise` widths from every normal centre."""
    n = _check_n(n, 10, "n")
    n_features = _check_n(n_features, 2, "n_features")
    noise = _check_noise(noise)
    n_in, n_o = _counts(n, _check_contamination(contamination))
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-8, 8, (3, n_features))
    sizes = np.bincount(rng.integers(0, 3, n_in), minlength=3)
    normal = np.vstack(
        [c + rng.normal(0, noise, (k, n_features)) for c, k in zip(centres, sizes, strict=True)]
    )
    for _ in range(200):  # a spot inside the data's range, away from every normal centre
        spot = rng.uniform(centres.min(axis=0), centres.max(axis=0))
        if np.min(np.linalg.norm(centres - spot, axis=1)) >= 4 * max(noise, 0.1):
            break
    else:
        spot = centres.mean(axis=0) + 6 * max(noise, 0.1)
    anomalies = spot + rng.normal(0, max(noise, 1e-3) / 3, (n_o, n_features))
    return _frame(np.vstack([normal, anomalies]), np.r_[np.zeros(n_in), np.ones(n_o)], rng)


def event_signals(
    n: int = 600, n_features: int = 100, contamination: float = 0.05, noise: float = 0.1, seed: int = 0
) -> pd.DataFrame:
    """Curves sampled at `n_features` points on [0, 1]: normal rows are a sine of 1, 2 or 3 cycles with
    random amplitude (0.8-1.2) and a small phase jitter, plus white noise `noise`; anomalies are the same
    kind of curve carrying an event, a Gaussian bump of height 1-2 and width 1-3% of the range at a
    random place. Columns t001..t100 (the sample index)."""
    n = _check_n(n, 10, "n")
    n_features = _check_n(n_features, 10, "n_features")
    if n_features > 5000:
        raise ValueError(f"n_features must be at most 5,000 for event signals, got {n_features}.")
    noise = _check_noise(noise)
    n_in, n_o = _counts(n, _check_contamination(contamination))
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, n_features)
    cycles = rng.integers(1, 4, n)
    amp = rng.uniform(0.8, 1.2, n)
    phase = rng.normal(0, 0.15, n)
    X = amp[:, None] * np.sin(2 * np.pi * cycles[:, None] * x[None, :] + phase[:, None])
    X += rng.normal(0, noise, X.shape)
    where = rng.uniform(0.05, 0.95, n_o)
    width = rng.uniform(0.01, 0.03, n_o)
    height = rng.uniform(1.0, 2.0, n_o) * rng.choice([-1, 1], n_o)
    X[n_in:] += height[:, None] * np.exp(-0.5 * ((x[None, :] - where[:, None]) / width[:, None]) ** 2)
    return _frame(X, np.r_[np.zeros(n_in), np.ones(n_o)], rng, prefix="t")
