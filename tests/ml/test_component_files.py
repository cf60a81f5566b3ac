"""The app's components are served from folders the process made itself, private to its user."""

from __future__ import annotations

import stat

from ui.component_files import private_dir
from ui.live_plot import _HTML


def test_private_folder_is_fresh_private_and_complete():
    folder = private_dir("test-component", _HTML)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert (folder / "index.html").read_bytes() == _HTML.read_bytes()
    assert (folder / "plotly.min.js").stat().st_size > 1_000_000
    assert "function legendsAt" in (folder / "present_fit.js").read_text()  # shared by the live frontends
    assert private_dir("test-component", _HTML) == folder  # once per process


def test_frontends_only_listen_to_their_parent_page():
    for page in (_HTML,):
        assert "event.source !== window.parent" in page.read_text()
