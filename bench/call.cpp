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
// (ratio_to_direct_p10/_p90 their spread). The paths are the rows of
// kernels/call/paths.inc; a row's probe decides whether it runs here.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bench/harness.hpp"
#include "kernels/call/call.hpp"
#include "runners/call_probe.hpp"

namespace dmabench {
namespace {

constexpr uint64_t kReferenceCalls = 4096;  // direct and empty loops: a few us each
constexpr uint64_t kReferenceSyscalls = 64;  // a few us

// What a row's probe found, before timing.
struct Probed {
    bool taken = true;       // false: another row of the variant is the one this CPU takes
    std::string skip;        // empty: runs here
    std::string text;        // what one round trip is
    std::string stamp;       // an exit's exit_stamp: what the probe knows of it
    std::string ptp_device;  // ptp_kvm: the clock to open
};

Probed kvm_hypercall(const call::Path& p) {
    const auto& hc = call_probe::hypercall_plan();
    return {.taken = call_probe::hypercall_insn_name() == p.body, .skip = hc.skip,
            .text = hc.description,
            .stamp = hc.skip.empty() ? "a KVM hypercall from CPL3: a full VM exit and entry" : hc.skip};
}

Probed ptp_kvm(const call::Path& p) {
    auto ptp = call_probe::plan_ptp_kvm();
    return {.skip = ptp.skip, .text = p.text, .stamp = "a system call whose driver makes one hypercall",
            .ptp_device = ptp.device};
}

Probed cpuid_exit(const call::Path& p) {
    const auto& cx = call_probe::cpuid_exit_plan();
    return {.skip = cx.skip, .text = p.text + cx.stamp, .stamp = cx.skip.empty() ? cx.stamp : cx.skip};
}

Probed probe(const call::Path& p) {
    Probed d;
    switch (p.probe) {
    case call::Probe::none:
    case call::Probe::trap_guard: d.text = p.text; break;
    case call::Probe::kvm_hypercall: d = kvm_hypercall(p); break;
    case call::Probe::ptp_kvm: d = ptp_kvm(p); break;
    case call::Probe::cpuid_exit: d = cpuid_exit(p); break;
    }
    if (d.skip.empty() && !p.loop) d.skip = "no loop for this arch";
    return d;
}

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

void direct_kernel(uint64_t n, void*) { dmabench_call_loop_direct(n, call::ops_device()); }
void empty_kernel(uint64_t n, void*) { dmabench_call_loop_empty(n, nullptr); }
void syscall_kernel(uint64_t n, void*) { dmabench_call_loop_syscall_raw(n, nullptr); }

// vm_exit = 1 when CPUID left the guest: a hypervisor that may intercept it,
// and a cost of several system calls measured beside it.
void judge_exit(benchmark::State& s, const Timing&) {
    auto r = s.counters.find("ratio_to_syscall_raw");
    bool exited = call_probe::cpuid_exit_plan().may_exit && r != s.counters.end() &&
                  double(r->second) >= call_probe::kExitOverSyscall;
    s.counters["vm_exit"] = exited ? 1 : 0;
}

Work setup_path(const call::Path& p, const Probed& d) {
    auto r = std::make_shared<Running>();
    r->loop = p.loop;
    r->arg = call::ops_device();  // ops_table's device; the other bodies leave it alone
    if (p.probe == call::Probe::trap_guard) r->guard.emplace();
    if (p.probe == call::Probe::ptp_kvm) {
        r->ptp.emplace(d.ptp_device);
        if (r->ptp->fd < 0) throw std::runtime_error(r->ptp->why);
        r->arg = &r->ptp->fd;
    }
    Work w{.kernel = path_kernel, .context = r.get(), .batch = p.batch,
           .references = {{"direct", direct_kernel, nullptr, kReferenceCalls},
                          {"empty", empty_kernel, nullptr, kReferenceCalls, false}},
           .keep = r};
    if (std::string_view(p.kind) == "exit")  // an exit against a system call, measured side by side
        w.references.push_back({"syscall_raw", syscall_kernel, nullptr, kReferenceSyscalls});
    if (p.probe == call::Probe::cpuid_exit) w.finish = judge_exit;
    return w;
}

void register_call(Registry& r) {
    for (const call::Path& p : call::paths) {
        Probed d = probe(p);
        if (!d.taken) continue;
        r.variant({std::string("call/") + p.variant, d.text, d.skip});
        Case c{.family = "call", .variant = p.variant, .op = "call", .skip = d.skip,
               .tags = {{"kind", p.kind}}};
        if (std::string_view(p.kind) == "exit") {
            c.args = {{"exit", p.body}};
            c.tags["exit_rank"] = p.exit_rank;
            c.tags["exit_stamp"] = d.stamp;
        }
        if (d.skip.empty()) c.setup = [&p, d](benchmark::State&, Thread&) { return setup_path(p, d); };
        r.add(std::move(c));
    }
}

}  // namespace
DMABENCH_FAMILY(call, register_call);
}  // namespace dmabench
