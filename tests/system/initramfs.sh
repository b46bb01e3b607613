#!/usr/bin/env bash
# Packs the system test's initramfs: busybox (static), the kit (the
# launcher, dmabench, every shared library it needs and the dynamic loader:
# Debian ships no static libbenchmark) unpacked as /dmabench, dmabench.ko and
# init.sh as /init. The guest runs /dmabench/dmabench as a board would.
# Static executables (the fuzz test, xen_run) go beside it in /dmabench.
# Every binary must be for the module's machine (arm64 or x86_64).
#
#   initramfs.sh OUT.cpio.gz KIT.tar.gz|- MODULE.ko [STATIC_EXECUTABLE...]
# Env: BUSYBOX, a static busybox for that machine (default /bin/busybox).
set -euo pipefail
usage="usage: initramfs.sh OUT.cpio.gz KIT.tar.gz|- MODULE.ko [STATIC_EXECUTABLE...]"
out=${1:?$usage}
kit=${2:?$usage}
ko=${3:?$usage}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}  # busybox-static:arm64 on this host

machine() { readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p'; }
want=$(machine "$ko")
is_ours() { [[ -n $want && $(machine "$1") == "$want" ]]; }
is_ours "$busybox" && ! readelf -l "$busybox" | grep -q 'INTERP' ||
    { echo "initramfs.sh: $busybox is not a static busybox for $ko's $want (install busybox-static)" >&2; exit 1; }
for bin in "$@"; do
    is_ours "$bin" && ! readelf -l "$bin" | grep -q 'INTERP' ||
        { echo "initramfs.sh: $bin is not a static executable for $want" >&2; exit 1; }
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dmabench,lib,tmp,proc,sys,dev}
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init" && chmod 755 "$root/init"
cp "$ko" "$root/dmabench.ko"
if [[ $kit != - ]]; then
    tar xzf "$kit" -C "$root/dmabench" --strip-components=1
    is_ours "$root/dmabench/bin/dmabench" ||
        { echo "initramfs.sh: $kit holds no bin/dmabench for $want (accepted: a kit for the module's machine)" >&2; exit 1; }
fi
(($#)) && cp "$@" "$root/dmabench/"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
