#!/usr/bin/env bash
# system.arm64_xen: Debian's Xen 4.17 under qemu-system-aarch64 (TCG, with
# EL2), Debian's arm64 kernel as dom0 with dmabench.ko, QEMU's edu PCI device
# for the module to bind, a second domain granting dom0 a page; xen_run times
# the hypercall and GNTTABOP_cache_flush through the module's ABI, dmabench
# the same and dom0's DMA ops on the granted page (kmod/xen_devmap, and
# map-unmap-symmetry), and check.py xen checks both. A second boot runs
# kmod_fuzz in dom0.
#
#   xen.sh WORKDIR [DMABENCH]
# DMABENCH: the arm64 dmabench (the arm64 preset's): its kit rides along and
# runs the kmod/ Xen cases in dom0. Env: DMABENCH_KERNEL_CACHE (Debian's
# kernel and Xen packages, as arm64.sh), DMABENCH_PYTHON.
set -euo pipefail
work=${1:?usage: xen.sh WORKDIR [DMABENCH]}
bin=${2:-}
. "$(dirname "$0")/common.sh"
need qemu-system-aarch64 aarch64-linux-gnu-gcc aarch64-linux-gnu-objcopy dtc cpio apt-get dpkg-deb

step "Xen, kernel, module and xen_run"
xen=$(bash "$here/fetch_xen.sh" "$cache")
env=$(bash "$here/kmod_build.sh" arm64 "$work/kmod" "$cache" --image)
# shellcheck disable=SC1090
. "$env"
guest_tool xen_run
guest_tool kmod_fuzz
kit=-
if [[ -n $bin ]]; then  # as arm64.sh packs it
    kit_pack
fi
bash "$here/initramfs.sh" "$work/initrd.cpio.gz" "$kit" "$work/kmod/dmabench.ko" "$work/xen_run" "$work/kmod_fuzz"

# The second domain (dom0less): xen_domu grants dom0 a page as domid 1, gref 8.
aarch64-linux-gnu-gcc -nostdlib -static -Wl,-Ttext=0 -Wl,--build-id=none \
    -o "$work/xen_domu.elf" "$here/xen_domu.S"
aarch64-linux-gnu-objcopy -O binary "$work/xen_domu.elf" "$work/xen_domu.img"
domu_addr=0x4f000000  # between dom0's kernel and initramfs: RAM above stays whole for dom0

# Xen needs EL2 and a GICv3 here; a Cortex-A57 is the CPU it was tried on.
# The machine's own device tree, dumped with the same options, gets a
# "xen,domain" node for the second domain and is passed back with -dtb.
export BOOT_MACHINE=virt,virtualization=on,gic-version=3 BOOT_XEN="$xen"
export BOOT_XEN_APPEND="dom0_mem=512M dom0_max_vcpus=2" BOOT_APPEND="dmabench.foreign=1:8"
qemu_args=(-device edu,dma_mask=0xffffffffffffffff
           -device "loader,file=$work/xen_domu.img,addr=$domu_addr,force-raw=on")
BOOT_DUMPDTB="$work/virt.dtb" bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" \
    cortex-a57 xen "$work/xen" 60 "${qemu_args[@]}"
dtc -q -I dtb -O dts "$work/virt.dtb" | "$python" -c '
import sys
dts, addr, size = sys.stdin.read(), sys.argv[1], sys.argv[2]
domu = f"""
		domU1 {{
			compatible = "xen,domain";
			#address-cells = <1>;
			#size-cells = <1>;
			memory = <0 16384>;
			cpus = <1>;
			module@{addr[2:]} {{
				compatible = "multiboot,kernel", "multiboot,module";
				reg = <{addr} {size}>;
			}};
		}};
"""
at = dts.index("\tchosen {")
end = dts.index("\n\t};", at)
sys.stdout.write(dts[:end] + domu + dts[end:])
' "$domu_addr" "$(stat -c %s "$work/xen_domu.img")" >"$work/xen.dts"
dtc -q -I dts -O dtb -o "$work/xen.dtb" "$work/xen.dts"

step "boot: Xen 4.17, dom0 with dmabench.ko, edu bound by the module, domU granting a page"
bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" cortex-a57 xen "$work/xen" 120 \
    "${qemu_args[@]}" -dtb "$work/xen.dtb"
"$python" "$here/check.py" xen "$work/xen" "$KERNEL_RELEASE"

# The checks must be able to fail: the same output with the emulation stamp
# dropped, one flush op's status made nonzero, the hypercall made cheaper
# than the call (xen_run's), and a granted page's map without hypercalls and
# one case's DMA ops made dma-direct (dmabench's record) is rejected on
# exactly those five counts.
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
doc = json.load(open(f"{d}/xen-result.json"))
case = "kmod/xen_devmap/page:foreign/size:4096/dir:bidirectional/coherent:no/manual_time"
for b in doc["benchmarks"]:
    if b["name"] == case:
        b["hypercalls_per_map"] = 0
doc["context"]["dmabench"]["cases"][case]["device"]["dma_ops"] = "dma-direct"
json.dump(doc, open(f"{d}/xen-result.json", "w"))
PY
control xen "$work/doctored" 5
# The Xen requests only get past their checks in a Xen domain: the fuzz
# test again, in dom0 under slub_debug, with the same checks as
# system.arm64_kmod_fuzz.
seed=${DMABENCH_FUZZ_SEED:-$(date +%s)}
step "boot 2: kmod_fuzz in dom0, slub_debug (seed $seed: DMABENCH_FUZZ_SEED=$seed replays it)"
unset BOOT_APPEND
BOOT_APPEND="slub_debug=FZPU page_poison=1 dmabench.seed=$seed" \
    bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" cortex-a57 fuzz "$work/fuzz" 150 \
    -device edu,dma_mask=0xffffffffffffffff
"$python" "$here/check.py" fuzz "$work/fuzz" "$KERNEL_RELEASE"
step "arm64 Xen system test passed"
