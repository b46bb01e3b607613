#!/usr/bin/env bash
# The LAVA system test: a real lava-run job (lava-dispatcher, no server)
# boots Debian's arm64 kernel under qemu-system-aarch64 with the arm64 kit in
# the initramfs and runs the kit's own test definition (cmake/kit/lava.yaml)
# in its --quick form; every figure must come back as a lava-test-case with
# its measurement, and the fleet report must render the job's output.
#
#   lava.sh DMABENCH WORKDIR
# DMABENCH: the arm64 dmabench executable (the arm64 preset's). Runs as root
# (lava-run needs it). Env: DMABENCH_KERNEL_CACHE, DMABENCH_PYTHON.
set -euo pipefail
bin=${1:?usage: lava.sh DMABENCH WORKDIR}
work=${2:?usage: lava.sh DMABENCH WORKDIR}
. "$(dirname "$0")/common.sh"
need lava-run qemu-system-aarch64 cpio apt-get dpkg-deb
((EUID == 0)) || { echo "lava.sh: lava-run needs root" >&2; exit 1; }

step "kernel, kit and initramfs"
env=$(bash "$here/fetch_kernel.sh" arm64 "$cache" --image)
# shellcheck disable=SC1090
. "$env"
rm -rf "$work/root"
kit_pack
mkdir -p "$work/root"/{bin,proc,sys,dev,tmp,dmabench}
cp /bin/busybox "$work/root/bin/busybox"
tar xzf "$kit" -C "$work/root/dmabench" --strip-components=1
# LAVA's shell on the console: busybox covers what its test shell needs.
cat >"$work/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /tmp
echo 1 >/proc/sys/kernel/printk
exec setsid cttyhack sh -l
INIT
chmod 755 "$work/root/init"
(cd "$work/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$work/initrd.cpio"

# job NAME [--doctor]: lava-run's stderr into WORKDIR/NAME.log.
job() {
    "$python" "$here/lava_job.py" "$1" "$work" "$KERNEL_IMAGE" "$work/initrd.cpio" \
        "$here/../../cmake/kit/lava.yaml" "${2:-}"
    rm -rf "${work:?}/$1"
    set +e
    timeout -k 5 240 lava-run --job-id "$((RANDOM + 1))" --output-dir "$work/$1" \
        --device "$work/device.yaml" "$work/$1.yaml" 2>"$work/$1.log" >/dev/null
    local rc=$?
    set -e
    ((rc == 0)) || { tail -n 30 "$work/$1.log" >&2; echo "lava.sh: lava-run $1 failed ($rc)" >&2; exit 1; }
}

step "lava-run: the kit's definition, --quick"
job suite
"$python" "$here/lava_check.py" "$work/suite.log"

# The check must be able to fail: a job whose times come back in the wrong
# unit and whose flush cases are missing (lava_job.py --doctor).
step "control: a doctored job is caught"
job doctored --doctor
if "$python" "$here/lava_check.py" "$work/doctored.log" >"$work/doctored.check" 2>&1; then
    echo "lava.sh: lava_check.py accepted the doctored job" >&2
    exit 1
fi
grep -q "units" "$work/doctored.check" && grep -q "missing" "$work/doctored.check" ||
    { cat "$work/doctored.check" >&2; echo "lava.sh: the doctored job failed for another reason" >&2; exit 1; }

# A fleet of the two jobs: the control doctored only its case lines, and
# its record, which the report prefers, came back whole. One CPU: grouped.
step "the fleet report from the two job outputs"
rm -rf "$work/fleet"
(cd "$here/../.." && "$python" -m report render "$work/suite.log" "$work/doctored.log" \
    -o "$work/fleet" >"$work/fleet.out")
"$python" "$here/lava_check.py" --fleet "$work/fleet"
step "lava system test passed"
