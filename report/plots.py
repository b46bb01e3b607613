"""Figures, each saved as PNG and SVG. Every plot takes the runs to draw (one
run, or several machines for a board) and a function giving the value to plot
for a benchmark, so the same shapes serve times, PMU counts and A/B ratios.

How a family is drawn is one row of FAMILY_PLOTS; a family without a row is
drawn by what its names show (a numeric argument with several values is a
sweep, anything else a bar chart).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from . import findings, identity, stats, textfmt  # noqa: E402
from .model import Bench, Metric, arg_number  # noqa: E402

plt.rcParams.update({
    "font.size": 9, "axes.titlesize": 10, "axes.grid": True, "grid.alpha": 0.35,
    "legend.fontsize": 8, "svg.hashsalt": "dmabench", "figure.dpi": 100,
})

LINESTYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]


@dataclass
class Spec:
    shape: str                 # "sweep", "ratio_bars", "stacked", "bars"
    x: str = ""                # sweep: the argument on the x axis
    panel: str = ""            # sweep: one panel per value of this argument
    xlog: bool = True
    xbytes: bool = False       # x values are sizes in bytes
    xlabel: str = ""
    reference: str = ""        # ratio_bars: variant the ratios are to
    xtag: str = ""             # sweep: the tag (context.dmabench.cases) holding the x number
    xpattern: str = ""         # the same for records without tags: regex over the name's arg
    min_points: int = 1        # sweep: series with fewer points are left to the tables

    def x_of(self, bench: Bench):
        """The x value of a benchmark, or None when it is not on this sweep."""
        if self.xtag and bench.tags:
            return arg_number(str(bench.tags.get(self.xtag, "")))
        value = bench.args.get(self.x)
        if value is None:
            return None
        if self.xpattern:  # only records without tags get here
            m = re.fullmatch(self.xpattern, str(value))
            return arg_number(m.group(1)) if m else None
        return arg_number(str(value))


FAMILY_PLOTS = {
    "calib": Spec("sweep", x="adds", xlog=False, xlabel="dependent adds per call"),
    "cache": Spec("sweep", x="size", panel="state", xbytes=True, xlabel="buffer size"),
    # lookup cases on a synthetic map carry its size as the tag regions (older
    # records: in the name, map:regions-N); maps taken from board profiles
    # (map:<board>) are drawn as bars beside it.
    # Only the region sweep itself is drawn: the p2m-node and foreign-share
    # cases sit at one map size each and would be hundreds of lone points.
    "lookup": Spec("sweep", x="map", xtag="regions", xpattern=r"regions-(\d+)", panel="pattern",
                   xlabel="memory regions in the map", min_points=2),
    "call": Spec("ratio_bars", reference="direct"),
    "dmamap": Spec("stacked", x="size", panel="dir", xbytes=True, xlabel="buffer size"),
}


def spec_for(family: str, benches: list) -> Spec:
    if family in FAMILY_PLOTS:
        return FAMILY_PLOTS[family]
    # A numeric argument with at least three values is a sweep.
    values = {}
    for b in benches:
        for k, v in b.args.items():
            if arg_number(str(v)) is not None:
                values.setdefault(k, set()).add(arg_number(str(v)))
    for k, vs in values.items():
        if len(vs) >= 3:
            pos = [v for v in vs if v > 0]
            xlog = len(pos) == len(vs) and max(pos) / min(pos) >= 16
            return Spec("sweep", x=k, xlog=xlog, xlabel=k)
    return Spec("bars")


def safe_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def save(fig, outdir: str, stem: str) -> str:
    os.makedirs(os.path.join(outdir, "plots"), exist_ok=True)
    base = os.path.join(outdir, "plots", stem)
    fig.savefig(base + ".png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(base + ".svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return stem


def _bytes_label(x, _pos=None) -> str:
    if x <= 0:
        return ""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if x >= size:
            v = x / size
            return f"{v:.0f} {unit}" if abs(v - round(v)) < 1e-9 else f"{v:.3g} {unit}"
    return f"{x:.0f} B"


def _plain_label(x, _pos=None) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.3g}"


def _log_y_if_wide(ax, values) -> None:
    pos = [v for v in values if v and v > 0 and math.isfinite(v)]
    if pos and max(pos) / min(pos) > 20:
        ax.set_yscale("log")


def _legend_below(fig, handles, labels) -> None:
    if not handles:
        return
    ncol = 1 if max(len(l) for l in labels) > 45 else 2 if max(len(l) for l in labels) > 28 else 3
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=ncol,
               frameon=False)


def _whiskers(descs) -> list:
    """Error bars from each point's median down to its smallest and up to its
    largest sample."""
    return [[d.median - d.lo for d in descs], [d.hi - d.median for d in descs]]


def _sweep_points(runs, family: str, spec: Spec, value):
    """The points of a sweep, {(panel, run index, series): [(x, Description,
    evicted)]}, with spec.min_points or more per series; then the panels and
    the series ({case key: label}), each in the order first met."""
    data, panels, series = {}, [], {}
    for ri, run in enumerate(runs):
        gone = findings.evicted(run)
        for b in run.in_family(family):
            x, m = spec.x_of(b), value(b)
            if x is None or m is None or not m.samples:
                continue
            panel = f"{spec.panel}:{b.args[spec.panel]}" if spec.panel in b.args else ""
            key = b.case_key(spec.x, spec.panel)
            # A series is labelled by its cases' name without the swept segments.
            series.setdefault(key, b.name.without(spec.x, spec.panel))
            if panel not in panels:
                panels.append(panel)
            data.setdefault((panel, ri, key), []).append((x, stats.describe(m.samples),
                                                          b.text in gone))
    data = {k: v for k, v in data.items() if len(v) >= spec.min_points}
    panels = [p for p in panels if any(k[0] == p for k in data)]
    series = {key: label for key, label in series.items() if any(k[2] == key for k in data)}
    return data, panels, series


def _draw_sweep_panel(ax, runs, data, panel: str, series: dict, cmap, handles: dict) -> list:
    """One line per series and run in one panel; returns the medians drawn."""
    yvals = []
    for ri, run in enumerate(runs):
        for si, (key, label) in enumerate(series.items()):
            pts = sorted(data.get((panel, ri, key), []), key=lambda p: p[0])
            if not pts:
                continue
            med = [p[1].median for p in pts]
            yvals += med
            h = ax.errorbar([p[0] for p in pts], med, yerr=_whiskers([p[1] for p in pts]),
                            color=cmap(si % cmap.N), linestyle=LINESTYLES[ri % len(LINESTYLES)],
                            marker=MARKERS[si % len(MARKERS)], markersize=4, capsize=2,
                            linewidth=1.2)
            handles.setdefault(label if len(runs) == 1 else f"{label} - {run.label}", h)
            # A dirty case whose lines were already written back: ringed,
            # so it is not read as a dirty-line cost.
            ev = [(p[0], p[1].median) for p in pts if p[2]]
            if ev:
                r = ax.scatter([e[0] for e in ev], [e[1] for e in ev], s=110,
                               facecolors="none", edgecolors="#b00020", linewidths=1.6,
                               zorder=5)
                handles.setdefault("ringed: " + findings.EVICTED, r)
    return yvals


def _sweep_axes(ax, spec: Spec, title: str, ylabel: str, yvals: list) -> None:
    if spec.xlog:
        ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(_bytes_label if spec.xbytes else _plain_label))
    ax.xaxis.set_minor_formatter(NullFormatter())
    _log_y_if_wide(ax, yvals)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel((spec.xlabel or spec.x) + (" (bytes, log scale)" if spec.xbytes
                                              else " (log scale)" if spec.xlog else ""))
    ax.tick_params(axis="x", labelbottom=True, labelrotation=30)


def sweep(runs, family: str, spec: Spec, value, ylabel: str, title: str, outdir: str,
          stem: str):
    """Value against spec.x, one panel per spec.panel value, one line per
    remaining case (and per machine on a board). Returns the stem, or None."""
    data, panels, series = _sweep_points(runs, family, spec, value)
    if not data:
        return None
    ncols = 1 if len(panels) == 1 else 2
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(10, 3.6 * nrows + 0.4), squeeze=False,
                             sharex=True)
    cmap = plt.get_cmap("tab10" if len(series) <= 10 else "tab20")
    handles = {}
    for pi, panel in enumerate(panels):
        ax = axes[pi // ncols][pi % ncols]
        yvals = _draw_sweep_panel(ax, runs, data, panel, series, cmap, handles)
        _sweep_axes(ax, spec, panel or title, ylabel, yvals)
    for pi in range(len(panels), nrows * ncols):
        axes[pi // ncols][pi % ncols].set_visible(False)
    if len(panels) > 1 or panels[0]:
        fig.suptitle(title)
    fig.tight_layout()
    _legend_below(fig, list(handles.values()), list(handles.keys()))
    return save(fig, outdir, stem)


def bars(runs, benches_of, value, xlabel: str, title: str, outdir: str, stem: str,
         annotate=None, log=None):
    """Horizontal bars (median, whiskers min-max), grouped by machine on a board.
    annotate(run, bench, description) -> text written at the end of the bar."""
    names = []
    for run in runs:
        for b in benches_of(run):
            if b.text not in names and value(b) is not None and value(b).samples:
                names.append(b.text)
    if not names:
        return None
    k = len(runs)
    height = 0.8 / k
    fig, ax = plt.subplots(figsize=(10, 0.9 + 0.32 * len(names) * max(1, k * 0.8)))
    cmap = plt.get_cmap("tab10")
    allv = []
    for ri, run in enumerate(runs):
        by = {b.text: b for b in benches_of(run)}
        ys, descs, notes = [], [], []
        for i, n in enumerate(names):
            b = by.get(n)
            m = value(b) if b else None
            if not m or not m.samples:
                continue
            d = stats.describe(m.samples)
            ys.append(i + (ri - (k - 1) / 2) * height)
            descs.append(d)
            notes.append(annotate(run, b, d) if annotate else "")
        meds, errs = [d.median for d in descs], _whiskers(descs)
        allv += meds
        ax.barh(ys, meds, height=height * 0.9, xerr=errs, color=cmap(ri % 10), capsize=2,
                label=run.label if k > 1 else None, error_kw={"linewidth": 0.8})
        for y, v, hi, note in zip(ys, meds, errs[1], notes):
            if note:
                ax.text(v + hi, y, "  " + note, va="center", fontsize=8)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    pos = [v for v in allv if v > 0]
    if log or (log is None and pos and max(pos) / min(pos) > 20):
        ax.set_xscale("log")
        xlabel += " (log scale)"
    ax.set_xlim(right=ax.get_xlim()[1] * (3 if ax.get_xscale() == "log" else 1.15))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    if k > 1:
        ax.legend(loc="lower right")
    fig.tight_layout()
    return save(fig, outdir, stem)


def ratio_to(run, bench: Bench, reference: str, metric):
    """Median ratio of bench to its family's reference variant: the family's
    ratio_to_<reference> counter when recorded, else computed from the medians."""
    key = f"ratio_to_{reference}"
    rec = bench.samples(key)
    if rec:
        return stats.median(rec)
    ref = next((b for b in run.in_family(bench.family) if b.variant == reference
                and not b.args and b.threads == 1), None)
    if ref is None:
        return None
    mr, mb = metric(ref), metric(bench)
    if not mr or not mb or not mr.samples or not mb.samples:
        return None
    r = stats.median(mr.samples)
    return stats.median(mb.samples) / r if r > 0 else None


def components(bench: Bench):
    """{component: median ns} of a composed path, or None when it records none.
    share_<piece> counters (each piece's fraction of the attributed time, as
    dmamap records them) split the headline time; without them, other
    counters are taken as components when they add up: in ns (to about the
    total), as fractions (to 1) or as percentages (to 100)."""
    total_m = bench.metric()
    if not total_m.samples:
        return None
    total = stats.median(total_m.samples)
    counters = bench.family_counters()
    shares = {k[len("share_"):]: stats.median(bench.samples(k))
              for k in counters if k.startswith("share_")}
    shares = {k: v for k, v in shares.items() if math.isfinite(v) and v >= 0}
    if shares and sum(shares.values()) > 0:
        s = sum(shares.values())  # medians of fractions need not add to exactly 1
        return {k: v / s * total for k, v in shares.items()}
    keys = [k for k in counters
            if k != total_m.key and not k.startswith(("ns_per_", "ratio_", "bytes_per_"))
            and k not in ("items_per_second",)]
    vals = {k: stats.median(bench.samples(k)) for k in keys}
    vals = {k: v for k, v in vals.items() if math.isfinite(v) and v >= 0}
    if len(vals) < 2:
        return None
    s = sum(vals.values())
    if abs(s - 1) < 0.05:
        return {k: v * total for k, v in vals.items()}
    if abs(s - 100) < 5:
        return {k: v / 100 * total for k, v in vals.items()}
    if total > 0 and abs(s / total - 1) < 0.25:
        return vals
    return None


def stacked(runs, family: str, title: str, outdir: str, stem: str):
    """Composed paths: one bar per path, split into its components. Paths
    differ by orders of magnitude, so each bar is its own 100 % and its total
    time is written beside it; the table and the sweep give the totals to scale."""
    rows = []  # (label, {component: ns}, unit)
    for run in runs:
        for b in run.in_family(family):
            comp = components(b)
            if comp:
                label = b.text if len(runs) == 1 else f"{b.text} - {run.label}"
                rows.append((label, comp, b.metric().unit))
    if not rows:
        return None
    order = []
    for _, comp, _ in rows:
        for k in comp:
            if k not in order:
                order.append(k)
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.4 * len(rows)))
    cmap = plt.get_cmap("tab10" if len(order) <= 10 else "tab20")
    totals = [sum(comp.values()) for _, comp, _ in rows]
    left = [0.0] * len(rows)
    for ci, comp_name in enumerate(order):
        widths = [100 * comp.get(comp_name, 0.0) / t if t > 0 else 0.0
                  for (_, comp, _), t in zip(rows, totals)]
        ax.barh(range(len(rows)), widths, left=left, color=cmap(ci % cmap.N), label=comp_name)
        left = [l + w for l, w in zip(left, widths)]
    for i, ((_, _, unit), total) in enumerate(zip(rows, totals)):
        ax.text(101, i, f" {textfmt.num(total)} {unit}", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("share of the path's time (%); median total at the right")
    ax.set_title(title)
    fig.tight_layout()
    _legend_below(fig, *ax.get_legend_handles_labels())
    return save(fig, outdir, stem)


def thread_scaling(runs, family: str, value, ylabel: str, outdir: str, stem: str,
                   limit: int = 16):
    """Value against thread count for every case measured at several thread
    counts: within one run, or across runs of one machine (each `dmabench run
    --threads N` is a run of its own). Returns (stem, shown, total) or None."""
    machines = []   # one entry per distinct machine identity, in run order
    groups, order = {}, {}  # order: case key -> its label, the name without threads
    for run in runs:
        who = identity.machine_line(run, 500)
        if who not in machines:
            machines.append(who)
        mi = machines.index(who)
        for b in run.in_family(family):
            m = value(b)
            if not m or not m.samples:
                continue
            key = b.case_key("threads")
            order.setdefault(key, b.name.without("threads"))
            groups.setdefault((mi, key), {})[b.threads] = stats.describe(m.samples)
    keys = [k for k in order if any(len(groups.get((mi, k), {})) >= 2
                                    for mi in range(len(machines)))]
    if not keys:
        return None
    shown = keys[:limit]
    label_of = {identity.machine_line(r, 500): r.label for r in runs}
    fig, ax = plt.subplots(figsize=(10, 4.2))
    cmap = plt.get_cmap("tab10" if len(shown) <= 10 else "tab20")
    handles, labels, yv, xs_all = [], [], [], set()
    for mi, who in enumerate(machines):
        for si, key in enumerate(shown):
            pts = sorted(groups.get((mi, key), {}).items())
            if len(pts) < 2:
                continue
            med = [p[1].median for p in pts]
            yv += med
            xs_all.update(p[0] for p in pts)
            h = ax.errorbar([p[0] for p in pts], med, yerr=_whiskers([p[1] for p in pts]),
                            color=cmap(si % cmap.N), linestyle=LINESTYLES[mi % 4],
                            marker=MARKERS[si % len(MARKERS)], capsize=2, markersize=4)
            handles.append(h)
            labels.append(order[key] if len(machines) == 1
                          else f"{order[key]} - {label_of[who]}")
    ax.set_xlabel("threads (pinned, running at once)")
    ax.xaxis.set_major_formatter(FuncFormatter(_plain_label))
    ax.set_xticks(sorted(xs_all))
    _log_y_if_wide(ax, yv)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{family}: thread scaling")
    fig.tight_layout()
    _legend_below(fig, handles, labels)
    return save(fig, outdir, stem), len(shown), len(keys)


VERDICT_COLOURS = {stats.FASTER: "#1a7f37", stats.SLOWER: "#c62828",
                   stats.NO_CHANGE: "#555555", stats.TOO_FEW: "#b0b0b0"}


def forest(rows, title: str, outdir: str, stem: str, colours=None,
           xlabel="NEW / BASE", meaning="< 1 faster, > 1 slower"):
    """A ratio with its 95 % interval per row, coloured by its verdict.
    rows: (name, v) with v.ratio, v.ci_lo, v.ci_hi and v.verdict."""
    rows = [r for r in rows if math.isfinite(r[1].ratio)]
    if not rows:
        return None
    colours = colours or VERDICT_COLOURS
    fig, ax = plt.subplots(figsize=(10, 1.3 + 0.3 * len(rows)))
    seen = set()
    for i, (name, v) in enumerate(rows):
        c = colours.get(v.verdict, "#555555")
        lab = v.verdict if v.verdict not in seen else None
        seen.add(v.verdict)
        if math.isfinite(v.ci_lo):
            ax.plot([v.ci_lo, v.ci_hi], [i, i], color=c, linewidth=2)
        ax.plot([v.ratio], [i], "o", color=c, label=lab, markersize=5)
    ax.axvline(1.0, color="black", linewidth=0.8)
    lo = min(min(v.ratio, v.ci_lo if math.isfinite(v.ci_lo) else v.ratio) for _, v in rows)
    hi = max(max(v.ratio, v.ci_hi if math.isfinite(v.ci_hi) else v.ratio) for _, v in rows)
    span = max(hi, 1.0 / lo, 1.02)
    # Symmetric about 1 in ratio terms; a log axis only when the ratios are far apart.
    scale = "linear"
    if span > 2:
        ax.set_xscale("log")
        scale = "log scale"
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:.3g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(1 / span / 1.02, span * 1.02)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel(f"{xlabel} ({scale}; {meaning}; line: 95 % interval)")
    ax.set_title(title)
    fig.tight_layout()
    _legend_below(fig, *ax.get_legend_handles_labels())
    return save(fig, outdir, stem)


def ratio_curves(curves: dict, title: str, outdir: str, stem: str):
    """A finding's ratio against its swept parameter (regions, log2 axis), one
    line per series with its interval as a band: the curve the text gives by
    its ends and slope. curves: {series: [(x, Interval)]}."""
    curves = {k: v for k, v in curves.items() if len(v) >= 2}
    if not curves:
        return None
    fig, ax = plt.subplots(figsize=(9, 5))
    for name, pts in curves.items():
        x = [p[0] for p in pts]
        line, = ax.plot(x, [p[1].value for p in pts], "o-", label=name, markersize=4)
        lo, hi = [p[1].lo for p in pts], [p[1].hi for p in pts]
        if all(math.isfinite(v) for v in lo + hi):
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15, linewidth=0)
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.axhline(1.0, color="black", linewidth=0.8)
    basis = next(iter(curves.values()))[0][1].label or "no interval"
    ax.set_xlabel("regions in the map (log2 scale)")
    ax.set_ylabel(f"ratio (band: {basis})")
    ax.set_title(title)
    fig.tight_layout()
    _legend_below(fig, *ax.get_legend_handles_labels())
    return save(fig, outdir, stem)


def metric_of(bench: Bench) -> Metric | None:
    m = bench.metric()
    return m if m.samples else None


def pmu_value(event: str):
    def value(b: Bench):
        pu = b.pmu_per_unit().get(event)
        return Metric(f"{event}/{pu[0]}", f"{event} per {pu[0]}", pu[1]) if pu else None
    return value


WHISKERS = "points: median of the repetitions; whiskers: fastest to slowest repetition."


def _sweep_caption(family: str, spec: Spec, ylabel: str) -> str:
    return (f"{family}: {ylabel} against {spec.xlabel or spec.x}"
            + (f", one panel per {spec.panel}" if spec.panel else "") + f"; {WHISKERS}")


def _sweep_figures(runs, family: str, spec: Spec, ylabel: str, outdir: str) -> list:
    """The sweep, and bars of what is not on it (other maps, unswept cases)."""
    figs = []
    st = sweep(runs, family, spec, metric_of, ylabel, f"{family}: time per unit",
               outdir, safe_stem(family))
    if st:
        figs.append((st, _sweep_caption(family, spec, ylabel)))
    off = lambda r: [b for b in r.in_family(family)
                     if spec.x_of(b) is None and b.metric().samples]
    if sum(len(off(r)) for r in runs) >= 2:
        st = bars(runs, off, metric_of, ylabel, f"{family}: not on the {spec.x} sweep",
                  outdir, safe_stem(family) + "_other")
        if st:
            figs.append((st, f"{family}: {ylabel} of the cases off the {spec.x} sweep; "
                         f"bars: {WHISKERS}"))
    return figs


def _ratio_bar_figures(runs, family: str, spec: Spec, ylabel: str, outdir: str) -> list:
    def note(run, b, _d, ref=spec.reference):
        r = ratio_to(run, b, ref, metric_of)
        return f"x{textfmt.num(r)} {ref}" if r is not None else ""
    st = bars(runs, lambda r: r.in_family(family), metric_of, ylabel,
              f"{family}: cost per call", outdir, safe_stem(family), annotate=note, log=True)
    return [(st, f"{family}: {ylabel} on a log axis; the number on each bar is its ratio "
                 f"to {family}/{spec.reference}; bars: {WHISKERS}")] if st else []


def _stacked_figures(runs, family: str, spec: Spec, ylabel: str, outdir: str) -> list:
    figs = []
    st = stacked(runs, family, f"{family}: composed paths by component", outdir,
                 safe_stem(family) + "_components")
    if st:
        figs.append((st, f"{family}: each composed path split by the share of its "
                     "attributed time each piece took (share_<piece>, medians), with the "
                     "path's median total beside its bar."))
    if spec.x:
        st = sweep(runs, family, spec, metric_of, ylabel, f"{family}: time against {spec.x}",
                   outdir, safe_stem(family))
        if st:
            figs.append((st, _sweep_caption(family, spec, ylabel)))
    return figs


MAIN_FIGURES = {"sweep": _sweep_figures, "ratio_bars": _ratio_bar_figures,
                "stacked": _stacked_figures, "bars": lambda *_: []}


def _main_figures(runs, family: str, spec: Spec, ylabel: str, outdir: str) -> list:
    figs = MAIN_FIGURES[spec.shape](runs, family, spec, ylabel, outdir)
    if figs or spec.shape == "sweep":
        return figs
    # Bars of the totals: the fallback when nothing else drew.
    st = bars(runs, lambda r: r.in_family(family), metric_of, ylabel, f"{family}",
              outdir, safe_stem(family))
    return [(st, f"{family}: {ylabel}; bars: {WHISKERS}")] if st else []


def _thread_figures(runs, family: str, ylabel: str, outdir: str) -> list:
    ts = thread_scaling(runs, family, metric_of, ylabel, outdir, safe_stem(family) + "_threads")
    if not ts:
        return []
    st, shown, total = ts
    more = f" (first {shown} of {total} series; all are in the table)" if shown < total else ""
    return [(st, f"{family}: {ylabel} against the number of threads{more}; {WHISKERS}")]


def _pmu_figures(runs, family: str, spec: Spec, benches: list, outdir: str) -> list:
    """One figure per PMU event that counted something."""
    figs, events = [], []
    for b in benches:
        events += [e for e in b.pmu_per_unit() if e not in events]
    for event in events:
        value = pmu_value(event)
        vals = [value(b) for b in benches if value(b)]
        if not any(x != 0 for v in vals for x in v.samples):
            continue  # all zero: the table says so; a flat line says nothing more
        per = sorted({v.unit.rsplit(" per ", 1)[-1] for v in vals})
        label = f"{event} per {' or '.join(per)} (median)"
        stem = safe_stem(f"{family}_pmu_{event}")
        if spec.shape == "sweep":
            st = sweep(runs, family, spec, value, label, f"{family}: {event}", outdir, stem)
        else:
            st = bars(runs, lambda r: r.in_family(family), value, label,
                      f"{family}: {event}", outdir, stem)
        if st:
            figs.append((st, f"{family}: PMU event {event} per unit, counted only while "
                         "the timed loop ran."))
    return figs


def family_figures(runs, family: str, outdir: str) -> dict:
    """Every figure for one family: {"main"|"threads"|"pmu": [(stem, caption)]}."""
    benches = [b for r in runs for b in r.in_family(family)]
    spec = spec_for(family, benches)
    units = sorted({b.metric().unit for b in benches if b.metric().samples})
    ylabel = " or ".join(units) + " (median)"
    return {"main": _main_figures(runs, family, spec, ylabel, outdir),
            "threads": _thread_figures(runs, family, ylabel, outdir),
            "pmu": _pmu_figures(runs, family, spec, benches, outdir)}
