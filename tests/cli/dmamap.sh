#!/usr/bin/env bash
# dmamap/ end to end: the composed paths run (or say why not), their pieces
# add up, the hypercall and unmap counts are the ones each path claims, and
# lazy unmapping really batches.
# Usage: dmamap.sh <dmabench command...>   (e.g. qemu-aarch64 -L / dmabench)
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

"${DB[@]}" info --json >"$work/info.json" 2>/dev/null || bad "info --json"
$PY - "$work/info.json" <<'PY' && ok "every dmamap variant is described" || bad "dmamap variants"
import json, sys
v = {x["name"]: x for x in json.load(open(sys.argv[1]))["variants"] if x["name"].startswith("dmamap/")}
for p in ["native", "native_coherent", "xen_local", "xen_hypercall", "map_asymmetric", "temp_mapping", "swiotlb"]:
    assert "dmamap/" + p in v, p
    assert v["dmamap/" + p]["description"], p
    assert v["dmamap/" + p]["runs"] or v["dmamap/" + p]["skip"], p
PY

start=$(date +%s.%N)
"${DB[@]}" run --filter '^dmamap/' --quick --out "$work/dm.json" >/dev/null 2>"$work/run.err" \
    || bad "run: $(tail -3 "$work/run.err")"
echo "     dmamap --quick wall time: $(echo "$(date +%s.%N) - $start" | bc) s"
$PY - "$work/dm.json" <<'PY' && ok "pairs, shares and piece counts" || bad "pairs, shares and piece counts"
import json, sys
d = json.load(open(sys.argv[1]))
ctx = d["context"]["dmabench"]
runs = [b for b in d["benchmarks"] if b["name"].startswith("dmamap/") and b.get("run_type", "iteration") == "iteration"]
# sg_sync times lists, not pairs: checked on its own below.
sg = [b for b in runs if b["name"].startswith("dmamap/sg_sync/")]
runs = [b for b in runs if b not in sg]
for b in sg:
    assert abs(b["real_time"] - b["ns_per_list"]) <= 1e-6 * b["real_time"], b["name"]
    n = int(b["name"].split("entries:")[1].split("/")[0])
    assert abs(b["ns_per_entry"] * n - b["ns_per_list"]) <= 1e-6 * b["ns_per_list"], b["name"]
assert len(sg) == 8, [b["name"] for b in sg]  # 2 dirs x 2 lengths x 2 syncs in --quick
skipped = {s["name"]: s["reason"] for s in ctx["skipped"] if s["name"].startswith("dmamap/")}
assert runs, "no dmamap benchmark ran"
assert all(r.strip() for r in skipped.values()), "a skip without a reason"
def arg(b, key):
    for part in b["name"].split("/"):
        if part.startswith(key + ":"): return part.split(":", 1)[1]
by = {}
for b in runs:
    path = b["name"].split("/")[1]
    size, dir_ = int(arg(b, "size")), arg(b, "dir")
    pages = max(1, -(-size // 4096))
    back = dir_ != "to_device"
    assert b["ns_per_pair"] > 0, b["name"]
    # One iteration is one map+unmap pair: Time is the mean ns per pair.
    assert abs(b["real_time"] - b["ns_per_pair"]) <= 1e-6 * b["ns_per_pair"], (b["name"], b["real_time"])
    shares = [v for k, v in b.items() if k.startswith("share_")]
    assert shares and abs(sum(shares) - 1) < 1e-6, (b["name"], shares)
    assert all(0 <= s <= 1 for s in shares), b["name"]
    if path == "xen_hypercall":
        assert b["hypercall_per_pair"] == pages * (1 + back), b["name"]
    if path == "map_asymmetric":
        assert b.get("hypercall_per_pair", 0) == pages * back, b["name"]
    if path in ("xen_local", "xen_hypercall", "map_asymmetric", "temp_mapping"):
        assert b["lookup_per_pair"] == 2, b["name"]
    if path == "swiotlb":
        assert b["copy_per_pair"] == (dir_ != "from_device") + back, b["name"]
    if path == "temp_mapping":
        by[int(arg(b, "unmap_batch"))] = b
# Lazy unmapping batches: an eager pair unmaps once per mapping, a batch of K
# pages once per K pages.
if by:
    eager = by[1]
    assert abs(eager["unmap_syscalls_per_pair"] - eager["mmap_per_pair"]) < 1e-9, eager
    for k, b in by.items():
        assert b["unmap_syscalls_per_pair"] <= b["mmap_per_pair"] / k + 0.05, (k, b["unmap_syscalls_per_pair"])
hv = ctx["hypervisor"]
names = [b["name"] for b in runs]
if ctx["arch"] == "x86_64" and hv.get("signature") == "KVMKVMKVM":
    assert any(n.startswith("dmamap/xen_hypercall/") for n in names), "a KVM guest must run xen_hypercall for real"
if ctx["arch"] == "arm64":
    assert any(n.startswith("dmamap/xen_hypercall/") for n in skipped) or any(n.startswith("dmamap/xen_hypercall/") for n in names)
for b in runs:
    if "size:4096" in b["name"]:
        print(f"     {b['name'][7:].replace('/manual_time', ''):62s} {b['ns_per_pair']:10.0f} ns/pair")
PY
exit $fail
