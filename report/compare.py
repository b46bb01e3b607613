"""A/B: NEW against BASE, per benchmark, with a verdict a reviewer can quote."""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import identity, plots, render, stats, textfmt
from .doc import Banner, Doc, Figure, Heading, Para, Table, Text
from .model import BadInput, Run

METHOD = ("How to read: NEW/BASE is the ratio of the geometric means over repetitions "
          "(with one repetition a side, of the two times). Each benchmark is tested against "
          "its own spread (Welch's t over the repetitions, or the harness's 95% half-width "
          "over the batches of a single repetition) plus the run-to-run spread between the "
          "two runs: two processes of the same code differ by more than either one's spread "
          "shows (placement, alignment), with tails far heavier than normal. That spread is "
          "a Student t (location 0; scale and degrees of freedom by maximum likelihood) "
          "fitted to the family's own log ratios about their median, so that a change of "
          "the whole family does not widen its own yardstick (a family of fewer than "
          f"{stats.MIN_NULL} benchmarks borrows the other families'). The calls are then "
          "made by the Benjamini-Hochberg procedure at a 5% false-discovery rate over every "
          "benchmark compared, and a shift under 1% is not called either way. The 95% intervals use the same scale "
          "and degrees of freedom. The time compared is the family's ns_per_<unit> counter "
          "when it has one, else the real time per iteration.")


@dataclass
class Compared:
    """One benchmark both runs hold: its repetitions described, and the verdict."""
    name: str
    family: str
    unit: str
    base: stats.Description
    new: stats.Description
    evidence: stats.Evidence | None
    verdict: stats.Verdict = None


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


def _rel95(bench) -> float:
    """The harness's 95 % half-width over the mean of one repetition; 0 when unrecorded."""
    x = [v for v in bench.samples("ci95_relative")]
    return stats.median(x) if x else 0.0


def _evidence(b, n, mb, mn):
    """log(NEW/BASE) and its own variance; None when the runs kept only aggregates."""
    if b.aggregates_only or n.aggregates_only:
        return None
    e = stats.welch_log(mb.samples, mn.samples)
    if e is not None:
        return e
    vb, vn = stats.median(mb.samples), stats.median(mn.samples)
    if not (vb > 0 and vn > 0):
        return None
    return stats.one_repetition(vb, _rel95(b), vn, _rel95(n))


def _described(base: Run, new: Run) -> list:
    """[Compared] without verdicts, for the cases both runs hold, in BASE's order."""
    out = []
    for b, n in _pairs(base, new):
        mb, mn = _pair_metric(b, n)
        if mb.samples and mn.samples:
            out.append(Compared(b.text, b.family, mb.unit, stats.describe(mb.samples),
                                stats.describe(mn.samples), _evidence(b, n, mb, mn)))
    return out


def nulls(rows: list) -> dict:
    """{family: Null}: the run-to-run spread fitted to the family's own
    benchmarks about their median (a change of the whole family moves the
    median, not the spread), or to the other families' when it has fewer than
    stats.MIN_NULL."""
    out = {}
    for fam in dict.fromkeys(r.family for r in rows):
        own = [r.evidence for r in rows if r.family == fam and r.evidence is not None]
        if len(own) < stats.MIN_NULL:
            own = [r.evidence for r in rows if r.family != fam and r.evidence is not None]
        out[fam] = stats.fit_null([e.log_ratio for e in own], [e.var for e in own])
    return out


def _verdict(r, null, called: bool) -> stats.Verdict:
    e = r.evidence
    if e is None:
        ratio = r.new.median / r.base.median if r.base.median > 0 else math.nan
        return stats.Verdict(r.base.n, r.new.n, ratio, math.nan, math.nan, math.nan,
                             stats.TOO_FEW)
    ratio = math.exp(e.log_ratio)
    lo, hi = stats.interval(e, null)
    word = stats.NO_CHANGE
    if called and ratio >= 1 + stats.MIN_EFFECT:
        word = stats.SLOWER
    elif called and ratio <= 1 / (1 + stats.MIN_EFFECT):
        word = stats.FASTER
    return stats.Verdict(r.base.n, r.new.n, ratio, lo, hi, stats.p_value(e, null), word)


def judged(base: Run, new: Run) -> tuple:
    """([Compared] with verdicts, {family: Null}): every benchmark tested
    against its spread and the run-to-run null, the calls made by
    Benjamini-Hochberg over all of them at once."""
    rows = _described(base, new)
    by_family = nulls(rows)
    tested = [r for r in rows if r.evidence is not None]
    ps = [stats.p_value(r.evidence, by_family[r.family]) for r in tested]
    calls = dict(zip(map(id, tested), stats.benjamini_hochberg(ps)))
    for r in rows:
        r.verdict = _verdict(r, by_family[r.family], calls.get(id(r), False))
    return rows, by_family


def compared(base: Run, new: Run) -> list:
    """[Compared] for the cases both runs hold, in BASE's order."""
    return judged(base, new)[0]


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


# Changes the summary lists before pointing to tables.txt for the rest.
SUMMARY_CHANGES = 8


def _called(rows: list) -> list:
    """The benchmarks called faster or slower, largest change first."""
    hit = [r for r in rows if r.verdict.verdict in (stats.FASTER, stats.SLOWER)]
    return sorted(hit, key=lambda r: -abs(math.log(r.verdict.ratio)))


def _change_lines(r, suffix: str) -> list:
    """A change as a reviewer pastes it: the name (wrapped at '/'), then its
    ratio, 95 % interval and both absolute times."""
    v, unit = r.verdict, r.unit
    name = r.name[:-len(suffix)] if suffix and r.name.endswith(suffix) else r.name
    figures = (f"    {v.verdict} {ratio_text(v.ratio)}x (95% {_ci(v)}): "
               f"{textfmt.num(r.base.median)} -> {textfmt.num(r.new.median)} {unit}")
    return textfmt.wrap_name(name, textfmt.WIDTH, hang="    ") + [figures[:textfmt.WIDTH]]


def _changes_blocks(rows: list, suffix: str, limit=None) -> list:
    """What changed, largest first: text lines for the summary (at most
    `limit`), a table for the page."""
    hit = _called(rows)
    if not hit:
        return [Para("No benchmark changed (see the counts and the method below).")]
    shown = hit if limit is None else hit[:limit]
    lines = ["Changed, largest first:"]
    for r in shown:
        lines += _change_lines(r, suffix)
    if len(hit) > len(shown):
        lines.append(f"... and {len(hit) - len(shown)} more changes: tables.txt (and index.html).")
    page = [(r.name, [r.verdict.verdict, ratio_text(r.verdict.ratio), _ci(r.verdict),
                      textfmt.num(r.base.median), textfmt.num(r.new.median), r.unit]) for r in hit]
    return [Text(lines, text_only=True),
            Table("benchmark", ["verdict", "NEW/BASE", "95% interval", "BASE", "NEW", "unit"],
                  page, caption="What changed, largest first", page_only=True)]


def _count_blocks(rows: list, by_family: dict, suffix: str) -> list:
    """How many of each verdict; the procedure, its null, and what chance gives."""
    counts = {k: 0 for k in (stats.SLOWER, stats.FASTER, stats.NO_CHANGE, stats.TOO_FEW)}
    for r in rows:
        counts[r.verdict.verdict] += 1
    blocks = [Para(f"{len(rows)} benchmarks compared: "
                   + ", ".join(f"{c} {k}" for k, c in counts.items() if c)
                   + (f"; every name ends in {suffix}, left off above." if suffix else "."))]
    tested = len(rows) - counts[stats.TOO_FEW]
    fitted = {f: n for f, n in by_family.items() if n.fitted_on}
    if fitted:
        df = lambda n: "normal" if math.isinf(n.df) else f"{n.df:.1f} df"
        null = ("plus the run-to-run spread between the two runs, a Student t fitted per "
                "family (scale, df: " + "; ".join(f"{f} {n.spread:.2%}, {df(n)}"
                                                   for f, n in fitted.items()) + ")")
    else:
        null = ("alone: too few benchmarks outside each family to fit the run-to-run "
                "spread, so compare a rerun of BASE with BASE (A/A) before trusting a "
                "small call")
    called = counts[stats.FASTER] + counts[stats.SLOWER]
    false = (f"; of these {called} calls, at most about {called / 20:.1f} are expected to be "
             "false" if called else "")
    blocks.append(Para(f"Calls: Benjamini-Hochberg at a 5% false-discovery rate over all "
                       f"{tested} benchmarks tested, each against its own spread {null}. "
                       "Chance alone: with nothing changed, no call at all in at least 95% of "
                       f"such pairs{false}."))
    if counts[stats.TOO_FEW]:
        blocks.append(Para(f"'{stats.TOO_FEW}': runs that kept only aggregates give nothing "
                           "to test; rerun without --benchmark_report_aggregates_only.", kind="note"))
    return blocks


def _family_blocks(family: str, rows: list, suffix: str, outdir: str) -> list:
    """One family's forest plot and verdict table (tables.txt and the page); the
    text leaves off the suffix every name carries."""
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
        short = r.name[:-len(suffix)] if suffix and r.name.endswith(suffix) else r.name
        text_rows.append((short, [ratio_text(v.ratio), _ci(v), v.verdict]))
    blocks.append(Table("benchmark", ["NEW/BASE", "95% interval", "p", "verdict", "BASE median",
                                      "NEW median", "unit", "n BASE/NEW"], page_rows,
                        text_headers=["NEW/BASE", "95% interval", "verdict"],
                        text_rows=text_rows))
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
    rows, by_family = judged(base, new)
    if not rows:
        raise BadInput(f"{base.path} and {new.path} have no measured benchmark name in common; "
                       "accepted: two runs of the same benchmarks (same names)")
    title = "dmabench A/B: NEW against BASE"
    suffix = textfmt.common_suffix([r.name for r in rows])
    doc = Doc(title)
    # summary.txt: who, what changed (largest first), the counts and the method;
    # tables.txt and the page: every benchmark.
    doc.add(*_header_blocks(base, new, title),
            *_changes_blocks(rows, suffix, SUMMARY_CHANGES), *_count_blocks(rows, by_family, suffix))
    doc.summary_end = len(doc.blocks)
    if len(_called(rows)) > SUMMARY_CHANGES:
        doc.add(Heading(2, "Every change"),
                *[b for b in _changes_blocks(rows, suffix) if isinstance(b, Text)])
    for family in dict.fromkeys(r.family for r in rows):
        doc.add(*_family_blocks(family, [r for r in rows if r.family == family], suffix,
                                 outdir))
    doc.add(*_unpaired_blocks(base, new))
    doc.add(Para(METHOD))
    return doc
