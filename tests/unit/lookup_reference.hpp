// Brute-force answers for every lookup replica, from the region list alone:
// linear scans, no tables, no search, written from what each kernel era
// promises rather than from how kernels/lookup computes it.
#pragma once
#include "kernels/lookup/lookup.hpp"

#include <string_view>

namespace lookup_reference {

using namespace dmabench::lookup;

inline bool in_region(const Region& r, uint64_t addr) { return addr >= r.base && addr - r.base < r.size; }

// The byte address the old replicas test: pfn << PAGE_SHIFT, wrapping like a
// 64-bit shift does (which is why the high-bit guard exists).
inline uint64_t addr_of(uint64_t pfn) { return pfn << kPageShift; }

inline const Region* memblock_region(const MemoryMap& m, uint64_t addr) {
    for (const Region& r : m.regions)
        if (in_memblock(r.kind) && in_region(r, addr)) return &r;
    return nullptr;
}

inline bool overlaps_pages(const Region& r, uint64_t first, uint64_t end) {
    uint64_t a = pfn_up(r.base), b = pfn_down(r.end());
    return a < b && a < end && first < b;
}

inline bool sparse(const MemoryMap& m, uint64_t pfn, unsigned section_bits, bool memblock_for_early) {
    if (pfn >> (64 - kPageShift)) return false;  // high-bit guard
    unsigned shift = section_bits - kPageShift;
    uint64_t nr = pfn >> shift;
    if (nr >= (uint64_t{1} << (48 - section_bits))) return false;
    uint64_t sec_first = nr << shift, sec_end = (nr + 1) << shift;
    bool present = false, early = false;
    for (const Region& r : m.regions)
        if (overlaps_pages(r, sec_first, sec_end)) {
            present = true;
            early = early || is_boot(r.kind);
        }
    if (!present) return false;
    if (early) {
        if (!memblock_for_early) return true;
        const Region* r = memblock_region(m, addr_of(pfn));
        return r && r->kind != RegionKind::nomap;
    }
    uint64_t sub_pages = uint64_t{1} << (21 - kPageShift);
    uint64_t sub_first = pfn & ~(sub_pages - 1);
    for (const Region& r : m.regions)
        if (overlaps_pages(r, sub_first, sub_first + sub_pages)) return true;
    return false;
}

inline bool flat(const MemoryMap& m, uint64_t pfn) {
    bool any = false;
    uint64_t lo = 0, hi = 0;
    for (const Region& r : m.regions)
        if (is_boot(r.kind)) {
            lo = any ? std::min(lo, r.base) : r.base;
            hi = any ? std::max(hi, r.end()) : r.end();
            any = true;
        }
    return any && pfn >= pfn_up(lo) && pfn < pfn_down(hi);
}

inline bool p2m_local(const MemoryMap& m, uint64_t pfn) {
    for (const P2mRange& p : m.p2m)
        if (pfn >= p.pfn && pfn - p.pfn < p.nr_pages) return p.mfn + (pfn - p.pfn) == pfn;
    return true;  // a miss or an empty tree: identity
}

// The answer replica `name` must give for frame f on map m.
inline bool local(std::string_view name, const MemoryMap& m, const Frame& f) {
    if (name == "memblock") return memblock_region(m, addr_of(f.bfn)) != nullptr;
    if (name == "memblock_nomap") {
        const Region* r = memblock_region(m, addr_of(f.bfn));
        return r && r->kind != RegionKind::nomap;
    }
    if (name == "sparsemem") return sparse(m, f.bfn, 27, false);
    if (name == "sparsemem_s30") return sparse(m, f.bfn, 30, false);
    if (name == "sparsemem_memblock") return sparse(m, f.bfn, 27, true);
    if (name == "flat") return flat(m, f.bfn);
    if (name == "xen_p2m" || name == "xen_p2m_walk") return p2m_local(m, f.pfn);
    if (name == "flag") return !f.foreign;
    if (name == "pfn_ne_mfn") return f.pfn == f.bfn;
    throw std::logic_error("no reference for replica " + std::string(name));
}

}  // namespace lookup_reference
