"""Parameter specs: one description of a tunable value, from which the UI builds a widget.

Datasets, models and sweeps all describe their knobs with `ParamSpec`, so a page never
hard-codes a slider per model; `ui.widgets.param_widget` turns a spec into the right widget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("int", "float", "choice", "bool")


@dataclass(frozen=True)
class ParamSpec:
    """A tunable value: its name, label, kind, default and allowed range or choices.

    `log=True` means the value spans orders of magnitude (C, alpha, learning rate): the
    widget then offers a log-spaced set of values and sweeps are log-spaced too.
    """

    name: str
    label: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    choices: tuple = field(default_factory=tuple)
    help: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"ParamSpec {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}.")
        if self.kind == "choice" and self.default not in self.choices:
            raise ValueError(
                f"ParamSpec {self.name!r}: default {self.default!r} is not among {self.choices!r}."
            )
        if self.kind in ("int", "float") and (self.low is None or self.high is None):
            raise ValueError(f"ParamSpec {self.name!r}: numeric specs need low and high.")

    def validate(self, value: Any) -> Any:
        """Return `value` coerced to this spec's kind, or raise ValueError saying what is allowed."""
        if self.kind == "bool":
            return bool(value)
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.label}: expected one of {list(self.choices)}, got {value!r}.")
            return value
        try:
            number = int(value) if self.kind == "int" else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.label}: expected a number, got {value!r}.") from None
        if not (self.low <= number <= self.high):
            raise ValueError(f"{self.label}: expected a value from {self.low} to {self.high}, got {number}.")
        return number

    def grid(self, n: int = 8) -> list:
        """A sweep over this parameter: its choices, or n values spread (log-spaced if `log`)."""
        import numpy as np

        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "bool":
            return [False, True]
        if self.log:
            values = np.geomspace(self.low, self.high, n)
        else:
            values = np.linspace(self.low, self.high, n)
        if self.kind == "int":
            return sorted({int(round(v)) for v in values})
        return [float(v) for v in values]


def defaults(specs: list[ParamSpec]) -> dict[str, Any]:
    """The default value of every spec, by name."""
    return {s.name: s.default for s in specs}


def validate_all(specs: list[ParamSpec], values: dict[str, Any]) -> dict[str, Any]:
    """Defaults overlaid with `values`, each validated; unknown names raise ValueError."""
    known = {s.name: s for s in specs}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"Unknown parameter(s) {sorted(unknown)}; expected some of {sorted(known)}.")
    out = defaults(specs)
    for name, value in values.items():
        out[name] = known[name].validate(value)
    return out
