// kmod/: what only the kernel can time, through /dev/dmabench
// (kernels/kmod/dmabench.ko): a hypercall against a call at EL1, the kernel's
// dma_map/dma_unmap on a coherent and a non-coherent device, and the
// kernel's own cache maintenance.
//
// Method: the module times batches of operations with the architecture's
// counter (CNTVCT_EL0 between ISBs, RDTSC between LFENCEs) and returns
// per-sample statistics. Google Benchmark's iteration is one operation: the
// body asks the module for at least as many operations as iterations
// (several ioctls when more than DMABENCH_MAX_SAMPLES samples are needed),
// then reports the module's mean per operation as each iteration's manual
// time. Counters give min/median/mean/max per operation in counter ticks and
// ns. PMU counts cover the ioctls, per operation (the module's untimed
// work, such as dirtying buffers, is included there).
//
// Without the module every case is listed and skipped with the reason.
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <vector>

#include "bench/harness.hpp"
#include "runners/kmod_probe.hpp"

namespace dmabench {
namespace {

constexpr uint32_t kCallBatch = 32;

// Per-op counters for one operation: <op>_ticks_min ... <op>_ns_max.
void put(benchmark::State& s, const std::string& op, const kmod::OpStats& o) {
    const std::pair<const char*, double> v[] = {
        {"_ticks_min", o.ticks_min}, {"_ticks_median", o.ticks_median},
        {"_ticks_mean", o.ticks_mean}, {"_ticks_max", o.ticks_max},
        {"_ns_min", o.ns_min}, {"_ns_median", o.ns_median},
        {"_ns_mean", o.ns_mean}, {"_ns_max", o.ns_max}};
    for (auto& [suffix, value] : v) s.counters[op + suffix] = value;
}

// One ioctl of `samples` samples; returns 0 or an errno.
using Ioctl = std::function<int(uint32_t samples)>;

// Runs enough ioctls for the iterations asked, PMU on around them, then
// reports per_op_seconds() as each iteration's time. false: skipped.
bool drive(benchmark::State& s, Thread& t, uint32_t batch, const char* what, const Ioctl& io,
           const std::function<double()>& per_op_seconds) {
    auto ch = kmod::chunks_for(uint64_t(s.max_iterations), batch);
    t.per(1);
    t.pmu_on();
    int err = 0;
    for (uint32_t c = 0; c < ch.calls && !err; ++c) err = io(ch.samples);
    t.pmu_off();
    if (err) {
        s.SkipWithError((std::string(what) + " on " DMABENCH_DEVICE ": " + std::strerror(err)).c_str());
        return false;
    }
    double seconds = per_op_seconds();
    for (auto _ : s) s.SetIterationTime(seconds);
    s.counters["batch"] = batch;
    s.counters["counter_hz"] = double(kmod::device().info.counter_hz);
    return true;
}

int do_ioctl(unsigned long cmd, void* req) {
    return ioctl(kmod::device().fd, cmd, req) == 0 ? 0 : errno;
}

// ---- call and hypercall ----

void time_calls(benchmark::State& s, Thread& t, bool hypercall) {
    std::vector<dmabench_stats> timer, call, hvc;
    int64_t ret = 0;
    auto io = [&](uint32_t samples) {
        dmabench_call_req r{};
        r.samples = samples;
        r.batch = kCallBatch;
        if (int e = do_ioctl(DMABENCH_IOC_CALL, &r)) return e;
        timer.push_back(r.timer), call.push_back(r.call), hvc.push_back(r.hypercall);
        ret = r.hypercall_ret;
        return 0;
    };
    kmod::OpStats c, h;
    if (!drive(s, t, kCallBatch, "DMABENCH_IOC_CALL", io, [&] {
            c = kmod::combine(call), h = kmod::combine(hvc);
            return (hypercall ? h.ns_mean : c.ns_mean) * 1e-9;
        }))
        return;
    put(s, "call", c);
    // A sample's fixed cost (two counter reads), whole: a batch carries 1/batch of it.
    s.counters["timer_ns_median"] = kmod::combine(timer).ns_median;
    if (!hypercall) return;
    put(s, "hypercall", h);
    s.counters["ratio_to_call"] = c.ns_median > 0 ? h.ns_median / c.ns_median : 0;
    s.counters["hypercall_ret"] = double(ret);
    s.counters["hypercall_fn"] = double(kmod::device().info.hypercall_fn);
}

// ---- dma_map ----

struct MapCase {
    uint32_t api, dir, coherent, state;
    uint64_t size;
};

void time_map(benchmark::State& s, Thread& t, MapCase m) {
    uint32_t batch = kmod::batch_for(m.size, kmod::device().info.page_size);
    std::vector<dmabench_stats> map, unmap;
    auto io = [&](uint32_t samples) {
        dmabench_map_req r{};
        r.size = m.size, r.samples = samples, r.batch = batch;
        r.dir = m.dir, r.api = m.api, r.coherent = m.coherent, r.state = m.state;
        if (int e = do_ioctl(DMABENCH_IOC_MAP, &r)) return e;
        map.push_back(r.map), unmap.push_back(r.unmap);
        return 0;
    };
    kmod::OpStats a, b;
    if (!drive(s, t, batch, "DMABENCH_IOC_MAP", io, [&] {
            a = kmod::combine(map), b = kmod::combine(unmap);
            return (a.ns_mean + b.ns_mean) * 1e-9;  // a map and its unmap
        }))
        return;
    put(s, "map", a);
    put(s, "unmap", b);
    s.counters["bytes"] = double(m.size);
}

// ---- cache ----

void time_cache(benchmark::State& s, Thread& t, uint32_t op, uint64_t size, uint32_t state) {
    uint32_t batch = kmod::batch_for(size, kmod::device().info.page_size);
    std::vector<dmabench_stats> parts;
    uint32_t direct = 0;
    auto io = [&](uint32_t samples) {
        dmabench_cache_req r{};
        r.size = size, r.samples = samples, r.batch = batch, r.op = op, r.state = state;
        if (int e = do_ioctl(DMABENCH_IOC_CACHE, &r)) return e;
        parts.push_back(r.op_stats);
        direct = r.direct;
        return 0;
    };
    kmod::OpStats o;
    if (!drive(s, t, batch, "DMABENCH_IOC_CACHE", io, [&] {
            o = kmod::combine(parts);
            return o.ns_mean * 1e-9;
        }))
        return;
    put(s, "cache", o);
    s.counters["bytes"] = double(size);
    s.counters["direct"] = direct;
}

// ---- the table ----

const char* state_name(uint32_t st) { return st == DMABENCH_STATE_DIRTY ? "dirty" : "clean"; }

// Why a cache operation the module offers no path for cannot run.
std::string cache_unreachable(uint32_t op, bool x86) {
    static const char* const arm64[DMABENCH_CACHE_OPS] = {
        "dcache_clean_poc is not exported and there is no non-coherent DMA to reach it",
        "dcache_inval_poc is not exported and there is no non-coherent DMA to reach it",
        "dcache_clean_inval_poc is not exported to modules by this kernel, and no dma_sync_* "
        "cleans and invalidates on arm64",
        "caches_clean_inval_pou is not exported by this kernel"};
    static const char* const x86_64[DMABENCH_CACHE_OPS] = {
        "arch_wb_cache_pmem is not exported by this kernel",
        "x86 has no invalidate-only operation a module may use (WBINVD is the whole cache)",
        "clflush_cache_range is not exported by this kernel",
        "arm64 only (clean to the point of unification)"};
    return (x86 ? x86_64 : arm64)[op];
}

void register_kmod(Registry& r) {
    const auto& dev = kmod::device();
    const bool quick = r.options().quick;
    const std::string& absent = dev.skip;
    const bool x86 = dev.info.arch == DMABENCH_ARCH_X86_64;

    // call and hypercall
    std::string hz = dev.skip.empty() ? " (counter " + std::to_string(dev.info.counter_hz) + " Hz)" : "";
    std::string hyper_skip = absent;
    if (hyper_skip.empty() && dev.info.conduit == DMABENCH_CONDUIT_NONE) hyper_skip = dev.hypercall_note();
    struct CallRow { const char* variant; bool hypercall; std::string description, skip; };
    const CallRow calls[] = {
        {"call", false, "a call to a non-inlined empty function in the kernel, timed in batches of 32 "
                        "between counter reads" + hz, absent},
        {"hypercall", true, "the cheapest SMCCC/KVM hypercall through the kernel's helpers, next to "
                            "kmod/call: " + (dev.skip.empty() ? dev.hypercall_note() : std::string("?")),
         hyper_skip},
    };
    for (auto& c : calls) {
        std::string name = std::string("kmod/") + c.variant;
        r.variant({name, c.description, c.skip});
        Case k{.name = name, .skip = c.skip, .unit = "call", .manual_time = true};
        if (c.skip.empty()) k.body = [h = c.hypercall](benchmark::State& s, Thread& t) { time_calls(s, t, h); };
        r.add(std::move(k));
    }

    // dma_map: api x size x direction x coherence x line state
    const uint64_t all_sizes[] = {64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};
    const uint64_t quick_sizes[] = {64, 4096, 65536};
    struct Api { uint32_t api; const char* variant; const char* description; };
    const Api apis[] = {
        {DMABENCH_API_PAGE, "dma_map_page", "dma_map_page() then dma_unmap_page() on the module's "
                                            "platform device (dma-direct), batch distinct buffers"},
        {DMABENCH_API_SINGLE, "dma_map_single", "dma_map_single() then dma_unmap_single() (adds "
                                                "virt_to_page) on the module's platform device"},
    };
    const uint32_t dirs[] = {DMABENCH_DIR_TO_DEVICE, DMABENCH_DIR_FROM_DEVICE, DMABENCH_DIR_BIDIRECTIONAL};
    std::string noncoherent_skip = absent;
    if (noncoherent_skip.empty() && !(dev.info.flags & DMABENCH_INFO_NONCOHERENT))
        noncoherent_skip = x86 ? "x86 DMA is always coherent (no dev->dma_coherent to clear)"
                               : "this kernel has no non-coherent DMA (dev->dma_coherent)";
    for (auto& a : apis) {
        std::string variant = std::string("kmod/") + a.variant;
        r.variant({variant, std::string(a.description) + "; coherent:no runs the kernel's clean/invalidate",
                   absent});
        bool single = a.api == DMABENCH_API_SINGLE;
        for (uint64_t size : all_sizes) {
            bool size_in_quick = std::find(std::begin(quick_sizes), std::end(quick_sizes), size) !=
                                 std::end(quick_sizes);
            if (quick && (!size_in_quick || (single && size != 4096))) continue;
            for (uint32_t dir : dirs) {
                if (quick && single && dir != DMABENCH_DIR_TO_DEVICE) continue;
                for (uint32_t coherent : {1u, 0u}) {
                    for (uint32_t state : {DMABENCH_STATE_DIRTY, DMABENCH_STATE_CLEAN}) {
                        if (quick && state != DMABENCH_STATE_DIRTY) continue;
                        std::string name = variant + "/size:" + std::to_string(size) + "/dir:" +
                                           kmod::dir_name(dir) + "/coherent:" +
                                           (coherent ? "yes" : "no") + "/state:" + state_name(state);
                        std::string skip = coherent ? absent : noncoherent_skip;
                        Case k{.name = name, .skip = skip, .unit = "map", .manual_time = true};
                        MapCase m{a.api, dir, coherent, uint32_t(state), size};
                        if (skip.empty())
                            k.body = [m](benchmark::State& s, Thread& t) { time_map(s, t, m); };
                        r.add(std::move(k));
                    }
                }
            }
        }
    }

    // cache: the kernel's own routine when exported, else the DMA sync path
    const char* op_what[DMABENCH_CACHE_OPS] = {
        "clean to the point of coherency", "invalidate to the point of coherency",
        "clean and invalidate to the point of coherency",
        "clean D to the point of unification and invalidate I (caches_clean_inval_pou)"};
    for (uint32_t op = 0; op < DMABENCH_CACHE_OPS; ++op) {
        std::string variant = std::string("kmod/cache_") + kmod::cache_op_name(op);
        bool runs = dev.skip.empty() && (dev.info.cache_ops & (1u << op));
        bool direct = dev.info.cache_direct & (1u << op);
        std::string skip = !dev.skip.empty() ? dev.skip : runs ? "" : cache_unreachable(op, x86);
        std::string how = !runs ? "" : direct ? " by the kernel's own routine"
                                              : " through dma_sync_single_for_{device,cpu} on a non-coherent "
                                                "device (the routine is not exported)";
        r.variant({variant, std::string(op_what[op]) + how, skip});
        for (uint64_t size : all_sizes) {
            if (quick && size != 4096 && size != 65536) continue;
            for (uint32_t state : {DMABENCH_STATE_DIRTY, DMABENCH_STATE_CLEAN}) {
                if (quick && state != DMABENCH_STATE_DIRTY) continue;
                Case k{.name = variant + "/size:" + std::to_string(size) + "/state:" + state_name(state),
                       .skip = skip, .unit = "buffer", .manual_time = true};
                if (skip.empty())
                    k.body = [op, size, state](benchmark::State& s, Thread& t) {
                        time_cache(s, t, op, size, uint32_t(state));
                    };
                r.add(std::move(k));
            }
        }
    }
}

}  // namespace
DMABENCH_FAMILY(kmod, register_kmod);
}  // namespace dmabench
