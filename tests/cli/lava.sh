#!/usr/bin/env bash
# `dmabench lava`: a run's headline figures as lava-test-case lines (names in
# [-_.A-Za-z0-9], each pass with a number and its units), the record
# gzipped and base64-encoded in 76 columns between DMABENCH-BEGIN/END with
# its size and sha256, and the report's LAVA reader (report/lava.py) getting
# back the same figures and the same bytes.
# Usage: lava.sh <dmabench command...>
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"
fixtures=$(cd "$(dirname "$0")/../report/fixtures" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/out"

case_re='^lava-test-case [-_.A-Za-z0-9]+ --result (pass --measurement -?[0-9][0-9.e+-]* --units (ns|x)|fail|skip)$'
# Control: the pattern rejects a measurement LAVA would drop, and a name with '/'.
for wrong in "lava-test-case a.b --result pass --measurement n/a --units ns" \
             "lava-test-case call/direct --result pass --measurement 1 --units ns"; do
    [[ $wrong =~ $case_re ]] && bad "control: '$wrong' passes the check"
done

"${DB[@]}" lava "$fixtures/x86_quick.json" >"$work/lava.txt" 2>"$work/err" || bad "lava x86_quick.json: exit $?"
grep '^lava-test-case ' "$work/lava.txt" >"$work/cases"
n=$(wc -l <"$work/cases")
off=$(grep -cvE "$case_re" "$work/cases")
[[ $n -ge 10 && $off -eq 0 ]] && ok "$n cases, each with its result, measurement and units" ||
    bad "$off of $n case lines malformed: $(grep -vE "$case_re" "$work/cases" | head -2)"
for figure in hypercall_ns hypercall_ratio flush_ns_per_line map_unmap_ns; do
    grep -q "^lava-test-case $figure\." "$work/cases" && ok "figure $figure" || bad "figure $figure missing"
done

# The record: 76 columns, its size and sha256 those of the file, the same bytes back.
sed -n '/^DMABENCH-BEGIN /,/^DMABENCH-END /p' "$work/lava.txt" >"$work/section"
read -r _ name size sum <"$work/section"
want_sum=$(sha256sum "$fixtures/x86_quick.json" | cut -d' ' -f1)
want_size=$(stat -c %s "$fixtures/x86_quick.json")
[[ $name == x86_quick.json.gz && $size == "bytes=$want_size" && $sum == "sha256=$want_sum" ]] &&
    ok "DMABENCH-BEGIN $name $size" || bad "DMABENCH-BEGIN line: $name $size $sum"
sed '1d;$d' "$work/section" >"$work/b64"
[[ $(awk 'length > 76' "$work/b64" | wc -l) -eq 0 ]] && ok "base64 in lines of at most 76" || bad "a base64 line over 76"
base64 -d "$work/b64" | gunzip | cmp -s - "$fixtures/x86_quick.json" &&
    ok "the record decodes to the same bytes" || bad "the record does not decode to the file"

# The report's reader, on these lines as a LAVA log carries them: the same
# figures from the measurements as from the record (6 significant digits).
"$PY" - "$work/lava.txt" "$fixtures/x86_quick.json" "$repo" >"$work/py" 2>&1 <<'PY'
import shlex, sys
sys.path.insert(0, sys.argv[3])
from report import lava
from report.model import Run, load
lines = open(sys.argv[1]).read().splitlines()
res = []
for l in lines:
    if l.startswith("lava-test-case "):
        w = shlex.split(l)
        o = dict(zip(w[2::2], w[3::2]))
        res.append(lava.Result(w[1], o["--result"], float(o["--measurement"]), o["--units"]))
recs = lava.records(lines)
assert len(recs) == 1 and recs[0].text == open(sys.argv[2]).read(), "record"
from_cases = lava.figures(Run(path="job", context={}, benches={}, dmabench=None, lava=res))
from_json = lava.figures(load(sys.argv[2]))
for f in lava.FIGURES:
    assert set(from_cases[f]) == set(from_json[f]), (f, set(from_cases[f]) ^ set(from_json[f]))
    for n, v in from_json[f].items():
        assert abs(from_cases[f][n] / v - 1) < 1e-5, (f, n, from_cases[f][n], v)
print("same")
PY
[[ $(cat "$work/py") == same ]] && ok "report/lava.py reads back the same figures and record" ||
    bad "report/lava.py: $(tail -2 "$work/py")"

# An experiment's record: a case per group, its verdict in the name, its ratio measured.
"${DB[@]}" lava "$fixtures/experiment_pfn.json" | grep '^lava-test-case' >"$work/exp"
[[ $(wc -l <"$work/exp") -eq 7 ]] &&
    grep -qE '^lava-test-case experiment\.pfn-valid-vs-flag\.flat\.partly_supported_1_of_2 --result pass --measurement [0-9.]+ --units x$' "$work/exp" &&
    ok "experiment: 7 groups, e.g. $(head -1 "$work/exp")" || bad "experiment cases: $(cat "$work/exp")"

check_bad "no such file" lava "$work/none.json"
check_bad "a record without the dmabench context" lava "$fixtures/plain_gbench.json"
echo '{"context": {"dmabench": {}}, "benchmarks": [1]}' >"$work/entry.json"
check_bad "a benchmarks entry that is not an object" lava "$work/entry.json"
exit $fail
