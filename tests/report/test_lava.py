"""LAVA job outputs (report/lava.py) and the fleet they render into
(report/fleet.py). The job logs are written here in lava-run's own form
(lava_common.log.dump: one flow-style YAML mapping per line, a Decimal
measurement with its Python tag) around a real run's record; the system
test (tests/system/lava.sh) reads a real job's."""
import base64
import datetime
import decimal
import gzip
import hashlib
import json
import os
import re
import shutil

import pytest
import yaml

from conftest import fixture, read, run_report
from report import fleet, lava
from report.model import BadInput, load, load_many


def line(lvl, msg):
    """One line of lava-run's stderr, as lava_common.log.dump writes it."""
    data = {"dt": datetime.datetime(2026, 1, 1).isoformat(), "lvl": lvl, "msg": msg}
    return yaml.dump(data, default_flow_style=True, default_style='"', width=10**6)[:-1]


def blob(name, text: bytes, cut=False, corrupt=False):
    """The record lines bench/lava.cpp writes."""
    b64 = base64.b64encode(gzip.compress(text)).decode()
    lines = [b64[i:i + 76] for i in range(0, len(b64), 76)]
    size = len(text) + (1 if corrupt else 0)
    out = [f"DMABENCH-BEGIN {name} bytes={size} sha256={hashlib.sha256(text).hexdigest()}"] + lines
    return out[:len(out) // 2] if cut else out + [f"DMABENCH-END {name}"]


def case(name, result="pass", value=None, units=None):
    msg = {"case": name, "definition": "0_dmabench", "result": result}
    if value is not None:
        msg.update(measurement=decimal.Decimal(str(value)), units=units)
    return line("results", msg)


CASES = [("flush_ns_per_line.cache.civac_dsb_sy.size-4096.state-dirty.manual_5Ftime", 812.5, "ns"),
         ("map_unmap_ns.dmamap.native.dir-bidirectional.size-64.manual_time", 40.25, "ns"),
         ("experiment.lazy-unmap.unmap_batch_64.supported", 0.5, "x")]


def job_log(tmp_path, name="job.log", record=None, **damage):
    lines = [line("info", "start: 0 validate"), line("target", "Linux version 6.1.0-57-arm64")]
    if record:
        lines += [line("target", l) for l in blob("run.json.gz", record, **damage)]
    lines += [case(c, "pass", v, u) for c, v, u in CASES]
    lines += [case("experiment.hypercall-vs-call", "skip"),
              line("results", {"case": "job", "definition": "lava", "result": "pass"})]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_case_names_decode_exactly():
    assert lava.case_name("call.hypercall.exit-hvc.manual_time") == "call/hypercall/exit:hvc/manual_time"
    assert lava.case_name("kmod.devmap.domain-DMA_2DFQ") == "kmod/devmap/domain:DMA-FQ"
    assert lava.case_name("a_5F1b_x") == "a_1b_x"  # a literal _ before hex is escaped


def test_record_comes_back_whole(tmp_path):
    raw = open(fixture("arm64_quick.json"), "rb").read()
    runs = load_many([job_log(tmp_path, record=raw)])
    assert len(runs) == 1
    run = runs[0]
    assert run.dmabench is not None and len(run.benches) == len(load(fixture("arm64_quick.json")).benches)
    assert [r.case for r in run.lava][:2] == [c for c, _, _ in CASES[:2]]
    assert run.lava[0].measurement == 812.5 and run.lava[0].units == "ns"
    assert all(r.case != "job" for r in run.lava)  # LAVA's own cases are not the board's
    assert lava.verdicts(run) == {"lazy-unmap/unmap_batch_64": "supported", "hypercall-vs-call": "skip"}


@pytest.mark.parametrize("damage", [{"cut": True}, {"corrupt": True}])
def test_damaged_record_falls_back_to_measurements(tmp_path, damage):
    raw = open(fixture("arm64_quick.json"), "rb").read()
    run = load_many([job_log(tmp_path, record=raw, **damage)])[0]
    assert run.dmabench is None and run.lava_lost
    figs = lava.figures(run)
    assert figs["flush_ns_per_line"] == {"cache/civac_dsb_sy/size:4096/state:dirty/manual_time": 812.5}
    assert figs["map_unmap_ns"] == {"dmamap/native/dir:bidirectional/size:64/manual_time": 40.25}


def test_lavacli_list_form(tmp_path):
    path = job_log(tmp_path)
    text = open(path).read()
    (tmp_path / "lavacli.yaml").write_text("".join("- " + l + "\n" for l in text.splitlines()))
    run = load_many([str(tmp_path / "lavacli.yaml")])[0]
    assert len(run.lava) == len(CASES) + 1


def test_log_without_results_is_bad_input(tmp_path):
    path = tmp_path / "empty.log"
    path.write_text(line("info", "nothing here") + "\n")
    with pytest.raises(BadInput, match="no lava-test-case results"):
        load_many([str(path)])


def test_figures_of_a_record_match_its_tags():
    run = load(fixture("x86_quick.json"))
    figs = lava.figures(run)
    assert "call/hypercall/exit:vmcall/manual_time" in figs["hypercall_ns"]
    assert figs["hypercall_ratio"]["call/hypercall/exit:vmcall/manual_time"] > 1
    assert set(figs["map_unmap_ns"]) >= {"dmamap/native/dir:bidirectional/size:64/manual_time",
                                         "dmamap/swiotlb/dir:bidirectional/size:4096/manual_time"}
    flush = figs["flush_ns_per_line"]
    assert flush and all("/state:dirty/" in n or "/state:cold/" in n for n in flush)


def test_same_cpu_grouped_with_spread():
    a, b = load(fixture("x86_quick.json")), load(fixture("x86_quick.json"))
    c = load(fixture("arm64_quick.json"))
    runs = [a, c, b]
    for i, r in enumerate(runs):
        r.label = f"r{i}"
    groups = fleet.groups(runs)
    assert [idx for _, idx in groups] == [[0, 2], [1]]
    assert fleet.spread([100.0, 110.0]) == "10%"
    assert fleet.spread([100.0]) == "-"


def headline_run(tmp_path) -> str:
    """x86_quick.json cut to the families of the headline figures (a quick render)."""
    doc = json.load(open(fixture("x86_quick.json")))
    keep = re.compile(r"^(call/|dmamap/(native|swiotlb)/|cache/clwb_sfence/size:4096/)")
    doc["benchmarks"] = [b for b in doc["benchmarks"] if keep.match(b["run_name"])]
    path = tmp_path / "x86_headline.json"
    path.write_text(json.dumps(doc))
    return str(path)


def test_fleet_renders_a_job_beside_run_files(tmp_path):
    run_file = headline_run(tmp_path)
    folder = tmp_path / "fleet"
    folder.mkdir()
    job_log(folder, "board-a.log", record=open(run_file, "rb").read())
    job_log(folder, "board-b.log")                       # measurements only
    shutil.copy(fixture("plain_gbench.json"), folder / "board-c.json")
    (folder / "notes.md").write_text("not a run")        # not read: not a run's suffix
    out = str(tmp_path / "out")
    r = run_report("render", str(folder), run_file, "-o", out)
    assert r.returncode == 0, r.stderr
    summary = read(out, "summary.txt")
    assert "Fleet: headline figures per board" in summary
    assert lava.FIGURE_TITLES["map_unmap_ns"] in read(out, "tables.txt")
    tables = " ".join(read(out, "tables.txt").split())  # unwrapped
    assert "only the LAVA job's measurements came back" in tables  # M2: no identity, said so
    assert "spread" in tables                                      # M1 and M4: one CPU
    assert os.path.exists(os.path.join(out, "plots", "fleet_map_unmap_ns.png"))


def test_other_suite_version_is_said(tmp_path):
    a, b = load(fixture("x86_quick.json")), load(fixture("x86_quick.json"))
    b.dmabench["version"] = "0.0.1"
    a.label, b.label = "a", "b"
    text = " ".join(p.text for p in fleet.notes([a, b, load(fixture("x86_quick.json"))]))
    assert "suite version 0.0.1" in text and "not pooled" in text


def test_one_job_without_its_record_renders_its_measurements(tmp_path):
    out = str(tmp_path / "out")
    r = run_report("render", job_log(tmp_path), "-o", out)
    assert r.returncode == 0, r.stderr
    summary = " ".join(read(out, "summary.txt").split())
    assert "only the LAVA job's measurements came back" in summary
    assert "dmamap/native/dir:bidirectional/size:64/manual_time 40.25" in summary
