#!/usr/bin/env bash
# Run a command inside the project's virtual environment, creating it first if needed.
#
#   ./dev.sh pilotsim +experiment=default     # the default study
#   ./dev.sh pytest                           # the tests
#
# The environment lives in .venv/ next to this script. It is (re)installed when it is missing
# or when pyproject.toml changed since the last install, so repeated calls start at once.
# Python 3.12 or newer is required (Mesa 3.5 needs it); set PYTHON to choose one explicitly.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"

good_python() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

find_python() {
  local c
  for c in "${PYTHON:-}" python3 python3.14 python3.13 python3.12 python; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && good_python "$c" && { echo "$c"; return; }
  done
  # pyenv installs interpreters that its shims hide unless selected: look at them directly.
  if command -v pyenv >/dev/null 2>&1; then
    for c in $(ls -d "$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
      good_python "$c" && { echo "$c"; return; }
    done
  fi
  return 1
}

stamp="$venv/.installed"
if [ ! -x "$venv/bin/python" ] || [ "$here/pyproject.toml" -nt "$stamp" ]; then
  py="$(find_python)" || { echo "dev.sh: no Python 3.12+ found (set PYTHON=/path/to/python3.12)" >&2; exit 1; }
  echo "dev.sh: setting up $venv with $("$py" --version)" >&2
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet -e "$here[dev]" >&2
  touch "$stamp"
fi
[ "$#" -gt 0 ] || { echo "usage: ./dev.sh COMMAND [ARGS...]" >&2; exit 2; }
export PATH="$venv/bin:$PATH"
cd "$here"
exec "$@"
