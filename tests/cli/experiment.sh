#!/usr/bin/env bash
# `dmabench calibrate` and `dmabench experiment` as a user runs them.
# Usage: experiment.sh <dmabench command...>
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

"${DB[@]}" calibrate >"$work/cal.txt" 2>&1 && grep -q '^ladder' "$work/cal.txt" && ok "calibrate" \
    || bad "calibrate: $(cat "$work/cal.txt")"
"${DB[@]}" calibrate --json >"$work/cal.json" || bad "calibrate --json exit"
$PY - "$work/cal.json" <<'PY' && ok "calibrate --json: ladder linear, drift measured" || bad "calibrate --json"
import json, sys
c = json.load(open(sys.argv[1]))
for k in ["timer", "empty_ns", "ladder_before", "ladder_after", "drift", "nominal", "user_cycle_counter"]:
    assert k in c, k
l = c["ladder_before"]
assert c["empty_ns"] > 0 and 0 <= l["r2"] <= 1, c
# On a real (or virtualised) CPU the ladder is linear and one add is a cycle.
# Under qemu the adds are translated code with no such law: not checked.
if not c["emulated"]["value"]:
    assert l["r2"] > 0.98 and 0.1 < l["implied_ghz"] < 7, l
assert c["timer"]["hz"] > 1e6
PY

"${DB[@]}" experiment --list >"$work/list.txt" && [[ $(wc -l <"$work/list.txt") -eq 7 ]] && grep -q "^iommu-strict-vs-lazy " "$work/list.txt" \
    && ok "experiment --list" || bad "experiment --list: $(cat "$work/list.txt")"
"${DB[@]}" experiment no-such-claim >/dev/null 2>"$work/err"; rc=$?
[[ $rc -eq 2 && $(wc -l <"$work/err") -eq 1 ]] && ok "unknown experiment: $(cat "$work/err")" \
    || bad "unknown experiment: rc=$rc $(cat "$work/err")"

# hypercall-vs-call: on any x86_64 guest an exit runs for real (one from
# dmabench's own KVM guest where /dev/kvm works, a KVM hypercall, else CPUID's VM exit) and the claim must come out supported, naming its path;
# elsewhere the experiment says what cannot run or why there is nothing to compare.
"${DB[@]}" experiment hypercall-vs-call --quick --out "$work/e.json" >"$work/e.txt" 2>"$work/e.err" \
    || bad "experiment run: $(tail -3 "$work/e.err")"
cat "$work/e.txt"
kvm=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["context"]["dmabench"]["hypervisor"]["name"])' "$work/e.json" 2>/dev/null)
$PY - "$work/e.json" "$kvm" <<'PY' && ok "experiment record and verdict" || bad "experiment record"
import json, sys
d = json.load(open(sys.argv[1])); kvm = sys.argv[2] == "KVM"
ctx = d["context"]["dmabench"]
e = ctx["experiment"]
assert e["name"] == "hypercall-vs-call"
# A verdict per group (here: per baseline), named together in the finding.
verdicts = ("supported", "contradicted", "split", "partly supported", "not supported",
            "contradicted in part", "too few repetitions", "inconclusive", "nothing to compare")
assert e["verdict"].startswith(verdicts), e["verdict"]
for g in e.get("groups", []):
    assert g["verdict"].startswith(verdicts) and g["group"] in e["finding"], g
if e["verdict"] == "nothing to compare":  # no exit here (arm64 user space), or CPUID did not exit
    assert e["why"] and (e["cannot_run"] or "not a VM exit" in e["why"]), e
    raise SystemExit(0)
assert e["path"]["name"] and e["path"]["stamp"], e.get("path")
if ctx["arch"] == "x86_64" and ctx["virtualised"]["value"] and not ctx["emulated"]["value"]:
    assert e["verdict"] == "supported", (e["verdict"], e["path"])  # never inconclusive in a guest
    assert all(c["subject"] == e["path"]["name"] for c in e["comparisons"]), "one path only"
for c in e["comparisons"]:
    assert c["ci95"][0] <= c["ratio"] <= c["ci95"][1], c
    assert c["outcome"] in ("supports", "contradicts", "no significant difference", "too few repetitions")
if kvm and d["context"]["dmabench"]["arch"] == "x86_64":
    # vm/ first (dmabench's own guest, both sides), whose call an emulating KVM also emulates.
    own = e["path"]["name"].startswith("vm/")
    vs_direct = [c for c in e["comparisons"] if c["baseline"].startswith("vm/guest:direct" if own else "call/direct/")]
    least = 1 if own and "EMULATED" in e["path"]["stamp"] else 50
    assert vs_direct and vs_direct[0]["ratio"] > least, vs_direct  # thousands of cycles vs a call
    assert e["verdict"] == "supported", e["verdict"]
else:
    assert e["cannot_run"], "a machine without KVM must say which pieces cannot run"
PY
grep -q '^verdict' "$work/e.txt" || bad "no verdict line"
grep -q '^path ' "$work/e.txt" && ok "the verdict names its path: $(grep '^path ' "$work/e.txt")" || bad "no path line"

# batched-sync runs in user space on any host and gives a verdict.
"${DB[@]}" experiment batched-sync --quick --out "$work/b.json" >"$work/b.txt" 2>"$work/b.err" \
    || bad "batched-sync: $(tail -3 "$work/b.err")"
$PY - "$work/b.json" <<'PY' && ok "batched-sync: a verdict, every comparison per_list vs per_entry" || bad "batched-sync record"
import json, sys
e = json.load(open(sys.argv[1]))["context"]["dmabench"]["experiment"]
assert e["name"] == "batched-sync" and e["comparisons"], e
for c in e["comparisons"]:
    assert "sync:per_list" in c["subject"] and "sync:per_entry" in c["baseline"], c
    assert c["subject"].replace("per_list", "per_entry") == c["baseline"], c
assert not e["verdict"].startswith("inconclusive: no pair"), e["verdict"]
PY
# pfn-valid-vs-flag picks its subjects by the lookup family's tags, not by a
# list of names: every replica that models an era and is no baseline (but
# xen_p2m_walk, a diagnostic), each a group that keeps its era, against flag
# and pfn_ne_mfn.
"${DB[@]}" experiment pfn-valid-vs-flag --quick --out "$work/p.json" >"$work/p.txt" 2>"$work/p.err" \
    || bad "pfn-valid-vs-flag: $(tail -3 "$work/p.err")"
$PY - "$work/p.json" <<'PY' && ok "pfn-valid-vs-flag: one group per era, by tags" || bad "pfn-valid-vs-flag record"
import json, sys
ctx = json.load(open(sys.argv[1]))["context"]["dmabench"]
e, cases = ctx["experiment"], ctx["cases"]
eras = {t["variant"] for t in cases.values()
        if t["family"] == "lookup" and t["baseline"] is False and t.get("era")} - {"xen_p2m_walk"}
assert len(eras) >= 7 and "xen_p2m" in eras and "memblock" in eras, eras
groups = {g["group"]: g for g in e["groups"]}
assert set(groups) == eras, (sorted(groups), sorted(eras))
for c in e["comparisons"]:
    s, b = cases[c["subject"]], cases[c["baseline"]]
    assert s["variant"] == c["group"] and b["variant"] in ("flag", "pfn_ne_mfn"), c
    assert groups[c["group"]]["era"] == s["era"], c
    assert s["args"] == b["args"], c  # same map, pattern, share, chain
PY

# iommu-strict-vs-lazy needs a named device: without one it says so, runs
# nothing and writes nothing (the control: the same with --list lists it).
"${DB[@]}" experiment iommu-strict-vs-lazy --quick --out "$work/i.json" >"$work/i.txt" 2>&1
rc=$?
[[ $rc -eq 0 && ! -e $work/i.json ]] && grep -q '^cannot run kmod/devmap.*--device' "$work/i.txt" \
    && grep -q '^verdict    not run: no device named' "$work/i.txt" && grep -q '^iommu-strict-vs-lazy ' "$work/list.txt" \
    && ok "iommu-strict-vs-lazy without --device: why, nothing run or written" \
    || bad "iommu-strict-vs-lazy without --device: rc=$rc $(cat "$work/i.txt")"
exit $fail
