"""Cells that are not plain numbers: stray text in a numeric column, percentages, thousands separators,
and numbers too large to compute with. Each is named with its column, rows and values, never dropped
silently (issue 10).

- `number_issues(df)`: the columns that are mostly numbers but hold some cells that are not (as
  written: "12%", "1,234", "oops"), one `NumberIssue` each, with a message naming the rows and values.
- `repair_numbers(df, columns)`: those columns read as numbers: "12%" -> 12, "1,234" -> 1234, and
  anything else left as a gap (missing), which the pages' missing-value policy then handles.
- `unusable(values)` / `extreme_note(...)`: NaN, ±inf and values beyond ±`EXTREME` (1e100: their
  squares overflow float64, so scaling or a variance turns them into NaN) count as missing.

Row numbers in messages count data rows from 1 (the header row is not counted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.tables.messages import _q

EXTREME = 1e100  # |x| above this overflows any sum of squares: treated like ±inf (missing)
MIN_NUMBER_SHARE = 0.5  # a text column is "numbers with some bad cells" when at least this share parses
_PERCENT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*%$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}([,\u2009\u202f' ]\d{3})+(\.\d+)?$")
MAX_LABEL_VALUES = 10  # a column with this few distinct values is read as categories (labels), not flagged


def _rows_text(rows: np.ndarray, values: list[str], limit: int = 5) -> str:
    short = [v if len(v) <= 40 else v[:39] + "…" for v in values[:limit]]
    shown = ", ".join(f"{_q(v)} (row {r + 1:,})" for r, v in zip(rows[:limit], short, strict=False))
    return shown + (f" and {len(rows) - limit:,} more" if len(rows) > limit else "")


@dataclass(frozen=True)
class NumberIssue:
    """A column of numbers written with some cells that are not plain numbers."""

    column: str
    n_cells: int  # non-empty cells
    percent: int  # cells like "12%"
    thousands: int  # cells like "1,234"
    bad_rows: tuple  # 0-based rows of cells that are no number at all
    bad_values: tuple

    @property
    def fixable(self) -> bool:
        return bool(self.percent or self.thousands)

    def message(self) -> str:
        parts = []
        if self.percent:
            parts.append(f"{self.percent:,} percentage(s) such as '12%'")
        if self.thousands:
            parts.append(f"{self.thousands:,} number(s) with thousands separators such as '1,234'")
        if self.bad_rows:
            parts.append(
                f"{len(self.bad_rows):,} cell(s) that are not numbers: "
                + _rows_text(np.asarray(self.bad_rows), list(self.bad_values))
            )
        return f"Column {_q(self.column)} holds numbers, but also " + "; ".join(parts) + "."


def number_issues(df: pd.DataFrame) -> list[NumberIssue]:
    """Text columns that are mostly numbers (at least half of their non-empty cells), with what is not."""
    out = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        present = s.notna().to_numpy()
        if not present.any():
            continue
        text = s[present].astype(str).str.strip()
        if text.str.lower().isin(("true", "false")).all():
            continue
        if text.nunique() <= MAX_LABEL_VALUES:
            continue
        num = pd.to_numeric(text, errors="coerce").notna().to_numpy()
        pct = text.str.match(_PERCENT).to_numpy() & ~num
        th = text.str.match(_THOUSANDS).to_numpy() & ~num & ~pct
        good = num | pct | th
        n = len(text)
        if good.sum() == 0 or good.sum() < MIN_NUMBER_SHARE * n:
            continue
        bad = ~good
        if not (bad.any() or pct.any() or th.any()):
            continue
        rows = np.flatnonzero(present)[bad]
        out.append(NumberIssue(str(c), n, int(pct.sum()), int(th.sum()), tuple(int(r) for r in rows),
                               tuple(text.to_numpy()[bad][:20])))  # fmt: skip
    return out


def repair_numbers(df: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """`columns` read as numbers: '12%' -> 12, '1,234' -> 1234, other text -> missing; one note per column."""
    out = df.copy()
    notes = []
    for c in columns:
        s = out[c]
        text = s.astype("string").str.strip()
        pct = text.str.match(_PERCENT).fillna(False)
        cleaned = text.str.replace("%", "", regex=False)
        th = cleaned.str.match(_THOUSANDS).fillna(False)
        cleaned = cleaned.where(~th, cleaned.str.replace(r"[,\u2009\u202f' ]", "", regex=True))
        values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        bad = s.notna() & values.isna()
        out[c] = values
        what = []
        if pct.any():
            what.append(f"{int(pct.sum()):,} percentages read as numbers ('12%' as 12)")
        if th.any():
            what.append(f"{int(th.sum()):,} thousands separators removed ('1,234' as 1234)")
        if bad.any():
            what.append(f"{int(bad.sum()):,} cell(s) that are not numbers left as missing")
        if what:
            notes.append(f"Column {_q(c)}: " + "; ".join(what) + ".")
    return out, notes


def unusable(values) -> np.ndarray:
    """Mask of NaN, ±inf and values beyond ±EXTREME."""
    arr = np.asarray(values, dtype="float64")
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(arr) | (np.abs(arr) > EXTREME)


def extreme_note(column: str, values) -> str | None:
    """One sentence naming the infinite or extreme (beyond ±1e100) cells of a column, or None."""
    arr = np.asarray(values, dtype="float64")
    with np.errstate(invalid="ignore"):
        mask = np.isinf(arr) | (np.isfinite(arr) & (np.abs(arr) > EXTREME))
    if not mask.any():
        return None
    rows = np.flatnonzero(mask)
    return (
        f"Column {_q(column)} has {len(rows):,} infinite or extreme value(s) (beyond ±1e100, too large to "
        f"compute with): " + _rows_text(rows, [f"{v:g}" for v in arr[rows[:5]]]) + ". They count as missing."
    )
