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
                .finish = [local, tables](benchmark::State& s, const Timing&) {
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

// Every map a point may name: the profiles, the host, and regions-N built on first use.
class Maps {
public:
    Maps() : profiles_(profile_sources()), host_(host_source()) {}
    const std::vector<std::shared_ptr<const MapSource>>& profiles() const { return profiles_; }
    const std::shared_ptr<const MapSource>& host() const { return host_; }

    std::shared_ptr<const MapSource> operator[](const std::string& name) {
        for (const auto& p : profiles_)
            if (p->name == name) return p;
        if (name == host_->name) return host_;
        auto& s = synthetic_[name];
        if (!s) {
            auto fresh = std::make_shared<MapSource>();
            fresh->name = name;
            fresh->regions = unsigned(std::stoul(name.substr(std::string_view("regions-").size())));
            s = std::move(fresh);
        }
        return s;
    }

private:
    std::vector<std::shared_ptr<const MapSource>> profiles_;
    std::shared_ptr<const MapSource> host_;
    std::map<std::string, std::shared_ptr<const MapSource>> synthetic_;
};

// Where every map comes from, carried into `dmabench info` and the result context.
std::string origins(const Maps& maps) {
    std::string s = "memory maps used by lookup/ (map:<name>): regions-N: synthetic, N regions from seed " +
                    std::to_string(kMapSeed) + " (kernels/lookup/memmap.cpp synthetic_map)";
    for (const auto& p : maps.profiles()) s += "; " + p->name + ": " + p->origin;
    return s + "; host: " + maps.host()->origin;
}

// --- the sweeps: each point names its replica beside its args -----------------------

std::vector<std::string> regions(std::initializer_list<unsigned> n) {
    std::vector<std::string> v;
    for (unsigned x : n) v.push_back("regions-" + std::to_string(x));
    return v;
}

template <class Pred>
std::vector<std::string> replicas_where(Pred keep) {
    std::vector<std::string> v;
    for (const Replica& rep : replicas)
        if (keep(rep)) v.push_back(rep.name);
    return v;
}
bool is_pfn_valid_shape(const Replica& rep) { return std::string_view(rep.kind) == "pfn_valid"; }

std::vector<std::string> chain_names() {
    std::vector<std::string> v;
    for (const Chain& c : chains) v.push_back(c.name);
    return v;
}

// The default tier keeps the random RAM pattern (the review's case) and fewer
// points per sweep; --full takes every point; --quick the figures the issue
// asks for and one row of every replica, in ~2 s.
const Axis kPatterns{"pattern", {"random_ram"}, {}, {"sequential", "random_ram", "random_phys"}};
const Axis kShares{"foreign", values({0, 50}), values({50}), values({0, 1, 50, 100})};
const Axis kChains{"chain", chain_names()};
const Axis kAllReplicas{"replica", replicas_where([](const Replica&) { return true; })};

// arm64's pfn_valid() of the 2014 thread (v3.7-v4.4): the era the p2m is compared with.
constexpr const char* kEra2014 = "memblock";
// --quick only: the smallest map, by the 2014 era's replica.
const std::vector<Axis> kFloor{{"map", regions({1})}, {"replica", {kEra2014}}, {"nodes", {"0"}},
                               {"pattern", {"random_ram"}}, {"foreign", {"0"}}, kChains};
// Region sweep: how each pfn_valid shape grows with the memory map.
const std::vector<Axis> kRegionSweep{
    {"map", regions({1, 16, 256, 1024, 4096}), regions({1024}), regions({1, 4, 16, 64, 256, 1024, 4096})},
    {"replica", replicas_where(is_pfn_valid_shape)}, {"nodes", {"0"}}, kPatterns, {"foreign", {"0"}}, kChains};
// Tree sweep: the p2m against the flag and the compare (and the 2014 era), by
// nodes and foreign share; --quick: every replica on one tree.
std::vector<std::string> tree_replicas() {
    auto v = replicas_where([](const Replica& rep) { return !is_pfn_valid_shape(rep); });
    v.push_back(kEra2014);
    return v;
}
const std::vector<Axis> kTreeSweep{
    {"map", regions({16})}, {"nodes", values({0, 64, 512, 4096}), values({512}), values({0, 1, 8, 64, 512, 4096})},
    kShares, {"replica", tree_replicas(), kAllReplicas.normal}, {"pattern", {"random_ram"}}, kChains};
// Profiles and the host (not --quick): every replica, every pattern; dom0's grants at every share.
std::vector<Axis> profile_sweep(const MapSource& m) {
    const unsigned nodes = m.map ? unsigned(m.map->p2m.size()) : 0;
    return {{"map", {m.name}}, {"nodes", values({nodes})}, nodes ? kShares : Axis{"foreign", {"0"}},
            kPatterns, kAllReplicas, kChains};
}

bool nothing_foreign_to_draw(const Args& point) {
    const auto value = [&](const char* key) {
        return std::find_if(point.begin(), point.end(), [&](const Arg& a) { return a.key == key; })->value;
    };
    return value("nodes") == "0" && value("foreign") != "0";
}

// Every point of every sweep at o's tier, in registration order (grouped by map).
std::vector<Args> points(const Options& o, const Maps& maps) {
    std::vector<Args> all;
    auto append = [&all, &o](const std::vector<Axis>& axes) {
        for (Args& p : sweep(o, axes))
            if (!nothing_foreign_to_draw(p)) all.push_back(std::move(p));
    };
    if (o.quick) append(kFloor);
    append(kRegionSweep);
    append(kTreeSweep);
    if (o.quick) return all;
    for (const auto& m : maps.profiles()) append(profile_sweep(*m));
    append(profile_sweep(*maps.host()));
    return all;
}

CaseSpec spec_of(const Args& point, Maps& maps) {
    CaseSpec c{};
    for (const Arg& a : point) {
        if (a.key == "replica") c.replica = &replica(a.value);
        if (a.key == "map") c.source = maps[a.value];
        if (a.key == "nodes") c.nodes = unsigned(std::stoul(a.value));
        if (a.key == "pattern") parse_pattern(a.value, c.pattern);
        if (a.key == "foreign") c.foreign = unsigned(std::stoul(a.value));
        if (a.key == "chain")
            for (const Chain& ch : chains)
                if (a.value == ch.name) c.chain = &ch;
    }
    return c;
}

// What experiments and plots select by: the replica's kind and era, and the map's.
nlohmann::json tags_of(const CaseSpec& c) {
    const Replica& rep = *c.replica;
    nlohmann::json t = {{"kind", rep.kind}, {"era", rep.models},
                        {"baseline", std::string_view(rep.kind) == "alternative"},
                        {"map_kind", c.source->regions ? "synthetic"
                                     : c.source->name == "host" ? "host" : "profile"}};
    if (c.source->regions) t["regions"] = c.source->regions;
    return t;
}

void add_case(Registry& r, const CaseSpec& c) {
    r.add({.family = "lookup", .variant = c.replica->name,
           .args = {{"map", c.source->name}, {"nodes", c.nodes}, {"pattern", pattern_name(c.pattern)},
                    {"foreign", c.foreign}, {"chain", c.chain->name}},
           .op = "lookup",
           .setup = [c](benchmark::State&, Thread& t) { return setup_case(t, c); },
           .skip = c.source->skip,
           .tags = tags_of(c)});
}

void register_lookup(Registry& r) {
    for (const Replica& rep : replicas)
        r.variant({std::string("lookup/") + rep.name, std::string(rep.description) + "; models " + rep.models, ""});
    Maps maps;
    r.variant({"lookup/maps", origins(maps), ""});
    for (const Args& point : points(r.options(), maps)) add_case(r, spec_of(point, maps));
}

}  // namespace
DMABENCH_FAMILY(lookup, register_lookup);
}  // namespace dmabench
