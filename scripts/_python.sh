# Sourced by the scripts: the test lanes, their interpreters and venvs.
#
#   minimum  Python 3.13, .venv,         group "dev" of pyproject.toml
#            (the oldest Home Assistant we support; also ruff, mypy, develop)
#   current  Python 3.14, .venv-current, group "current" of pyproject.toml
#            (the newest Home Assistant that pytest-homeassistant-custom-component
#            supports)
#
# `use_lane NAME` sets LANE, VENV, GROUP and PY_VERSION; sourcing this file
# selects "minimum".

# find_python X.Y: a python of that minor version. Debian 13 ships
# /usr/bin/python3.13; elsewhere pyenv keeps it under
# $(pyenv root)/versions/X.Y.*, where the bare `pythonX.Y` shim can fail
# because pyenv's global version is another one.
find_python() {
  local want=$1 override=$2 candidate root
  local check="import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))"
  for candidate in "$override" "/usr/bin/python$want" "/usr/local/bin/python$want"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c "$check" 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for candidate in $(ls -d "$root/versions/$want"*/bin/python3 2>/dev/null | sort -V -r); do
    if "$candidate" -c "$check" 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

find_python313() { find_python 3.13 "${QUECTEL_PYTHON:-}"; }

use_lane() {
  LANE=$1
  case "$LANE" in
    minimum) VENV="$PROJECT_ROOT/.venv" GROUP=dev PY_VERSION=3.13 ;;
    current) VENV="$PROJECT_ROOT/.venv-current" GROUP=current PY_VERSION=3.14 ;;
    *) echo "error: unknown lane '$LANE' (minimum or current)" >&2; return 1 ;;
  esac
}

# make_lane_venv: creates $VENV with the lane's Python. For 3.14, which
# Debian 12 and 13 do not ship, falls back to shared/tools/python314 beside
# the repository (it unpacks Debian unstable's python3.14 under /opt).
make_lane_venv() {
  local py
  if [ "$PY_VERSION" = 3.13 ]; then
    if ! py=$(find_python313); then
      echo "error: Python 3.13 not found. Install it (Debian 13: apt-get install python3.13 python3.13-venv;" >&2
      echo "       pyenv: pyenv install 3.13.0), or point QUECTEL_PYTHON at a python3.13 binary." >&2
      return 1
    fi
  elif ! py=$(find_python 3.14 "${QUECTEL_PYTHON314:-$(command -v python3.14 || true)}") \
      || ! "$py" -c 'import ensurepip' 2>/dev/null; then
    local tool
    tool="$(dirname "$PROJECT_ROOT")/shared/tools/python314"
    if [ ! -x "$tool" ]; then
      echo "error: Python 3.14 not found: install it (pyenv install 3.14), point" >&2
      echo "       QUECTEL_PYTHON314 at a python3.14 binary, or provide $tool." >&2
      return 1
    fi
    echo "==> Creating $(basename "$VENV") with $tool"
    "$tool" --venv "$VENV" >/dev/null
    return 0
  fi
  echo "==> Creating $(basename "$VENV") with $py"
  "$py" -m venv "$VENV"
}

# python_headers_cpath: prints a CPATH under which the venv's Python.h is found,
# so that packages without a wheel for the lane's Python build from source.
# Debian's python3.14 unpacked by shared/tools/python314 comes without its
# headers; they are taken from the same Debian archive (libpython3.X-dev) into
# $VENV/.python-headers.
python_headers_cpath() {
  local include dest=$VENV/.python-headers work uri
  include=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
  if [ -f "$include/Python.h" ]; then return 0; fi
  if [ ! -f "$dest/usr/include/python$PY_VERSION/Python.h" ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || { echo "error: no Debian archive in /etc/apt for libpython$PY_VERSION-dev" >&2; return 1; }
    work=$(mktemp -d)
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main" > "$work/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
                -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::status=/dev/null
                -o APT::Sandbox::User=root)
    echo "==> Fetching Debian's libpython$PY_VERSION-dev headers into $(basename "$VENV")/.python-headers" >&2
    apt-get "${opts[@]}" -qq update >&2
    (cd "$work/debs" && apt-get "${opts[@]}" -qq download "libpython$PY_VERSION-dev" >&2)
    rm -rf "$dest" && dpkg -x "$work"/debs/*.deb "$dest"
    rm -rf "$work"
  fi
  echo "$dest/usr/include:$dest/usr/include/python$PY_VERSION"
}

PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
use_lane minimum
