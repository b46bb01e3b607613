#!/usr/bin/env bash
# Prints the shared-library closure of an ELF executable, one absolute path a
# line (NEEDED entries followed to closure through the multiarch directories
# of the executable's own architecture), then its dynamic loader last.
# CMake 3.25's RUNTIME_DEPENDENCIES cannot do this when cross-compiling and
# never names the loader. The kit uses it; the system test's initramfs carries
# the kit.
#
#   closure.sh EXECUTABLE
set -euo pipefail
bin=${1:?usage: closure.sh EXECUTABLE}
command -v readelf >/dev/null || { echo "closure.sh: readelf missing (install binutils)" >&2; exit 1; }
machine=$(readelf -h "$bin" 2>/dev/null | sed -n 's/^ *Machine: *//p') ||
    { echo "closure.sh: $bin: not an ELF file" >&2; exit 1; }
case $machine in
    AArch64) triplet=aarch64-linux-gnu ;;
    *X86-64) triplet=x86_64-linux-gnu ;;
    *) echo "closure.sh: $bin: machine '$machine' (accepted: AArch64, X86-64)" >&2; exit 1 ;;
esac
libdirs=(/lib/$triplet /usr/lib/$triplet)

interp=$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
[[ -n $interp ]] || { echo "closure.sh: $bin has no program interpreter (static?)" >&2; exit 1; }

# libc names the loader too: it is the one the binary asks for, listed last.
declare -A seen=(["${interp##*/}"]=$interp)
queue=("$bin")
while ((${#queue[@]})); do
    f=${queue[0]}
    queue=("${queue[@]:1}")
    for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        [[ -n ${seen[$lib]:-} ]] && continue
        found=
        for d in "${libdirs[@]}"; do
            [[ -e $d/$lib ]] && { found=$d/$lib; break; }
        done
        [[ -n $found ]] || { echo "closure.sh: $lib (needed by $f) not in ${libdirs[*]}" >&2; exit 1; }
        seen[$lib]=$found
        echo "$found"
        queue+=("$found")
    done
done
echo "$interp"
