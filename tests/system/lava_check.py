"""Checks a LAVA job of the kit's test definition (lava.sh), read through the
report's own parser (report/lava.py):

    lava_check.py JOB.log           every case with its measurement and units,
                                    the figures the --quick job must give, the
                                    record recovered whole
    lava_check.py --fleet OUTDIR    the fleet report's headline tables and plot

Prints one FAIL line per fault; exit 1 when any.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from report import lava  # noqa: E402

# Figures the job's quick suite (lava_job.py's FILTER) measures under TCG.
NEEDED = ("flush_ns_per_line", "map_unmap_ns")


def job_faults(path):
    with open(path, "rb") as f:
        raw = f.read()
    log = lava.entries(raw.decode("utf-8", "replace"))
    res = lava.results(log)
    faults = []
    for r in res:
        figure = r.case.split(".")[0]
        units = lava.FIGURES.get(figure, "x" if figure == lava.EXPERIMENT else None)
        if r.result == "pass" and (r.measurement is None or r.units != units):
            faults.append(f"{r.case}: measurement {r.measurement} units {r.units!r}, "
                          f"expected a number in {units!r}")
        if r.result == "fail":
            faults.append(f"{r.case}: failed on the board")
    for figure in NEEDED:
        if not any(r.case.startswith(figure + ".") and r.result == "pass" for r in res):
            faults.append(f"{figure}: missing (no passing case)")
    if not any(r.case.startswith("experiment.") for r in res):
        faults.append("experiment: missing (no case)")
    recs = lava.records(lava.console_lines(log))
    if not any(r.text for r in recs):
        faults.append("record: missing (no DMABENCH-BEGIN/END section came back whole)")
    faults += [f"record {r.name}: {r.why}" for r in recs if r.text is None]
    print(f"{len(res)} cases, {len(recs)} records", file=sys.stderr)
    return faults


def fleet_faults(out):
    """The fleet's tables: each map/unmap row with a figure from each job and
    the spread of the two (one CPU), and the plot ranking them."""
    with open(os.path.join(out, "tables.txt"), encoding="utf-8") as f:
        text = f.read()
    faults = []
    if "Fleet: headline figures per board" not in text:
        faults.append("fleet: no headline section")
    for figure in NEEDED:
        if lava.FIGURE_TITLES[figure] not in text:
            faults.append(f"fleet: no table '{lava.FIGURE_TITLES[figure]}'")
    rows = re.findall(r"size:(64|4096)/manual_time\s+[0-9.]+\s+[0-9.]+\s+[0-9]+%\s*$", text, re.M)
    if len(rows) < 4:  # native and swiotlb, each size
        faults.append(f"fleet: {len(rows)} map/unmap rows with both boards and their spread, expected 4")
    if not os.path.exists(os.path.join(out, "plots", "fleet_map_unmap_ns.png")):
        faults.append("fleet: no plot ranking the boards by map/unmap time")
    return faults


def main(argv):
    faults = fleet_faults(argv[1]) if argv[0] == "--fleet" else job_faults(argv[0])
    for f in faults:
        print("FAIL " + f)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
