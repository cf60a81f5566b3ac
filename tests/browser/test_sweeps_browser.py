"""A real browser presses Stop half-way through a sweep (ui.sweep): the steps done stay on the page,
marked partial, Continue finishes from there, and the rest of the page keeps working.

The sweep runs inside an `st.fragment`, as the pages' evaluation views do: there a Stop press does not
preempt the run (Streamlit queues a fragment's rerun), so this checks that ui.sweep notices it itself.
"""

from __future__ import annotations

import os
import re
import textwrap
import time

import pytest

from bench.harness import ROOT, browser_page, streamlit_server, wait_settled

pytestmark = pytest.mark.browser

APP = textwrap.dedent(
    """
    import time

    import streamlit as st

    from ml.evaluation import Plan, Step
    from ui.sweep import sweep

    def plan():
        steps = [Step(f"step {i + 1}", (lambda i=i: (time.sleep(0.4), i)[1])) for i in range(20)]
        return Plan(steps, lambda results: list(results), "step")

    st.title("Sweep")
    st.number_input("Something else on the page", 0, 10, 1, key="other")

    @st.fragment
    def views():
        out = sweep(("demo",), plan, label="Run the demo sweep", widget_key="demo.run", estimate=8.0)
        if out is not None:
            st.write(f"done: {out.done} of {out.total}; results {out.value}")

    views()
    """
)


def _main_text(page) -> str:
    return page.inner_text("[data-testid='stMain']")


def test_stop_half_way_keeps_the_steps_done(tmp_path):
    script = tmp_path / "sweep_app.py"
    script.write_text(APP)
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    with streamlit_server(script, env=env) as url, browser_page(1366, 768) as page:
        page.goto(url)
        wait_settled(page)
        main = page.get_by_test_id("stMain")
        run = main.get_by_role("button", name=re.compile(r"^Run the demo sweep \(about 8 s\)"))
        run.wait_for(timeout=60_000)  # the estimate is on the button before it runs
        run.click()
        page.get_by_text(re.compile(r"\d+ of 20 steps · about \d+ s left")).first.wait_for(timeout=30_000)
        time.sleep(2.0)
        main.get_by_role("button", name=re.compile("^Stop")).click()
        page.get_by_text(re.compile(r"Stopped after \d+ of 20 steps")).first.wait_for(timeout=30_000)
        wait_settled(page)
        text = _main_text(page)
        k = int(re.search(r"Stopped after (\d+) of 20 steps", text).group(1))
        assert 1 <= k < 20, text
        assert f"done: {k} of 20" in text
        assert "results [0, 1" in text or k == 1
        page.screenshot(path=str(tmp_path / "stopped.png"))
        # the page still works: another control reruns it, the partial result stays
        page.get_by_label("Something else on the page").fill("3")
        page.get_by_label("Something else on the page").press("Enter")
        wait_settled(page)
        assert f"Stopped after {k} of 20 steps" in _main_text(page)
        # Continue runs the steps left and the result is complete
        main.get_by_role("button", name=re.compile(r"^Continue \(")).click()
        page.get_by_text("done: 20 of 20").first.wait_for(timeout=60_000)
        wait_settled(page)
        text = _main_text(page)
        assert "Stopped after" not in text and "results [0, 1, 2" in text and ", 19]" in text
        assert page.locator("[data-testid='stException']").count() == 0
