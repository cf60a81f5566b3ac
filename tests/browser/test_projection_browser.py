"""A real browser moves the digits reconstruction slider on the Dimensionality reduction page; the
reconstructed images are redrawn (the PCA itself is not refitted: the slider is a query)."""

from __future__ import annotations

import pytest

from bench.harness import ROOT, browser_page, press_and_settle, slider_handle, streamlit_server, wait_settled

pytestmark = pytest.mark.browser

RECON_JS = """() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const hm = (el._fullData || []).find(t => t.type === 'heatmap' && t.name === 'reconstruction');
    if (hm) return JSON.stringify(Array.from(hm.z, row => Array.from(row)));
  }
  return null;
}"""


def open_pca_tab(page, url: str) -> None:
    page.goto(f"{url}/Dimensionality_reduction")
    wait_settled(page)
    page.get_by_role("tab", name="PCA").click()
    page.wait_for_function(f"({RECON_JS})() !== null", timeout=120_000)
    wait_settled(page)


def test_reconstruction_slider_redraws_the_images(tmp_path):
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        open_pca_tab(page, url)
        before = page.evaluate(RECON_JS)
        handle = slider_handle(page, label="Reconstruct with k components")
        press_and_settle(page, handle, "ArrowRight")
        page.wait_for_function(f"(b) => ({RECON_JS})() !== b", arg=before, timeout=30_000)
        after = page.evaluate(RECON_JS)
        assert after != before
        press_and_settle(page, handle, "ArrowLeft")  # back to the first k: the first images again
        page.wait_for_function(f"(b) => ({RECON_JS})() === b", arg=before, timeout=30_000)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text("Eigen-images and reconstruction").count() == 1
        page.screenshot(path=str(tmp_path / "projection.png"))
