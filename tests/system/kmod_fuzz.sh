#!/usr/bin/env bash
# The module under hostile callers: Debian's arm64 kernel under
# qemu-system-aarch64 with slub_debug=FZPU page_poison=1 (Debian's kernel has
# no KASAN, UBSAN or KFENCE: the allocator's checks are the detector), and
# kmod_fuzz (generated from dmabench_uapi.h's request table) in the guest.
#
#   kmod_fuzz.sh WORKDIR
# Env: DMABENCH_KERNEL_CACHE, DMABENCH_PYTHON (as arm64.sh); DMABENCH_FUZZ_SEED
# (default: from the clock, printed, so a failure can be replayed).
set -euo pipefail
work=${1:?usage: kmod_fuzz.sh WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
python=${DMABENCH_PYTHON:-python3}
seed=${DMABENCH_FUZZ_SEED:-$(date +%s)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
start=$SECONDS
step() { echo "=== [$((SECONDS - start))s] $*" >&2; }

for tool in qemu-system-aarch64 aarch64-linux-gnu-gcc cpio apt-get dpkg-deb; do
    command -v "$tool" >/dev/null ||
        { echo "kmod_fuzz.sh: $tool missing (bash cmake/setup.sh --all installs it)" >&2; exit 1; }
done

step "kernel, module and fuzzer (seed $seed: DMABENCH_FUZZ_SEED=$seed replays it)"
kmod=${DMABENCH_KMOD_DIR:-$work/kmod}  # shared by the arm64 system tests
env=$(bash "$here/kmod_build.sh" arm64 "$kmod" "${DMABENCH_KERNEL_CACHE:-}" --image)
# shellcheck disable=SC1090
. "$env"
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -I "$here/../../kernels/kmod" \
    -o "$work/kmod_fuzz" "$here/kmod_fuzz.c"
bash "$here/initramfs.sh" "$work/initrd.cpio.gz" - "$kmod/dmabench.ko" "$work/kmod_fuzz"

# An edu device behind an SMMUv3: part of the fuzz maps through dma-iommu.
step "boot: slub_debug=FZPU page_poison=1, SMMUv3 + edu, 10,000 hostile requests"
BOOT_MACHINE=virt,iommu=smmuv3 BOOT_APPEND="slub_debug=FZPU page_poison=1 dmabench.seed=$seed" \
    bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" max,pauth-impdef=on fuzz "$work/fuzz" 150 \
    -device edu,dma_mask=0xffffffffffffffff
"$python" "$here/check.py" fuzz "$work/fuzz" "$KERNEL_RELEASE"

# The checks must be able to fail: the same output with an answer outside
# its class, an invalid request answered 0 and an Oops in dmesg is rejected
# on exactly those three counts.
step "control: doctored output fails the checks"
rm -rf "$work/doctored" && cp -r "$work/fuzz" "$work/doctored"
"$python" - "$work/doctored" <<'PY'
import gzip, sys
d = sys.argv[1]
log = gzip.decompress(open(f"{d}/fuzz.log.gz", "rb").read()).decode()
log += "R planted CALL ENOENT - fine -\nR planted MAP 0 ERANGE fine size\n"
open(f"{d}/fuzz.log.gz", "wb").write(gzip.compress(log.encode()))
with open(f"{d}/dmesg", "a") as f:
    f.write("[   42.000000] Internal error: Oops: 0000000096000004 [#1] SMP\n")
PY
if "$python" "$here/check.py" fuzz "$work/doctored" "$KERNEL_RELEASE" >"$work/doctored.log" 2>&1; then
    echo "kmod_fuzz.sh: check.py accepted doctored output" >&2
    exit 1
fi
n=$(grep -c '^FAIL' "$work/doctored.log")
[[ $n -eq 3 ]] || { cat "$work/doctored.log" >&2; echo "kmod_fuzz.sh: doctored output: $n failures, expected 3" >&2; exit 1; }
step "kmod fuzz system test passed"
