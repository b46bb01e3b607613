"""Reading result files: Google Benchmark JSON, with or without the dmabench context.

Only the standard library is used here, so bad input is diagnosed before the
plotting modules are even imported.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field


class BadInput(Exception):
    """One line for the user: names the file or value and what is accepted."""


# Keys Google Benchmark 1.7.1 writes for every entry; every other numeric
# top-level key is a user counter.
GBENCH_KEYS = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type",
    "repetitions", "repetition_index", "threads", "iterations", "real_time",
    "cpu_time", "time_unit", "label", "aggregate_name", "aggregate_unit",
    "error_occurred", "error_message", "big_o", "rms", "complexity",
}

# Name segments Google Benchmark itself appends: they are run settings, not
# part of the sweep a family defines (except threads, which is plotted).
GBENCH_ARGS = {"repeats", "min_time", "min_warmup_time", "iterations"}
GBENCH_FLAGS = {"manual_time", "real_time", "process_time"}

NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# context.dmabench.schema_version. Schema 2 made every quantile in the record
# type 7 (report/stats.py) and the kmod family's ratio_to_<ref> a median of
# paired per-batch ratios; schema 1 records (and those naming no version) are
# read as they are, with their old definitions, and labelled so.
SCHEMA = 2
SUPPORTED_SCHEMA = (1, 2)

# The headline time of a family in records written before the cases' tags
# (context.dmabench.cases[name].unit names it now): cache gives ns_per_call and
# ns_per_line, and the line is the unit a reader compares. A family not listed
# gets its first ns_per_ counter.
HEADLINE = {"cache": "ns_per_line", "lookup": "ns_per_lookup", "call": "ns_per_call",
            "dmamap": "ns_per_pair"}
FORMAT_HINT = ("a result file written by `dmabench run --out FILE` "
               "(Google Benchmark JSON: {\"context\": {...}, \"benchmarks\": [...]})")


@dataclass
class Name:
    """`family/variant/arg:value.../threads:N/manual_time`, split."""
    text: str
    family: str
    variant: str
    args: dict          # arg -> value string, in name order (includes threads)
    flags: list         # bare segments such as manual_time

    @staticmethod
    def parse(text: str) -> "Name":
        parts = text.split("/")
        family = parts[0]
        variant = ""
        rest = parts[1:]
        if rest and ":" not in rest[0] and rest[0] not in GBENCH_FLAGS:
            variant, rest = rest[0], rest[1:]
        args, flags = {}, []
        for seg in rest:
            if ":" in seg:
                key, _, value = seg.partition(":")
                args[key] = value
            else:
                flags.append(seg)
        return Name(text, family, variant, args, flags)

    @property
    def declared(self) -> str:
        """The name without the segments Google Benchmark appends for the time
        type (manual_time...): the same case whether or not it was manually timed."""
        return "/".join(seg for seg in self.text.split("/") if seg not in GBENCH_FLAGS)

    @property
    def family_variant(self) -> str:
        return f"{self.family}/{self.variant}" if self.variant else self.family

    def sweep_args(self) -> dict:
        """The arguments a family defines (and threads), without run settings."""
        return {k: v for k, v in self.args.items() if k not in GBENCH_ARGS}

    def without(self, *keys) -> str:
        """The name with the given arguments removed: a series key."""
        segs = [self.family] + ([self.variant] if self.variant else [])
        segs += [f"{k}:{v}" for k, v in self.sweep_args().items() if k not in keys]
        return "/".join(segs)


def arg_number(value: str):
    """A numeric argument value, or None (values like 'dirty' are labels)."""
    try:
        x = float(value)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


@dataclass
class Metric:
    key: str            # counter name, or "real_time"
    unit: str           # e.g. "ns/line", "ns/iter"
    samples: list       # one value per repetition, in ns (per unit)


@dataclass
class Bench:
    """Everything one run recorded for one benchmark name (all repetitions)."""
    name: Name
    iterations: list = field(default_factory=list)   # run_type "iteration" entries
    aggregates: dict = field(default_factory=dict)   # aggregate_name -> entry
    errors: list = field(default_factory=list)       # error messages
    tags: dict = field(default_factory=dict)         # context.dmabench.cases[name], if any

    # What the case is, from its tags. Records written before
    # context.dmabench.cases (and plain Google Benchmark files) have none:
    # only for those is the name parsed instead.
    @property
    def family(self) -> str:
        return self.tags.get("family") or self.name.family

    @property
    def variant(self) -> str:
        return self.tags.get("variant") or self.name.variant

    @property
    def args(self) -> dict:
        """The arguments the family declares (no thread count, no run settings)."""
        if isinstance(self.tags.get("args"), dict):
            return self.tags["args"]
        return {k: v for k, v in self.name.sweep_args().items() if k != "threads"}

    def case_key(self, *dropped) -> tuple:
        """The case without the dropped parts (argument names, "variant",
        "threads"): cases with equal keys differ only in those."""
        args = tuple(sorted((k, str(v)) for k, v in self.args.items() if k not in dropped))
        return (self.family, None if "variant" in dropped else self.variant, args,
                None if "threads" in dropped else self.threads)

    @property
    def text(self) -> str:
        return self.name.text

    @property
    def threads(self) -> int:
        src = self.iterations[0] if self.iterations else next(iter(self.aggregates.values()), {})
        return int(src.get("threads", 1) or 1)

    def _entries(self):
        """Per-repetition entries, or the median aggregate when only aggregates were kept."""
        if self.iterations:
            return self.iterations
        if "median" in self.aggregates:
            return [self.aggregates["median"]]
        if "mean" in self.aggregates:
            return [self.aggregates["mean"]]
        return []

    @property
    def aggregates_only(self) -> bool:
        return not self.iterations and bool(self.aggregates)

    def counter_names(self) -> list:
        """Numeric keys that are not Google Benchmark's own, in file order."""
        names = []
        for e in self._entries():
            for k, v in e.items():
                if k not in GBENCH_KEYS and _is_number(v) and k not in names:
                    names.append(k)
        return names

    def samples(self, key: str) -> list:
        out = []
        for e in self._entries():
            v = e.get(key)
            if not _is_number(v):
                continue
            if key in ("real_time", "cpu_time"):
                v = v * NS_PER_UNIT[e.get("time_unit", "ns")]
            out.append(float(v))
        return out

    def pmu_per_unit(self) -> dict:
        """{event: (unit, samples)} for keys '<event>/<unit>' whose event is also a key."""
        names = set(self.counter_names())
        out = {}
        for k in self.counter_names():
            event, sep, unit = k.rpartition("/")
            if sep and event in names:
                out[event] = (unit, self.samples(k))
        return out

    def family_counters(self) -> list:
        """Counters that are not PMU events, their per-unit forms, or pmu_multiplexed."""
        names = self.counter_names()
        pmu = set(self.pmu_per_unit())
        per_unit = {f"{e}/{u}" for e, (u, _) in self.pmu_per_unit().items()}
        return [k for k in names
                if k not in pmu and k not in per_unit and k != "pmu_multiplexed"
                and "::" not in k]

    def multiplexed(self) -> bool:
        return any(v == 1 for v in self.samples("pmu_multiplexed"))

    def metric(self, prefer: str | None = None) -> Metric:
        """The time per unit this benchmark is about: an ns_per_<unit> counter
        when the family gives one, else the real time per iteration."""
        keys = [prefer] if prefer else []
        if isinstance(self.tags.get("unit"), str):
            keys.append("ns_per_" + self.tags["unit"])
        keys += [HEADLINE.get(self.family, "")]
        keys += [k for k in self.counter_names() if k.startswith("ns_per_")]
        for k in keys:
            s = self.samples(k)
            if k and s:
                unit = "ns/" + k[len("ns_per_"):] if k.startswith("ns_per_") else "ns/iter"
                return Metric(k, unit, s)
        return Metric("real_time", "ns/iter", self.samples("real_time"))


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


@dataclass
class Run:
    path: str
    context: dict
    benches: dict                  # run_name -> Bench, in file order
    dmabench: dict | None          # context.dmabench, None for a plain Google Benchmark file
    label: str = ""                # short machine name for tables and legends (set by caller)
    lava: list = field(default_factory=list)       # a LAVA job's results (report/lava.py)
    lava_lost: list = field(default_factory=list)  # records the job log did not bring back whole

    @property
    def stem(self) -> str:
        base = os.path.basename(self.path)
        return base[:-5] if base.endswith(".json") else base

    def families(self) -> list:
        seen = []
        for b in self.benches.values():
            if b.family not in seen:
                seen.append(b.family)
        return seen

    def in_family(self, family: str) -> list:
        return [b for b in self.benches.values() if b.family == family]

    def variant_of(self, name: str) -> str:
        """family/variant of a case by its tags; by its name for a case the
        record does not tag (skipped cases, older records)."""
        tags = _tags(self.dmabench, name)
        if tags.get("family") and tags.get("variant"):
            return f"{tags['family']}/{tags['variant']}"
        return "/".join(name.split("/")[:2])

    @property
    def schema(self) -> int | None:
        """The record's schema version; 1 for a dmabench context naming none,
        None for a file without one (plain Google Benchmark)."""
        if self.dmabench is None:
            return None
        return self.dmabench.get("schema_version", 1)

    def get(self, dotted: str, default=None):
        """context.dmabench value by dotted path, or default when absent."""
        node = self.dmabench
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def missing_note(self) -> str:
        if self.dmabench is not None:
            return ""
        if self.lava:
            return (f"{os.path.basename(self.path)}: only the LAVA job's measurements came back "
                    "(no record): the machine identity, emulation and virtualisation status "
                    "are unknown, and it is grouped with no other board.")
        return (f"{os.path.basename(self.path)} has no dmabench context: the machine "
                "identity, emulation and virtualisation status, pinning, PMU events and "
                "skipped variants are unknown; only what Google Benchmark recorded is shown.")


def _tags(dmabench, run_name: str) -> dict:
    """What C++ recorded about the case (family, variant, args, op, unit, kind,
    era, baseline...), to select by; empty for older records."""
    cases = (dmabench or {}).get("cases")
    tags = cases.get(run_name) if isinstance(cases, dict) else None
    return tags if isinstance(tags, dict) else {}


def _ends_open(raw: bytes) -> bool:
    """True when the text ends inside a string or with brackets still open:
    the mark of a file cut short, rather than one written wrong."""
    depth, in_string, escaped = 0, False, False
    for ch in raw.decode("utf-8", "replace"):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return in_string or depth > 0


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file; expected {FORMAT_HINT}")
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory; expected {FORMAT_HINT}")
    except OSError as e:
        raise BadInput(f"{path}: cannot read ({e.strerror}); expected {FORMAT_HINT}")
    if not raw.strip():
        raise BadInput(f"{path}: file is empty; expected {FORMAT_HINT}")
    return raw


def _parse(path: str, raw: bytes) -> dict:
    """The JSON document, checked to be a Google Benchmark result."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise BadInput(f"{path}: not UTF-8 text (byte {e.start}); expected {FORMAT_HINT}")
    except json.JSONDecodeError as e:
        what = "truncated JSON (the file ends inside the document)" if _ends_open(raw) \
            else "malformed JSON"
        raise BadInput(f"{path}: {what} at line {e.lineno} column {e.colno} ({e.msg}); "
                       f"expected {FORMAT_HINT}")
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise BadInput(f"{path}: not a Google Benchmark result (no \"benchmarks\" list); "
                       f"expected {FORMAT_HINT}")
    return doc


def _context(path: str, doc: dict) -> tuple:
    """(context, context.dmabench or None), the schema version checked."""
    context = doc.get("context", {})
    if not isinstance(context, dict):
        raise BadInput(f"{path}: \"context\" is a {type(context).__name__}, not an object; "
                       f"expected {FORMAT_HINT}")
    dmabench = context.get("dmabench")
    if dmabench is None:
        return context, None
    if not isinstance(dmabench, dict):
        raise BadInput(f"{path}: context.dmabench is not an object; expected {FORMAT_HINT}")
    version = dmabench.get("schema_version", 1)  # none named: older than the field
    if isinstance(version, bool) or version not in SUPPORTED_SCHEMA:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA
        raise BadInput(f"{path}: context.dmabench.schema_version is {version!r}; "
                       f"accepted: {', '.join(map(str, SUPPORTED_SCHEMA))}"
                       + (" (a newer dmabench wrote it: read it with that dmabench's report)"
                          if newer else ""))
    return context, dmabench


def _add_entry(benches: dict, where: str, e, dmabench) -> None:
    """One entry of "benchmarks", filed under its case."""
    if not isinstance(e, dict):
        raise BadInput(f"{where} is not an object; expected {FORMAT_HINT}")
    run_name = e.get("run_name", e.get("name"))
    if not isinstance(run_name, str) or not run_name:
        raise BadInput(f"{where} has no \"name\" string; expected {FORMAT_HINT}")
    bench = benches.get(run_name)
    if bench is None:
        bench = benches[run_name] = Bench(Name.parse(run_name), tags=_tags(dmabench, run_name))
    if e.get("error_occurred"):
        bench.errors.append(str(e.get("error_message", "error")))
        return
    unit = e.get("time_unit", "ns")
    if unit not in NS_PER_UNIT:
        raise BadInput(f"{where} ({run_name}): time_unit {unit!r}; "
                       f"accepted: {', '.join(NS_PER_UNIT)}")
    for key in ("real_time", "cpu_time"):
        if key in e and not (_is_number(e[key]) or e[key] is None):
            raise BadInput(f"{where} ({run_name}): {key} is {e[key]!r}; accepted: a number")
    if not _is_number(e.get("real_time")):
        raise BadInput(f"{where} ({run_name}): no numeric real_time; expected {FORMAT_HINT}")
    if e.get("run_type") == "aggregate":
        bench.aggregates[str(e.get("aggregate_name", "?"))] = e
    else:
        bench.iterations.append(e)


def load(path: str) -> Run:
    """Reads and checks one result file; raises BadInput with one line on any fault."""
    return from_document(path, _read(path))


def from_document(path: str, raw) -> Run:
    """A run from the text of a result file (path names it in errors)."""
    doc = _parse(path, raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    context, dmabench = _context(path, doc)
    benches = {}
    for i, e in enumerate(doc["benchmarks"]):
        _add_entry(benches, f"{path}: benchmarks[{i}]", e, dmabench)
    measured = [b for b in benches.values() if b.iterations or b.aggregates]
    skipped = (dmabench or {}).get("skipped") or []
    if not measured and not skipped:
        why = "no benchmarks" if not benches else "only benchmarks that reported errors"
        raise BadInput(f"{path}: empty run ({why}, and none skipped); expected {FORMAT_HINT} "
                       "holding at least one measured or skipped benchmark")
    # A run whose every case was skipped is still a record: of why nothing ran.
    return Run(path=path, context=context, benches=benches, dmabench=dmabench)


RUN_SUFFIXES = (".json", ".log", ".yaml", ".yml")


def load_many(paths) -> list:
    """Runs from result files, LAVA job outputs (report/lava.py) and folders of
    them (their *.json, *.log, *.yaml, *.yml, by name)."""
    runs = []
    for path in paths:
        if os.path.isdir(path):
            inside = sorted(n for n in os.listdir(path)
                            if n.endswith(RUN_SUFFIXES) and not n.startswith("."))
            if not inside:
                raise BadInput(f"{path}: a folder with no run in it (no file ending "
                               f"{', '.join(RUN_SUFFIXES)}); expected {FORMAT_HINT}")
            runs += load_many([os.path.join(path, n) for n in inside])
            continue
        raw = _read(path)
        from . import lava
        runs += lava.load(path, raw) if lava.is_lava_output(raw) else [from_document(path, raw)]
    return runs
