"""A real browser moves the digits reconstruction slider on the Dimensionality reduction page; the
reconstructed images are redrawn (the PCA itself is not refitted: the slider is a query)."""

from __future__ import annotations

import pytest

from bench.harness import (
    ROOT,
    browser_page,
    in_frames,
    press_and_settle,
    slider_handle,
    streamlit_server,
    wait_settled,
)

pytestmark = pytest.mark.browser

RECON_JS = """() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const hm = (el._fullData || []).find(t => t.type === 'heatmap' && t.name === 'reconstruction');
    if (hm) return JSON.stringify(Array.from(hm.z, row => Array.from(row)));
  }
  return null;
}"""


def recon_z(page):
    """The reconstruction mosaic's pixels as JSON, from whichever frame draws it (it is a live component)."""
    return in_frames(page, RECON_JS)


def open_pca_tab(page, url: str) -> None:
    page.goto(f"{url}/Dimensionality_reduction")
    wait_settled(page)
    page.get_by_role("tab", name="PCA").click()
    for _ in range(240):
        if recon_z(page) is not None:
            break
        page.wait_for_timeout(500)
    wait_settled(page)


def _changed(page, old, timeout_s: float = 30):
    for _ in range(int(timeout_s * 10)):
        z = recon_z(page)
        if z is not None and z != old:
            return z
        page.wait_for_timeout(100)
    return recon_z(page)


def test_reconstruction_slider_redraws_the_images(tmp_path):
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        open_pca_tab(page, url)
        before = recon_z(page)
        assert before is not None
        handle = slider_handle(page, label="Reconstruct with k components")
        press_and_settle(page, handle, "ArrowRight")
        after = _changed(page, before)
        assert after != before
        press_and_settle(page, handle, "ArrowLeft")  # back to the first k: the first images again
        assert _changed(page, after) == before
        # a live slider: the server gets the value once the slider rests, and keeps it in the address
        press_and_settle(page, handle, "ArrowRight")
        page.wait_for_function("() => location.search.includes('proj.recon_k=11')", timeout=30_000)
        assert _changed(page, before) == after
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text("Eigen-images and reconstruction").count() == 1
        page.screenshot(path=str(tmp_path / "projection.png"))


LOSS_JS = """() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const title = ((el.layout || {}).title || {}).text || '';
    if (title.includes('Training loss')) return (el._fullData || []).map(t => (t.x || []).length);
  }
  return null;
}"""


def test_autoencoder_training_leaves_a_loss_chart_with_points(tmp_path):
    """Train the autoencoder on digits (5 epochs): during training the live panel shows progress; after it the
    page keeps a loss chart whose train and validation curves have one point per epoch."""
    with streamlit_server(ROOT / "app.py") as url, browser_page(1366, 768) as page:
        page.goto(f"{url}/Dimensionality_reduction?method=autoencoder")
        wait_settled(page)
        epochs = slider_handle(page, label="Epochs")
        press_and_settle(page, epochs, "Home")  # the fewest epochs the slider allows
        page.get_by_role("button", name="Run Autoencoder").click()
        page.get_by_text("Training", exact=False).first.wait_for(timeout=60_000)
        wait_settled(page, 180_000)
        for _ in range(100):
            if page.evaluate(LOSS_JS):
                break
            page.wait_for_timeout(200)
        counts = page.evaluate(LOSS_JS)
        assert counts and len(counts) == 2 and min(counts) == 5, counts  # train and validation, 5 epochs each
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "autoencoder.png"))
