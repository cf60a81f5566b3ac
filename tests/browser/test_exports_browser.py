"""A real browser downloads every export on every page, and each parses back: CSV (pandas, after its
settings line), the HTML report (html.parser: interactive figures and the settings table) and the
script (compiles). File names name the page's data and model."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.harness import ROOT, browser_page, streamlit_server, wait_settled
from ml.report import read_csv_with_meta

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {
    "Regression": ("curve_1d", "predictions"),
    "Classification": ("moons", "predictions"),
    "ROC_Explorer": ("breast_cancer", "threshold"),
    "Clustering": ("blobs", "labels"),
    "Dimensionality_reduction": ("", "embedding"),
    "Anomaly_detection": ("", "scores"),
}


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures, self.settings = 0, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.figures += tag == "div" and "plotly-graph-div" in (a.get("class") or "")
        self.settings |= tag == "table" and a.get("class") == "settings"


def _check(path, name: str) -> str:
    if name.endswith((".csv", ".csv.gz")):
        data = path.read_bytes()
        first, df = read_csv_with_meta(gzip.decompress(data) if name.endswith(".gz") else data)
        assert first.startswith("# ML Explorer") and len(df) > 0, name
        return "csv"
    if name.endswith(".html"):
        p = _Html()
        p.feed(path.read_text(encoding="utf-8"))
        assert p.figures >= 1 and p.settings, name
        return "html"
    if name.endswith(".py"):
        compile(path.read_text(encoding="utf-8"), name, "exec")
        return "py"
    if name.endswith(".png"):
        assert path.read_bytes()[:4] == b"\x89PNG"
        return "png"
    return "other"


def test_every_export_on_every_page_parses_back(tmp_path):
    seen = {}
    with streamlit_server(ROOT / "app.py", timeout=120) as url, browser_page(1366, 900) as page:
        for slug, (dataset, table_word) in PAGES.items():
            page.goto(f"{url}/{slug}")
            wait_settled(page)
            page.wait_for_timeout(1500)
            wait_settled(page)
            assert page.locator("[data-testid='stException']").count() == 0, slug
            page.get_by_text("Show the code", exact=True).click()
            wait_settled(page)  # the code panel is lazy: opening it reruns the page to draw the script
            report = page.get_by_role("button", name=re.compile("One-file HTML report"))
            box = page.locator("[data-testid='stExpander'] details").filter(has_text="Downloads").first
            for _ in range(3):  # a rerun still settling can redraw the expander closed: open it until it shows
                if box.get_attribute("open") is None:
                    page.get_by_text("Downloads", exact=True).click()
                try:
                    report.wait_for(state="visible", timeout=5_000)
                    break
                except PlaywrightTimeout:
                    wait_settled(page)
            page.wait_for_timeout(500)
            buttons = page.locator("[data-testid='stDownloadButton'] button")
            kinds = []
            for i in range(buttons.count()):
                b = buttons.nth(i)
                if not b.is_visible():
                    continue
                with page.expect_download(timeout=120_000) as info:
                    b.click()
                d = info.value
                target = tmp_path / f"{slug}_{i}_{d.suggested_filename}"
                d.save_as(target)
                wait_settled(page)
                kinds.append((_check(target, d.suggested_filename), d.suggested_filename))
            seen[slug] = kinds
            names = [n for _, n in kinds]
            assert any(k == "py" for k, _ in kinds), (slug, names)
            assert any(k == "html" for k, _ in kinds), (slug, names)
            assert any(table_word in n and n.endswith((".csv", ".csv.gz")) for n in names), (slug, names)
            assert all(k != "other" for k, _ in kinds), (slug, names)
            if dataset:
                assert all(dataset in n for n in names), (slug, names)
