#!/usr/bin/env bash
# deps.sh: installs the Debian packages mognad needs that are missing.
# A no-op (and quick) when all are present; uses sudo when not root.
set -euo pipefail

packages=(
    build-essential pkg-config
    libmicrohttpd-dev libpq-dev libcjson-dev libsodium-dev libcmocka-dev
    libgsl-dev libxlsxwriter-dev libreadstat-dev readstat python3-openpyxl
    postgresql-15 postgresql-client-15
    python3 curl valgrind wrk cppcheck nginx
    clang libclang-rt-14-dev llvm
    chromium nodejs poppler-utils
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
# npm comes with some builds of nodejs (NodeSource's) and as its own
# package in Debian's: only ask for it when there is no npm at all.
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
