#!/usr/bin/env bash
# The default suite's cost, as README line 1 runs it: wall time, count of
# benchmarks, how many stopped at the cap (not at 1 %), and the slowest
# families. The target is 5 minutes on a 2-vCPU machine.
#
#   bash tests/bench/default_suite.sh [dmabench command...]   (default: build/release/dmabench)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -gt 0 ] || set -- "$here/build/release/dmabench"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s.%N)
"$@" run --out "$out/default.json" 2>"$out/progress" >/dev/null
wall=$(echo "$(date +%s.%N) - $start" | bc)
/usr/bin/python3 - "$out/default.json" "$wall" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
wall = float(sys.argv[2])
runs = [b for b in d["benchmarks"] if b.get("run_type") == "iteration"]
capped = [b["name"] for b in runs if b.get("capped")]
fam = collections.Counter(b["name"].split("/")[0] for b in runs)
stop = d["context"]["dmabench"]["options"]["stop"]
machine = d["context"]["dmabench"]["cpu"]
print(f"default suite: {len(runs)} benchmarks, {len(d['context']['dmabench']['skipped'])} skipped, "
      f"{wall:.0f} s wall ({wall / 60:.1f} min; target 5 min)")
print(f"stop rule: {stop}; {len(capped)} stopped at the cap")
print("per family:", ", ".join(f"{k} {v}" for k, v in sorted(fam.items())))
print("virtualised:", d["context"]["dmabench"]["virtualised"]["value"],
      "emulated:", d["context"]["dmabench"]["emulated"]["value"])
PY
