#!/usr/bin/env bash
# The peer, dma_map_benchmark, built from Debian's own source at test time:
# Debian's kernels do not build it, and the repository keeps no copy of it.
# Three files come out of linux-source-6.1 (the guest kernel's version):
# the module (kernel/dma/map_benchmark.c), its header and the tool
# (tools/testing/selftests/dma/dma_map_benchmark.c). The module builds out
# of tree against the guest kernel's headers, the tool statically for the
# guest. Both are cached beside the kernel in CACHE, per arch and version.
#
#   peer_build.sh ARCH [CACHE]   prints the directory holding map_benchmark.ko
#                                and dma_map_benchmark
# Cold: apt-get download of linux-source-6.1 (139 MB) and one tar -xJ of its
# tarball for the three paths (about 20 s here); warm: nothing.
set -euo pipefail
arch=${1:?usage: peer_build.sh arm64|amd64 [CACHE]}
here=$(cd "$(dirname "$0")" && pwd)
cache=${2:-${DMABENCH_KERNEL_CACHE:-$here/../../build/kernel-cache}}
env=$(bash "$here/fetch_kernel.sh" "$arch" "$cache")
# shellcheck disable=SC1090
. "$env"
case $arch in
arm64) cc=aarch64-linux-gnu-gcc cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
*) cc=gcc cross=(ARCH=x86_64) ;;
esac
src=$cache/peer-src-$KERNEL_VERSION
out=$cache/peer-$arch-$KERNEL_VERSION
exec 7>"$cache/.peer.lock"
flock 7
if [[ -s $out/map_benchmark.ko && -x $out/dma_map_benchmark ]]; then
    echo "$out"
    exit 0
fi

files=(kernel/dma/map_benchmark.c include/linux/map_benchmark.h tools/testing/selftests/dma/dma_map_benchmark.c)
if [[ ! -s $src/${files[2]} ]]; then
    tmp=$(mktemp -d "$cache/peer-dl.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download -qq "linux-source-6.1=$KERNEL_VERSION" 2>/dev/null) ||
        { echo "peer_build.sh: apt-get download linux-source-6.1=$KERNEL_VERSION failed" >&2; exit 1; }
    dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.1_*.deb | tar -xO ./usr/src/linux-source-6.1.tar.xz |
        tar -xJ -C "$tmp" "${files[@]/#/linux-source-6.1/}"
    rm -rf "$src" && mv "$tmp/linux-source-6.1" "$src"
fi

rm -rf "$out" && mkdir -p "$out/mod/include/linux"
cp "$src/kernel/dma/map_benchmark.c" "$out/mod/"
cp "$src/include/linux/map_benchmark.h" "$out/mod/include/linux/"
# kthread_bind_mask (only for -n) is not exported: the exported
# set_cpus_allowed_ptr pins the thread to the node's CPUs as well.
cat >"$out/mod/peer_compat.h" <<'EOF'
#include <linux/kthread.h>
#include <linux/sched.h>
#define kthread_bind_mask(p, mask) set_cpus_allowed_ptr(p, mask)
#undef pr_fmt
EOF
cat >"$out/mod/Kbuild" <<'EOF'
obj-m := map_benchmark.o
ccflags-y := -I$(src)/include -include $(src)/peer_compat.h
EOF
make -C "$KERNEL_HEADERS" M="$out/mod" "${cross[@]}" modules >"$out/build.log" 2>&1 ||
    { cat "$out/build.log" >&2; echo "peer_build.sh: map_benchmark.ko did not build for $arch" >&2; exit 1; }
cp "$out/mod/map_benchmark.ko" "$out/"
$cc -static -O2 -I "$src/include" -o "$out/dma_map_benchmark" "$src/${files[2]}" 2>>"$out/build.log" ||
    { cat "$out/build.log" >&2; echo "peer_build.sh: dma_map_benchmark did not build for $arch" >&2; exit 1; }
echo "peer_build.sh: map_benchmark.ko and dma_map_benchmark for $arch, Linux $KERNEL_RELEASE, from linux-source-6.1 $KERNEL_VERSION" >&2
echo "$out"
