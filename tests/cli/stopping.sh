#!/usr/bin/env bash
# Adaptive stopping (bench/harness.cpp Plan): a case alone stops once the 95 %
# CI of its mean per operation is within --precision, or at --max-time, and
# says which; Time stays the mean per operation over every operation run.
# Usage: stopping.sh <dmabench command...>
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

"${DB[@]}" run --quick --filter '^(calib|call|lookup)/' --precision 0.02 --max-time 0.05 --pmu none \
    --out "$work/a.json" >/dev/null 2>"$work/err" || bad "run: $(tail -2 "$work/err")"
check='
import json, sys
d = json.load(open(sys.argv[1]))
stop = d["context"]["dmabench"]["options"]["stop"]
assert stop == {"rule": "adaptive", "precision": 0.02, "max_time_s": 0.05}, stop
runs = [b for b in d["benchmarks"] if b.get("run_type") == "iteration"]
assert runs
for b in runs:
    assert "iterations:" not in b["name"], b["name"]
    assert b["capped"] in (0, 1), b
    # Stopped early only when tight; capped only when not.
    assert (b["ci95_relative"] <= 0.02) != bool(b["capped"]), (b["name"], b["ci95_relative"], b["capped"])
    op = d["context"]["dmabench"]["cases"][b["run_name"]]["op"]
    assert abs(b["real_time"] - b["ns_per_" + op]) <= 1e-6 * b["real_time"], b["name"]
    # Every batch holds ops_per_batch operations; at least 16 batches ran.
    per = b[op + "s_per_batch"]
    assert b["iterations"] % per == 0 and b["iterations"] // per >= 16, (b["name"], b["iterations"], per)
print(len(runs), "benchmarks,", sum(b["capped"] for b in runs), "capped")
'
$PY -c "$check" "$work/a.json" && ok "adaptive: tight or capped, Time per operation" || bad "adaptive stopping"
# Control: a record whose uncapped case is not tight fails the check.
$PY - "$work/a.json" "$work/doctored.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
b = next(b for b in d["benchmarks"] if not b["capped"])
b["ci95_relative"] = 0.5
json.dump(d, open(sys.argv[2], "w"))
PY
$PY -c "$check" "$work/doctored.json" >/dev/null 2>&1 && bad "control: a doctored record passed" \
    || ok "control: a loose uncapped case is caught"

# --min-time: Google Benchmark's own loop, recorded as such.
"${DB[@]}" run --filter '^calib/empty' --min-time 0.01 --pmu none --out "$work/m.json" >/dev/null 2>&1
$PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["context"]["dmabench"]["options"]["stop"] == {"rule": "min_time", "min_time_s": 0.01}
assert "capped" not in d["benchmarks"][0]' "$work/m.json" && ok "--min-time: Google Benchmark's loop" || bad "--min-time"

mkdir "$work/out"
for args in "--precision 0" "--precision x" "--max-time 0" "--max-time -1" "--quick --full"; do
    "${DB[@]}" run $args --out "$work/out/x.json" >/dev/null 2>"$work/err"
    rc=$?
    [[ $rc -eq 2 && $(wc -l <"$work/err") -eq 1 && -z $(ls -A "$work/out") ]] \
        && ok "bad input $args: $(cat "$work/err")" || bad "bad input $args: rc=$rc $(cat "$work/err")"
done
exit $fail
