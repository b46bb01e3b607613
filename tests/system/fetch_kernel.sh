#!/usr/bin/env bash
# Fetches Debian's current kernel for ARCH (arm64 or amd64) without installing
# it: `apt-get download` of the packages the linux-image-ARCH / linux-headers-ARCH
# metapackages resolve to, unpacked with `dpkg-deb -x` under CACHE.
#
#   fetch_kernel.sh ARCH CACHE [--image]
#
# Prints one line, the path of an env file that defines KERNEL_RELEASE,
# KERNEL_HEADERS (a tree usable as `make -C`), and with --image KERNEL_IMAGE
# and KERNEL_MODULES (the package's /lib/modules/RELEASE).
#
# Installing the arm64 headers package would pull gcc-12:arm64 and remove the
# host compilers, so nothing here goes through dpkg -i or apt-get install.
set -euo pipefail

arch=${1:?usage: fetch_kernel.sh arm64|amd64 CACHE [--image]}
cache=${2:?usage: fetch_kernel.sh arm64|amd64 CACHE [--image]}
want_image=${3:-}
case $arch in arm64|amd64) ;; *)
    echo "fetch_kernel.sh: ARCH '$arch': accepted: arm64 or amd64" >&2; exit 2 ;;
esac
host_arch=$(dpkg --print-architecture)
mkdir -p "$cache/debs"
cache=$(cd "$cache" && pwd)

# Several presets and ctest -j may fetch at once: one at a time per cache.
exec 9>"$cache/.lock"
flock 9

# The candidate's Depends, package names only (no versions, no alternatives).
depends() {
    apt-cache show --no-all-versions "$1" 2>/dev/null |
        sed -n 's/^Depends: //p' | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$'
}

# The metapackage names the real package of the current ABI; that one names
# its -common headers and the kbuild tools (for the build host's architecture).
resolve() {
    local meta=$1 real
    real=$(depends "$meta:$arch" | grep -m1 '^linux-') ||
        { echo "fetch_kernel.sh: cannot resolve $meta:$arch (is arm64 a dpkg foreign architecture? run apt-get update)" >&2; return 1; }
    echo "$real:$arch"
    if [[ $meta == linux-headers-* ]]; then
        depends "$real:$arch" | grep -E '^linux-headers-.*-common$' | sed 's/$/:all/'
        depends "$real:$arch" | grep -E '^linux-kbuild-' | sed "s/\$/:$host_arch/"
    fi
}

pkgs=$(resolve linux-headers-$arch)
[[ $want_image == --image ]] && pkgs+=$'\n'$(resolve linux-image-$arch)
version=$(apt-cache show --no-all-versions "linux-headers-$arch:$arch" | sed -n 's/^Version: //p')
root="$cache/$arch-$version"

if [[ ! -e $root/.complete || ( $want_image == --image && ! -e $root/.image ) ]]; then
    cd "$cache/debs"
    for p in $pkgs; do
        name=${p%%:*}
        ls "${name}"_*.deb >/dev/null 2>&1 && ls "${name}_${version//:/%3a}"_*.deb >/dev/null 2>&1 && continue
        echo "fetch_kernel.sh: apt-get download $p" >&2
        apt-get download -qq "$p" 2>/dev/null || {
            # A stale package list names a version the mirror has dropped.
            apt-get update -qq >&2 && apt-get download -qq "$p"
        } || { echo "fetch_kernel.sh: apt-get download $p failed" >&2; exit 1; }
    done
    rm -rf "$root.tmp" && mkdir -p "$root.tmp"
    for p in $pkgs; do
        name=${p%%:*}
        deb=$(ls -t "${name}_${version//:/%3a}"_*.deb 2>/dev/null | head -1)
        [[ -n $deb ]] || deb=$(ls -t "${name}"_*.deb | head -1)
        dpkg-deb -x "$deb" "$root.tmp"
    done
    rm -rf "$root" && mv "$root.tmp" "$root"
    touch "$root/.complete"
    [[ $want_image == --image ]] && touch "$root/.image"
fi

headers=$(ls -d "$root"/usr/src/linux-headers-*-"$arch" | head -1)
common=$(ls -d "$root"/usr/src/linux-headers-*-common | head -1)
release=${headers##*/linux-headers-}
# The arch headers' Makefile includes the common tree by an absolute
# /usr/src path: point it into the unpacked copy.
sed -i "s|^include /usr/src/\(linux-headers-[^/]*-common\)/|include $root/usr/src/\1/|" "$headers/Makefile"
grep -q "^include $common/Makefile" "$headers/Makefile" ||
    { echo "fetch_kernel.sh: $headers/Makefile does not include $common/Makefile" >&2; exit 1; }

env="$cache/$arch.env"
{
    echo "KERNEL_VERSION=$version"
    echo "KERNEL_RELEASE=$release"
    echo "KERNEL_HEADERS=$headers"
    if [[ -e $root/.image ]]; then
        echo "KERNEL_IMAGE=$root/boot/vmlinuz-$release"
        echo "KERNEL_MODULES=$root/lib/modules/$release"
    fi
} >"$env.tmp"
mv "$env.tmp" "$env"
echo "$env"
