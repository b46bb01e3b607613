"""Checks what the arm64 system test's guest sent back (boot.sh's OUTDIR).

    check.py full OUTDIR KERNEL_RELEASE   the -cpu max boot: module, suite, kmod/
    check.py pmu OUTDIR KERNEL_RELEASE    the -cpu cortex-a57 boot: named core PMU

Prints each check, a summary of the kmod/ figures (stamped EMULATED), and
exits 1 if any check failed. Standard library only.
"""
import json
import re
import sys
from pathlib import Path

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)
    return ok


def section(outdir, name):
    """A section's text and exit status, or (None, None) if the guest never sent it."""
    body, rc = outdir / name, outdir / (name + ".rc")
    if not body.exists() or not rc.exists():
        return None, None
    return body.read_text(errors="replace"), int(rc.read_text().strip() or -1)


def load_json(outdir, name):
    text, rc = section(outdir, name)
    if not check(text is not None and rc == 0, f"{name}: sent back, exit status 0 (got {rc})"):
        err, _ = section(outdir, name + ".err")
        if err:
            print("      " + err.strip().replace("\n", "\n      ")[-2000:])
        return None
    try:
        return json.loads(text)
    except ValueError as e:
        check(False, f"{name}: valid JSON ({e})")
        return None


def by_name(result, prefix):
    return [b for b in result.get("benchmarks", [])
            if b.get("run_type", "iteration") == "iteration" and b["name"].startswith(prefix)]


def check_platform(doc, what, release):
    check(doc.get("arch") == "arm64", f"{what}: arch arm64 (got {doc.get('arch')})")
    em = doc.get("emulated", {})
    check(em.get("value") is True, f"{what}: emulated stamped true ({em.get('how')})")
    got = doc.get("kernel", {}).get("release")
    check(got == release, f"{what}: kernel {release} (got {got})")


def check_dmesg(outdir):
    text, rc = section(outdir, "dmesg")
    if not check(text is not None, "dmesg: sent back"):
        return
    bad = [l for l in text.splitlines()
           if re.search(r"BUG:|Oops|WARNING:|Call trace:|Unable to handle|Kernel panic", l)]
    check(not bad, "dmesg: no oops, BUG or WARNING" + ("" if not bad else ": " + bad[0]))


def full(outdir, release):
    text, _ = section(outdir, "lifecycle")
    life = dict(l.split("=", 1) for l in (text or "").split() if "=" in l)
    expect = {"insmod": "0", "device": "0", "rmmod_idle": "0", "device_after_rmmod": "1",
              "insmod_again": "0"}
    for k, v in expect.items():
        check(life.get(k) == v, f"module: {k} = {v} (got {life.get(k)})")
    check(life.get("rmmod_while_open", "0") != "0",
          f"module: rmmod refused while /dev/dmabench is open (status {life.get('rmmod_while_open')})")

    info = load_json(outdir, "info.json")
    if info:
        check_platform(info, "info", release)
        variants = {v["name"]: v for v in info.get("variants", [])}
        for v in ("kmod/call", "kmod/hypercall", "kmod/dma_map_page", "kmod/dma_map_single"):
            check(variants.get(v, {}).get("runs") is True,
                  f"info: {v} runs ({variants.get(v, {}).get('skip', 'absent')})")

    run_text, run_rc = section(outdir, "run.log")
    check(run_rc == 0, f"dmabench run --quick: exit status 0 (got {run_rc})")
    result = load_json(outdir, "result.json")
    if result:
        ctx = result.get("context", {}).get("dmabench", {})
        check_platform(ctx, "result", release)
        errors = [b["name"] for b in result.get("benchmarks", []) if b.get("error_occurred")]
        check(not errors, "result: no benchmark failed" + ("" if not errors else f": {errors[:3]}"))
        families = {b["name"].split("/")[0] for b in result.get("benchmarks", [])}
        check({"calib", "kmod"} <= families, f"result: families present: {sorted(families)}")
        # One iteration is one operation in every family: Time is ns_per_<op>,
        # the op named by the case's tags.
        cases = ctx.get("cases", {})
        off = [b["name"] for b in by_name(result, "") if not b.get("error_occurred")
               and abs(b["real_time"] - b.get("ns_per_" + cases.get(b["run_name"], {}).get("op", "?"), -1))
               > 1e-6 * b["real_time"]]
        check(cases and not off, "result: Time is each family's ns_per_<op>"
              + ("" if not off else f" (not in {off[:3]})"))

        hyper = by_name(result, "kmod/hypercall")
        if check(len(hyper) == 1, "result: kmod/hypercall present"):
            h = hyper[0]
            check(h.get("hypercall_ns_median", 0) > 0 and h.get("call_ns_median", 0) > 0
                  and h.get("ratio_to_call", 0) > 0,
                  "result: kmod/hypercall has hypercall and call medians and a ratio")
            # PSCI 0.2+ answers PSCI_VERSION with major << 16 | minor; SMCCC_VERSION
            # with 0x10000 or more too: the call really went to the firmware.
            check(h.get("hypercall_ret", 0) >= 0x10000,
                  f"result: the hypercall returned a version (0x{int(h.get('hypercall_ret', 0)):x})")
        maps = by_name(result, "kmod/dma_map_page/")
        coh = {("coherent:yes" in b["name"]): b for b in maps if "size:65536/dir:to_device" in b["name"]}
        check(len(maps) >= 2 and all(b.get("map_ns_median", 0) > 0 and b.get("unmap_ns_median", 0) > 0
                                     for b in maps),
              f"result: kmod/dma_map_page results with map and unmap medians ({len(maps)} cases)")
        if check(len(coh) == 2, "result: dma_map_page 64 KiB to_device, coherent and not"):
            # The non-coherent map cleans 16 lines per KiB; the coherent one only translates.
            check(coh[False]["map_ns_median"] > 2 * coh[True]["map_ns_median"],
                  "result: the non-coherent map costs more than twice the coherent one "
                  f"({coh[False]['map_ns_median']:.0f} vs {coh[True]['map_ns_median']:.0f} ns)")
        cycles = [b for b in result.get("benchmarks", []) if b.get("perf::cycles", 0) > 0]
        pmu = {e["name"]: e for e in ctx.get("pmu", {}).get("events", [])}
        check(pmu.get("perf::cycles", {}).get("available") is True and cycles,
              f"result: PMU cycles counted (perf::cycles in {len(cycles)} benchmarks)")
        summarise(result)
    check_dmesg(outdir)


def pmu(outdir, release):
    info = load_json(outdir, "info.json")
    if info:
        check_platform(info, "info", release)
        check(info.get("cpu", {}).get("part") == "Cortex-A57",
              f"info: CPU is a Cortex-A57 (got {info.get('cpu', {}).get('part')})")
    result = load_json(outdir, "pmu-result.json")
    if result:
        events = {e["name"]: e for e in result["context"]["dmabench"].get("pmu", {}).get("events", [])}
        for ev in ("arm_ac57::CPU_CYCLES", "arm_ac57::INST_RETIRED"):
            check(events.get(ev, {}).get("available") is True,
                  f"pmu: libpfm4 names {ev} on the Cortex-A57 PMU ({events.get(ev, {}).get('reason', 'absent')})")
        empty = by_name(result, "calib/empty")
        if check(len(empty) == 1, "pmu: calib/empty ran"):
            b = empty[0]
            check(b.get("arm_ac57::CPU_CYCLES", 0) > 0 and b.get("arm_ac57::INST_RETIRED", 0) > 0,
                  f"pmu: cycles {b.get('arm_ac57::CPU_CYCLES', 0):.2f} and instructions "
                  f"{b.get('arm_ac57::INST_RETIRED', 0):.2f} per call counted")
    check_dmesg(outdir)


def summarise(result):
    print("\nkmod/ figures in the guest -- EMULATED (qemu-system-aarch64 TCG), not hardware:")
    for b in by_name(result, "kmod/hypercall"):
        print(f"  hypercall {b['hypercall_ns_median']:.1f} ns vs call {b['call_ns_median']:.1f} ns "
              f"(medians per op): ratio {b['ratio_to_call']:.2f}")
    for b in by_name(result, "kmod/dma_map_"):
        print(f"  {b['name'].split('/manual_time')[0]:<72} map {b['map_ns_median']:8.1f} ns  "
              f"unmap {b['unmap_ns_median']:8.1f} ns")
    for b in by_name(result, "kmod/cache_"):
        how = "kernel routine" if b.get("direct") else "dma_sync_*"
        print(f"  {b['name'].split('/manual_time')[0]:<72} {b['cache_ns_median']:8.1f} ns per buffer ({how})")
    print()


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("full", "pmu"):
        print("usage: check.py full|pmu OUTDIR KERNEL_RELEASE", file=sys.stderr)
        return 2
    outdir = Path(sys.argv[2])
    (full if sys.argv[1] == "full" else pmu)(outdir, sys.argv[3])
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
