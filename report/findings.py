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
from dataclasses import dataclass, field

from . import stats, textfmt

EVICTED = "dirty lines already written back before the flush (evicted)"


@dataclass
class Interval:
    value: float
    lo: float
    hi: float
    basis: str          # "reps" (repetitions) or "batches" (p10-p90 inside the case)


@dataclass
class Row:
    label: str
    cells: list         # Interval or None per column, or a str
    note: str = ""


@dataclass
class Finding:
    title: str
    columns: list       # column headers (the value columns)
    unit: str           # "x" for ratios, else "ns/<unit>"
    rows: list = field(default_factory=list)


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
        return Interval(v.ratio, v.ci_lo, v.ci_hi, "reps")
    ma, mb = a.metric().samples, b.metric().samples
    if not ma or not mb:
        return None
    ba, bb = _band(a), _band(b)
    if ba is None or bb is None or min(bb) <= 0:
        r = stats.median(ma) / stats.median(mb)
        return Interval(r, math.nan, math.nan, "-")
    # The batches' medians, and the widest the bands allow.
    return Interval(ba[0] / bb[0], ba[1] / bb[2], ba[2] / bb[1], "batches")


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


# ---- the rules --------------------------------------------------------------

def _exit_label(b):
    """The exit named: its exit arg, else its family (kmod/xen_version)."""
    return f"{b.tags.get('variant')} ({tag(b, 'args.exit', b.tags.get('family'))})"


# (title, subject, baseline, differs, label of a row; rows of one label are pooled)
RATIOS = [
    ("Hypercall or VM exit / direct call",
     lambda b: b.tags.get("kind") == "exit",
     # The direct call, or the module's call to an empty kernel function.
     lambda b: (b.tags.get("kind") == "call" and b.tags.get("variant") == "direct")
     or (b.tags.get("family") == "kmod" and b.tags.get("variant") == "call"),
     ("variant", "exit"), _exit_label),
    ("pfn_valid era / flag (same map, pattern, foreign share)",
     lambda b: b.tags.get("family") == "lookup" and b.tags.get("baseline") is False
     and bool(b.tags.get("era")),
     lambda b: b.tags.get("family") == "lookup" and b.tags.get("variant") == "flag",
     ("variant",), lambda b: b.tags.get("variant")),
    ("swiotlb / native map+unmap",
     lambda b: b.tags.get("family") == "dmamap" and b.tags.get("variant") == "swiotlb",
     lambda b: b.tags.get("family") == "dmamap" and b.tags.get("variant") == "native",
     ("variant",), lambda b: f"{tag(b, 'args.dir')} {_size(tag(b, 'args.size'))}"),
]

# Flush cost per line: the op's lead routine, by size, dirty and cold.
FLUSH_SIZES = ("4096", "1048576")
FLUSH_STATES = ("dirty", "cold")


def _flush_case(b) -> bool:
    a = b.tags.get("args") or {}
    return (b.tags.get("family") == "cache" and b.tags.get("unit") == "line"
            and b.tags.get("lead") is True and a.get("size") in FLUSH_SIZES
            and a.get("state") in FLUSH_STATES and "offset" not in a and "buffer" not in a
            and b.threads == 1)


def _ratio_finding(run, title, subject, baseline, differs, label) -> Finding | None:
    base = {}
    for b in run.benches.values():
        if b.tags and baseline(b) and b.metric().samples:
            base.setdefault(b.case_key(*differs), b)
    pooled = {}
    for b in run.benches.values():
        if not (b.tags and subject(b) and b.metric().samples):
            continue
        other = base.get(b.case_key(*differs))
        r = ratio(b, other) if other is not None else None
        if r is not None:
            pooled.setdefault(label(b), []).append(r)
    if not pooled:
        return None
    f = Finding(title, ["ratio", "95% CI", "basis"], "x")
    for lbl, rs in pooled.items():
        if len(rs) == 1:
            f.rows.append(Row(lbl, [rs[0]]))
            continue
        # Several points (maps, patterns): the median ratio, and an interval
        # that holds every point's interval.
        v = stats.median([r.value for r in rs])
        lo = min(r.lo for r in rs)
        hi = max(r.hi for r in rs)
        basis = rs[0].basis if len({r.basis for r in rs}) == 1 else "mixed"
        f.rows.append(Row(lbl, [Interval(v, lo, hi, basis)], note=str(len(rs))))
    return f


def _flush_finding(run, gone) -> Finding | None:
    cells = {}
    for b in run.benches.values():
        if b.tags and _flush_case(b):
            a = b.tags["args"]
            row = f"{b.tags.get('cache_op', b.tags.get('variant'))} {_size(a['size'])}"
            c = cost(b)
            if c is not None:
                cells.setdefault(row, {})[a["state"]] = "evicted" if b.text in gone else c
    if not cells:
        return None
    f = Finding("Cache flush, ns per line (lead routine of each op)", list(FLUSH_STATES), "ns/line")
    for lbl, by in cells.items():
        f.rows.append(Row(lbl, [by.get(s) for s in FLUSH_STATES]))
    return f


def _kmod_finding(run) -> Finding | None:
    """Every measured module case (map/unmap by size, direction, coherence
    and domain type where tagged; cache ops; Xen's hypercalls when the run
    holds them), each labelled by its variant and args, in its own unit."""
    rows = []
    for b in run.benches.values():
        if b.tags.get("family") != "kmod":
            continue
        c = cost(b)
        if c is None:
            continue
        a = dict(b.tags.get("args") or {})
        parts = [b.tags.get("variant", "?")] + [_size(a.pop("size"))] if "size" in a else \
            [b.tags.get("variant", "?")]
        parts += [f"{k}:{v}" if v in ("yes", "no") else str(v) for k, v in a.items()]
        rows.append(Row(" ".join(parts), [c], note=b.metric().unit))
    if not rows:
        return None
    return Finding("Module (kmod), time per unit", ["ns", "95% CI", "basis"], "ns", rows)


def findings(run) -> list:
    gone = evicted(run)
    out = [_ratio_finding(run, *r) for r in RATIOS[:2]]
    out += [_flush_finding(run, gone), _kmod_finding(run), _ratio_finding(run, *RATIOS[2])]
    return [f for f in out if f is not None and f.rows]


# ---- text -------------------------------------------------------------------

def interval_text(i, unit="") -> str:
    if i is None:
        return "-"
    if isinstance(i, str):
        return i
    v = textfmt.num(i.value) + unit
    if not math.isfinite(i.lo):
        return v
    return f"{v} ({textfmt.num(i.lo)}-{textfmt.num(i.hi)})"


def cells(f: Finding, row: Row) -> list:
    """The row's cells under f.columns."""
    if f.columns[1:] == ["95% CI", "basis"]:
        i = row.cells[0]
        ci = "-" if not math.isfinite(i.lo) else f"{textfmt.num(i.lo)}-{textfmt.num(i.hi)}"
        unit = "x" if f.unit == "x" else ""
        note = f" {row.note}" if row.note.startswith("ns/") else f" x{row.note}" if row.note else ""
        return [textfmt.num(i.value) + unit, ci, i.basis + note]
    return [interval_text(c) for c in row.cells]


def text_lines(fs: list, width: int = textfmt.WIDTH) -> list:
    """The findings as preformatted lines: one block per finding, label then cells."""
    out = []
    for f in fs:
        heads = f.columns
        rows = [(r.label, cells(f, r)) for r in f.rows]
        widths = [max([len(h)] + [len(c[i]) for _, c in rows]) for i, h in enumerate(heads)]
        room = width - sum(w + 2 for w in widths)
        lw = min(max(len(l) for l, _ in rows) + 4, room)
        out.append(textfmt.ascii_only(f.title)[:width])
        out.append((" " * lw + "  ".join(h.rjust(w) for h, w in zip(heads, widths))).rstrip())
        for label, cs in rows:
            cells_text = "  ".join(c.rjust(w) for c, w in zip(cs, widths))
            if len(label) + 4 > lw:  # too long to sit beside its cells: a line of its own
                out.append(("  " + label)[:width])
                label = ""
            out.append((("  " + label).ljust(lw) + cells_text).rstrip())
    return [textfmt.ascii_only(l)[:width] for l in out]
