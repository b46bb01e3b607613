#!/usr/bin/python3
"""The A/B's two goals on two real runs of one binary (A/A), as
tests/cli/ab_goals.sh runs them:
  - the A/A calls at most 1 % of the benchmarks compared;
  - a planted change, one family's times x1.05 in a copy of RUN1, is called
    in at least 90 % of that family's benchmarks whose own 95 % interval is
    narrower than 5 % (the rest are counted as too imprecise), and
    nothing else is called; every family in turn.
It also prints, without judging, the same change planted in RUN2 (a real
run-to-run difference on top): what one repetition a side can and cannot see.
Exit 1 when a goal is missed.

    /usr/bin/python3 tests/bench/ab_goals.py RUN1.json RUN2.json
"""
import copy
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from report import compare, model, stats  # noqa: E402

AA_LIMIT, PLANTED, HIT = 0.01, 1.05, 0.90
TIME_KEYS = ("real_time", "cpu_time")


def planted(run, family, factor=PLANTED):
    """A copy of run with every time of one family (and its ns_per_* counters) scaled."""
    out = copy.deepcopy(run)
    for b in out.benches.values():
        if b.family != family:
            continue
        for e in b.iterations:
            for k in list(e):
                if k in TIME_KEYS or k.startswith("ns_per_"):
                    e[k] *= factor
    return out


def resolves(row) -> bool:
    """Whether the benchmark's own 95 % interval (one repetition: the
    harness's) is narrower than the planted change: a change inside it is
    not evidence for any test, so the goal counts only those that resolve it."""
    e = row.evidence
    return e is not None and 1.96 * math.sqrt(e.var) < math.log(PLANTED)


def called(rows):
    return [r for r in rows if r.verdict.verdict in (stats.FASTER, stats.SLOWER)]


def main(p1, p2):
    r1, r2 = model.load(p1), model.load(p2)
    rows, nulls = compare.judged(r1, r2)
    aa = called(rows)
    ok = len(aa) <= AA_LIMIT * len(rows)
    print(f"A/A: {len(aa)} of {len(rows)} called (goal: at most {AA_LIMIT:.0%}); null per "
          "family: " + ", ".join(f"{f} {n.spread:.2%} df {n.df:.2f}" for f, n in nulls.items()))
    for r in aa:
        print(f"  {r.name}: {r.verdict.verdict} {r.verdict.ratio:.3f}")
    for fam in dict.fromkeys(r.family for r in rows):
        size = sum(r.family == fam for r in rows)
        blind = {r.name for r in rows if r.family == fam and not resolves(r)}
        line = [f"{len(blind)} of {size} too imprecise for 5 %"] if blind else []
        for who, src in (("copy of RUN1", r1), ("RUN2", r2)):
            hit = called(compare.compared(r1, planted(src, fam)))
            mine = sum(r.family == fam and r.name not in blind for r in hit)
            others = sum(r.family != fam for r in hit)
            line.append(f"{who} {mine}/{size - len(blind)}, {others} others")
            if who.startswith("copy"):
                good = mine >= math.ceil(HIT * (size - len(blind))) and others == 0
                ok = ok and good
                line[-1] += "" if good else " MISSED"
        print(f"planted x{PLANTED} in {fam}: " + "; ".join(line))
    print("goals met" if ok else "GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
