// call/: one round trip through each way of leaving the caller — a direct
// call, an ops table, a system call, a trapped instruction, a hypercall.
//
// Method: each timed iteration runs a batch of the path's loop and, next to
// it (PMU paused; alternately before and after), a batch of the direct-call
// loop and one of the empty loop. Each iteration gives one paired ratio path/direct, measured a few
// microseconds apart in the same process, so frequency drift and noise
// neighbours hit both sides; ratio_to_direct is the median of those ratios
// and ratio_to_direct_p10/_p90 their spread. The reported time is the
// path's batch alone (manual time, a mean); ns_per_call, direct_ns and
// empty_ns are medians over the batches, per round trip.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "bench/harness.hpp"
#include "kernels/call/call.hpp"
#include "runners/call_probe.hpp"
#include "runners/clock.hpp"

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

void ptp_loop(uint64_t n, const void* fd) {
    call::ptp_precise_loop(*static_cast<const int*>(fd), n);
}

uint64_t time_loop(call::LoopFn loop, uint64_t n, const void* arg) {
    uint64_t a = clock::start();
    loop(n, arg);
    return clock::stop() - a;
}

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    auto k = std::size_t(p * double(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + long(k), v.end());
    return v[k];
}

void time_path(benchmark::State& s, Thread& t, Path p) {
    std::optional<call::TrapGuard> guard;
    if (p.trap) guard.emplace();
    int fd = -1;
    if (!p.ptp_device.empty()) {
        fd = open(p.ptp_device.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0 && (fd = open(p.ptp_device.c_str(), O_RDONLY | O_CLOEXEC)) < 0) {
            s.SkipWithError(("cannot open " + p.ptp_device).c_str());
            return;
        }
        if (long err = call::ptp_precise_loop(fd, 1); err != 0) {
            close(fd);
            s.SkipWithError(("PTP_SYS_OFFSET_PRECISE on " + p.ptp_device + " failed, errno " +
                             std::to_string(-err)).c_str());
            return;
        }
        p.arg = &fd;
    }
    const void* device = call::ops_device();
    p.loop(p.batch, p.arg);  // warm: code, TLB, branch predictors
    dmabench_call_loop_direct(kReferenceCalls, device);

    // Per-iteration samples, per call: medians resist the preemptions and
    // interrupts a shared machine throws into a few batches.
    std::vector<double> ratios, path_ns, direct_ns, empty_ns;
    for (auto* v : {&ratios, &path_ns, &direct_ns, &empty_ns}) v->reserve(std::size_t(s.max_iterations));
    const double ns_per_tick = 1e9 / clock::hz();
    t.per(double(p.batch));
    bool path_first = true;
    for (auto _ : t.timed(s)) {
        // Alternate which side goes first so neither always follows the PMU
        // switch or the other's cache footprint.
        uint64_t path = 0, direct = 0, empty = 0;
        if (!path_first) t.pmu_off(), direct = time_loop(dmabench_call_loop_direct, kReferenceCalls, device),
                         empty = time_loop(dmabench_call_loop_empty, kReferenceCalls, nullptr), t.pmu_on();
        path = time_loop(p.loop, p.batch, p.arg);
        if (path_first) t.pmu_off(), direct = time_loop(dmabench_call_loop_direct, kReferenceCalls, device),
                        empty = time_loop(dmabench_call_loop_empty, kReferenceCalls, nullptr), t.pmu_on();
        path_first = !path_first;
        s.SetIterationTime(clock::seconds(path));
        path_ns.push_back(double(path) * ns_per_tick / double(p.batch));
        direct_ns.push_back(double(direct) * ns_per_tick / double(kReferenceCalls));
        empty_ns.push_back(double(empty) * ns_per_tick / double(kReferenceCalls));
        ratios.push_back(path_ns.back() / direct_ns.back());
    }
    if (fd >= 0) close(fd);
    if (ratios.empty()) return;
    s.counters["ns_per_call"] = percentile(path_ns, 0.5);
    s.counters["direct_ns"] = percentile(direct_ns, 0.5);
    s.counters["empty_ns"] = percentile(empty_ns, 0.5);
    s.counters["ratio_to_direct"] = percentile(ratios, 0.5);
    s.counters["ratio_to_direct_p10"] = percentile(ratios, 0.1);
    s.counters["ratio_to_direct_p90"] = percentile(ratios, 0.9);
    s.counters["calls_per_batch"] = double(p.batch);
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

void register_call(Registry& r) {
    for (auto& p : paths()) {
        std::string name = "call/" + p.variant;
        r.variant({name, p.description, p.skip});
        Case c{.name = name, .skip = p.skip, .unit = "call", .manual_time = true};
        if (p.skip.empty()) c.body = [p](benchmark::State& s, Thread& t) { time_path(s, t, p); };
        r.add(std::move(c));
    }
}

}  // namespace
DMABENCH_FAMILY(call, register_call);
}  // namespace dmabench
