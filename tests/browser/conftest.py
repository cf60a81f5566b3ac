"""Browser tests need Debian's chromium (apt-get install -y chromium); CI installs it."""

import os

import pytest

from bench.harness import chromium_path


def pytest_collection_modifyitems(config, items):
    if chromium_path() is not None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI must run the browser tests, but chromium is not installed.")
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install -y chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
