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
libdirs=(/lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
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

# NEEDED entries, followed to closure, from the arm64 multiarch directories.
declare -A seen=()
queue=("$bin")
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
interp=$($readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
mkdir -p "$root$(dirname "$interp")"
cp -L "$interp" "$root$interp"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
