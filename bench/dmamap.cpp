// dmamap/: the composed map/unmap paths of the 2014 Xen-on-arm64 review, one
// map+unmap pair per iteration, each path built only from the cache, lookup
// and call families' pieces (kernels/dmamap).
//
// Names: dmamap/<path>[/unmap_batch:K][/lookup:<replica>]/dir:<d>/size:<bytes>
//
// Method (bench/harness.hpp): batches of distinct buffers (16 KiB of them, at
// least one), one Google Benchmark iteration per map+unmap pair, so Time is
// the mean ns per pair (= ns_per_pair; _median, _p10, _p90 over batches).
// Before each batch, untimed and with the PMU paused, the CPU touches every
// buffer as a driver would: it writes every line for to_device/bidirectional
// (dirty lines to clean) and reads every line for from_device (it consumed the
// last transfer). Means throughout, so the lazy purge that comes every K
// pages is amortised over the pairs it serves.
//
// Attribution, after the timed batches and outside Time: as many pairs again
// (at most 4096), each with a clock reading after every piece, so each
// piece's time is the gap before its reading, less one reading: ns_<piece>,
// share_<piece> = ns_<piece> / the sum of them, and <piece>_per_pair, how
// often each piece ran. Batches that lost the CPU are left out of them.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "bench/harness.hpp"
#include "kernels/call/call.hpp"
#include "kernels/dmamap/dmamap.hpp"
#include "runners/cache_probe.hpp"
#include "runners/call_probe.hpp"
#include "runners/clock.hpp"
#include "runners/cpu.hpp"

namespace dmabench {
namespace {

using namespace dmamap;
constexpr std::size_t KiB = 1024, MiB = 1024 * KiB;
constexpr const char* kEraLookup = "memblock";  // arm64 pfn_valid() of the 2014 thread (v3.7-v4.4)
constexpr std::size_t kFrames = 4096;
constexpr uint64_t kAttributedPairs = 4096;  // at most, after the timed batches

// --- what this machine gives the pieces, decided once at registration ---------

struct Maintenance {
    const cache::RoutineRow* clean = nullptr;
    const cache::RoutineRow* inval = nullptr;
    std::string skip;
};

// Linux's arm64 shape: DC CVAC / DC CIVAC by line, then DSB SY. x86 has no
// non-coherent DMA in Linux; its stand-ins are the best write-back and the
// best write-back-and-invalidate the CPU has.
Maintenance pick_maintenance() {
    Maintenance m;
    auto first_usable = [](std::initializer_list<const char*> names, std::string& why) -> const cache::RoutineRow* {
        for (const char* n : names) {
            const cache::RoutineRow* v = cache::find(n);
            if (!v || !v->run) continue;
            std::string skip = cache_probe::skip_reason(*v);
            if (skip.empty()) return v;
            why += std::string(why.empty() ? "" : "; ") + n + ": " + skip;
        }
        return nullptr;
    };
    std::string why;
#if defined(__aarch64__)
    m.clean = first_usable({"cvac_dsb_sy"}, why);
    m.inval = first_usable({"civac_dsb_sy"}, why);
#else
    m.clean = first_usable({"clwb_sfence", "clflushopt_sfence", "clflush_mfence"}, why);
    m.inval = first_usable({"clflushopt_sfence", "clflush_mfence"}, why);
#endif
    if (!m.clean || !m.inval) m.skip = "no usable cache maintenance routine: " + why;
    return m;
}

// The way out to the hypervisor a composed path takes per page: an exit
// straight from user space, never an ioctl (that would time a system call).
struct HypercallSource {
    call::OnceFn once = nullptr;  // vmcall / vmmcall, else CPUID
    std::string exit;             // the name's exit: arg
    std::string what;             // for the descriptions
    std::string skip;
};

HypercallSource pick_hypercall() {
    HypercallSource h;
    const auto& plan = call_probe::hypercall_plan();
    if (plan.skip.empty()) {
        h.once = call::hypercall_once(plan.insn);
        h.exit = call::name(plan.insn);
        h.what = std::string("one ") + h.exit + " exit to KVM per page (answered -KVM_EPERM)";
        return h;
    }
    const auto& cx = call_probe::cpuid_exit_plan();
#if defined(__x86_64__)
    if (cx.may_exit) {
        h.once = dmabench_call_cpuid;
        h.exit = "cpuid";
        h.what = "one CPUID VM exit per page (" + cx.stamp + ")";
        return h;
    }
#endif
    h.exit = call_probe::hypercall_insn_name();
    h.skip = "no exit to a hypervisor from user space here (" + plan.skip + "; CPUID: " +
             (cx.skip.empty() ? cx.stamp : cx.skip) + ")";
    return h;
}

// The xen-dom0 board profile (dom0 mapped 1:1, 384 foreign grants) and a
// stream of its foreign frames, built on first use and shared by every case.
struct Dom0 {
    lookup::MemoryMap map;
    std::unique_ptr<lookup::Tables> tables;
    std::vector<lookup::Frame> foreign;
};
const Dom0& dom0() {
    static const Dom0 d = [] {
        Dom0 d;
        for (const auto& p : lookup::embedded_profiles()) {
            auto m = lookup::parse_profile(p.text, p.file);
            if (m.name == "xen-dom0") d.map = std::move(m);
        }
        if (d.map.regions.empty()) throw std::runtime_error("dmamap: the xen-dom0 profile is not embedded");
        d.tables = std::make_unique<lookup::Tables>(d.map);
        d.foreign = lookup::make_stream(d.map, {lookup::Pattern::random_ram, 100, kFrames, 2014});
        return d;
    }();
    return d;
}

// --- one case -------------------------------------------------------------------

struct Spec {
    Path path;
    Dir dir;
    std::size_t size;
    const lookup::Replica* replica = nullptr;  // paths that decide local/foreign
    unsigned batch = 1;                         // temp_mapping: pages per unmap
};

struct StampClock {
    static uint64_t now() { return clock::start(); }
};

// What a driver's CPU does to the buffer between two transfers.
void touch(Dir dir, unsigned char* buf, std::size_t size, std::size_t line, unsigned pass) {
    if (dir == Dir::from_device) {
        uint64_t sum = 0;
        for (std::size_t i = 0; i < size; i += line) sum += reinterpret_cast<volatile unsigned char*>(buf)[i];
        benchmark::DoNotOptimize(sum);
    } else {
        std::memset(buf, int(pass & 0x7f) + 1, size);
    }
}

// One run: the pieces' environment and a batch of distinct buffers, each
// prepared before the batch and used by one pair.
struct Pairs {
    Spec spec;
    Env env;
    std::optional<TempMapper> temp;
    unsigned char* base = nullptr;
    std::size_t stride = 0, count = 0;
    std::size_t frame = 0;    // the next foreign frame of the dom0 stream
    uint64_t pairs_run = 0;   // timed, warm-up and attributed alike

    Request request(std::size_t k) {
        const auto& foreign = dom0().foreign;
        Request r;
        r.dir = spec.dir;
        r.size = spec.size;
        r.buf = base + k * stride;
        r.foreign_offset = k * stride;
        r.frame = &foreign[frame++ % foreign.size()];
        ++pairs_run;
        return r;
    }
    void prepare(uint64_t pass) {
        for (std::size_t k = 0; k < count; ++k) touch(spec.dir, base + k * stride, spec.size, env.line, unsigned(pass));
    }
};

void pairs_kernel(uint64_t n, void* context) {
    auto* p = static_cast<Pairs*>(context);
    RealPieces real{p->env};
    for (uint64_t k = 0; k < n; ++k) map_unmap(p->spec.path, real, p->env, p->request(k));
}

long via_once(const void* fn) { return reinterpret_cast<call::OnceFn>(const_cast<void*>(fn))(); }

std::shared_ptr<Pairs> make_pairs(Thread& t, const Spec& sp, const Maintenance& m, const HypercallSource& hs) {
    auto p = std::make_shared<Pairs>();
    p->spec = sp;
    Env& env = p->env;
    env.clean = m.clean->run;
    env.inval = m.inval->run;
    env.line = cpu::dcache_line();
    env.tables = dom0().tables.get();
    env.decide = sp.replica ? sp.replica->fn : nullptr;
    if (hs.once) env.hypercall = {via_once, reinterpret_cast<const void*>(hs.once)};
    const std::size_t span = pages_spanned(sp.size) * kPage;
    const bool temp_path = sp.path == Path::temp_mapping;
    p->stride = temp_path || sp.size >= kPage ? span : (sp.size + env.line - 1) / env.line * env.line;
    p->count = batch_for_bytes(p->stride);
    if (temp_path) {
        p->temp.emplace(p->count * p->stride, sp.batch, sp.batch + pages_spanned(sp.size) + 1);
        env.temp = &*p->temp;
        p->base = p->temp->owner();  // the owner's view: where its data is written
    } else {
        p->base = static_cast<unsigned char*>(t.alloc(p->count * p->stride));
    }
    if (sp.path == Path::swiotlb) env.bounce = static_cast<unsigned char*>(t.alloc(span));
    return p;
}

// Each piece's share of a pair, from pairs with a clock reading after every
// piece, timed as a phase of the harness (its batches and preemption rule).
struct Attribution {
    std::array<double, kPieces> ticks{};
    PieceCounts calls{};
    uint64_t pairs = 0;
    void add(const Attribution& o) {
        for (unsigned i = 0; i < kPieces; ++i) ticks[i] += o.ticks[i], calls[i] += o.calls[i];
        pairs += o.pairs;
    }
};

// The stamped twin of pairs_kernel: the batch's pieces go into `batch`.
struct Stamped {
    Pairs& p;
    Attribution batch;
};

void stamped_kernel(uint64_t n, void* context) {
    auto* st = static_cast<Stamped*>(context);
    // Each piece's gap holds one clock reading besides the piece: the harness's floor.
    const double floor = double(clock::floor_ticks());
    for (uint64_t k = 0; k < n; ++k) {
        StampedPieces<StampClock> stamped{{st->p.env}};
        stamped.begin();
        map_unmap(st->p.spec.path, stamped, st->p.env, st->p.request(k));
        for (unsigned i = 0; i < kPieces; ++i) {
            st->batch.ticks[i] += double(stamped.ticks[i]) - double(stamped.counts[i]) * floor;
            st->batch.calls[i] += stamped.counts[i];
        }
        ++st->batch.pairs;
    }
}

Attribution attribute(Pairs& p, uint64_t pairs) {
    Stamped st{p, {}};
    Attribution a;
    Work w{.kernel = stamped_kernel, .context = &st, .batch = p.count,
           .prepare = [&](uint64_t pass) { p.prepare(pass), st.batch = {}; }};
    run_phase(w, std::size_t((pairs + p.count - 1) / p.count), [&] { a.add(st.batch); });
    return a;
}

void put_attribution(benchmark::State& s, const Attribution& a) {
    if (!a.pairs) return;
    const double ns_per_tick = 1e9 / clock::hz();
    double sum = 0;
    for (unsigned i = 0; i < kPieces; ++i)
        if (a.calls[i]) sum += std::max(0.0, a.ticks[i]);
    for (unsigned i = 0; i < kPieces; ++i) {
        if (!a.calls[i]) continue;
        const std::string name = piece_name(Piece(i));
        s.counters["ns_" + name] = a.ticks[i] / double(a.pairs) * ns_per_tick;
        s.counters["share_" + name] = sum > 0 ? std::max(0.0, a.ticks[i]) / sum : 0;
        s.counters[name + "_per_pair"] = double(a.calls[i]) / double(a.pairs);
    }
}

Work setup_case(Thread& t, const Spec& sp, const Maintenance& m, const HypercallSource& hs) {
    auto p = make_pairs(t, sp, m, hs);
    return Work{.kernel = pairs_kernel, .context = p.get(), .batch = p->count,
                .prepare = [q = p.get()](uint64_t pass) { q->prepare(pass); },
                .finish = [q = p.get()](benchmark::State& s, const Timing& sum) {
                    put_attribution(s, attribute(*q, std::min<uint64_t>(sum.ops, kAttributedPairs)));
                    if (!q->temp) return;
                    q->temp->purge();
                    s.counters["unmap_syscalls_per_pair"] =
                        double(q->temp->unmap_syscalls()) / double(q->pairs_run);
                    if (q->temp->window_moves()) s.counters["window_moves"] = double(q->temp->window_moves());
                },
                .keep = p};
}

// --- registration -------------------------------------------------------------------

std::string pieces_text(Path path) {
    PieceCounts c = claimed(path, Dir::bidirectional, 2 * kPage);
    std::string out;
    for (unsigned i = 0; i < kPieces; ++i)
        if (c[i]) out += std::string(out.empty() ? "" : ", ") + piece_name(Piece(i));
    return out.empty() ? "no pieces" : "pieces: " + out;
}

Args args_of(const Spec& sp) {
    Args a;
    if (sp.path == Path::temp_mapping) a.push_back({"unmap_batch", sp.batch});
    if (sp.replica) a.push_back({"lookup", sp.replica->name});
    a.push_back({"dir", dir_name(sp.dir)});
    a.push_back({"size", sp.size});
    return a;
}

// The pfn_valid era of the decision, for experiments to select by.
nlohmann::json tags_of(const Spec& sp) {
    nlohmann::json t = {{"kind", sp.replica ? "xen" : "native"}};
    if (sp.replica) t["era"] = sp.replica->models;
    return t;
}

std::string temp_mapping_skip() {
    try {
        TempMapper probe(kPage, 1, 2);
        probe.release(probe.map(0, kPage), kPage);
    } catch (const std::exception& e) {
        return std::string("no temporary mapping here: ") + e.what();
    }
    return "";
}

// The family's table: one row per path.
struct Row {
    Path path;
    std::string description;
    std::string skip;
};

std::vector<Row> rows_of(const Maintenance& m, const HypercallSource& hs) {
    const std::string flush = "clean = " + std::string(m.clean ? m.clean->name : "?") +
                              ", clean+invalidate = " + (m.inval ? m.inval->name : "?");
    const std::string hyper_real =
        hs.skip.empty() ? "Real: the lookup, " + hs.what + ", and the maintenance of the same lines; "
                          "stands in for: Xen mapping the foreign page and flushing it (GNTTABOP_cache_flush)"
                        : "";
    const std::string hyper_skip = !m.skip.empty() ? m.skip : hs.skip;
    return {
        {Path::native, "map cleans the buffer, unmap cleans+invalidates it unless to_device (" + flush + ")", m.skip},
        {Path::native_coherent, "a coherent device: map and unmap do no maintenance",
         "nothing to time: a coherent device's pair calls no piece (the counting test holds it to zero)"},
        {Path::xen_local, "decide local/foreign with the lookup replica at map and at unmap, then flush "
                          "locally either way (" + flush + ")", m.skip},
        {Path::xen_hypercall, "decide; a foreign page's flush is asked of the hypervisor, one hypercall per "
                              "page, at map and (unless to_device) at unmap. " + hyper_real, hyper_skip},
        {Path::map_asymmetric, "the 2014 patch: decide; local clean at map, the hypervisor (per page) at "
                               "unmap unless to_device. " + hyper_real, hyper_skip},
        {Path::temp_mapping, "decide; map the foreign page (a memfd page) temporarily with mmap "
                             "MAP_FIXED_NOREPLACE|MAP_POPULATE, flush through that mapping, munmap it at once "
                             "(unmap_batch:1, eager) or when unmap_batch pages are queued (lazy: one munmap "
                             "and one TLB invalidation for the batch)",
         !m.skip.empty() ? m.skip : temp_mapping_skip()},
        {Path::swiotlb, "bounce: copy into a bounce buffer unless from_device, maintain the bounce buffer "
                        "as native does, copy back unless to_device (2014 swiotlb); against native's direct clean",
         m.skip},
    };
}

Dir dir_of(const std::string& name) {
    for (Dir d : {Dir::to_device, Dir::from_device, Dir::bidirectional})
        if (name == dir_name(d)) return d;
    throw std::logic_error("dmamap: no direction " + name);
}

// The sweeps, per tier. Lazy unmapping is a question of batches, not of
// direction: the default tier asks it bidirectionally only. The decision in
// every shape the kernel has had runs on one page, --full only.
const std::vector<std::string> kDirs{"to_device", "from_device", "bidirectional"};
const std::vector<Axis> kPairs{{"dir", kDirs, {"bidirectional"}},
                               {"size", values({64, 256, 1024, 4096, 16384, 65536, 262144, 1048576}),
                                values({64, 4096})}};
const std::vector<Axis> kTemp{{"dir", {"bidirectional"}, {}, kDirs},
                              {"size", values({64, 4096, 65536, 1048576}), values({4096})},
                              {"unmap_batch", values({1, 8, 64, 512}), values({1, 64})}};

void register_dmamap(Registry& r) {
    const Maintenance m = pick_maintenance();
    const HypercallSource hs = pick_hypercall();
    const std::vector<Row> rows = rows_of(m, hs);
    for (const Row& row : rows)
        r.variant({std::string("dmamap/") + path_name(row.path), row.description + "; " + pieces_text(row.path),
                   row.skip});
    auto add = [&](const Spec& sp) {
        const Row& row = *std::find_if(rows.begin(), rows.end(), [&](const Row& x) { return x.path == sp.path; });
        Case c{.family = "dmamap", .variant = path_name(sp.path), .args = args_of(sp), .op = "pair",
               .skip = row.skip, .tags = tags_of(sp)};
        if (sp.path == Path::xen_hypercall || sp.path == Path::map_asymmetric)
            c.args.insert(c.args.begin(), {"exit", hs.exit});  // one name, one exit
        if (c.skip.empty())
            c.setup = [sp, m, hs](benchmark::State&, Thread& t) { return setup_case(t, sp, m, hs); };
        r.add(std::move(c));
    };
    const lookup::Replica* era = &lookup::replica(kEraLookup);
    for (const Args& a : sweep(r.options(), kPairs)) {
        const Dir dir = dir_of(a[0].value);
        const std::size_t size = std::stoull(a[1].value);
        add({Path::native, dir, size});
        add({Path::swiotlb, dir, size});
        for (Path p : {Path::xen_local, Path::xen_hypercall, Path::map_asymmetric}) add({p, dir, size, era});
    }
    for (const Args& a : sweep(r.options(), kTemp))
        add({Path::temp_mapping, dir_of(a[0].value), std::stoull(a[1].value), era, unsigned(std::stoul(a[2].value))});
    if (r.options().full)
        for (const auto& rep : lookup::replicas)
            if (&rep != era)
                for (Path p : {Path::xen_local, Path::xen_hypercall}) add({p, Dir::bidirectional, 4 * KiB, &rep});
}

}  // namespace
DMABENCH_FAMILY(dmamap, register_dmamap);
}  // namespace dmabench
