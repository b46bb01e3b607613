"""The board of several runs, as a fleet: one table per headline figure
(report/lava.py's FIGURES) with a column per board, boards of one CPU side
by side with their spread, a plot ranking the boards per figure, and what
each run lacks (an identity, the suite's version, a record) said, never
merged away. Part of the board that render.py draws for several runs."""
from __future__ import annotations

import math
from collections import Counter

from . import identity, lava, plots, textfmt
from .doc import Figure, Heading, Para, Table

UNKNOWN = "identity unknown"
SPREAD = "; spread: slowest / fastest board of one CPU, minus 1"


def _cpu(run) -> str:
    return identity.cpu_name(run) if run.dmabench is not None else UNKNOWN


def groups(runs) -> list:
    """[(cpu, [run indexes])] in first-seen order; runs without identity alone each."""
    out = []
    for i, run in enumerate(runs):
        cpu = _cpu(run)
        known = next((g for g in out if g[0] == cpu and cpu != UNKNOWN), None)
        if known:
            known[1].append(i)
        else:
            out.append((cpu, [i]))
    return out


def spread(values) -> str:
    """max/min - 1 of a CPU's boards: how far apart boards of one CPU came out."""
    v = [x for x in values if x is not None and x > 0]
    if len(v) < 2:
        return "-"
    return f"{(max(v) / min(v) - 1) * 100:.0f}%"


def _columns(runs, grouped) -> tuple:
    """Headers (page, text) and the cell makers: each board, then each CPU's spread."""
    heads, theads, makers = [], [], []
    for cpu, idx in grouped:
        for i in idx:
            heads.append(f"M{i + 1} {runs[i].label}")
            theads.append(f"M{i + 1}")
            makers.append(lambda row, i=i: textfmt.num(row.get(i)) if i in row else "-")
        if len(idx) > 1:
            heads.append(f"{cpu}: spread")
            theads.append("spread")
            makers.append(lambda row, idx=idx: spread([row.get(i) for i in idx]))
    return heads, theads, makers


def _rank_plot(figure, by_board, runs, outdir) -> list:
    """Boards ranked by the geometric mean over the cases every board measured."""
    common = set.intersection(*[set(v) for v in by_board.values()]) if by_board else set()
    if len(by_board) < 2 or not common:
        return []
    score = {i: math.exp(sum(math.log(v[n]) for n in common) / len(common))
             for i, v in by_board.items() if all(v[n] > 0 for n in common)}
    order = sorted(score, key=score.get)
    fig, ax = plots.plt.subplots(figsize=(6.4, 0.45 * len(order) + 1.2))
    ax.barh([f"M{i + 1} {runs[i].label}" for i in order], [score[i] for i in order], color="#4a78b0")
    ax.invert_yaxis()
    ax.set_xlabel(f"{lava.FIGURES[figure]} (geometric mean of {len(common)} cases)")
    ax.set_title(lava.FIGURE_TITLES[figure])
    stem = plots.save(fig, outdir, f"fleet_{figure}")
    return [Figure(stem, f"{lava.FIGURE_TITLES[figure]}: boards ranked, lowest first, by the "
                         f"geometric mean over the {len(common)} cases every board measured.")]


def figure_blocks(runs, outdir) -> list:
    grouped = groups(runs)
    heads, theads, makers = _columns(runs, grouped)
    per_run = [lava.figures(r) for r in runs]
    blocks = []
    for figure, title in lava.FIGURE_TITLES.items():
        names = list(dict.fromkeys(n for f in per_run for n in f[figure]))
        if not names:
            continue
        rows = []
        for n in names:
            row = {i: f[figure][n] for i, f in enumerate(per_run) if n in f[figure]}
            rows.append((n, [make(row) for make in makers]))
        blocks.append(Table("benchmark", heads, rows, text_headers=theads,
                            caption=f"{title}; median per board" + SPREAD * (len(grouped) < len(runs))))
        by_board = {i: f[figure] for i, f in enumerate(per_run) if f[figure]}
        blocks += _rank_plot(figure, by_board, runs, outdir)
    return blocks


def _verdict_blocks(runs) -> list:
    per_run = [lava.verdicts(r) for r in runs]
    names = list(dict.fromkeys(n for v in per_run for n in v))
    if not names:
        return []
    return [Table("experiment", [f"M{i + 1}" for i in range(len(runs))],
                  [(n, [v.get(n, "-") for v in per_run]) for n in names],
                  caption="experiments' verdicts from the LAVA jobs (skip: cannot run there)")]


def notes(runs) -> list:
    """What keeps runs apart: another suite version, a lost record (a run without
    identity is said so by the board's run notes)."""
    out = []
    versions = Counter(r.get("version") for r in runs if r.dmabench is not None and r.get("version"))
    main = versions.most_common(1)[0][0] if versions else None
    for i, r in enumerate(runs):
        who = f"M{i + 1} ({r.label})"
        if r.dmabench is not None and r.get("version") != main:
            out.append(Para(f"{who}: suite version {r.get('version') or 'unknown'}, not "
                            f"{main}: its figures are shown beside the others, not pooled "
                            "with them.", kind="warn"))
        for lost in r.lava_lost:
            out.append(Para(f"{who}: a record in the job log was lost: {lost}.", kind="warn"))
    return out


def blocks(runs, outdir) -> list:
    """The fleet section of a board, or of one LAVA job whose record did not
    come back (its measurements are all there is); [] for one run otherwise."""
    if len(runs) < 2 and not (runs[0].dmabench is None and runs[0].lava):
        return []
    body = figure_blocks(runs, outdir) + _verdict_blocks(runs)
    if not body:
        return []
    return [Heading(2, "Fleet: headline figures per board")] + notes(runs) + body
