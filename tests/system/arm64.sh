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
here=$(cd "$(dirname "$0")" && pwd)
python=${DMABENCH_PYTHON:-python3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
start=$SECONDS
step() { echo "=== [$((SECONDS - start))s] $*" >&2; }

for tool in qemu-system-aarch64 aarch64-linux-gnu-gcc aarch64-linux-gnu-readelf cpio apt-get dpkg-deb; do
    command -v "$tool" >/dev/null ||
        { echo "arm64.sh: $tool missing (bash cmake/setup.sh --all installs it)" >&2; exit 1; }
done

step "kernel and module"
kmod=${DMABENCH_KMOD_DIR:-$work/kmod}  # shared by the arm64 system tests
env=$(bash "$here/kmod_build.sh" arm64 "$kmod" "${DMABENCH_KERNEL_CACHE:-}" --image)
# shellcheck disable=SC1090
. "$env"

step "kit and initramfs: the guest runs dmabench from the kit"
rm -rf "$work/kit"
cpack --config "$(dirname "$bin")/CPackConfig.cmake" -B "$work/kit" >"$work/kit.log" 2>&1 ||
    { cat "$work/kit.log" >&2; echo "arm64.sh: cpack failed" >&2; exit 1; }
bash "$here/initramfs.sh" "$work/initrd.cpio.gz" "$work"/kit/dmabench-*-arm64.tar.gz "$kmod/dmabench.ko"

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
if "$python" "$here/check.py" full "$work/doctored" "$KERNEL_RELEASE" >"$work/doctored.log" 2>&1; then
    echo "arm64.sh: check.py accepted doctored output" >&2
    exit 1
fi
n=$(grep -c '^FAIL' "$work/doctored.log")
[[ $n -eq 2 ]] || { cat "$work/doctored.log" >&2; echo "arm64.sh: doctored output: $n failures, expected 2" >&2; exit 1; }
step "arm64 system test passed"
