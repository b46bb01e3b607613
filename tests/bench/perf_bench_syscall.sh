#!/usr/bin/env bash
# perf bench syscall basic against dmabench's call/syscall_* in one run, in
# alternating rounds, and their ratio. Both time getppid(): perf through libc,
# dmabench through libc (syscall_libc) and through the raw instruction.
# perf reports a mean over wall-clock time, so a busy machine's lost time
# slices count; the like-for-like figure is dmabench's mean (its Time column),
# printed with its median (ns_per_call, which batches that lost the CPU hardly
# move). perf runs pinned to the PU dmabench pins to (CPU=1 by default).
#
#   bash tests/bench/perf_bench_syscall.sh [dmabench command...]
#   (default: build/release/dmabench; ROUNDS=3 LOOPS=2000000 to change)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -eq 0 ]; then
    for b in "$here/build/release/dmabench" "$here/build/release/bench/dmabench"; do
        if [ -x "$b" ]; then set -- "$b"; break; fi
    done
    [ $# -gt 0 ] || { echo "perf_bench_syscall: no build/release/dmabench; build it or name a dmabench command" >&2; exit 2; }
fi
rounds=${ROUNDS:-3}
loops=${LOOPS:-2000000}
cpu=${CPU:-1}
case "$rounds$loops$cpu" in *[!0-9]*|'') echo "ROUNDS '$rounds' / LOOPS '$loops' / CPU '$cpu': accepted: non-negative integers" >&2; exit 2;; esac
[ "$rounds" -ge 1 ] && [ "$loops" -ge 1 ] || { echo "ROUNDS '$rounds' / LOOPS '$loops': accepted: integers >= 1" >&2; exit 2; }
pin=()
command -v taskset >/dev/null 2>&1 && taskset -c "$cpu" true 2>/dev/null && pin=(taskset -c "$cpu")

perf=""
for p in perf /usr/bin/perf /usr/bin/perf_6.1; do
    if command -v "$p" >/dev/null 2>&1 && "$p" bench syscall basic -l 1000 >/dev/null 2>&1; then perf=$p; break; fi
done
if [ -z "$perf" ]; then
    echo "perf_bench_syscall: no working 'perf bench syscall' (install Debian's linux-perf)" >&2
    exit 1
fi
py=/usr/bin/python3
[ -x "$py" ] || py=python3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for r in $(seq 1 "$rounds"); do
    # usecs/op line: "       0.169287 usecs/op"
    "${pin[@]}" "$perf" bench syscall basic -l "$loops" | awk '/usecs\/op/ {print $1 * 1000}' > "$work/perf.$r"
    "$@" run --filter '^call/syscall_(libc|raw)(/|$)' --cpus "$cpu" --pmu none --out "$work/dmabench.$r.json" >/dev/null 2>"$work/dmabench.$r.err" \
        || { cat "$work/dmabench.$r.err" >&2; exit 1; }
done

"$py" - "$work" "$rounds" "$perf" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, statistics, sys
work, rounds, perf, load = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
perf_ns, libc_ns, raw_ns, libc_mean, raw_mean = [], [], [], [], []
emulated = False
for r in range(1, rounds + 1):
    perf_ns.append(float(open(f"{work}/perf.{r}").read()))
    doc = json.load(open(f"{work}/dmabench.{r}.json"))
    emulated = emulated or doc["context"].get("dmabench", {}).get("emulated", {}).get("value", False)
    for b in doc["benchmarks"]:
        # Time (real_time, ns) is per batch of calls_per_batch round trips.
        mean = b["real_time"] / b["calls_per_batch"]
        if b["name"].startswith("call/syscall_libc/"): libc_ns.append(b["ns_per_call"]); libc_mean.append(mean)
        if b["name"].startswith("call/syscall_raw/"): raw_ns.append(b["ns_per_call"]); raw_mean.append(mean)
if len(libc_ns) != rounds or len(raw_ns) != rounds:
    sys.exit("perf_bench_syscall: dmabench did not report call/syscall_libc and call/syscall_raw")
med = statistics.median
print(f"rounds: {rounds}  (perf: {perf}; load average {load}; each row the median over rounds, min..max)")
for label, xs in [("perf bench syscall basic (mean)", perf_ns),
                  ("dmabench syscall_libc (mean)", libc_mean), ("dmabench syscall_libc (median)", libc_ns),
                  ("dmabench syscall_raw (mean)", raw_mean), ("dmabench syscall_raw (median)", raw_ns)]:
    print(f"  {label:32s} {med(xs):8.1f} ns/getppid   ({min(xs):.1f}..{max(xs):.1f})")
ratios = [l / p for l, p in zip(libc_mean, perf_ns)]
print(f"ratio dmabench syscall_libc / perf bench (mean/mean):   {med(ratios):.3f}  ({min(ratios):.3f}..{max(ratios):.3f})")
print(f"ratio dmabench syscall_libc / perf bench (median/mean): {med([l / p for l, p in zip(libc_ns, perf_ns)]):.3f}")
print(f"ratio dmabench syscall_raw  / perf bench (mean/mean):   {med([r / p for r, p in zip(raw_mean, perf_ns)]):.3f}")
if emulated:
    print("NOTE: dmabench ran under emulation: its timings are not hardware numbers")
PY
