#!/usr/bin/env bash
# Boots Debian's arm64 kernel with the test initramfs under qemu-system-aarch64
# (amd64's under qemu-system-x86_64; TCG: every timing is emulated) and cuts
# the results out of the console.
#
#   boot.sh KERNEL INITRD CPU MODE OUTDIR [TIMEOUT_SECONDS [QEMU_ARGS...]]
#
# CPU: a -cpu model (max,pauth-impdef=on or cortex-a57); MODE: init.sh's
# dmabench.mode. OUTDIR gets console.log and one file per result section.
# Env: BOOT_ARCH, arm64 (default) or amd64; BOOT_APPEND, more kernel
# arguments; BOOT_MACHINE, the -M value (default virt, amd64's q35); BOOT_XEN,
# a Xen image booted first, the kernel and initramfs then being dom0's (QEMU's
# guest-loader; dom0's console is hvc0, Xen's own lines start "(XEN)"),
# BOOT_XEN_APPEND its arguments; BOOT_DUMPDTB, a file: write the machine's
# device tree there instead of booting.
# Exit status 0 only when the guest printed DMABENCH-DONE.
set -euo pipefail
kernel=${1:?usage: boot.sh KERNEL INITRD CPU MODE OUTDIR [TIMEOUT [QEMU_ARGS...]]}
initrd=${2:?} cpu=${3:?} mode=${4:?} outdir=${5:?} limit=${6:-150}
shift $(($# < 6 ? $# : 6))
mkdir -p "$outdir"
rm -f "$outdir"/*

case ${BOOT_ARCH:-arm64} in
arm64) system=qemu-system-aarch64 machine=virt console=ttyAMA0 ;;
amd64) system=qemu-system-x86_64 machine=q35 console=ttyS0 ;;
*) echo "boot.sh: BOOT_ARCH '$BOOT_ARCH': accepted: arm64 or amd64" >&2; exit 2 ;;
esac
append="panic=-1 dmabench.mode=$mode ${BOOT_APPEND:-}"
if [[ -n ${BOOT_XEN:-} ]]; then
    load=(-kernel "$BOOT_XEN" -append "console=dtuart dtuart=/pl011@9000000 ${BOOT_XEN_APPEND:-}"
          -device "guest-loader,addr=0x49000000,kernel=$kernel,bootargs=console=hvc0 $append"
          -device "guest-loader,addr=0x50000000,initrd=$initrd")
else
    load=(-kernel "$kernel" -initrd "$initrd" -append "console=$console $append")
fi

# -nic none: no network ROM to look for. QEMU_ARGS such as -icount shift=0
# (one instruction per virtual ns: the PMU's instruction event then counts).
qemu=("$system" -M "${BOOT_MACHINE:-$machine}" -cpu "$cpu" -smp 2 -m 1024
      -nographic -nic none -no-reboot -monitor none -serial stdio "${load[@]}" "$@")
if [[ -n ${BOOT_DUMPDTB:-} ]]; then  # the machine's device tree, to edit and pass back with -dtb
    "${qemu[@]}" -machine dumpdtb="$BOOT_DUMPDTB" </dev/null >"$outdir/dumpdtb.log" 2>&1 ||
        { cat "$outdir/dumpdtb.log" >&2; exit 1; }
    exit 0
fi
set +e
timeout --foreground -k 5 "$limit" "${qemu[@]}" </dev/null >"$outdir/console.log" 2>&1
rc=$?
set -e
tr -d '\r' <"$outdir/console.log" >"$outdir/console.txt"

# Each DMABENCH-BEGIN/END section, base64-decoded, into OUTDIR/<name>.
awk -v dir="$outdir" '
    /^DMABENCH-BEGIN / { name = $2; file = dir "/" name ".b64"; printf "" > file; next }
    /^DMABENCH-END /   { if (name != "") { close(file); split($3, kv, "="); print kv[2] > (dir "/" name ".rc"); close(dir "/" name ".rc") } name = ""; next }
    /^\(XEN\)/         { next }
    name != ""         { print >> file }
' "$outdir/console.txt"
for f in "$outdir"/*.b64; do
    [[ -e $f ]] || continue
    base64 -d "$f" >"${f%.b64}" || echo "boot.sh: section $(basename "${f%.b64}") is not valid base64" >&2
    rm -f "$f"
done
if ! grep -q '^DMABENCH-DONE' "$outdir/console.txt"; then
    echo "boot.sh: the guest did not finish (qemu exit $rc, limit ${limit}s); console tail:" >&2
    tail -n 40 "$outdir/console.txt" >&2
    exit 1
fi
