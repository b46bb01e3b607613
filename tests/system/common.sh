# Sourced by every arm64 system test once it has set $work: the preamble they
# share. Gives here, python, an absolute $work, step() (a timed heading on
# stderr), need TOOL... (one line naming a missing tool, exit 1) and module
# (builds dmabench.ko once for every test, sets $kmod and sources the
# kernel's env: KERNEL_IMAGE, KERNEL_RELEASE, KERNEL_MODULES...) and
# guest_tool NAME (tests/system/NAME.c, static for the guest, as $work/NAME)
# and control MODE DIR N (check.py MODE must reject the doctored output in
# DIR on exactly N counts: the checks can fail).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${DMABENCH_PYTHON:-python3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
start=$SECONDS
step() { echo "=== [$((SECONDS - start))s] $*" >&2; }

need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null ||
            { echo "$(basename "$0"): $tool missing (bash cmake/setup.sh --all installs it)" >&2; exit 1; }
    done
}

module() {
    kmod=${DMABENCH_KMOD_DIR:-$work/kmod}  # shared by the arm64 system tests
    local env
    env=$(bash "$here/kmod_build.sh" arm64 "$kmod" "${DMABENCH_KERNEL_CACHE:-}" --image)
    # shellcheck disable=SC1090
    . "$env"
}

guest_tool() {
    aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -I "$here/../../kernels/kmod" \
        -o "$work/$1" "$here/$1.c"
}

control() {
    if "$python" "$here/check.py" "$1" "$2" "$KERNEL_RELEASE" >"$work/doctored.log" 2>&1; then
        echo "$(basename "$0"): check.py accepted doctored output" >&2
        exit 1
    fi
    local n
    n=$(grep -c '^FAIL' "$work/doctored.log")
    [[ $n -eq $3 ]] ||
        { cat "$work/doctored.log" >&2; echo "$(basename "$0"): doctored output: $n failures, expected $3" >&2; exit 1; }
}
