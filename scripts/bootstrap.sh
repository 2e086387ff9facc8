#!/usr/bin/env bash
# Creates .venv with Python 3.12+ and installs Finsam with its development tools.
# Re-running is cheap: it reinstalls only when pyproject.toml has changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in "PYENV_VERSION=3.13.0 python3.13" "python3.13" "PYENV_VERSION=3.12.1 python3.12" "python3.12"; do
    if env $candidate -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(find_python) || { echo "Finsam behöver Python 3.12 eller nyare (t.ex. 'pyenv install 3.13')." >&2; exit 1; }
  echo "==> Skapar .venv med $PY"
  env $PY -m venv .venv
fi

# Exact versions from requirements-dev.lock (make lock writes it from pyproject.toml), then
# Finsam itself without resolving anything again.
stamp=.venv/.finsam-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements-dev.lock -nt "$stamp" ]; then
  echo "==> Installerar beroenden"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements-dev.lock
  .venv/bin/python -m pip install --quiet --no-deps -e .
  touch "$stamp"
fi
