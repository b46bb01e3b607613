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

# "Package Version Dep1 Dep2 ..." per candidate paragraph of apt-cache show
# (dependency names only: no versions, no alternatives).
show() {
    apt-cache show --no-all-versions "$@" 2>/dev/null | awk '
        /^Package: / { p = $2 } /^Version: / { v = $2 }
        /^Depends: / { d = substr($0, 10); gsub(/\|[^,]*/, "", d); gsub(/\([^)]*\)/, "", d); gsub(/[ ,]+/, " ", d) }
        /^$/ { if (p) print p, v, d; p = v = d = "" }
        END { if (p) print p, v, d }'
}

# The metapackages name the real packages of the current ABI.
metas=("linux-headers-$arch:$arch")
[[ $want_image == --image ]] && metas+=("linux-image-$arch:$arch")
meta_lines=$(show "${metas[@]}")
version=$(awk -v p="linux-headers-$arch" '$1 == p { print $2 }' <<<"$meta_lines")
real_headers=$(awk -v p="linux-headers-$arch" '$1 == p { for (i = 3; i <= NF; i++) if ($i ~ /^linux-/) { print $i; exit } }' <<<"$meta_lines")
real_image=$(awk -v p="linux-image-$arch" '$1 == p { for (i = 3; i <= NF; i++) if ($i ~ /^linux-/) { print $i; exit } }' <<<"$meta_lines")
[[ -n $version && -n $real_headers && ( $want_image != --image || -n $real_image ) ]] ||
    { echo "fetch_kernel.sh: cannot resolve ${metas[*]} (is arm64 a dpkg foreign architecture? run apt-get update)" >&2; exit 1; }

# The real headers package names its -common headers and the kbuild tools (for
# the build host's architecture); kept per version, as it cannot change.
resolved="$cache/$real_headers-$version.deps"
if [[ ! -s $resolved ]]; then
    show "$real_headers:$arch" | tr ' ' '\n' | tail -n +3 | grep -E '^linux-(headers-.*-common|kbuild-)' >"$resolved.tmp" ||
        { echo "fetch_kernel.sh: $real_headers:$arch names no -common headers or kbuild" >&2; exit 1; }
    mv "$resolved.tmp" "$resolved"
fi
pkgs="$real_headers:$arch"
while read -r dep; do
    case $dep in *-common) pkgs+=" $dep:all" ;; *) pkgs+=" $dep:$host_arch" ;; esac
done <"$resolved"
[[ $want_image == --image ]] && pkgs+=" $real_image:$arch"
root="$cache/$arch-$version"

if [[ ! -e $root/.complete || ( $want_image == --image && ! -e $root/.image ) ]]; then
    cd "$cache/debs"
    for p in $pkgs; do
        name=${p%%:*}
        ls "${name}_${version//:/%3a}"_*.deb >/dev/null 2>&1 && continue
        echo "fetch_kernel.sh: apt-get download $p" >&2
        apt-get download -qq "$p" 2>/dev/null || {
            # A stale package list names a version the mirror has dropped.
            apt-get update -qq >&2 && apt-get download -qq "$p"
        } || { echo "fetch_kernel.sh: apt-get download $p failed" >&2; exit 1; }
    done
    rm -rf "$root.tmp" && mkdir -p "$root.tmp"
    for p in $pkgs; do
        name=${p%%:*}
        deb=$(ls -t "${name}"_*.deb | head -1)  # the one just fetched
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
