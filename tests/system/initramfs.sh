#!/usr/bin/env bash
# Packs the system test's initramfs: busybox (static), the arm64 kit (the
# launcher, dmabench, every shared library it needs and the dynamic loader:
# Debian ships no static libbenchmark) unpacked as /dmabench, dmabench.ko and
# init.sh as /init. The guest runs /dmabench/dmabench as a board would.
# Static arm64 executables (the fuzz test, xen_run) go beside it in /dmabench.
#
#   initramfs.sh OUT.cpio.gz KIT.tar.gz|- MODULE.ko [STATIC_EXECUTABLE...]
set -euo pipefail
usage="usage: initramfs.sh OUT.cpio.gz KIT.tar.gz|- MODULE.ko [STATIC_EXECUTABLE...]"
out=${1:?$usage}
kit=${2:?$usage}
ko=${3:?$usage}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
readelf=aarch64-linux-gnu-readelf
busybox=/bin/busybox  # busybox-static:arm64

is_arm64() { $readelf -h "$1" 2>/dev/null | grep -q 'Machine:.*AArch64'; }
is_arm64 "$busybox" && ! $readelf -l "$busybox" | grep -q 'INTERP' ||
    { echo "initramfs.sh: $busybox is not a static arm64 busybox (install busybox-static:arm64)" >&2; exit 1; }
for bin in "$@"; do
    is_arm64 "$bin" && ! $readelf -l "$bin" | grep -q 'INTERP' ||
        { echo "initramfs.sh: $bin is not a static arm64 executable" >&2; exit 1; }
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dmabench,lib,tmp,proc,sys,dev}
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init" && chmod 755 "$root/init"
cp "$ko" "$root/dmabench.ko"
if [[ $kit != - ]]; then
    tar xzf "$kit" -C "$root/dmabench" --strip-components=1
    is_arm64 "$root/dmabench/bin/dmabench" ||
        { echo "initramfs.sh: $kit holds no arm64 bin/dmabench (accepted: an arm64 kit)" >&2; exit 1; }
fi
(($#)) && cp "$@" "$root/dmabench/"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
