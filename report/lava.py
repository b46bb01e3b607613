"""LAVA job outputs as runs, and the headline figures of any run.

A job of the kit's test definition (cmake/kit/lava.yaml) leaves two things in
its log: lava-test-case results with measurements, and each record gzipped
and base64-encoded between DMABENCH-BEGIN/END lines (`dmabench lava`,
bench/lava.cpp). Its output is lava-run's stderr or `lavacli jobs logs --raw`:
YAML mappings with `lvl` and `msg`, one a line (the latter as a list). The
record is recovered when it came back whole; otherwise the measurements make
a run without identity. Only the standard library and yaml are needed here.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import os
import re
import zlib
from dataclasses import dataclass

from .model import BadInput, Run, from_document

LAVA_HINT = ("a LAVA job output of the kit's test definition (lava-run's stderr, or "
             "`lavacli jobs logs --raw JOB`)")

# bench/lava.cpp's figures: case name prefix -> units. A case is
# "<figure>.<benchmark name, encoded>", or "experiment.<name>.<group>.<verdict>".
FIGURES = {"hypercall_ns": "ns", "hypercall_ratio": "x", "flush_ns_per_line": "ns",
           "map_unmap_ns": "ns"}
EXPERIMENT = "experiment"
FIGURE_TITLES = {"hypercall_ns": "Hypercall or VM exit, ns per call",
                 "hypercall_ratio": "Hypercall or VM exit / direct call (x)",
                 "flush_ns_per_line": "Cache flush, ns per line (lead routine of each op)",
                 "map_unmap_ns": "DMA map+unmap, ns per pair"}


def case_name(encoded: str) -> str:
    """The dmabench name of a LAVA case name (bench/lava.cpp's lava_name, inverted):
    '.' is '/', '-' is ':', _HH a byte in upper-case hex."""
    out = bytearray()
    i = 0
    while i < len(encoded):
        c = encoded[i]
        if c == "_" and re.fullmatch(r"[0-9A-F]{2}", encoded[i + 1:i + 3]):
            out.append(int(encoded[i + 1:i + 3], 16))
            i += 3
            continue
        out += {".": b"/", "-": b":"}.get(c, c.encode())
        i += 1
    return out.decode("utf-8", "replace")


# ---- reading a job output ---------------------------------------------------

def _loader():
    """yaml's safe loader that reads any tag as its plain value: LAVA's log
    writes Python objects (a Decimal measurement) with their tags."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def plain(loader, _suffix, node):
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            seq = loader.construct_sequence(node, deep=True)
            return seq[0] if len(seq) == 1 else seq
        return loader.construct_mapping(node, deep=True)

    for prefix in ("tag:yaml.org,2002:python/", "!"):
        Loader.add_multi_constructor(prefix, plain)
    return Loader


def entries(text: str) -> list:
    """The log's mappings ({lvl, msg}), or [] when the text is not a LAVA log."""
    import yaml
    loader = _loader()
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("- {"):  # lavacli's list
            line = line[2:]
        if not line.startswith("{"):
            continue
        try:
            e = yaml.load(line, Loader=loader)  # noqa: S506 (a safe loader)
        except yaml.YAMLError:
            continue
        if isinstance(e, dict) and "lvl" in e and "msg" in e:
            out.append(e)
    return out


def is_lava_output(raw: bytes) -> bool:
    head = raw.lstrip()[:200]
    return head.startswith(b"{") and b"lvl" in head or head.startswith(b"- {")


def console_lines(entries) -> list:
    """What the board printed (lvl target), each message split into lines."""
    lines = []
    for e in entries:
        if e.get("lvl") == "target" and isinstance(e.get("msg"), str):
            lines += e["msg"].replace("\r", "").split("\n")
    return lines


@dataclass
class Record:
    name: str
    text: str | None    # the JSON, or None when it did not come back whole
    why: str = ""


def _record(name: str, fields: dict, body: list) -> Record:
    try:
        text = gzip.decompress(base64.b64decode("".join(body), validate=True))
    except (ValueError, OSError, EOFError, zlib.error) as e:
        return Record(name, None, f"not valid gzip and base64 ({e})")
    if str(len(text)) != fields.get("bytes") or hashlib.sha256(text).hexdigest() != fields.get("sha256"):
        return Record(name, None, f"{len(text)} bytes whose size or sha256 differs from its "
                                  "DMABENCH-BEGIN line")
    return Record(name, text.decode("utf-8", "replace"))


def records(lines) -> list:
    """Every DMABENCH-BEGIN NAME bytes=N sha256=H ... DMABENCH-END NAME section."""
    out, name, fields, body = [], None, {}, []
    for line in lines:
        line = line.strip()
        if line.startswith("DMABENCH-BEGIN "):
            parts = line.split()
            name, body = parts[1], []
            fields = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
        elif line.startswith("DMABENCH-END ") and name is not None:
            out.append(_record(name, fields, body))
            name = None
        elif name is not None:
            body.append(line)
    if name is not None:
        out.append(Record(name, None, "no DMABENCH-END line: the log was cut"))
    return out


@dataclass
class Result:
    case: str
    result: str
    measurement: float | None
    units: str


def results(entries) -> list:
    """The test cases of every definition but LAVA's own."""
    out = []
    for e in entries:
        m = e.get("msg")
        if e.get("lvl") != "results" or not isinstance(m, dict) or m.get("definition") == "lava":
            continue
        try:
            value = float(m["measurement"]) if m.get("measurement") is not None else None
        except (TypeError, ValueError):
            value = None
        out.append(Result(str(m.get("case", "")), str(m.get("result", "")), value,
                          str(m.get("units", "") or "")))
    return out


# ---- the runs of a job ------------------------------------------------------

def _measured_run(path: str, res: list) -> Run:
    """A run from the measurements alone: no record came back, so no identity."""
    return Run(path=path, context={}, benches={}, dmabench=None, lava=res)


def load(path: str, raw: bytes) -> list:
    """The runs of one job output: the suite's record (the first that is no
    experiment's), or else its measurements; each run keeps the job's results."""
    log = entries(raw.decode("utf-8", "replace"))
    res = results(log)
    recs = records(console_lines(log))
    if not res and not recs:
        raise BadInput(f"{path}: no lava-test-case results and no DMABENCH-BEGIN record; "
                       f"expected {LAVA_HINT}")
    suite = None
    for rec in recs:
        if rec.text is None:
            continue
        run = from_document(f"{path}:{rec.name}", rec.text)
        if not isinstance(run.get("experiment"), dict):
            suite = suite or run
    run = suite or _measured_run(path, res)
    run.lava = res
    run.lava_lost = [f"{r.name}: {r.why}" for r in recs if r.text is None]
    return [run]


# ---- the headline figures of any run (bench/lava.cpp's, for runs read from JSON) ----

def _arg(tags, key):
    return str((tags.get("args") or {}).get(key, ""))


def _is_flush(t) -> bool:
    return (t.get("family") == "cache" and t.get("unit") == "line" and t.get("lead") is True
            and _arg(t, "size") in ("4096", "1048576") and _arg(t, "state") in ("dirty", "cold")
            and not _arg(t, "offset") and not _arg(t, "buffer") and _arg(t, "threads") in ("", "1"))


def _is_map_unmap(t) -> bool:
    return t.get("op") == "pair" and (t.get("family") == "kmod" or t.get("variant") in ("native", "swiotlb"))


SELECTS = {"hypercall_ns": lambda t: t.get("kind") == "exit",
           "hypercall_ratio": lambda t: t.get("kind") == "exit",
           "flush_ns_per_line": _is_flush, "map_unmap_ns": _is_map_unmap}


def _direct_calls(run) -> dict:
    """family -> samples of its direct call (the module's: kmod/call)."""
    out = {}
    for b in run.benches.values():
        if b.tags.get("kind") == "call" and b.tags.get("variant") in ("direct", "call") \
                and b.metric().samples:
            out.setdefault(b.tags.get("family"), b.metric().samples)
    return out


def figures(run) -> dict:
    """{figure: {benchmark name: value}}: from the record when there is one,
    else from the job's measurements."""
    from . import stats
    out = {f: {} for f in FIGURES}
    if run.dmabench is None:
        for r in getattr(run, "lava", []):
            figure, _, name = r.case.partition(".")
            if figure in FIGURES and r.result == "pass" and r.measurement is not None:
                out[figure][case_name(name)] = r.measurement
        return out
    direct = _direct_calls(run)
    for b in run.benches.values():
        s = b.metric().samples
        for figure, selects in SELECTS.items():
            if not (b.tags and s and selects(b.tags)):
                continue
            if figure != "hypercall_ratio":
                out[figure][b.text] = stats.median(s)
            elif b.tags.get("family") in direct:
                out[figure][b.text] = stats.shift(direct[b.tags["family"]], s).ratio
    return out


def verdicts(run) -> dict:
    """{experiment or experiment/group: verdict, or the case's result} from the
    job's experiment cases (experiment.NAME.GROUP.VERDICT, or experiment.NAME)."""
    out = {}
    for r in run.lava:
        parts = r.case.split(".")
        if parts[0] != EXPERIMENT or len(parts) < 2:
            continue
        if len(parts) == 4 and r.result == "pass":
            out[f"{parts[1]}/{parts[2]}"] = parts[3].replace("_", " ")
        else:
            out[parts[1]] = r.result
    return out
