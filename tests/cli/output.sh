#!/usr/bin/env bash
# Where a record may go, and what is never replaced: a device node, a FIFO,
# a symlink, "-", a directory; and every empty value or list element refused.
# Usage: output.sh <dmabench command...>
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

quick=(run --quick --filter '^calib/empty(/|$)' --pmu none)
is_record() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["benchmarks"][0]["name"].startswith("calib/empty")' "$1" 2>/dev/null; }
is_char()   { [[ -c $1 && ! -L $1 ]]; }

# Control: the checks below can fail.
echo x >"$work/plain"
! is_char "$work/plain" && ! is_record "$work/plain" && ok "control: a plain file is neither a device nor a record" \
    || bad "control: the checks cannot tell a plain file"

# --- device nodes the tool did not make: written into, never replaced ---------
if mknod "$work/null" c 1 3 2>/dev/null && mknod "$work/full" c 1 7 2>/dev/null; then
    "${DB[@]}" "${quick[@]}" --out "$work/null" >"$work/stdout" 2>"$work/stderr"
    rc=$?
    [[ $rc -eq 0 ]] && is_char "$work/null" && ok "--out a null device: written, still a device" \
        || bad "--out null device: rc=$rc $(ls -l "$work/null") $(tail -1 "$work/stderr")"
    "${DB[@]}" "${quick[@]}" --out "$work/full" >"$work/stdout" 2>"$work/stderr"
    rc=$?
    last=$(tail -1 "$work/stderr")
    [[ $rc -eq 1 && $last == *"$work/full"*"No space left"* ]] && is_char "$work/full" \
        && ok "--out a full device: exit 1, one line: $last" \
        || bad "--out full device: rc=$rc $(ls -l "$work/full") $last"
else
    ok "mknod refused here (not root): device nodes not checked"
fi

# --- a FIFO: opened before the run, the finished document streamed in ---------
mkfifo "$work/fifo"
start=$(date +%s)
"${DB[@]}" "${quick[@]}" --min-time 5 --out "$work/fifo" >"$work/stdout" 2>"$work/stderr"
rc=$?
[[ $rc -eq 2 && $(wc -l <"$work/stderr") -eq 1 && $(($(date +%s) - start)) -lt 5 ]] \
    && grep -q 'no reader' "$work/stderr" && [[ -p $work/fifo ]] \
    && ok "FIFO with no reader: refused at once: $(cat "$work/stderr")" \
    || bad "FIFO with no reader: rc=$rc $(cat "$work/stderr")"
cat "$work/fifo" >"$work/from_fifo" &
reader=$!
# The reader must be in its open() before dmabench looks, or it is refused as above.
for _ in $(seq 200); do
    [[ $(cat /proc/$reader/wchan 2>/dev/null) == wait_for_partner ]] && break
    sleep 0.05
done
"${DB[@]}" "${quick[@]}" --out "$work/fifo" >"$work/stdout" 2>"$work/stderr"
rc=$?
((rc == 0)) || kill $reader 2>/dev/null   # a refused run leaves cat blocked forever
wait $reader
[[ $rc -eq 0 && -p $work/fifo ]] && is_record "$work/from_fifo" && ok "FIFO with a reader: the record streamed, still a FIFO" \
    || bad "FIFO with a reader: rc=$rc $(tail -1 "$work/stderr")"

# --- "-" and /dev/stdout: the record alone on stdout --------------------------
"${DB[@]}" "${quick[@]}" --out - >"$work/dash.json" 2>"$work/stderr"
rc=$?
[[ $rc -eq 0 ]] && is_record "$work/dash.json" && grep -q 'calib/empty' "$work/stderr" \
    && ok "--out -: JSON alone on stdout, progress on stderr" || bad "--out -: rc=$rc $(head -c 200 "$work/dash.json")"
"${DB[@]}" "${quick[@]}" --out /dev/stdout 2>/dev/null | cat >"$work/piped.json"
is_record "$work/piped.json" && [[ -c /dev/null ]] && ok "--out /dev/stdout into a pipe: JSON alone" \
    || bad "--out /dev/stdout: $(head -c 200 "$work/piped.json")"

# --- progress: plain lines off a terminal, the wide table only with -v ---------
"${DB[@]}" run --quick --filter '^calib/ladder' --pmu none --out "$work/p.json" 2>"$work/progress" >/dev/null
n=$(grep -c '^\[ *[0-9]*/8\] [0-9:]*, ETA [0-9:]*  calib/ladder/adds:' "$work/progress")
[[ $n -eq 8 ]] && grep -q '^\[8/8\]' "$work/progress" && ! grep -q '^Benchmark' "$work/progress" \
    && ok "progress: 8 plain lines, done/total, elapsed, ETA, name" || bad "progress ($n lines): $(head -3 "$work/progress")"
"${DB[@]}" run --quick --filter '^calib/empty(/|$)' --pmu none -v --out "$work/p.json" 2>"$work/progress" >/dev/null
grep -q '^Benchmark ' "$work/progress" && ok "-v: Google Benchmark's table too" || bad "-v: $(head -3 "$work/progress")"

# --- symlinks stay links; their final target is written ----------------------
echo old >"$work/target.json"
ln -s target.json "$work/link.json"
ln -s link.json "$work/link2.json"
ln -s made.json "$work/dangling.json"
"${DB[@]}" "${quick[@]}" --out "$work/link2.json" >/dev/null 2>&1 \
    && [[ -L $work/link.json && -L $work/link2.json ]] && is_record "$work/target.json" \
    && ok "symlink chain: links kept, target written" || bad "symlink chain: $(ls -l "$work")"
"${DB[@]}" "${quick[@]}" --out "$work/dangling.json" >/dev/null 2>&1 \
    && [[ -L $work/dangling.json ]] && is_record "$work/made.json" \
    && ok "dangling symlink: link kept, target made" || bad "dangling symlink: $(ls -l "$work")"

# --- bad input: one line, exit 2, nothing written ------------------------------
mkdir "$work/out"
o=(--out "$work/out/x.json")
check_bad "--out a directory" run --quick --out "$work/out"
check_bad "--out in a missing directory" run --quick --out "$work/out/no/x.json"
for flag in --cpus --threads --mem-node --pmu --repetitions --min-time --cv-limit --filter; do
    check_bad "$flag ''" run "$flag" '' "${o[@]}"
    check_bad "$flag=" run "$flag=" "${o[@]}"
done
check_bad "--out ''" run --quick --out ''
check_bad "--out=" run --quick --out=
check_bad "--pmu trailing comma" run --pmu 'perf::page-faults,' "${o[@]}"
check_bad "--pmu leading comma" run --pmu ',perf::page-faults' "${o[@]}"
check_bad "--pmu empty element" run --pmu 'perf::page-faults,,perf::task-clock' "${o[@]}"
check_bad "--cpus trailing comma" run --cpus '1,' "${o[@]}"
check_bad "list --filter ''" list --filter ''
check_bad "experiment --out ''" experiment lazy-unmap --out ''
check_bad "report -o ''" report "$work/dash.json" -o ''
check_bad "compare -o=" compare "$work/dash.json" "$work/dash.json" -o=
exit $fail
