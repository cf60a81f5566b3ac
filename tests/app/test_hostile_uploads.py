"""The hostile corpus (tests/hostile/make_corpus.py) uploaded to every page that takes uploads.

Each file must be accepted or answered with one clear message; never an uncaught exception, never
guard's generic "could not be computed", never user text rendered as live Markdown (a label
`sig![t](http://host/track.png)` must not make the browser fetch that address).
Pages are discovered from ui.navigation.installed(), so new pages are held to this as they land.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import element_tree as et

import ml.tables
from tests.app.walk import _nodes, _set_raw
from tests.hostile.make_corpus import OVER_LIMIT_MB, corpus, expectation
from ui import navigation

FILES = corpus()
PAGES = navigation.installed()
GENERIC = "could not be computed"
_ESCAPED = re.compile(r"\\.")
_LIVE_LINK = re.compile(r"\]\(\s*(https?:|//|data:|javascript:)", re.I)
_AUTOLINK = re.compile(r"https?://host", re.I)  # the corpus's address written bare: Markdown links it by itself


def markdown_texts(at: AppTest) -> list[str]:
    """Every string Streamlit renders as Markdown: text elements, alerts and every label."""
    out = []
    for node in _nodes(at._tree):
        if isinstance(node, (et.Markdown, et.AlertBase, et.HeadingBase, et.Toast)):
            out.append(str(node.value))
        label = getattr(node, "label", None)
        if isinstance(label, str):
            out.append(label)
    return out


def live_markdown(at: AppTest) -> list[str]:
    """Texts holding a Markdown link or image whose brackets are not escaped (would fetch / link out), or the
    corpus's address written bare (GitHub-flavoured Markdown turns "http://host/…" into a link by itself)."""
    return [t for t in markdown_texts(at) if _LIVE_LINK.search(_ESCAPED.sub("", t)) or _AUTOLINK.search(_ESCAPED.sub("", t))]


def to_upload(at: AppTest):
    """Switch the page's data source to Upload; return its file uploader widget."""
    for group in at.button_group:
        if (group.key or "").endswith(".source") and "Upload" in group.options:
            if group.value == "Upload":
                break
            _set_raw(group, ["Upload"])
            at.run()
            break
    else:
        for radio in at.radio:
            opts = [o for o in radio.options if "upload" in o.lower()]
            if opts and "upload" in str(radio.value).lower():
                break
            if opts:
                _set_raw(radio, opts[0])
                at.run()
                break
    uploaders = [n for n in _nodes(at._tree) if type(n).__name__ == "FileUploader"]
    return uploaders[0] if uploaders else None


def _outcome(at: AppTest, name: str) -> str:
    errors = [e.value for e in at.error]
    warnings = [w.value for w in at.warning]
    stored = any(name in str(o) for s in at.selectbox if s.label == "Uploaded table" for o in s.options)
    if errors or warnings:
        return "message"
    return "accept" if stored else "silent"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[p.url_path for p in PAGES])
def test_hostile_corpus(page, monkeypatch):
    monkeypatch.setattr(ml.tables, "MAX_UPLOAD_MB", OVER_LIMIT_MB - 0.5)
    at = AppTest.from_file(str(navigation.ROOT / page.file), default_timeout=120)
    at.run()
    if to_upload(at) is None:
        pytest.skip(f"{page.title} takes no uploads")
    problems = []
    for name, data in FILES.items():
        uploader = to_upload(at)
        uploader.set_value((name, data, "text/csv"))
        at.run()
        shown = [e.value[:300] for e in at.exception] + [e.value[:300] for e in at.error if GENERIC in e.value]
        if shown:
            problems.append(f"{name}: {shown}")
        live = live_markdown(at)
        if live:
            problems.append(f"{name}: user text rendered as live Markdown: {[t[:200] for t in live]}")
        got, want = _outcome(at, name), expectation(name)
        if got == "silent" or (want != "either" and got != want):
            problems.append(f"{name}: expected {want}, got {got} (errors {[e.value[:160] for e in at.error]})")
    assert not problems, f"{page.title}:\n" + "\n".join(problems)
