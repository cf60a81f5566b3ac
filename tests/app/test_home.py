"""The Home page (app.py): runs cleanly, lists every dataset, links only pages that exist, names the device."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ml import datasets
from ml.datasets import SKYSERVER_QUERY

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
    table = home.dataframe[0].value
    assert sorted(table["Dataset"]) == sorted(spec.title for spec in datasets.REGISTRY.values())
    by_title = table.set_index("Dataset")
    for name, spec in datasets.REGISTRY.items():
        row = by_title.loc[spec.title]
        assert row["Real or simulated"] == ("Simulated" if spec.simulated else "Real"), name
        assert "×" in row["Rows × features"], f"{name} did not load: {row['Origin']}"
        assert row["Origin"] and "`" not in row["Origin"]
    assert by_title.loc["Iris flowers", "Rows × features"] == "150 × 4"
    assert by_title.loc[datasets.REGISTRY["sdss"].title, "Origin"].startswith("Imitates SDSS")


def test_links_exactly_the_pages_on_disk(home):
    on_disk = sorted((ROOT / "pages").glob("*.py")) if (ROOT / "pages").is_dir() else []
    on_disk = [p for p in on_disk if not p.name.startswith((".", "_"))]
    assert len(home.page_link) == len(on_disk)


def test_only_existing_pages_are_linked(tmp_path):
    """A copy of app.py next to a pages/ folder with two pages: exactly those two get cards."""
    shutil.copy(APP, tmp_path / "app.py")
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "1_Regression.py").write_text('"""Regression."""\nimport streamlit as st\n\nst.title("R")\n')
    (pages / "7_Clustering.py").write_text('"""Find groups in unlabelled data.\n\nMore."""\n')
    at = _run(tmp_path / "app.py")
    links = [(link.proto.page, link.proto.label) for link in at.page_link]
    assert [page for page, _ in links] == ["Regression", "Clustering"]
    assert "Regression" in links[0][1] and "Clustering" in links[1][1]
    text = " ".join(m.value for m in at.markdown)
    assert "gradient descent" in text  # the known page's card
    assert "Find groups in unlabelled data." in text  # an unknown page: its docstring's first line


def test_no_pages_folder_means_no_links(tmp_path):
    shutil.copy(APP, tmp_path / "app.py")
    at = _run(tmp_path / "app.py")
    assert len(at.page_link) == 0
    assert any("No pages" in i.value for i in at.info)


def test_device_line_is_shown(home):
    from ui.cache import device_label

    lines = [m.value for m in home.markdown if "Torch models train on" in m.value]
    assert lines and device_label() in lines[0]


def test_real_data_note_shows_the_skyserver_query(home):
    assert any(c.value == SKYSERVER_QUERY for c in home.code)
