// dmamap/: the composed map/unmap paths of the 2014 Xen-on-arm64 review, one
// map+unmap pair per iteration, each path built only from the cache, lookup
// and call families' pieces (kernels/dmamap).
//
// Names: dmamap/<path>[/unmap_batch:K][/lookup:<replica>]/dir:<d>/size:<bytes>
//
// Method: manual timing in batches of distinct buffers (16 KiB of them, at
// least one), one Google Benchmark iteration per map+unmap pair. Before each
// batch, untimed and with the PMU paused, the CPU touches every buffer as a
// driver would: it writes every line for to_device/bidirectional (dirty lines
// to clean) and reads every line for from_device (it consumed the last
// transfer). Each pair of the batch is then, at random (so a lazy batch's
// purge cannot line up with one kind):
//   whole:      one clock reading before the pair, one after: the Time column;
//               ns_per_pair is their mean less the cost of one clock reading
//               (timer_floor_ns), ns_per_pair_median the typical pair;
//   attributed: a clock reading after every piece, so each piece's time is
//               the gap before its reading, less one reading: ns_<piece>, and
//               share_<piece> = ns_<piece> / the sum of them.
// <piece>_per_pair counts how often each piece ran. Means throughout, so the
// lazy purge that comes every K pages is amortised over the pairs it serves;
// batches during which the thread was switched out (getrusage ru_nivcsw, read
// untimed around the batch) are left out of the counters and counted in
// preempted_pairs: on a busy machine one lost time slice would otherwise
// outweigh a thousand pairs.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <mutex>
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
constexpr std::size_t kBatchBytes = 16 * KiB;  // buffers prepared per batch: fits any L1D

// --- what this machine gives the pieces, decided once at registration ---------

struct Maintenance {
    const cache::Variant* clean = nullptr;
    const cache::Variant* inval = nullptr;
    std::string skip;
};

// Linux's arm64 shape: DC CVAC / DC CIVAC by line, then DSB SY. x86 has no
// non-coherent DMA in Linux; its stand-ins are the best write-back and the
// best write-back-and-invalidate the CPU has.
Maintenance pick_maintenance() {
    Maintenance m;
    auto first_usable = [](std::initializer_list<const char*> names, std::string& why) -> const cache::Variant* {
        for (const char* n : names) {
            const cache::Variant* v = cache::find(n);
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

struct HypercallSource {
    call::OnceFn once = nullptr;  // vmcall / vmmcall
    std::string ptp_device;       // or the KVM PTP clock
    std::string what;             // for the descriptions
    std::string skip;
};

HypercallSource pick_hypercall() {
    HypercallSource h;
    const auto& plan = call_probe::hypercall_plan();
    if (plan.skip.empty()) {
        h.once = call::hypercall_once(plan.insn);
        h.what = std::string("one ") + call::name(plan.insn) + " exit to KVM per page (answered -KVM_EPERM)";
        return h;
    }
    auto ptp = call_probe::plan_ptp_kvm();
    if (ptp.skip.empty()) {
        h.ptp_device = ptp.device;
        h.what = "one PTP_SYS_OFFSET_PRECISE ioctl on " + ptp.device + " per page (one KVM hypercall each)";
        return h;
    }
    h.skip = "no hypercall reachable from user space here (" + plan.skip + "; " + ptp.skip + ")";
    return h;
}

long via_once(const void* fn) { return reinterpret_cast<call::OnceFn>(const_cast<void*>(fn))(); }
long via_ptp(const void* fd) { return call::ptp_precise_loop(*static_cast<const int*>(fd), 1); }

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

uint64_t read_cost_ticks() {
    std::vector<uint64_t> d(1001);
    for (auto& x : d) {
        uint64_t a = StampClock::now();
        x = StampClock::now() - a;
    }
    std::nth_element(d.begin(), d.begin() + 500, d.end());
    return d[500];
}

long involuntary_switches() {
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_nivcsw;
}

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

void run_case(benchmark::State& s, Thread& t, const Spec& sp, const Maintenance& m, const HypercallSource& hs) {
    const std::size_t line = cpu::dcache_line();
    const std::size_t span = pages_spanned(sp.size) * kPage;
    Env env;
    env.clean = m.clean->run;
    env.inval = m.inval->run;
    env.line = line;
    const Dom0& d = dom0();
    env.tables = d.tables.get();
    env.decide = sp.replica ? sp.replica->fn : nullptr;

    int ptp_fd = -1;
    if (hs.once) env.hypercall = {via_once, reinterpret_cast<const void*>(hs.once)};
    if (!hs.ptp_device.empty()) {
        ptp_fd = open(hs.ptp_device.c_str(), O_RDWR | O_CLOEXEC);
        if (ptp_fd < 0) {
            s.SkipWithError(("cannot open " + hs.ptp_device).c_str());
            return;
        }
        env.hypercall = {via_ptp, &ptp_fd};
    }
    struct CloseFd { int& fd; ~CloseFd() { if (fd >= 0) close(fd); } } closer{ptp_fd};

    // A batch of `count` distinct buffers, each prepared before the batch and
    // used by one pair, so the untimed work (preparation, PMU switching, the
    // preemption check) is paid once per batch, not per pair.
    const bool temp_path = sp.path == Path::temp_mapping;
    const std::size_t stride = temp_path || sp.size >= kPage ? span : (sp.size + line - 1) / line * line;
    const std::size_t count = std::max<std::size_t>(1, kBatchBytes / stride);
    std::optional<TempMapper> temp;
    unsigned char* base = nullptr;
    if (temp_path) {
        temp.emplace(count * stride, sp.batch, sp.batch + pages_spanned(sp.size) + 1);
        env.temp = &*temp;
        base = temp->owner();  // the owner's view: where its data is written
    } else {
        base = static_cast<unsigned char*>(t.alloc(count * stride));
    }
    if (sp.path == Path::swiotlb) env.bounce = static_cast<unsigned char*>(t.alloc(span));

    const uint64_t read_cost = read_cost_ticks();
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    uint64_t whole_ticks = 0, whole_n = 0, attributed_n = 0, preempted = 0;
    std::vector<uint64_t> whole;  // for the median pair
    std::array<double, kPieces> piece_ticks{};
    PieceCounts piece_calls{};
    // This batch's figures, kept only if no other task took the CPU meanwhile
    // (getrusage ru_nivcsw before and after): one lost time slice would
    // outweigh a thousand pairs. Google Benchmark's Time keeps every batch.
    std::vector<uint64_t> batch_whole;
    std::array<uint64_t, kPieces> batch_ticks{};
    PieceCounts batch_calls{};
    uint64_t batch_attributed = 0;

    std::size_t frame = 0;
    unsigned pass = 0;
    t.per(1);
    while (s.KeepRunningBatch(benchmark::IterationCount(count))) {
        ++pass;
        for (std::size_t k = 0; k < count; ++k) touch(sp.dir, base + k * stride, sp.size, line, pass);
        batch_whole.clear();
        batch_ticks = {};
        batch_calls = {};
        batch_attributed = 0;
        uint64_t batch_time = 0;
        const long switches = involuntary_switches();
        t.pmu_on();
        for (std::size_t k = 0; k < count; ++k) {
            Request r;
            r.dir = sp.dir;
            r.size = sp.size;
            r.buf = base + k * stride;
            r.foreign_offset = k * stride;
            r.frame = &d.foreign[frame++ % d.foreign.size()];
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            if (rng & 1) {
                RealPieces real{env};
                const uint64_t t0 = clock::start();
                map_unmap(sp.path, real, env, r);
                const uint64_t t1 = clock::stop();
                batch_whole.push_back(t1 - t0);
                batch_time += t1 - t0;
            } else {
                StampedPieces<StampClock> stamped{{env}};
                stamped.begin();
                const uint64_t t0 = stamped.last;
                map_unmap(sp.path, stamped, env, r);
                uint64_t pieces = 0;
                for (unsigned i = 0; i < kPieces; ++i) {
                    batch_ticks[i] += stamped.ticks[i];
                    batch_calls[i] += stamped.counts[i];
                    pieces += stamped.counts[i];
                }
                ++batch_attributed;
                // As a whole pair would have seen it: one clock reading, not one per piece.
                const uint64_t raw = stamped.last - t0;
                const uint64_t extra = pieces > 1 ? (pieces - 1) * read_cost : 0;
                batch_time += raw > extra ? raw - extra : read_cost;
            }
        }
        t.pmu_off();
        s.SetIterationTime(clock::seconds(batch_time));
        if (involuntary_switches() != switches) {
            preempted += count;
            continue;
        }
        for (uint64_t w : batch_whole) whole_ticks += w, whole.push_back(w), ++whole_n;
        for (unsigned i = 0; i < kPieces; ++i) {
            // Each piece's gap holds one clock reading besides the piece.
            piece_ticks[i] += double(batch_ticks[i]) - double(batch_calls[i] * read_cost);
            piece_calls[i] += batch_calls[i];
        }
        attributed_n += batch_attributed;
    }
    if (temp) temp->purge();

    const double ns_per_tick = 1e9 / clock::hz();
    if (whole_n) {
        s.counters["ns_per_pair"] = (double(whole_ticks) / double(whole_n) - double(read_cost)) * ns_per_tick;
        std::nth_element(whole.begin(), whole.begin() + long(whole.size() / 2), whole.end());
        s.counters["ns_per_pair_median"] = (double(whole[whole.size() / 2]) - double(read_cost)) * ns_per_tick;
    }
    s.counters["timer_floor_ns"] = double(read_cost) * ns_per_tick;
    s.counters["preempted_pairs"] = double(preempted);
    s.counters["pairs_per_batch"] = double(count);
    if (!attributed_n) return;
    double sum = 0;
    for (unsigned i = 0; i < kPieces; ++i)
        if (piece_calls[i]) sum += std::max(0.0, piece_ticks[i]);
    for (unsigned i = 0; i < kPieces; ++i) {
        if (!piece_calls[i]) continue;
        const std::string name = piece_name(Piece(i));
        const double ns = piece_ticks[i] / double(attributed_n) * ns_per_tick;
        s.counters["ns_" + name] = ns;
        s.counters["share_" + name] = sum > 0 ? std::max(0.0, piece_ticks[i]) / sum : 0;
        s.counters[name + "_per_pair"] = double(piece_calls[i]) / double(attributed_n);
    }
    if (temp) {
        s.counters["unmap_syscalls_per_pair"] = double(temp->unmap_syscalls()) / double(s.iterations());
        if (temp->window_moves()) s.counters["window_moves"] = double(temp->window_moves());
    }
}

// --- registration -------------------------------------------------------------------

std::string pieces_text(Path path) {
    PieceCounts c = claimed(path, Dir::bidirectional, 2 * kPage);
    std::string out;
    for (unsigned i = 0; i < kPieces; ++i)
        if (c[i]) out += std::string(out.empty() ? "" : ", ") + piece_name(Piece(i));
    return out.empty() ? "no pieces" : "pieces: " + out;
}

std::string case_name(const Spec& sp) {
    std::string n = std::string("dmamap/") + path_name(sp.path);
    if (sp.path == Path::temp_mapping) n += "/unmap_batch:" + std::to_string(sp.batch);
    if (sp.replica) n += std::string("/lookup:") + sp.replica->name;
    return n + "/dir:" + dir_name(sp.dir) + "/size:" + std::to_string(sp.size);
}

void register_dmamap(Registry& r) {
    const bool quick = r.options().quick;
    const Maintenance m = pick_maintenance();
    const HypercallSource hs = pick_hypercall();
    std::string temp_skip;
    try {
        TempMapper probe(kPage, 1, 2);
        probe.release(probe.map(0, kPage), kPage);
    } catch (const std::exception& e) {
        temp_skip = std::string("no temporary mapping here: ") + e.what();
    }
    const std::string clean_name = m.clean ? m.clean->name : "?";
    const std::string inval_name = m.inval ? m.inval->name : "?";
    const std::string flush = "clean = " + clean_name + ", clean+invalidate = " + inval_name;
    const std::string hyper_real =
        hs.skip.empty() ? "Real: the lookup, " + hs.what + ", and the maintenance of the same lines; "
                          "stands in for: Xen mapping the foreign page and flushing it (GNTTABOP_cache_flush)"
                        : "";

    struct Row { Path path; std::string description; std::string skip; };
    const std::vector<Row> rows = {
        {Path::native, "map cleans the buffer, unmap cleans+invalidates it unless to_device (" + flush + ")", m.skip},
        {Path::native_coherent, "a coherent device: map and unmap do no maintenance",
         "nothing to time: a coherent device's pair calls no piece (the counting test holds it to zero)"},
        {Path::xen_local, "decide local/foreign with the lookup replica at map and at unmap, then flush "
                          "locally either way (" + flush + ")", m.skip},
        {Path::xen_hypercall, "decide; a foreign page's flush is asked of the hypervisor, one hypercall per "
                              "page, at map and (unless to_device) at unmap. " + hyper_real,
         !m.skip.empty() ? m.skip : hs.skip},
        {Path::map_asymmetric, "the 2014 patch: decide; local clean at map, the hypervisor (per page) at "
                               "unmap unless to_device. " + hyper_real,
         !m.skip.empty() ? m.skip : hs.skip},
        {Path::temp_mapping, "decide; map the foreign page (a memfd page) temporarily with mmap "
                             "MAP_FIXED_NOREPLACE|MAP_POPULATE, flush through that mapping, munmap it at once "
                             "(unmap_batch:1, eager) or when unmap_batch pages are queued (lazy: one munmap "
                             "and one TLB invalidation for the batch)",
         !m.skip.empty() ? m.skip : temp_skip},
        {Path::swiotlb, "bounce: copy into a bounce buffer unless from_device, maintain the bounce buffer "
                        "as native does, copy back unless to_device (2014 swiotlb); against native's direct clean",
         m.skip},
    };
    for (const Row& row : rows)
        r.variant({std::string("dmamap/") + path_name(row.path), row.description + "; " + pieces_text(row.path),
                   row.skip});

    const std::vector<Dir> dirs = quick ? std::vector<Dir>{Dir::bidirectional}
                                        : std::vector<Dir>{Dir::to_device, Dir::from_device, Dir::bidirectional};
    std::vector<std::size_t> sizes;
    if (quick) sizes = {64, 4 * KiB};
    else
        for (std::size_t sz = 64; sz <= 1 * MiB; sz *= 4) sizes.push_back(sz);  // 64 B .. 1 MiB
    const std::vector<std::size_t> temp_sizes =
        quick ? std::vector<std::size_t>{4 * KiB} : std::vector<std::size_t>{64, 4 * KiB, 64 * KiB, 1 * MiB};
    const std::vector<unsigned> batches = quick ? std::vector<unsigned>{1, 64} : std::vector<unsigned>{1, 8, 64, 512};
    const lookup::Replica* era = &lookup::replica(kEraLookup);

    auto add = [&](const Spec& sp, const std::string& skip) {
        Case c{.name = case_name(sp), .skip = skip, .unit = "pair", .manual_time = true};
        if (skip.empty())
            c.body = [sp, m, hs](benchmark::State& s, Thread& t) { run_case(s, t, sp, m, hs); };
        r.add(std::move(c));
    };
    auto skip_of = [&](Path p) {
        for (const Row& row : rows)
            if (row.path == p) return row.skip;
        return std::string();
    };

    for (Dir dir : dirs)
        for (std::size_t size : sizes) {
            add({Path::native, dir, size}, skip_of(Path::native));
            add({Path::swiotlb, dir, size}, skip_of(Path::swiotlb));
            for (Path p : {Path::xen_local, Path::xen_hypercall, Path::map_asymmetric})
                add({p, dir, size, era}, skip_of(p));
        }
    for (Dir dir : dirs)
        for (std::size_t size : temp_sizes)
            for (unsigned k : batches) add({Path::temp_mapping, dir, size, era, k}, skip_of(Path::temp_mapping));
    // The decision in every shape the kernel has had, on one page.
    if (!quick)
        for (const auto& rep : lookup::replicas)
            if (&rep != era)
                for (Path p : {Path::xen_local, Path::xen_hypercall})
                    add({p, Dir::bidirectional, 4 * KiB, &rep}, skip_of(p));
}

}  // namespace
DMABENCH_FAMILY(dmamap, register_dmamap);
}  // namespace dmabench
