"""Generators for the simulated datasets: SDSS-like photometry, photon vs jet, NAND, 2-D shapes, curves.

Everything is seeded (same `seed`, same table) and pure numpy/pandas (plus scikit-learn's shape
makers), so a page, a notebook and a test all see the same numbers. The physics is a caricature
tuned for teaching: the classes overlap the way real data does, so no model scores a perfect 1.0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.photometry import BANDS

SDSS_CLASSES = ("STAR", "GALAXY", "QSO")
PHOTON_JET_FEATURES = ("H_over_E", "shower_width", "iso_sum", "n_tracks")
CURVE_KINDS = ("linear", "polynomial", "sine")
CURVE_X_RANGE = (-3.0, 3.0)

# Magnitude at which each band's photometric error reaches 0.05 mag (u and z are the shallow bands).
_MAG_AT_5PCT = {"u": 21.3, "g": 22.5, "r": 22.2, "i": 21.7, "z": 20.5}
_MAG_LIMITS = (12.0, 25.0)


def _check_n(n, minimum: int = 1, name: str = "n") -> int:
    """`n` as an int >= minimum, or a ValueError that says so."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {n!r}; pass e.g. {name}={max(minimum, 100)}."
        )
    return int(n)


def _check_noise(noise, name: str = "noise") -> float:
    """`noise` as a finite float >= 0, or a ValueError that says so."""
    try:
        value = float(noise)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number >= 0, got {noise!r}.") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {noise!r}; use e.g. {name}=0.2.")
    return value


def _split_counts(n: int, fractions) -> np.ndarray:
    """Split n into integer counts proportional to `fractions` (largest remainders get the spare rows)."""
    frac = np.asarray(fractions, dtype=float)
    if frac.ndim != 1 or np.any(frac < 0) or not np.isfinite(frac).all() or frac.sum() <= 0:
        raise ValueError(f"fractions must be non-negative numbers with a positive sum, got {fractions!r}.")
    share = frac / frac.sum() * n
    counts = np.floor(share).astype(int)
    spare = n - counts.sum()
    counts[np.argsort(-(share - counts), kind="stable")[:spare]] += 1
    return counts


# --------------------------------------------------------------------------------------------
# SDSS-like photometry
# --------------------------------------------------------------------------------------------


def _stars(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Intrinsic colours of stars: the stellar locus (A/F to M), plus a few hot white dwarfs / BHBs."""
    # Position along the locus: 0 = hot blue (A/F), 1 = cool M dwarf. Spectroscopic targets favour F/G/K.
    t = rng.beta(1.6, 2.4, n)
    gr = 0.15 + 1.35 * t
    ug = 0.65 + 1.55 * gr - 0.25 * gr**2
    ri = 0.08 + 0.28 * gr + 2.6 * np.clip(gr - 1.15, 0, None)
    iz = 0.03 + 0.45 * ri
    # Hot white dwarfs and blue horizontal-branch stars sit near the quasars: the classic confusion.
    hot = rng.random(n) < 0.05
    ug = np.where(hot, rng.normal(0.35, 0.18, n), ug)
    gr = np.where(hot, rng.normal(-0.15, 0.12, n), gr)
    ri = np.where(hot, rng.normal(-0.12, 0.08, n), ri)
    iz = np.where(hot, rng.normal(-0.10, 0.08, n), iz)
    r = 14.0 + 6.0 * rng.beta(2.2, 1.6, n)
    # Radial velocities of a few tens of km/s: |z| ~ 1e-4, either sign.
    redshift = np.clip(rng.normal(0.0, 1.5e-4, n), -9e-4, 9e-4)
    scatter = 0.06
    return {
        "u-g": ug + rng.normal(0, scatter * 1.5, n),
        "g-r": gr + rng.normal(0, scatter, n),
        "r-i": ri + rng.normal(0, scatter, n),
        "i-z": iz + rng.normal(0, scatter, n),
        "r": r,
        "redshift": redshift,
    }


def _galaxies(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Galaxy colours redden with redshift as the 4000 Å break moves from g into r (z≈0.4) and then i."""
    # Main-sample galaxies (peak z~0.1) plus luminous red galaxies out to z~0.5.
    lrg = rng.random(n) < 0.18
    z = np.where(lrg, rng.normal(0.33, 0.09, n), rng.gamma(3.2, 0.037, n))
    z = np.clip(z, 0.005, 0.75)
    # Type: 0 = blue star-forming, 1 = red passive. LRGs are red by selection.
    s = np.where(lrg, rng.uniform(0.8, 1.0, n), rng.beta(1.6, 1.4, n))
    blue = {
        "u-g": 1.05 + 0.7 * z,
        "g-r": 0.38 + 1.2 * z,
        "r-i": 0.27 + 0.35 * z,
        "i-z": 0.22 + 0.25 * z,
    }
    zb = np.clip(z - 0.38, 0, None)  # break beyond the g/r boundary
    red = {
        "u-g": 1.75 + 1.4 * z - 1.2 * zb,
        "g-r": 0.72 + 2.6 * z - 1.5 * z**2 - 0.8 * zb,
        "r-i": 0.42 + 0.25 * z + 2.4 * zb,
        "i-z": 0.36 + 0.2 * z + 0.8 * zb,
    }
    out = {k: (1 - s) * blue[k] + s * red[k] for k in blue}
    noise = {"u-g": 0.18, "g-r": 0.06, "r-i": 0.04, "i-z": 0.05}
    for k in out:
        out[k] = out[k] + rng.normal(0, noise[k], n)
    # Farther galaxies look fainter; main sample stops near r = 17.8, LRGs reach r ~ 19.5.
    r = 16.9 + 3.2 * np.log10(z / 0.1) + rng.normal(0, 0.6, n)
    out["r"] = np.clip(r, 13.5, 19.8)
    out["redshift"] = z
    return out


def _quasars(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Quasar colours: blue power law (UV excess) until the Lyman-α forest eats u (z>2.3), then g (z>3.3)."""
    boss = rng.random(n) < 0.25  # a BOSS-like high-redshift component
    z = np.where(boss, rng.normal(2.7, 0.6, n), rng.gamma(4.2, 0.38, n))
    z = np.clip(z, 0.1, 5.5)
    # Emission lines wander through the bands: small wiggles in colour with redshift.
    ug = (
        0.18 + 0.08 * np.sin(3.1 * z) + 1.4 * np.clip(z - 2.3, 0, None) + 0.9 * np.clip(z - 2.9, 0, None) ** 2
    )
    gr = (
        0.15
        + 0.07 * np.sin(2.3 * z + 1.0)
        + 0.9 * np.clip(z - 3.3, 0, None)
        + 0.4 * np.clip(z - 3.6, 0, None) ** 2
    )
    ri = 0.14 + 0.07 * np.sin(2.0 * z + 2.0) + 0.8 * np.clip(z - 4.4, 0, None)
    iz = 0.08 + 0.08 * np.sin(1.7 * z + 0.5)
    r = np.clip(19.2 + 0.35 * np.clip(z - 2.0, 0, None) + rng.normal(0, 0.8, n), 16.5, 21.5)
    return {
        "u-g": np.clip(ug, None, 4.0) + rng.normal(0, 0.18, n),
        "g-r": gr + rng.normal(0, 0.12, n),
        "r-i": ri + rng.normal(0, 0.10, n),
        "i-z": iz + rng.normal(0, 0.10, n),
        "r": r,
        "redshift": z,
    }


def _magnitudes(c: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """ugriz from r and colours, each with magnitude-dependent measurement noise, clipped to 12-25."""
    true = {"r": c["r"]}
    true["g"] = true["r"] + c["g-r"]
    true["u"] = true["g"] + c["u-g"]
    true["i"] = true["r"] - c["r-i"]
    true["z"] = true["i"] - c["i-z"]
    out = {}
    for b in BANDS:
        sigma = np.sqrt(0.012**2 + (0.05 * 10 ** (0.4 * (true[b] - _MAG_AT_5PCT[b]))) ** 2)
        out[b] = np.clip(true[b] + rng.normal(0, 1, len(true[b])) * np.minimum(sigma, 0.6), *_MAG_LIMITS)
    return out


def sdss_photometry(n: int = 5000, seed: int = 0, fractions=(0.4, 0.5, 0.1)) -> pd.DataFrame:
    """SDSS-like spectroscopic objects: u,g,r,i,z magnitudes, class (STAR/GALAXY/QSO) and redshift.

    `fractions` gives the share of STAR, GALAXY and QSO (exact counts, rows shuffled). Stars sit on
    the stellar locus at z≈0, galaxies redden out to z~0.5, quasars show UV excess until z~2.3 and
    lose it at higher redshift, where they cross the stellar locus. Colours: `derive_colours`.
    """
    n = _check_n(n)
    if len(tuple(fractions)) != 3:
        raise ValueError(f"fractions must give 3 shares (STAR, GALAXY, QSO), got {fractions!r}.")
    counts = _split_counts(n, fractions)
    rng = np.random.default_rng(seed)
    parts = []
    for cls, k, make in zip(SDSS_CLASSES, counts, (_stars, _galaxies, _quasars), strict=True):
        if k == 0:
            continue
        colours = make(int(k), rng)
        frame = pd.DataFrame(_magnitudes(colours, rng))[list(BANDS)]
        frame["class"] = cls
        frame["redshift"] = colours["redshift"]
        parts.append(frame)
    df = pd.concat(parts, ignore_index=True)
    return df.iloc[rng.permutation(len(df))].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Photon vs jet (calorimeter candidates)
# --------------------------------------------------------------------------------------------


def _photons(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Prompt photons: little hadronic energy, narrow showers, quiet surroundings; ~20% convert."""
    converted = rng.random(n) < 0.2
    return {
        "H_over_E": rng.exponential(0.012, n) + converted * rng.exponential(0.008, n),
        "shower_width": rng.normal(0.0100, 0.0008, n) + converted * np.abs(rng.normal(0, 0.0012, n)),
        "iso_sum": rng.gamma(1.4, 1.1, n),  # pile-up and underlying event
        "n_tracks": rng.poisson(0.12, n) + converted * rng.binomial(2, 0.5, n),
    }


def _jets(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Jets faking photons; `f` (energy share of the leading π0/η) makes every variable photon-like at once."""
    f = rng.beta(1.8, 2.0, n)
    hard = 1 - f
    return {
        "H_over_E": rng.exponential(0.010 + 0.10 * hard, n),
        "shower_width": 0.0101 + 0.0045 * hard + rng.normal(0, 0.0011 + 0.0012 * hard, n),
        "iso_sum": rng.gamma(1.6, 0.9 + 5.0 * hard, n),
        "n_tracks": rng.poisson(0.12 + 2.8 * hard**1.3, n),
    }


def photon_jet(n: int = 20000, seed: int = 0, signal_fraction: float = 0.5) -> pd.DataFrame:
    """Calorimeter photon candidates: H_over_E, shower_width, iso_sum (GeV), n_tracks and label (1 = photon).

    Jets (label 0) that put most of their energy into one π0 look like photons in every variable at
    once, so the classes overlap: a good classifier reaches an AUC in the mid 0.9s, not 1.0, and
    each single variable alone does clearly worse.
    """
    n = _check_n(n, 2)
    try:
        frac = float(signal_fraction)
    except (TypeError, ValueError):
        raise ValueError(f"signal_fraction must be a number in (0, 1), got {signal_fraction!r}.") from None
    if not 0 < frac < 1:
        raise ValueError(f"signal_fraction must be strictly between 0 and 1, got {signal_fraction!r}.")
    n_jet, n_photon = _split_counts(n, (1 - frac, frac))
    rng = np.random.default_rng(seed)
    parts = []
    for label, k, make in ((1, n_photon, _photons), (0, n_jet, _jets)):
        frame = pd.DataFrame(make(int(k), rng))
        frame["label"] = label
        parts.append(frame)
    df = pd.concat(parts, ignore_index=True)
    df["H_over_E"] = df["H_over_E"].clip(lower=0.0)
    df["shower_width"] = df["shower_width"].clip(lower=0.005)
    df["iso_sum"] = df["iso_sum"].clip(lower=0.0)
    df["n_tracks"] = df["n_tracks"].astype(int)
    df["label"] = df["label"].astype(int)
    return df.iloc[rng.permutation(len(df))].reset_index(drop=True)


def _log_ratio_histograms(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """Sum over variables of log(signal density / background density), each density a histogram of `train`."""
    total = np.zeros(len(test))
    is_sig = train["label"].to_numpy() == 1
    for col in PHOTON_JET_FEATURES:
        x_train = train[col].to_numpy(float)
        x_test = test[col].to_numpy(float)
        if col == "n_tracks":
            edges = np.arange(-0.5, 7.5)
            x_train, x_test = np.minimum(x_train, 6), np.minimum(x_test, 6)
        else:
            edges = np.unique(np.quantile(x_train, np.linspace(0, 1, 41)))
            edges[0], edges[-1] = -np.inf, np.inf
        sig = np.histogram(x_train[is_sig], edges)[0] + 1.0  # +1: no empty bins, no log(0)
        bkg = np.histogram(x_train[~is_sig], edges)[0] + 1.0
        ratio = np.log(sig / sig.sum()) - np.log(bkg / bkg.sum())
        idx = np.clip(np.searchsorted(edges, x_test, side="right") - 1, 0, len(ratio) - 1)
        total += ratio[idx]
    return total


def photon_jet_discriminants(n: int = 20000, seed: int = 0) -> pd.DataFrame:
    """Label plus ready-made photon scores for the ROC explorer; in every column HIGHER = more photon-like.

    Columns: `label` (1 = photon); `minus_H_over_E`, `minus_shower_width`, `minus_iso_sum`
    (single-variable cuts, sign flipped); `likelihood_ratio` (naive-Bayes log ratio: per-variable
    histogram densities, learnt on an independent sample, multiplied as if the variables were
    independent, which they are not for jets); `logistic_score` (logistic regression on the four
    variables) and `bdt_score` (gradient-boosted trees), both trained on that independent sample.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ml.models import limited_threads

    n = _check_n(n, 2)
    test_seed, train_seed = np.random.SeedSequence(seed).spawn(2)
    test = photon_jet(n, seed=int(test_seed.generate_state(1)[0]))
    train = photon_jet(20000, seed=int(train_seed.generate_state(1)[0]))
    features = list(PHOTON_JET_FEATURES)

    def transform(df: pd.DataFrame) -> np.ndarray:
        x = df[features].to_numpy(float)
        x[:, [0, 2, 3]] = np.log1p(x[:, [0, 2, 3]] * [100.0, 1.0, 1.0])  # tame the long tails
        return x

    # OpenMP threads capped as for every model fit: uncapped, this fit took from 0.3 s to minutes
    # on a busy 2-core machine (threads fighting over the cores)
    with limited_threads():
        logistic = make_pipeline(StandardScaler(), LogisticRegression()).fit(transform(train), train["label"])
        bdt = HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=15, random_state=0)
        bdt.fit(train[features], train["label"])
        bdt_score = bdt.predict_proba(test[features])[:, 1]
    return pd.DataFrame(
        {
            "label": test["label"].to_numpy(),
            "minus_H_over_E": -test["H_over_E"].to_numpy(),
            "minus_shower_width": -test["shower_width"].to_numpy(),
            "minus_iso_sum": -test["iso_sum"].to_numpy(),
            "likelihood_ratio": _log_ratio_histograms(train, test),
            "logistic_score": logistic.predict_proba(transform(test))[:, 1],
            "bdt_score": bdt_score,
        }
    )


# --------------------------------------------------------------------------------------------
# Truth tables, 2-D shapes and 1-D curves
# --------------------------------------------------------------------------------------------


def nand_gate() -> pd.DataFrame:
    """The NAND truth table: x1, x2 in {0, 1} and y = NOT(x1 AND x2)."""
    x1 = np.array([0, 0, 1, 1])
    x2 = np.array([0, 1, 0, 1])
    return pd.DataFrame({"x1": x1, "x2": x2, "y": 1 - (x1 & x2)})


def _shape_frame(X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "label": y.astype(int)})


def moons(n: int = 300, noise: float = 0.2, seed: int = 0) -> pd.DataFrame:
    """Two interleaving half-moons (x1, x2, label): not linearly separable."""
    from sklearn.datasets import make_moons

    X, y = make_moons(_check_n(n, 2), noise=_check_noise(noise), random_state=seed)
    return _shape_frame(X, y)


def circles(n: int = 300, noise: float = 0.1, seed: int = 0, factor: float = 0.5) -> pd.DataFrame:
    """A small circle inside a big one (x1, x2, label): needs a non-linear boundary."""
    from sklearn.datasets import make_circles

    if not 0 < factor < 1:
        raise ValueError(f"factor (inner/outer radius) must be strictly between 0 and 1, got {factor!r}.")
    X, y = make_circles(_check_n(n, 2), noise=_check_noise(noise), factor=factor, random_state=seed)
    return _shape_frame(X, y)


def blobs(n: int = 300, centers: int = 3, noise: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Gaussian blobs (x1, x2, label) around `centers` random centres; `noise` is each blob's std."""
    from sklearn.datasets import make_blobs

    centers = _check_n(centers, 2, "centers")
    std = _check_noise(noise)
    X, y = make_blobs(
        _check_n(n, centers), centers=centers, cluster_std=std, center_box=(-8, 8), random_state=seed
    )
    return _shape_frame(X, y)


def linear_pair(n: int = 300, noise: float = 0.6, seed: int = 0) -> pd.DataFrame:
    """Two Gaussian blobs either side of a straight line (x1, x2, label); separable when noise is small."""
    n = _check_n(n, 2)
    std = _check_noise(noise)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    centres = np.where(y[:, None] == 1, [1.5, 1.5], [-1.5, -1.5])
    X = centres + rng.normal(0, std, (n, 2))
    order = rng.permutation(n)
    return _shape_frame(X[order], y[order])


def curve_true(kind: str, x) -> np.ndarray:
    """The noise-free curve behind `curve_1d`: a line, a cubic or a sine evaluated at x."""
    if kind not in CURVE_KINDS:
        raise ValueError(f"kind must be one of {list(CURVE_KINDS)}, got {kind!r}.")
    x = np.asarray(x, dtype=float)
    if kind == "linear":
        return 0.8 * x + 0.5
    if kind == "polynomial":
        return 0.15 * x**3 - 0.4 * x**2 - 0.5 * x + 1.0
    return 1.5 * np.sin(1.3 * x)


def curve_1d(kind: str = "linear", n: int = 60, noise: float = 0.3, seed: int = 0) -> pd.DataFrame:
    """Noisy samples (x, y) of a line, a cubic or a sine on x in [-3, 3], sorted by x, for regression."""
    if kind not in CURVE_KINDS:
        raise ValueError(f"kind must be one of {list(CURVE_KINDS)}, got {kind!r}.")
    n = _check_n(n, 2)
    std = _check_noise(noise)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(*CURVE_X_RANGE, n))
    return pd.DataFrame({"x": x, "y": curve_true(kind, x) + rng.normal(0, std, n)})


# ============================================================================================
# Dimensionality reduction (ml/projection.py): the cocktail party, manifolds, many-dimensional blobs
# ============================================================================================

COCKTAIL_SOURCES = ("sine", "square", "sawtooth", "speech")
COCKTAIL_RATE = 8000  # samples per second: telephone quality, light enough for the browser's audio player


def cocktail_sources(n_sources: int = 3, duration: float = 2.0, sample_rate: int = COCKTAIL_RATE) -> pd.DataFrame:
    """The independent source signals of the cocktail party, one column each, in COCKTAIL_SOURCES order:
    a 523 Hz sine, a 187 Hz square wave, a 311 Hz sawtooth and a speech-like tone (a 140 Hz voice
    with harmonics, wobbling pitch and syllable-like bursts at about 4 per second). Deterministic."""
    n_sources = _check_n(n_sources, 2, "n_sources")
    if n_sources > len(COCKTAIL_SOURCES):
        raise ValueError(f"n_sources must be at most {len(COCKTAIL_SOURCES)}, got {n_sources}.")
    n = _check_n(int(round(duration * sample_rate)), 100, "duration × sample_rate")
    t = np.arange(n) / sample_rate
    pitch = 140 * (1 + 0.08 * np.sin(2 * np.pi * 1.3 * t))  # the voice's pitch drifts
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    envelope = np.clip(np.sin(2 * np.pi * 4.1 * t), 0, None) ** 0.7  # syllables
    speech = envelope * sum(np.sin(h * phase) / h for h in (1, 2, 3, 4))
    signals = {
        "sine": np.sin(2 * np.pi * 523 * t),
        "square": np.sign(np.sin(2 * np.pi * 187 * t)),
        "sawtooth": 2 * ((311 * t) % 1.0) - 1,
        "speech": speech / np.abs(speech).max(),
    }
    return pd.DataFrame({k: signals[k] for k in COCKTAIL_SOURCES[:n_sources]})


def mixing_matrix(n_sources: int = 3, seed: int = 0) -> np.ndarray:
    """A seeded random mixing matrix A (microphones × sources): entries 0.2-1 with the direct path
    (mic i hears source i) loudest, so every microphone hears every source."""
    rng = np.random.default_rng(seed)
    A = rng.uniform(0.2, 1.0, (n_sources, n_sources))
    A[np.diag_indices(n_sources)] += 0.5
    return A


def cocktail_party(
    n_sources: int = 3,
    duration: float = 2.0,
    sample_rate: int = COCKTAIL_RATE,
    seed: int = 0,
    mixing=None,
    noise: float = 0.0,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """The cocktail party: sources S, mixing matrix A and microphone recordings X = S Aᵀ (+ noise).

    Returns (S, A, X): S and X as frames (columns = sources / mic_1 … mic_n), A as an array.
    `mixing` overrides the seeded A (a square matrix, one row per microphone).
    """
    S = cocktail_sources(n_sources, duration, sample_rate)
    A = mixing_matrix(n_sources, seed) if mixing is None else np.asarray(mixing, dtype=float)
    if A.shape != (n_sources, n_sources) or not np.isfinite(A).all():
        raise ValueError(
            f"The mixing matrix must be {n_sources} × {n_sources} finite numbers (one row per microphone); "
            f"got shape {A.shape}."
        )
    if abs(np.linalg.det(A)) < 1e-9:
        raise ValueError(
            "The mixing matrix is singular (its rows are dependent): some microphones hear the same mix, so "
            "no method can unmix the sources. Change a value."
        )
    std = _check_noise(noise)
    X = S.to_numpy() @ A.T
    if std:
        X = X + np.random.default_rng(seed + 1).normal(0, std, X.shape)
    return S, A, pd.DataFrame(X, columns=[f"mic_{i + 1}" for i in range(n_sources)])


def manifold(kind: str = "swiss_roll", n: int = 1500, noise: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """A 2-D sheet rolled up in 3-D (scikit-learn's Swiss roll or S-curve): x, y, z and the position
    t along the sheet (what a good 2-D map should keep in order)."""
    from sklearn.datasets import make_s_curve, make_swiss_roll

    makers = {"swiss_roll": make_swiss_roll, "s_curve": make_s_curve}
    if kind not in makers:
        raise ValueError(f"kind must be one of {list(makers)}, got {kind!r}.")
    X, t = makers[kind](_check_n(n, 10), noise=_check_noise(noise), random_state=seed)
    return pd.DataFrame({"x": X[:, 0], "y": X[:, 1], "z": X[:, 2], "t": t})


def blobs_nd(n: int = 600, n_features: int = 500, centers: int = 5, spread: float = 3.0, seed: int = 0) -> pd.DataFrame:
    """Gaussian blobs in many dimensions (x1 … x<n_features>, label): clusters no pair of raw features
    shows, which a projection to 2-D reveals; and enough dimensions for random projection to pay."""
    from sklearn.datasets import make_blobs

    n = _check_n(n, centers)
    d = _check_n(n_features, 2, "n_features")
    X, y = make_blobs(n, n_features=d, centers=centers, cluster_std=_check_noise(spread) or 1e-6, random_state=seed)
    frame = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(d)])
    frame["label"] = y
    return frame


# --------------------------------------------------------------------------------------------
# Clustering shapes (issue 11): blobs k-means gets wrong, and noise with no clusters at all
# --------------------------------------------------------------------------------------------

ANISO_TRANSFORM = ((0.6, -0.64), (-0.41, 0.85))  # the shear of scikit-learn's k-means assumptions demo


def anisotropic_blobs(n: int = 300, centers: int = 3, noise: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Gaussian blobs sheared into long tilted ellipses (x1, x2, label): k-means cuts them across."""
    from sklearn.datasets import make_blobs

    centers = _check_n(centers, 2, "centers")
    X, y = make_blobs(
        _check_n(n, centers), centers=centers, cluster_std=_check_noise(noise), center_box=(-8, 8), random_state=seed
    )
    return _shape_frame(X @ np.asarray(ANISO_TRANSFORM), y)


def unequal_variance_blobs(n: int = 300, centers: int = 3, seed: int = 0) -> pd.DataFrame:
    """Gaussian blobs of very different spreads, std 1.0, 2.5, 0.5, ... in turn (x1, x2, label)."""
    from sklearn.datasets import make_blobs

    centers = _check_n(centers, 2, "centers")
    stds = [(1.0, 2.5, 0.5)[i % 3] for i in range(centers)]
    X, y = make_blobs(
        _check_n(n, centers), centers=centers, cluster_std=stds, center_box=(-10, 10), random_state=seed
    )
    return _shape_frame(X, y)


def uniform_noise(n: int = 300, n_features: int = 2, seed: int = 0) -> pd.DataFrame:
    """Points spread uniformly over the unit square (or cube): no clusters at all (x1, x2, ...)."""
    n = _check_n(n, 1)
    d = _check_n(n_features, 1, "n_features")
    X = np.random.default_rng(seed).uniform(0.0, 1.0, (n, d))
    return pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(d)])
