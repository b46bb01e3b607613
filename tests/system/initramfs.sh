#!/usr/bin/env bash
# Packs the system test's initramfs: busybox (static), the arm64 dmabench with
# every shared library it needs (Debian ships no static libbenchmark), the
# dynamic loader, dmabench.ko and init.sh as /init.
#
#   initramfs.sh OUT.cpio.gz DMABENCH MODULE.ko
set -euo pipefail
out=${1:?usage: initramfs.sh OUT.cpio.gz DMABENCH MODULE.ko}
bin=${2:?usage: initramfs.sh OUT.cpio.gz DMABENCH MODULE.ko}
ko=${3:?usage: initramfs.sh OUT.cpio.gz DMABENCH MODULE.ko}
here=$(cd "$(dirname "$0")" && pwd)
readelf=aarch64-linux-gnu-readelf
busybox=/bin/busybox  # busybox-static:arm64

is_arm64() { $readelf -h "$1" 2>/dev/null | grep -q 'Machine:.*AArch64'; }
is_arm64 "$busybox" && ! $readelf -l "$busybox" | grep -q 'INTERP' ||
    { echo "initramfs.sh: $busybox is not a static arm64 busybox (install busybox-static:arm64)" >&2; exit 1; }
is_arm64 "$bin" || { echo "initramfs.sh: $bin is not an arm64 executable" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dmabench,lib,tmp,proc,sys,dev}
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init" && chmod 755 "$root/init"
cp "$bin" "$root/dmabench/dmabench"
cp "$ko" "$root/dmabench.ko"

# The libraries and the loader at their own paths, as the binary asks for them.
libs=$(bash "$here/../../cmake/closure.sh" "$bin")
for f in $libs; do
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
