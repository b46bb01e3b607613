#!/usr/bin/env bash
# The kit as a board sees it: packed by CPack from this build, unpacked into a
# temporary directory, and run in a private mount namespace where the host's
# libraries of the kit's architecture and the source tree are empty tmpfs
# mounts (a -L sysroot is not enough: qemu-user falls back to host paths).
# Its runs must then render on the host as a board of two machines: two
# emulated CPU models for arm64 (QEMU_CPU), the kit's run and a committed
# arm64 run for x86_64. Controls: the same kit without its libraries, and this
# build's own binary, must fail in the same namespace; one run twice is one
# machine.
#
#   kit.sh ARCH BUILD_DIR SOURCE_DIR DMABENCH...
# ARCH: arm64 or x86_64; DMABENCH: this build's binary as the host runs it
# (with its emulator). Env: DMABENCH_PYTHON (default python3).
set -euo pipefail
usage="usage: kit.sh arm64|x86_64 BUILD_DIR SOURCE_DIR DMABENCH..."
arch=${1:?$usage}
build=${2:?$usage}
src=${3:?$usage}
shift 3
host=("$@")
((${#host[@]})) || { echo "$usage" >&2; exit 2; }
python=${DMABENCH_PYTHON:-python3}
start=$SECONDS
step() { echo "=== [$((SECONDS - start))s] $*" >&2; }
fail() { echo "kit.sh: FAIL: $*" >&2; exit 1; }

case $arch in
    arm64) triplet=aarch64-linux-gnu ;;
    x86_64) triplet=x86_64-linux-gnu ;;
    *) echo "kit.sh: ARCH '$arch' (accepted: arm64, x86_64)" >&2; exit 2 ;;
esac
for tool in cpack tar unshare mount hostname; do
    command -v "$tool" >/dev/null || fail "$tool missing"
done
ns=(unshare -m -u)
((EUID == 0)) || ns+=(-r)
"${ns[@]}" true 2>/dev/null || { echo "kit.sh: skipped: no private mount namespace here (${ns[*]})" >&2; exit 77; }

work=$(mktemp -d /tmp/dmabench-kit.XXXXXX)  # outside the source tree, which gets hidden
trap '[[ -n ${KIT_KEEP:-} ]] || rm -rf "$work"' EXIT

# What gets hidden: the source tree, then every directory holding the kit
# architecture's libraries (the cross toolchain's too); mount runs from the
# host, so the host's own libraries go last and a directory seen twice
# (/lib -> usr/lib) once.
masks=("$src")
for d in "/usr/$triplet" "/lib/$triplet" "/usr/lib/$triplet"; do
    [[ -d $d ]] || continue
    for m in "${masks[@]}"; do [[ $d -ef $m ]] && continue 2; done
    masks+=("$d")
done
# masked HOSTNAME CMD...: CMD in the kit-unpacked-elsewhere world, from $work/cwd.
masked() {
    "${ns[@]}" bash -c 'hostname "$1"; n=$2; shift 2
        for m in "${@:1:n}"; do mount -t tmpfs none "$m"; done
        cd "$CWD" && exec "${@:n+1}"' _ "$1" ${#masks[@]} "${masks[@]}" "${@:2}"
}
export CWD=$work/cwd
mkdir -p "$CWD"

step "pack: cpack in $build"
cpack --config "$build/CPackConfig.cmake" -B "$work/pack" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log" >&2; fail "cpack failed"; }
version=$("${host[@]}" --version)
re='^dmabench ([0-9][0-9.]*) \(git ([^ ]+)\)$'
[[ $version =~ $re ]] ||
    fail "--version printed '$version' (expected 'dmabench <version> (git <revision>)')"
ver=${BASH_REMATCH[1]}
rev=${BASH_REMATCH[2]}
tarball=$work/pack/dmabench-$ver-$arch.tar.gz
[[ -f $tarball ]] || fail "no $tarball: $(ls "$work/pack")"
echo "$(basename "$tarball"): $(du -k "$tarball" | cut -f1) KiB" >&2

step "unpack"
mkdir "$work/unpacked"
tar xzf "$tarball" -C "$work/unpacked"
kit=$work/unpacked/dmabench-$ver-$arch
for f in dmabench README.md lava.yaml lava.sh bin/dmabench kmod/Makefile kmod/Kbuild kmod/main.c results/runs; do
    [[ -e $kit/$f ]] || fail "kit lacks $f"
done
loader=$(echo "$kit"/lib/ld-linux*.so.*)
[[ -x $loader ]] || fail "kit lacks its dynamic loader in lib/"
if grep -rIlF "$src" "$kit"; then fail "kit text files name the source tree $src"; fi

# arm64: the launcher itself (host sh, then qemu-aarch64 on the kit's loader).
# x86_64: the launcher's own exec line, as sh cannot start once the host's
# x86_64 libraries are hidden; the launcher is run unmasked below.
if [[ $arch == arm64 ]]; then
    command -v qemu-aarch64 >/dev/null || fail "qemu-aarch64 missing (install qemu-user)"
    kitcmd=("$kit/dmabench")
else
    kitcmd=("$loader" --library-path "$kit/lib" "$kit/bin/dmabench")
    [[ $("$kit/dmabench" --version) == "$version" ]] || fail "launcher --version: not '$version'"
fi

step "kit, host libraries hidden: --version, info"
out=$(masked board-a "${kitcmd[@]}" --version) || fail "--version failed in the kit"
[[ $out == "$version" ]] || fail "kit --version '$out', build '$version'"
masked board-a "${kitcmd[@]}" info >"$work/info.txt" || fail "info failed in the kit"
grep -q '^machine ' "$work/info.txt" || fail "info printed no machine line"

step "kit, host libraries hidden: run --quick"
runs=()
boards=(board-a)
[[ $arch == arm64 ]] && boards+=(board-b)
cpus=(cortex-a57 cortex-a72)  # qemu-user's CPU model (MIDR) per arm64 board
for i in "${!boards[@]}"; do
    board=${boards[$i]}
    path=$(QEMU_CPU=${cpus[$i]} masked "$board" "${kitcmd[@]}" run --quick \
               --filter '^call/(direct|ops_table)/' 2>"$work/run-$board.err") ||
        { cat "$work/run-$board.err" >&2; fail "run failed in the kit ($board)"; }
    [[ $path == "$kit/results/runs/$board-"*.json && -f $path ]] ||
        fail "run wrote '$path', expected $kit/results/runs/$board-<UTC>.json"
    runs+=("$path")
done
[[ $arch == x86_64 ]] && runs+=("$src/tests/report/fixtures/arm64_quick.json")
"$python" - "${runs[0]}" "$ver" "$rev" <<'PY' || fail "the record's identity"
import json, sys
path, ver, rev = sys.argv[1:]
d = json.load(open(path))["context"]["dmabench"]
assert d["version"] == ver and d["git_revision"] == rev, (d["version"], d["git_revision"])
assert d["host"] == "board-a", d["host"]
assert any(b["name"].startswith("call/direct/") for b in json.load(open(path))["benchmarks"])
PY

step "kit: report refused with one line, exit 2"
rc=0
masked board-a "${kitcmd[@]}" report 2>"$work/report.err" || rc=$?
[[ $rc -eq 2 && $(wc -l <"$work/report.err") -eq 1 ]] && grep -q workstation "$work/report.err" ||
    fail "kit report: exit $rc, stderr: $(cat "$work/report.err")"

step "controls: without the kit's libraries, and this build's binary, in the same namespace"
cp -a "$kit" "$work/nolibs"
find "$work/nolibs/lib" -type f ! -name 'ld-linux*' -delete
if [[ $arch == arm64 ]]; then nolibs=("$work/nolibs/dmabench"); else
    nolibs=("$work/nolibs/lib/$(basename "$loader")" --library-path "$work/nolibs/lib" "$work/nolibs/bin/dmabench")
fi
if masked board-a "${nolibs[@]}" --version >/dev/null 2>&1; then
    fail "control: the kit without its libraries ran: the host's libraries are not hidden"
fi
cp "${host[-1]}" "$work/loose"  # the build's binary, outside the hidden source tree
if masked board-a "${host[@]:0:${#host[@]}-1}" "$work/loose" --version >/dev/null 2>&1; then
    fail "control: the build's own binary ran with the host's libraries hidden"
fi

step "workstation: report of the kit's runs is a board of two machines"
"${host[@]}" report "${runs[@]}" -o "$work/board" >"$work/board.log" 2>&1 ||
    { cat "$work/board.log" >&2; fail "report of the kit runs"; }
grep -q 'dmabench board: 2 machines' "$work/board/summary.txt" || fail "summary.txt: not a board of 2 machines"
# Control: the same run twice is one machine, and the check above says so.
cp "${runs[0]}" "$work/again.json"
"${host[@]}" report "${runs[0]}" "$work/again.json" -o "$work/same" >"$work/same.log" 2>&1 ||
    { cat "$work/same.log" >&2; fail "report of one run twice"; }
grep -q 'dmabench board: 2 runs on 1 machine$' "$work/same/summary.txt" ||
    fail "control: one machine's run twice does not read as one machine"
step "kit.$arch passed"
