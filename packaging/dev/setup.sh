#!/usr/bin/env bash
# Sets up everything Takt Control Room needs on a Debian/Ubuntu machine with Python 3.11:
# the system packages (Qt's xcb libraries, PostgreSQL with contrib, redis-server, Xvfb), the
# virtual environment in .venv and the Python packages. Safe to run again: finished steps are
# skipped. Used by the README's two commands and by CI.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
cd "$top"

log() { printf '[setup] %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# System packages
apt_packages=(
  xvfb xauth xdotool imagemagick redis-server postgresql postgresql-contrib zstd
  libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1 libfontconfig1
  libdbus-1-3 libglib2.0-0 python3-venv
)
missing=()
for p in "${apt_packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ "${TAKT_SKIP_APT:-0}" == "1" ]]; then
    log "skipping apt-get (TAKT_SKIP_APT=1); missing: ${missing[*]}"
  else
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    log "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# ---------------------------------------------------------------------------------------------
# Python 3.11 and the virtual environment
python_bin="${TAKT_PYTHON:-}"
if [[ -z "$python_bin" ]]; then
  for candidate in python3.11 /usr/bin/python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      python_bin="$(command -v "$candidate")"; break
    fi
  done
fi
if [[ -z "$python_bin" ]]; then
  echo "setup: Python 3.11 was not found; install python3.11 (apt-get install python3.11 python3.11-venv)" >&2
  exit 2
fi

venv="$top/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
  log "creating $venv with $python_bin"
  "$python_bin" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)

# Reinstall only when the declared dependencies changed.
stamp="$venv/.takt-deps"
want="$(sha256sum pyproject.toml packaging/dev/setup.sh | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
  log "installing Python packages into $venv (first time: a few minutes)"
  "${pip[@]}" install --upgrade pip setuptools wheel
  # torch/torchvision for ultralytics: the builds that lie on this machine's disk (see README).
  if ! "$venv/bin/python" -c 'import torch, torchvision' >/dev/null 2>&1; then
    "${pip[@]}" install "torch==2.14.1" "torchvision==0.29.1"
  fi
  "${pip[@]}" install -e ".[yolo,dev]"
  # ultralytics requires opencv-python; a headless copy next to it would overwrite cv2.
  if "$venv/bin/python" -m pip show opencv-python-headless >/dev/null 2>&1; then
    "${pip[@]}" uninstall -y opencv-python-headless
    "${pip[@]}" install --force-reinstall --no-deps opencv-python
  fi
  echo "$want" >"$stamp"
fi
log "ready: $venv"
