#!/usr/bin/env bash
# Packs the system test's initramfs: busybox (static), arm64 executables in
# /dmabench/ with every shared library they need (Debian ships no static
# libbenchmark) and the dynamic loader, dmabench.ko and init.sh as /init.
#
#   initramfs.sh OUT.cpio.gz MODULE.ko EXECUTABLE...
set -euo pipefail
usage="usage: initramfs.sh OUT.cpio.gz MODULE.ko EXECUTABLE..."
out=${1:?$usage}
ko=${2:?$usage}
shift 2
(($#)) || { echo "$usage" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
readelf=aarch64-linux-gnu-readelf
libdirs=(/lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
busybox=/bin/busybox  # busybox-static:arm64

is_arm64() { $readelf -h "$1" 2>/dev/null | grep -q 'Machine:.*AArch64'; }
is_arm64 "$busybox" && ! $readelf -l "$busybox" | grep -q 'INTERP' ||
    { echo "initramfs.sh: $busybox is not a static arm64 busybox (install busybox-static:arm64)" >&2; exit 1; }
for bin in "$@"; do
    is_arm64 "$bin" || { echo "initramfs.sh: $bin is not an arm64 executable" >&2; exit 1; }
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dmabench,lib,tmp,proc,sys,dev}
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init" && chmod 755 "$root/init"
cp "$@" "$root/dmabench/"
cp "$ko" "$root/dmabench.ko"

# NEEDED entries, followed to closure, from the arm64 multiarch directories.
declare -A seen=()
queue=("$@")
while ((${#queue[@]})); do
    f=${queue[0]}
    queue=("${queue[@]:1}")
    for lib in $($readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        [[ -n ${seen[$lib]:-} ]] && continue
        found=
        for d in "${libdirs[@]}"; do
            [[ -e $d/$lib ]] && { found=$d/$lib; break; }
        done
        [[ -n $found ]] || { echo "initramfs.sh: $lib (needed by $f) not in ${libdirs[*]}" >&2; exit 1; }
        seen[$lib]=$found
        mkdir -p "$root$(dirname "$found")"
        cp -L "$found" "$root$found"
        queue+=("$found")
    done
done
for bin in "$@"; do  # static ones have none
    interp=$($readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
    [[ -n $interp ]] || continue
    mkdir -p "$root$(dirname "$interp")"
    cp -L "$interp" "$root$interp"
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
