"""The findings that lead summary.txt, index.html and report.md: their numbers
are recomputed here from the fixture's raw entries (not through the report
package), the summary keeps to 40 x 72, and what a run lacks is left out."""
import copy
import json
import math
import os
import re
import statistics

import pytest

from conftest import fixture, load_json, read, run_report, text_rows
from report import cli, findings, stats, textfmt
from report.model import load

X86 = "x86_quick.json"
CALL_EXIT = "call/vm_exit/exit:cpuid/manual_time"
CALL_DIRECT = "call/direct/manual_time"


def reps(doc, name, key):
    return [e[key] for e in doc["benchmarks"]
            if e.get("run_name") == name and e.get("run_type") == "iteration" and key in e]


def batch_band(doc, name, op="call", unit=None):
    """(median, p10, p90) of the batches, median over repetitions, per unit."""
    med = statistics.median
    scale = 1.0
    if unit:
        scale = med(reps(doc, name, f"ns_per_{unit}")) / med(reps(doc, name, f"ns_per_{op}"))
    return tuple(med(reps(doc, name, f"ns_per_{op}_{k}")) * scale for k in ("median", "p10", "p90"))


def paragraph(summary, title):
    """A finding's paragraph in summary.txt, its lines joined: from the line
    that opens with its title to the next line that is not indented."""
    lines = summary.splitlines()
    at = [i for i, l in enumerate(lines) if l.startswith(title + ": ")]
    assert len(at) == 1, (title, summary)
    out = [lines[at[0]]]
    for l in lines[at[0] + 1:]:
        if not l.startswith("  "):
            break
        out.append(l.strip())
    return " ".join(out)


def write(tmp_path, doc, name):
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


TITLES = ("Hypercall vs call", "pfn_valid eras vs the flag", "Cache maintenance per line",
          "Map/unmap paths")


def test_summary_leads_with_findings_within_40_lines_of_72_columns(rendered):
    _, out = rendered(X86)
    text = read(out, "summary.txt")
    lines = text.splitlines()
    assert len(lines) <= cli.SUMMARY_LINES and "cut here" not in text
    assert all(len(l) <= 72 and all(32 <= ord(c) < 127 for c in l) for l in lines)
    assert lines[1].startswith("Machine: ") and "VIRTUALISED" in text
    assert any(l.startswith("FINDINGS") for l in lines[:15])
    for title in TITLES:
        paragraph(text, title)
    # The per-benchmark tables moved to tables.txt, listed in the marker.
    assert "calib/ladder/adds:64" not in text
    assert "calib/ladder/adds:64" in read(out, "tables.txt")
    assert "tables.txt" in read(out, ".dmabench-report").splitlines()


def test_page_and_markdown_open_with_the_same_findings(rendered):
    _, out = rendered(X86)
    leads = [f"{f.title}: {f.lead}" for f in findings.findings(load(fixture(X86)))]
    assert [l.split(":")[0] for l in leads] == list(TITLES)
    for name in ("index.html", "report.md"):
        page = read(out, name)
        first_table = page.index("clflush_mfence")  # before any family's table
        for lead in leads:
            assert page.index(lead) < first_table, (name, lead)


def test_every_interval_is_labelled_for_what_it_is(rendered):
    # Three repetitions: every interval is a spread of batches, never a CI.
    _, out = rendered(X86)
    text = read(out, "summary.txt")
    body = text[text.index("FINDINGS"):].split("\n", 1)[1]
    assert "batch p10-p90" in body
    assert "95% CI" not in body and "95% HL" not in body
    # Every figure with a range carries a label right before it.
    for m in re.finditer(r"\(([^()]*?)(\d[\d.,]*-\d[\d.,]*)\)", " ".join(body.split())):
        assert m.group(1).strip() in ("batch p10-p90", "95% CI", "95% HL"), m.group(0)


def test_exit_lead_gives_both_absolute_times_then_the_ratio(rendered):
    _, out = rendered(X86)
    doc = load_json(fixture(X86))
    e, d = batch_band(doc, CALL_EXIT), batch_band(doc, CALL_DIRECT)
    text = paragraph(read(out, "summary.txt"), "Hypercall vs call")
    assert f"vm_exit (cpuid) {findings.ns_text(e[0])}, {findings.times(e[0] / d[0])}" in text
    h = batch_band(doc, "call/hypercall/exit:vmcall/manual_time")
    us = lambda x: textfmt.num(x / 1000)
    assert (f"A hypercall (vmcall) costs {us(h[0])} us (batch p10-p90 {us(h[1])}-{us(h[2])}), "
            f"{findings.times(h[0] / d[0])} a direct call ({findings.ns_text(d[0])})") in text


def test_flush_cost_per_line_is_the_fixtures_median_and_band(rendered):
    _, out = rendered(X86)
    doc = load_json(fixture(X86))
    band = lambda op, size, state: batch_band(
        doc, f"cache/{op}/size:{size}/state:{state}/manual_time", unit="line")
    text = paragraph(read(out, "summary.txt"), "Cache maintenance per line")
    d = band("clflush_mfence", 4096, "dirty")
    n = textfmt.num
    assert f"clflush: a dirty line {n(d[0])} ns (batch p10-p90 {n(d[1])}-{n(d[2])})" in text
    opt = [n(band("clflushopt_sfence", s, "dirty")[0]) for s in (4096, 1048576)]
    assert f"clflushopt {opt[0]}/{opt[1]}, {n(band('clflushopt_sfence', 4096, 'cold')[0])}/" in text


def add_case(doc, src, name, tags, counters=None, scale=1.0):
    """A case made from the fixture's src (its numbers, renamed and scaled),
    tagged as its family tags it: a family this machine cannot run yet."""
    doc["context"]["dmabench"]["cases"][name] = tags
    src_op = doc["context"]["dmabench"]["cases"][src].get("op", "call")
    op = tags.get("op", "call")
    for e in [e for e in doc["benchmarks"] if e.get("run_name") == src]:
        f = copy.deepcopy(e)
        f["name"] = f["run_name"] = name
        for k in [k for k in f if k.startswith(f"ns_per_{src_op}") or k == "real_time"]:
            f[k.replace(src_op, op, 1) if k != "real_time" else k] = f.pop(k) * scale
        f.update(counters or {})
        doc["benchmarks"].append(f)


def era_ratios(doc, era):
    """{map: era/flag} from the raw batch medians, each era case against the
    flag on the same args (on synthetic maps, the flag of any region count)."""
    cases = doc["context"]["dmabench"]["cases"]
    ran = {e["run_name"] for e in doc["benchmarks"]}
    key = lambda t, drop: json.dumps({k: v for k, v in t["args"].items() if k not in drop},
                                     sort_keys=True)
    flag = {key(t, ()): n for n, t in cases.items()
            if t["family"] == "lookup" and t["variant"] == "flag" and n in ran}
    synth = {key(t, ("map",)): n for n, t in cases.items() if t["family"] == "lookup"
             and t["variant"] == "flag" and t.get("map_kind") == "synthetic" and n in ran}
    out = {}
    for n, t in cases.items():
        if t["family"] == "lookup" and t["variant"] == era and n in ran:
            f = flag.get(key(t, ())) or (synth.get(key(t, ("map",)))
                                         if t.get("map_kind") == "synthetic" else None)
            if f:
                out[n] = batch_band(doc, n, "lookup")[0] / batch_band(doc, f, "lookup")[0]
    return out


def test_each_eras_range_is_over_single_configurations_never_pooled(rendered):
    _, out = rendered(X86)
    doc = load_json(fixture(X86))
    text = paragraph(read(out, "summary.txt"), "pfn_valid eras vs the flag")
    eras = ("memblock", "memblock_nomap", "sparsemem", "sparsemem_s30", "sparsemem_memblock",
            "flat", "xen_p2m", "xen_p2m_walk")
    r = {n: v for e in eras for n, v in era_ratios(doc, e).items()}
    assert len(r) > len(eras)
    # Without a region sweep the text gives single configurations: the
    # dearest (the lead) and the cheapest, each with its own figures.
    t = findings.times
    top, least = max(r, key=r.get), min(r, key=r.get)
    assert f"pfn_valid() as {top.split('/')[1]} costs" in text
    assert f"{t(r[top])} the flag" in text
    assert f"the least of every era and map {t(r[least])} ({least.split('/')[1]}, " in text
    # The page's table holds one row per configuration, each its own interval.
    f = next(x for x in findings.findings(load(fixture(X86))) if x.key == "pfn_valid")
    for e in eras:
        assert sum(row.label.split()[0] == e for row in f.rows) == len(era_ratios(doc, e)), e


def sweep_doc():
    """x86_quick with a full region sweep (a default run has one; --quick has
    memblock at 1 and 1,024 regions and no flag beside them): memblock's
    1-region case copied onto 16, 256 and 4,096 regions, its time growing with
    the region count's log, and the flag's case copied onto the same args."""
    doc = load_json(fixture(X86))
    cases = doc["context"]["dmabench"]["cases"]
    src = "lookup/memblock/map:regions-1/nodes:0/pattern:random_ram/foreign:0/chain:branch/manual_time"
    for regions in (16, 256, 4096):
        name = src.replace("regions-1/", f"regions-{regions}/")
        add_case(doc, src, name, dict(cases[src], args=dict(cases[src]["args"],
                                                             map=f"regions-{regions}")),
                 {"regions": float(regions)}, scale=1 + math.log2(regions) / 2)
    flag = "lookup/flag/map:regions-16/nodes:512/pattern:random_ram/foreign:50/chain:branch/manual_time"
    t = cases[flag]
    add_case(doc, flag, flag.replace("nodes:512", "nodes:0").replace("foreign:50", "foreign:0"),
             dict(t, args=dict(t["args"], nodes="0", foreign="0")))
    return doc


def test_a_sweep_is_given_at_its_ends_with_its_slope_per_doubling(tmp_path):
    doc = sweep_doc()
    out = str(tmp_path / "out")
    assert run_report("render", write(tmp_path, doc, "sweep.json"), "-o", out).returncode == 0
    text = paragraph(read(out, "summary.txt"), "pfn_valid eras vs the flag")
    r = {n.split("/")[2]: v for n, v in era_ratios(doc, "memblock").items()
         if "nodes:0/" in n and "foreign:0/" in n and "chain:branch" in n and "regions-" in n}
    xs = sorted(int(k.split("-")[1]) for k in r)
    ys = [r[f"map:regions-{x}"] for x in xs]
    lx = [math.log2(x) for x in xs]
    mx, my = statistics.mean(lx), statistics.mean(ys)
    slope = sum((a - mx) * (b - my) for a, b in zip(lx, ys)) / sum((a - mx) ** 2 for a in lx)
    t = findings.times
    assert "pfn_valid() as memblock costs" in text and "a lookup at 1 region," in text
    assert f"{t(ys[0])} to {t(ys[-1])} the flag" in text
    assert f"{slope:+.2f}x per doubling" in text
    assert os.path.exists(os.path.join(out, "plots", "finding_pfn_valid.png"))
    # Control: the quick fixture has no sweep, so no slope and no curve.
    assert run_report("render", fixture(X86), "-o", str(tmp_path / "b")).returncode == 0
    assert "per doubling" not in read(str(tmp_path / "b"), "summary.txt")
    assert not os.path.exists(os.path.join(str(tmp_path / "b"), "plots", "finding_pfn_valid.png"))


def test_with_enough_repetitions_a_ratio_is_hodges_lehmann(tmp_path):
    # Six repetitions of the exit and the direct call, from the fixture's own:
    # the ratio and interval are then stats.shift's, labelled 95% HL.
    doc = load_json(fixture(X86))
    extra = []
    for e in doc["benchmarks"]:
        if e.get("run_name") in (CALL_EXIT, CALL_DIRECT) and e.get("run_type") == "iteration":
            for k in (1.01, 0.99, 1.02):
                f = copy.deepcopy(e)
                for key in ("real_time", "ns_per_call"):
                    f[key] *= k
                extra.append(f)
    doc["benchmarks"] += extra
    run = load(write(tmp_path, doc, "six.json"))
    f = findings.findings(run)[0]
    row = next(r for r in f.rows if r.label == "vm_exit (cpuid)")
    v = stats.shift(reps(doc, CALL_DIRECT, "ns_per_call"), reps(doc, CALL_EXIT, "ns_per_call"))
    i = row.cells[1]
    assert (i.value, i.lo, i.hi, i.basis, i.label) == (v.ratio, v.ci_lo, v.ci_hi, "reps", "95% HL")
    assert row.cells[0].label == "95% CI"  # the cost: a median over six repetitions


def test_a_run_without_the_cases_omits_that_finding_only(tmp_path):
    # Control: drop the flag cases, and the era finding goes while the rest stays.
    doc = load_json(fixture(X86))
    cases = doc["context"]["dmabench"]["cases"]
    gone = {n for n, t in cases.items() if t.get("variant") == "flag"}
    doc["benchmarks"] = [e for e in doc["benchmarks"] if e.get("run_name") not in gone]
    out = str(tmp_path / "out")
    r = run_report("render", write(tmp_path, doc, "noflag.json"), "-o", out)
    assert r.returncode == 0, r.stderr
    text = read(out, "summary.txt")
    assert "pfn_valid eras vs the flag" not in text
    assert "Hypercall vs call: " in text


@pytest.mark.parametrize("name", ["arm64_quick.json", "plain_gbench.json"])
def test_records_without_tags_have_no_findings(rendered, name):
    _, out = rendered(name)
    text = read(out, "summary.txt")
    assert "FINDINGS" not in text
    assert len(text.splitlines()) <= cli.SUMMARY_LINES


def test_the_summary_is_cut_to_40_lines_and_says_so():
    long = "\n".join(f"line {i}" for i in range(100))
    cut = cli.summary_text(long).splitlines()
    assert len(cut) == cli.SUMMARY_LINES
    assert "tables.txt" in cut[-1] and "cut here" in cut[-2]
    assert len(cli.summary_text("a\nb").splitlines()) == 3  # control: short text kept whole


# ---- line states --------------------------------------------------------

DIRTY = "cache/clflushopt_sfence/size:4096/state:dirty/manual_time"
CLEAN = "cache/clflushopt_sfence/size:4096/state:clean/manual_time"
COLD = "cache/clflushopt_sfence/size:4096/state:cold/manual_time"


def copy_times(doc, src, dst):
    """dst's entries take src's numbers (repetition by repetition)."""
    s = [e for e in doc["benchmarks"] if e.get("run_name") == src and e.get("run_type") == "iteration"]
    d = [e for e in doc["benchmarks"] if e.get("run_name") == dst and e.get("run_type") == "iteration"]
    for a, b in zip(s, d):
        for k, v in a.items():
            if k.startswith("ns_per_") or k == "real_time":
                b[k] = v


def test_python_and_the_record_agree_on_line_states():
    # The record's marks (C++) and the report's own judgement of the same data.
    doc = load_json(fixture(X86))
    assert "line_states" in doc["context"]["dmabench"]
    run = load(fixture(X86))
    marked = set(findings.evicted(run))
    run.dmabench = dict(run.dmabench)
    del run.dmabench["line_states"]
    assert set(findings.evicted(run)) == marked


def test_a_dirty_case_no_dearer_than_clean_is_marked_evicted(tmp_path):
    doc = load_json(fixture(X86))
    del doc["context"]["dmabench"]["line_states"]  # judged by the report
    copy_times(doc, CLEAN, DIRTY)
    out = str(tmp_path / "out")
    r = run_report("render", write(tmp_path, doc, "evicted.json"), "-o", out)
    assert r.returncode == 0, r.stderr
    summary, tables = read(out, "summary.txt"), read(out, "tables.txt")
    assert "clflushopt evicted/" in paragraph(summary, "Cache maintenance per line")
    flat = " ".join(tables.split())
    assert "dirty lines already written back before the flush (evicted)" in flat
    assert "evicted" in text_rows(tables)[DIRTY]  # the row in the cache table says so
    # Control: the untouched fixture's dirty case is a cost, not a mark.
    assert run_report("render", fixture(X86), "-o", str(tmp_path / "base")).returncode == 0
    assert "evicted" not in paragraph(read(str(tmp_path / "base"), "summary.txt"),
                                      "Cache maintenance per line")


def test_clean_is_never_judged_against_cold(tmp_path):
    doc = load_json(fixture(X86))
    del doc["context"]["dmabench"]["line_states"]
    copy_times(doc, COLD, CLEAN)  # clean as cheap as cold: legitimate
    run = load(write(tmp_path, doc, "cleancold.json"))
    assert not any("state:clean" in n or "state:cold" in n for n in findings.evicted(run))


def test_the_records_own_marks_are_shown(tmp_path):
    doc = load_json(fixture(X86))
    doc["context"]["dmabench"]["line_states"] = {
        DIRTY: {"state": "evicted", "clean": CLEAN, "ratio": 1.0, "ci95": [0.9, 1.1],
                "basis": "batches", "why": "test"}}
    run = load(write(tmp_path, doc, "marked.json"))
    assert set(findings.evicted(run)) == {DIRTY}


# ---- experiments: a verdict per group -------------------------------------

def group_verdict(outcomes):
    """The rule of bench/experiment.cpp's group_verdict, restated."""
    n, s, c = len(outcomes), outcomes.count("supports"), outcomes.count("contradicts")
    if outcomes.count("too few repetitions") == n:
        return "too few repetitions"
    if s == n:
        return "supported"
    if c == n:
        return "contradicted"
    if s == 0 and c == 0:
        return "not supported: indistinguishable"
    if c == 0:
        return f"partly supported ({s} of {n})"
    if s == 0:
        return f"contradicted in part ({c} of {n})"
    return f"split ({s} support, {c} contradict, of {n})"


@pytest.mark.parametrize("name", ["experiment_pfn.json", "experiment.json"])
def test_each_group_verdict_follows_from_its_comparisons(rendered, name):
    exp = load_json(fixture(name))["context"]["dmabench"]["experiment"]
    by = {}
    for c in exp["comparisons"]:
        by.setdefault(c["group"], []).append(c["outcome"])
    assert [g["group"] for g in exp["groups"]] == list(by)
    for g in exp["groups"]:
        assert g["verdict"] == group_verdict(by[g["group"]]), g
    verdicts = {g["verdict"] for g in exp["groups"]}
    assert exp["verdict"] == (verdicts.pop() if len(verdicts) == 1 else "split")
    assert exp["verdict"] != "inconclusive"
    for g in exp["groups"]:  # every group is named in the finding, with its verdict
        assert g["group"] in exp["finding"]
        assert g["verdict"].split(":")[0] in exp["finding"]
    # The summary leads with it, as the record says it.
    _, out = rendered(name)
    flat = " ".join(read(out, "summary.txt").split())
    assert f"Experiment {exp['name']}: Verdict: {exp['verdict'].upper()}: {exp['finding']}" in flat


def test_a_split_group_is_not_called_inconclusive():
    # Control for the rule above: a group with no significant comparison is
    # "not supported: indistinguishable", one with some support is partly supported.
    assert group_verdict(["no significant difference"] * 3) == "not supported: indistinguishable"
    assert group_verdict(["supports", "no significant difference"]) == "partly supported (1 of 2)"
    assert group_verdict(["supports", "supports"]) == "supported"


DEVMAP = "kmod/devmap/domain:{d}/mode:single/threads:1/granule:1/dir:to_device/size:4096/burst:{b}/manual_time"
PEER = {"peer_map_mean_100ns": 12.0, "peer_map_sd_100ns": 1.5, "peer_unmap_mean_100ns": 8.0,
        "peer_unmap_sd_100ns": 0.5, "peer_ratio_map": 1.08, "peer_ratio_unmap": 0.97}


def device_doc(peer=True):
    """The fixture with the module's devmap cases (the peer contract: burst:1
    first, then burst:64; dma_map_benchmark's figures in the burst:1 entry),
    a second IOMMU domain, and one of the module's own map cases."""
    doc = load_json(fixture(X86))
    src = "dmamap/native/dir:bidirectional/size:4096/manual_time"
    for dom, burst, scale in (("DMA", 1, 1.0), ("DMA", 64, 0.5), ("identity", 1, 0.25)):
        args = {"domain": dom, "mode": "single", "threads": "1", "granule": "1",
                "dir": "to_device", "size": "4096", "burst": str(burst)}
        tags = {"family": "kmod", "variant": "devmap", "op": "pair", "unit": "pair",
                "kind": "kernel", "device": {"name": "0000:00:04.0", "dma_ops": "iommu"},
                "entries": 1, "args": args}
        own = dict(PEER) if peer and (dom, burst) == ("DMA", 1) else {}
        if own:
            tags["peer"] = "dma_map_benchmark"
        add_case(doc, src, DEVMAP.format(d=dom, b=burst), tags, own, scale)
    add_case(doc, src, "kmod/dma_map_page/size:4096/dir:to_device/coherent:yes/manual_time",
             {"family": "kmod", "variant": "dma_map_page", "op": "pair", "unit": "pair",
              "kind": "kernel", "args": {"size": "4096", "dir": "to_device", "coherent": "yes"}})
    return doc


VM_EXITS = (("vm/exit:hvc/manual_time", "hvc", {"exit": "hvc"}, 0),
            ("vm/exit:mmio_user/manual_time", "mmio_user", {"exit": "mmio_user"}, 1),
            ("vm/exit:mmio_kernel/dev:vgic3/manual_time", "mmio_kernel",
             {"exit": "mmio_kernel", "dev": "vgic3"}, 2))


def vm_doc(doc=None):
    """The vm/ family by its contract: exits (kind exit) against the guest's
    direct call (kind call) and its empty loop (kind floor), with KVM's count
    of exits per op; numbers from the fixture's own exit and call."""
    doc = doc or load_json(fixture(X86))
    common = {"family": "vm", "op": "call", "unit": "call", "host_nested": False,
              "host_hypervisor": "KVM", "guest_counter_hz": 1e9}
    for i, (name, op, args, rank) in enumerate(VM_EXITS):
        add_case(doc, CALL_EXIT, name, dict(common, kind="exit", vm_op=op, exit_rank=rank,
                                            exit_stamp="a guest exit", args=args, variant="exit"),
                 {"exits_per_op": 1.0, "exits_total_per_op": 1.02, "guest_ns": 900.0},
                 scale=1.0 + 0.5 * i)
    add_case(doc, CALL_DIRECT, "vm/guest:direct/manual_time",
             dict(common, kind="call", vm_op="direct", variant="guest", args={"guest": "direct"}))
    add_case(doc, CALL_DIRECT, "vm/guest:empty/manual_time",
             dict(common, kind="floor", vm_op="empty", variant="guest", args={"guest": "empty"}))
    return doc


def test_the_device_paragraph_sets_the_peer_beside_dmabench(tmp_path):
    doc = device_doc()
    out = str(tmp_path / "out")
    assert run_report("render", write(tmp_path, doc, "dev.json"), "-o", out).returncode == 0
    text = paragraph(read(out, "summary.txt"), "Device and IOMMU path (module)")
    band = batch_band(doc, DEVMAP.format(d="DMA", b=1), op="pair")
    ns = findings.ns_text
    assert "On 0000:00:04.0 (IOMMU domain DMA) a single to_device" in text
    assert f"4 KiB map+unmap costs {ns(band[0])} (batch p10-p90" in text
    assert (f"dma_map_benchmark: map {ns(1200)} (sd {ns(150)}), unmap {ns(800)} "
            f"(sd {ns(50)}), dmabench 1.08x and 0.97x of it") in text
    assert "burst:64 " in text and "domain:identity " in text and "(0.50x)" in text
    assert "dma_map_page 4 KiB to_device coherent:yes" in text
    # Control: without the peer's figures the paragraph does not invent them.
    out2 = str(tmp_path / "out2")
    assert run_report("render", write(tmp_path, device_doc(peer=False), "d2.json"), "-o",
                      out2).returncode == 0
    assert "dma_map_benchmark" not in read(out2, "summary.txt")


def test_the_guest_exits_paragraph_follows_the_vm_contract(tmp_path):
    doc = vm_doc()
    run = load(write(tmp_path, doc, "vm.json"))
    f = next(x for x in findings.findings(run) if x.key == "vm")
    e = batch_band(doc, "vm/exit:hvc/manual_time")
    d = batch_band(doc, "vm/guest:direct/manual_time")
    assert f.lead.startswith(f"In dmabench's own guest, hvc costs {findings.ns_text(e[0])}")
    assert (f"{findings.times(e[0] / d[0])} a direct call in the same guest "
            f"({findings.ns_text(d[0])})") in f.lead
    assert "EMULATED" not in f.lead and "nested" not in f.lead  # hardware, not nested
    hvc = findings.cost(run.benches["vm/exit:hvc/manual_time"])
    assert f"costs {findings.figure(hvc)}, 1.000 exits/op by KVM" in f.lead
    assert "mmio_kernel (vgic3)" in f.lead and "mmio_user" in f.lead
    # The host's exit finding keeps the host's exits only.
    host = next(x for x in findings.findings(run) if x.key == "exit")
    assert not [r for r in host.rows if "hvc" in r.label]


def test_every_finding_fits_the_summary_at_once(tmp_path):
    # All six questions in one run (the module with its peer, dmabench's own
    # guest): every paragraph within 40 lines of 72 columns, nothing cut.
    doc = vm_doc(device_doc())
    out = str(tmp_path / "out")
    assert run_report("render", write(tmp_path, doc, "all.json"), "-o", out).returncode == 0
    text = read(out, "summary.txt")
    lines = text.splitlines()
    assert len(lines) <= cli.SUMMARY_LINES and "cut here" not in text, text
    assert all(len(l) <= 72 for l in lines)
    for title in TITLES + ("Device and IOMMU path (module)", "Guest exits (vm/)"):
        paragraph(text, title)


def test_an_experiments_verdict_stands_beside_the_finding_it_judges(rendered):
    _, out = rendered("experiment_pfn.json")
    text = paragraph(read(out, "summary.txt"), "pfn_valid eras vs the flag")
    assert "Experiment pfn-valid-vs-flag: Verdict: SPLIT:" in text
    assert read(out, "summary.txt").count("Experiment pfn-valid-vs-flag") == 1


def test_xens_hypercall_from_the_module_is_set_against_the_modules_call(tmp_path):
    # kmod/xen_version (kind exit, as bench/kmod.cpp tags it) against kmod/call,
    # made from the fixture's vm_exit and direct call.
    doc = load_json(fixture(X86))
    for src, name, tags in ((CALL_EXIT, "kmod/xen_version/manual_time", {"kind": "exit", "exit_rank": 2}),
                            (CALL_DIRECT, "kmod/call/manual_time", {"kind": "kernel"})):
        add_case(doc, src, name, dict(tags, family="kmod", variant=name.split("/")[1], op="call",
                                      unit="call", args={}))
    run = load(write(tmp_path, doc, "xen.json"))
    rows = {r.label: r for r in findings.findings(run)[0].rows}
    e, d = batch_band(doc, CALL_EXIT), batch_band(doc, CALL_DIRECT)
    assert rows["xen_version (kmod)"].cells[1].value == pytest.approx(e[0] / d[0])
    assert "vm_exit (cpuid)" in rows  # the user-space exit keeps its own row
