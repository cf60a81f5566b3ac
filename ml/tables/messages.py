"""Wording helpers shared by the table modules: rows counted, names quoted, values shown."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _rows(k: int, verb: bool = True) -> str:
    """ "1 row has" / "3 rows have" (or without the verb)."""
    words = ("row", "has") if k == 1 else ("rows", "have")
    return f"{k:,} {words[0]}" + (f" {words[1]}" if verb else "")


def _n_of(k: int, n: int) -> str:
    """ "1 of 60 rows has" / "3 of 60 rows have"."""
    return f"{k:,} of {n:,} rows {'has' if k == 1 else 'have'}"


def _q(name: object) -> str:
    return f'"{name}"'


def _show(v) -> str:
    v = _py(v)
    if isinstance(v, str):
        return f"'{v}'"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _show_list(values: list, limit: int) -> str:
    shown = ", ".join(_show(v) for v in values[:limit])
    return shown + (f", … ({len(values):,} in all)" if len(values) > limit else "")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cols(df: pd.DataFrame) -> str:
    names = [str(c) for c in df.columns]
    shown = ", ".join(_q(c) for c in names[:12])
    return shown + (f" and {len(names) - 12} more" if len(names) > 12 else "")


def _py(v):
    return v.item() if isinstance(v, np.generic) else v


def _sort_key(v):
    if isinstance(v, (bool, int, float, np.number)):
        return (0, float(v), "")
    return (1, 0.0, str(v))



def _sort_id(v):
    return (type(v).__name__, v)


def _class_name(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)

