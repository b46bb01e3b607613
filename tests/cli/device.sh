#!/usr/bin/env bash
# kmod/devmap and `run --device`: a bad value or a missing module is one
# line and exit 2, before anything is written; without the module every
# devmap case is listed and skipped with the reason.
# Usage: device.sh <dmabench command...>
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

one_line_2() {  # what, expected word, command...
    local what=$1 word=$2; shift 2
    "$@" >"$work/out" 2>"$work/err"; local rc=$?
    [ "$rc" = 2 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q -- "$word" "$work/err" \
        && ok "$what: exit 2, one line" || bad "$what: rc=$rc: $(cat "$work/err")"
}

one_line_2 "--device eth0" "accepted" "${DB[@]}" run --device eth0 --filter '^kmod/devmap' --out "$work/a.json"
one_line_2 "--device slot 32" "accepted" "${DB[@]}" run --device 0000:00:20.0 --filter '^kmod/devmap' --out "$work/a.json"
[ ! -e "$work/a.json" ] && ok "nothing written on bad input" || bad "a record was written"

"${DB[@]}" list --filter '^kmod/devmap/' >"$work/list.txt" 2>&1 || bad "list exit"
grep -Eq '^kmod/devmap/domain:(none|strict|lazy|identity|other)/mode:single/threads:1/granule:[0-9]+/dir:to_device/size:[0-9]+' "$work/list.txt" \
    && grep -q '/mode:sg/' "$work/list.txt" && ok "devmap listed" || bad "devmap not listed: $(cat "$work/list.txt")"

if [ ! -e /dev/dmabench ]; then
    one_line_2 "--device without the module" "dmabench.ko" \
        "${DB[@]}" run --device 0000:00:01.0 --quick --filter '^kmod/devmap' --out "$work/b.json"
    grep -q "skip: /dev/dmabench absent" "$work/list.txt" && ok "devmap skipped with the reason" \
        || bad "devmap skip reason: $(head -2 "$work/list.txt")"
    "${DB[@]}" run --quick --threads 2 --filter '^kmod/devmap/' --out "$work/c.json" >/dev/null 2>"$work/run.err" \
        || bad "run without the module: $(tail -3 "$work/run.err")"
    $PY - "$work/c.json" <<'PY' && ok "record: devmap skipped, threads 1 and 2" || bad "record"
import json, sys
d = json.load(open(sys.argv[1]))
sk = [s for s in d["context"]["dmabench"]["skipped"] if s["name"].startswith("kmod/devmap/")]
assert sk and all(s["reason"].strip() for s in sk), sk
names = [s["name"] for s in sk]
assert any("/threads:2/" in n for n in names) and any("/threads:1/" in n for n in names), names
assert d["context"]["dmabench"]["options"]["device"] == ""
PY
fi

# `dmabench peer`: a kernel without dma_map_benchmark, an unknown peer or a
# bad option is one line, exit 2, and no record.
[ -d /sys/bus/pci/drivers/dma_map_benchmark ] ||
    one_line_2 "peer without dma_map_benchmark" "no dma_map_benchmark" \
        "${DB[@]}" peer dma_map_benchmark --device 0000:00:01.0 --out "$work/p.json"
one_line_2 "peer fio" "accepted: dma_map_benchmark" "${DB[@]}" peer fio --device 0000:00:01.0 --out "$work/p.json"
one_line_2 "peer without --device" "--device" "${DB[@]}" peer dma_map_benchmark --out "$work/p.json"
[ ! -e "$work/p.json" ] && ok "peer: nothing written on bad input" || bad "peer wrote a record"
"${DB[@]}" list --filter '^kmod/devmap/.*/burst:' >"$work/burst.txt" 2>&1
grep -q '/burst:1/' "$work/burst.txt" && grep -q '/burst:64/' "$work/burst.txt" && grep -q '/sizes:mixed/' "$work/burst.txt" \
    && grep -q '/pattern:rx/' "$work/burst.txt" && ok "devmap: burst:1, burst:64, sizes:mixed and pattern:rx listed" \
    || bad "devmap burst names: $(head -3 "$work/burst.txt")"
exit $fail
