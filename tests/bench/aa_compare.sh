#!/usr/bin/env bash
# Proof that a refactoring moved no figure: two dmabench binaries run in
# turn on one machine (old, new, old, new), each `run --repetitions 5
# --interleave`, then judged by effect size with old-vs-old as the yardstick
# (a shared, noisy machine calls some benchmarks by chance; see README
# "Proof that nothing moved"):
#   - the count of benchmarks `compare` calls faster or slower, new-vs-old,
#     must be at most the old-vs-old count plus twice its square root;
#   - every benchmark whose new/old interval lies wholly outside
#     [0.97, 1.03] is listed, to be explained.
# Exit 1 when the count is exceeded.
#
#   bash tests/bench/aa_compare.sh OLD NEW [OUTDIR] [-- run options...]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
old=${1:?usage: aa_compare.sh OLD NEW [OUTDIR] [-- run options...]}
new=${2:?usage: aa_compare.sh OLD NEW [OUTDIR] [-- run options...]}
shift 2
out=$(mktemp -d)
if [[ $# -gt 0 && $1 != -- ]]; then out=$1; shift; fi
[[ ${1:-} == -- ]] && shift
mkdir -p "$out"
for run in old1:"$old" new1:"$new" old2:"$old" new2:"$new"; do
    name=${run%%:*} bin=${run#*:}
    echo "aa_compare: $name ($bin)" >&2
    "$bin" run --repetitions 5 --interleave --out "$out/$name.json" "$@" >/dev/null 2>"$out/$name.log"
done
cd "$here"
/usr/bin/python3 - "$out" <<'PY'
import math, sys
from report import compare, model, stats

out = sys.argv[1]
runs = {k: model.load(f"{out}/{k}.json") for k in ("old1", "new1", "old2", "new2")}
called = (stats.FASTER, stats.SLOWER)

def calls(base, new):
    cs = compare.compared(runs[base], runs[new])
    return cs, [c for c in cs if c.verdict.verdict in called]

aa, aa_called = calls("old1", "old2")
limit = len(aa_called) + 2 * math.sqrt(len(aa_called))
print(f"old-vs-old (old1, old2): {len(aa_called)} of {len(aa)} called; "
      f"new-vs-old may call at most {limit:.1f}")
ok = True
for base, new in (("old1", "new1"), ("old2", "new2")):
    cs, hit = calls(base, new)
    moved = [c for c in cs if c.verdict.ci_lo > 1.03 or c.verdict.ci_hi < 0.97]
    print(f"new-vs-old ({base}, {new}): {len(hit)} of {len(cs)} called, "
          f"{len(moved)} outside [0.97, 1.03]")
    for c in hit:
        v = c.verdict
        mark = "  MOVED" if c in moved else ""
        print(f"  {c.name}: {v.verdict} {v.ratio:.3f} [{v.ci_lo:.3f}, {v.ci_hi:.3f}]{mark}")
    ok = ok and len(hit) <= limit
# The machine's drift between runs, seen from the new binary alone: when it
# calls as many as new-vs-old, the calls are time, not code.
nn, nn_called = calls("new1", "new2")
print(f"new-vs-new (new1, new2), drift alone: {len(nn_called)} of {len(nn)} called")
print("within the yardstick" if ok else "MORE CALLS THAN THE YARDSTICK ALLOWS")
sys.exit(0 if ok else 1)
PY
