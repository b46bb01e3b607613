#!/usr/bin/env bash
# lookup/ end to end: every replica is listed and runs in --quick, each case
# answers what its workload implies (local_share), the profiles and the host
# map run or say why not, and a malformed user profile is bad input (exit 2,
# one line naming file and line).
# Usage: lookup.sh <dmabench command...>   (e.g. qemu-aarch64 -L / dmabench)
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

"${DB[@]}" list --filter '^lookup/' >"$work/list.txt" 2>&1 || bad "list exit"
for v in memblock memblock_nomap sparsemem sparsemem_s30 sparsemem_memblock flat xen_p2m xen_p2m_walk flag pfn_ne_mfn; do
    grep -q "^lookup/$v/" "$work/list.txt" && ok "listed lookup/$v" || bad "lookup/$v not listed"
done
for m in rpi3 server-efi numa2 xen-dom0 host regions-1 regions-4096; do
    grep -q "/map:$m/" "$work/list.txt" && ok "map $m listed" || bad "map $m not listed"
done
grep '/map:host/' "$work/list.txt" | head -1 | sed 's/^/     /'

start=$(date +%s)
"${DB[@]}" run --filter '^lookup/' --quick --out "$work/quick.json" >/dev/null 2>"$work/run.err" \
    || bad "quick run: $(tail -3 "$work/run.err")"
echo "     quick run took $(( $(date +%s) - start )) s"
# A few full-sweep cases on the profiles, where the answer is known.
"${DB[@]}" run --full --filter '^lookup/(xen_p2m|flag|memblock|sparsemem)/map:xen-dom0/nodes:384/pattern:random_ram/foreign:(0|100)/chain:branch/manual_time$|^lookup/memblock_nomap/map:(server-efi|host)/nodes:0/pattern:sequential/foreign:0/chain:data/manual_time$' \
    --min-time 0.01 --out "$work/profiles.json" >/dev/null 2>"$work/run2.err" \
    || bad "profile run: $(tail -3 "$work/run2.err")"

$PY - "$work/quick.json" "$work/profiles.json" <<'PY' && ok "lookup answers and counters" || bad "lookup answers and counters"
import json, sys
quick = json.load(open(sys.argv[1]))
prof = json.load(open(sys.argv[2]))
# Names as declared: Google Benchmark's /manual_time suffix set aside.
ran = {b["name"].removesuffix("/manual_time"): b for b in quick["benchmarks"]}
variants = {n.split("/")[1] for n in ran}
want = {"memblock", "memblock_nomap", "sparsemem", "sparsemem_s30", "sparsemem_memblock", "flat",
        "xen_p2m", "xen_p2m_walk", "flag", "pfn_ne_mfn"}
assert variants == want, variants ^ want
for n, b in ran.items():
    assert b["ns_per_lookup"] > 0, n
    # One iteration is one lookup: Time is the mean ns per lookup.
    assert abs(b["real_time"] - b["ns_per_lookup"]) <= 1e-6 * b["ns_per_lookup"], (n, b["real_time"])
    assert b.get("error_occurred") is not True, n
    # random_ram locals are RAM, foreign frames are not: every replica sees the share.
    share = int(n.split("foreign:", 1)[1].split("/")[0]) / 100
    assert abs(b["local_share"] - (1 - share)) < 1e-3, (n, b["local_share"])
for chain in ["data", "branch"]:
    assert ran[f"lookup/memblock/map:regions-1024/nodes:0/pattern:random_ram/foreign:0/chain:{chain}"]["regions"] == 1024
    assert ran[f"lookup/xen_p2m/map:regions-16/nodes:512/pattern:random_ram/foreign:50/chain:{chain}"]["p2m_nodes"] == 512
p = {b["name"].removesuffix("/manual_time"): b for b in prof["benchmarks"]}
for r in ["xen_p2m", "flag", "memblock", "sparsemem"]:
    assert p[f"lookup/{r}/map:xen-dom0/nodes:384/pattern:random_ram/foreign:0/chain:branch"]["local_share"] == 1, r
    assert p[f"lookup/{r}/map:xen-dom0/nodes:384/pattern:random_ram/foreign:100/chain:branch"]["local_share"] == 0, r
# server-efi walks its RAM in order: NOMAP is never drawn, every answer is local.
assert p["lookup/memblock_nomap/map:server-efi/nodes:0/pattern:sequential/foreign:0/chain:data"]["local_share"] == 1
host = [s for s in prof["context"]["dmabench"]["skipped"] if "/map:host/" in s["name"]]
assert ("lookup/memblock_nomap/map:host/nodes:0/pattern:sequential/foreign:0/chain:data" in p) != bool(host)
# Tags in the record say what each case is: experiments and plots select by them.
tags = prof["context"]["dmabench"]["cases"]
t = tags["lookup/flag/map:xen-dom0/nodes:384/pattern:random_ram/foreign:0/chain:branch/manual_time"]
assert t["kind"] == "alternative" and t["baseline"] is True and t["map_kind"] == "profile", t
t = tags["lookup/memblock/map:xen-dom0/nodes:384/pattern:random_ram/foreign:0/chain:branch/manual_time"]
assert t["kind"] == "pfn_valid" and t["baseline"] is False and "v3.7" in t["era"], t
for s in host:
    assert s["reason"].startswith("no host memory map: "), s
    print("     host skipped:", s["reason"])
ctx = quick["context"]["dmabench"]
maps = [v for v in ctx["variants"] if v["name"] == "lookup/maps"]
assert maps and "host: " in maps[0]["description"] and "profiles/xen-dom0.json" in maps[0]["description"], maps
print("     " + maps[0]["description"].split("; host: ")[1])
stamp = " (emulated)" if ctx["emulated"]["value"] else " (virtualised)" if ctx["hypervisor"].get("present") else ""
for n in sorted(ran, key=lambda n: ran[n]["ns_per_lookup"]):
    print(f"     {n:80s} {ran[n]['ns_per_lookup']:8.2f} ns{stamp}")
PY

# A malformed user profile: exit 2 and one line naming the file and line.
printf '{\n  "name": "bad",\n  "source": "test",\n  "regions": [\n    {"base": "0x1000", "size": "12 pages"}\n  ]\n}\n' >"$work/bad.json"
DMABENCH_LOOKUP_PROFILE="$work/bad.json" "${DB[@]}" list --filter '^lookup/' >/dev/null 2>"$work/bad.err"
rc=$?
[[ $rc == 2 ]] && ok "bad profile exits 2" || bad "bad profile exit $rc"
grep -q "bad.json:5: \"size\" takes an unsigned integer" "$work/bad.err" && ok "error names file and line" \
    || bad "error text: $(cat "$work/bad.err")"
[[ $(wc -l <"$work/bad.err") == 1 ]] && ok "one line" || bad "more than one line: $(cat "$work/bad.err")"
DMABENCH_LOOKUP_PROFILE="$work/missing.json" "${DB[@]}" list >/dev/null 2>"$work/missing.err"
[[ $? == 2 ]] && grep -q "cannot read" "$work/missing.err" && ok "missing profile exits 2" || bad "missing profile: $(cat "$work/missing.err")"
# A good user profile joins the sweep under its own name.
printf '{"name": "mine", "source": "test", "regions": [{"base": "0x80000000", "size": "1GiB"}]}\n' >"$work/good.json"
DMABENCH_LOOKUP_PROFILE="$work/good.json" "${DB[@]}" list --filter '^lookup/flat/map:mine/' >"$work/good.txt" 2>&1
grep -q "lookup/flat/map:mine/" "$work/good.txt" && ok "user profile listed" || bad "user profile: $(cat "$work/good.txt")"
exit $fail
