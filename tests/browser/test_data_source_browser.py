"""In Chromium: the sidebar shows Home and the sections; an upload made on Classification is still
selected, with its column choices, after visiting Regression and the ROC Explorer."""

from __future__ import annotations

import re

import pytest

from bench.harness import ROOT, browser_page, streamlit_server, upload_file, wait_settled
from tests.app.test_data_source import skyserver

pytestmark = pytest.mark.browser


def _visit(page, url: str, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text=title).first.click()
    page.wait_for_url(re.compile(re.escape(url) + r"(\?.*)?$"), timeout=60_000)  # the page's state rides in the query
    wait_settled(page)
    assert page.locator("[data-testid='stException']").count() == 0


def _features(page) -> list[str]:
    box = page.locator("[data-testid='stMultiSelect']").filter(has_text="Feature columns").first
    return [t.strip() for t in box.locator("[data-tag] span[title]").all_inner_texts()]


def test_sidebar_sections_and_upload_round_trip(tmp_path):
    csv = tmp_path / "skyserver.csv"
    skyserver(300).to_csv(csv, index=False)
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        page.goto(url)
        wait_settled(page)
        nav = page.locator("[data-testid='stSidebarNav']")
        text = nav.inner_text()
        for word in ("Home", "Supervised", "Evaluation", "Regression", "Classification", "ROC Explorer"):
            assert word.lower() in text.lower(), text
        assert "app" not in [line.strip().lower() for line in text.splitlines()]

        _visit(page, f"{url}/Classification", "Classification")
        page.get_by_text("Upload", exact=True).first.click()
        wait_settled(page)
        upload_file(page, csv)
        page.get_by_text("Apply column choices").wait_for(timeout=60_000)
        wait_settled(page)
        chosen = _features(page)
        assert chosen and "objid" not in chosen and "redshift" not in chosen and "ra" not in chosen
        page.screenshot(path=str(tmp_path / "classification_upload.png"), full_page=True)

        _visit(page, f"{url}/Regression", "Regression")
        _visit(page, f"{url}/ROC_Explorer", "ROC Explorer")
        _visit(page, f"{url}/Classification", "Classification")
        page.get_by_text("Apply column choices").wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "classification_back.png"))
        assert page.get_by_text("skyserver.csv → class").count() >= 1  # the data line names the upload
        assert _features(page) == chosen
