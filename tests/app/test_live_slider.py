"""Live sliders (ui.live_slider): values on the slider's grid, the browser's commits applied once and only
for the data they were made on, the values kept in the address, and what a following chart composes."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from ui.live_slider import Slider, compose


def test_clamp_puts_values_on_the_grid_inside_the_range():
    s = Slider("k", "k", 1, 10, 3)
    assert [s.clamp(v) for v in (0, 1, 4.4, 4.6, 10, 99, "7", None, float("nan"))] == [1, 1, 4, 5, 10, 10, 7, 3, 3]
    assert isinstance(s.clamp(4.4), int)
    f = Slider("eps", "eps", 0.05, 0.95, 0.5, step=0.05)
    assert f.clamp(0.33) == pytest.approx(0.35) and f.clamp(2) == pytest.approx(0.95)
    assert f.values()[0] == pytest.approx(0.05) and f.values()[-1] == pytest.approx(0.95) and len(f.values()) == 19
    assert s.values() == list(range(1, 11))


def test_compose_concatenates_layout_lists_in_slider_order_and_keeps_the_last_other_value():
    follow = {
        "values": {"a": 2, "b": 5},
        "parts": json.dumps({
            "a": {"2": {"marks": {"shapes": [{"name": "a2"}], "title.text": "a"}, "restyle": [[{"x": 1}, [0]]]}},
            "b": {"5": {"marks": {"shapes": [{"name": "b5"}], "title.text": "b"}}, "6": {"marks": {"shapes": []}}},
        }),
    }  # fmt: skip
    marks, restyle = compose(follow)
    assert [s["name"] for s in marks["shapes"]] == ["a2", "b5"]
    assert marks["title.text"] == "b" and restyle == [[{"x": 1}, [0]]]


def _script():
    import streamlit as st

    from ui import state
    from ui.live_slider import Slider, live_sliders, texts

    state.begin()
    data = st.session_state.get("data", "one")
    k = Slider("t.k", "k", 1, 10 if data == "one" else 5, 3, url="t.k")
    live = live_sliders([k], key="t.live", reset=data, tiles=[texts(k, lambda v: [f"k = {v}", str(v * v), v * v])])
    st.write(f"value {live['t.k']}")
    state.finish()


def _args(at) -> dict:
    return next(json.loads(c.proto.json_args) for c in at.get("component_instance") if c.proto.component_name.endswith("live_slider"))


def test_a_commit_from_the_browser_is_applied_kept_and_linked():
    at = AppTest.from_function(_script).run()
    assert not at.exception and at.markdown[0].value == "value 3"
    args = _args(at)
    assert args["values"] == {"t.k": 3} and args["tiles"][0]["texts"]["7"] == ["k = 7", "49", 49]
    at.session_state["t.live"] = {"values": {"t.k": 7}, "seq": 1, "token": args["token"]}  # the browser's commit
    at.run()
    assert at.markdown[0].value == "value 7" and at.query_params["t.k"] == "7"
    at.session_state["t.k"] = 4  # another rerun does not apply the same commit again
    at.run()
    assert at.markdown[0].value == "value 4"


def test_a_commit_made_on_other_data_is_dropped_and_a_value_outside_the_new_range_is_clamped():
    at = AppTest.from_function(_script).run()
    token = _args(at)["token"]
    at.session_state["t.k"] = 9
    at.session_state["data"] = "two"  # the range is now 1-5: the browser's states belong to the old data
    at.session_state["t.live"] = {"values": {"t.k": 2}, "seq": 1, "token": token}
    at.run()
    assert not at.exception and at.markdown[0].value == "value 5"
    assert _args(at)["token"] != token


def test_a_link_sets_the_value_and_a_bad_one_is_named_in_a_note():
    at = AppTest.from_function(_script)
    at.query_params["t.k"] = "8"
    at.run()
    assert at.markdown[0].value == "value 8"
    at = AppTest.from_function(_script)
    at.query_params["t.k"] = "eleven"
    at.run()
    assert at.markdown[0].value == "value 3"
    assert any("t.k" in i.value for i in at.info)
