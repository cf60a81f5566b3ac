"""Serving ML Explorer to a lecture hall: several Streamlit processes behind nginx (deploy.serve),
and the same layout as a container image (Dockerfile), a compose file and Kubernetes manifests."""
