// Building memblock, the sparse section tables and the flat range from a map.
#include "kernels/lookup/lookup.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace dmabench::lookup {

Memblock::Memblock(const MemoryMap& map) {
    for (const Region& r : map.regions) {
        if (!in_memblock(r.kind) || r.size == 0) continue;
        uint32_t flags = r.kind == RegionKind::nomap ? kMemblockNomap : 0;
        if (!regions.empty()) {
            MemblockRegion& prev = regions.back();
            // memblock_merge_regions(): touching regions with equal flags and node become one
            if (prev.base + prev.size == r.base && prev.flags == flags && prev.nid == r.nid) {
                prev.size += r.size;
                continue;
            }
        }
        regions.push_back({r.base, r.size, flags, r.nid});
    }
    if (regions.empty()) regions.push_back({0, 0, 0, 0});  // memblock's empty dummy entry
}

Flat::Flat(const MemoryMap& map) {
    bool any = false;
    uint64_t start = 0, end = 0;
    for (const Region& r : map.regions) {
        if (!is_boot(r.kind) || r.size == 0) continue;
        start = any ? std::min(start, r.base) : r.base;
        end = any ? std::max(end, r.end()) : r.end();
        any = true;
    }
    if (!any) return;
    pfn_offset = pfn_up(start);  // arm64 bootmem_init: min = PFN_UP(memblock_start_of_DRAM())
    uint64_t max_pfn = pfn_down(end);
    max_mapnr = max_pfn > pfn_offset ? max_pfn - pfn_offset : 0;
}

template <unsigned B>
MemSection* Sparsemem<B>::section_for_init(uint64_t nr) {
    uint64_t root = nr / kSectionsPerRoot;
    if (!mem_section[root]) {  // sparse_index_init(): one page of sections per root
        void* p = std::aligned_alloc(kPageSize, kPageSize);
        if (!p) throw std::bad_alloc();
        std::memset(p, 0, kPageSize);
        mem_section[root] = static_cast<MemSection*>(p);
        ++allocated_roots;
    }
    MemSection* ms = &mem_section[root][nr % kSectionsPerRoot];
    if (!ms->usage) {
        uint64_t* usage = new uint64_t[kUsageWords]();
        usage_blocks_.push_back(usage);
        ms->usage = usage;
        ++present_sections;
    }
    return ms;
}

template <unsigned B>
Sparsemem<B>::Sparsemem(const MemoryMap& map) {
    mem_section = new MemSection*[kNrSectionRoots]();
    try {
        for (const Region& r : map.regions) {
            // memblocks_present() / sparse_add_section() see whole pages only
            uint64_t start = pfn_up(r.base), end = pfn_down(r.end());
            if (start >= end) continue;
            if (((end - 1) >> kPfnSectionShift) >= kNrMemSections)
                throw std::invalid_argument("region ends above MAX_PHYSMEM_BITS (48)");
            for (uint64_t nr = start >> kPfnSectionShift; nr <= (end - 1) >> kPfnSectionShift; ++nr) {
                MemSection* ms = section_for_init(nr);
                ms->section_mem_map |= kSectionMarkedPresent | kSectionHasMemMap | kSectionIsOnline;
                if (is_boot(r.kind)) ms->section_mem_map |= kSectionIsEarly;
                // subsection_mask_set(): every subsection the range touches
                uint64_t sec_start = nr << kPfnSectionShift;
                uint64_t s = std::max(start, sec_start) - sec_start;
                uint64_t e = std::min(end, sec_start + (uint64_t{1} << kPfnSectionShift)) - sec_start;
                uint64_t* map_words = const_cast<uint64_t*>(ms->usage);
                for (uint64_t idx = s / kPagesPerSubsection; idx <= (e - 1) / kPagesPerSubsection; ++idx)
                    map_words[idx / 64] |= uint64_t{1} << (idx % 64);
            }
        }
    } catch (...) {
        release();
        throw;
    }
}

template <unsigned B>
Sparsemem<B>::~Sparsemem() { release(); }

template <unsigned B>
void Sparsemem<B>::release() {
    if (mem_section) {
        for (uint64_t i = 0; i < kNrSectionRoots; ++i) std::free(mem_section[i]);
        delete[] mem_section;
        mem_section = nullptr;
    }
    for (uint64_t* u : usage_blocks_) delete[] u;
    usage_blocks_.clear();
}

template class Sparsemem<27>;
template class Sparsemem<30>;

namespace {
P2mTree& fill_p2m(P2mTree& t, const MemoryMap& map) {
    for (const P2mRange& r : map.p2m) {
        auto rc = t.insert(r.pfn, r.mfn, r.nr_pages);
        if (rc != P2mTree::Insert::ok)
            throw std::invalid_argument(
                std::string("p2m range at pfn ") + std::to_string(r.pfn) +
                (rc == P2mTree::Insert::overlap ? " overlaps another range" : " is empty or wraps"));
    }
    return t;
}
}  // namespace

Tables::Tables(const MemoryMap& map) : memblock(map), sparse27(map), sparse30(map), flat(map) {
    fill_p2m(p2m, map);
}

}  // namespace dmabench::lookup
