"""Streamlit glue: cached calls into `ml`, shared widgets, and page state. Pages use only this and ml."""
