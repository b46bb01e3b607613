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
    // A way out to the hypervisor: the exit it takes (the name's exit: arg),
    // its rank (experiments take the best that runs: 0 a KVM hypercall from
    // user space, 1 one made by a driver, 2 Xen's and 3 SMCCC from the module
    // (bench/kmod.cpp), 4 CPUID's VM exit) and what the probe knows.
    std::string exit;
    int exit_rank = 0;
    std::string stamp;
    bool judged_by_cost = false;  // vm_exit: its cost against a syscall says exit or not
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
void syscall_kernel(uint64_t n, void*) { dmabench_call_loop_syscall_raw(n, nullptr); }
constexpr uint64_t kReferenceSyscalls = 64;  // a few us

// vm_exit = 1 when CPUID left the guest: a hypervisor that may intercept it,
// and a cost of several system calls measured beside it.
void judge_exit(benchmark::State& s, const Summary&) {
    auto r = s.counters.find("ratio_to_syscall_raw");
    bool exited = call_probe::cpuid_exit_plan().may_exit && r != s.counters.end() &&
                  double(r->second) >= call_probe::kExitOverSyscall;
    s.counters["vm_exit"] = exited ? 1 : 0;
}

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
    Work w{.kernel = path_kernel, .context = r.get(), .batch = p.batch,
           .references = {{"direct", direct_kernel, nullptr, kReferenceCalls},
                          {"empty", empty_kernel, nullptr, kReferenceCalls, false}},
           .keep = r};
    if (!p.exit.empty())  // an exit against a system call, measured side by side
        w.references.push_back({"syscall_raw", syscall_kernel, nullptr, kReferenceSyscalls});
    if (p.judged_by_cost) w.finish = judge_exit;
    return w;
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
    Path h{"hypercall", hc.description, call::hypercall_loop(hc.insn), nullptr, 32, hc.skip};
    h.exit = call_probe::hypercall_insn_name();
    h.stamp = hc.skip.empty() ? "a KVM hypercall from CPL3: a full VM exit and entry" : hc.skip;
    v.push_back(h);

    auto ptp = call_probe::plan_ptp_kvm();
    Path p{"hypercall_ptp_kvm",
           "PTP_SYS_OFFSET_PRECISE ioctl on the \"KVM virtual PTP\" clock: a system call "
           "that makes one hypercall (KVM clock pairing)",
           ptp_loop, nullptr, 32, ptp.skip};
    p.ptp_device = ptp.device;
    if (!ptp.skip.empty()) p.loop = nullptr;
    p.exit = "ptp";
    p.exit_rank = 1;
    p.stamp = "a system call whose driver makes one hypercall";
    v.push_back(p);

    const auto& cx = call_probe::cpuid_exit_plan();
    Path x{"vm_exit",
           "CPUID leaf 0 from user space: a VM exit under a hypervisor (kvm-unit-tests' cpuid "
           "vmexit test), native without one; " + cx.stamp,
           nullptr, nullptr, 32, cx.skip};
#if defined(__x86_64__)
    x.loop = dmabench_call_loop_cpuid;
#endif
    x.exit = "cpuid";
    x.exit_rank = 4;
    x.stamp = cx.skip.empty() ? cx.stamp : cx.skip;
    x.judged_by_cost = true;
    v.push_back(x);
    return v;
}

// What leaving the caller this way is, for experiments to select by.
const char* kind_of(const std::string& variant) {
    if (variant == "empty") return "loop";
    if (variant == "direct" || variant == "ops_table") return "call";
    if (variant.rfind("syscall", 0) == 0) return "syscall";
    if (variant == "trap") return "trap";
    return "exit";
}

void register_call(Registry& r) {
    for (auto& p : paths()) {
        r.variant({"call/" + p.variant, p.description, p.skip});
        Case c{.family = "call", .variant = p.variant, .op = "call", .skip = p.skip,
               .tags = {{"kind", kind_of(p.variant)}}};
        if (!p.exit.empty()) {
            c.args = {{"exit", p.exit}};
            c.tags["exit_rank"] = p.exit_rank;
            c.tags["exit_stamp"] = p.stamp;
        }
        if (p.skip.empty()) c.setup = [p](benchmark::State&, Thread&) { return setup_path(p); };
        r.add(std::move(c));
    }
}

}  // namespace
DMABENCH_FAMILY(call, register_call);
}  // namespace dmabench
