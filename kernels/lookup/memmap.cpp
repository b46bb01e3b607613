// The memory-map model: checks, the synthetic generator, foreign grants and
// the precomputed frame streams.
#include "kernels/lookup/memmap.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace dmabench::lookup {

namespace {

// splitmix64: small, fast, and the same sequence on every compiler and arch
// (std:: distributions are not), so a seed names one map everywhere.
struct Rng {
    uint64_t s;
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }
};

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// Page intervals of one kind, with running totals, to draw a page uniformly.
struct PagePool {
    std::vector<std::pair<uint64_t, uint64_t>> spans;  // [first pfn, end pfn)
    std::vector<uint64_t> before;                      // pages in earlier spans
    uint64_t total = 0;
    void add(uint64_t first, uint64_t end) {
        if (first >= end) return;
        spans.emplace_back(first, end);
        before.push_back(total);
        total += end - first;
    }
    uint64_t at(uint64_t index) const {  // index < total
        size_t i = size_t(std::upper_bound(before.begin(), before.end(), index) - before.begin()) - 1;
        return spans[i].first + (index - before[i]);
    }
};

PagePool ram_pool(const MemoryMap& map) {
    PagePool pool;
    for (const Region& r : map.regions)
        if (r.kind == RegionKind::ram) pool.add(pfn_up(r.base), pfn_down(r.end()));
    return pool;
}

// The p2m range holding pfn, or nullptr (map.p2m is sorted by normalise()).
const P2mRange* granted(const MemoryMap& map, uint64_t pfn) {
    auto it = std::upper_bound(map.p2m.begin(), map.p2m.end(), pfn,
                               [](uint64_t p, const P2mRange& r) { return p < r.pfn; });
    if (it == map.p2m.begin()) return nullptr;
    --it;
    return pfn < it->pfn + it->nr_pages ? &*it : nullptr;
}

}  // namespace

const char* kind_name(RegionKind k) {
    switch (k) {
    case RegionKind::ram: return "ram";
    case RegionKind::nomap: return "nomap";
    case RegionKind::hotplug: return "hotplug";
    case RegionKind::device: return "device";
    }
    return "?";
}

uint64_t MemoryMap::ram_pages() const { return ram_pool(*this).total; }

ParseError::ParseError(const std::string& file, unsigned line, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + message), file_(file), line_(line) {}

void normalise(MemoryMap& map) {
    if (map.pa_bits <= kPageShift || map.pa_bits > 48)
        throw std::invalid_argument("pa_bits " + std::to_string(map.pa_bits) +
                                    " is outside 13..48 (the replicas model a 48-bit PA space)");
    const uint64_t limit = uint64_t{1} << map.pa_bits;
    for (const Region& r : map.regions) {
        if (r.size == 0 || r.base + r.size < r.base || r.base + r.size > limit)
            throw std::invalid_argument("region [" + hex(r.base) + ", +" + hex(r.size) +
                                        ") is empty or ends above 2^" + std::to_string(map.pa_bits));
    }
    std::sort(map.regions.begin(), map.regions.end(),
              [](const Region& a, const Region& b) { return a.base < b.base; });
    for (size_t i = 1; i < map.regions.size(); ++i) {
        const Region& a = map.regions[i - 1];
        const Region& b = map.regions[i];
        if (a.end() > b.base)
            throw std::invalid_argument("regions [" + hex(a.base) + ", " + hex(a.end()) + ") and [" +
                                        hex(b.base) + ", " + hex(b.end()) + ") overlap");
    }
    for (const P2mRange& p : map.p2m)
        if (p.nr_pages == 0 || p.pfn + p.nr_pages < p.pfn)
            throw std::invalid_argument("p2m range at pfn " + hex(p.pfn) + " is empty or wraps");
    std::sort(map.p2m.begin(), map.p2m.end(), [](const P2mRange& a, const P2mRange& b) { return a.pfn < b.pfn; });
    for (size_t i = 1; i < map.p2m.size(); ++i)
        if (map.p2m[i - 1].pfn + map.p2m[i - 1].nr_pages > map.p2m[i].pfn)
            throw std::invalid_argument("p2m ranges at pfn " + hex(map.p2m[i - 1].pfn) + " and " +
                                        hex(map.p2m[i].pfn) + " overlap");
}

MemoryMap synthetic_map(unsigned regions, uint64_t seed, unsigned nomap_every) {
    if (regions == 0 || regions > 65536)
        throw std::invalid_argument("synthetic map needs 1..65536 regions, not " + std::to_string(regions));
    MemoryMap map;
    map.name = "regions-" + std::to_string(regions);
    map.source = "synthetic: " + std::to_string(regions) + " regions from seed " + std::to_string(seed) +
                 ", sizes 2 MiB..2 GiB and holes 4 KiB..8 GiB, log-uniform, from 0x80000000";
    Rng rng{seed};
    uint64_t pfn = 0x80000000ull >> kPageShift;  // where arm64 DRAM usually starts
    for (unsigned i = 0; i < regions; ++i) {
        unsigned size_order = 9 + unsigned(rng.below(10));  // 2^9 pages = 2 MiB
        uint64_t pages = (uint64_t{1} << size_order) + rng.below(uint64_t{1} << size_order);
        bool nomap = nomap_every && (i % nomap_every) == nomap_every - 1;
        map.regions.push_back({pfn << kPageShift, pages << kPageShift,
                               nomap ? RegionKind::nomap : RegionKind::ram, 0});
        unsigned hole_order = unsigned(rng.below(21));
        pfn += pages + (uint64_t{1} << hole_order) + rng.below(uint64_t{1} << hole_order);
    }
    normalise(map);
    return map;
}

void add_foreign_grants(MemoryMap& map, unsigned count, uint64_t seed) {
    if (count == 0) return;
    PagePool pool = ram_pool(map);
    if (pool.total < uint64_t{2} * count)
        throw std::invalid_argument(map.name + " has " + std::to_string(pool.total) +
                                    " RAM pages, too few for " + std::to_string(count) + " grants");
    Rng rng{seed ^ 0x6772616e74ull};
    uint64_t top = 0;
    for (const Region& r : map.regions) top = std::max(top, r.end());
    // Foreign frames belong to other domains: put them above everything dom0 has.
    uint64_t mfn_base = (pfn_up(top) + 0x40000) & ~uint64_t{0x3ffff};  // next 1 GiB boundary up
    uint64_t mfn_span = uint64_t{16} * count;
    if (((mfn_base + mfn_span) << kPageShift) > (uint64_t{1} << map.pa_bits))
        throw std::invalid_argument(map.name + ": no room above its memory for foreign frames");
    std::set<uint64_t> pfns, mfns;
    while (pfns.size() < count) {
        uint64_t pfn = pool.at(rng.below(pool.total));
        if (!granted(map, pfn)) pfns.insert(pfn);
    }
    for (uint64_t pfn : pfns) {
        uint64_t mfn;
        do mfn = mfn_base + rng.below(mfn_span);
        while (!mfns.insert(mfn).second);
        map.p2m.push_back({pfn, mfn, 1});
    }
    normalise(map);
}

const char* pattern_name(Pattern p) {
    switch (p) {
    case Pattern::sequential: return "sequential";
    case Pattern::random_ram: return "random_ram";
    case Pattern::random_phys: return "random_phys";
    }
    return "?";
}

bool parse_pattern(std::string_view s, Pattern& out) {
    for (Pattern p : {Pattern::sequential, Pattern::random_ram, Pattern::random_phys})
        if (s == pattern_name(p)) {
            out = p;
            return true;
        }
    return false;
}

std::vector<Frame> make_stream(const MemoryMap& map, const StreamSpec& spec) {
    if (spec.foreign_percent > 100)
        throw std::invalid_argument("foreign share " + std::to_string(spec.foreign_percent) +
                                    " % is above 100 %");
    const size_t n_foreign = (spec.length * spec.foreign_percent + 50) / 100;
    const size_t n_local = spec.length - n_foreign;
    if (n_foreign && map.p2m.empty())
        throw std::invalid_argument(map.name + " has no foreign grants for a " +
                                    std::to_string(spec.foreign_percent) + " % foreign stream");
    PagePool ram = ram_pool(map);
    if (n_local && spec.pattern != Pattern::random_phys && ram.total == 0)
        throw std::invalid_argument(map.name + " has no RAM pages to draw local frames from");
    PagePool grants;
    for (const P2mRange& p : map.p2m) grants.add(p.pfn, p.pfn + p.nr_pages);

    Rng rng{spec.seed};
    std::vector<bool> foreign(spec.length, false);
    std::fill(foreign.begin(), foreign.begin() + std::ptrdiff_t(n_foreign), true);
    for (size_t i = spec.length; i > 1; --i) {  // Fisher-Yates
        size_t j = size_t(rng.below(i));
        bool t = foreign[i - 1];
        foreign[i - 1] = foreign[j];
        foreign[j] = t;
    }

    std::vector<Frame> out;
    out.reserve(spec.length);
    uint64_t seq_local = 0, seq_foreign = 0;
    const uint64_t phys_pages = uint64_t{1} << (map.pa_bits - kPageShift);
    for (size_t i = 0; i < spec.length; ++i) {
        if (foreign[i]) {
            uint64_t idx = spec.pattern == Pattern::sequential ? seq_foreign++ % grants.total
                                                               : rng.below(grants.total);
            uint64_t pfn = grants.at(idx);
            const P2mRange* g = granted(map, pfn);
            out.push_back({pfn, g->mfn + (pfn - g->pfn), 1});
            continue;
        }
        uint64_t pfn = 0;
        for (unsigned tries = 0;; ++tries) {
            if (tries == 100000)
                throw std::invalid_argument(map.name + ": could not draw a page outside the grants");
            switch (spec.pattern) {
            case Pattern::sequential: pfn = ram.at(seq_local++ % ram.total); break;
            case Pattern::random_ram: pfn = ram.at(rng.below(ram.total)); break;
            case Pattern::random_phys: pfn = rng.below(phys_pages); break;
            }
            if (!granted(map, pfn)) break;  // a ballooned page is not dom0's to map
        }
        out.push_back({pfn, pfn, 0});
    }
    return out;
}

}  // namespace dmabench::lookup
