# Sourced by every tests/cli/*.sh: the dmabench command under test (with its
# emulator, if any) is "$@"; checks report "ok"/"FAIL" lines and the script
# ends with `exit $fail`.
DB=("$@")
PY=${DMABENCH_PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
ok()  { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
# check_bad WHAT ARGS...: dmabench ARGS is bad input: exit 2, one line on
# stderr, nothing on stdout, nothing written into $work/out.
check_bad() {
    local what=$1; shift
    "${DB[@]}" "$@" >"$work/stdout" 2>"$work/stderr"
    local rc=$? lines
    lines=$(wc -l <"$work/stderr")
    if [[ $rc -eq 2 && $lines -eq 1 && ! -s $work/stdout && -z $(ls -A "$work/out") ]]; then
        ok "bad input $what: $(cat "$work/stderr")"
    else
        bad "bad input $what: rc=$rc lines=$lines: $(head -3 "$work/stderr")"
    fi
}
