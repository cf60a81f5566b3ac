"""SDSS ugriz photometry helpers shared by the simulator and uploaded SkyServer exports."""

from __future__ import annotations

import pandas as pd

BANDS = ("u", "g", "r", "i", "z")
COLOURS = ("u-g", "g-r", "r-i", "i-z")


def has_ugriz(df: pd.DataFrame) -> bool:
    """True when the table has the five SDSS magnitude columns u, g, r, i, z."""
    return all(b in df.columns for b in BANDS)


def derive_colours(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with the colours u-g, g-r, r-i, i-z added from the ugriz magnitudes."""
    if not has_ugriz(df):
        missing = [b for b in BANDS if b not in df.columns]
        raise ValueError(f"Colours need the SDSS magnitudes u, g, r, i, z; missing {missing}.")
    out = df.copy()
    for a, b in zip(BANDS[:-1], BANDS[1:], strict=True):
        out[f"{a}-{b}"] = pd.to_numeric(out[a], errors="coerce") - pd.to_numeric(out[b], errors="coerce")
    return out
