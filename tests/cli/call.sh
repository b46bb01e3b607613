#!/usr/bin/env bash
# call/ end to end: every path is listed, runs or says why not, and the ratio
# counters make sense; on a KVM x86 guest the hypercall runs for real.
# Usage: call.sh <dmabench command...>   (e.g. qemu-aarch64 -L / dmabench)
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

"${DB[@]}" list --filter '^call/' >"$work/list.txt" 2>&1 || bad "list exit"
for v in empty direct ops_table syscall_libc syscall_raw trap hypercall hypercall_ptp_kvm vm_exit; do
    grep -q "^call/$v/" "$work/list.txt" && ok "listed call/$v" || bad "call/$v not listed: $(cat "$work/list.txt")"
done

"${DB[@]}" run --filter '^call/' --quick --out "$work/call.json" >/dev/null 2>"$work/run.err" \
    || bad "run: $(tail -3 "$work/run.err")"
$PY - "$work/call.json" <<'PY' && ok "call counters and skips" || bad "call counters and skips"
import json, sys
d = json.load(open(sys.argv[1]))
ctx = d["context"]["dmabench"]
ran = {b["name"].split("/")[1]: b for b in d["benchmarks"] if b["name"].startswith("call/")}
skipped = {s["name"].split("/")[1]: s["reason"] for s in ctx["skipped"] if s["name"].startswith("call/")}
for v in ["empty", "direct", "ops_table", "syscall_libc", "syscall_raw", "trap", "hypercall", "hypercall_ptp_kvm", "vm_exit"]:
    assert (v in ran) != (v in skipped), f"{v}: must either run or be skipped"
    assert v not in skipped or skipped[v].strip(), f"{v}: skipped without a reason"
for v in ["empty", "direct", "ops_table", "syscall_libc", "syscall_raw", "trap"]:
    assert v in ran, f"{v} must run everywhere"
for v, b in ran.items():
    for k in ["ns_per_call", "direct_ns", "empty_ns", "ratio_to_direct", "ratio_to_direct_p10", "ratio_to_direct_p90"]:
        assert k in b and b[k] > 0, f"{v}: {k} missing or not positive"
    assert b["ratio_to_direct_p10"] <= b["ratio_to_direct"] <= b["ratio_to_direct_p90"], v
# The direct path against its own interleaved reference: the same thing twice.
assert 0.5 < ran["direct"]["ratio_to_direct"] < 2, ran["direct"]["ratio_to_direct"]
# Leaving user space costs more than a call, emulated or not.
for v in ["syscall_libc", "syscall_raw", "trap"]:
    assert ran[v]["ratio_to_direct"] > 3, (v, ran[v]["ratio_to_direct"])
hv = ctx["hypervisor"]
if ctx["arch"] == "x86_64" and hv.get("signature") == "KVMKVMKVM":
    assert "hypercall" in ran, "a KVM guest must run call/hypercall: " + skipped.get("hypercall", "")
    assert ran["hypercall"]["ratio_to_direct"] > 10, ran["hypercall"]["ratio_to_direct"]
if ctx["arch"] == "arm64":
    assert "EL0" in skipped["hypercall"], skipped["hypercall"]
    assert "x86" in skipped["vm_exit"], skipped["vm_exit"]
# Every exit names its path, and CPUID is judged by its cost: an exit under a
# hypervisor costs several system calls, natively it costs less than one.
for b in d["benchmarks"]:
    parts = b["name"].split("/")
    if parts[1] in ("hypercall", "hypercall_ptp_kvm", "vm_exit"):
        assert parts[2].startswith("exit:"), b["name"]
        assert b["ratio_to_syscall_raw"] > 0, b["name"]
def check_vm_exit(x):
    assert x["vm_exit"] == (1 if x["ratio_to_syscall_raw"] >= 2 and hv["present"] else 0), x
    if ctx["virtualised"]["value"]:
        assert x["vm_exit"] == 1, ("CPUID in this guest did not exit", x["ratio_to_syscall_raw"])
if ctx["arch"] == "x86_64" and not ctx["emulated"]["value"]:
    x = ran["vm_exit"]
    check_vm_exit(x)
    try:  # control: a doctored verdict is caught
        check_vm_exit(dict(x, vm_exit=1 - x["vm_exit"]))
        raise SystemExit("control: a flipped vm_exit passed")
    except AssertionError:
        pass
    case = ctx["cases"][x["name"]]
    assert case["kind"] == "exit" and case["exit_stamp"], case
for v in sorted(ran):
    b = ran[v]
    print(f"     {v:18s} {b['ns_per_call']:10.1f} ns  x{b['ratio_to_direct']:.1f} direct")
PY
exit $fail
