"""Findings: the answers a reviewer came for, chosen by the cases' tags.

Each finding is a ratio (SUBJECT / BASELINE, two cases that differ only in
what the rule says they may) or a cost per unit, with a 95 % interval. The
rules below name tags (family, kind, baseline, unit, args), never names, so a
new family's cases join by carrying the same tags. A rule that finds no case
in the run is left out.

Intervals, one method (see stats.py): with >= 4 repetitions a side a ratio is
Hodges-Lehmann with the exact Mann-Whitney interval; a cost with >= 6 is the
median with its order-statistic interval. With fewer repetitions the interval
is built from the per-batch p10 and p90 inside each case (wider than a 95 %
interval of the median once a case has 10 batches, so it errs towards "not
significant"); the basis column says which.
"""
from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field

from . import stats, textfmt

EVICTED = "dirty lines already written back before the flush (evicted)"


@dataclass
class Interval:
    value: float
    lo: float
    hi: float
    basis: str          # "reps" (repetitions) or "batches" (p10-p90 inside the case)
    kind: str = "cost"  # "cost" (a median) or "ratio" (Hodges-Lehmann)

    @property
    def label(self) -> str:
        """What the interval is, as the text says it."""
        if self.basis == "batches":
            return "batch p10-p90"
        if self.basis == "reps":
            return "95% HL" if self.kind == "ratio" else "95% CI"
        return ""


@dataclass
class Row:
    label: str
    cells: list         # Interval or None per column, or a str
    note: str = ""


@dataclass
class Finding:
    """One question the run answers: a paragraph (its lead sentence, then
    short lines) and, for the page, every configuration as a table row."""
    key: str            # "exit", "pfn_valid", "cache", "dmamap", "device", "vm"
    title: str
    lead: str           # the sentence a reviewer pastes: absolute figures, then the ratio
    more: list = field(default_factory=list)    # further short lines (condensed)
    columns: list = field(default_factory=list)  # the page's value columns
    rows: list = field(default_factory=list)     # Row per configuration (never pooled)
    curves: dict = field(default_factory=dict)   # series -> [(x, Interval)] for plots
    verdicts: list = field(default_factory=list)  # experiments' verdicts on this question


# ---- tags -------------------------------------------------------------------

def tag(b, key, default=None):
    """A top-level tag, or args.<key>."""
    if key.startswith("args."):
        return (b.tags.get("args") or {}).get(key[5:], default)
    return b.tags.get(key, default)


def _size(v) -> str:
    n = int(v)
    for unit, f in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= f and n % f == 0:
            return f"{n // f} {unit}"
    return f"{n} B"


# ---- intervals --------------------------------------------------------------

def _reps(b):
    return [] if b.aggregates_only else b.metric().samples


def _band(b):
    """Median over repetitions of the per-batch median, p10 and p90, in the
    metric's unit; None when the case did not record them."""
    m = b.metric()
    op = b.tags.get("op")
    if not op or not m.samples:
        return None
    per_op = b.samples(f"ns_per_{op}")
    q = [b.samples(f"ns_per_{op}_{k}") for k in ("median", "p10", "p90")]
    if not per_op or not all(q):
        return None
    med = stats.median
    scale = med(m.samples) / med(per_op) if med(per_op) > 0 else math.nan
    return tuple(med(x) * scale for x in q)


def cost(b):
    """The case's time per unit with its interval, or None when it has no samples."""
    x = _reps(b)
    if len(x) >= 6:
        s = sorted(x)
        lo, hi = stats.median_ci_ranks(len(s))
        return Interval(stats.median(s), s[lo], s[hi], "reps")
    m = b.metric().samples
    band = _band(b)
    if not m:
        return None
    if band is None:
        return Interval(stats.median(m), math.nan, math.nan, "-")
    return Interval(*band, "batches")


def ratio(a, b):
    """a / b with its interval: Hodges-Lehmann over repetitions, else batch bands."""
    v = stats.shift(_reps(b), _reps(a))
    if math.isfinite(v.ci_lo):
        return Interval(v.ratio, v.ci_lo, v.ci_hi, "reps", "ratio")
    ma, mb = a.metric().samples, b.metric().samples
    if not ma or not mb:
        return None
    ba, bb = _band(a), _band(b)
    if ba is None or bb is None or min(bb) <= 0:
        r = stats.median(ma) / stats.median(mb)
        return Interval(r, math.nan, math.nan, "-", "ratio")
    # The batches' medians, and the widest the bands allow.
    return Interval(ba[0] / bb[0], ba[1] / bb[2], ba[2] / bb[1], "batches", "ratio")


def dearer(i) -> bool:
    """Significantly above 1 (the interval excludes it)."""
    return i is not None and math.isfinite(i.lo) and i.lo > 1


# ---- line states ------------------------------------------------------------

def evicted(run) -> dict:
    """{dirty case name: Interval of dirty/clean} for each dirty case not
    significantly dearer than the clean case of the same size. The record's
    own marks (context.dmabench.line_states, written by dmabench run) are
    taken as they are; older records are judged here by the same rule."""
    marks = run.get("line_states")
    if isinstance(marks, dict):
        out = {}
        for name, m in marks.items():
            if isinstance(m, dict) and m.get("state") == "evicted":
                ci = m.get("ci95") or [math.nan, math.nan]
                out[name] = Interval(float(m.get("ratio", math.nan)), float(ci[0]), float(ci[1]),
                                     str(m.get("basis", "")))
        return out
    clean = {}
    for b in run.benches.values():
        if tag(b, "args.state") == "clean":
            clean[b.case_key("state")] = b
    out = {}
    for b in run.benches.values():
        if tag(b, "args.state") != "dirty" or b.tags.get("family") != "cache":
            continue
        c = clean.get(b.case_key("state"))
        r = ratio(b, c) if c is not None else None
        if r is not None and math.isfinite(r.lo) and not dearer(r):
            out[b.text] = r
    return out


# ---- words --------------------------------------------------------------------

def ns_text(x: float) -> str:
    """A time in the unit that keeps it short: 0.250 ns, 212.1 ns, 6.20 us, 1.50 ms."""
    for unit, f in (("ms", 1e6), ("us", 1e3)):
        if abs(x) >= f:
            return f"{textfmt.num(x / f)} {unit}"
    return f"{textfmt.num(x)} ns"


def times(x: float) -> str:
    """A ratio in words: 2,620x, 10.7x, 1.10x."""
    if not math.isfinite(x):
        return "-"
    if x >= 100:
        return f"{x:,.0f}x"
    return f"{x:.1f}x" if x >= 10 else f"{x:.2f}x"


def figure(i: Interval) -> str:
    """A value with its labelled interval: '2.62 us (p10-p90 of batches 2.61-2.63)'."""
    if i.kind == "ratio":
        v, bounds = times(i.value), (times(i.lo)[:-1], times(i.hi)[:-1])
    else:
        unit = next((u for u, f in (("ms", 1e6), ("us", 1e3)) if abs(i.value) >= f), "ns")
        f = {"ms": 1e6, "us": 1e3, "ns": 1.0}[unit]
        v = f"{textfmt.num(i.value / f)} {unit}"
        bounds = (textfmt.num(i.lo / f), textfmt.num(i.hi / f))
    if not math.isfinite(i.lo):
        return v
    return f"{v} ({i.label} {bounds[0]}-{bounds[1]})"


def _cases(run, pred) -> list:
    return [b for b in run.benches.values() if b.tags and pred(b) and b.metric().samples]


def _label(b, *skip) -> str:
    """The case by its variant and args (sizes in words), for a table row."""
    a = {k: v for k, v in (b.tags.get("args") or {}).items() if k not in skip}
    parts = [b.tags.get("variant", "?")]
    parts += [_size(v) if k == "size" else v if k in ("dir", "map") else f"{k}:{v}"
              for k, v in a.items()]
    return " ".join(parts)


# ---- hypercalls and exits -----------------------------------------------------

def _exit_name(b) -> str:
    """'hypercall (vmmcall)', 'xen_version (kmod)', 'mmio_kernel (vgic3)'."""
    op = b.tags.get("vm_op")
    if op:
        dev = tag(b, "args.dev")
        return f"{op} ({dev})" if dev else op
    return f"{b.tags.get('variant')} ({tag(b, 'args.exit', b.tags.get('family'))})"


def _exit_pairs(run, subject, baseline, key) -> list:
    """[(exit bench, its baseline, cost, baseline cost, ratio)] by exit rank."""
    base = {}
    for b in _cases(run, baseline):
        base.setdefault(key(b), b)
    out = []
    for b in sorted(_cases(run, subject), key=lambda b: b.tags.get("exit_rank", 99)):
        o = base.get(key(b))
        if o is not None and cost(b) and cost(o) and ratio(b, o):
            out.append((b, o, cost(b), cost(o), ratio(b, o)))
    return out


def _exit_finding(run, key, title, subject, baseline, pair_key, intro) -> Finding | None:
    pairs = _exit_pairs(run, subject, baseline, pair_key)
    if not pairs:
        return None
    b, o, c, oc, r = pairs[0]
    per_op = b.samples("exits_per_op")  # KVM's own count of the op's exits
    lead = (f"{intro}{_exit_name(b)} costs {figure(c)}"
            + (f", {textfmt.num(stats.median(per_op))} exits/op by KVM" if per_op else "")
            + f", {times(r.value)} "
            + ("a direct call in the same guest" if b.family == "vm"
               else f"a {o.tags.get('variant') or 'direct'} call")
            + f" ({ns_text(oc.value)}).")
    if len(pairs) > 1:
        lead += " Also " + "; ".join(f"{_exit_name(x)} {ns_text(xc.value)}, {times(xr.value)}"
                                     for x, _, xc, _, xr in pairs[1:]) + "."
    if b.family == "vm":
        lead += _guest_stamp(b)
    more = []
    rows = [Row(_exit_name(x), [xc, xr], note=y.text) for x, y, xc, _, xr in pairs]
    return Finding(key, title, lead, more, ["time", "ratio"], rows)


def _guest_stamp(b) -> str:
    """What the guest's figures are, where they are not hardware exits on the host."""
    if b.tags.get("guest_emulated"):
        return f" EMULATED by {b.tags.get('kvm_module', 'KVM')}, not hardware exits."
    return " KVM here is nested (the host is a guest)." if b.tags.get("host_nested") else ""


def _exit_keys():
    """The two exit questions: the host's (call/, kmod/) and dmabench's own guest (vm/)."""
    return [
        ("exit", "Hypercall vs call",
         lambda b: b.tags.get("kind") == "exit" and b.family != "vm",
         # The direct call, or the module's call to an empty kernel function.
         lambda b: (b.tags.get("kind") == "call" and b.tags.get("variant") == "direct")
         or (b.family == "kmod" and b.tags.get("variant") == "call"),
         lambda b: b.case_key("variant", "exit"), "A "),
        ("vm", "Guest exits (vm/)",
         lambda b: b.family == "vm" and b.tags.get("kind") == "exit",
         lambda b: b.family == "vm" and b.tags.get("kind") == "call",
         lambda b: b.family, "In dmabench's own guest, "),
    ]


# ---- pfn_valid eras against the flag -----------------------------------------

def _regions(b) -> float:
    """The map's region count (the lookup's `regions` counter)."""
    x = b.samples("regions")
    return stats.median(x) if x else math.nan


def _era_rows(run) -> list:
    """[(era bench, flag bench, ratio)] for every era case paired with the flag
    on the same map, pattern, foreign share, nodes and chain. The flag does not
    read the map: on a synthetic map the run measured it on one region count,
    so any synthetic map's flag of the same other args stands for it."""
    flags = _cases(run, lambda b: b.family == "lookup" and b.tags.get("variant") == "flag")
    flag = {b.case_key("variant"): b for b in flags}
    synth = {b.case_key("variant", "map"): b for b in flags
             if b.tags.get("map_kind") == "synthetic"}
    out = []
    for b in _cases(run, lambda b: b.family == "lookup" and b.tags.get("baseline") is False
                    and bool(b.tags.get("era"))):
        f = flag.get(b.case_key("variant"))
        if f is None and b.tags.get("map_kind") == "synthetic":
            f = synth.get(b.case_key("variant", "map"))
        r = ratio(b, f) if f is not None else None
        if r is not None:
            out.append((b, f, r))
    return out


def _sweep(rows) -> dict:
    """{era: [(regions, era bench, flag bench, ratio)]} over the synthetic maps
    with every other arg at the first value seen (one chain, no NUMA nodes,
    nothing foreign): the region count is then the only thing that varies."""
    synth = [x for x in rows if x[0].tags.get("map_kind") == "synthetic"
             and math.isfinite(_regions(x[0]))]
    if not synth:
        return {}
    keys = [x[0].case_key("variant", "map") for x in synth]
    fixed = max(dict.fromkeys(keys), key=keys.count)  # the setting most maps share
    out = {}
    for b, f, r in synth:
        if b.case_key("variant", "map") == fixed:
            out.setdefault(b.variant, []).append((_regions(b), b, f, r))
    return {k: sorted(v, key=lambda p: p[0]) for k, v in out.items() if len(v) >= 2}


def per_doubling(points) -> float:
    """The least-squares slope of the ratio over log2(regions): x per doubling."""
    x = [math.log2(p[0]) for p in points]
    y = [p[3].value for p in points]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    den = sum((a - mx) ** 2 for a in x)
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / den if den else math.nan


def span(lo: float, hi: float) -> str:
    """'2.49-2.90x', or '1.09x' when both ends read the same."""
    a, b = times(lo), times(hi)
    return a if a == b else f"{a[:-1]}-{b}"


def _sweep_item(era, pts) -> str:
    s = span(pts[0][3].value, pts[-1][3].value)
    return f"{era} {s} flat" if "-" not in s else f"{era} {s} ({per_doubling(pts):+.2f}x)"


def _pfn_lead(era, pts) -> str:
    lo, hi = pts[0], pts[-1]
    n = "region" if lo[0] == 1 else "regions"
    flag = ns_text(cost(lo[2]).value)
    if cost(hi[2]).value != cost(lo[2]).value:
        flag += f" and {ns_text(cost(hi[2]).value)}"
    return (f"pfn_valid() as {era} costs {figure(cost(lo[1]))} a lookup at {lo[0]:,.0f} {n}, "
            f"{ns_text(cost(hi[1]).value)} at {hi[0]:,.0f}: {times(lo[3].value)} to "
            f"{times(hi[3].value)} the flag ({flag}), {per_doubling(pts):+.2f}x per doubling.")


def packed(items, width: int = textfmt.WIDTH - 4) -> list:
    """Short items joined with '; ' into as few lines as fit (each line indented)."""
    lines = [""]
    for it in items:
        if lines[-1] and len(lines[-1]) + 2 + len(it) > width:
            lines.append("")
        lines[-1] += ("; " if lines[-1] else "") + it
    return ["    " + l for l in lines if l]


def _pfn_finding(run) -> Finding | None:
    rows = _era_rows(run)
    if not rows:
        return None
    sweep = _sweep(rows)
    table = [Row(_label(b), [cost(b), cost(f), r], note=b.tags.get("era", "")) for b, f, r in rows]
    curves = {era: [(p[0], p[3]) for p in pts] for era, pts in sweep.items()}
    boards = [x for x in rows if x[0].tags.get("map_kind") in ("profile", "host")]
    more = []
    if sweep:
        era = "memblock" if "memblock" in sweep else next(iter(sweep))
        lead = _pfn_lead(era, sweep[era])
        fixed = sweep[era][0][1]
        more.append("Others, 1 to most regions (per doubling): " + "; ".join(
            _sweep_item(e, pts) for e, pts in sweep.items() if e != era) + ".")
        table.append(Row("(the region sweep: " + " ".join(
            f"{k}:{v}" for k, v in fixed.args.items() if k != "map") + ")", []))
    else:
        b, f, r = max(rows, key=lambda x: x[2].value)
        lo = min(rows, key=lambda x: x[2].value)
        lead = (f"pfn_valid() as {b.variant} costs {figure(cost(b))} a lookup on map "
                f"{tag(b, 'args.map')}, {times(r.value)} the flag ({ns_text(cost(f).value)}); "
                f"the least of every era and map {times(lo[2].value)} ({lo[0].variant}, "
                f"{tag(lo[0], 'args.map')}).")
    if boards:
        lo = min(boards, key=lambda x: x[2].value)
        hi = max(boards, key=lambda x: x[2].value)
        more.append(f"Board maps: {times(lo[2].value)} ({lo[0].variant}, "
                    f"{tag(lo[0], 'args.map')}) to {times(hi[2].value)} ({hi[0].variant}, "
                    f"{tag(hi[0], 'args.map')}).")
    return Finding("pfn_valid", "pfn_valid eras vs the flag", lead, more,
                   ["era", "flag", "era / flag"], table, curves)


# ---- cache maintenance per line ----------------------------------------------

# The op's lead routine, by size, dirty and cold.
FLUSH_SIZES = ("4096", "1048576")
FLUSH_STATES = ("dirty", "cold")


def _flush_case(b) -> bool:
    a = b.tags.get("args") or {}
    return (b.tags.get("family") == "cache" and b.tags.get("unit") == "line"
            and b.tags.get("lead") is True and a.get("size") in FLUSH_SIZES
            and a.get("state") in FLUSH_STATES and "offset" not in a and "buffer" not in a
            and b.threads == 1)


def _flush_cells(run, gone) -> dict:
    """{op: {(size, state): bench, or EVICTED's short word}}."""
    out = {}
    for b in _cases(run, _flush_case):
        a = b.tags["args"]
        op = b.tags.get("cache_op", b.variant)
        out.setdefault(op, {})[(a["size"], a["state"])] = "evicted" if b.text in gone else b
    return out


def _per_line(x) -> str:
    return x if isinstance(x, str) else textfmt.num(cost(x).value) if x else "-"


def _both(small, big) -> str:
    """'2.621 and 0.619 ns' (4 KiB and 1 MiB), or the one measured."""
    if small and big:
        return f"{_per_line(small)} and {_per_line(big)} ns"
    if small or big:
        return f"{_per_line(small or big)} ns at {'4 KiB' if small else '1 MiB'}"
    return ""


def _cache_finding(run, gone) -> Finding | None:
    ops = _flush_cells(run, gone)
    if not ops:
        return None
    small, big = FLUSH_SIZES
    op, by = next(iter(ops.items()))
    d, c = by.get((small, "dirty")), by.get((small, "cold"))
    if isinstance(d, str) or d is None:
        lead = f"Flushing a 4 KiB buffer with {op}: the dirty lines were {d or 'not measured'}."
    else:
        r = ratio(d, c) if c is not None and not isinstance(c, str) else None
        big_dirty, cold = by.get((big, "dirty")), _both(c, by.get((big, "cold")))
        lead = (f"{op}: a dirty line {figure(cost(d))} at 4 KiB"
                + (f", {_per_line(big_dirty)} ns at 1 MiB" if big_dirty else "")
                + (f"; a cold one {cold}" if cold else "")
                + (f": dirty {times(r.value)} cold." if r else "."))
    more = []
    if len(ops) > 1:
        more.append("Others (dirty, cold; 4 KiB/1 MiB, ns/line): " + "; ".join(
            f"{o} {_per_line(b.get((small, 'dirty')))}/{_per_line(b.get((big, 'dirty')))}, "
            f"{_per_line(b.get((small, 'cold')))}/{_per_line(b.get((big, 'cold')))}"
            for o, b in list(ops.items())[1:]) + ".")
    if any(v == "evicted" for b in ops.values() for v in b.values()):
        more.append("evicted: written back before the flush, not a dirty-line cost.")
    rows = [Row(f"{o} {_size(sz)}", [b.get((sz, st)) if isinstance(b.get((sz, st)), str)
                                     else cost(b[(sz, st)]) if b.get((sz, st)) else None
                                     for st in FLUSH_STATES])
            for o, b in ops.items() for sz in FLUSH_SIZES]
    return Finding("cache", "Cache maintenance per line", lead, more, list(FLUSH_STATES), rows)


# ---- the composed map/unmap paths ---------------------------------------------

def _map_rows(run) -> list:
    """[(path bench, native bench, ratio)]: every composed map+unmap pair
    against the native pair of the same direction and size."""
    native = {(tag(b, "args.dir"), tag(b, "args.size")): b for b in _cases(
        run, lambda b: b.family == "dmamap" and b.variant == "native")}
    out = []
    for b in _cases(run, lambda b: b.family == "dmamap" and b.variant != "native"
                    and b.tags.get("op") == "pair"):
        n = native.get((tag(b, "args.dir"), tag(b, "args.size")))
        r = ratio(b, n) if n is not None else None
        if r is not None:
            out.append((b, n, r))
    return out


def _where(b) -> str:
    return f"{tag(b, 'args.dir')} {_size(tag(b, 'args.size'))}"


def _map_finding(run) -> Finding | None:
    rows = _map_rows(run)
    if not rows:
        return None
    by = {}
    for x in rows:
        by.setdefault(x[0].variant, []).append(x)
    path = "swiotlb" if "swiotlb" in by else next(iter(by))
    lo = min(by[path], key=lambda x: x[2].value)
    hi = max(by[path], key=lambda x: x[2].value)
    lead = (f"A {path} map+unmap pair costs {figure(cost(lo[0]))} at {_where(lo[0])}, "
            f"{times(lo[2].value)} native ({ns_text(cost(lo[1]).value)}), up to "
            f"{ns_text(cost(hi[0]).value)} at {_where(hi[0])}, {times(hi[2].value)} native "
            f"({ns_text(cost(hi[1]).value)}).")
    more = []
    if len(by) > 1:
        spans = [(min(xs, key=lambda x: x[2].value), max(xs, key=lambda x: x[2].value))
                 for xs in by.values()]
        more.append("Others over native: " + "; ".join(
            f"{a[0].variant} {span(a[2].value, z[2].value)}"
            for a, z in spans if a[0].variant != path) + ".")
    table = [Row(_label(b), [cost(b), cost(n), r]) for b, n, r in rows]
    return Finding("dmamap", "Map/unmap paths", lead, more, ["path", "native", "ratio"], table)


# ---- the device and IOMMU path (the module) -----------------------------------

PEER = "dma_map_benchmark"


def _devmap_first(cases) -> list:
    """The devmap cases, the default point first: burst:1, one thread, single
    mappings, the smallest size, to the device."""
    def rank(b):
        a = b.tags.get("args") or {}
        return (a.get("burst", "1") != "1", a.get("threads", "1") != "1",
                a.get("mode", "single") != "single", int(a.get("size", 0) or 0),
                a.get("dir") != "to_device")
    return sorted(cases, key=rank)


def _peer_text(b) -> str:
    """The kernel's own dma_map_benchmark beside dmabench, when the run holds it."""
    if b.tags.get("peer") != PEER:
        return ""
    g = lambda k: stats.median(b.samples(k)) if b.samples(k) else math.nan
    us = lambda k: ns_text(g(k) * 100)
    return (f"; {PEER}: map {us('peer_map_mean_100ns')} (sd {us('peer_map_sd_100ns')}), "
            f"unmap {us('peer_unmap_mean_100ns')} (sd {us('peer_unmap_sd_100ns')}), "
            f"dmabench {times(g('peer_ratio_map'))} and {times(g('peer_ratio_unmap'))} of it")


def _differs(b, ref) -> str:
    """The args of b that differ from ref's: 'domain:identity'."""
    a, r = b.tags.get("args") or {}, ref.tags.get("args") or {}
    return " ".join(f"{k}:{v}" for k, v in a.items() if r.get(k) != v)


def _device_finding(run) -> Finding | None:
    kmod = _cases(run, lambda b: b.family == "kmod" and b.tags.get("kind") != "exit")
    if not kmod:
        return None
    dev = _devmap_first([b for b in kmod if b.variant == "devmap"])
    pairs = [b for b in kmod if b.variant != "devmap" and b.tags.get("op") == "pair"]
    more = []
    if dev:
        b = dev[0]
        name = (b.tags.get("device") or {}).get("name", "the bound device") \
            if isinstance(b.tags.get("device"), dict) else "the bound device"
        lead = (f"On {name} (IOMMU domain {tag(b, 'args.domain', '?')}) a "
                f"{tag(b, 'args.mode', 'single')} {_where(b)} map+unmap costs "
                f"{figure(cost(b))}" + _peer_text(b) + ".")
        others = [x for x in dev[1:] if x.case_key("domain", "burst") == b.case_key("domain", "burst")]
        also = [f"{_differs(x, b)} {ns_text(cost(x).value)} ({times(ratio(x, b).value)})"
                for x in others]
    elif pairs:
        lo, hi = (min(pairs, key=lambda x: cost(x).value), max(pairs, key=lambda x: cost(x).value))
        lead = (f"The module's map+unmap pairs cost {figure(cost(lo))} ({_label(lo)}) to "
                f"{figure(cost(hi))} ({_label(hi)}).")
    else:
        lead = f"The module measured {len(kmod)} case(s); no map+unmap pair among them."
    if dev and pairs:
        lo, hi = (min(pairs, key=lambda x: cost(x).value), max(pairs, key=lambda x: cost(x).value))
        also.append(f"{_label(lo)} {ns_text(cost(lo).value)}" + (
            f" to {_label(hi)} {ns_text(cost(hi).value)}" if hi is not lo else ""))
    if dev and also:
        more.append("Also: " + "; ".join(also) + ".")
    rows = [Row(_label(b), [cost(b)], note=b.metric().unit) for b in kmod]
    return Finding("device", "Device and IOMMU path (module)", lead, more, ["time"], rows)


# ---- all of them --------------------------------------------------------------

def _verdicts(run, f: Finding) -> list:
    """The run's experiment verdict, beside the finding whose family it compared."""
    exp = run.get("experiment")
    if not isinstance(exp, dict):
        return []
    fams = {str(c.get("subject", "")).split("/")[0] for c in exp.get("comparisons", []) or []
            if isinstance(c, dict)}
    own = {"pfn_valid": "lookup", "dmamap": "dmamap", "cache": "cache", "exit": "call",
           "device": "kmod", "vm": "vm"}[f.key]
    if own not in fams:
        return []
    return [f"Experiment {exp.get('name', '?')}: {verdict_text(exp)}"]


def verdict_text(exp: dict) -> str:
    """'Verdict: SPLIT: supported for ...; not supported for ...: indistinguishable (n ...)'."""
    comps = [c for c in exp.get("comparisons", []) or [] if isinstance(c, dict)]
    counts = ", ".join(f"{exp.get(k, 0)} {k}" for k in ("supports", "contradicts", "inconclusive"))
    finding = f": {exp['finding']}" if exp.get("finding") else ""
    why = f": {exp['why']}" if exp.get("why") else ""
    return (f"Verdict: {str(exp.get('verdict', '?')).upper()}{why or finding} "
            f"({len(comps)} comparisons: {counts}).")


def findings(run) -> list:
    gone = evicted(run)
    out = [_exit_finding(run, *_exit_keys()[0]), _pfn_finding(run), _cache_finding(run, gone),
           _map_finding(run), _device_finding(run), _exit_finding(run, *_exit_keys()[1])]
    out = [f for f in out if f is not None]
    for f in out:
        f.verdicts = _verdicts(run, f)
    return out


# ---- text -------------------------------------------------------------------

def interval_text(i) -> str:
    """A table cell: the value, then its interval as labelled in the column."""
    if i is None:
        return "-"
    if isinstance(i, str):
        return i
    v = times(i.value) if i.kind == "ratio" else textfmt.num(i.value)
    if not math.isfinite(i.lo):
        return v
    return f"{v} ({textfmt.num(i.lo)}-{textfmt.num(i.hi)} {i.label})"


def cells(f: Finding, row: Row) -> list:
    """The row's cells under f.columns."""
    return [interval_text(c) for c in row.cells]


def text_lines(fs: list, width: int = textfmt.WIDTH) -> list:
    """The findings as paragraphs: title and lead sentence, then the condensed lines."""
    out = []
    for f in fs:
        out += _wrap(f"{f.title}: {f.lead}", "", "  ", width)
        for line in f.more + f.verdicts:
            out += _wrap(line, "  ", "  ", width)
    return [textfmt.ascii_only(l)[:width] for l in out]


def _wrap(text: str, indent: str, hang: str, width: int) -> list:
    """Wrapped, a figure never parted from its unit ('966.4 ns')."""
    glued = re.sub(r"(\d) (ns|us|ms|KiB|MiB|B|regions?)\b", "\\1\u00a0\\2", text)
    lines = textwrap.wrap(glued, width, initial_indent=indent, subsequent_indent=indent + hang,
                          break_on_hyphens=False)
    return [l.replace("\u00a0", " ") for l in lines]
