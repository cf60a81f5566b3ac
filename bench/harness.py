"""Start `streamlit run` on a free loopback port and drive it in headless Debian Chromium.

Shared by the browser tests (tests/browser) and the latency benchmark (bench/bench_browser.py),
so both measure the same way: key press on a slider -> script finished -> two frames painted.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SETTLED = "[data-testid='stApp'][data-test-script-state='notRunning']"


def chromium_path() -> str | None:
    """Debian's chromium binary, if installed (Playwright may not download its own)."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


SERVER_PIDS: dict[str, int] = {}  # base URL -> server process id (for memory readings)


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(script: str | Path, *, timeout: float = 90, env: dict | None = None):
    """Run `streamlit run script` on a free loopback port; yield its base URL; stop it after."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early; log: {Path(log.name).read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not become healthy in {timeout}s")
            time.sleep(0.3)
        SERVER_PIDS[url] = proc.pid
        yield url
    finally:
        SERVER_PIDS.pop(url, None)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def browser_page(width: int = 1280, height: int = 800):
    """A Playwright page in headless Debian Chromium at the given viewport."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise RuntimeError("Debian's chromium is not installed: apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` (Linux /proc; clock ticks at 100 Hz)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_server_idle(pid: int, quiet_s: float = 1.5, timeout_s: float = 240) -> float:
    """Wait until the server process has used < 5 % of a core for `quiet_s` (the app's background UMAP
    warm-up, a numba compile holding the GIL for 10-40 s, would otherwise be measured); seconds waited."""
    start = time.monotonic()
    last, quiet = _cpu_seconds(pid), 0.0
    while time.monotonic() - start < timeout_s:
        time.sleep(0.5)
        now = _cpu_seconds(pid)
        quiet = quiet + 0.5 if now - last < 0.025 else 0.0
        last = now
        if quiet >= quiet_s:
            break
    return time.monotonic() - start


def wait_settled(page, timeout_ms: int = 120_000) -> None:
    """Wait until the script has finished and the page has painted twice since."""
    page.wait_for_selector(SETTLED, timeout=timeout_ms)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


_WATCH = """(slider) => {
  window.__t0 = null; window.__last = null; window.__outside = false; window.__live = false;
  if (!slider) {  // a live slider (ui/live_slider.py) in a same-origin component frame, marked by the caller
    for (const f of document.querySelectorAll('iframe')) {
      try { slider = slider || f.contentDocument.querySelector('[data-mlx-watch]'); } catch (e) { /* not ours */ }
    }
  }
  if (window.__obs) window.__obs.disconnect();
  window.__obs = new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (!(slider && node && slider.contains(node))) window.__outside = true;
    }
    window.__last = now;
  });
  const opts = {subtree: true, childList: true, attributes: true, characterData: true};
  window.__obs.observe(document.body, opts);
  // same-origin component iframes (ui/live_plot.py) draw outside the main document: watch them too
  for (const f of document.querySelectorAll('iframe')) {
    try { if (f.contentDocument && f.contentDocument.body) window.__obs.observe(f.contentDocument.body, opts); }
    catch (e) { /* cross-origin: not ours */ }
  }
  window.__t0 = performance.now();
}"""

_DONE = """(quiet) => (window.__outside || window.__live) && window.__last !== null
  && performance.now() - window.__last > quiet
  && document.querySelector("[data-testid='stApp']").getAttribute('data-test-script-state') === 'notRunning'"""


def press_and_settle(page, locator, key: str, timeout_ms: int = 60_000, quiet_ms: int = 300) -> float:
    """Press `key` on `locator`; return seconds from the press to the last change the rerun made.

    React may batch the script-state flip away for a fast rerun, so "settled" is measured by
    DOM mutations outside the slider itself (in the page and in same-origin component iframes):
    the time of the last one, once the page has been quiet for `quiet_ms` and the script is not
    running. A live slider (ui/live_slider.py, in a component frame) answers in the browser, so a press
    that changes nothing outside it has settled when the slider shows its value.
    """
    locator.focus()
    slider = locator.element_handle()
    if slider.owner_frame() == page.main_frame:
        page.evaluate(_WATCH, slider)
    else:  # a handle cannot cross frames: mark the slider's box (the input and its value) for the watcher
        slider.evaluate("(el) => { for (const o of document.querySelectorAll('[data-mlx-watch]')) o.removeAttribute('data-mlx-watch');"
                        " (el.closest('.slider') || el).setAttribute('data-mlx-watch', '1'); }")
        page.evaluate(_WATCH, None)
        # a live slider answers in the browser: a press that changes nothing else (a tree already grown to
        # its depth) has settled once the slider itself shows the value, with no rerun to wait for
        page.evaluate("() => { window.__live = true; }")
    locator.press(key)
    page.wait_for_function(_DONE, arg=quiet_ms, timeout=timeout_ms, polling=20)
    return page.evaluate("() => (window.__last - window.__t0) / 1000")


def timed(fn, reps: int = 3) -> tuple[float, object]:
    """(median seconds over `reps` runs of `fn()`, the last result); garbage collected before each run."""
    out, result = [], None
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out), result


def key_moves(page, handle, n: int, warmup: int = 0) -> list[float]:
    """Seconds to settle for `n` arrow-key presses on `handle` (after `warmup` untimed ones),
    ten right then ten left, so the slider sweeps back and forth within its range."""
    out = []
    for i in range(n + warmup):
        key = "ArrowRight" if (i // 10) % 2 == 0 else "ArrowLeft"
        t = press_and_settle(page, handle, key)
        if i >= warmup:
            out.append(t)
    return out


def live_moves(page, handle, n: int, warmup: int = 2, rests: int = 4) -> tuple[list[float], list[float]]:
    """A live slider (ui/live_slider.py): (seconds to settle for `n` key presses in a row, as `key_moves`;
    seconds from a press to the end of the server's rerun for `rests` presses each followed by a rest).

    The slider answers a press in the browser and sends the value once it has rested (COMMIT_AFTER_MS);
    the rerun that follows redraws nothing, but it is the page's work too, so it is measured apart."""
    quick = key_moves(page, handle, n, warmup)
    rested = []
    for i in range(rests):
        rested.append(press_and_settle(page, handle, "ArrowRight" if i % 2 == 0 else "ArrowLeft", quiet_ms=1800))
    return quick, rested


def floor_moves(n: int, warmup: int = 3) -> list[float]:
    """`key_moves` on the framework floor: bench/floor_app.py, one slider and one number."""
    with streamlit_server(ROOT / "bench" / "floor_app.py") as url, browser_page() as page:
        page.goto(url)
        wait_settled(page)
        page.wait_for_timeout(1000)
        return key_moves(page, slider_handle(page), n, warmup)


MAX_TRACE_POINTS_JS = """() => {
  const size = {f8: 8, f4: 4, i4: 4, u4: 4, i2: 2, u2: 2, i1: 1, u1: 1};
  const len = (v) => {
    if (!v) return 0;
    if (v.bdata) return Math.floor(atob(v.bdata).length / (size[v.dtype] || 8));
    return v.length || 0;
  };
  let most = 0;
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    for (const tr of (el._fullData || el.data || [])) {
      for (const k of ['x', 'y', 'z']) most = Math.max(most, len(tr[k]));
    }
  }
  return most;
}"""


def max_trace_points(page) -> int:
    """The most points any Plotly trace on the page holds (x, y or z length), component iframes included."""
    return max(frame.evaluate(MAX_TRACE_POINTS_JS) for frame in page.frames)


LIVE_MARKS_JS = """() => {
  const overlay = document.getElementById('marks');  // ui/live_threshold.py draws its marks as SVG
  if (overlay) return [...overlay.children].filter(e => e.style.display !== 'none').map(e =>
    [e.dataset.name, Number(e.getAttribute(e.tagName === 'circle' ? 'cx' : 'x1')),
     Number(e.getAttribute(e.tagName === 'circle' ? 'cy' : 'y1'))]);
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout) return null;
  const at = (s, a) => s[a + 'sizemode'] === 'pixel' ? s[a + 'anchor'] : s[a + '0'];
  return gd._fullLayout.shapes.filter(s => s.name).map(s => [s.name, at(s, 'x'), at(s, 'y')]);
}"""


def in_frames(page, js: str, arg=None, *, every: bool = False):
    """`js` (a function source) evaluated in the page and in each component iframe: the first answer that
    is not null (live charts and sliders draw in their own same-origin frames), or with every=True all of
    them. A frame that is navigating away is skipped."""
    out = []
    for frame in page.frames:
        try:
            found = frame.evaluate(js, arg)
        except Exception:  # noqa: BLE001 - a frame detached or still loading
            continue
        if found is not None:
            if not every:
                return found
            out.append(found)
    return out if every else None


def live_plot_marks(page) -> list | None:
    """The named marks [name, x, y] a live chart component has drawn (layout shapes in data units for
    ui/live_plot.py, overlay positions in pixels for ui/live_threshold.py), or None."""
    for frame in page.frames:
        if frame != page.main_frame:
            marks = frame.evaluate(LIVE_MARKS_JS)
            if marks is not None:
                return marks
    return None


def upload_file(page, path: str | Path, index: int = 0) -> None:
    """Put a file into the index-th st.file_uploader."""
    page.locator("[data-testid='stFileUploaderDropzoneInput']").nth(index).set_input_files(str(path))


def slider_handle(page, index: int = 0, label: str | None = None):
    """The focusable handle of the index-th slider (or the one whose label contains `label`)."""
    sliders = page.locator("[data-testid='stSlider']")
    if label is not None:
        sliders = sliders.filter(has_text=label)
        # a live slider (ui/live_slider.py) draws in its component's frame, which may still be loading
        deadline = time.monotonic() + 30
        while isinstance(label, str) and sliders.count() == 0 and time.monotonic() < deadline:
            for frame in page.frames:
                if "live_slider" in frame.url:
                    try:
                        found = frame.locator(f"input[type='range'][aria-label*={label!r} i]")  # any case, as has_text
                        if found.count():
                            return found.first
                    except Exception:  # noqa: BLE001 - a frame detached while we looked
                        continue
            page.wait_for_timeout(200)
    return sliders.nth(index).locator("input[type='range']").first


def latency_table(title: str, floor: list[float], rows, most_points: int | None = None, width: int = 46) -> None:
    """Print the browser benchmarks' one table: median and p95 of each (label, seconds) row and its ratio
    to the one-slider floor's median, the floor first; empty rows are left out."""
    import numpy as np

    fm = statistics.median(floor)
    print(f"\n{title}")
    print(f"{'what moved':<{width}}{'median s':>10}{'p95 s':>10}{'ratio':>8}")
    for label, xs in (("floor (one slider, one number)", floor), *rows):
        if xs:
            m = statistics.median(xs)
            print(f"{label:<{width}}{m:>10.3f}{np.percentile(xs, 95):>10.3f}{m / fm:>8.2f}")
    if most_points is not None:
        print(f"most points in any Plotly trace: {most_points:,}")
