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
// Method (bench/harness.hpp): each batch first prepares the line state of
// `count` buffers (untimed), then times `count` back-to-back calls, one per
// buffer, between two fenced clock reads; PMU counters run only around those
// calls. count = max(1, 16 KiB / buffer stride) (batch_for_bytes), so for
// small buffers the clock reads are spread over many calls while every call
// still finds its own lines in the prepared state. One Google Benchmark
// iteration is one call, so Time is ns per call (= ns_per_call). With several
// threads the harness lines the batches up, so the timed calls of all threads
// overlap and no thread's preparation runs during another's timing; Google
// Benchmark then divides Time by the thread count (time per call of the whole
// machine), while ns_per_call stays what one call took on its thread.
#include <cstring>
#include <memory>
#include <vector>

#include "bench/harness.hpp"
#include "kernels/cache/cache.hpp"
#include "runners/cache_probe.hpp"
#include "runners/cpu.hpp"

namespace dmabench {
namespace {

constexpr std::size_t KiB = 1024, MiB = 1024 * KiB;

enum class LineState { dirty, clean, cold };
constexpr const char* state_name(LineState s) {
    return s == LineState::dirty ? "dirty" : s == LineState::clean ? "clean" : "cold";
}

struct Shape {
    std::size_t size, offset;
};
constexpr Shape kMisaligned{4000, 24};

// One case, fixed at registration.
struct Spec {
    const cache::Variant* variant;
    cache::Routine write_back;  // the baseline flush used to prepare clean and cold
    std::size_t line;
    Shape shape;
    LineState state;
    bool shared;
};

std::size_t round_up(std::size_t x, std::size_t to) { return (x + to - 1) / to * to; }

// Lines holding a byte of [offset, offset+size) of a line-aligned buffer.
std::size_t lines_per_call(const Spec& p) {
    std::size_t first = p.shape.offset / p.line * p.line;
    return (round_up(p.shape.offset + p.shape.size, p.line) - first) / p.line;
}

// Puts every line of [base, base+span) into the case's state.
void prepare(const Spec& p, unsigned char* base, std::size_t span, unsigned pass) {
    std::memset(base, int(pass % 255) + 1, span);  // a new value: every line is written
    if (p.state == LineState::dirty) return;
    p.write_back(base, span, p.line);
    if (p.state == LineState::cold) return;
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < span; i += p.line)
        sum += *reinterpret_cast<volatile std::uint64_t*>(base + i);
    benchmark::DoNotOptimize(sum);
}

// One run: count buffers of stride bytes from base, each called once a batch.
struct Buffers {
    cache::Routine run;
    unsigned char* base;
    std::size_t stride, offset, size, line;
};

void calls_kernel(uint64_t n, void* context) {
    const auto* b = static_cast<const Buffers*>(context);
    for (uint64_t k = 0; k < n; ++k) b->run(b->base + k * b->stride + b->offset, b->size, b->line);
}

Work setup_case(const Spec& p, Thread& t) {
    const std::size_t stride = round_up(p.shape.offset + p.shape.size, p.line);
    const uint64_t count = batch_for_bytes(stride);
    const std::size_t span = stride * count;
    const std::size_t lines = lines_per_call(p);
    // A shared buffer is thread 0's, prepared by it alone.
    const bool preparer = !p.shared || t.index() == 0;
    auto* base = static_cast<unsigned char*>(preparer ? t.alloc(span) : nullptr);
    if (p.shared) base = static_cast<unsigned char*>(t.share(base));
    auto b = std::make_shared<Buffers>(Buffers{p.variant->run, base, stride, p.shape.offset,
                                               p.shape.size, p.line});
    return Work{
        .kernel = calls_kernel, .context = b.get(), .batch = count,
        .prepare = [p, base, span, preparer](uint64_t pass) {
            if (preparer) prepare(p, base, span, unsigned(pass));
        },
        .units_per_op = double(lines),
        .finish = [p, lines, pu = t.pu()](benchmark::State& s, const Summary& sum) {
            using C = benchmark::Counter;
            const double seconds_per_call = sum.ns_per_op * 1e-9;
            if (seconds_per_call <= 0) return;
            s.counters["bytes_per_second"] = C(double(p.shape.size) / seconds_per_call, C::kAvgThreads);
            if (s.threads() > 1)
                s.counters["bytes_per_second_all_threads"] = C(double(p.shape.size) / seconds_per_call);
            s.counters["lines_per_call"] = C(double(lines), C::kAvgThreads);
            s.counters["line_bytes"] = C(double(p.line), C::kAvgThreads);
            if (cache_probe::cpu_traps_dc(pu)) s.counters["dc_trapped_by_kernel"] = C(1, C::kAvgThreads);
        },
        .keep = b};
}

std::vector<std::size_t> sizes(const Options& o) {
    if (o.quick) return {64, 4 * KiB, 1 * MiB};
    if (!o.full) return {64, 1 * KiB, 4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB};
    std::vector<std::size_t> v;
    for (std::size_t s = 64; s <= 64 * MiB; s *= 2) v.push_back(s);
    return v;
}

// The declared args: size, offset when there is one, state, buffer when shared.
Args args_of(Shape shape, LineState state, bool shared) {
    Args a{{"size", shape.size}};
    if (shape.offset) a.push_back({"offset", shape.offset});
    a.push_back({"state", state_name(state)});
    if (shared) a.push_back({"buffer", "shared"});
    return a;
}

nlohmann::json tags_of(const cache::Variant& v) {
    return {{"kind", v.intrinsic ? "intrinsic" : "routine"}, {"cache_op", v.op}, {"barrier", v.barrier},
            {"unroll", v.unroll}, {"lead", cache::leads_its_op(v)}};
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
            r.add({.family = "cache", .variant = v.name,
                   .args = args_of({4 * KiB, 0}, LineState::dirty, false), .op = "call",
                   .unit = "line", .skip = skip, .tags = tags_of(v)});
            continue;
        }

        struct Point { Shape shape; LineState state; bool shared; };
        std::vector<Point> points;
        constexpr LineState all_states[] = {LineState::dirty, LineState::clean, LineState::cold};
        if (v.intrinsic) {
            // The reference loop is compared on one point: 1 MiB of dirty lines.
            points.push_back({{1 * MiB, 0}, LineState::dirty, false});
        } else if (o.quick && !cache::leads_its_op(v)) {
            if (v.unroll == 8 || std::string_view(v.barrier) == "none")
                points.push_back({{4 * KiB, 0}, LineState::dirty, false});
        } else if (!o.full && !cache::leads_its_op(v)) {
            // The default tier: each barrier and unroll against its op's lead
            // at a page and at 1 MiB of dirty lines.
            for (auto size : {4 * KiB, 1 * MiB}) points.push_back({{size, 0}, LineState::dirty, false});
        } else if (o.quick) {
            for (auto size : sizes(o)) points.push_back({{size, 0}, LineState::dirty, false});
            points.push_back({kMisaligned, LineState::dirty, false});
            points.push_back({{4 * KiB, 0}, LineState::clean, false});
            points.push_back({{4 * KiB, 0}, LineState::cold, false});
            if (o.threads > 1) points.push_back({{4 * KiB, 0}, LineState::dirty, true});
        } else {
            for (auto state : all_states) {
                for (auto size : sizes(o)) points.push_back({{size, 0}, state, false});
                points.push_back({kMisaligned, state, false});
            }
            if (cache::leads_its_op(v) && (o.full || o.threads > 1))
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
            Spec spec{&v, write_back->run, line, pt.shape, pt.state, pt.shared};
            r.add({.family = "cache", .variant = v.name,
                   .args = args_of(pt.shape, pt.state, pt.shared), .op = "call", .unit = "line",
                   .setup = [spec](benchmark::State&, Thread& t) { return setup_case(spec, t); },
                   .skip = why, .threaded = true, .tags = tags_of(v)});
        }
    }
}

}  // namespace
DMABENCH_FAMILY(cache, register_cache);
}  // namespace dmabench
