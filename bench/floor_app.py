"""The framework's floor: a minimal Streamlit app with one slider and one number."""

import streamlit as st

value = st.slider("Threshold", 0.0, 1.0, 0.5, 0.01)
st.metric("Value", f"{value:.2f}")
