#!/usr/bin/env bash
# The real device path: Debian's arm64 kernel under qemu-system-aarch64
# -M virt,iommu=smmuv3 with QEMU's edu PCI device (a DMA engine of its own),
# bound by dmabench.ko through driver_override and driven by kmod_smmu.c:
# strict, lazy and identity domains in one boot, edu's DMA through each
# mapping both ways with the bytes checked, and DEVMAP figures. EMULATED.
#
#   smmu.sh WORKDIR        Env: DMABENCH_KERNEL_CACHE, DMABENCH_PYTHON (as arm64.sh)
set -euo pipefail
work=${1:?usage: smmu.sh WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
python=${DMABENCH_PYTHON:-python3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
start=$SECONDS
step() { echo "=== [$((SECONDS - start))s] $*" >&2; }

for tool in qemu-system-aarch64 aarch64-linux-gnu-gcc cpio apt-get dpkg-deb; do
    command -v "$tool" >/dev/null ||
        { echo "smmu.sh: $tool missing (bash cmake/setup.sh --all installs it)" >&2; exit 1; }
done

step "kernel, module and kmod_smmu"
kmod=${DMABENCH_KMOD_DIR:-$work/kmod}  # shared by the arm64 system tests
env=$(bash "$here/kmod_build.sh" arm64 "$kmod" "${DMABENCH_KERNEL_CACHE:-}" --image)
# shellcheck disable=SC1090
. "$env"
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -I "$here/../../kernels/kmod" \
    -o "$work/kmod_smmu" "$here/kmod_smmu.c"
stub=$KERNEL_MODULES/kernel/drivers/pci/pci-stub.ko
[[ -e $stub ]] || { echo "smmu.sh: no $stub in Debian's kernel package" >&2; exit 1; }
bash "$here/initramfs.sh" "$work/initrd.cpio.gz" - "$kmod/dmabench.ko" "$work/kmod_smmu" "$stub"

# edu clamps DMA addresses to 28 bits unless dma_mask says otherwise.
edu=(-device edu,dma_mask=0xffffffffffffffff -device edu,dma_mask=0xffffffffffffffff)
step "boot: -M virt,iommu=smmuv3, two edu devices"
BOOT_MACHINE=virt,iommu=smmuv3 \
    bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" max,pauth-impdef=on smmu "$work/smmu" 150 "${edu[@]}"
"$python" "$here/check.py" smmu "$work/smmu" "$KERNEL_RELEASE"

# The cross-check: the kernel's own choice at boot gives the same stamps.
# The passthrough boot also forces swiotlb: edu's bytes then go through
# bounce buffers, and the stamp must say so.
step "boots 2 and 3: iommu.strict=0, iommu.passthrough=1 swiotlb=force"
BOOT_MACHINE=virt,iommu=smmuv3 BOOT_APPEND="iommu.strict=0 dmabench.phase=boot_lazy" \
    bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" max,pauth-impdef=on smmu "$work/lazy" 120 "${edu[0]}" "${edu[1]}"
"$python" "$here/check.py" smmu-lazy "$work/lazy" "$KERNEL_RELEASE"
BOOT_MACHINE=virt,iommu=smmuv3 BOOT_APPEND="iommu.passthrough=1 swiotlb=force dmabench.phase=boot_identity" \
    bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" max,pauth-impdef=on smmu "$work/passthrough" 120 "${edu[0]}" "${edu[1]}"
"$python" "$here/check.py" smmu-passthrough "$work/passthrough" "$KERNEL_RELEASE"

# The checks must be able to fail: a byte mismatch and an uncaught wrong
# address are rejected on exactly those two counts.
step "control: doctored output fails the checks"
rm -rf "$work/doctored" && cp -r "$work/smmu" "$work/doctored"
sed -i -e '0,/^EDU lazy .*match=1/s//EDU lazy to_device+from_device bytes=4032 match=0/' \
       -e '0,/^CONTROL strict wrong_iova match=0/s//CONTROL strict wrong_iova match=1/' "$work/doctored/smmu.log"
if "$python" "$here/check.py" smmu "$work/doctored" "$KERNEL_RELEASE" >"$work/doctored.log" 2>&1; then
    echo "smmu.sh: check.py accepted doctored output" >&2
    exit 1
fi
n=$(grep -c '^FAIL' "$work/doctored.log")
[[ $n -eq 2 ]] || { cat "$work/doctored.log" >&2; echo "smmu.sh: doctored output: $n failures, expected 2" >&2; exit 1; }
step "smmu system test passed"
