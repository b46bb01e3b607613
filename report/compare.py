"""A/B: NEW against BASE, per benchmark, with a verdict a reviewer can quote."""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import identity, plots, render, stats, textfmt
from .doc import Banner, Doc, Figure, Heading, Para, Table, Text
from .model import BadInput, Run

METHOD = ("How to read: NEW/BASE is the Hodges-Lehmann ratio, exp(median of "
          "log(new/base) over all pairs of repetitions); the 95% interval comes from "
          "inverting the exact two-sided Mann-Whitney U test, so it excludes 1 exactly when "
          "the test finds a shift at the 5% level. Below 1 NEW is faster, above 1 slower; "
          "a shift under 1% is not called either way (timer quantisation and runs of "
          "identical code differ by that much). "
          "The time compared is the family's ns_per_<unit> counter when it has one, else "
          "the real time per iteration.")


A_A = ("The interval reflects the noise between repetitions within each run. Two runs "
       "of the same code can still differ (placement in memory, clock, other load), "
       "more so in a VM: compare BASE with a rerun of BASE (an A/A test) to see how "
       "large that difference is on this machine before trusting a small verdict.")


@dataclass
class Compared:
    """One benchmark both runs hold: its repetitions described, and the verdict."""
    name: str
    family: str
    unit: str
    base: stats.Description
    new: stats.Description
    verdict: stats.Verdict


def _pair_metric(b, n):
    """The same quantity from both runs: the base's headline metric if NEW has it too."""
    mb = b.metric()
    mn = n.metric(prefer=mb.key) if mb.key != "real_time" else n.metric(prefer="real_time")
    if mb.key != mn.key:
        mb, mn = b.metric(prefer="real_time"), n.metric(prefer="real_time")
    return mb, mn


def _pairs(base: Run, new: Run) -> list:
    """[(base bench, new bench)] for every case both runs hold."""
    # A case keeps its name across runs but for Google Benchmark's time-type
    # segment (/manual_time), which a case gains when the harness starts timing it.
    declared = {x.name.declared: x for x in new.benches.values()}
    out = []
    for name, b in base.benches.items():
        n = new.benches.get(name) or declared.get(b.name.declared)
        if n is not None:
            out.append((b, n))
    return out


def _judge(b, n) -> Compared | None:
    """NEW against BASE for one case; None when either has no samples."""
    mb, mn = _pair_metric(b, n)
    if not mb.samples or not mn.samples:
        return None
    # Runs that kept only aggregates give no repetitions to compare.
    sb = [] if b.aggregates_only else mb.samples
    sn = [] if n.aggregates_only else mn.samples
    v = stats.shift(sb, sn)
    if b.aggregates_only or n.aggregates_only:
        r = stats.median(mn.samples) / stats.median(mb.samples)
        v = stats.Verdict(v.n_base, v.n_new, r, math.nan, math.nan, math.nan, stats.TOO_FEW)
    return Compared(b.text, b.family, mb.unit, stats.describe(mb.samples),
                    stats.describe(mn.samples), v)


def compared(base: Run, new: Run) -> list:
    """[Compared] for the cases both runs hold, in BASE's order."""
    return [c for c in (_judge(b, n) for b, n in _pairs(base, new)) if c is not None]


def ratio_text(x: float) -> str:
    """Three decimals, more when that would show a ratio other than 1 as 1.000."""
    if not math.isfinite(x):
        return "-"
    for digits in (3, 4, 5, 6):
        t = f"{x:.{digits}f}"
        if x == 1 or float(t) != 1:
            return t
    return t


def _ci(v) -> str:
    if not math.isfinite(v.ci_lo):
        return "-"
    return f"{ratio_text(v.ci_lo)}-{ratio_text(v.ci_hi)}"


def _header_blocks(base: Run, new: Run, title: str) -> list:
    """Who measured BASE and NEW: machine lines, schema label, stamps and notes."""
    blocks = [Heading(1, title, page_only=True),
              Text([title], text_only=True),
              Text(["BASE: " + identity.machine_line(base, textfmt.WIDTH - 6),
                    "NEW:  " + identity.machine_line(new, textfmt.WIDTH - 6)], text_only=True),
              Table("", [], [("BASE", [f"{base.path}: {identity.machine_line(base, 200)}"]),
                             ("NEW", [f"{new.path}: {identity.machine_line(new, 200)}"])],
                    page_only=True)]
    schema_text, schema_page = render.schema_blocks([("BASE", base), ("NEW", new)])
    blocks += schema_text
    sb, sn = identity.status(base), identity.status(new)
    if sb == sn and sb[0] in ("emulated", "virtualised"):
        blocks.append(Banner(sb[0], f"BASE and NEW: {sb[2]}"))
    else:
        for who, (level, _, text) in (("BASE", sb), ("NEW", sn)):
            if level in ("emulated", "virtualised"):
                blocks.append(Banner(level, f"{who}: {text}"))
    blocks += schema_page
    for who, run in (("BASE", base), ("NEW", new)):
        if run.missing_note():
            blocks.append(Para(f"{who}: {run.missing_note()}", kind="warn"))
    if identity.machine_line(base, 500) != identity.machine_line(new, 500):
        blocks.append(Para("BASE and NEW come from different machines (or kernels): the ratio "
                           "mixes the change with the machine difference.", kind="note"))
    return blocks


def _count_blocks(rows: list) -> list:
    """How many of each verdict, and what too few repetitions or many tests mean."""
    counts = {k: 0 for k in (stats.FASTER, stats.SLOWER, stats.NO_CHANGE, stats.TOO_FEW)}
    for r in rows:
        counts[r.verdict.verdict] += 1
    blocks = [Para(f"{len(rows)} benchmarks compared: "
                   + ", ".join(f"{c} {k}" for k, c in counts.items() if c) + ".")]
    if counts[stats.TOO_FEW]:
        need = stats.min_repetitions()
        blocks.append(Para(f"'{stats.TOO_FEW}': with fewer than {need} repetitions on each side "
                           "no result can reach 95% confidence; run both with "
                           f"`dmabench run --repetitions {need + 2}` or more.", kind="note"))
    decided = len(rows) - counts[stats.TOO_FEW]
    if decided >= 20:
        blocks.append(Para(f"Each verdict is a test at the 5% level: among {decided} benchmarks "
                           f"that did not change, about {decided / 20:.0f} would still be called "
                           "faster or slower by chance.", kind="note"))
    return blocks


def _family_blocks(family: str, rows: list, outdir: str) -> list:
    """One family's forest plot and verdict table."""
    blocks = [Heading(2, family)]
    stem = plots.forest([(r.name, r.verdict) for r in rows], f"{family}: NEW / BASE", outdir,
                        plots.safe_stem(f"compare_{family}"))
    if stem:
        blocks.append(Figure(stem, f"{family}: NEW/BASE per benchmark with its 95% interval "
                                   "(no line: too few repetitions for one)."))
    page_rows, text_rows = [], []
    for r in rows:
        v = r.verdict
        p = "-" if not math.isfinite(v.p_value) else f"{v.p_value:.2g}"
        page_rows.append((r.name, [ratio_text(v.ratio), _ci(v), p, v.verdict,
                                   textfmt.num(r.base.median), textfmt.num(r.new.median), r.unit,
                                   f"{v.n_base}/{v.n_new}"]))
        text_rows.append((r.name, [ratio_text(v.ratio), _ci(v), v.verdict]))
    blocks.append(Table("benchmark", ["NEW/BASE", "95% CI", "p", "verdict", "BASE median",
                                      "NEW median", "unit", "n BASE/NEW"], page_rows,
                        text_headers=["NEW/BASE", "95% CI", "verdict"], text_rows=text_rows))
    return blocks


def _unpaired_blocks(base: Run, new: Run) -> list:
    only_base = [n for n in base.benches if n not in new.benches]
    only_new = [n for n in new.benches if n not in base.benches]
    if not only_base and not only_new:
        return []
    return [Heading(2, "Not in both runs"),
            Table("benchmark", [], [(n, ["only in BASE"]) for n in only_base]
                  + [(n, ["only in NEW"]) for n in only_new])]


def build(base: Run, new: Run, outdir: str) -> Doc:
    base.label, new.label = "BASE", "NEW"
    rows = compared(base, new)
    if not rows:
        raise BadInput(f"{base.path} and {new.path} have no measured benchmark name in common; "
                       "accepted: two runs of the same benchmarks (same names)")
    title = "dmabench A/B: NEW against BASE"
    doc = Doc(title)
    doc.add(*_header_blocks(base, new, title), *_count_blocks(rows))
    for family in dict.fromkeys(r.family for r in rows):
        doc.add(*_family_blocks(family, [r for r in rows if r.family == family], outdir))
    doc.add(*_unpaired_blocks(base, new))
    doc.add(Para(A_A, kind="note"))
    doc.add(Para(METHOD))
    return doc
