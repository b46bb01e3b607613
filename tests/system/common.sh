# Sourced by every system test once it has set $work (and $arch, Debian's
# name of the guest's architecture: arm64, the default, or amd64): the
# preamble they share. Gives here, python, an absolute $work, step() (a timed
# heading on stderr), need TOOL... (one line naming a missing tool, exit 1)
# and module (builds dmabench.ko once for every test, sets $kmod and sources
# the kernel's env: KERNEL_IMAGE, KERNEL_RELEASE, KERNEL_MODULES...) and
# guest_tool NAME (tests/system/NAME.c, static for the guest, as $work/NAME)
# and guest_busybox (exports BUSYBOX, a static busybox for the guest) and
# control MODE DIR N (check.py MODE must reject the doctored output in DIR
# on exactly N counts: the checks can fail).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${DMABENCH_PYTHON:-python3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
cache=${DMABENCH_KERNEL_CACHE:-$here/../../build/kernel-cache}
arch=${arch:-arm64}
case $arch in
arm64) cc=aarch64-linux-gnu-gcc ;;
amd64) cc=gcc ;;
*) echo "$(basename "$0"): ARCH '$arch': accepted: arm64 or amd64" >&2; exit 2 ;;
esac
start=$SECONDS
step() { echo "=== [$((SECONDS - start))s] $*" >&2; }

need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null ||
            { echo "$(basename "$0"): $tool missing (bash cmake/setup.sh --all installs it)" >&2; exit 1; }
    done
}

module() {
    kmod=${DMABENCH_KMOD_DIR:-$work/kmod}  # shared by one preset's system tests
    local env
    env=$(bash "$here/kmod_build.sh" "$arch" "$kmod" "$cache" --image)
    # shellcheck disable=SC1090
    . "$env"
}

# The kit the guest runs, packed from the build of $bin: sets kit to its tarball.
kit_pack() {
    rm -rf "$work/kit"
    cpack --config "$(dirname "$bin")/CPackConfig.cmake" -B "$work/kit" >"$work/kit.log" 2>&1 ||
        { cat "$work/kit.log" >&2; echo "$(basename "$0"): cpack failed" >&2; exit 1; }
    kit=$(ls "$work"/kit/dmabench-*.tar.gz)
}

guest_tool() {
    $cc -static -O2 -Wall -Wextra -Werror -I "$here/../../kernels/kmod" \
        -o "$work/$1" "$here/$1.c"
}

# arm64's is the host's /bin/busybox (busybox-static:arm64); another's is
# its package unpacked into the kernel cache (installing it would replace it).
guest_busybox() {
    export BUSYBOX=/bin/busybox
    [[ $arch == arm64 ]] && return
    BUSYBOX=$cache/busybox-$arch/bin/busybox
    [[ -x $BUSYBOX ]] && return
    rm -rf "$work/busybox" && mkdir -p "$work/busybox"
    (cd "$work/busybox" && apt-get download -qq "busybox-static:$arch" && dpkg-deb -x busybox-static_*.deb root) ||
        { echo "$(basename "$0"): apt-get download busybox-static:$arch failed" >&2; exit 1; }
    rm -rf "${BUSYBOX%/bin/busybox}" && mv "$work/busybox/root" "${BUSYBOX%/bin/busybox}"
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
