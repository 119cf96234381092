#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine (Python venv, pinned
# requirements, Debian chromium for the browser tests, nginx for the deployment
# test, PostgreSQL when it can)
# and runs the whole test suite. Used as is by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }) \
      || echo "chromium indisponible : les tests navigateur seront ignorés" >&2
  fi
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] && command -v apt-get >/dev/null 2>&1; then
  # deploy/serve.py (nginx before several Streamlit processes) is tested behind a real nginx
  apt-get install -y -q nginx-light >/dev/null 2>&1 || echo "nginx indisponible : test du déploiement ignoré" >&2
fi
if [ -z "${IFN_TEST_DATABASE_URL:-}" ] && [ -f scripts/pg-test-server.sh ]; then
  pgfile=$(mktemp)
  if dsn=$(IFN_PG_DATADIR_FILE="$pgfile" bash scripts/pg-test-server.sh 2>/tmp/ifn-pg.log); then
    export IFN_TEST_DATABASE_URL="$dsn"
    pgdata=$(cat "$pgfile")
    # The throwaway cluster is stopped and removed whatever the outcome of the tests.
    trap 'bash scripts/pg-test-server.sh stop "$pgdata" 2>>/tmp/ifn-pg.log; rm -f "$pgfile"' EXIT
  else
    echo "PostgreSQL indisponible : tests PostgreSQL ignorés (voir /tmp/ifn-pg.log)" >&2
  fi
fi
.venv/bin/python -m ruff check --quiet .   # lint (pyproject.toml [tool.ruff]): import order, bugbear, pyupgrade, docstrings, no print
.venv/bin/python -m ifn build --quiet
.venv/bin/python -m pytest -q "$@"
