#!/usr/bin/env bash
# Installs what dmabench needs from Debian's packages; idempotent and quiet.
#   setup.sh           host build, run and report
#   setup.sh --all     also the test tools, the arm64 cross toolchain and qemu
set -euo pipefail

host=(cmake g++ make pkg-config git libbenchmark-dev libbenchmark-tools libpfm4-dev
      libhwloc-dev hwloc libcli11-dev nlohmann-json3-dev libgtest-dev
      python3-matplotlib python3-numpy python3-scipy linux-perf zlib1g-dev)
tests=(python3-pytest chromium clang libclang-rt-14-dev
       g++-aarch64-linux-gnu qemu-user qemu-system-arm qemu-system-x86 cpio busybox-static:arm64 xz-utils
       device-tree-compiler universal-ctags
       libbenchmark-dev:arm64 libpfm4-dev:arm64 libhwloc-dev:arm64 libgtest-dev:arm64 zlib1g-dev:arm64
       lava-dispatcher)

want=("${host[@]}")
if [[ ${1:-} == --all ]]; then
    want+=("${tests[@]}")
    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
fi

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

SUDO=; ((EUID == 0)) || SUDO=sudo
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# lava-run needs no daemon: the worker the package enables would poll for a server.
if [[ " ${missing[*]} " == *" lava-dispatcher "* ]]; then
    $SUDO systemctl disable --now lava-worker.service >/dev/null 2>&1 || true
fi
