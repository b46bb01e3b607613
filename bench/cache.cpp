// cache/: what cache maintenance by virtual address costs, per call and per
// line, for every routine of kernels/cache (op x barrier x unroll), buffer size
// and line state.
//
// Names: cache/<variant>/size:<bytes>[/offset:<bytes>]/state:<s>[/buffer:shared]
//   variant  a row of kernels/cache/variants.inc, e.g. civac_dsb_sy, cvac_none_x8,
//            or intrinsic_<op>_<fence> (the compiler-intrinsic reference, x86_64)
//   size     bytes per call: 64 B .. 64 MiB in powers of two, and one misaligned
//            case (offset:24, size:4000) whose first and last lines are partial
//   state    the lines just before the call: dirty (written), clean (written,
//            written back and invalidated, then read back), cold (written back
//            and invalidated: not in any cache)
//   buffer   own (default): each --threads thread flushes its own buffers;
//            shared: every thread flushes the same buffers at the same moment
//
// Method: manual timing. Each batch first prepares the line state of `count`
// buffers (untimed), then times `count` back-to-back calls, one per buffer,
// between clock::start() and clock::stop(); PMU counters run only around those
// calls. count = max(1, 16 KiB / buffer stride), so for small buffers the clock
// reads are spread over many calls while every call still finds its own lines
// in the prepared state (16 KiB of lines fits any L1D). One Google Benchmark
// iteration is one call (KeepRunningBatch), so Time is ns per call. With
// several threads a spin barrier lines the batches up, so the timed calls of
// all threads overlap and no thread's preparation runs during another's timing;
// Google Benchmark then divides Time by the thread count (time per call of the
// whole machine), while ns_per_call stays what one call took on its thread.
#include <atomic>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "bench/harness.hpp"
#include "kernels/cache/cache.hpp"
#include "runners/cache_probe.hpp"
#include "runners/clock.hpp"
#include "runners/cpu.hpp"

namespace dmabench {
namespace {

constexpr std::size_t KiB = 1024, MiB = 1024 * KiB;
constexpr std::size_t kBatchBytes = 16 * KiB;

enum class LineState { dirty, clean, cold };
constexpr const char* state_name(LineState s) {
    return s == LineState::dirty ? "dirty" : s == LineState::clean ? "clean" : "cold";
}

struct Shape {
    std::size_t size, offset;
};
constexpr Shape kMisaligned{4000, 24};

// Threads of one case meet here once per batch; the shared buffer's address
// travels through it too.
struct Rendezvous {
    std::atomic<unsigned> arrived{0};
    std::atomic<unsigned> generation{0};
    std::atomic<unsigned char*> shared_base{nullptr};

    void wait(unsigned threads) {
        if (threads < 2) return;
        unsigned gen = generation.load(std::memory_order_acquire);
        if (arrived.fetch_add(1, std::memory_order_acq_rel) + 1 == threads) {
            arrived.store(0, std::memory_order_relaxed);
            generation.fetch_add(1, std::memory_order_release);
            return;
        }
        for (unsigned spins = 0; generation.load(std::memory_order_acquire) == gen; ++spins)
            if (spins > 1000) std::this_thread::yield();  // more threads than free PUs
    }
};

// One case, fixed at registration.
struct Plan {
    const cache::Variant* variant;
    cache::Routine write_back;  // the baseline flush used to prepare clean and cold
    std::size_t line;
    Shape shape;
    LineState state;
    bool shared;
};

std::size_t round_up(std::size_t x, std::size_t to) { return (x + to - 1) / to * to; }

// Lines holding a byte of [offset, offset+size) of a line-aligned buffer.
std::size_t lines_per_call(const Plan& p) {
    std::size_t first = p.shape.offset / p.line * p.line;
    return (round_up(p.shape.offset + p.shape.size, p.line) - first) / p.line;
}

// Puts every line of [base, base+span) into the plan's state.
void prepare(const Plan& p, unsigned char* base, std::size_t span, unsigned pass) {
    std::memset(base, int(pass % 255) + 1, span);  // a new value: every line is written
    if (p.state == LineState::dirty) return;
    p.write_back(base, span, p.line);
    if (p.state == LineState::cold) return;
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < span; i += p.line)
        sum += *reinterpret_cast<volatile std::uint64_t*>(base + i);
    benchmark::DoNotOptimize(sum);
}

// What an empty timed region costs: the floor under every batch.
double timer_floor_ns() {
    std::uint64_t best = ~std::uint64_t(0);
    for (int i = 0; i < 200; ++i) {
        auto t0 = clock::start();
        auto t1 = clock::stop();
        best = std::min(best, t1 - t0);
    }
    return clock::seconds(best) * 1e9;
}

void run_case(const Plan& p, Rendezvous& meet, benchmark::State& s, Thread& t) {
    const unsigned threads = unsigned(s.threads());
    const std::size_t stride = round_up(p.shape.offset + p.shape.size, p.line);
    const std::size_t count = std::max<std::size_t>(1, kBatchBytes / stride);
    const std::size_t span = stride * count;
    const std::size_t lines = lines_per_call(p);
    const bool preparer = !p.shared || s.thread_index() == 0;

    unsigned char* base = nullptr;
    if (p.shared) {
        if (s.thread_index() == 0)
            meet.shared_base.store(static_cast<unsigned char*>(t.alloc(span)),
                                   std::memory_order_release);
        meet.wait(threads);
        base = meet.shared_base.load(std::memory_order_acquire);
    } else {
        base = static_cast<unsigned char*>(t.alloc(span));
    }
    const double floor_ns = timer_floor_ns();
    const cache::Routine run = p.variant->run;
    t.per(double(lines));

    std::uint64_t ticks = 0;
    unsigned pass = 0;
    while (s.KeepRunningBatch(benchmark::IterationCount(count))) {
        if (preparer) prepare(p, base, span, ++pass);
        meet.wait(threads);
        t.pmu_on();
        const auto t0 = clock::start();
        for (std::size_t k = 0; k < count; ++k)
            run(base + k * stride + p.shape.offset, p.shape.size, p.line);
        const auto t1 = clock::stop();
        t.pmu_off();
        ticks += t1 - t0;
        s.SetIterationTime(clock::seconds(t1 - t0));
        meet.wait(threads);
    }
    if (p.shared) meet.wait(threads);  // thread 0 frees the buffer when it returns

    using C = benchmark::Counter;
    const double calls = double(s.iterations());
    const double seconds = clock::seconds(ticks);
    if (calls == 0 || seconds <= 0) return;
    s.counters["ns_per_call"] = C(seconds * 1e9 / calls, C::kAvgThreads);
    s.counters["ns_per_line"] = C(seconds * 1e9 / (calls * double(lines)), C::kAvgThreads);
    s.counters["bytes_per_second"] = C(calls * double(p.shape.size) / seconds, C::kAvgThreads);
    if (threads > 1)
        s.counters["bytes_per_second_all_threads"] = C(calls * double(p.shape.size) / seconds);
    s.counters["lines_per_call"] = C(double(lines), C::kAvgThreads);
    s.counters["line_bytes"] = C(double(p.line), C::kAvgThreads);
    s.counters["calls_per_batch"] = C(double(count), C::kAvgThreads);
    s.counters["timer_floor_ns_per_call"] = C(floor_ns / double(count), C::kAvgThreads);
    if (cache_probe::cpu_traps_dc(t.pu()))
        s.counters["dc_trapped_by_kernel"] = C(1, C::kAvgThreads);
}

std::vector<std::size_t> sizes(bool quick) {
    if (quick) return {64, 4 * KiB, 1 * MiB};
    std::vector<std::size_t> v;
    for (std::size_t s = 64; s <= 64 * MiB; s *= 2) v.push_back(s);
    return v;
}

std::string case_name(const cache::Variant& v, Shape shape, LineState state, bool shared) {
    std::string n = std::string("cache/") + v.name + "/size:" + std::to_string(shape.size);
    if (shape.offset) n += "/offset:" + std::to_string(shape.offset);
    n += std::string("/state:") + state_name(state);
    if (shared) n += "/buffer:shared";
    return n;
}

// The first row of an operation is the one Linux's shape matches (DSB SY after
// DC to the PoC, MFENCE after CLFLUSH, SFENCE after CLFLUSHOPT and CLWB): the
// one the quick suite and the shared-buffer mode keep.
bool leads_its_op(const cache::Variant& v) {
    for (const auto& w : cache::variants)
        if (!w.intrinsic && std::string_view(w.op) == v.op) return &w == &v;
    return false;
}

void register_cache(Registry& r) {
    const auto& o = r.options();
    const std::size_t line = cpu::dcache_line();
    const char* write_back_name = cache::this_arch == cache::Arch::arm64 ? "civac_dsb_sy"
                                                                          : "clflush_mfence";
    const cache::Variant* write_back = cache::find(write_back_name);
    const std::string write_back_skip = cache_probe::skip_reason(*write_back);
    const std::string& errata = cache_probe::errata_stamp_here();

    for (const auto& v : cache::variants) {
        std::string skip = cache_probe::skip_reason(v);
        std::string description = cache::describe(v);
        if (v.arch == cache::this_arch && !errata.empty() && v.arch == cache::Arch::arm64)
            description += " Note: " + errata + ".";
        r.variant({std::string("cache/") + v.name, description, skip});

        if (v.arch != cache::this_arch) {
            // One representative case, so `dmabench list` shows the variant and why.
            r.add({.name = case_name(v, {4 * KiB, 0}, LineState::dirty, false), .skip = skip});
            continue;
        }

        struct Point { Shape shape; LineState state; bool shared; };
        std::vector<Point> points;
        constexpr LineState all_states[] = {LineState::dirty, LineState::clean, LineState::cold};
        if (v.intrinsic) {
            // The reference loop is compared on one point: 1 MiB of dirty lines.
            points.push_back({{1 * MiB, 0}, LineState::dirty, false});
        } else if (o.quick && !leads_its_op(v)) {
            if (v.unroll == 8 || std::string_view(v.barrier) == "none")
                points.push_back({{4 * KiB, 0}, LineState::dirty, false});
        } else if (o.quick) {
            for (auto size : sizes(true)) points.push_back({{size, 0}, LineState::dirty, false});
            points.push_back({kMisaligned, LineState::dirty, false});
            points.push_back({{4 * KiB, 0}, LineState::clean, false});
            points.push_back({{4 * KiB, 0}, LineState::cold, false});
            if (o.threads > 1) points.push_back({{4 * KiB, 0}, LineState::dirty, true});
        } else {
            for (auto state : all_states) {
                for (auto size : sizes(false)) points.push_back({{size, 0}, state, false});
                points.push_back({kMisaligned, state, false});
            }
            if (leads_its_op(v))
                for (auto state : all_states)
                    for (auto size : {4 * KiB, 64 * KiB, 1 * MiB})
                        points.push_back({{size, 0}, state, true});
        }

        for (const auto& pt : points) {
            std::string why = skip;
            if (why.empty() && pt.state != LineState::dirty && !write_back_skip.empty())
                why = "cannot prepare the " + std::string(state_name(pt.state)) +
                      " state: " + write_back_skip;
            if (why.empty() && pt.shared && o.threads < 2)
                why = "the shared-buffer mode needs --threads 2 or more";
            Plan plan{&v, write_back->run, line, pt.shape, pt.state, pt.shared};
            auto meet = std::make_shared<Rendezvous>();
            r.add({.name = case_name(v, pt.shape, pt.state, pt.shared),
                   .body = [plan, meet](benchmark::State& s, Thread& t) {
                       run_case(plan, *meet, s, t);
                   },
                   .skip = why,
                   .unit = "line",
                   .threaded = true,
                   .manual_time = true});
        }
    }
}

}  // namespace
DMABENCH_FAMILY(cache, register_cache);
}  // namespace dmabench
