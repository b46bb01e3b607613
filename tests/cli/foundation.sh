#!/usr/bin/env bash
# dmabench as a user runs it: info, list, run --quick, the record, compare.py,
# every bad input of the foundation issue, and an interrupted run.
# Usage: foundation.sh <dmabench command...>   (e.g. qemu-aarch64 -L / dmabench)
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

# --- info -------------------------------------------------------------------
"${DB[@]}" info >"$work/info.txt" 2>&1 && grep -q '^emulated' "$work/info.txt" \
    && ok "info" || bad "info: $(head -3 "$work/info.txt")"
"${DB[@]}" info --json >"$work/info.json" || bad "info --json exit"
$PY - "$work/info.json" <<'PY' && ok "info --json keys" || bad "info --json keys"
import json, sys
j = json.load(open(sys.argv[1]))
for k in ["arch", "cpu", "cache_line_bytes", "timer", "kernel", "hypervisor", "emulated",
          "topology", "pmu", "variants"]:
    assert k in j, k
assert j["cache_line_bytes"] in (32, 64, 128, 256)
assert any(v["name"] == "calib/ladder" and v["runs"] for v in j["variants"])
PY
arch=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["arch"])' "$work/info.json")
emulated=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["emulated"]["value"])' "$work/info.json")
[[ $arch == arm64 && $emulated != True ]] && [[ ${DB[0]} == *qemu* ]] && bad "qemu-user not detected"

# --- list -------------------------------------------------------------------
"${DB[@]}" list --filter '^calib/' >"$work/list.txt" && [[ $(grep -c 'runs here' "$work/list.txt") -eq 9 ]] \
    && ok "list --filter" || bad "list: $(cat "$work/list.txt")"
"${DB[@]}" list --json | $PY -c 'import json,sys; l=json.load(sys.stdin); assert all("/" in x["name"] for x in l); assert len(l) >= 9' \
    && ok "list --json" || bad "list --json"

# --- run --quick: the whole default suite -------------------------------------
start=$(date +%s.%N)
"${DB[@]}" run --quick --out "$work/a.json" >"$work/run.out" 2>"$work/run.err" || bad "run --quick: $(tail -3 "$work/run.err")"
wall=$(echo "$(date +%s.%N) - $start" | bc)
echo "     run --quick wall time: ${wall} s ($arch)"
if [[ $arch == x86_64 ]] && (( $(echo "$wall > 30" | bc) )); then bad "run --quick took ${wall} s (> 30 s)"; fi
[[ $(cat "$work/run.out") == "$work/a.json" ]] && ok "run prints the result path" || bad "run stdout: $(cat "$work/run.out")"
$PY - "$work/a.json" "$arch" "$emulated" <<'PY' && ok "record schema" || bad "record schema"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["context"]["dmabench"]
for k in ["schema_version", "arch", "cpu", "cache_line_bytes", "timer", "kernel", "hypervisor",
          "emulated", "virtualised", "topology", "pmu", "variants", "skipped", "command_line",
          "pinning", "git_revision", "host"]:
    assert k in c, k
assert c["schema_version"] == 2 and c["arch"] == sys.argv[2]
assert str(c["emulated"]["value"]) == sys.argv[3]
assert "--quick" in c["command_line"]
names = [b["name"] for b in d["benchmarks"]]
assert "calib/empty/manual_time" in names and "calib/ladder/adds:64/manual_time" in names, names[:5]
# One iteration is one operation: Time is the family's ns_per_<op>, found by the case's tags.
cases = c["cases"]
for b in d["benchmarks"]:
    t = cases[b["run_name"]]
    assert {"family", "variant", "args", "op", "unit"} <= set(t), t
    want = b["ns_per_" + t["op"]]
    assert abs(b["real_time"] - want) <= 1e-6 * want, (b["name"], b["real_time"], want)
assert all(n.count("/") >= 1 for n in names)
# Pinning achieved is recorded: every benchmark says which PU it ran on.
assert all(b.get("label", "").startswith("pu:") for b in d["benchmarks"] if b["name"].startswith("calib/"))
ev = {e["name"]: e for e in c["pmu"]["events"]}
assert all(e["available"] or e["reason"] for e in ev.values())
fit = c["calibration"]["ladder"]
assert fit["slope_ns_per_add"] > 0, fit
PY
# Software PMU events count for real where perf_event_open exists (not under qemu-user).
if [[ $emulated != True ]]; then
    "${DB[@]}" run --quick --filter '^calib/empty/manual_time$' --pmu perf::task-clock,perf::page-faults \
        --out "$work/pmu.json" >/dev/null 2>&1
    $PY -c '
import json, sys
b = json.load(open(sys.argv[1]))["benchmarks"][0]
assert b["perf::task-clock"] > 0.1, b  # ns of task clock per iteration
assert "perf::task-clock/call" in b' "$work/pmu.json" && ok "pmu counters in the record" || bad "pmu counters"
fi

# --- a filter that matches only variants skipped here: a record of skips ----
"${DB[@]}" run --filter '^call/hypercall_ptp_kvm' --out "$work/skips.json" >/dev/null 2>"$work/skips.err"
if grep -q 'KVM virtual PTP' /sys/class/ptp/*/clock_name 2>/dev/null; then
    ok "ptp_kvm present: nothing skipped to check"
else
    $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["benchmarks"] == [] and d["context"]["dmabench"]["skipped"][0]["reason"]' "$work/skips.json"         && ok "only-skipped filter writes a record of skips" || bad "only-skipped filter: $(cat "$work/skips.err")"
fi

# --- compare.py reads a dmabench file unchanged -------------------------------
if [[ -f /usr/share/benchmark/compare.py ]]; then
    "${DB[@]}" run --quick --filter '^calib/' --out "$work/b.json" >/dev/null 2>&1
    $PY /usr/share/benchmark/compare.py benchmarks "$work/a.json" "$work/b.json" >"$work/cmp.txt" 2>&1 \
        && grep -q 'calib/ladder/adds:64' "$work/cmp.txt" && ok "compare.py" || bad "compare.py: $(tail -5 "$work/cmp.txt")"
fi

# --- bad input: one line, exit 2, nothing written ------------------------------
mkdir "$work/out"
o=(--out "$work/out/x.json")
check_bad "subcommand"   frobnicate
check_bad "flag"         run --frobnicate "${o[@]}"
check_bad "cpus 99"      run --cpus 99 "${o[@]}"
check_bad "cpus 3-1"     run --cpus 3-1 "${o[@]}"
check_bad "cpus x"       run --cpus x "${o[@]}"
check_bad "pmu"          run --pmu no_such_event "${o[@]}"
check_bad "out"          run --out /nonexistent/dir/x.json
check_bad "reps 0"       run --repetitions 0 "${o[@]}"
check_bad "reps -1"      run --repetitions -1 "${o[@]}"
check_bad "min-time"     run --min-time 1x "${o[@]}"
check_bad "threads 0"    run --threads 0 "${o[@]}"
check_bad "threads 999"  run --threads 999 "${o[@]}"
check_bad "filter"       run --filter '(' "${o[@]}"
check_bad "no match"     run --filter '^nothing$' "${o[@]}"
check_bad "gbench flag"  run "${o[@]}" -- --not_a_benchmark_flag
check_bad "mem-node"     run --mem-node 77 "${o[@]}"
check_bad "gbench unknown" run "${o[@]}" -- --benchmark_nonsense=1
check_bad "domain alone" run --domain strict "${o[@]}"
check_bad "domain name"  run --device 00:01.0 --domain fast "${o[@]}"
check_bad "device"       run --device eth0 "${o[@]}"
check_bad "dma-bits 80"  run --dma-bits 80 "${o[@]}"
check_bad "delay -1"     run --delay -1 "${o[@]}"
check_bad "xen-grant 0"  run --xen-grant 0:8 "${o[@]}"
check_bad "xen-grant x"  run --xen-grant 1 "${o[@]}"
check_bad "experiment domain" experiment iommu-strict-vs-lazy --device 00:01.0 --dma-bits 7 --out "$work/out/e.json"

# --- SIGINT / SIGTERM: no partial file, earlier results untouched ---------------
cp "$work/a.json" "$work/out/earlier.json"
sum=$(md5sum <"$work/out/earlier.json")
for sig in INT TERM; do
    "${DB[@]}" run --filter '^calib/' --min-time 2 --out "$work/out/cut.json" >/dev/null 2>&1 &
    pid=$!
    sleep 2
    kill -$sig $pid
    wait $pid
    rc=$?
    if [[ $rc -ne 0 && ! -e $work/out/cut.json && $(ls -A "$work/out") == earlier.json \
          && $(md5sum <"$work/out/earlier.json") == "$sum" ]]; then
        ok "SIG$sig leaves no file (rc=$rc)"
    else
        bad "SIG$sig: rc=$rc files: $(ls -A "$work/out")"
    fi
done
exit $fail
