"""Who measured: the machine line, the emulation/virtualisation stamp, run details."""
from __future__ import annotations

import re

from .model import SCHEMA, Run
from .textfmt import WIDTH, ascii_only


def cpu_name(run: Run) -> str:
    cpu = run.get("cpu", {}) or {}
    name = cpu.get("model_name") or ""
    name = re.sub(r"\((R|TM|r|tm)\)", "", name)
    name = re.sub(r"\bCPU\b|\bProcessor\b|@.*$", "", name)
    name = " ".join(name.split())
    if not name and cpu.get("midr"):
        name = f"MIDR {cpu['midr']}"
    if not name:
        name = "unknown CPU"
    return name


def cpu_code(run: Run) -> str:
    """The exact identity: family/model/stepping on x86, MIDR on arm64."""
    cpu = run.get("cpu", {}) or {}
    if "family" in cpu:
        fms = f"{cpu.get('family')}/{cpu.get('model')}/{cpu.get('stepping')}"
        # The vendor string only when the model name does not already say it.
        vendor = cpu.get("vendor", "")
        named = any(v in (cpu.get("model_name") or "") for v in ("Intel", "AMD", "Hygon", "Zhaoxin"))
        return fms if named or not vendor else f"{vendor} {fms}"
    if cpu.get("midr"):
        return f"MIDR {cpu['midr']}"
    return ""


def kernel(run: Run) -> str:
    k = run.get("kernel")
    if isinstance(k, dict):
        return k.get("release") or k.get("version") or ""
    return str(k) if k else ""


def status(run: Run) -> tuple:
    """(level, short, long): level is 'emulated', 'virtualised', 'native' or 'unknown'."""
    if run.dmabench is None:
        return ("unknown", "emulation unknown",
                "No dmabench context: whether this run was emulated or virtualised is unknown.")
    em = run.get("emulated", {}) or {}
    vi = run.get("virtualised", {}) or {}
    if em.get("value"):
        return ("emulated", "EMULATED",
                f"EMULATED: instructions were translated ({em.get('how', 'no detail')}). "
                "These timings are not hardware numbers.")
    if vi.get("value"):
        hv = (run.get("hypervisor", {}) or {}).get("name") or "hypervisor"
        return ("virtualised", f"{hv} guest",
                f"VIRTUALISED: measured in a {hv} guest (seen by "
                f"{(run.get('hypervisor', {}) or {}).get('how') or vi.get('how', 'no detail')}). "
                "Timings include the hypervisor's effects; they are not bare-metal numbers.")
    return ("native", "bare metal", "")


def host(run: Run) -> str:
    return (run.get("host") if isinstance(run.get("host"), str) else None) \
        or run.context.get("host_name", "") or ""


def machine_line(run: Run, width: int = WIDTH) -> str:
    """One line naming the machine, at most width columns; the status is never cut."""
    if run.dmabench is None:
        h = host(run) or "unknown host"
        cpus = run.context.get("num_cpus")
        mhz = run.context.get("mhz_per_cpu")
        extra = f", {cpus} CPUs at {mhz} MHz" if cpus and mhz else ""
        line = f"{h}{extra} (no dmabench context: identity unknown)"
        return ascii_only(line)[:width]
    arch = run.get("arch", "?")
    name, code, kern, stat = cpu_name(run), cpu_code(run), kernel(run), status(run)[1]
    ident = f"{name} ({code})" if code and code not in name else name
    kern = f"Linux {kern}" if kern else ""
    # Most detail first; the status is never cut.
    for parts in ((arch, ident, kern, stat), (arch, ident, stat), (arch, name, kern, stat),
                  (arch, name, stat)):
        line = ascii_only(", ".join(p for p in parts[1:] if p))
        line = f"{arch} {line}"
        if len(line) <= width:
            return line
    room = width - len(stat) - len(arch) - 6
    return ascii_only(f"{arch} {name[:max(room, 4)]}..., {stat}")[:width]


OLD_DEFINITIONS = "quantiles and kmod ratio_to_* by the old definitions"


def _version(run: Run) -> str:
    return "no schema version" if run.schema is None else f"schema {run.schema}"


def schema_line(named) -> str:
    """One line for the runs [(who, run)] whose records predate schema 2
    (model.SCHEMA), whose figures keep their old meaning; "" when none do."""
    old = [run for _, run in named if run.schema != SCHEMA]
    if not old:
        return ""
    noun = "records" if len(named) > 1 else "record"
    if len({run.schema for _, run in named}) == 1:  # all of one schema: no need to name them
        if old[0].schema is None:
            return f"{noun} with no schema version, read as schema 1: {OLD_DEFINITIONS}"
        return f"schema {old[0].schema} {noun}: {OLD_DEFINITIONS}"
    each = ", ".join(f"{who} {_version(run)}" for who, run in named)
    if len(old) < len(named):
        return f"{each}: quantiles and kmod ratio_to_* not defined alike (schema 1: the old " \
               "definitions)"
    return f"{each}: {OLD_DEFINITIONS}"


def short_label(run: Run) -> str:
    """A legend name: CPU and host, e.g. 'Cortex-A72 @rpi4' or 'Xeon Gold 6248 @vm'."""
    name = cpu_name(run)
    for word in ("Intel", "AMD", "Arm", "ARM", "Core", "Genuine"):
        name = name.replace(word + " ", "")
    h = host(run)
    label = name.strip() + (f" @{h}" if h else "")
    if status(run)[0] in ("emulated", "virtualised"):
        label += " [emulated]" if status(run)[0] == "emulated" else " [VM]"
    return ascii_only(label)


def assign_labels(runs) -> None:
    """Gives every run a distinct short label (same machine twice: add the file stem)."""
    labels = [short_label(r) for r in runs]
    for i, r in enumerate(runs):
        if labels.count(labels[i]) > 1:
            r.label = f"{labels[i]} ({r.stem})"
        else:
            r.label = labels[i]


def details(run: Run) -> list:
    """(field, value) rows describing the machine and the run, for the page."""
    rows = []

    def add(k, v):
        if v not in (None, "", [], {}):
            rows.append((k, str(v)))

    ctx = run.context
    add("Result file", run.path)
    add("Host", host(run))
    if run.dmabench is not None:
        add("Architecture", run.get("arch"))
        cpu = run.get("cpu", {}) or {}
        add("CPU", cpu.get("model_name") or cpu_name(run))
        add("CPU identity", cpu_code(run) + (f" (from {cpu['source']})" if cpu.get("source") else ""))
        add("Cache line", f"{run.get('cache_line_bytes')} bytes" if run.get("cache_line_bytes") else None)
        t = run.get("timer", {}) or {}
        if t:
            extra = ", ".join(f"{k} {_value(v)}" for k, v in t.items() if k not in ("source", "hz"))
            hz = t.get("hz")
            add("Timer", f"{t.get('source', '?')}" + (f" at {hz / 1e6:.3f} MHz" if isinstance(hz, (int, float)) else "")
                + (f" ({extra})" if extra else ""))
        add("Kernel", kernel(run))
        hv = run.get("hypervisor", {}) or {}
        if hv:
            add("Hypervisor", f"{hv.get('name', '?')} (present: {hv.get('present')}; "
                f"signature {hv.get('signature') or '-'}; {hv.get('how', '')})")
        em = run.get("emulated", {}) or {}
        add("Emulated", f"{'YES' if em.get('value') else 'no'} ({em.get('how', '')})")
        vi = run.get("virtualised", {}) or {}
        add("Virtualised", f"{'YES' if vi.get('value') else 'no'} ({vi.get('how', '')})")
        topo = run.get("topology", {}) or {}
        if topo:
            add("Topology", ", ".join(f"{k} {_value(v)}" for k, v in topo.items()
                                      if not isinstance(v, (dict, list))))
        pin = run.get("pinning", {}) or {}
        if pin:
            add("Pinning", ", ".join(f"{k} {_value(v)}" for k, v in pin.items()))
        add("Calibration", calibration_text(run))
        add("Command line", run.get("command_line") if isinstance(run.get("command_line"), str)
            else " ".join(map(str, run.get("command_line") or [])))
        add("Git revision", run.get("git_revision"))
    add("Date", ctx.get("date"))
    add("Google Benchmark", ", ".join(
        f"{k} {ctx[k]}" for k in ("num_cpus", "mhz_per_cpu", "cpu_scaling_enabled",
                                  "library_build_type") if k in ctx))
    caches = ctx.get("caches")
    if isinstance(caches, list) and caches:
        add("Caches", ", ".join(
            f"L{c.get('level')} {c.get('type', '')} {_bytes(c.get('size', 0))}"
            for c in caches if isinstance(c, dict)))
    return rows


def calibration_text(run: Run) -> str:
    """The timer check from context.dmabench.calibration, in one sentence."""
    cal = run.get("calibration", {}) or {}
    lad = cal.get("ladder", {}) if isinstance(cal.get("ladder"), dict) else {}
    if not lad:
        return ""
    parts = []
    if _num(lad.get("slope_ns_per_add")):
        ghz = next((c.get("implied_ghz") for c in (cal.get("ladder_after"), cal.get("ladder_before"))
                    if isinstance(c, dict) and _num(c.get("implied_ghz"))), None)
        parts.append(f"ladder {lad['slope_ns_per_add']:.3g} ns per dependent add"
                     + (f" ({ghz:.2f} GHz implied)" if ghz else ""))
    if _num(lad.get("intercept_ns")):
        parts.append(f"intercept {lad['intercept_ns']:.3g} ns")
    if _num(lad.get("r2")):
        parts.append(f"r2 {lad['r2']:.4f}")
    if "linear" in lad:
        if lad["linear"]:
            parts.append("linear")
        elif status(run)[0] == "emulated":
            parts.append("not linear (as expected of translated code)")
        else:
            parts.append("NOT linear: the timer or the clock misbehaved")
    if _num(cal.get("empty_ns")):
        parts.append(f"empty call {cal['empty_ns']:.3g} ns")
    if _num(cal.get("drift")):
        parts.append(f"drift between start and end {cal['drift'] * 100:.2g}%"
                     + (" (DRIFTED: the clock changed during the run)" if cal.get("drifted") else ""))
    return ", ".join(parts)


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _value(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _bytes(n) -> str:
    try:
        n = int(n)
    except (TypeError, ValueError):
        return str(n)
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} B"


def pmu_rows(run: Run) -> list:
    """(event, available, reason) rows from context.dmabench.pmu.events."""
    events = (run.get("pmu", {}) or {}).get("events", [])
    rows = []
    for e in events if isinstance(events, list) else []:
        if isinstance(e, dict):
            rows.append((str(e.get("name", "?")), "yes" if e.get("available") else "no",
                         str(e.get("reason", "") or "")))
    return rows


def skipped_rows(run: Run) -> list:
    """(names, reason) for what could not run here, one row per reason. A
    variant whose every case was skipped for that reason is named once."""
    by_reason = {}
    for v in run.get("variants", []) or []:
        if isinstance(v, dict) and v.get("skip"):
            by_reason.setdefault(str(v["skip"]), []).append(str(v.get("name", "?")))
    for s in run.get("skipped", []) or []:
        if not isinstance(s, dict):
            continue
        name, reason = str(s.get("name", "?")), str(s.get("reason", ""))
        names = by_reason.setdefault(reason, [])
        if name not in names and run.variant_of(name) not in names:
            names.append(name)
    rows = []
    for reason, names in by_reason.items():
        # Cases of one variant all skipped for the same reason: name the variant.
        variants = []
        for n in names:
            if run.variant_of(n) not in variants:
                variants.append(run.variant_of(n))
        rows.append((", ".join(variants), reason))
    return rows
