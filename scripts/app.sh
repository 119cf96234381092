#!/usr/bin/env bash
# Installs the pinned requirements in a venv and starts the dashboard
# (the cache is built from ../shared/opendata on first start, with progress).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m streamlit run app.py "$@"
