#!/usr/bin/env bash
# Install the Debian packages liasse needs, only those missing (idempotent; needs root).
#   scripts/system-deps.sh run    what `make run` needs (OCR)
#   scripts/system-deps.sh test   plus what `make test` needs (PostgreSQL, Chromium, poppler)
set -euo pipefail
run_pkgs=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-deu)
test_pkgs=(postgresql chromium chromium-driver poppler-utils fonts-dejavu-core)
want=("${run_pkgs[@]}")
[ "${1:-run}" = "test" ] && want+=("${test_pkgs[@]}")

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "liasse needs these Debian packages: ${missing[*]}" >&2
  echo "run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
