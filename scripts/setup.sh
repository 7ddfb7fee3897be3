#!/usr/bin/env bash
# Idempotent set-up: Debian packages, then the project's venv. Fast when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  swig libpcsclite-dev pcscd vsmartcard-vpcd pcsc-tools        # card: PC/SC + virtual reader
  xvfb xauth libgl1-mesa-dri libmtdev1 fonts-wqy-microhei                # screen: Kivy under Xvfb, CJK font
  cups printer-driver-cups-pdf poppler-utils ghostscript       # A4 printing and PDF checks
  postgresql                                                   # the back office's big database
  espeak-ng                                                    # voice prompts
  chromium                                                     # /fleet page tested headless
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.installed-pyproject
if [ ! -f "$stamp" ] || ! cmp -s pyproject.toml "$stamp"; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q -e '.[dev,postgres]' 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import smartcard, kivy, escpos, reportlab, fastapi, sqlalchemy, psycopg" \
    || { echo "setup: Python packages failed to install" >&2; exit 1; }
  cp pyproject.toml "$stamp"
fi
