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
