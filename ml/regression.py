"""Regression engine: metrics, gradient descent for a line, regularisation paths, input checks.

Pure Python (no Streamlit). Every function raises `ValueError` with a message fit to show a user:
what was expected, what arrived and what to do.

Metric definitions follow the lecture: MSE = mean((true - pred)^2); MAPE = mean(|true - pred| /
max(eps, |true|)) (a fraction: 0.05 means 5 %); R^2 = 1 - SS_res / SS_tot.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.models import final_estimator

GD_METHODS = ("absolute", "square", "batch", "minibatch")
PER_POINT_METHODS = ("absolute", "square")
MAX_GD_STEPS = 100_000
DIVERGENCE_FACTOR = 1e6  # a loss this many times its starting value counts as diverged
MIN_TARGET_ROWS = 10


# --------------------------------------------------------------------------------------------
# input helpers


def _as_1d_float(values, name: str) -> np.ndarray:
    """`values` as a finite 1-D float array, or a ValueError naming `name`."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be numbers; could not read them as numbers ({exc}). Pass a numeric column or array."
        ) from None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one column of numbers; got an array of shape {arr.shape}.")
    bad = int(np.sum(~np.isfinite(arr)))
    if bad:
        raise ValueError(
            f"{name} must be finite numbers; {bad} of {arr.size} values are missing or infinite. "
            "Drop or fill those rows first."
        )
    return arr


def _is_positive(value) -> bool:
    """True for a finite number > 0 (not a bool)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value < math.inf


def _is_whole(value, low: int) -> bool:
    """True for a whole number (not a bool) of at least `low`."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low


def _pair(a, b, name_a: str, name_b: str) -> tuple[np.ndarray, np.ndarray]:
    """Two finite 1-D arrays of the same non-zero length."""
    a = _as_1d_float(a, name_a)
    b = _as_1d_float(b, name_b)
    if a.size != b.size:
        raise ValueError(
            f"{name_a} and {name_b} must have the same length; got {a.size} and {b.size}. "
            "Pass one prediction per true value."
        )
    if a.size == 0:
        raise ValueError(f"{name_a} and {name_b} are empty; at least one value is needed.")
    return a, b


# --------------------------------------------------------------------------------------------
# metrics


def regression_metrics(y_true, y_pred, eps: float = 1e-3) -> dict:
    """MSE, RMSE, MAE, MAPE (with eps) and R^2, as the lecture defines them, plus n.

    MAPE is mean(|true - pred| / max(eps, |true|)), a fraction. When y_true is constant R^2 is
    undefined: `r2` is then nan and the dict gets a `note` key explaining why (the other
    metrics stay usable, so a page can still show them).
    """
    if not _is_positive(eps):
        raise ValueError(f"eps must be a positive number (e.g. 1e-3); got {eps!r}.")
    t, p = _pair(y_true, y_pred, "y_true", "y_pred")
    err = t - p
    mse = float(np.mean(err * err))
    out = {
        "mse": mse,
        "rmse": math.sqrt(mse),
        "mae": float(np.mean(np.abs(err))),
        "mape": float(np.mean(np.abs(err) / np.maximum(eps, np.abs(t)))),
        "r2": float("nan"),
        "n": int(t.size),
    }
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    if ss_tot > 0:
        out["r2"] = 1.0 - float(np.sum(err * err)) / ss_tot
    else:
        out["note"] = (
            "R² is undefined because every true value is the same (no variance to explain); "
            "evaluate on data whose target varies."
        )
    return out


def photoz_metrics(z_true, z_pred, outlier_cut: float = 0.15) -> dict:
    """Photometric-redshift metrics on dz = (z_pred - z_true) / (1 + z_true).

    Returns bias = mean(dz), sigma_nmad = 1.4826 * median(|dz - median(dz)|),
    outlier_fraction = fraction with |dz| > outlier_cut, and n.
    """
    if not _is_positive(outlier_cut):
        raise ValueError(f"outlier_cut must be a positive number (usually 0.15); got {outlier_cut!r}.")
    zt, zp = _pair(z_true, z_pred, "z_true", "z_pred")
    if np.any(zt <= -1):
        raise ValueError(
            f"Redshifts must be greater than -1 (1 + z is a divisor); the smallest true z is {zt.min():g}. "
            "Check that the target column is a redshift."
        )
    dz = (zp - zt) / (1.0 + zt)
    return {
        "bias": float(np.mean(dz)),
        "sigma_nmad": float(1.4826 * np.median(np.abs(dz - np.median(dz)))),
        "outlier_fraction": float(np.mean(np.abs(dz) > outlier_cut)),
        "n": int(zt.size),
    }


# --------------------------------------------------------------------------------------------
# gradient descent for a line


@dataclass(frozen=True)
class GDPath:
    """A precomputed gradient-descent run for y = w1*x + w2; a step slider just indexes it.

    `w1[t]`, `w2[t]`, `loss[t]` (MSE on all points) are the state after t steps, t = 0..n_steps.
    `point_index[t-1]` is the point used for step t (absolute/square tricks);
    `batch_index[t-1]` the points of step t (minibatch). If the run blew up, the arrays stop at the
    last finite step, `diverged_at` is the step where it happened and `message` says what to do.
    """

    method: str
    learning_rate: float
    w1: np.ndarray
    w2: np.ndarray
    loss: np.ndarray
    point_index: np.ndarray | None = None
    batch_index: np.ndarray | None = None
    diverged_at: int | None = None
    message: str | None = None
    verdict: str = "converges"  # "converges", "zigzags" (overshoots, still converges), "oscillates", "diverges"
    reason: str | None = None  # why, in words: the step size against the curvature of the loss

    @property
    def n_steps(self) -> int:
        """The last step index available (the slider's maximum)."""
        return len(self.w1) - 1

    def points_at(self, step: int) -> np.ndarray:
        """Indices of the data points used to reach `step` (empty at step 0 and for full batch)."""
        if step <= 0 or step > self.n_steps:
            return np.empty(0, dtype=int)
        if self.point_index is not None:
            return self.point_index[step - 1 : step]
        if self.batch_index is not None:
            return self.batch_index[step - 1]
        return np.empty(0, dtype=int)


def ols_line(x, y) -> tuple[float, float]:
    """Closed-form least-squares line: (slope w1, intercept w2)."""
    x, y = _pair(x, y, "x", "y")
    var_x = float(np.mean((x - x.mean()) ** 2))
    if var_x == 0:
        raise ValueError(
            f"x has a single value ({x[0]:g}) for every point, so a line's slope is undefined. "
            "Choose a feature that varies."
        )
    w1 = float(np.mean((x - x.mean()) * (y - y.mean()))) / var_x
    return w1, float(y.mean() - w1 * x.mean())


def gd_path(
    x,
    y,
    method: str,
    learning_rate: float,
    steps: int,
    batch_size: int = 16,
    seed: int = 0,
    start: tuple[float, float] = (0.0, 0.0),
) -> GDPath:
    """Run `steps` updates of the line y = w1*x + w2 from `start` and record every step.

    Methods (the lecture's notation, point (p, q), prediction q' = w1*p + w2, rate alpha):
    - "absolute": one random point; above the line w1 += p*alpha, w2 += alpha; below, subtract.
    - "square": one random point; w1 += p*(q - q')*alpha, w2 += (q - q')*alpha.
    - "batch": the square trick averaged over all points, i.e. a gradient step on the lecture's
      error (1/2m) * sum (y - y')^2 (half the MSE; the factor 1/2 only rescales alpha).
    - "minibatch": the same average over `batch_size` points drawn at random (with replacement).
    Divergence (non-finite values, or loss > 1e6 x its start) stops the path without raising.
    """
    if method not in GD_METHODS:
        raise ValueError(f"method must be one of {list(GD_METHODS)}; got {method!r}.")
    if not _is_positive(learning_rate):
        raise ValueError(f"learning_rate must be a positive number such as 0.01; got {learning_rate!r}.")
    if not (_is_whole(steps, 1) and steps <= MAX_GD_STEPS):
        raise ValueError(f"steps must be a whole number from 1 to {MAX_GD_STEPS:,}; got {steps!r}.")
    if not _is_whole(batch_size, 1):
        raise ValueError(f"batch_size must be a whole number of at least 1; got {batch_size!r}.")
    x, y = _pair(x, y, "x", "y")
    if x.size < 2:
        raise ValueError(f"Fitting a line needs at least 2 points; got {x.size}.")
    alpha = float(learning_rate)
    steps = int(steps)
    rng = np.random.default_rng(seed)

    # The MSE of any line, from summary statistics (O(1) per step, no cancellation near the optimum):
    # MSE = var_x*(w1 - b)^2 + residual MSE of the best line + (mean_y - w1*mean_x - w2)^2.
    mx, my = float(x.mean()), float(y.mean())
    var_x = float(np.mean((x - mx) ** 2))
    b = float(np.mean((x - mx) * (y - my))) / var_x if var_x > 0 else 0.0
    res_ols = float(np.mean((y - my - b * (x - mx)) ** 2))

    def mse(w1: float, w2: float) -> float:
        d1 = w1 - b
        d0 = my - w1 * mx - w2
        return var_x * d1 * d1 + res_ols + d0 * d0

    w1s = np.empty(steps + 1)
    w2s = np.empty(steps + 1)
    losses = np.empty(steps + 1)
    w1, w2 = float(start[0]), float(start[1])
    loss0 = mse(w1, w2)
    w1s[0], w2s[0], losses[0] = w1, w2, loss0
    limit = DIVERGENCE_FACTOR * (loss0 if loss0 > 0 else 1.0)

    point_index = batch_index = None
    if method in PER_POINT_METHODS:
        point_index = rng.integers(0, x.size, size=steps)
        ps, qs = x[point_index].tolist(), y[point_index].tolist()
    elif method == "minibatch":
        batch_index = rng.integers(0, x.size, size=(steps, int(batch_size)))
        xb, yb = x[batch_index], y[batch_index]
        sx, sy = xb.mean(axis=1).tolist(), yb.mean(axis=1).tolist()
        sxx, sxy = (xb * xb).mean(axis=1).tolist(), (xb * yb).mean(axis=1).tolist()
    else:  # batch: the full-data means, the same every step
        sx0, sy0 = mx, my
        sxx0, sxy0 = float(np.mean(x * x)), float(np.mean(x * y))

    diverged_at = None
    last = steps
    with np.errstate(all="ignore"):
        for t in range(steps):
            if method == "absolute":
                p, q = ps[t], qs[t]
                r = q - (w1 * p + w2)
                sign = 1.0 if r > 0 else (-1.0 if r < 0 else 0.0)
                w1, w2 = w1 + sign * p * alpha, w2 + sign * alpha
            elif method == "square":
                p, q = ps[t], qs[t]
                r = q - (w1 * p + w2)
                w1, w2 = w1 + p * r * alpha, w2 + r * alpha
            else:
                if method == "batch":
                    ax, ay, axx, axy = sx0, sy0, sxx0, sxy0
                else:
                    ax, ay, axx, axy = sx[t], sy[t], sxx[t], sxy[t]
                # mean((y - y')*x) and mean(y - y') over the batch
                g1 = axy - w1 * axx - w2 * ax
                g0 = ay - w1 * ax - w2
                w1, w2 = w1 + alpha * g1, w2 + alpha * g0
            loss = mse(w1, w2)
            finite = math.isfinite(w1) and math.isfinite(w2) and math.isfinite(loss)
            if not finite or loss > limit:
                diverged_at = t + 1
                last = t + 1 if finite else t
                if finite:
                    w1s[t + 1], w2s[t + 1], losses[t + 1] = w1, w2, loss
                break
            w1s[t + 1], w2s[t + 1], losses[t + 1] = w1, w2, loss

    verdict, reason, safe = _gd_verdict(method, alpha, x, losses[: last + 1], res_ols, diverged_at is not None)
    message = None
    if diverged_at is not None:
        standardised = abs(mx) < 1e-3 * max(1.0, math.sqrt(var_x)) and abs(var_x - 1.0) < 1e-2
        fix = f"Try a smaller learning rate (below {safe:.3g}, e.g. {_nice_below(safe):g})" if safe else (
            f"Try a smaller learning rate (e.g. {alpha / 10:g})"
        )
        if not standardised:
            fix += ", or standardise x (it makes the curvature about 1 in every direction)"
        message = f"Gradient descent diverged at step {diverged_at}: the loss grew without bound. {reason} {fix}."
        if point_index is not None:
            point_index = point_index[:last]
        if batch_index is not None:
            batch_index = batch_index[:last]
    return GDPath(
        method=method,
        learning_rate=alpha,
        w1=w1s[: last + 1],
        w2=w2s[: last + 1],
        loss=losses[: last + 1],
        point_index=point_index,
        batch_index=batch_index,
        diverged_at=diverged_at,
        message=message,
        verdict="diverges" if diverged_at is not None else verdict,
        reason=reason,
    )


def _nice_below(limit: float) -> float:
    """A round learning rate safely below `limit` (half of it, rounded down to 1, 2 or 5 × 10^k)."""
    target = limit / 2
    k = math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * 10**k <= target:
            return m * 10**k
    return 10**k


def _gd_verdict(method: str, alpha: float, x: np.ndarray, losses: np.ndarray, res_ols: float, blew_up: bool):
    """(verdict, reason, largest stable rate or None) of a gradient-descent run.

    For (mini-)batch descent on the half-MSE the curvature is the Hessian H = [[mean x², mean x],
    [mean x, 1]]: along its steepest direction (eigenvalue λ_max) each step multiplies the error by
    (1 − α·λ_max). α·λ_max < 1 approaches monotonically, 1..2 overshoots but shrinks (zig-zag),
    exactly 2 swings between two lines for ever, above 2 grows. The per-point tricks are judged from
    the losses: a run whose loss stops falling well above least squares does not settle.
    """
    if method in ("batch", "minibatch"):
        mx, mxx = float(np.mean(x)), float(np.mean(x * x))
        lam = float(np.linalg.eigvalsh(np.array([[mxx, mx], [mx, 1.0]]))[-1])
        factor = alpha * lam
        safe = 2.0 / lam
        where = f"The learning rate α = {alpha:g} times the curvature of the loss along its steepest direction " \
            f"(λ_max = {lam:.3g}) is {factor:.3g}"
        if blew_up or factor > 2.0 + 1e-9:
            return "diverges", f"{where}, more than 2: every step overshoots the minimum by more than it corrects.", safe
        if factor > 2.0 - 1e-6:
            end = float(losses[-1])
            return "oscillates", (
                f"{where}, exactly 2: every step overshoots the minimum by as much as it corrects, so the line swings "
                f"between two positions at a constant MSE of {end:.3g} (least squares: {res_ols:.3g}) and never settles. "
                f"Use α below {safe:.3g} (e.g. {_nice_below(safe):g})."
            ), safe
        if factor > 1.0:
            return "zigzags", (
                f"{where}, between 1 and 2: each step overshoots the minimum and comes back a little closer, "
                "so the line zig-zags towards least squares."
            ), safe
        return "converges", None, safe
    if blew_up:
        return "diverges", f"With α = {alpha:g} the steps on single points grow instead of shrinking.", None
    tail = losses[-max(5, len(losses) // 4) :]
    if len(losses) > 20 and tail.min() > 1.2 * res_ols and tail[-1] >= 0.98 * tail[0]:
        return "oscillates", (
            f"The loss has stopped falling at about {float(np.median(tail)):.3g}, above least squares "
            f"({res_ols:.3g}): with α = {alpha:g} each single-point step jumps past the best line, so the line "
            "keeps jittering around it. A smaller α (or the square trick) settles closer."
        ), None
    return "converges", None, None


def photoz_by_class(z_true, z_pred, classes, outlier_cut: float = 0.15) -> pd.DataFrame:
    """Photo-z metrics for every class (e.g. STAR, GALAXY, QSO) and for all rows together.

    Totals over a mix flatter a model when one class is easy (stars at z ≈ 0): each class's bias,
    σ_NMAD and outlier fraction show where it fails. Columns: class, rows, share, bias, sigma_nmad,
    outlier_fraction; the last row is "all".
    """
    zt, zp = _pair(z_true, z_pred, "z_true", "z_pred")
    labels = np.asarray(classes, dtype=object)
    if labels.shape != zt.shape:
        raise ValueError(f"Need one class per row: {labels.size} classes for {zt.size} redshifts.")
    labels = np.where(pd.isna(labels), "(no class)", labels).astype(str)
    rows = []
    for name in [*sorted(set(labels)), None]:
        mask = np.ones(zt.size, bool) if name is None else labels == name
        m = photoz_metrics(zt[mask], zp[mask], outlier_cut)
        rows.append({"class": "all" if name is None else name, "rows": m["n"], "share": m["n"] / zt.size,
                     "bias": m["bias"], "sigma_nmad": m["sigma_nmad"], "outlier_fraction": m["outlier_fraction"]})
    return pd.DataFrame(rows)


def mape_near_zero(y_true, eps: float) -> tuple[float, str] | None:
    """(share of rows with |y| < eps, a sentence on what that does to MAPE), or None when there are none.

    MAPE divides each error by max(eps, |y|): a row with y ≈ 0 and an error of 0.01 adds 0.01/eps
    (1,000 % at eps = 1e-3), so a few such rows dominate the average.
    """
    t = np.asarray(y_true, dtype=float)
    share = float(np.mean(np.abs(t) < eps)) if t.size else 0.0
    if share == 0:
        return None
    return share, (
        f"{share:.1%} of the rows have |y| < ε = {eps:g}: their errors are divided by ε, not by |y|, so an "
        f"error of 0.01 on one of them counts {0.01 / eps:,.0f} × (= {100 * 0.01 / eps:,.0f} %). MAPE is then "
        "dominated by those rows; prefer MAE or RMSE (or, for redshifts, σ_NMAD) here."
    )


# --------------------------------------------------------------------------------------------
# regularisation


def regularisation_path(
    X,
    y,
    kind: str = "lasso",
    alphas=None,
    n_alphas: int = 30,
    feature_names=None,
) -> pd.DataFrame:
    """Coefficients against regularisation strength alpha, long format (alpha, feature, coef).

    X is standardised first (each column to mean 0, standard deviation 1, as the lecture advises
    before regularising), so coefficients are "per standard deviation" and comparable; y is
    centred. Both kinds use the same objective scale, (1/2n)*||y - Xw||^2 plus
    alpha*||w||_1 (lasso) or (alpha/2)*||w||^2 (ridge). Default alphas are log-spaced: for lasso
    from the smallest alpha that zeroes every coefficient down to 1/1000 of it (close to ordinary
    least squares); for ridge from 1e3 (all shrunk near 0) to 1e-3 (close to OLS).
    """
    from sklearn.linear_model import Ridge, lasso_path
    from sklearn.preprocessing import StandardScaler

    if kind not in ("lasso", "ridge"):
        raise ValueError(f"kind must be 'lasso' (L1) or 'ridge' (L2); got {kind!r}.")
    if feature_names is None and isinstance(X, pd.DataFrame):
        feature_names = [str(c) for c in X.columns]
    try:
        Xa = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            "X must hold numbers only; some columns are text or categories. "
            "Drop them or encode them as numbers first."
        ) from None
    if Xa.ndim == 1:
        Xa = Xa[:, None]
    if Xa.ndim != 2:
        raise ValueError(f"X must be a table (rows x features); got an array of shape {Xa.shape}.")
    if not np.all(np.isfinite(Xa)):
        raise ValueError("X has missing or infinite values; drop or fill those rows first.")
    ya = _as_1d_float(y, "y")
    if ya.size != Xa.shape[0]:
        raise ValueError(f"X has {Xa.shape[0]} rows but y has {ya.size}; they must match row for row.")
    if Xa.shape[0] < 2:
        raise ValueError(f"A regularisation path needs at least 2 rows; got {Xa.shape[0]}.")
    n_features = Xa.shape[1]
    if feature_names is None:
        feature_names = [f"x{i}" for i in range(n_features)]
    feature_names = [str(f) for f in feature_names]
    if len(feature_names) != n_features:
        raise ValueError(f"Got {len(feature_names)} feature names for {n_features} columns of X.")

    Xs = StandardScaler().fit_transform(Xa)
    yc = ya - ya.mean()
    n = Xs.shape[0]
    if alphas is None:
        if not (_is_whole(n_alphas, 2) and n_alphas <= 500):
            raise ValueError(f"n_alphas must be a whole number from 2 to 500; got {n_alphas!r}.")
        if kind == "lasso":
            alpha_max = float(np.max(np.abs(Xs.T @ yc))) / n
            alpha_max = alpha_max if alpha_max > 0 else 1.0
            alphas = np.logspace(np.log10(alpha_max), np.log10(alpha_max * 1e-3), int(n_alphas))
        else:
            alphas = np.logspace(3, -3, int(n_alphas))
    alphas = np.asarray(alphas, dtype=float).ravel()
    if alphas.size == 0 or not np.all(np.isfinite(alphas)) or np.any(alphas <= 0):
        raise ValueError(f"alphas must be positive numbers; got {alphas.tolist()[:5]}….")
    alphas = np.sort(alphas)[::-1]

    if kind == "lasso":
        _, coefs, _ = lasso_path(Xs, yc, alphas=alphas)  # coefs: (n_features, n_alphas)
    else:
        coefs = np.column_stack(
            [Ridge(alpha=a * n, fit_intercept=False).fit(Xs, yc).coef_.ravel() for a in alphas]
        )
    return pd.DataFrame(
        {
            "alpha": np.tile(alphas, n_features),
            "feature": np.repeat(feature_names, alphas.size),
            "coef": coefs.ravel(),
        }
    )


def degree_warning(n_points: int, degree: int) -> str | None:
    """A warning when a polynomial of `degree` has too many coefficients for `n_points`, else None."""
    if not _is_whole(degree, 0):
        raise ValueError(f"degree must be a whole number of at least 0; got {degree!r}.")
    if not _is_whole(n_points, 1):
        raise ValueError(f"n_points must be a whole number of at least 1; got {n_points!r}.")
    n_coef = int(degree) + 1
    if n_coef >= n_points:
        return (
            f"A degree-{degree} polynomial has {n_coef} coefficients but there are only {n_points} "
            "training points, so the curve can pass exactly through every point (it interpolates): "
            "zero training error, wild swings between the points, poor predictions on new data. "
            "This is over-fitting. Lower the degree or use more training points."
        )
    if 2 * n_coef > n_points:
        return (
            f"A degree-{degree} polynomial has {n_coef} coefficients for {n_points} training points "
            "(fewer than two points per coefficient): expect over-fitting, a curve that bends to "
            "follow the noise. Compare the test error, or lower the degree."
        )
    return None


def check_regression_target(y) -> None:
    """Raise ValueError unless `y` is a usable regression target (numeric, finite, >= 10 rows, varies)."""
    arr = y.to_numpy() if isinstance(y, pd.Series | pd.DataFrame) else np.asarray(y)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"The target must be a single column; got data of shape {arr.shape}.")
    is_bool = arr.dtype == bool or (isinstance(y, pd.Series) and pd.api.types.is_bool_dtype(y))
    if is_bool:
        raise ValueError(
            "The target holds True/False values, which are classes, not quantities. "
            "Regression predicts a number; use the classification page for this target."
        )
    if not np.issubdtype(arr.dtype, np.number):
        num = pd.to_numeric(pd.Series(arr, dtype=object), errors="coerce")
        bad = pd.Series(arr, dtype=object)[num.isna() & pd.Series(arr, dtype=object).notna()]
        if len(bad):
            examples = ", ".join(repr(v) for v in bad.unique()[:3])
            raise ValueError(
                f"The target must be numeric; it holds text such as {examples}. Regression predicts "
                "a number: to predict a category, use the classification page; otherwise pick a "
                "numeric column."
            )
        arr = num.to_numpy(dtype=float)
    arr = arr.astype(float)
    if arr.size < MIN_TARGET_ROWS:
        raise ValueError(
            f"The target has {arr.size} rows; at least {MIN_TARGET_ROWS} are needed to train and test "
            "a regression. Use a larger table."
        )
    bad = int(np.sum(~np.isfinite(arr)))
    if bad:
        raise ValueError(
            f"The target has {bad} missing or infinite values out of {arr.size}. "
            "Drop or fill those rows first."
        )
    if np.all(arr == arr[0]):
        raise ValueError(
            f"The target has the same value ({arr[0]:g}) in every row, so there is nothing to predict. "
            "Pick a column that varies."
        )


# --------------------------------------------------------------------------------------------
# recognising a redshift target; picking the feature to plot

REDSHIFT_NAMES = frozenset({"redshift", "zspec", "z_spec", "specz", "spec_z", "ztrue", "z_true", "zspectro"})
PHOTOZ_OUTLIER_CUT = 0.15


def looks_like_redshift(name) -> bool:
    """True when a target column's name says it is a redshift ("redshift", "z_spec", "specz", …).

    A bare "z" is not enough: in an SDSS table `z` is the z-band magnitude.
    """
    norm = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    return norm in REDSHIFT_NAMES or norm.startswith("redshift")


def most_correlated_feature(X: pd.DataFrame, y) -> str:
    """The column of X with the largest |Pearson correlation| with y (the first column on ties or no variance)."""
    if not isinstance(X, pd.DataFrame) or X.shape[1] == 0:
        raise ValueError("X must be a table with at least one feature column.")
    ya = _as_1d_float(y, "y")
    if len(X) != ya.size:
        raise ValueError(f"X has {len(X)} rows but y has {ya.size}; they must match row for row.")
    best, best_r = str(X.columns[0]), -1.0
    yc = ya - ya.mean()
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]):
            continue  # a text column has no correlation; its one-hot columns are learned in the pipeline
        xa = np.asarray(X[col], dtype=float)
        ok = np.isfinite(xa)  # gaps are imputed in the pipeline; here they are left out of the sums
        if not ok.any():
            continue
        xa = np.where(ok, xa, xa[ok].mean())
        xc = xa - xa.mean()
        denom = math.sqrt(float(np.sum(xc * xc)) * float(np.sum(yc * yc)))
        r = abs(float(np.sum(xc * yc)) / denom) if denom > 0 and math.isfinite(denom) else 0.0
        if r > best_r:
            best, best_r = str(col), r
    return best


def line_at(path: GDPath, x, step: int | None = None) -> np.ndarray:
    """Predictions w1*x + w2 of the line after `step` updates (default: the last step of the path)."""
    step = path.n_steps if step is None else int(min(max(int(step), 0), path.n_steps))
    return float(path.w1[step]) * _as_1d_float(x, "x") + float(path.w2[step])


def linear_coefficients(estimator, feature_names) -> tuple[list[str], np.ndarray, float] | None:
    """(names, coefficients, intercept) of a fitted linear model, or None when it has none.

    Understands a Pipeline (its last step), a plain linear model (`coef_`), and the registry's
    PolynomialRegression (its `pipeline_`: names such as "x^2" or "u g").
    """
    est = final_estimator(estimator)
    names = [str(f) for f in feature_names]
    inner = getattr(est, "pipeline_", None)
    if inner is not None:  # polynomial regression: PolynomialFeatures + LinearRegression
        poly, ols = inner[0], inner[-1]
        names = [str(n) for n in poly.get_feature_names_out(names)]
        est = ols
    coef = getattr(est, "coef_", None)
    if coef is None:
        return None
    coef = np.asarray(coef, dtype=float).ravel()
    if coef.size != len(names):
        return None
    intercept = float(np.ravel(getattr(est, "intercept_", 0.0))[0])
    return names, coef, intercept


def _fmt(value: float, kind: str) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    if kind == "percent":
        return f"{100 * value:.3g} %"
    if kind == "fixed":
        return f"{value:.3f}"
    # four significant digits with their trailing zeros (0.06000 beside 0.1034, not 0.06)
    text = f"{value:#.4g}"
    return text.rstrip(".") if "e" not in text else text


METRIC_ROWS = (
    ("mse", "MSE", "sig"),
    ("rmse", "RMSE", "sig"),
    ("mae", "MAE", "sig"),
    ("mape", "MAPE", "percent"),
    ("r2", "R²", "fixed"),
)
PHOTOZ_ROWS = (
    ("bias", "bias of Δz/(1+z)", "sig"),
    ("sigma_nmad", "σ_NMAD", "sig"),
    ("outlier_fraction", "outliers (|Δz|/(1+z) > 0.15)", "percent"),
)


def metrics_frame(sets: dict[str, tuple], eps: float = 1e-3, photoz: bool = False) -> pd.DataFrame:
    """A table of metrics, one column per named set of (y_true, y_pred): e.g. {"train": …, "test": …}.

    Rows: MSE, RMSE, MAE, MAPE (with `eps`), R², and with `photoz` the bias, σ_NMAD and outlier
    fraction of Δz/(1+z). Values are strings with sensible precision (MAPE and outliers in %).
    """
    if not sets:
        raise ValueError("Give at least one named set of (true, predicted) values.")
    rows = list(METRIC_ROWS) + (list(PHOTOZ_ROWS) if photoz else [])
    table: dict[str, list[str]] = {}
    for label, (t, p) in sets.items():
        values = regression_metrics(t, p, eps)
        if photoz:
            values.update(photoz_metrics(t, p, PHOTOZ_OUTLIER_CUT))
        table[str(label)] = [_fmt(values[key], kind) for key, _, kind in rows]
    return pd.DataFrame(table, index=pd.Index([name for _, name, _ in rows], name="metric"))
