# Sourced by the scripts: finds a Python 3.13 interpreter and the project venv.
# Debian 13 ships /usr/bin/python3.13; elsewhere pyenv keeps it under
# $(pyenv root)/versions/3.13.*, where the bare `python3.13` shim can fail
# because pyenv's global version is another one.
find_python313() {
  local candidate root
  for candidate in "${QUECTEL_PYTHON:-}" /usr/bin/python3.13 /usr/local/bin/python3.13; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for candidate in $(ls -d "$root"/versions/3.13*/bin/python3 2>/dev/null | sort -V -r); do
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$PROJECT_ROOT/.venv"
