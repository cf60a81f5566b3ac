#!/usr/bin/env sh
# Run ML Explorer as N Streamlit processes behind nginx; same options as `python -m deploy.serve --help`.
#   deploy/serve.sh --processes 2 --port 8080
cd "$(dirname "$0")/.." && exec "${PYTHON:-python}" -m deploy.serve "$@"
