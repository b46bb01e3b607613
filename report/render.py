"""The report of one run, or a board of runs from several machines."""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

from . import findings, fleet, identity, plots, stats, textfmt
from .doc import Banner, Doc, Figure, Heading, Para, Table, Text
from .model import Run

# Linux software events (PERF_COUNT_SW_*, as libpfm4 names them): bookkeeping
# of the kernel, not of the code being timed.
SOFTWARE_EVENTS = {f"perf::{e}" for e in (
    "cpu-clock", "task-clock", "page-faults", "faults", "context-switches", "cs",
    "cpu-migrations", "migrations", "minor-faults", "major-faults", "alignment-faults",
    "emulation-faults", "dummy", "bpf-output", "cgroup-switches")}

METHOD = ("How to read: each figure is the median over the repetitions of a "
          "benchmark; MAD% is 1.4826 x the median absolute deviation divided by the "
          "median (a robust relative spread); min and max are the fastest and slowest "
          "repetitions; n is the number of repetitions. Names are exactly those of "
          "`dmabench list` and the result file.")


def _union(runs, family):
    """Names of the family over all runs, each variant's cases kept together
    (in the order the variants first appear), and per run name -> Bench."""
    names, by, variant_of = [], [], {}
    for run in runs:
        d = {}
        for b in run.in_family(family):
            d[b.text] = b
            variant_of.setdefault(b.text, b.variant)
            if b.text not in names:
                names.append(b.text)
        by.append(d)
    variants = list(dict.fromkeys(variant_of[n] for n in names))
    names.sort(key=lambda n: variants.index(variant_of[n]))
    return names, by


def _ratio_keys(benches):
    """ratio_to_<reference> counters (their _p10/_p90 companions are shown beside them)."""
    keys = []
    for b in benches:
        for k in b.family_counters():
            if k.startswith("ratio_to_") and not re.search(r"_p\d+$", k) and k not in keys:
                keys.append(k)
    return keys


def _ratio_cell(b, key, with_range):
    s = b.samples(key)
    if not s:
        return "-"
    cell = textfmt.num(stats.median(s))
    lo, hi = b.samples(key + "_p10"), b.samples(key + "_p90")
    if with_range and lo and hi:
        cell += f" (p10 {textfmt.num(stats.median(lo))}, p90 {textfmt.num(stats.median(hi))})"
    return cell


def _spread(s) -> str:
    r = s.rel_spread
    if not math.isfinite(r):
        return "-"
    return f"{r * 100:.1f}%" if r < 0.1 else f"{r * 100:.0f}%"


def _unstable(run, name) -> bool:
    """The run's own verdict (context.dmabench.statistics, from --cv-limit)."""
    st = (run.get("statistics", {}) or {}).get(name)
    return isinstance(st, dict) and st.get("unstable") is True


def _cv_limit(run):
    v = run.get("options.cv_limit")
    return v if isinstance(v, (int, float)) else None


def _compact(headers, rows, value_col, unit_col, n_col):
    """For 72 columns: a unit shared by every row moves into the caption (or
    the value header), as does a repetition count shared by every row."""
    notes, drop = [], set()
    units = {c[unit_col] for _, c in rows if c[unit_col]}
    if len(units) == 1:
        unit = units.pop()
        drop.add(unit_col)
        if value_col is not None:
            headers = list(headers)
            headers[value_col] = unit
            notes.append(f"median {unit}")
        else:
            notes.append(f"all in {unit}")
    if n_col is not None:
        counts = {c[n_col] for _, c in rows}
        if len(counts) == 1:
            drop.add(n_col)
            n = counts.pop()
            notes.append(f"over {n} repetition{'s' if n != '1' else ''} each")
    keep = [i for i in range(len(headers)) if i not in drop]
    return ([headers[i] for i in keep], [(l, [c[i] for i in keep]) for l, c in rows],
            " ".join(notes))


def _one_run_table(runs, names, by, family) -> list:
    """The main table of one run: median, unit, MAD%, min, max, n and ratios."""
    blocks = []
    ratio_keys = _ratio_keys([b for d in by for b in d.values()])
    rk_heads = ["x " + k[len("ratio_to_"):] for k in ratio_keys]
    rows, trows = [], []
    gone = findings.evicted(runs[0])
    for n in names:
        b = by[0][n]
        m = b.metric()
        if not m.samples:
            msg = "error: " + b.errors[0] if b.errors else "no samples"
            rows.append((n, [msg, "", "", "", "", ""] + [""] * len(ratio_keys)))
            trows.append((n, ["-", "", "-", "0"] + ["-"] * len(ratio_keys)))
            continue
        s = stats.describe(m.samples)
        ratios = [_ratio_cell(b, k, True) for k in ratio_keys]
        tratios = [_ratio_cell(b, k, False) for k in ratio_keys]
        nrep = f"{s.n}" + (" (aggr.)" if b.aggregates_only else "")
        flag = "*" if _unstable(runs[0], n) else ""
        if n in gone:  # not a dirty-line cost: the lines were written back already
            flag += " evicted"
        rows.append((n, [textfmt.num(s.median), m.unit, _spread(s) + flag, textfmt.num(s.lo),
                         textfmt.num(s.hi), nrep] + ratios))
        trows.append((n, [textfmt.num(s.median), m.unit, _spread(s) + flag, str(s.n)]
                      + tratios))
    theads, trows, note = _compact(["median", "unit", "MAD%", "n"] + rk_heads, trows,
                                   value_col=0, unit_col=1, n_col=3)
    if note:
        blocks.append(Para(f"{family}: {note}; MAD% is the robust spread.", text_only=True))
    blocks.append(Table("benchmark", ["median", "unit", "MAD%", "min", "max", "n"] + rk_heads,
                        rows, text_headers=theads, text_rows=trows))
    return blocks


def _board_table(runs, names, by) -> list:
    """The main table of several runs: a column per machine."""
    heads = [f"M{i + 1} median (MAD%)" for i in range(len(runs))]
    theads = [f"M{i + 1}" for i in range(len(runs))]
    rows, trows = [], []
    for n in names:
        unit, cells, tcells = "", [], []
        for ri, d in enumerate(by):
            b = d.get(n)
            m = b.metric() if b else None
            if not m or not m.samples:
                cells.append("-")
                tcells.append("-")
                continue
            unit = unit or m.unit
            s = stats.describe(m.samples)
            flag = "*" if _unstable(runs[ri], n) else ""
            cells.append(f"{textfmt.num(s.median)} ({_spread(s)}{flag}, n={s.n})")
            tcells.append(f"{textfmt.num(s.median)} +-{_spread(s)}{flag}")
        rows.append((n, [unit] + cells))
        trows.append((n, [unit] + tcells))
    theads, trows, note = _compact(["unit"] + theads, trows, value_col=None, unit_col=0,
                                   n_col=None)
    return [Table("benchmark", ["unit"] + heads, rows, text_headers=theads, text_rows=trows,
                  caption="median and robust spread (MAD%) per machine; "
                          "machines M1, M2... as listed at the top" + (f"; {note}" if note else ""))]


def _evicted_note(runs, names) -> list:
    if len(runs) != 1:
        return []
    gone = [n for n in names if n in findings.evicted(runs[0])]
    if not gone:
        return []
    return [Para(f"evicted: {findings.EVICTED}; these state:dirty cases were not significantly "
                 "dearer than state:clean of the same size in this run, so their times are not "
                 f"dirty-line costs ({len(gone)}: {', '.join(gone)}).", kind="warn")]


def _unstable_note(runs, names, by, family) -> list:
    marked = [n for n in names for ri, d in enumerate(by) if n in d and _unstable(runs[ri], n)]
    if not marked:
        return []
    limits = sorted({_cv_limit(r) for r in runs if _cv_limit(r) is not None})
    lim = " or ".join(f"{x * 100:.0f}%" for x in limits) or "the limit"
    return [Para(f"* unstable: the repetitions' coefficient of variation exceeded "
                 f"{lim} (dmabench run --cv-limit); treat the median with care "
                 f"({len(marked)} of {len(names)} in {family}).")]


def _ordered(benches, keys_of) -> list:
    """The keys of every bench, each once, in the order they first appear."""
    out = []
    for b in benches:
        out += [k for k in keys_of(b) if k not in out]
    return out


def _other_tables(runs, family) -> list:
    """Every other counter the family records, for the page."""
    blocks = []
    for run in runs:
        fam = run.in_family(family)
        keys = _ordered(fam, lambda b: [k for k in b.family_counters()
                                        if k != b.metric().key and k not in _ratio_keys([b])])
        if keys:
            rows = [(b.text, [textfmt.num(stats.median(b.samples(k)))
                              if b.samples(k) else "-" for k in keys]) for b in fam]
            cap = f"{family}: other counters (median)" + (f", {run.label}" if len(runs) > 1 else "")
            blocks.append(Table("benchmark", keys, rows, caption=cap, page_only=True))
    return blocks


def _pmu_tables(runs, family) -> list:
    """PMU counts per unit: one column per event; each cell names its unit."""
    blocks = []
    for run in runs:
        fam = run.in_family(family)
        events = _ordered(fam, lambda b: list(b.pmu_per_unit()))
        if not events:
            continue
        rows = []
        for b in fam:
            pu = b.pmu_per_unit()
            rows.append((b.text, [f"{textfmt.num(stats.median(pu[e][1]))}/{pu[e][0]}"
                                  if e in pu and pu[e][1] else "-" for e in events]))
        cap = (f"{family}: PMU counts per unit (median), counted only while the timed loop ran"
               + (f", {run.label}" if len(runs) > 1 else ""))
        # The mailing-list text keeps the hardware events that counted something;
        # kernel software events (context switches, faults) stay on the page.
        keep = [i for i, e in enumerate(events)
                if e not in SOFTWARE_EVENTS and any(r[1][i] not in ("-",) and
                                                    not r[1][i].startswith("0/") for r in rows)]
        blocks.append(Table("benchmark", events, rows, caption=cap, page_only=not keep,
                            text_headers=[events[i] for i in keep],
                            text_rows=[(n, [c[i] for i in keep]) for n, c in rows]))
        if any(b.multiplexed() for b in fam):
            blocks.append(Para("Some PMU counts were multiplexed (pmu_multiplexed = 1): they "
                               "are scaled estimates, not exact counts.", kind="note"))
    return blocks


def family_tables(runs, family) -> dict:
    """{"main", "pmu", "other", "errors": [blocks]} for one family."""
    names, by = _union(runs, family)
    main = _one_run_table(runs, names, by, family) if len(runs) == 1 else _board_table(runs, names, by)
    errs = [(n, d[n].errors[0]) for d in by for n in names if n in d and d[n].errors]
    return {"main": main + _unstable_note(runs, names, by, family) + _evicted_note(runs, names),
            "pmu": _pmu_tables(runs, family),
            "other": _other_tables(runs, family),
            "errors": [Table("benchmark", [], [(n, [f"error: {e}"]) for n, e in errs],
                             caption=f"{family}: benchmarks that reported an error")] if errs else []}


def schema_blocks(named) -> tuple:
    """The schema label of the runs [(who, run)] (identity.schema_line), said
    once: a line for the text under the machine lines, a note for the page.
    ([], []) when every record is of the current schema. A LAVA job's
    measurements without their record have no schema to speak of."""
    line = identity.schema_line([(w, r) for w, r in named if r.dmabench is not None or not r.lava])
    if not line:
        return [], []
    return [Text(textfmt.wrap(line), text_only=True)], [Para(line, kind="note", page_only=True)]


def _stamp_banners(runs) -> list:
    """One banner per distinct emulated or virtualised stamp, naming the runs it covers."""
    stamps = {}
    for i, run in enumerate(runs):
        level, _, text = identity.status(run)
        if level in ("emulated", "virtualised"):
            stamps.setdefault((level, text), []).append(i)
    blocks = []
    for (level, text), idx in stamps.items():
        who = "" if len(runs) == 1 else \
            ", ".join(f"M{i + 1}" for i in idx) + (f" ({runs[idx[0]].label})" if len(idx) == 1 else "") + ": "
        blocks.append(Banner(level, who + text))
    return blocks


def _run_notes(runs) -> list:
    """What each run's record warns of: no context, frequency scaling, the timer check."""
    blocks = []
    for i, run in enumerate(runs):
        who = "" if len(runs) == 1 else f"M{i + 1} ({run.label}): "
        note = run.missing_note()
        if note:
            blocks.append(Banner("unknown", who + "Machine identity unknown.", page_only=True))
            blocks.append(Para(who + note, kind="warn"))
        if run.context.get("cpu_scaling_enabled") is True:
            blocks.append(Para(who + "CPU frequency scaling was enabled: timings may vary "
                               "with the clock.", kind="warn"))
        cal = identity.calibration_text(run)
        if cal:
            # Under emulation the ladder measures qemu: recorded, not a warning.
            drifted = identity.status(run)[0] != "emulated" and (
                (run.get("calibration", {}) or {}).get("drifted") or
                (run.get("calibration.ladder", {}) or {}).get("linear") is False)
            blocks.append(Para(who + "Timer check: " + cal + ".", kind="warn" if drifted else ""))
    return blocks


def machine_blocks(runs) -> list:
    if len(runs) == 1:
        blocks = [Text(["Machine: " + identity.machine_line(runs[0], textfmt.WIDTH - 9)],
                       text_only=True)]
    else:
        blocks = [Text([f"M{i + 1}: " + identity.machine_line(r, textfmt.WIDTH - 4)
                        for i, r in enumerate(runs)], text_only=True),
                  Table("machine", ["name", "identity"],
                        [(f"M{i + 1}", [r.label, identity.machine_line(r, 200)])
                         for i, r in enumerate(runs)], page_only=True)]
    whos = [""] if len(runs) == 1 else [f"M{i + 1}" for i in range(len(runs))]
    schema_text, schema_page = schema_blocks(list(zip(whos, runs)))
    # A board's run notes follow its fleet tables (build).
    blocks += schema_text + _stamp_banners(runs) + schema_page + (_run_notes(runs) if len(runs) == 1 else [])
    for i, run in enumerate(runs):
        heading = "Machine and run" if len(runs) == 1 else f"M{i + 1}: {run.label}"
        blocks.append(Heading(2 if len(runs) == 1 else 3, heading, page_only=True))
        blocks.append(Table("", [], [(k, [v]) for k, v in identity.details(run)], page_only=True))
    return blocks


OUTCOME_COLOURS = {"supports": "#1a7f37", "contradicts": "#c62828",
                   "no significant difference": "#555555", "too few repetitions": "#b0b0b0"}


def _pair_label(subject: str, baseline: str) -> str:
    """'map_asymmetric vs xen_hypercall (size:64)': what differs, then what is shared."""
    a, b = subject.split("/"), baseline.split("/")
    if len(a) != len(b):
        return f"{subject} vs {baseline}"
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    shared = [a[i] for i in range(2, len(a)) if i not in diff and ":" in a[i]
              and not a[i].startswith(("dir:", "lookup:"))]
    label = "/".join(a[i] for i in diff) + " vs " + "/".join(b[i] for i in diff)
    return label + (f" ({'/'.join(shared)})" if shared else "")


def findings_blocks(run: Run, outdir: str = "") -> list:
    """The answers first, the same on every page: each finding's paragraph
    (lead sentence, condensed lines, an experiment's verdict beside it); the
    page adds every configuration's row and the curves. The text must fit
    the summary's 40 x 72."""
    fs = findings.findings(run)
    exp = run.get("experiment")
    blocks = []
    if isinstance(exp, dict) and not any(f.verdicts for f in fs):
        # No finding of the family it judged: the experiment's answer leads alone.
        blocks.append(Para(f"Experiment {exp.get('name', '?')}: " + verdict_text(exp),
                           text_only=True))
    if not fs:
        return blocks
    blocks += [Heading(2, "Findings", page_only=True),
              Text(["FINDINGS (95% CI/HL: over repetitions; batch p10-p90: not a CI)"] +
                   findings.text_lines(fs), text_only=True)]
    for f in fs:
        blocks.append(Para(f"{f.title}: {f.lead}", kind="strong", page_only=True))
        if f.more:
            blocks.append(Para(" ".join(m.strip() for m in f.more), page_only=True))
        blocks += [Para(v, kind="note", page_only=True) for v in f.verdicts]
    gone = findings.evicted(run)
    if gone:
        blocks.append(Para(f"evicted: {len(gone)} state:dirty case(s) were not significantly "
                           f"dearer than state:clean of the same size: {findings.EVICTED}; "
                           "their times are not dirty-line costs.", kind="note", page_only=True))
    for f in fs:  # below the paragraphs: the full tables and curves, page only
        rows = [(r.label, findings.cells(f, r)) for r in f.rows]
        blocks.append(Table("", f.columns, rows, caption=f"{f.title}: every configuration",
                            page_only=True))
        stem = plots.ratio_curves(f.curves, f"{f.title}: ratio by region count", outdir,
                                  plots.safe_stem(f"finding_{f.key}")) if f.curves and outdir else ""
        if stem:
            blocks.append(Figure(stem, f"{f.title}: each era over the flag by region count, "
                                       "with its interval as labelled in the table."))
    blocks.append(Para(PAGE_BASIS, page_only=True))
    return blocks


PAGE_BASIS = ("Findings are chosen by the cases' tags and never pool configurations: a ratio "
              "that depends on a parameter is given at the ends of its sweep, with its slope. "
              "'95% HL' is a Hodges-Lehmann ratio over repetitions with the exact Mann-Whitney "
              "95% interval; '95% CI' a median over repetitions with its order-statistic 95% "
              "interval; 'batch p10-p90' means too few repetitions: the 10th to 90th "
              "percentile of one run's batches (for a ratio, the widest the two bands allow), "
              "wider than a 95% interval and not one.")


verdict_text = findings.verdict_text


@dataclass
class Outcome:
    """One comparison of an experiment record, shaped as plots.forest reads it."""
    ratio: float
    ci_lo: float
    ci_hi: float
    verdict: str

    @staticmethod
    def of(c: dict) -> "Outcome":
        ci = c.get("ci95") or [math.nan, math.nan]
        return Outcome(float(c.get("ratio", math.nan)), float(ci[0]), float(ci[1]),
                       str(c.get("outcome", "")))


def _group_table(exp: dict) -> list:
    """The verdict per group, when the experiment has several."""
    groups = [g for g in exp.get("groups", []) or [] if isinstance(g, dict)]
    if len(groups) < 2:
        return []
    rows = [(str(g.get("group", "?")), [str(g.get("verdict", "?")), str(g.get("supports", 0)),
                                         str(g.get("contradicts", 0)),
                                         str(g.get("inconclusive", 0))]) for g in groups]
    # The page adds each group's era (long: kernel versions and sources).
    eras = any(g.get("era") for g in groups)
    return [Table(f"group ({exp.get('group_by', '?')})",
                  ["verdict", "supports", "contradicts", "inconclusive"] + (["era"] if eras else []),
                  [(l, c + ([str(g.get("era", ""))] if eras else []))
                   for (l, c), g in zip(rows, groups)],
                  caption="The verdict per group",
                  text_headers=["verdict", "supports", "contradicts", "inconclusive"],
                  text_rows=rows)]


def _comparison_blocks(exp: dict, outdir: str) -> list:
    """Each comparison: a forest plot, the page's table naming both benchmarks
    in full, and the text's saying what differs."""
    comps = [c for c in exp.get("comparisons", []) if isinstance(c, dict)]
    label = lambda c: _pair_label(c.get("subject", ""), c.get("baseline", ""))
    blocks = []
    stem = plots.forest([(label(c), Outcome.of(c)) for c in comps],
                        f"experiment {exp.get('name', '')}: subject / baseline",
                        outdir, plots.safe_stem(f"experiment_{exp.get('name', '')}"),
                        colours=OUTCOME_COLOURS, xlabel="subject / baseline",
                        meaning="< 1 the subject is faster")
    if stem:
        blocks.append(Figure(stem, "Each comparison's ratio of medians with its 95 % interval, "
                                   "coloured by what it says of the claim."))
    rows, trows = [], []
    for c in comps:
        o = Outcome.of(c)
        ci = f"{o.ci_lo:.3f}-{o.ci_hi:.3f}" if math.isfinite(o.ci_lo) else "-"
        rows.append((c.get("subject", "?"), [c.get("baseline", "?"), textfmt.num(o.ratio), ci,
                                              o.verdict]))
        trows.append((label(c), [textfmt.num(o.ratio), ci, o.verdict]))
    blocks.append(Table("subject", ["baseline", "ratio", "95% CI", "outcome"], rows,
                        page_only=True))
    blocks.append(Table("subject vs baseline", ["ratio", "95% CI", "outcome"], trows,
                        text_only=True))
    return blocks


def experiment_blocks(run: Run, outdir: str) -> list:
    """A `dmabench experiment` record: the claim, the verdict, each comparison."""
    exp = run.get("experiment")
    if not isinstance(exp, dict):
        return []
    blocks = [Heading(2, f"Experiment: {exp.get('name', '?')}")]
    if exp.get("claim"):
        blocks.append(Para(f"Claim (2014 review): \"{exp['claim']}\""))
    if exp.get("question"):
        blocks.append(Para(f"Measured: {exp['question']}, compared by {exp.get('metric', '?')}."))
    blocks.append(Para(verdict_text(exp), kind="strong"))
    blocks += _group_table(exp) + _comparison_blocks(exp, outdir)
    for missing in exp.get("cannot_run", []) or []:
        blocks.append(Para(f"Cannot run here: {missing}"))
    if exp.get("method"):
        blocks.append(Para(f"Method: {exp['method']}."))
    return blocks


def tail_blocks(runs) -> list:
    blocks = []
    for i, run in enumerate(runs):
        who = "" if len(runs) == 1 else f" on M{i + 1}"
        skipped = identity.skipped_rows(run)
        if skipped:
            blocks.append(Heading(2, f"Not run here{who}"))
            # The page lists what did not run beside why; the text leads with the
            # reason, since many variants share one.
            blocks.append(Table("variants or cases", [], [(n, [r]) for n, r in skipped],
                                text_rows=[(r, [n]) for n, r in skipped]))
        pmu = identity.pmu_rows(run)
        if pmu:
            avail = [n for n, a, _ in pmu if a == "yes"]
            reasons = {}
            for n, a, r in pmu:
                if a != "yes":
                    reasons.setdefault(r or "no reason given", []).append(n)
            missing = [f"{', '.join(ns)} ({r})" for r, ns in reasons.items()]
            blocks.append(Heading(2, f"PMU events{who}", page_only=True))
            blocks.append(Table("event", ["available", "reason"],
                                [(n, [a, r]) for n, a, r in pmu], page_only=True))
            blocks.append(Para(f"PMU events{who}: "
                               + (f"counted: {', '.join(avail)}" if avail else "none counted")
                               + (f"; not available: {'; '.join(missing)}" if missing else "")
                               + ".", text_only=True))
    blocks.append(Para(METHOD, kind=""))
    return blocks


def build(runs: list, outdir: str) -> Doc:
    identity.assign_labels(runs)
    if len(runs) == 1:
        title = "dmabench report: " + identity.machine_line(runs[0], 200)
        head = "dmabench report " + " ".join(
            x for x in (runs[0].context.get("date", ""),
                        f"rev {runs[0].get('git_revision')}" if runs[0].get("git_revision") else "")
            if x)
    else:
        machines = len({identity.machine_line(r, 500) for r in runs})
        title = (f"dmabench board: {len(runs)} machines" if machines == len(runs) else
                 f"dmabench board: {len(runs)} runs on {machines} machine"
                 + ("s" if machines > 1 else ""))
        head = title
    doc = Doc(title)
    doc.add(Heading(1, title, page_only=True), Text([textfmt.ascii_only(head)[:72]], text_only=True))
    # The stamp and the timer check, then the answers, then the machine's details.
    machine = machine_blocks(runs)
    cut = next((i for i, b in enumerate(machine) if isinstance(b, Heading)), len(machine))
    doc.add(*machine[:cut])
    if len(runs) == 1:
        doc.add(*findings_blocks(runs[0], outdir))
    doc.add(*fleet.blocks(runs, outdir))
    if len(runs) > 1:
        doc.add(*_run_notes(runs))
    doc.summary_end = len(doc.blocks)
    doc.add(*machine[cut:])
    for i, run in enumerate(runs):
        if not run.lava and not any(b.iterations or b.aggregates for b in run.benches.values()):
            who = "" if len(runs) == 1 else f"M{i + 1}: "
            doc.add(Para(f"{who}Nothing was measured in {os.path.basename(run.path)}: every "
                         "benchmark selected was skipped here; what and why is listed under "
                         "'Not run here'.", kind="warn"))
    for run in runs:
        doc.add(*experiment_blocks(run, outdir))
    families = []
    for run in runs:
        for f in run.families():
            if f not in families:
                families.append(f)
    for family in families:
        doc.add(Heading(2, family))
        figs = plots.family_figures(runs, family, outdir)
        tables = family_tables(runs, family)
        for role in ("main", "threads"):
            doc.add(*[Figure(stem, caption) for stem, caption in figs[role]])
        doc.add(*tables["main"])
        doc.add(*[Figure(stem, caption) for stem, caption in figs["pmu"]])
        doc.add(*tables["pmu"], *tables["other"], *tables["errors"])
    doc.add(*tail_blocks(runs))
    return doc
