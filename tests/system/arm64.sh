#!/usr/bin/env bash
# The arm64 system test: Debian's arm64 kernel under qemu-system-aarch64
# with dmabench.ko and the arm64 dmabench; the suite runs in the guest and
# its JSON comes back over the serial console.
#
#   arm64.sh DMABENCH WORKDIR
# DMABENCH: the arm64 dmabench executable (the arm64 preset's). WORKDIR: scratch
# space in the build tree. Env: DMABENCH_KERNEL_CACHE (default build/kernel-cache),
# DMABENCH_KMOD_DIR (where dmabench.ko is built, shared; default WORKDIR/kmod),
# DMABENCH_PYTHON (default python3).
set -euo pipefail
bin=${1:?usage: arm64.sh DMABENCH WORKDIR}
work=${2:?usage: arm64.sh DMABENCH WORKDIR}
. "$(dirname "$0")/common.sh"
need qemu-system-aarch64 aarch64-linux-gnu-gcc aarch64-linux-gnu-readelf cpio apt-get dpkg-deb

step "kernel and module"
module

step "kit and initramfs: the guest runs dmabench from the kit"
kit_pack
bash "$here/initramfs.sh" "$work/initrd.cpio.gz" "$kit" "$kmod/dmabench.ko"

step "boot 1: -cpu max, module + dmabench run --quick"
bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" max,pauth-impdef=on full "$work/full" 150
"$python" "$here/check.py" full "$work/full" "$KERNEL_RELEASE"

step "boot 2: -cpu cortex-a57 -icount shift=0, libpfm4's named core PMU"
bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" cortex-a57 pmu "$work/pmu" 90 -icount shift=0
"$python" "$here/check.py" pmu "$work/pmu" "$KERNEL_RELEASE"

# The checks must be able to fail: the same output with the emulation stamp
# removed and the module's busy refusal undone is rejected.
step "control: doctored output fails the checks"
rm -rf "$work/doctored" && cp -r "$work/full" "$work/doctored"
"$python" - "$work/doctored" <<'PY'
import json, sys
d = sys.argv[1]
r = json.load(open(f"{d}/result.json"))
r["context"]["dmabench"]["emulated"]["value"] = False
json.dump(r, open(f"{d}/result.json", "w"))
life = open(f"{d}/lifecycle").read()
open(f"{d}/lifecycle", "w").write(life.replace("rmmod_while_open=1", "rmmod_while_open=0"))
PY
control full "$work/doctored" 2
step "arm64 system test passed"
