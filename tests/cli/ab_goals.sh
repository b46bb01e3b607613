#!/usr/bin/env bash
# The A/B's goals on this machine (tests/bench/ab_goals.py): two default runs
# of one binary (an A/A) get at most 1 % of their benchmarks called, and a
# planted 5 % change of any one family in a copy of the first run is called in
# at least 90 % of that family and nowhere else. Native builds only: under
# an emulator the times are qemu's (the goal is about a real machine's noise).
# Usage: ab_goals.sh <dmabench command...>
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"
if [ ${#DB[@]} -gt 1 ]; then
    ok "skipped under an emulator (${DB[0]}): the goals are about a real machine's run-to-run spread"
    exit 0
fi
for n in 1 2; do
    "${DB[@]}" run --out "$work/run$n.json" >/dev/null 2>"$work/run$n.err" \
        || bad "run $n: $(tail -2 "$work/run$n.err")"
done
here=$(cd "$(dirname "$0")/../.." && pwd)
if "$PY" "$here/tests/bench/ab_goals.py" "$work/run1.json" "$work/run2.json" >"$work/goals.out" 2>&1; then
    ok "A/A and planted change: $(head -1 "$work/goals.out")"
else
    bad "A/B goals missed:"; cat "$work/goals.out"
fi
# The control: the planted change must also be caught by `dmabench compare`
# itself, end to end, in its summary (what changed, largest first).
"$PY" - "$work/run1.json" "$work/planted.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for e in doc["benchmarks"]:
    if e.get("run_name", "").startswith("calib/"):
        for k in list(e):
            if k in ("real_time", "cpu_time") or k.startswith("ns_per_"):
                e[k] *= 1.05
json.dump(doc, open(sys.argv[2], "w"))
PY
"${DB[@]}" compare "$work/run1.json" "$work/planted.json" -o "$work/cmp" >/dev/null 2>"$work/cmp.err" \
    || bad "compare: $(cat "$work/cmp.err")"
grep -q '^Changed, largest first:' "$work/cmp/summary.txt" && grep -q '^calib/' "$work/cmp/summary.txt" \
    && grep -q 'slower 1.050x' "$work/cmp/summary.txt" \
    && ok "compare's summary leads with the planted calib change" \
    || bad "planted change not in summary.txt: $(head -20 "$work/cmp/summary.txt")"
cat "$work/goals.out"
exit $fail
