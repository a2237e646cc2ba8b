#!/usr/bin/env bash
# milpflow developer entry point: sets itself up on a fresh machine, then runs one job.
#
#   ./dev.sh demo        solve an example model, then run the offline reference benchmarks through the
#                        real pipeline (formulate → compare → record); no API key, no server
#   ./dev.sh test        lint (ruff), strict types (mypy), then the default test suite (what CI runs)
#   ./dev.sh test-slow   run the slow suites only
#   ./dev.sh bench       run the performance benchmarks
#   ./dev.sh setup       only create/refresh the virtual environment
#   ./dev.sh lock        refresh uv.lock to the newest versions pyproject.toml allows, then run every suite
#
# Set-up: .venv holds exactly what uv.lock pins (every package, every extra, with hashes), installed by
# uv, which itself is pinned below and installed into .tools/ with pip. It is refreshed when uv.lock or
# pyproject.toml changes. Needs Python >= 3.11 (python3.11/3.12/3.13 or python3 on PATH); no Python is
# ever downloaded.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
TOOLS="$ROOT/.tools"
UV_VERSION=0.13.9
STAMP="$VENV/.milpflow-installed"
export UV_PROJECT_ENVIRONMENT="$VENV" UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

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

make_venv() {  # make_venv PYTHON DIR: a venv with pip; installs Debian's python3-venv if that is missing
  local py=$1 dir=$2
  if "$py" -m venv "$dir" 2>/dev/null; then return 0; fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "==> installing python3-venv" >&2
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$dir"; "$py" -m venv "$dir"
  else
    echo "cannot create a virtual environment: install the venv module (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
}

uv_tool() {  # the pinned uv, installed on first use
  if [ ! -x "$TOOLS/bin/uv" ] || [ "$("$TOOLS/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    local py
    py=$(find_python) || { echo "milpflow needs Python >= 3.11; install it or set MILPFLOW_PYTHON" >&2; exit 1; }
    echo "==> installing uv $UV_VERSION into .tools" >&2
    rm -rf "$TOOLS"; make_venv "$py" "$TOOLS"
    "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" >&2
  fi
  echo "$TOOLS/bin/uv"
}

ensure_chromium() {  # the browser test of the Prefect UI drives Debian's Chromium (never `playwright install`)
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing chromium (for tests/flows/test_ui_browser.py)" >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
      echo "warning: could not install chromium; the browser test skips (and fails where CI is set)" >&2
    fi
  fi
}

setup() {
  local want uv py
  want=$(cat uv.lock pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    return 0
  fi
  uv=$(uv_tool)
  py=$(find_python)
  echo "==> installing milpflow and the locked dependencies into .venv" >&2
  # --locked: fail rather than install anything uv.lock does not pin (run ./dev.sh lock after editing pyproject.toml)
  "$uv" sync --locked --all-extras --python "$py" --quiet >&2
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
    ensure_chromium
    if [ $# -eq 0 ]; then  # the whole suite (what CI runs) starts with lint and strict types
      echo "==> ruff check" >&2; "$VENV/bin/ruff" check .
      echo "==> mypy (strict, product packages)" >&2; "$VENV/bin/mypy"
    fi
    exec "$VENV/bin/python" -m pytest "$@" ;;
  test-slow)
    setup
    ensure_chromium
    exec "$VENV/bin/python" -m pytest -m slow "$@" ;;
  bench)
    setup
    for b in benchmarks/bench_*.py; do
      echo "==> $b"
      "$VENV/bin/python" "$b"
    done ;;
  lock)
    uv=$(uv_tool)
    "$uv" lock --upgrade --python "$(find_python)"
    setup
    "$VENV/bin/python" -m pytest -m 'slow or not slow' "$@" ;;
  *)
    sed -n '2,11p' "$0" >&2
    exit 2 ;;
esac
