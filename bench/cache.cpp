// cache/: what cache maintenance by virtual address costs, per call and per
// line, for every routine of kernels/cache (op x barrier x unroll), buffer size
// and line state.
//
// Names: cache/<variant>/size:<bytes>[/offset:<bytes>]/state:<s>[/buffer:shared]
//   variant  a row of kernels/cache/variants.inc, e.g. civac_dsb_sy, cvac_none_x8,
//            or intrinsic_<op>_<fence> (the compiler-intrinsic reference, x86_64)
//   size     bytes per call: 64 B .. 64 MiB in powers of two, and one misaligned
//            case (size:4000, offset:24) whose first and last lines are partial
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
#include <string>
#include <string_view>
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
LineState state_of(std::string_view name) {
    return name == "clean" ? LineState::clean : name == "cold" ? LineState::cold : LineState::dirty;
}

struct Shape {
    std::size_t size, offset;
};
// The one size that is not a power of two: at offset 24, its first and last lines are partial.
constexpr Shape kMisaligned{4000, 24};
Shape shape_of(std::size_t size) { return {size, size == kMisaligned.size ? kMisaligned.offset : 0}; }

// The sweeps' axes, per tier (bench/registry.hpp Axis: quick, then full lists).
std::vector<std::string> powers_of_two(std::size_t from, std::size_t to) {
    std::vector<std::string> v;
    for (std::size_t s = from; s <= to; s *= 2) v.push_back(std::to_string(s));
    return v;
}
std::vector<std::string> with_misaligned(std::vector<std::string> sizes) {
    sizes.push_back(std::to_string(kMisaligned.size));
    return sizes;
}
const Axis kSizes{"size", with_misaligned(values({64, 1 * KiB, 4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB})),
                  with_misaligned(values({64, 4 * KiB, 1 * MiB})), with_misaligned(powers_of_two(64, 64 * MiB))};
const Axis kStates{"state", {"dirty", "clean", "cold"}, {"dirty"}};
const Axis kDirty{"state", {"dirty"}};
const Axis kPage{"size", values({4 * KiB})};
// Every thread flushing the same buffers at once.
const std::vector<Axis> kShared{kStates, {"size", values({4 * KiB, 64 * KiB, 1 * MiB}), values({4 * KiB})},
                                {"buffer", {"shared"}}};

// Which points each routine is swept over at o's tier: its op's lead takes
// every size and state, the other routines of the op fewer, unless --full.
std::vector<Args> points_of(const cache::RoutineRow& v, const Options& o) {
    if (v.arch != cache::this_arch) return sweep(o, {kPage, kDirty});  // listed, to say why not
    if (v.intrinsic) return sweep(o, {{"size", values({1 * MiB})}, kDirty});  // compared on 1 MiB
    const bool lead = cache::leads_its_op(v);
    if (!lead && o.quick) {
        if (v.unroll == 8 || std::string_view(v.barrier) == "none") return sweep(o, {kPage, kDirty});
        return {};
    }
    // The default tier: each barrier and unroll against its op's lead at a page and 1 MiB.
    if (!lead && !o.full) return sweep(o, {{"size", values({4 * KiB, 1 * MiB})}, kDirty});
    std::vector<Args> points = sweep(o, {kStates, kSizes});
    auto append = [&points](std::vector<Args> more) { points.insert(points.end(), more.begin(), more.end()); };
    if (o.quick) append(sweep(o, {{"state", {"clean", "cold"}}, kPage}));
    if (lead && (o.full || o.threads > 1)) append(sweep(o, kShared));
    return points;
}

// One case, fixed at registration.
struct Spec {
    const cache::RoutineRow* routine;
    cache::Routine write_back;  // the baseline flush used to prepare clean and cold
    std::size_t line;
    Shape shape;
    LineState state;
    bool shared;
};

Spec spec_of(const cache::RoutineRow& v, const Args& point, cache::Routine write_back, std::size_t line) {
    Spec s{&v, write_back, line, {}, LineState::dirty, false};
    for (const Arg& a : point) {
        if (a.key == "size") s.shape = shape_of(std::stoull(a.value));
        if (a.key == "state") s.state = state_of(a.value);
        if (a.key == "buffer") s.shared = a.value == "shared";
    }
    return s;
}

// The declared args, in name order: size, offset when there is one, state, buffer when shared.
Args args_of(const Spec& s) {
    Args a{{"size", s.shape.size}};
    if (s.shape.offset) a.push_back({"offset", s.shape.offset});
    a.push_back({"state", state_name(s.state)});
    if (s.shared) a.push_back({"buffer", "shared"});
    return a;
}

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
    const double lines = double(lines_per_call(p));
    // A shared buffer is thread 0's, prepared by it alone.
    const bool preparer = !p.shared || t.index() == 0;
    auto* base = static_cast<unsigned char*>(preparer ? t.alloc(span) : nullptr);
    if (p.shared) base = static_cast<unsigned char*>(t.share(base));
    auto b = std::make_shared<Buffers>(Buffers{p.routine->run, base, stride, p.shape.offset,
                                               p.shape.size, p.line});
    return Work{
        .kernel = calls_kernel, .context = b.get(), .batch = count,
        .prepare = [p, base, span, preparer](uint64_t pass) {
            if (preparer) prepare(p, base, span, unsigned(pass));
        },
        .units_per_op = lines,
        // What one call carries: the lines are the unit (ns_per_line).
        .bytes_per_op = double(p.shape.size),
        .figures = {{"lines_per_call", lines}, {"line_bytes", double(p.line)}},
        .finish = [pu = t.pu()](benchmark::State& s, const Timing&) {
            if (cache_probe::cpu_traps_dc(pu))
                s.counters["dc_trapped_by_kernel"] = benchmark::Counter(1, benchmark::Counter::kAvgThreads);
        },
        .keep = b};
}

nlohmann::json tags_of(const cache::RoutineRow& v) {
    return {{"kind", v.intrinsic ? "intrinsic" : "routine"}, {"cache_op", v.op}, {"barrier", v.barrier},
            {"unroll", v.unroll}, {"lead", cache::leads_its_op(v)}};
}

// Why a point cannot run here, if it cannot: the routine's reason first.
std::string skip_of(const Spec& s, const std::string& routine_skip, const std::string& write_back_skip,
                    const Options& o) {
    if (!routine_skip.empty()) return routine_skip;
    if (s.state != LineState::dirty && !write_back_skip.empty())
        return "cannot prepare the " + std::string(state_name(s.state)) + " state: " + write_back_skip;
    if (s.shared && o.threads < 2) return "the shared-buffer mode needs --threads 2 or more";
    return "";
}

// A row's description for `dmabench info`, with the errata note where it applies.
std::string description_of(const cache::RoutineRow& v) {
    std::string d = cache::describe(v);
    const std::string& errata = cache_probe::errata_stamp_here();
    if (v.arch == cache::this_arch && v.arch == cache::Arch::arm64 && !errata.empty())
        d += " Note: " + errata + ".";
    return d;
}

void register_cache(Registry& r) {
    const auto& o = r.options();
    const std::size_t line = cpu::dcache_line();
    const cache::RoutineRow* write_back =
        cache::find(cache::this_arch == cache::Arch::arm64 ? "civac_dsb_sy" : "clflush_mfence");
    const std::string write_back_skip = cache_probe::skip_reason(*write_back);
    for (const auto& v : cache::routines) {
        const std::string skip = cache_probe::skip_reason(v);
        r.variant({std::string("cache/") + v.name, description_of(v), skip});
        const bool here = v.arch == cache::this_arch;
        for (const Args& point : points_of(v, o)) {
            const Spec spec = spec_of(v, point, write_back->run, line);
            Case c{.family = "cache", .variant = v.name, .args = args_of(spec), .op = "call", .unit = "line",
                   .skip = here ? skip_of(spec, skip, write_back_skip, o) : skip, .threaded = here,
                   .tags = tags_of(v)};
            if (here) c.setup = [spec](benchmark::State&, Thread& t) { return setup_case(spec, t); };
            r.add(std::move(c));
        }
    }
}

}  // namespace
DMABENCH_FAMILY(cache, register_cache);
}  // namespace dmabench
