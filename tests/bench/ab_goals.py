#!/usr/bin/python3
"""The A/B's two goals on two real runs of one binary (A/A), as
tests/cli/ab_goals.sh runs them:
  - the A/A calls at most 1 % of the benchmarks compared;
  - a planted change, one family's times x1.05 in a copy of RUN1, is called
    in at least 90 % of that family's benchmarks, and nothing else is called;
    every family in turn.
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
        line = []
        for who, src in (("copy of RUN1", r1), ("RUN2", r2)):
            hit = called(compare.compared(r1, planted(src, fam)))
            mine = sum(r.family == fam for r in hit)
            line.append(f"{who} {mine}/{size}, {len(hit) - mine} others")
            if who.startswith("copy"):
                good = mine >= math.ceil(HIT * size) and len(hit) == mine
                ok = ok and good
                line[-1] += "" if good else " MISSED"
        print(f"planted x{PLANTED} in {fam}: " + "; ".join(line))
    print("goals met" if ok else "GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
