#!/bin/sh
# The kit's side of its LAVA test definition (lava.yaml): runs the suite and
# the experiments, and hands each record to `dmabench lava`, whose
# lava-test-case lines run here and whose record lines go to the job log.
# Outside a LAVA job (no lava-test-case on PATH) the lines are printed.
#
#   lava.sh SUITE_OPTIONS FILTER EXPERIMENTS
# SUITE_OPTIONS: `dmabench run` options ("" or --quick); FILTER: a --filter
# regex or ""; EXPERIMENTS: all, none, or names separated by spaces.
kit=$(dirname "$(readlink -f "$0")")
suite=$1 filter=$2 experiments=$3
out=${TMPDIR:-/tmp}/dmabench-lava
mkdir -p "$out" || exit 1
case " $suite " in *" --quick "*) quick=--quick ;; *) quick= ;; esac

case_() {
    if command -v lava-test-case >/dev/null; then lava-test-case "$@"; else echo "lava-test-case $*"; fi
}
# `dmabench lava FILE`: its case lines are run (they hold only [-_.A-Za-z0-9],
# numbers and units), every other line is the record, for the log.
cases() {
    "$kit/dmabench" lava "$1" >"$out/lava.txt" || { case_ "lava.$2" --result fail; return; }
    while IFS= read -r line; do
        case $line in
        "lava-test-case "*) eval "case_ ${line#lava-test-case }" ;;
        *) echo "$line" ;;
        esac
    done <"$out/lava.txt"
}

[ -e "$kit/dmabench.ko" ] && insmod "$kit/dmabench.ko" 2>/dev/null
# shellcheck disable=SC2086  # SUITE_OPTIONS are words
if "$kit/dmabench" run $suite ${filter:+--filter "$filter"} --out "$out/run.json"; then
    cases "$out/run.json" suite
else
    case_ suite --result fail
fi

[ "$experiments" = all ] && experiments=$("$kit/dmabench" experiment --list | cut -d' ' -f1)
[ "$experiments" = none ] && experiments=
for name in $experiments; do
    rm -f "$out/$name.json"
    if ! "$kit/dmabench" experiment "$name" $quick --out "$out/$name.json"; then
        case_ "experiment.$name" --result fail
    elif [ -s "$out/$name.json" ]; then
        cases "$out/$name.json" "experiment.$name"
    else
        case_ "experiment.$name" --result skip  # cannot run here: the log says why
    fi
done
exit 0
