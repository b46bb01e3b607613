#!/usr/bin/env bash
# cache/ end to end: every routine of kernels/cache/variants.inc is listed and
# runs or says why not; the quick sweep runs with consistent counters; the
# shared-buffer mode and --threads run; on x86 the intrinsic references run
# beside the routines they check.
# Usage: cache.sh <dmabench command...>   (e.g. qemu-aarch64 -L / dmabench)
set -uo pipefail
SRC=${DMABENCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/../cli_common.sh"

# Every variant named in the table source, both arches, plus the intrinsics.
variants=$(sed -n 's/^DMABENCH_CACHE_\(ARM64\|X86_64\)(\([a-z]*\), *\([a-z_]*\), *\([0-9]*\))$/\2_\3_x\4/p' \
               "$SRC/kernels/cache/variants.inc" | sed 's/_x1$//')
variants="$variants intrinsic_clflush_mfence intrinsic_clflushopt_sfence intrinsic_clwb_sfence"
[ "$(echo $variants | wc -w)" -ge 40 ] && ok "variants.inc read" || bad "variants.inc: $variants"

"${DB[@]}" list --filter '^cache/' >"$work/list.txt" 2>"$work/list.err" || bad "list exit: $(cat "$work/list.err")"
missing=0
for v in $variants; do
    grep -q "^cache/$v/" "$work/list.txt" || { bad "cache/$v not listed"; missing=1; }
done
[ $missing = 0 ] && ok "every variant listed"
if grep -v -E ' (runs here|skip: .+)$' "$work/list.txt" | grep -q .; then
    bad "lines neither running nor giving a reason: $(grep -v -E ' (runs here|skip: .+)$' "$work/list.txt" | head -3)"
else
    ok "every listed case runs here or gives a reason"
fi
[ -s "$work/list.err" ] && bad "list wrote to stderr: $(head -3 "$work/list.err")"

"${DB[@]}" run --filter '^cache/' --quick --out "$work/quick.json" >"$work/run.out" 2>"$work/run.err" \
    || bad "run --quick: $(tail -3 "$work/run.err")"
$PY - "$work/quick.json" <<'PY' && ok "quick sweep counters, skips and descriptions" || bad "quick sweep"
import json, re, sys
d = json.load(open(sys.argv[1]))
ctx = d["context"]["dmabench"]
arch = ctx["arch"]
ran = {b["name"]: b for b in d["benchmarks"]
       if b["name"].startswith("cache/") and b.get("run_type", "iteration") == "iteration"}
assert ran, "nothing ran"
line = ctx["cache_line_bytes"]
for name, b in ran.items():
    for k in ["ns_per_call", "ns_per_line", "bytes_per_second", "lines_per_call"]:
        assert k in b and b[k] > 0, f"{name}: {k} missing or not positive"
    size = int(re.search(r"/size:(\d+)", name).group(1))
    m = re.search(r"/offset:(\d+)", name)
    offset = int(m.group(1)) if m else 0
    # Lines holding a byte of [offset, offset+size): the partial ends count.
    want = (offset + size + line - 1) // line - offset // line
    assert b["lines_per_call"] == want, (name, b["lines_per_call"], want)
    assert abs(b["ns_per_line"] * want - b["ns_per_call"]) <= 1e-6 * b["ns_per_call"], name
    assert abs(b["bytes_per_second"] * b["ns_per_call"] * 1e-9 - size) <= 1e-6 * size, name
    # One Google Benchmark iteration is one call.
    assert abs(b["real_time"] - b["ns_per_call"]) <= 0.01 * b["ns_per_call"], (name, b["real_time"])
lead = "civac_dsb_sy" if arch == "arm64" else "clflush_mfence"
for want in [f"cache/{lead}/size:4096/state:dirty/manual_time",
             f"cache/{lead}/size:4000/offset:24/state:dirty/manual_time",
             f"cache/{lead}/size:4096/state:clean/manual_time",
             f"cache/{lead}/size:4096/state:cold/manual_time"]:
    assert want in ran, f"{want} did not run; ran: {sorted(ran)[:5]}"
skipped = {s["name"]: s["reason"] for s in ctx["skipped"] if s["name"].startswith("cache/")}
assert all(r.strip() for r in skipped.values()), "a skip without a reason"
other = "x86_64" if arch == "arm64" else "arm64"
assert any(f"{other} only" in r for r in skipped.values()), "the other arch's variants are not listed"
desc = {v["name"]: v for v in ctx["variants"] if v["name"].startswith("cache/")}
assert "DC IVAC" in desc["cache/civac_dsb_sy"]["description"], "civac must record the substitution"
if arch == "x86_64":
    for op in ["clflush_mfence", "clflushopt_sfence", "clwb_sfence"]:
        if desc[f"cache/{op}"]["skip"]:
            continue
        for v in [op, "intrinsic_" + op]:
            n = f"cache/{v}/size:1048576/state:dirty/manual_time"
            assert n in ran, f"{n} must run beside its twin"
        print(f"     {op:18s} asm {ran[f'cache/{op}/size:1048576/state:dirty/manual_time']['ns_per_line']:6.2f}"
              f" ns/line   intrinsic {ran[f'cache/intrinsic_{op}/size:1048576/state:dirty/manual_time']['ns_per_line']:6.2f} ns/line"
              f"   (1 MiB dirty, one quick run{', virtualised' if ctx['virtualised']['value'] else ''})")
print(f"     {len(ran)} cases ran, {len(skipped)} skipped, line {line} B, emulated={ctx['emulated']['value']}")
PY

# Two pinned threads: own buffers and one shared buffer, flushed at once.
lead=$($PY -c "import json,sys; print('civac_dsb_sy' if json.load(open(sys.argv[1]))['context']['dmabench']['arch']=='arm64' else 'clflush_mfence')" "$work/quick.json" 2>/dev/null || echo civac_dsb_sy)
"${DB[@]}" run --filter "^cache/$lead/size:4096/state:dirty" --quick --threads 2 --out "$work/threads.json" \
    >"$work/thr.out" 2>"$work/thr.err" || bad "run --threads 2: $(tail -3 "$work/thr.err")"
$PY - "$work/threads.json" <<'PY' && ok "threads 2: own and shared buffers" || bad "threads 2"
import json, sys
d = json.load(open(sys.argv[1]))
ran = [b for b in d["benchmarks"] if b["name"].startswith("cache/")]
names = {b["name"] for b in ran}
assert any("buffer:shared" in n and n.endswith("threads:2") for n in names), names
assert any("buffer:shared" not in n and n.endswith("threads:2") for n in names), names
for b in ran:
    assert b["threads"] == 2, b["name"]
    # Both threads timed every batch: Google Benchmark's time per iteration
    # over all threads is each thread's time per call shared by two.
    assert abs(2 * b["real_time"] - b["ns_per_call"]) < 0.1 * b["ns_per_call"], (b["name"], b["real_time"], b["ns_per_call"])
    assert b["bytes_per_second_all_threads"] > b["bytes_per_second"] > 0, b["name"]
PY
exit $fail
