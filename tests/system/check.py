"""Checks what the system test's guest sent back (boot.sh's OUTDIR).

    check.py full OUTDIR KERNEL_RELEASE   the -cpu max boot: module, suite, kmod/
    check.py pmu OUTDIR KERNEL_RELEASE    the -cpu cortex-a57 boot: named core PMU
    check.py fuzz OUTDIR KERNEL_RELEASE   the slub_debug boot: kmod_fuzz's log
    check.py xen OUTDIR KERNEL_RELEASE    the Xen 4.17 dom0 boot: xen_run's JSON lines,
                                          dmabench's record and map-unmap-symmetry's
    check.py smmu OUTDIR KERNEL_RELEASE   the SMMUv3 (amd64: intel-iommu) + edu boot:
                                          kmod_smmu's log
    check.py smmu-lazy|smmu-passthrough OUTDIR KERNEL_RELEASE
                                          the iommu.strict=0 / iommu.passthrough=1
                                          swiotlb=force boots: the stamps follow the
                                          kernel's choice

The guest's architecture is KERNEL_RELEASE's suffix (6.1.0-57-arm64, -amd64).
Prints each check, a summary of the kmod/ figures (stamped EMULATED), and
exits 1 if any check failed. Standard library only.
"""
import gzip
import json
import os
import re
import sys
from pathlib import Path

failures = []

# By the kernel's architecture: dmabench's arch, the IOMMU the module stamps
# (intel-iommu's class device has no parent: its name), the machine, the
# IOMMU's line for a translation fault, and whether the module's own device
# can be made non-coherent and virt's unbound platform device is there.
ARCH = {
    "arm64": dict(arch="arm64", iommu="arm-smmu-v3", model="qemu-system-aarch64 TCG, SMMUv3 model",
                  fault="event 0x10 received", noncoherent=True, platform=True),
    "amd64": dict(arch="x86_64", iommu="dmar0", model="qemu-system-x86_64 TCG, intel-iommu model",
                  fault="DMAR: [DMA ", noncoherent=False, platform=False),
}


def arch_of(release):
    return ARCH[release.rsplit("-", 1)[-1]]


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
    want = arch_of(release)["arch"]
    check(doc.get("arch") == want, f"{what}: arch {want} (got {doc.get('arch')})")
    em = doc.get("emulated", {})
    check(em.get("value") is True, f"{what}: emulated stamped true ({em.get('how')})")
    got = doc.get("kernel", {}).get("release")
    check(got == release, f"{what}: kernel {release} (got {got})")


def check_dmesg(outdir):
    text, rc = section(outdir, "dmesg")
    if not check(text is not None, "dmesg: sent back"):
        return
    # slub_debug reports "BUG <cache> (...): Redzone overwritten" and "FIX ...";
    # page poisoning "pagealloc: memory corruption".
    bad = [l for l in text.splitlines()
           if re.search(r"\bBUG\b|Oops|\bWARN|Call trace:|Unable to handle|Kernel panic"
                        r"|[Cc]orrupt|overwritten|Redzone|\bFIX \w", l)]
    check(not bad, "dmesg: no oops, BUG, WARNING or slab corruption" + ("" if not bad else ": " + bad[0]))


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


def fuzz(outdir, release):
    """kmod_fuzz's log (its format is in kmod_fuzz.c's header)."""
    text, _ = section(outdir, "fuzz-life")
    life = dict(l.split("=", 1) for l in (text or "").split() if "=" in l)
    for arg in ("slub_debug=FZPU", "page_poison=1"):
        check(arg in (text or "").split(), f"kernel booted with {arg}")
    for k in ("slab_sanity_checks", "slab_red_zone", "slab_poison", "slab_store_user"):
        check(life.get(k) == "1", f"slub: {k[5:]} on in kmalloc-256 (got {life.get(k)})")
    check(life.get("insmod") == "0", f"module: insmod = 0 (got {life.get('insmod')})")

    _, rc = section(outdir, "fuzz.log.gz")
    check(rc == 0, f"kmod_fuzz: exit status 0 (got {rc})")
    try:
        lines = gzip.decompress((outdir / "fuzz.log.gz").read_bytes()).decode().splitlines()
    except (OSError, EOFError, ValueError) as e:
        check(False, f"kmod_fuzz: log sent back ({e})")
        return
    classes, fields, requests, kills = {}, {}, [], []
    for l in lines:
        w = l.split()
        if w[:1] == ["T"] and len(w) == 5:
            classes[w[1]] = set(w[4].split(","))
        elif w[:1] == ["F"] and len(w) == 6:
            fields[(w[1], w[2])] = w[5]
        elif w[:1] == ["R"] and len(w) == 7:
            requests.append(dict(zip(("tag", "name", "answer", "expect", "kind", "field"), w[1:])))
        elif w[:1] == ["K"] and len(w) >= 5:
            kills.append(w)
    check(len(classes) >= 2 and "WRONG" in classes,
          f"kmod_fuzz: the request table came back ({len(classes) - 1} requests, {len(fields)} fields)")
    check(len(requests) >= 10000, f"kmod_fuzz: at least 10,000 requests answered (got {len(requests)})")
    bound = [l.split() for l in lines if l.startswith("B ")]
    in_bound = [r for r in requests if r["tag"] == "bound"]
    devmap_ok = sum(r["name"] == "DEVMAP" and r["answer"] == "0" for r in in_bound)
    # edu's DMA ops: the SMMU's (dma-iommu), or in a Xen dom0 Xen's (xen-swiotlb).
    ops = "xen-swiotlb" if life.get("hypervisor") == "xen" else "dma-iommu"
    check(len(bound) == 1 and bound[0][2:4] == ["0", ops] and len(in_bound) >= 1000 and devmap_ok >= 1,
          f"a phase with edu bound ({ops}): {len(in_bound)} requests, "
          f"{devmap_ok} DEVMAP through it succeeded ({bound[0][1:] if bound else 'not bound'})")

    outside = [r for r in requests if r["answer"] not in classes.get(r["name"], ())]
    check(not outside, "every answer is one its request's class allows" +
          ("" if not outside else f": {len(outside)} not, e.g. {outside[0]}"))
    wrong = [r for r in requests if r["expect"] != "-" and r["answer"] != r["expect"]]
    check(not wrong, "every answer the table predicts came (bad field, bad pointer, wrong number)" +
          ("" if not wrong else f": {len(wrong)} not, e.g. {wrong[0]}"))

    # Coverage: each request was tried often and got past its checks
    # sometimes (0, or an answer only its handler gives: EOPNOTSUPP where
    # this machine lacks it, ENODEV with nothing bound); each field was
    # refused for itself; each pointer kind and both processes ran.
    for name in sorted(set(classes) - {"WRONG"}):
        got = [r for r in requests if r["name"] == name]
        ok = sum(r["answer"] == "0" for r in got)
        ran = sum(r["answer"] not in ("EINVAL", "ERANGE", "EFAULT") for r in got)
        check(len(got) >= 200 and ran >= 1,
              f"{name}: {len(got)} requests, {ran} past the checks, {ok} succeeded")
    refused = {(r["name"], r["field"]) for r in requests
               if r["field"] != "-" and r["answer"] == r["expect"] and r["answer"] != "EFAULT"}
    missing = sorted(f"{n}.{f}" for n, f in fields if (n, f) not in refused)
    check(not missing, f"every field refused when outside its bounds ({len(fields)} fields)" +
          ("" if not missing else f": never {missing}"))
    kinds = {r["kind"] for r in requests}
    for k in ("null", "guard", "straddle", "kernel", "low", "readonly", "misaligned", "number"):
        check(k in kinds, f"pointer or number kind tried: {k}")
    tags = {t: [r for r in requests if r["tag"] == t] for t in ("two-a", "two-b")}
    busy = sum(r["answer"] == "EBUSY" for t in tags.values() for r in t)
    check(all(len(t) >= 1000 for t in tags.values()),
          f"two processes at once: {len(tags['two-a'])} and {len(tags['two-b'])} requests, {busy} EBUSY")

    # Signals mid-request: SIGUSR1 answered EINTR (the expect check above),
    # SIGKILL ended the caller; after each, a valid request succeeded.
    usr1 = [k for k in kills if k[3] == "SIGUSR1"]
    killed = [k for k in kills if k[3] == "SIGKILL" and k[4] == "Killed"]
    eintr = sum(r["tag"] == "signal" and r["answer"] == "EINTR" for r in requests)
    after = [r for r in requests if r["tag"].startswith("after-")]
    check(len(usr1) >= 2 and eintr == len(usr1) and len(killed) >= 2 and
          len(after) == len(usr1) + len(killed) and all(r["answer"] == "0" for r in after),
          f"signals mid-request: {eintr}/{len(usr1)} EINTR, {len(killed)} killed, "
          f"{sum(r['answer'] == '0' for r in after)}/{len(after)} valid requests after")
    final = [r for r in requests if r["tag"] == "final"]
    check(len(final) == 1 and final[0]["answer"] == "0",
          "the module still answers a valid request after the fuzz")

    text, _ = section(outdir, "fuzz-end")
    end = dict(l.split("=", 1) for l in (text or "").split() if "=" in l)
    check(end.get("rmmod") == "0" and end.get("device_after_rmmod") == "1",
          f"module: rmmod succeeds after the fuzz (rmmod={end.get('rmmod')})")
    check(end.get("validated") == "1", "slub: every cache validated after rmmod")
    counts = {}
    for r in requests:
        counts[(r["name"], r["answer"])] = counts.get((r["name"], r["answer"]), 0) + 1
    print("\nanswers: " + ", ".join(f"{n} {a} {c}" for (n, a), c in sorted(counts.items())))
    check_dmesg(outdir)

XEN_STAMP = "Xen 4.17 dom0, EMULATED (qemu TCG)"
FLUSH_SIZES = (64, 4096, 65536, 1 << 20)


def xen(outdir, release):
    """xen_run's JSON lines (its format is in xen_run.c's header)."""
    text, _ = section(outdir, "xen-life")
    life = dict(l.split("=", 1) for l in (text or "").split() if "=" in l)
    check(life.get("hypervisor") == "xen", f"dom0: /sys/hypervisor/type is xen (got {life.get('hypervisor')})")
    check(life.get("insmod") == "0", f"module: insmod = 0 (got {life.get('insmod')})")

    text, rc = section(outdir, "xen.jsonl")
    if not check(text is not None and rc == 0, f"xen_run: sent back, exit status 0 (got {rc})"):
        err, _ = section(outdir, "xen.jsonl.err")
        print("      " + (text or "").strip().replace("\n", "\n      ")[-2000:] + (err or ""))
    try:
        lines = [json.loads(l) for l in (text or "").splitlines() if l.strip()]
    except ValueError as e:
        check(False, f"xen_run: every line is JSON ({e})")
        return
    ctx = next((l["context"] for l in lines if "context" in l), {})
    results = {l["name"]: l for l in lines if "name" in l}
    check(ctx.get("platform") == XEN_STAMP and ctx.get("emulated", {}).get("value") is True
          and ctx.get("kernel") == release,
          f"context: {XEN_STAMP!r}, emulated, kernel {release} (got {ctx.get('platform')!r}, {ctx.get('kernel')})")
    unstamped = [n for n, r in results.items() if r.get("platform") != XEN_STAMP]
    check(results and not unstamped, f"every result stamped {XEN_STAMP!r}" +
          ("" if not unstamped else f": not {unstamped[:3]}"))
    errors = [f"{n}: {r['error']}" for n, r in results.items() if "error" in r]
    check(not errors, "no request refused" + ("" if not errors else f": {errors[:3]}"))

    want = ["kmod/xen_version", "kmod/dma_map_page/size:4096/dir:to_device/coherent:yes"]
    for op in ("clean", "inval", "clean_inval"):
        for size in FLUSH_SIZES:
            pages = -(-size // 4096)
            want += [f"kmod/gnttab_flush/op:{op}/size:{size}/per_call:{n}"
                     for n in sorted({1, min(pages, 256)})]
    missing = [n for n in want if n not in results]
    check(not missing, f"names present ({len(want)})" + ("" if not missing else f": missing {missing[:3]}"))

    v = results.get("kmod/xen_version", {})
    check(v.get("version") == 0x40011, f"xen_version answered 4.17 (0x{int(v.get('version', 0)):x})")
    check(v.get("hypercall_ns_median", 0) > v.get("call_ns_median", 0) > 0,
          f"the hypercall costs more than the function call ({v.get('hypercall_ns_median', 0):.0f} vs "
          f"{v.get('call_ns_median', 0):.0f} ns median)")

    # Xen answers each call 0 or its first op's error; xen_run counts them all.
    flushes = [r for n, r in results.items() if n.startswith("kmod/gnttab_flush/") and "error" not in r]
    bad = [r["name"] for r in flushes
           if not (r.get("hypercall_ns_median", 0) > 0 and r.get("local_ns_median", 0) > 0)]
    check(flushes and not bad, f"every flush has a hypercall and a local figure" + ("" if not bad else f": not {bad[:2]}"))
    failing = [f"{r['name']} ({r.get('failed_ops')} failed, first {r.get('first_status')})" for r in flushes
               if r.get("failed_ops") != 0 or r.get("first_status") != 0
               or r.get("ops_checked", 0) < r.get("pages", 1) * r.get("samples", 1)]
    check(flushes and not failing, f"every GNTTABOP_cache_flush op answered 0 "
          f"({sum(r.get('ops_checked', 0) for r in flushes)} ops checked)" +
          ("" if not failing else f": {failing[:2]}"))

    summarise_xen(results)
    if life.get("kit") == "1":
        xen_dmabench(outdir, release)
    else:
        print("note  no kit in the initramfs: dmabench's kmod/ Xen cases not run")
    check_dmesg(outdir)


def xen_dmabench(outdir, release):
    """The same requests through dmabench's kmod/ family: its JSON record."""
    _, rc = section(outdir, "xen-run.log")
    check(rc == 0, f"dmabench run (kmod/ Xen cases): exit status 0 (got {rc})")
    result = load_json(outdir, "xen-result.json")
    if not result:
        return
    ctx = result.get("context", {}).get("dmabench", {})
    check_platform(ctx, "dmabench result", release)
    benches = {b["name"].split("/manual_time")[0]: b for b in by_name(result, "kmod/")}
    errors = [n for n, b in benches.items() if b.get("error_occurred")]
    check(not errors, "dmabench result: no benchmark failed" + ("" if not errors else f": {errors[:3]}"))
    want = ["kmod/xen_version"] + [f"kmod/gnttab_flush/op:{op}/size:{size}/per_call:{n}"
                                   for op in ("clean", "inval", "clean_inval") for size in (64, 4096, 65536)
                                   for n in sorted({1, -(-size // 4096)})]
    missing = [n for n in want if n not in benches]
    check(not missing, f"dmabench result: names present ({len(want)})" +
          ("" if not missing else f": missing {missing[:3]}"))
    cases = ctx.get("cases", {})
    unstamped = [n for n in benches if cases.get(n + "/manual_time", {}).get("platform") != XEN_STAMP]
    check(benches and not unstamped, f"dmabench result: every kmod/ Xen case tagged {XEN_STAMP!r}" +
          ("" if not unstamped else f": not {unstamped[:3]}"))
    v = benches.get("kmod/xen_version", {})
    check(v.get("xen_version") == 0x40011 and v.get("hypercall_ns_median", 0) > v.get("call_ns_median", 0) > 0,
          f"dmabench result: xen_version 4.17, hypercall {v.get('hypercall_ns_median', 0):.0f} ns > "
          f"call {v.get('call_ns_median', 0):.0f} ns")
    flushes = [b for n, b in benches.items() if n.startswith("kmod/gnttab_flush/")]
    check(flushes and all(b.get("failed_ops") == 0 and b.get("hypercall_ns_median", 0) > 0
                          and b.get("local_ns_median", 0) > 0 for b in flushes),
          f"dmabench result: every flush timed both ways, no op failed ({len(flushes)} cases)")

    # kmod/xen_devmap: dom0's own DMA ops on edu (--device), on the page
    # xen_domu grants (--xen-grant) and on one of dom0's own.
    devmaps = {n: b for n, b in benches.items() if n.startswith("kmod/xen_devmap/")}
    want = [f"kmod/xen_devmap/page:{p}/size:4096/dir:{d}/coherent:no"
            for p in ("foreign", "local") for d in ("bidirectional", "to_device", "from_device")]
    missing = [n for n in want if n not in devmaps]
    check(not missing, f"dmabench result: kmod/xen_devmap names present ({len(want)})" +
          ("" if not missing else f": missing {missing[:3]}"))
    untimed = [n for n, b in devmaps.items()
               if not (b.get("map_ns_median", 0) > 0 and b.get("unmap_ns_median", 0) > 0 and b.get("real_time", 0) > 0)]
    check(devmaps and not untimed, f"dmabench result: every kmod/xen_devmap case timed per map and unmap "
          f"({len(devmaps)} cases)" + ("" if not untimed else f": not {untimed[:2]}"))
    ops = {n: cases.get(n + "/manual_time", {}).get("device", {}).get("dma_ops") for n in devmaps}
    check(devmaps and set(ops.values()) == {"xen-swiotlb"},
          f"dmabench result: the bound device's DMA ops are dom0's xen-swiotlb (got {sorted(set(map(str, ops.values())))})")
    # Linux asks Xen to maintain a granted page's caches (pfn_valid(bfn) is
    # false for it) at map, and at unmap unless the device only read it; dom0
    # maintains its own page itself. The module counts the hypercalls.
    wrong = []
    for n, b in sorted(devmaps.items()):
        foreign, to_device = "/page:foreign/" in n, "/dir:to_device/" in n
        if foreign and not (b.get("grant_status") == 0 and b.get("translated") == 1):
            wrong.append(f"{n}: grant status {b.get('grant_status')}, translated {b.get('translated')}")
        elif foreign and not (b.get("hypercalls_per_map", 0) >= 1 and
                              (b.get("hypercalls_per_unmap", 0) >= 1 or to_device)):
            wrong.append(f"{n}: {b.get('hypercalls_per_map')}+{b.get('hypercalls_per_unmap')} hypercalls")
        elif not foreign and not (b.get("hypercalls_per_map") == 0 and b.get("hypercalls_per_unmap") == 0):
            wrong.append(f"{n}: {b.get('hypercalls_per_map')}+{b.get('hypercalls_per_unmap')} hypercalls")
    check(devmaps and not wrong, "dmabench result: the granted page mapped and translated, Xen asked at its "
          "map (and unmap, but to_device), never for dom0's own page" + ("" if not wrong else f": {wrong[:2]}"))
    print(f"\nkmod/xen_devmap through dmabench -- {XEN_STAMP}, not hardware:")
    for n, b in sorted(devmaps.items()):
        print(f"  {n:<70} map {b.get('map_ns_median', 0):8.1f} ns  unmap {b.get('unmap_ns_median', 0):8.1f} ns"
              f"  ({ops[n]}, {b.get('hypercalls_per_map', -1):g}+{b.get('hypercalls_per_unmap', -1):g} hypercalls)")
    print()
    nogrant = load_json(outdir, "xen-nogrant.json")
    skipped = (nogrant or {}).get("context", {}).get("dmabench", {}).get("skipped", [])
    check(nogrant is not None and len(skipped) == len(want) and not by_name(nogrant, "kmod/")
          and all("--xen-grant DOMID:GREF" in s["reason"] for s in skipped),
          f"dmabench without --xen-grant: every kmod/xen_devmap case skipped, naming it ({len(skipped)}: "
          f"{skipped[0]['reason'] if skipped else '-'})")
    xen_experiment(outdir)


def xen_experiment(outdir):
    """map-unmap-symmetry in dom0: its record judges kmod/xen_devmap's pair too."""
    doc = load_json(outdir, "xen-experiment.json")
    if not doc:
        return
    e = doc.get("context", {}).get("dmabench", {}).get("experiment", {})
    pairs = [c for c in e.get("comparisons", []) if c["subject"].startswith("kmod/xen_devmap/page:foreign/")
             and c["baseline"] == c["subject"].replace("page:foreign", "page:local")]
    group = next((g for g in e.get("groups", []) if g["group"] == "xen_devmap"), {})
    check(e.get("name") == "map-unmap-symmetry" and pairs and "xen_devmap" in e.get("finding", ""),
          f"map-unmap-symmetry: its verdict names the kmod/xen_devmap comparison "
          f"({len(pairs)} pairs; {e.get('verdict')}: {e.get('finding')})")
    # Xen asked at map and unmap against dom0's own flush both times.
    check(group.get("verdict") == "supported",
          f"map-unmap-symmetry: the granted page costs more than dom0's own (xen_devmap: {group.get('verdict')}; "
          + ", ".join(f"{c['ratio']:.2f}x [{c['ci95'][0]:.2f}, {c['ci95'][1]:.2f}]" for c in pairs) + ")")


def summarise_xen(results):
    print(f"\nXen figures in dom0 -- {XEN_STAMP}, not hardware:")
    for n, r in results.items():
        if "error" in r or "skip" in r:
            continue
        if n == "kmod/xen_version":
            print(f"  {n:<70} hypercall {r['hypercall_ns_median']:9.1f} ns  call {r['call_ns_median']:7.1f} ns"
                  f"  ratio {r['ratio_to_call']:.1f}")
        elif n.startswith("kmod/gnttab_flush/"):
            print(f"  {n:<70} hypercall {r['hypercall_ns_median']:9.1f} ns  local {r['local_ns_median']:9.1f} ns"
                  f"  ({r['hypercalls']} calls)")
        elif "map_ns_median" in r:
            print(f"  {n:<70} map {r['map_ns_median']:8.1f} ns  unmap {r['unmap_ns_median']:8.1f} ns"
                  f"  ({r.get('dma_ops')})")
    print()


def smmu(outdir, release):
    """kmod_smmu's log (its format is in kmod_smmu.c's header)."""
    text, rc = section(outdir, "smmu.log")
    if not check(text is not None and rc == 0, f"kmod_smmu: sent back, exit status 0 (got {rc})"):
        err, _ = section(outdir, "smmu.log.err")
        print("      " + (err or "").strip().replace("\n", "\n      ")[-2000:])
        check_dmesg(outdir)
        return
    lines = [l.split() for l in text.splitlines() if l.strip()]
    kv = lambda w: dict(x.split("=", 1) for x in w if "=" in x)
    refuse = [w for w in lines if w[0] == "REFUSE"]
    check(len(refuse) == 1 and refuse[0][2] == "EBUSY",
          f"a device pci-stub holds is refused with EBUSY (got {refuse[0][2] if refuse else 'nothing'})")
    dmesg, _ = section(outdir, "dmesg")
    check("dmabench never unbinds another driver" in (dmesg or ""),
          "the refusal is one clear line in dmesg")
    want = {"strict": ("dma-iommu", "strict"), "lazy": ("dma-iommu", "lazy"),
            "identity": ("dma-direct", "identity")}
    a = arch_of(release)
    print(f"\nDEVMAP figures in the guest -- EMULATED ({a['model']}), "
          "not hardware; per op, ns min/median/p99/max:")
    for phase, (ops, domain) in want.items():
        st = [kv(w) for w in lines if w[:2] == ["STAMP", phase]]
        got = st[0] if st else {}
        check(got.get("ops") == ops and got.get("domain") == domain and got.get("iommu") == a["iommu"]
              and int(got.get("group", -1)) >= 0 and got.get("named") == "1",
              f"{phase}: stamps ops={ops} domain={domain} iommu={a['iommu']}, a group (got {got})")
        edu = [kv(w) for w in lines if w[:2] == ["EDU", phase]]
        check(len(edu) == 1 and edu[0].get("match") == "1",
              f"{phase}: edu's DMA moved the bytes through the mapping both ways ({edu})")
        ctl = [kv(w) for w in lines if w[:2] == ["CONTROL", phase]]
        check(len(ctl) == 1 and ctl[0].get("match") == "0",
              f"{phase}: a wrong device address is caught: the bytes do not come back ({ctl})")
        maps = [kv(w) for w in lines if w[:2] == ["MAP", phase]]
        modes = {(m.get("mode"), m.get("threads")) for m in maps if "map_ps" in m}
        bits32 = [m for m in maps if m.get("bits") == "32"]
        check(len(bits32) == 1 and "map_ps" in bits32[0],
              f"{phase}: a 32-bit DMA mask maps as well ({bits32[0].get('error', 'ok') if bits32 else 'absent'})")
        if ops == "dma-direct":
            bits12 = [m for m in maps if m.get("bits") == "12"]
            check(len(bits12) == 1 and bits12[0].get("error") == "EIO",
                  f"{phase}: a 12-bit mask is refused by dma-direct with EIO "
                  f"({bits12[0].get('error', 'mapped') if bits12 else 'absent'})")
        check({("single", "1"), ("single", "2"), ("sg", "1")} <= modes and
              all(int(x) > 0 for m in maps if "map_ps" in m for x in m["map_ps"].split(",") + m["unmap_ps"].split(",")),
              f"{phase}: DEVMAP single (1 and 2 threads) and sg figures ({sorted(modes)})")
        for m in maps:
            if "map_ps" in m:
                f = lambda v: "/".join(f"{int(x) / 1e3:.1f}" for x in v.split(","))
                print(f"  {phase:8} {m['mode']:6} threads {m['threads']} entries {m['entries']:>2}: "
                      f"map {f(m['map_ps'])}  unmap {f(m['unmap_ps'])}")
    smmu_lists(lines, kv, dmesg)
    own = {}
    for phase in ("own_coherent", "own_noncoherent"):
        m = [kv(w) for w in lines if w[:2] == ["MAP", phase] and "map_ps" in kv(w)]
        own[phase] = int(m[0]["map_ps"].split(",")[1]) if m else 0
        if m:
            print(f"  {phase:15} sg 16 entries: map median {own[phase] / 1e3:.1f} ns")
    if a["noncoherent"]:
        check(own["own_noncoherent"] > own["own_coherent"] > 0,
              "the module's own device: a non-coherent sg map (cache maintenance per entry) costs "
              f"more than a coherent one ({own['own_noncoherent'] / 1e3:.1f} vs {own['own_coherent'] / 1e3:.1f} ns)")
    else:
        check(own["own_coherent"] > 0 and not own["own_noncoherent"],
              "the module's own device: a coherent sg map, and no non-coherent one where DMA is coherent "
              f"({own['own_coherent'] / 1e3:.1f} ns)")
    print()
    # The IOMMU saw the wrong addresses: a translation fault (the SMMU's
    # F_TRANSLATION, event 0x10) once in each translated phase.
    faults = (dmesg or "").count(a["fault"])
    check(faults >= 2, f"the IOMMU reported translation faults for the wrong addresses ({faults})")
    over = [w for w in lines if w[0] == "OVERRIDE"]
    check(len(over) == 1 and over[0][2] == "(null)",
          f"driver_override restored after UNBIND (got {over[0][2:] if over else 'nothing'})")
    drv = [w for w in lines if w[0] == "DRIVER"]
    check(len(drv) == 1 and drv[0][2] == "none", "the device is left unbound")
    rm = [w for w in lines if w[0] == "RMMOD"]
    check(len(rm) == 1 and rm[0][1] == "0", "rmmod succeeds")
    if os.environ.get("DMABENCH_SMMU_DEVMAP") == "1":
        smmu_devmap(outdir, release)
    check_dmesg(outdir)


def smmu_lists(lines, kv, dmesg):
    """Issue 20's sg lists in the strict domain: 64 MiB mapped, 1 GiB refused in a 1 GiB guest."""
    lists = {kv(w).get("bytes"): kv(w) for w in lines if w[:2] == ["LIST", "strict"]}
    small, big = lists.get(str(64 << 20), {}), lists.get(str(1 << 30), {})
    ps = small.get("map_ps", "0").split(",") + small.get("unmap_ps", "0").split(",")
    check(small.get("ticks") == "ok" and small.get("entries") == "16384" and all(int(x) > 0 for x in ps),
          f"strict: a 64 MiB sg list (16384 entries) mapped and unmapped through the IOMMU, every sample "
          f"back ({small})")
    need = [int(n) for n in re.findall(r"dmabench: DEVMAP needs (\d+) MiB, over half of the \d+ MiB available",
                                        dmesg or "")]
    check(big.get("error") == "ENOMEM" and any(n >= 1024 for n in need),
          f"strict: a 1 GiB sg list refused with ENOMEM in the 1 GiB guest, dmesg naming the MiB it needed "
          f"({big}, needs {need} MiB)")
    if "map_ps" in small:
        f = lambda v: "/".join(f"{int(x) / 1e6:.2f}" for x in v.split(","))
        print(f"  strict   sg list 64 MiB (16384 entries), us min/median/p99/max: map {f(small['map_ps'])}  "
              f"unmap {f(small['unmap_ps'])}  ({small['samples']} samples, {small['wall_ms']} ms in all)")


def smmu_devmap(outdir, release):
    """`dmabench run --device EDU --filter ^kmod/devmap`: the CLI's bind, record and unbind."""
    text, rc = section(outdir, "devmap.log")
    check(rc == 0, f"dmabench run --device: exit status 0 (got {rc})")
    lines = [l.split() for l in (text or "").splitlines() if l.strip()]
    refused = [l for l in (text or "").splitlines() if "driven by pci-stub" in l]
    check(len(refused) == 1 and "REFUSED rc=2" in (text or ""),
          f"run --device on pci-stub's edu: one line, exit 2 ({refused[:1]})")
    over = [w for w in lines if w[0] == "OVERRIDE"]
    check(len(over) == 1 and over[0][2:] == ["(null)"], f"driver_override restored after the run ({over})")
    check(any(w[:2] == ["RMMOD", "0"] for w in lines), "rmmod after the run succeeds")
    if arch_of(release)["platform"]:
        platform_devmap(outdir, text, lines)
    types = {w[1]: w[2] for w in lines if w[0] == "GROUPTYPE" and len(w) == 3}
    check(len(types) == 2 and types["before"] == types["after"],
          f"the group's type written back after --domain ({types})")
    result = load_json(outdir, "devmap.json")
    if not result:
        return
    ctx = result.get("context", {}).get("dmabench", {})
    check_platform(ctx, "devmap result", release)
    dev = ctx.get("device") or {}
    check(dev.get("named") is True and dev.get("iommu_driver") == arch_of(release)["iommu"]
          and dev.get("iommu_group", -1) >= 0, f"context.dmabench.device stamps the edu behind the IOMMU ({dev})")
    benches = {b["name"].split("/manual_time")[0]: b for b in by_name(result, "kmod/devmap/")}
    errors = [n for n, b in benches.items() if b.get("error_occurred")]
    check(benches and not errors, f"kmod/devmap ran, none failed ({len(benches)} ran; {errors[:2]})")
    ops = {"strict": "dma-iommu", "lazy": "dma-iommu", "identity": "dma-direct"}
    for domain in ops:
        check(any(f"/domain:{domain}/" in n for n in benches), f"--domain: cases named domain:{domain}")
    check(any("/mode:sg/" in n for n in benches) and any("/mode:single/" in n for n in benches)
          and any("/threads:2/" in n for n in benches), "single and sg cases, 1 and 2 threads")
    for n, b in benches.items():
        ok = all(b.get(f"{op}_ns_{s}", 0) > 0 for op in ("map", "unmap") for s in ("min", "median", "p99", "max"))
        check(ok and b["map_ns_min"] <= b["map_ns_median"] <= b["map_ns_p99"] <= b["map_ns_max"],
              f"{n}: map/unmap min <= median <= p99 <= max, all > 0")
        tag = ctx.get("cases", {}).get(b.get("run_name", b["name"]), {}).get("device") or {}
        domain = n.split("/domain:")[1].split("/")[0] if "/domain:" in n else None
        check(tag.get("name") == dev.get("name") and tag.get("domain") == domain
              and tag.get("dma_ops") == ops.get(domain),
              f"{n}: its tags stamp the device in that domain ({tag.get('domain')}, {tag.get('dma_ops')})")
        print(f"      {n}: map {b['map_ns_median']:.0f} ns, unmap {b['unmap_ns_median']:.0f} ns (median, EMULATED)")
    exp = (load_json(outdir, "strict-lazy.json") or {}).get("context", {}).get("dmabench", {}).get("experiment", {})
    comps = exp.get("comparisons", [])
    check(exp.get("metric") == "unmap_ns_mean" and comps
          and all("/domain:lazy/" in c["subject"] and "/domain:strict/" in c["baseline"] for c in comps)
          and all(c["group"].startswith("size:") and " threads:" in c["group"] for c in comps),
          f"iommu-strict-vs-lazy: lazy against strict unmap, by size and threads ({len(comps)} comparisons)")
    print(f"      iommu-strict-vs-lazy: {exp.get('verdict')}: {exp.get('finding')} (EMULATED)")
    smmu_list_run(outdir)


def smmu_list_run(outdir):
    """`dmabench run --full` on issue 20's sg lists: 64 MiB timed, 1 GiB skipped naming the MiB it needs."""
    result = load_json(outdir, "list.json") or {}
    ran = [b for b in by_name(result, "kmod/devmap/") if "/size:67108864/" in b["name"]
           and not b.get("error_occurred") and b.get("map_ns_median", 0) > 0 and b.get("unmap_ns_median", 0) > 0]
    check(len(ran) == 1 and ran[0].get("bytes") == 64 << 20,
          f"dmabench run --full: the 64 MiB sg list timed per map and unmap ({len(ran)} ran)")
    skipped = [s for s in result.get("context", {}).get("dmabench", {}).get("skipped", [])
               if "/size:1073741824/" in s["name"]]
    need = [int(m) for s in skipped for m in re.findall(r"needs (\d+) MiB .*MemAvailable", s["reason"])]
    check(len(skipped) == 1 and need and need[0] >= 1024,
          f"dmabench run --full: the 1 GiB sg list skipped, naming the MiB it needs and MemAvailable "
          f"({skipped[0]['reason'] if skipped else 'not skipped'})")
    for b in ran:
        print(f"      {b['name']}: map {b['map_ns_median'] / 1e3:.0f} us, unmap {b['unmap_ns_median'] / 1e3:.0f} us "
              f"(median, EMULATED)")


def platform_devmap(outdir, text, lines):
    """`run --device` on virt's unbound platform device, and refused on one a driver holds."""
    plat = [w for w in lines if w[0] == "PLATFORM"]
    check(plat == [["PLATFORM", "rc=0", "override=(null)", "driver="]],
          f"run --device on a platform device's sysfs path: exit 0, override and driver as before ({plat})")
    who = next((w[1:] for w in lines if w[0] == "HELD" and len(w) == 3), ["?", "?"])
    held = [l for l in (text or "").splitlines() if f"{who[0]}: driven by {who[1]}" in l]
    check(len(held) == 1 and "REFUSED_PLATFORM rc=2" in (text or ""),
          f"run --device on a platform device its driver holds: one line, exit 2 ({held[:1]})")
    pdev = ((load_json(outdir, "platform.json") or {}).get("context", {}).get("dmabench", {}).get("device") or {})
    pbench = [b for b in by_name(load_json(outdir, "platform.json") or {}, "kmod/devmap/")
              if not b.get("error_occurred") and b.get("unmap_ns_median", 0) > 0]
    check(pdev.get("name") == "a000000.virtio_mmio" and pdev.get("named") is True and pdev.get("pci") is False
          and pdev.get("dma_ops") == "dma-direct" and pbench,
          f"the platform device's record: stamped, not PCI, dma-direct, mapped through ({pdev}, {len(pbench)} ran)")


def smmu_boot(outdir, phase, ops, domain, swiotlb):
    """A boot whose command line chose the domain: the stamps must say so."""
    text, rc = section(outdir, "smmu.log")
    check(text is not None and rc == 0, f"kmod_smmu: sent back, exit status 0 (got {rc})")
    lines = [l.split() for l in (text or "").splitlines() if l.strip()]
    st = [dict(x.split("=", 1) for x in w if "=" in x) for w in lines if w[:2] == ["STAMP", phase]]
    got = st[0] if st else {}
    check(got.get("ops") == ops and got.get("domain") == domain and got.get("swiotlb") == swiotlb,
          f"{phase}: stamps ops={ops} domain={domain} swiotlb={swiotlb} (got {got})")
    edu = [w for w in lines if w[:2] == ["EDU", phase]]
    check(len(edu) == 1 and "match=1" in edu[0], f"{phase}: edu's DMA moved the bytes both ways")
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
    modes = {"full": full, "pmu": pmu, "fuzz": fuzz, "xen": xen, "smmu": smmu,
             "smmu-lazy": lambda d, r: smmu_boot(d, "boot_lazy", "dma-iommu", "lazy", "0"),
             "smmu-passthrough": lambda d, r: smmu_boot(d, "boot_identity", "dma-direct", "identity", "1")}
    if len(sys.argv) != 4 or sys.argv[1] not in modes:
        print("usage: check.py full|pmu|fuzz|xen|smmu|smmu-lazy|smmu-passthrough OUTDIR KERNEL_RELEASE",
              file=sys.stderr)
        return 2
    outdir = Path(sys.argv[2])
    modes[sys.argv[1]](outdir, sys.argv[3])
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
