#!/usr/bin/env bash
# milpflow developer entry point: sets itself up on a fresh machine, then runs one job.
#
#   ./dev.sh demo        solve an example model, then run the offline reference benchmarks through the
#                        real pipeline (formulate → compare → record); no API key, no server
#   ./dev.sh test        run the default test suite (what CI runs)
#   ./dev.sh test-slow   run the slow suites only
#   ./dev.sh bench       run the performance benchmarks
#   ./dev.sh setup       only create/refresh the virtual environment
#
# Set-up: a virtual environment in .venv with the project installed in editable mode. It is refreshed
# when pyproject.toml changes. Needs Python >= 3.11 (python3.11/3.12/3.13 or python3 on PATH).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
STAMP="$VENV/.milpflow-installed"

find_python() {
  for candidate in "${MILPFLOW_PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

setup() {
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    return 0
  fi
  local py
  if ! py=$(find_python); then
    echo "milpflow needs Python >= 3.11; install it (e.g. apt-get install python3) or set MILPFLOW_PYTHON" >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV with $py" >&2
    if ! "$py" -m venv "$VENV" 2>/dev/null; then
      if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "==> installing python3-venv" >&2
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        rm -rf "$VENV"; "$py" -m venv "$VENV"
      else
        echo "cannot create a virtual environment: install the venv module (Debian: apt-get install python3-venv)" >&2
        exit 1
      fi
    fi
  fi
  echo "==> installing milpflow and its dependencies into .venv (first run takes about a minute)" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev]" >&2
  echo "$want" > "$STAMP"
}

job=${1:-demo}
shift || true
case "$job" in
  setup)
    setup ;;
  demo)
    setup
    set -x
    "$VENV/bin/milpflow" solve examples/transport.json "$@"
    "$VENV/bin/milpflow" bench nl4opt --formulator reference "$@"
    "$VENV/bin/milpflow" bench optibench --formulator reference "$@"
    ;;
  test)
    setup
    exec "$VENV/bin/python" -m pytest "$@" ;;
  test-slow)
    setup
    exec "$VENV/bin/python" -m pytest -m slow "$@" ;;
  bench)
    setup
    for b in benchmarks/bench_*.py; do
      echo "==> $b"
      "$VENV/bin/python" "$b"
    done ;;
  *)
    sed -n '2,10p' "$0" >&2
    exit 2 ;;
esac
