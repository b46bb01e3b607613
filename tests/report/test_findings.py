"""The findings that lead summary.txt, index.html and report.md: their numbers
are recomputed here from the fixture's raw entries (not through the report
package), the summary keeps to 40 x 72, and what a run lacks is left out."""
import copy
import json
import os
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


def finding_line(summary, label):
    lines = [l for l in summary.splitlines() if l.startswith("  " + label + " ")]
    assert len(lines) == 1, (label, summary)
    return lines[0].split()


def write(tmp_path, doc, name):
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


def test_summary_leads_with_findings_within_40_lines_of_72_columns(rendered):
    _, out = rendered(X86)
    text = read(out, "summary.txt")
    lines = text.splitlines()
    assert len(lines) <= cli.SUMMARY_LINES
    assert all(len(l) <= 72 and all(32 <= ord(c) < 127 for c in l) for l in lines)
    assert lines[1].startswith("Machine: ") and "VIRTUALISED" in text
    assert any(l.startswith("FINDINGS") for l in lines[:15])
    for title in ("Hypercall or VM exit / direct call", "pfn_valid era / flag",
                  "Cache flush, ns per line", "swiotlb / native map+unmap"):
        assert any(l.startswith(title) for l in lines), title
    # The per-benchmark tables moved to tables.txt, listed in the marker.
    assert "calib/ladder/adds:64" not in text
    assert "calib/ladder/adds:64" in read(out, "tables.txt")
    assert "tables.txt" in read(out, ".dmabench-report").splitlines()


def test_page_and_markdown_open_with_the_same_findings(rendered):
    _, out = rendered(X86)
    for name in ("index.html", "report.md"):
        page = read(out, name)
        at = page.index("Findings")
        assert at < page.index("clflush_mfence"), name  # before any family's table
        assert "Hypercall or VM exit / direct call" in page and "vm_exit (cpuid)" in page


def test_exit_over_direct_call_is_the_fixtures_ratio(rendered):
    _, out = rendered(X86)
    doc = load_json(fixture(X86))
    e, d = batch_band(doc, CALL_EXIT), batch_band(doc, CALL_DIRECT)
    cells = finding_line(read(out, "summary.txt"), "vm_exit (cpuid)")
    assert cells[2] == textfmt.num(e[0] / d[0]) + "x"
    assert cells[3] == f"{textfmt.num(e[1] / d[2])}-{textfmt.num(e[2] / d[1])}"
    assert cells[4] == "batches"  # 3 repetitions: too few for Mann-Whitney


def test_flush_cost_per_line_is_the_fixtures_median_and_band(rendered):
    _, out = rendered(X86)
    doc = load_json(fixture(X86))
    line = finding_line(read(out, "summary.txt"), "clflushopt 4 KiB")
    dirty = batch_band(doc, "cache/clflushopt_sfence/size:4096/state:dirty/manual_time", unit="line")
    cold = batch_band(doc, "cache/clflushopt_sfence/size:4096/state:cold/manual_time", unit="line")
    assert line[3:] == [textfmt.num(dirty[0]), f"({textfmt.num(dirty[1])}-{textfmt.num(dirty[2])})",
                        textfmt.num(cold[0]), f"({textfmt.num(cold[1])}-{textfmt.num(cold[2])})"]


def test_each_era_is_paired_with_the_flag_on_the_same_args(rendered):
    _, out = rendered(X86)
    doc = load_json(fixture(X86))
    cases = doc["context"]["dmabench"]["cases"]
    flag = {json.dumps(t["args"], sort_keys=True): n for n, t in cases.items()
            if t["family"] == "lookup" and t["variant"] == "flag"}
    ratios = []
    for n, t in cases.items():
        key = json.dumps(t["args"], sort_keys=True)
        if t["variant"] == "memblock" and t["family"] == "lookup" and key in flag:
            b = flag[key]
            ratios.append(batch_band(doc, n, "lookup")[0] / batch_band(doc, b, "lookup")[0])
    assert ratios
    cells = finding_line(read(out, "summary.txt"), "memblock")
    assert cells[1] == textfmt.num(statistics.median(ratios)) + "x"
    assert cells[-1] == f"x{len(ratios)}" if len(ratios) > 1 else cells[-1] == "batches"


def test_with_enough_repetitions_a_ratio_is_hodges_lehmann(tmp_path):
    # Six repetitions of the exit and the direct call, from the fixture's own:
    # the ratio and interval are then stats.shift's, basis "reps".
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
    i = row.cells[0]
    assert (i.value, i.lo, i.hi, i.basis) == (v.ratio, v.ci_lo, v.ci_hi, "reps")


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
    assert "pfn_valid era / flag" not in text
    assert "Hypercall or VM exit / direct call" in text


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
    assert finding_line(summary, "clflushopt 4 KiB")[3] == "evicted"
    flat = " ".join(tables.split())
    assert "dirty lines already written back before the flush (evicted)" in flat
    assert "evicted" in text_rows(tables)[DIRTY]  # the row in the cache table says so
    # Control: the untouched fixture's dirty case is a cost, not a mark.
    assert run_report("render", fixture(X86), "-o", str(tmp_path / "base")).returncode == 0
    assert finding_line(read(str(tmp_path / "base"), "summary.txt"), "clflushopt 4 KiB")[3] != "evicted"


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


def test_module_cases_are_rendered_with_what_their_tags_say(tmp_path):
    # The development machine has no module loaded: a kmod map case is made
    # from the fixture's direct call (its numbers, renamed), tagged as the
    # module tags its cases (sparse: no domain type here).
    doc = load_json(fixture(X86))
    name = "kmod/dma_map_page/size:4096/dir:to_device/coherent:yes/state:dirty/manual_time"
    doc["context"]["dmabench"]["cases"][name] = {
        "family": "kmod", "variant": "dma_map_page", "op": "pair", "unit": "pair", "kind": "kernel",
        "args": {"size": "4096", "dir": "to_device", "coherent": "yes", "state": "dirty"}}
    for e in [e for e in doc["benchmarks"] if e.get("run_name") == CALL_DIRECT]:
        f = copy.deepcopy(e)
        f["name"] = f["run_name"] = name
        for k in [k for k in f if k.startswith("ns_per_call")]:
            f[k.replace("call", "pair")] = f.pop(k)
        doc["benchmarks"].append(f)
    run = load(write(tmp_path, doc, "kmod.json"))
    f = [x for x in findings.findings(run) if x.title.startswith("Module")]
    assert len(f) == 1 and len(f[0].rows) == 1
    row = f[0].rows[0]
    assert row.label == "dma_map_page 4 KiB to_device coherent:yes dirty"
    med = batch_band(load_json(fixture(X86)), CALL_DIRECT)
    assert (row.cells[0].value, row.cells[0].lo, row.cells[0].hi) == pytest.approx(med)
    assert row.note == "ns/pair"
    # Control: the fixture itself holds no module case, so no such finding.
    assert not [x for x in findings.findings(load(fixture(X86))) if x.title.startswith("Module")]


def test_xens_hypercall_from_the_module_is_set_against_the_modules_call(tmp_path):
    # kmod/xen_version (kind exit, as bench/kmod.cpp tags it) against kmod/call,
    # made from the fixture's vm_exit and direct call.
    doc = load_json(fixture(X86))
    cases = doc["context"]["dmabench"]["cases"]
    for src, name, tags in ((CALL_EXIT, "kmod/xen_version/manual_time", {"kind": "exit", "exit_rank": 2}),
                            (CALL_DIRECT, "kmod/call/manual_time", {"kind": "kernel"})):
        cases[name] = dict(tags, family="kmod", variant=name.split("/")[1], op="call", unit="call",
                           args={})
        for e in [e for e in doc["benchmarks"] if e.get("run_name") == src]:
            f = copy.deepcopy(e)
            f["name"] = f["run_name"] = name
            doc["benchmarks"].append(f)
    run = load(write(tmp_path, doc, "xen.json"))
    rows = {r.label: r for r in findings.findings(run)[0].rows}
    e, d = batch_band(doc, CALL_EXIT), batch_band(doc, CALL_DIRECT)
    assert rows["xen_version (kmod)"].cells[0].value == pytest.approx(e[0] / d[0])
    assert "vm_exit (cpuid)" in rows  # the user-space exit keeps its own row
