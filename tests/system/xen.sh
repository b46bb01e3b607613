#!/usr/bin/env bash
# system.arm64_xen: Debian's Xen 4.17 under qemu-system-aarch64 (TCG, with
# EL2), Debian's arm64 kernel as dom0 with dmabench.ko, QEMU's edu PCI device
# for the module to bind; xen_run times the hypercall, GNTTABOP_cache_flush
# and dom0's DMA ops, and check.py xen checks its JSON lines.
#
#   xen.sh WORKDIR
# Env: DMABENCH_KERNEL_CACHE (Debian's kernel and Xen packages, as arm64.sh),
# DMABENCH_PYTHON.
set -euo pipefail
work=${1:?usage: xen.sh WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
python=${DMABENCH_PYTHON:-python3}
cache=${DMABENCH_KERNEL_CACHE:-$here/../../build/kernel-cache}
mkdir -p "$work"
work=$(cd "$work" && pwd)
start=$SECONDS
step() { echo "=== [$((SECONDS - start))s] $*" >&2; }

for tool in qemu-system-aarch64 aarch64-linux-gnu-gcc cpio apt-get dpkg-deb; do
    command -v "$tool" >/dev/null ||
        { echo "xen.sh: $tool missing (bash cmake/setup.sh --all installs it)" >&2; exit 1; }
done

step "Xen, kernel, module and xen_run"
xen=$(bash "$here/fetch_xen.sh" "$cache")
env=$(bash "$here/kmod_build.sh" arm64 "$work/kmod" "$cache" --image)
# shellcheck disable=SC1090
. "$env"
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -I "$here/../../kernels/kmod" \
    -o "$work/xen_run" "$here/xen_run.c"
bash "$here/initramfs.sh" "$work/initrd.cpio.gz" "$work/kmod/dmabench.ko" "$work/xen_run"

# Xen needs EL2 and a GICv3 here; a Cortex-A57 is the CPU it was tried on.
step "boot: Xen 4.17, dom0 with dmabench.ko, edu bound by the module"
BOOT_MACHINE=virt,virtualization=on,gic-version=3 BOOT_XEN="$xen" \
BOOT_XEN_APPEND="dom0_mem=512M dom0_max_vcpus=2" \
    bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" cortex-a57 xen "$work/xen" 120 \
    -device edu,dma_mask=0xffffffffffffffff
"$python" "$here/check.py" xen "$work/xen" "$KERNEL_RELEASE"

# The checks must be able to fail: the same output with the emulation stamp
# dropped, one flush op's status made nonzero and the hypercall made cheaper
# than the call is rejected on exactly those three counts.
step "control: doctored output fails the checks"
rm -rf "$work/doctored" && cp -r "$work/xen" "$work/doctored"
"$python" - "$work/doctored" <<'PY'
import json, sys
d = sys.argv[1]
lines = [json.loads(l) for l in open(f"{d}/xen.jsonl") if l.strip()]
for r in lines:
    if r.get("name") == "kmod/xen_version":
        r["platform"] = r["platform"].replace(", EMULATED (qemu TCG)", "")
        r["hypercall_ns_median"] = r["call_ns_median"] / 2
    if r.get("name") == "kmod/gnttab_flush/op:clean/size:4096/per_call:1":
        r["failed_ops"], r["first_status"] = 1, -22
open(f"{d}/xen.jsonl", "w").write("".join(json.dumps(r) + "\n" for r in lines))
PY
if "$python" "$here/check.py" xen "$work/doctored" "$KERNEL_RELEASE" >"$work/doctored.log" 2>&1; then
    echo "xen.sh: check.py accepted doctored output" >&2
    exit 1
fi
n=$(grep -c '^FAIL' "$work/doctored.log")
[[ $n -eq 3 ]] || { cat "$work/doctored.log" >&2; echo "xen.sh: doctored output: $n failures, expected 3" >&2; exit 1; }
step "arm64 Xen system test passed"
