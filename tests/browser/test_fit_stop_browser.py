"""A long scikit-learn fit shows elapsed time against its estimate and a Stop that frees the page at once
(issue 10: every long run shows progress and can be stopped); the fit finishes in the background."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.harness import browser_page, chromium_path, streamlit_server, wait_settled

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium"),
]


def test_stop_frees_the_page_during_a_long_forest_fit():
    link = "/Classification?cls.dataset=photon_jet&model=random_forest&model.random_forest.n_estimators=500"
    with streamlit_server(ROOT / "app.py", timeout=120) as url, browser_page(1366, 900) as page:
        page.goto(url + link)
        wait_settled(page)
        page.get_by_role("button", name="Train Random forest").click()
        wait_settled(page)
        page.get_by_role("button", name=re.compile("Train anyway")).click()  # the estimate is over 20 s
        progress = page.get_by_text(re.compile(r"Training Random forest: \d+ s so far"))
        progress.wait_for(timeout=60_000)
        page.locator("[data-testid='stButton'] button", has_text="Stop").click()
        page.get_by_text(re.compile("was stopped: the page is free again")).wait_for(timeout=30_000)
        assert progress.count() == 0
        assert page.locator("[data-testid='stException']").count() == 0
        # the rest of the page answers at once: switch to a quick model
        page.goto(url + "/Classification?cls.dataset=photon_jet&model=logistic")
        wait_settled(page)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text(re.compile("Test accuracy|accuracy", re.I)).count() > 0
