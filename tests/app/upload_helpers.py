"""Driving the shared data component (ui.data_source) from AppTest: upload, pick columns, apply."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def upload(at: AppTest, page: str, data: bytes, name: str = "table.csv") -> AppTest:
    """Switch the page's data source to Upload and add `data` as a CSV file."""
    at.button_group(key=f"{page}.source").set_value("Upload").run()
    at.file_uploader(key=f"{page}.uploader").set_value((name, data, "text/csv"))
    return at.run()


def target_box(at: AppTest):
    """The target (or optional label) selectbox of the column form."""
    return next(s for s in at.selectbox if s.label.startswith(("Target column", "Label column")))


def features_box(at: AppTest):
    return next(m for m in at.multiselect if m.label == "Feature columns")


def apply(at: AppTest) -> AppTest:
    """Press the column form's Apply button (form values are sent only then)."""
    next(b for b in at.button if b.label == "Apply column choices").click()
    return at.run()


def set_target(at: AppTest, column: str) -> AppTest:
    target_box(at).set_value(column)
    return apply(at)


def set_features(at: AppTest, columns: list[str]) -> AppTest:
    features_box(at).set_value(columns)
    return apply(at)
