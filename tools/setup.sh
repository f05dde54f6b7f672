#!/usr/bin/env bash
# Installs what gmdl needs to build, test and run its main job on Debian 12 (run as root).
# Skips apt-get entirely when everything is already installed.
set -euo pipefail
pkgs=(build-essential cmake pkg-config zlib1g-dev libdnnl-dev libcairo2 dataset-fashion-mnist clang-format valgrind
    gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
echo "setup: dependencies present" >&2
