"""ML Explorer's engine: data, models, metrics and figures, with no Streamlit in sight.

Everything here is usable from a notebook or a script exactly as the app uses it.
"""
