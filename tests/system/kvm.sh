#!/usr/bin/env bash
# vm/ on arm64 KVM: Debian's arm64 kernel under qemu-system-aarch64 with
# virtualization=on starts at EL2 as a KVM host (TCG: every figure EMULATED);
# dmabench runs vm/ there, its own guest making real KVM arm64 exits (hvc,
# an MMIO exit to user space, the vGICv3's GICD_IIDR), each counted by
# KVM's statistics; hypercall-vs-call takes vm/exit:hvc. The control, in the
# same boot: the guest's hvc loop with a nop for its hvc must fail the check. Not folded into system.arm64_boot:
# virtualization=on moves QEMU's PSCI conduit to SMC, which changes what
# kmod/hypercall times there.
#
#   kvm.sh DMABENCH WORKDIR
# DMABENCH: the arm64 dmabench executable (the arm64 preset's). Env as arm64.sh.
set -euo pipefail
bin=${1:?usage: kvm.sh DMABENCH WORKDIR}
work=${2:?usage: kvm.sh DMABENCH WORKDIR}
. "$(dirname "$0")/common.sh"
need qemu-system-aarch64 aarch64-linux-gnu-gcc cpio apt-get dpkg-deb

step "kernel and module"
module

step "kit and initramfs"
kit_pack
bash "$here/initramfs.sh" "$work/initrd.cpio.gz" "$kit" "$kmod/dmabench.ko"

step "boot: -M virt,virtualization=on,gic-version=3 -cpu max: the kernel at EL2, /dev/kvm"
BOOT_MACHINE=virt,virtualization=on,gic-version=3 \
    bash "$here/boot.sh" "$KERNEL_IMAGE" "$work/initrd.cpio.gz" max,pauth-impdef=on kvm "$work/kvm" 120

# check.py-style: every line FAIL or ok; exit 1 on any FAIL.
step "check: figures, exit counts, stamps; the control fails"
"$python" - "$work/kvm" <<'PY'
import json, sys
d = sys.argv[1]
fails = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok: fails.append(what)
def load(name):
    try: return json.load(open(f"{d}/{name}"))
    except Exception as e: check(False, f"{name}: {e}"); sys.exit(1)
mode = open(f"{d}/kvm-mode").read()
check("/dev/kvm" in mode and "mode initialized" in mode, "the kernel is a KVM host: " + mode.strip().replace("\n", "; "))
r, c = load("vm.json"), load("vm-control.json")
ctx = r["context"]["dmabench"]
check(ctx["emulated"]["value"] is True, "the record is stamped EMULATED")
ran = {b["name"].removesuffix("/manual_time"): b for b in r["benchmarks"]}
want = ["vm/exit:hvc", "vm/exit:mmio_user", "vm/exit:mmio_kernel/dev:vgic3", "vm/guest:direct", "vm/guest:empty"]
for n in want:
    b = ran.get(n)
    check(b is not None and not b.get("error_occurred"), f"{n} ran: {b and b.get('error_message', '')}")
    if not b or b.get("error_occurred"): continue
    t = ctx["cases"][b["name"]]
    check(b["real_time"] > 0 and b["guest_ns"] > 0, f"{n}: {b['real_time']:.0f} ns, guest {b['guest_ns']:.0f} ns")
    check(t["kvm_mode"] == "vhe" and t["midr"].startswith("0x") and t["guest_counter_hz"] > 0,
          f"{n}: kvm_mode {t['kvm_mode']}, midr {t['midr']}, counter {t['guest_counter_hz']:.0f} Hz")
    if t["kind"] == "exit":
        check(b["exits_per_op"] == 1 and t["exit_stamp"].startswith("EMULATED"),
              f"{n}: {b['exits_per_op']} exits per op by KVM's statistics; stamp {t['exit_stamp'][:40]}...")
cb = {b["name"].removesuffix("/manual_time"): b for b in c["benchmarks"]}.get("vm/exit:hvc", {})
msg = cb.get("error_message", "")
check(cb.get("error_occurred") and "hvc_exit_stat counted 0 exits" in msg, f"control: the guest without hvc fails: {msg}")
e = load("vm-experiment.json")["context"]["dmabench"]["experiment"]
path = e.get("path", {}).get("name", "")
check(path.startswith("vm/exit:hvc") and e["verdict"] == "supported" and e["comparisons"] and
      all(c["baseline"].startswith("vm/guest:direct") for c in e["comparisons"]),
      f"hypercall-vs-call takes vm/: {path}, {e['verdict']}, " +
      ", ".join(f"{c['ratio']:.0f}x {c['baseline']}" for c in e["comparisons"]))
sys.exit(1 if fails else 0)
PY
step "arm64 KVM system test passed"
