#!/usr/bin/env bash
# Builds dmabench.ko against Debian's current kernel headers for ARCH
# (arm64: cross-compiled; amd64: native), fetched by fetch_kernel.sh into
# CACHE. The sources are copied into OUTDIR so the tree stays clean. Any
# compiler or modpost warning fails the build. An OUTDIR built from the same
# sources for the same kernel is reused.
#
#   kmod_build.sh ARCH OUTDIR [CACHE] [--image]
# Prints the env file of the kernel it built against (see fetch_kernel.sh).
set -euo pipefail
arch=${1:?usage: kmod_build.sh arm64|amd64 OUTDIR [CACHE] [--image]}
outdir=${2:?usage: kmod_build.sh arm64|amd64 OUTDIR [CACHE] [--image]}
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../../kernels/kmod
cache=${3:-${DMABENCH_KERNEL_CACHE:-$here/../../build/kernel-cache}}

env=$(bash "$here/fetch_kernel.sh" "$arch" "$cache" ${4:-})
# shellcheck disable=SC1090
. "$env"

# Several system tests share one OUTDIR: one build at a time, and none when
# the sources and kernel are those of the last one.
mkdir -p "$(dirname "$outdir")"
exec 8>"$outdir.lock"
flock 8
stamp=$(cat "$src"/Kbuild "$src"/*.c "$src"/*.h | sha256sum | cut -d' ' -f1)-$arch-$KERNEL_VERSION
if [[ -s $outdir/dmabench.ko && "$(cat "$outdir/.stamp" 2>/dev/null)" == "$stamp" ]]; then
    echo "kmod_build.sh: dmabench.ko for $arch up to date in $outdir" >&2
    echo "$env"
    exit 0
fi
rm -rf "$outdir" && mkdir -p "$outdir"
cp "$src"/Kbuild "$src"/*.c "$src"/*.h "$outdir"/
cross=()
[[ $arch == arm64 ]] && cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
[[ $arch == amd64 ]] && cross=(ARCH=x86_64)
if ! make -C "$KERNEL_HEADERS" M="$outdir" "${cross[@]}" modules >"$outdir/build.log" 2>&1; then
    cat "$outdir/build.log" >&2
    echo "kmod_build.sh: dmabench.ko did not build for $arch ($KERNEL_RELEASE)" >&2
    exit 1
fi
if grep -qi 'warning' "$outdir/build.log"; then
    grep -i -B2 -A6 'warning' "$outdir/build.log" >&2
    echo "kmod_build.sh: dmabench.ko built for $arch with warnings" >&2
    exit 1
fi
[[ -s $outdir/dmabench.ko ]] || { echo "kmod_build.sh: no dmabench.ko in $outdir" >&2; exit 1; }
echo "$stamp" >"$outdir/.stamp"
echo "kmod_build.sh: dmabench.ko for $arch, Linux $KERNEL_RELEASE ($KERNEL_VERSION): $(cat "$outdir"/.*.o.cmd | grep -o 'DDMABENCH_HAVE_[A-Z_]*' | sort -u | tr '\n' ' ')" >&2
echo "$env"
