#!/usr/bin/env bash
# Idempotent set-up: Debian packages, then the project's venv. Fast when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  swig libpcsclite-dev pcscd vsmartcard-vpcd pcsc-tools        # card: PC/SC + virtual reader
  xvfb xauth libgl1-mesa-dri libmtdev1 fonts-wqy-microhei                # screen: Kivy under Xvfb, CJK font
  fonts-noto-cjk fonts-material-design-icons-iconfont          # screen: CJK with a real bold, icons
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

# vpcd's ports (35963, 35964: /etc/reader.conf.d/vpcd) lie in Linux's range of ephemeral ports:
# a client socket given one (any HTTP call, lingering 60 s in TIME_WAIT) stops the virtual
# reader from listening, and pcscd lists none. Reserved now and at the next boots.
VPCD_PORTS=35963-35964
reserved="$(cat /proc/sys/net/ipv4/ip_local_reserved_ports 2>/dev/null || true)"
if [[ ",$reserved," != *",$VPCD_PORTS,"* ]]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  want_ports="${reserved:+$reserved,}$VPCD_PORTS"
  if $SUDO sysctl -q -w "net.ipv4.ip_local_reserved_ports=$want_ports" 2>/dev/null; then
    echo "net.ipv4.ip_local_reserved_ports = $want_ports" \
      | $SUDO tee /etc/sysctl.d/60-kiosk-vpcd.conf >/dev/null || true
    echo "setup: vpcd's ports $VPCD_PORTS kept out of the ephemeral range"
  else
    echo "setup: could not reserve vpcd's ports $VPCD_PORTS (the card harness retries)" >&2
  fi
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
# pip, quiet, failing when pip fails; drops this machine's notes about its local package folders.
pip_q() {
  local out rc=0
  out="$(.venv/bin/python -m pip "$@" 2>&1)" || rc=$?
  if [ -n "$out" ]; then grep -v "^WARNING: Location" <<<"$out" || true; fi
  return "$rc"
}
# Install only when requirements.lock or pyproject.toml changed since the last successful install:
# the stamp holds the hash of both.
stamp=.venv/.installed-lock
want="$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages into .venv from requirements.lock"
  pip_q install -q pip==26.3
  # Exactly the locked versions, each file checked against its hash (pyscard builds from source
  # with swig and libpcsclite-dev, installed above); then the project itself, its deps being
  # the lock's. --no-deps: the lock is complete, and face_recognition's declared `dlib` (a long
  # source build) is provided by dlib-bin, which the lock holds instead.
  pip_q install -q --require-hashes --no-deps -r requirements.lock
  pip_q install -q --no-deps -e .
  .venv/bin/python -W "ignore:pkg_resources is deprecated" -c "import smartcard, kivy, escpos, reportlab, fastapi, sqlalchemy, psycopg, dlib, face_recognition_models" \
    || { echo "setup: Python packages failed to install" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
# The bold text face with its CFF subroutines inlined: 0.7 instead of 2.5 MB for each bold size
# the kiosk draws (screens/font_flatten.py). Once per version of fonts-noto-cjk, ~25 s. Without
# it the kiosk still runs, on the extracted face (more memory); `make test` reports it.
.venv/bin/python -m screens.font_flatten || echo "setup: continuing with the unflattened bold face" >&2
# The face photos of the lab (issue 20): from a pinned PyPI source distribution, not the repo.
.venv/bin/python scripts/face_photos.py --dest var/faces 2>&1 | grep -v "^WARNING: Location" || true
[ -f var/faces/obama.jpg ] || { echo "setup: the face photos could not be fetched" >&2; exit 1; }
