#!/usr/bin/env bash
# Fetches Debian's Xen 4.17 hypervisor for arm64 without installing it:
# `apt-get download xen-hypervisor-4.17-arm64:arm64` into CACHE/debs, the
# hypervisor image (/boot/xen-4.17-arm64, an arm64 Image) unpacked under CACHE.
#
#   fetch_xen.sh CACHE
# Prints one line: the path of the hypervisor image.
set -euo pipefail
cache=${1:?usage: fetch_xen.sh CACHE}
pkg=xen-hypervisor-4.17-arm64
mkdir -p "$cache/debs"
cache=$(cd "$cache" && pwd)
exec 9>"$cache/.lock"  # shared with fetch_kernel.sh: one fetch at a time
flock 9

version=$(apt-cache show --no-all-versions "$pkg:arm64" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
[[ -n $version ]] ||
    { echo "fetch_xen.sh: cannot resolve $pkg:arm64 (is arm64 a dpkg foreign architecture? run apt-get update)" >&2; exit 1; }
root="$cache/xen-$version"
if [[ ! -e $root/.complete ]]; then
    cd "$cache/debs"
    deb=$(ls "${pkg}_${version//:/%3a}"_arm64.deb 2>/dev/null || true)
    if [[ -z $deb ]]; then
        echo "fetch_xen.sh: apt-get download $pkg:arm64" >&2
        apt-get download -qq "$pkg:arm64" 2>/dev/null ||
            { apt-get update -qq >&2 && apt-get download -qq "$pkg:arm64"; } ||
            { echo "fetch_xen.sh: apt-get download $pkg:arm64 failed" >&2; exit 1; }
        deb=$(ls -t "${pkg}"_*_arm64.deb | head -1)
    fi
    rm -rf "$root.tmp" && mkdir -p "$root.tmp"
    dpkg-deb -x "$deb" "$root.tmp"
    rm -rf "$root" && mv "$root.tmp" "$root"
    touch "$root/.complete"
fi
image=$(ls "$root"/boot/xen-4.17-arm64 2>/dev/null || ls "$root"/boot/xen-*-arm64 2>/dev/null | head -1)
[[ -s $image ]] || { echo "fetch_xen.sh: no /boot/xen-*-arm64 in $pkg $version" >&2; exit 1; }
echo "$image"
