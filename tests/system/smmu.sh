#!/usr/bin/env bash
# The real device path: Debian's arm64 kernel under qemu-system-aarch64
# -M virt,iommu=smmuv3 (amd64's under qemu-system-x86_64 -M q35 with QEMU's
# intel-iommu) with QEMU's edu PCI device (a DMA engine of its own),
# bound by dmabench.ko through driver_override and driven by kmod_smmu.c:
# strict, lazy and identity domains in one boot, edu's DMA through each
# mapping both ways with the bytes checked, and DEVMAP figures. EMULATED.
#
#   smmu.sh WORKDIR [DMABENCH [ARCH]]   Env: DMABENCH_KERNEL_CACHE, DMABENCH_PYTHON (as arm64.sh)
# DMABENCH: ARCH's dmabench; its kit rides along and the first boot runs
# `dmabench run --quick --device EDU --filter '^kmod/devmap'` as a user would.
# ARCH: arm64 (default) or amd64, which boots once (the time budget: no
# boots 2 and 3).
set -euo pipefail
work=${1:?usage: smmu.sh WORKDIR [DMABENCH [ARCH]]}
bin=${2:-}
arch=${3:-arm64}
. "$(dirname "$0")/common.sh"
need "$cc" cpio apt-get dpkg-deb
export BOOT_ARCH=$arch
if [[ $arch == arm64 ]]; then
    need qemu-system-aarch64
    export BOOT_MACHINE=virt,iommu=smmuv3
    cpu=max,pauth-impdef=on iommu=() what="-M $BOOT_MACHINE"
else  # the IOMMU before the edu devices; the boot's default domain strict, as arm64's
    need qemu-system-x86_64
    export BOOT_MACHINE=q35,kernel-irqchip=split BOOT_APPEND="intel_iommu=on iommu.strict=1"
    cpu=max iommu=(-device intel-iommu,intremap=on) what="-M q35, intel-iommu"
fi

step "kernel, module, busybox and kmod_smmu"
module
guest_busybox
guest_tool kmod_smmu
stub=$KERNEL_MODULES/kernel/drivers/pci/pci-stub.ko
[[ -e $stub ]] || { echo "smmu.sh: no $stub in Debian's kernel package" >&2; exit 1; }
kit=- peer=()
if [[ -n $bin ]]; then
    # The peer, dma_map_benchmark, from Debian's linux-source-6.1 (cached).
    pdir=$(bash "$here/peer_build.sh" "$arch" "$cache")
    peer=("$pdir/map_benchmark.ko" "$pdir/dma_map_benchmark")
    kit_pack
    export DMABENCH_SMMU_DEVMAP=1  # check.py: the CLI's record is required
fi
bash "$here/initramfs.sh" "$work/initrd.cpio.gz" "$kit" "$kmod/dmabench.ko" "$work/kmod_smmu" "$stub" "${peer[@]}"

# edu clamps DMA addresses to 28 bits unless dma_mask says otherwise.
edu=(-device edu,dma_mask=0xffffffffffffffff -device edu,dma_mask=0xffffffffffffffff)
step "boot: $what, two edu devices"
bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" "$cpu" smmu "$work/smmu" 540 "${iommu[@]}" "${edu[@]}"
"$python" "$here/check.py" smmu "$work/smmu" "$KERNEL_RELEASE"
if [[ -n $bin ]]; then
    "$python" "$here/peer_check.py" "$work/smmu" "$KERNEL_RELEASE"
    step "control: a doctored peer answer (3x its mean map) fails the bounds"
    rm -rf "$work/peer-doctored" && cp -r "$work/smmu" "$work/peer-doctored"
    for f in "$work"/peer-doctored/peer-t*.json; do
        "$python" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for b in d["benchmarks"]:
    if "peer_map_mean_100ns" in b: b["peer_map_mean_100ns"] *= 3
json.dump(d, open(sys.argv[1], "w"))' "$f"
    done
    if "$python" "$here/peer_check.py" "$work/peer-doctored" "$KERNEL_RELEASE" >"$work/peer-doctored.log" 2>&1; then
        echo "smmu.sh: peer_check.py accepted a doctored peer answer" >&2
        exit 1
    fi
    grep -q '^FAIL .* map: accounted ratio' "$work/peer-doctored.log" ||
        { cat "$work/peer-doctored.log" >&2; echo "smmu.sh: the doctored peer answer failed, but not on its ratio" >&2; exit 1; }
fi

# The cross-check: the kernel's own choice at boot gives the same stamps.
# The passthrough boot also forces swiotlb: edu's bytes then go through
# bounce buffers, and the stamp must say so.
if [[ $arch == arm64 ]]; then
    step "boots 2 and 3: iommu.strict=0, iommu.passthrough=1 swiotlb=force"
    BOOT_APPEND="iommu.strict=0 dmabench.phase=boot_lazy" \
        bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" max,pauth-impdef=on smmu "$work/lazy" 120 "${edu[0]}" "${edu[1]}"
    "$python" "$here/check.py" smmu-lazy "$work/lazy" "$KERNEL_RELEASE"
    BOOT_APPEND="iommu.passthrough=1 swiotlb=force dmabench.phase=boot_identity" \
        bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" max,pauth-impdef=on smmu "$work/passthrough" 120 "${edu[0]}" "${edu[1]}"
    "$python" "$here/check.py" smmu-passthrough "$work/passthrough" "$KERNEL_RELEASE"
fi

# The checks must be able to fail: a byte mismatch, an uncaught wrong
# address and a 1 GiB sg list that was not refused are rejected on exactly
# those three counts.
step "control: doctored output fails the checks"
rm -rf "$work/doctored" && cp -r "$work/smmu" "$work/doctored"
sed -i -e '0,/^EDU lazy .*match=1/s//EDU lazy to_device+from_device bytes=4032 match=0/' \
       -e '0,/^CONTROL strict wrong_iova match=0/s//CONTROL strict wrong_iova match=1/' \
       -e 's/^\(LIST strict bytes=1073741824 .*\)error=ENOMEM/\1error=EIO/' "$work/doctored/smmu.log"
control smmu "$work/doctored" 3
step "smmu system test passed"
