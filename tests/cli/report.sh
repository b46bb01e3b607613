#!/usr/bin/env bash
# report/ end to end through the dmabench binary, as a user runs it: a run,
# `dmabench report` of it, and `dmabench compare` of two runs printing a
# verdict table; a bad file gets one line and exit status 2.
# Usage: report.sh <dmabench command...>   (e.g. qemu-aarch64 -L / dmabench)
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

filter='^calib/ladder/adds:(0|64)/manual_time$'
for n in a b; do
    "${DB[@]}" run --filter "$filter" --repetitions 5 --min-time 0.01 --out "$work/$n.json" \
        >/dev/null 2>"$work/run-$n.err" || bad "run $n: $(tail -2 "$work/run-$n.err")"
done

"${DB[@]}" report "$work/a.json" -o "$work/rep" >"$work/rep.out" 2>"$work/rep.err" \
    && ok "report exit 0" || bad "report: $(cat "$work/rep.err")"
for f in index.html report.md summary.txt plots/calib.png plots/calib.svg; do
    [ -s "$work/rep/$f" ] && ok "report wrote $f" || bad "report did not write $f"
done
grep -q '^Machine: ' "$work/rep/summary.txt" && ok "summary names the machine" \
    || bad "no machine line in summary.txt"
grep -q 'calib/ladder/adds:64' "$work/rep/tables.txt" && ok "tables.txt lists the benchmarks" \
    || bad "calib/ladder/adds:64 missing from tables.txt"
awk 'length > 72 { exit 1 }' "$work/rep/summary.txt" && ok "summary within 72 columns" \
    || bad "summary.txt has lines over 72 columns"
emulated=$("${PY}" -c 'import json, sys; print(json.load(open(sys.argv[1]))["context"]["dmabench"]["emulated"]["value"])' "$work/a.json" 2>/dev/null)
if [ "$emulated" = True ]; then
    grep -q 'class="banner emulated"' "$work/rep/index.html" && ok "emulated banner" \
        || bad "emulated run without its banner"
fi

"${DB[@]}" compare "$work/a.json" "$work/b.json" -o "$work/cmp" >"$work/cmp.out" 2>"$work/cmp.err" \
    && ok "compare exit 0" || bad "compare: $(cat "$work/cmp.err")"
grep -q 'NEW/BASE' "$work/cmp.out" && ok "compare prints the verdict table" \
    || bad "no verdict table on stdout: $(head -5 "$work/cmp.out")"
n=$(grep -cE '(faster|slower|no significant change|too few repetitions)$' "$work/cmp.out")
[ "$n" -eq 2 ] && ok "a verdict per benchmark" || bad "expected 2 verdict rows, found $n"

printf '{"context": {}, "benchmarks": [' >"$work/cut.json"
"${DB[@]}" report "$work/cut.json" -o "$work/bad" >/dev/null 2>"$work/bad.err"
rc=$?
[ "$rc" -eq 2 ] && ok "truncated file: exit 2" || bad "truncated file: exit $rc"
[ "$(wc -l <"$work/bad.err")" -eq 1 ] && grep -q 'truncated JSON' "$work/bad.err" \
    && ok "truncated file: one line" || bad "truncated file: $(cat "$work/bad.err")"
[ ! -e "$work/bad" ] && ok "nothing written for a bad file" || bad "output written for a bad file"
exit $fail
