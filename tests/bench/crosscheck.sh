#!/usr/bin/env bash
# dmabench against measurements it did not make, one run each, as ratios:
#   1. call/syscall_*  vs  perf bench syscall basic (Debian linux-perf)
#   2. call/hypercall  vs  a separate VMMCALL/VMCALL loop timed with
#                          clock_gettime (no dmabench code, no Google Benchmark)
#   3. the add ladder  vs  the CPU's nominal clock, where the machine states one
#   bash tests/bench/crosscheck.sh [dmabench command...]
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
(($#)) || set -- "$here/build/release/dmabench"
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== 1. system call: dmabench vs perf bench syscall basic"
bash "$here/tests/bench/perf_bench_syscall.sh" "$@" || echo "   (not available here)"

echo "== 2. hypercall: dmabench call/hypercall vs an independent loop"
cat >"$work/vmexit.c" <<'C'
/* N hypercalls from user space, timed by the kernel's clock: KVM answers
   VMMCALL (AMD) / VMCALL (Intel) at CPL3 with -KVM_EPERM after a full exit. */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
int main(void) {
    unsigned a, b, c, d;
    char vendor[13] = {0};
    __cpuid(0, a, b, c, d);
    memcpy(vendor, &b, 4); memcpy(vendor + 4, &d, 4); memcpy(vendor + 8, &c, 4);
    int amd = strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0;
    const long n = 200000;
    struct timespec t0, t1;
    double best = 1e30;
    for (int round = 0; round < 5; ++round) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (long i = 0; i < n; ++i) {
            unsigned long rax = 0;
            if (amd) __asm__ volatile("vmmcall" : "+a"(rax) :: "memory");
            else     __asm__ volatile("vmcall"  : "+a"(rax) :: "memory");
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
        if (ns < best) best = ns;
    }
    printf("%.2f\n", best);
    return 0;
}
C
if [[ $(uname -m) == x86_64 ]] && grep -q hypervisor /proc/cpuinfo && gcc -O2 -o "$work/vmexit" "$work/vmexit.c" 2>/dev/null \
   && "$work/vmexit" >"$work/vmexit.ns" 2>/dev/null; then
    "$@" run --filter '^call/(hypercall|direct)/' --repetitions 5 --pmu none --out "$work/call.json" >/dev/null 2>&1
    $py - "$work/call.json" "$(cat "$work/vmexit.ns")" <<'PY'
import json, statistics, sys
doc = json.load(open(sys.argv[1])); loop = float(sys.argv[2])
hc = [b["ns_per_call"] for b in doc["benchmarks"]
      if b["name"].startswith("call/hypercall/") and b.get("run_type") == "iteration"]
if not hc:
    sys.exit("   dmabench ran no call/hypercall here")
m = statistics.median(hc)
print(f"   dmabench call/hypercall   {m:9.1f} ns   (median of {len(hc)} repetitions)")
print(f"   independent VMMCALL loop  {loop:9.1f} ns   (best of 5 rounds, clock_gettime)")
print(f"ratio dmabench / independent: {m / loop:.3f}")
PY
else
    echo "   not a KVM x86_64 guest here (or the loop faulted): no independent hypercall loop"
fi

echo "== 3. add ladder vs the nominal clock"
"$@" calibrate --json >"$work/cal.json" 2>/dev/null
$py - "$work/cal.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
l = c["ladder_before"]
print(f"   ladder: {l['slope_ns_per_add']:.4f} ns per add = {l['implied_ghz']:.3f} GHz, R^2 {l['r2']:.5f}")
if "ladder_vs_nominal" in c:
    print(f"   nominal: {c['nominal']['ghz']:.3f} GHz ({c['nominal']['source']})")
    print(f"ratio ladder / nominal: {c['ladder_vs_nominal']:.3f}  (above 1: a boost clock)")
else:
    print(f"   nominal: unknown ({c['nominal']['source']}): no ratio")
if c["emulated"]["value"]:
    print("NOTE: emulated: " + c["emulated"]["how"])
elif c["virtualised"]["value"]:
    print("NOTE: virtualised: " + c["virtualised"]["how"])
PY
