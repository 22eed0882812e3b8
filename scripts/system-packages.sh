#!/usr/bin/env bash
# Installs the Debian packages the portal needs when they are missing:
# Tesseract (fr/de/it) for the invoice OCR, gettext for translations, Chromium for browser tests.
set -euo pipefail
packages=(tesseract-ocr tesseract-ocr-fra tesseract-ocr-deu tesseract-ocr-ita gettext chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
