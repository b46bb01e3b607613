// lookup/: what deciding "is this frame dom0's own?" costs, in each shape
// pfn_valid() has had, through Xen's p2m tree, and by the two alternatives the
// 2014 review proposed (a flag, a pfn != mfn compare).
//
// Names: lookup/<replica>/map:<m>/nodes:<k>/pattern:<p>/foreign:<pct>/chain:<c>
//   map      a board profile (kernels/lookup/profiles), "host", or regions-N (synthetic, N regions)
//   nodes    foreign single-page grants in the p2m tree (a profile's own, or added)
//   pattern  sequential | random_ram | random_phys (local frames; see memmap.hpp)
//   foreign  percent of the stream that are foreign grant frames
//   chain    data: the next frame's address is computed from the answer (latency);
//            branch: the loop branches on the answer, as the DMA path's caller
//            does, and lookups overlap as far as prediction allows
//
// Method: a stream of 131072 frames is precomputed per case, outside the timed
// loop. One iteration is one lookup; a timed batch (bench/harness.hpp) looks
// up the next 4096-frame window of the stream (see kStreamLength for why the
// stream is longer than a window), each lookup an opaque indirect call:
// through lookup_stream() for chain:data, where a replica answering from data
// (flag, the compare, flat) is fully serialised while one answering through
// predicted branches lets speculation run ahead; through
// lookup_stream_branch() for chain:branch, which treats every replica alike.
// Time is the mean ns per lookup (= ns_per_lookup; _median, _p10, _p90 over
// windows). PMU counts are also given per lookup. `flag` is the floor: one
// indirect call and one load, which every other replica also pays.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "bench/harness.hpp"
#include "kernels/lookup/lookup.hpp"
#include "runners/clock.hpp"

namespace dmabench {
namespace {

using namespace lookup;

// A timed iteration looks up one 4096-frame window; successive iterations walk
// a 131072-frame stream. Measured here: a branch predictor learns a repeated
// 32768-frame pattern of local/foreign answers (50 % foreign cost as little as
// 0 %), and stops gaining at 131072; windows keep each sample a few
// microseconds long, so the median still shrugs off preemption.
constexpr size_t kStreamLength = 131072;
constexpr size_t kWindow = 4096;
constexpr uint64_t kMapSeed = 2014, kGrantSeed = 7, kStreamSeed = 11;

struct MapSource {
    std::string name;    // as in map:<name>
    std::string skip;    // why it cannot be used here
    std::string origin;  // where it comes from, for `dmabench info` and the result context
    std::shared_ptr<const MemoryMap> map;  // null for synthetic maps (built on first use)
    unsigned regions = 0;                  // synthetic: number of regions
};

struct CaseSpec {
    const Replica* replica;
    std::shared_ptr<const MapSource> source;
    unsigned nodes;  // grants to add (synthetic maps); a profile's own count otherwise
    Pattern pattern;
    unsigned foreign;
    const Chain* chain = nullptr;
};

// Built once per (map, nodes) and reused by every case on it: Google Benchmark
// calls a body several times while it sizes the iteration count. Only the
// latest map is kept, and cases are registered grouped by map.
struct Workload {
    MemoryMap map;
    std::unique_ptr<Tables> tables;
    std::map<std::pair<int, unsigned>, std::vector<Frame>> streams;
};

Workload& workload_for(const CaseSpec& c) {
    static std::string key;
    static std::unique_ptr<Workload> w;
    std::string want = c.source->name + "/" + std::to_string(c.nodes);
    if (!w || key != want) {
        w.reset();
        auto fresh = std::make_unique<Workload>();
        if (c.source->map) {
            fresh->map = *c.source->map;
        } else {
            fresh->map = synthetic_map(c.source->regions, kMapSeed);
        }
        if (fresh->map.p2m.empty()) add_foreign_grants(fresh->map, c.nodes, kGrantSeed);
        fresh->tables = std::make_unique<Tables>(fresh->map);
        w = std::move(fresh);
        key = want;
    }
    auto sk = std::make_pair(int(c.pattern), c.foreign);
    auto it = w->streams.find(sk);
    if (it == w->streams.end())
        it = w->streams.emplace(sk, make_stream(w->map, {c.pattern, c.foreign, kStreamLength, kStreamSeed})).first;
    return *w;
}

// One run: the stream on the thread's NUMA node, walked window by window.
struct Walk {
    uint64_t (*run)(ReplicaFn, const Tables*, const Frame*, size_t);
    ReplicaFn fn;
    const Tables* tables;
    const Frame* frames;
    size_t offset = 0;
};

void walk_kernel(uint64_t n, void* context) {
    auto* w = static_cast<Walk*>(context);
    while (n) {
        size_t k = std::min<size_t>(n, kStreamLength - w->offset);
        benchmark::DoNotOptimize(w->run(w->fn, w->tables, w->frames + w->offset, k));
        w->offset = (w->offset + k) % kStreamLength;
        n -= k;
    }
}

Work setup_case(Thread& t, const CaseSpec& c) {
    Workload& w = workload_for(c);
    const std::vector<Frame>& cached = w.streams.at({int(c.pattern), c.foreign});
    Frame* frames = t.alloc_array<Frame>(cached.size());
    std::memcpy(frames, cached.data(), cached.size() * sizeof(Frame));
    const Tables* tables = w.tables.get();
    // Warm caches, TLB and predictors on the whole stream; its answers give the local share.
    const uint64_t local = c.chain->run(c.replica->fn, tables, frames, kStreamLength);
    auto walk = std::make_shared<Walk>(Walk{c.chain->run, c.replica->fn, tables, frames});
    return Work{.kernel = walk_kernel, .context = walk.get(), .batch = kWindow,
                .finish = [local, tables](benchmark::State& s, const Summary&) {
                    s.counters["local_share"] = double(local) / double(kStreamLength);
                    s.counters["regions"] = double(tables->memblock.regions.size());
                    s.counters["p2m_nodes"] = double(tables->p2m.size());
                },
                .keep = walk};
}

[[noreturn]] void bad_profile(const std::string& what) {
    throw BadInput("DMABENCH_LOOKUP_PROFILE: " + what);
}

// Shipped profiles, then any named in DMABENCH_LOOKUP_PROFILE (colon-separated
// paths); a malformed one is bad input (BadInput: one line naming file and line).
std::vector<std::shared_ptr<const MapSource>> profile_sources() {
    std::vector<std::shared_ptr<const MapSource>> out;
    auto add = [&](MemoryMap m, const std::string& file) {
        for (const auto& o : out)
            if (o->name == m.name) bad_profile("profile name \"" + m.name + "\" is used twice");
        auto src = std::make_shared<MapSource>();
        src->name = m.name;
        src->origin = file;
        src->map = std::make_shared<const MemoryMap>(std::move(m));
        out.push_back(std::move(src));
    };
    for (const EmbeddedProfile& p : embedded_profiles()) add(parse_profile(p.text, p.file), p.file);
    if (const char* env = std::getenv("DMABENCH_LOOKUP_PROFILE"); env && *env) {
        std::stringstream paths(env);
        std::string path;
        while (std::getline(paths, path, ':')) {
            if (path.empty()) continue;
            std::ifstream in(path);
            if (!in) bad_profile("cannot read '" + path + "' (accepted: a JSON profile, see kernels/lookup/profiles/README.md)");
            std::stringstream text;
            text << in.rdbuf();
            try {
                add(parse_profile(text.str(), path), path);
            } catch (const ParseError& e) {
                bad_profile(e.what());
            }
        }
    }
    return out;
}

std::shared_ptr<const MapSource> synthetic_source(unsigned regions) {
    auto s = std::make_shared<MapSource>();
    s->name = "regions-" + std::to_string(regions);
    s->regions = regions;
    return s;
}

std::shared_ptr<const MapSource> host_source() {
    auto s = std::make_shared<MapSource>();
    s->name = "host";
    HostMap h = read_host_map();
    if (h.ok()) {
        s->origin = h.map.source;
        s->map = std::make_shared<const MemoryMap>(std::move(h.map));
    } else {
        s->skip = "no host memory map: " + h.why;
        s->origin = s->skip;
    }
    return s;
}

// What experiments and plots select by: the replica's kind and era, and the map's.
nlohmann::json tags_of(const CaseSpec& c) {
    const Replica& rep = *c.replica;
    const char* kind = rep.uses_p2m ? "p2m" : rep.uses_map ? "pfn_valid" : "alternative";
    nlohmann::json t = {{"kind", kind}, {"era", rep.models}, {"baseline", !rep.uses_map && !rep.uses_p2m},
                        {"map_kind", c.source->regions ? "synthetic"
                                     : c.source->name == "host" ? "host" : "profile"}};
    if (c.source->regions) t["regions"] = c.source->regions;
    return t;
}

void add_case(Registry& r, CaseSpec c) {
    for (const Chain& chain : chains) {
        c.chain = &chain;
        r.add({.family = "lookup", .variant = c.replica->name,
               .args = {{"map", c.source->name}, {"nodes", c.nodes},
                        {"pattern", pattern_name(c.pattern)}, {"foreign", c.foreign},
                        {"chain", chain.name}},
               .op = "lookup",
               .setup = [c](benchmark::State&, Thread& t) { return setup_case(t, c); },
               .skip = c.source->skip,
               .tags = tags_of(c)});
    }
}

void register_lookup(Registry& r) {
    for (const Replica& rep : replicas)
        r.variant({std::string("lookup/") + rep.name, std::string(rep.description) + "; models " + rep.models, ""});

    const bool quick = r.options().quick;
    const auto profiles = profile_sources();
    auto host = host_source();
    // Where every map comes from, carried into `dmabench info` and the result context.
    std::string origins = "memory maps used by lookup/ (map:<name>): regions-N: synthetic, N regions from seed " +
                          std::to_string(kMapSeed) + " (kernels/lookup/memmap.cpp synthetic_map)";
    for (const auto& p : profiles) origins += "; " + p->name + ": " + p->origin;
    origins += "; host: " + host->origin;
    r.variant({"lookup/maps", origins, ""});
    const auto is_pfn_valid_shape = [](const Replica& rep) { return rep.uses_map && !rep.uses_p2m; };
    // The default tier keeps the random RAM pattern (the review's case) and
    // fewer points per sweep; --full takes every point.
    const bool full = r.options().full;
    const std::vector<Pattern> patterns =
        full ? std::vector<Pattern>{Pattern::sequential, Pattern::random_ram, Pattern::random_phys}
             : std::vector<Pattern>{Pattern::random_ram};
    const auto pick = [full](std::vector<unsigned> every, std::vector<unsigned> some) {
        return full ? every : some;
    };

    if (quick) {
        // The figures the issue asks for, and one row of every replica, in ~2 s.
        for (unsigned n : {1u, 1024u})
            add_case(r, {&replica("memblock"), synthetic_source(n), 0, Pattern::random_ram, 0});
        auto big = synthetic_source(1024);
        for (const Replica& rep : replicas)
            if (is_pfn_valid_shape(rep) && std::string_view(rep.name) != "memblock")
                add_case(r, {&rep, big, 0, Pattern::random_ram, 0});
        auto tree = synthetic_source(16);
        for (const Replica& rep : replicas)
            add_case(r, {&rep, tree, 512, Pattern::random_ram, 50});
        return;
    }

    // Region sweep: how each pfn_valid shape grows with the memory map.
    for (unsigned n : pick({1, 4, 16, 64, 256, 1024, 4096}, {1, 16, 256, 1024, 4096})) {
        auto src = synthetic_source(n);
        for (const Replica& rep : replicas)
            if (is_pfn_valid_shape(rep))
                for (Pattern p : patterns) add_case(r, {&rep, src, 0, p, 0});
    }
    // Tree sweep: the p2m against the flag and the compare, by nodes and foreign share.
    auto tree = synthetic_source(16);
    for (unsigned nodes : pick({0, 1, 8, 64, 512, 4096}, {0, 64, 512, 4096}))
        for (unsigned foreign : pick({0, 1, 50, 100}, {0, 50})) {
            if (nodes == 0 && foreign) continue;  // nothing foreign to draw
            for (const char* name : {"xen_p2m", "xen_p2m_walk", "flag", "pfn_ne_mfn", "memblock"})
                add_case(r, {&replica(name), tree, nodes, Pattern::random_ram, foreign});
        }
    // Profiles and the host: every replica, every pattern; dom0's grants at every share.
    std::vector<std::shared_ptr<const MapSource>> maps(profiles.begin(), profiles.end());
    maps.push_back(host);
    for (const auto& src : maps) {
        unsigned nodes = src->map ? unsigned(src->map->p2m.size()) : 0;
        std::vector<unsigned> shares = nodes ? pick({0, 1, 50, 100}, {0, 50}) : std::vector<unsigned>{0};
        for (unsigned foreign : shares)
            for (Pattern p : patterns)
                for (const Replica& rep : replicas) add_case(r, {&rep, src, nodes, p, foreign});
    }
}

}  // namespace
DMABENCH_FAMILY(lookup, register_lookup);
}  // namespace dmabench
