"""Which device trains torch models: "auto" picks CUDA, then Apple's MPS, else the CPU."""

from __future__ import annotations

import os

VALID = ("auto", "cuda", "mps", "cpu")


def resolve_device(device: str | None = "auto") -> str:
    """Turn "auto" (or None) into "cuda", "mps" or "cpu"; an explicit choice is checked.

    The environment variable ML_EXPLORER_DEVICE overrides "auto" (e.g. to force the CPU).
    """
    import torch

    device = (device or "auto").lower()
    if device == "auto":
        device = os.environ.get("ML_EXPLORER_DEVICE", "auto").lower()
    if device not in VALID:
        raise ValueError(f"device must be one of {VALID}, got {device!r}.")
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but torch sees no CUDA GPU; use 'auto' or 'cpu'.")
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError(
            "device 'mps' was asked for, but this machine has no Apple GPU; use 'auto' or 'cpu'."
        )
    return device


def device_name(device: str | None = "auto") -> str:
    """A human-readable name for the device "auto" resolves to, e.g. "NVIDIA H100 (CUDA)" or "CPU"."""
    import torch

    resolved = resolve_device(device)
    if resolved == "cuda":
        return f"{torch.cuda.get_device_name(0)} (CUDA)"
    if resolved == "mps":
        return "Apple GPU (MPS)"
    return f"CPU ({os.cpu_count()} cores)"
