// call/: one round trip through each way of leaving the caller — a direct
// call, an ops table, a system call, a trapped instruction, a hypercall.
//
// Method (bench/harness.hpp): one iteration is one round trip; each timed
// batch runs the path's assembly loop (tens of microseconds), so Time is the
// mean ns per call (= ns_per_call; _median, _p10, _p90 over batches). Beside
// every batch (PMU off, alternately before and after) the harness times a
// batch of the direct-call loop and one of the empty loop: direct_ns and
// empty_ns are their medians per call, and ratio_to_direct is the median of
// the paired ratios path/direct, measured microseconds apart in the same
// process, so frequency drift and noisy neighbours hit both sides
// (ratio_to_direct_p10/_p90 their spread).
#include <algorithm>
#include <optional>
#include <vector>

#include "bench/harness.hpp"
#include "kernels/call/call.hpp"
#include "runners/call_probe.hpp"

namespace dmabench {
namespace {

constexpr uint64_t kReferenceCalls = 4096;  // direct and empty loops: a few us each

struct Path {
    std::string variant;
    std::string description;
    call::LoopFn loop = nullptr;
    const void* arg = nullptr;
    uint64_t batch = 0;  // round trips per timed batch: tens of microseconds
    std::string skip;
    bool trap = false;        // needs a TrapGuard while it runs
    std::string ptp_device;   // opened for the run; arg points at its descriptor
};

// One run of a path: what its loop needs alive while it runs.
struct Running {
    call::LoopFn loop = nullptr;
    const void* arg = nullptr;
    std::optional<call::TrapGuard> guard;
    std::optional<call_probe::PtpClock> ptp;
};

void path_kernel(uint64_t n, void* context) {
    auto* r = static_cast<Running*>(context);
    r->loop(n, r->arg);
}

void ptp_loop(uint64_t n, const void* clock) {
    call::ptp_precise_loop(static_cast<const call_probe::PtpClock*>(clock)->fd, n);
}

void direct_kernel(uint64_t n, void*) { dmabench_call_loop_direct(n, call::ops_device()); }
void empty_kernel(uint64_t n, void*) { dmabench_call_loop_empty(n, nullptr); }

Work setup_path(const Path& p) {
    auto r = std::make_shared<Running>();
    r->loop = p.loop;
    r->arg = p.arg;
    if (p.trap) r->guard.emplace();
    if (!p.ptp_device.empty()) {
        r->ptp.emplace(p.ptp_device);
        if (r->ptp->fd < 0) throw std::runtime_error(r->ptp->why);
        r->arg = &*r->ptp;
    }
    return Work{.kernel = path_kernel, .context = r.get(), .batch = p.batch,
                .references = {{"direct", direct_kernel, nullptr, kReferenceCalls},
                               {"empty", empty_kernel, nullptr, kReferenceCalls, false}},
                .keep = r};
}

std::vector<Path> paths() {
    std::vector<Path> v;
    v.push_back({"empty", "the loop alone, no call: the baseline every other path includes",
                 dmabench_call_loop_empty, nullptr, 16384});
    v.push_back({"direct", "a call to an empty, non-inlined assembly function (the native dma_ops side)",
                 dmabench_call_loop_direct, nullptr, 16384});
    v.push_back({"ops_table",
                 "dev->dma_ops->map_page(): two loads and an indirect call through a table "
                 "shaped like Linux's struct dma_map_ops, to the same empty function",
                 dmabench_call_loop_ops_table, call::ops_device(), 16384});
    v.push_back({"syscall_libc", "getppid() through libc: the perf bench syscall basic / lat_syscall round trip",
                 dmabench_call_loop_syscall_libc, nullptr, 256});
#if defined(__x86_64__)
    const char* raw = "getppid by the raw syscall instruction";
#else
    const char* raw = "getppid by the raw svc #0 instruction";
#endif
    v.push_back({"syscall_raw", raw, dmabench_call_loop_syscall_raw, nullptr, 256});
    Path trap{"trap",
#if defined(__x86_64__)
              "ud2 caught by a SIGILL handler that steps over it: the trap-and-emulate round trip",
#else
              "udf #0 caught by a SIGILL handler that steps over it: the trap-and-emulate round trip",
#endif
              dmabench_call_loop_trap, nullptr, 32};
    trap.trap = true;
    v.push_back(trap);

    const auto& hc = call_probe::hypercall_plan();
    v.push_back({"hypercall", hc.description, call::hypercall_loop(hc.insn), nullptr, 32, hc.skip});

    auto ptp = call_probe::plan_ptp_kvm();
    Path p{"hypercall_ptp_kvm",
           "PTP_SYS_OFFSET_PRECISE ioctl on the \"KVM virtual PTP\" clock: a system call "
           "that makes one hypercall (KVM clock pairing)",
           ptp_loop, nullptr, 32, ptp.skip};
    p.ptp_device = ptp.device;
    if (!ptp.skip.empty()) p.loop = nullptr;
    v.push_back(p);
    return v;
}

// What leaving the caller this way is, for experiments to select by.
const char* kind_of(const std::string& variant) {
    if (variant == "empty") return "loop";
    if (variant == "direct" || variant == "ops_table") return "call";
    if (variant.rfind("syscall", 0) == 0) return "syscall";
    if (variant == "trap") return "trap";
    return "hypercall";
}

void register_call(Registry& r) {
    for (auto& p : paths()) {
        r.variant({"call/" + p.variant, p.description, p.skip});
        Case c{.family = "call", .variant = p.variant, .op = "call", .skip = p.skip,
               .tags = {{"kind", kind_of(p.variant)}}};
        if (p.skip.empty()) c.setup = [p](benchmark::State&, Thread&) { return setup_path(p); };
        r.add(std::move(c));
    }
}

}  // namespace
DMABENCH_FAMILY(call, register_call);
}  // namespace dmabench
