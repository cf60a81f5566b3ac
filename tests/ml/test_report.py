"""Exports parse back: CSV with its settings line (pandas), the HTML report (html.parser finds the
figures and the settings table), file names naming the data, model and parameters."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from ml import report as rp

META = {"page": "Classification", "data": "moons (noise=0.3)", "model": "Decision tree", "parameters": "max_depth=3"}


def test_file_name_names_page_data_model_and_parameters():
    name = rp.file_name("classification", "moons", "tree", {"max_depth": 3, "ccp_alpha": 0.01}, "predictions", "csv")
    assert name == "classification_moons_tree_ccp_alpha=0.01_max_depth=3_predictions.csv"
    odd = rp.file_name("anomaly", "../../etc/pass wd; rm", "lof", {}, "scores", "csv")
    assert "/" not in odd and " " not in odd and ";" not in odd and odd.endswith("_defaults_scores.csv")


def test_predictions_csv_parses_back_with_its_settings_line():
    X = pd.DataFrame({"x1": [0.1, 0.2, 0.3], "x,2 \"q\"": [1.0, 2.0, 3.0]})
    df = rp.predictions_table(X, ["a", "b", "a"], ["a", "a", "a"], np.array([[0.9, 0.1], [0.6, 0.4], [0.7, 0.3]]), ["a", "b"])
    data = rp.csv_with_meta(df, {**META, "note": "line\nbreak"})
    first, back = rp.read_csv_with_meta(data)
    assert first.startswith("# ML Explorer") and "max_depth=3" in first and "\n" not in first
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert list(back.columns) == ["row", "x1", 'x,2 "q"', "true", "predicted", "score_a", "score_b"]
    same = pd.read_csv(io.BytesIO(data), skiprows=1)  # what the README tells users
    assert len(same) == 3


def test_regression_predictions_have_residuals_and_per_row_tables_parse():
    df = rp.predictions_table(pd.DataFrame({"x": [1.0, 2.0]}), [1.0, 3.0], [1.5, 2.0])
    assert df["residual"].tolist() == [-0.5, 1.0]
    rows = rp.labelled_rows(pd.DataFrame({"a": [5, 6, 7]}), {"cluster": [0, 1, -1]})
    _, back = rp.read_csv_with_meta(rp.csv_with_meta(rows, META))
    assert back["cluster"].tolist() == [0, 1, -1] and back["row"].tolist() == [0, 1, 2]
    emb = rp.labelled_rows(None, {"component_1": [0.5, 0.25]}, rows=[3, 9])
    _, back = rp.read_csv_with_meta(rp.csv_with_meta(emb, META))
    assert back["row"].tolist() == [3, 9]


class _Report(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures = 0
        self.plotly_scripts = 0
        self.tables = {}
        self._table = None
        self._cell = None
        self.cells = {}
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "plotly-graph-div" in (a.get("class") or ""):
            self.figures += 1
        if tag == "table":
            self._table = a.get("class")
            self.cells[self._table] = []
        if tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells[self._table].append("".join(self._cell))
            self._cell = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if "plotly.js v" in data or "Plotly" in data[:2000] and len(data) > 100_000:
            self.plotly_scripts += 1


def test_html_report_has_interactive_figures_settings_and_numbers_and_escapes_user_text():
    figs = [("ROC <curve>", go.Figure(go.Scatter(x=[0, 1], y=[0, 1]))), ("Second", go.Figure(go.Bar(x=[1], y=[2])))]
    settings = {**META, "data": "<script>alert(1)</script>.csv"}
    text = rp.html_report("Classification <b>", settings, {"test accuracy": 0.91234567, "clusters": 3}, figs,
                          {"rows": pd.DataFrame({"col<x>": [1, 2]})}, ["note & more"], "print('hi')")  # fmt: skip
    p = _Report()
    p.feed(text)
    assert p.figures == 2
    assert text.count("plotly.js v") == 1  # plotly.js inlined once, for every figure
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    settings_cells = p.cells["settings"]
    assert "model" in settings_cells and "Decision tree" in settings_cells and "<script>alert(1)</script>.csv" in settings_cells
    assert "0.912346" in p.cells["numbers"]
    assert "col<x>" in p.cells["data"]


def test_browser_png_config_sets_projector_size():
    cfg = rp.browser_png_config(filename="a b/c")
    assert cfg["toImageButtonOptions"]["width"] == 1920 and "/" not in cfg["toImageButtonOptions"]["filename"]


@pytest.mark.skipif(not rp.png_available(), reason="kaleido is not installed (PNG export falls back to the browser)")
@pytest.mark.slow
def test_png_export_at_projector_resolution():
    png = rp.figure_png(go.Figure(go.Scatter(x=[1, 2], y=[2, 1])))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (w, h) == (1920, 1080)


def test_png_export_without_kaleido_says_what_to_do(monkeypatch):
    monkeypatch.setattr(rp, "png_available", lambda: False)
    with pytest.raises(ValueError, match="kaleido"):
        rp.figure_png(go.Figure())
