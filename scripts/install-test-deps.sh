#!/usr/bin/env bash
# Installs what the browser and VS Code tests need beyond `npm ci`, when it is missing:
# Debian's Chromium (drives the VS Code workbench and the webview tests), the Kerberos headers
# and ripgrep code-server's install needs, and VS Code 1.100.3 (code-server 4.100.3) in a cache
# outside the repository. A no-op when everything is present. Debian packages need root.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium libkrb5-dev ripgrep python3 make g++ git)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "The browser and VS Code tests need these Debian packages: ${missing[*]}." >&2
    echo "Install them as root (sudo apt-get install ${missing[*]}) or run: sudo bash scripts/install-test-deps.sh" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

node scripts/install-code-server.mjs </dev/null
