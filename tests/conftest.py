"""Shared test settings: Hypothesis profiles.

The default profile keeps property-based tests quick (few, derandomised examples), so
`python -m pytest tests/ml` stays fast on a 2-core machine. CI or a thorough run picks a bigger
profile with the environment variable HYPOTHESIS_PROFILE:

    HYPOTHESIS_PROFILE=ci python -m pytest          # 100 examples per property, still reproducible
    HYPOTHESIS_PROFILE=thorough python -m pytest    # 1,000 random examples per property

Hypothesis is imported only when a test module uses it (importing it costs ~0.3 s of CPU, which
every other test run, such as tests/app, need not pay); the profile is loaded before that module
is imported, so its `@settings(...)` decorators inherit it.
"""

from __future__ import annotations

import os
import sys

PROFILES = {
    "default": dict(max_examples=15, derandomize=True),
    "ci": dict(max_examples=100, derandomize=True),
    "thorough": dict(max_examples=1000, derandomize=False),
}
_loaded = False


def _load_hypothesis_profile() -> None:
    global _loaded
    if _loaded:
        return
    from hypothesis import settings

    for name, options in PROFILES.items():
        settings.register_profile(name, deadline=None, database=None, print_blob=True, **options)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
    _loaded = True


def pytest_configure(config):
    if "hypothesis" in sys.modules:  # something imported it already: settle the profile now
        _load_hypothesis_profile()
    # At the end of a session pytest runs gc.collect() five times to surface exceptions raised in
    # __del__; with torch, scikit-learn and plotly loaded that is ~0.75 s of CPU. Two passes find
    # the same ones here (pytest keeps the count in a stash key so that it can be lowered).
    try:
        from _pytest.unraisableexception import gc_collect_iterations_key
    except ImportError:  # a pytest without the key: keep its default
        return
    config.stash[gc_collect_iterations_key] = 2


def pytest_pycollect_makemodule(module_path, parent):
    if not _loaded and "hypothesis" in module_path.read_text(encoding="utf-8", errors="ignore"):
        _load_hypothesis_profile()
    return None  # pytest collects the module as usual
