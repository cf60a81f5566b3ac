"""The Home page (routed by app.py): runs cleanly, lists every dataset, links the installed pages, names the device."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ml import datasets
from ml.datasets import SKYSERVER_QUERY
from ui import navigation

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


def _run(path: Path) -> AppTest:
    at = AppTest.from_file(str(path), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture(scope="module")
def home() -> AppTest:
    return _run(APP)


def test_home_runs_with_title(home):
    assert home.title[0].value == "ML Explorer"


def test_gallery_lists_every_registered_dataset(home):
    table = home.table[0].value.reset_index()  # a static table (its text wraps), indexed by name
    assert sorted(table["Dataset"]) == sorted(spec.title for spec in datasets.REGISTRY.values())
    by_title = table.set_index("Dataset")
    for name, spec in datasets.REGISTRY.items():
        row = by_title.loc[spec.title]
        assert row["Real or simulated"] == ("Simulated" if spec.simulated else "Real"), name
        assert "×" in row["Rows × features"], f"{name} did not load: {row['Origin']}"
        assert row["Origin"] and "`" not in row["Origin"]
    assert by_title.loc["Iris flowers", "Rows × features"] == "150 × 4"
    assert by_title.loc[datasets.REGISTRY["sdss"].title, "Origin"].startswith("Imitates SDSS")


def test_links_exactly_the_installed_pages(home):
    assert [link.proto.page for link in home.page_link] == [p.url_path for p in navigation.installed()]
    assert len(home.page_link) >= 3


def test_only_pages_on_disk_are_installed(tmp_path):
    """A root with two of the listed page files: exactly those two are routed and get cards."""
    (tmp_path / "pages").mkdir()
    for name in ("1_Regression.py", "4_Clustering.py"):
        (tmp_path / "pages" / name).write_text("import streamlit as st\n")
    assert [p.title for p in navigation.installed(tmp_path)] == ["Regression", "Clustering"]
    groups = navigation.by_section(tmp_path)
    assert list(groups) == ["", "Supervised", "Unsupervised"]
    assert groups[""] == [navigation.HOME]
    assert all(p.teaches for p in navigation.PAGES)


def test_every_listed_page_has_a_unique_url_and_a_section():
    paths = [p.url_path for p in (navigation.HOME, *navigation.PAGES)]
    assert len(set(paths)) == len(paths)
    assert {p.section for p in navigation.PAGES} <= set(navigation.SECTIONS)


def test_device_line_is_shown(home):
    from ui.cache import device_label

    lines = [m.value for m in home.markdown if "Torch models train on" in m.value]
    assert lines and device_label() in lines[0]


def test_real_data_note_shows_the_skyserver_query(home):
    assert any(c.value == SKYSERVER_QUERY for c in home.code)
