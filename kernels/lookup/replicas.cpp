// The table of replicas: one small function and one row per era. Each is
// noinline so a call is a real call, as pfn_valid() was for arm64 (an exported
// function) until v5.18.
#include "kernels/lookup/lookup.hpp"

#include <stdexcept>
#include <string>

namespace dmabench::lookup {

#define DMABENCH_REPLICA(name) \
    __attribute__((noinline)) static bool replica_##name(const Tables* t, const Frame* f)

// arm64 v3.7-v4.4 pfn_valid(): memblock_is_memory(pfn << PAGE_SHIFT).
DMABENCH_REPLICA(memblock) { return memblock_is_memory(t->memblock, f->bfn << kPageShift); }

// arm64 v4.5+: memblock_is_map_memory(), NOMAP regions are not valid (v4.19
// put the high-bit guard in front, v5.x section checks: see sparsemem_memblock).
DMABENCH_REPLICA(memblock_nomap) { return memblock_is_map_memory(t->memblock, f->bfn << kPageShift); }

// Generic sparse pfn_valid() with SECTION_SIZE_BITS 27 (arm64 v5.18+).
DMABENCH_REPLICA(sparsemem) { return sparse_pfn_valid(t->sparse27, f->bfn); }

// The same shape with arm64's SECTION_SIZE_BITS of 30 (before v5.12).
DMABENCH_REPLICA(sparsemem_s30) { return sparse_pfn_valid(t->sparse30, f->bfn); }

// arm64 v5.12-v5.17: high-bit guard and section checks, then later sections by
// their subsection map and early ones by memblock_is_map_memory()
// (v5.14-v5.17 used memblock_is_memory(); the search is the same).
DMABENCH_REPLICA(sparsemem_memblock) {
    const MemSection* ms = sparse_valid_section(t->sparse27, f->bfn);
    if (!ms) return false;
    if (!early_section(ms)) return pfn_section_valid<27>(ms, f->bfn);
    return memblock_is_map_memory(t->memblock, f->bfn << kPageShift);
}

// FLATMEM: one min/max range test (asm-generic memory_model.h; arm32 and others).
DMABENCH_REPLICA(flat) { return flat_pfn_valid(t->flat, f->bfn); }

// Xen-on-arm dom0 (v3.15+): pfn_to_bfn(pfn) == pfn, walking the p2m tree under its read lock.
DMABENCH_REPLICA(xen_p2m) { return p2m_pfn_to_bfn(t->p2m, f->pfn) == f->pfn; }

// The same tree walk without the rwlock, to split tree cost from lock cost.
DMABENCH_REPLICA(xen_p2m_walk) {
    if (!t->p2m.root.node) return true;
    uint64_t mfn = p2m_pfn_to_mfn_nolock(t->p2m, f->pfn);
    return mfn == kInvalidP2mEntry || mfn == f->pfn;
}

// The caller already knows: a bool foreign argument (2014 review suggestion).
DMABENCH_REPLICA(flag) {
    (void)t;
    return !f->foreign;
}

// The plain compare the reviewer proposed: a local page's bus frame is its pfn.
DMABENCH_REPLICA(pfn_ne_mfn) {
    (void)t;
    return f->pfn == f->bfn;
}

#undef DMABENCH_REPLICA

const std::array<Replica, 10> replicas{{
    {"memblock", "arm64 v3.7-v4.4 arch/arm64/mm/init.c pfn_valid(): memblock_is_memory()",
     "binary search of memblock.memory for pfn << PAGE_SHIFT", replica_memblock, true, false},
    {"memblock_nomap", "arm64 v4.5+ pfn_valid(): memblock_is_map_memory() (before the v4.19 guard)",
     "binary search, then false for a MEMBLOCK_NOMAP region", replica_memblock_nomap, true, false},
    {"sparsemem", "generic include/linux/mmzone.h pfn_valid() (arm64 v5.18+), SECTION_SIZE_BITS 27",
     "high-bit guard, section bound, two-level section table, valid_section, early_section or "
     "subsection bit",
     replica_sparsemem, true, false},
    {"sparsemem_s30", "the generic sparse pfn_valid() with arm64's SECTION_SIZE_BITS 30 (before v5.12)",
     "as sparsemem, 1 GiB sections with 512 subsections", replica_sparsemem_s30, true, false},
    {"sparsemem_memblock", "arm64 v5.12-v5.17 pfn_valid(): sparse checks then memblock for early sections",
     "high-bit guard, section table, subsection bit for hot-added sections, memblock search for boot "
     "sections",
     replica_sparsemem_memblock, true, false},
    {"flat", "FLATMEM include/asm-generic/memory_model.h pfn_valid()",
     "pfn - ARCH_PFN_OFFSET < max_mapnr", replica_flat, true, false},
    {"xen_p2m", "Xen-on-arm dom0 v3.15+ arch/arm/xen/p2m.c __pfn_to_mfn() + xen/arm/page.h pfn_to_bfn()",
     "read_lock, red-black tree walk by (pfn, nr_pages) range, identity on miss; local when "
     "pfn_to_bfn(pfn) == pfn",
     replica_xen_p2m, true, true},
    {"xen_p2m_walk", "the p2m tree walk of __pfn_to_mfn() without its rwlock",
     "red-black tree walk only", replica_xen_p2m_walk, true, true},
    {"flag", "the 2014 review's alternative: a bool foreign argument the caller holds",
     "test of a flag in the request", replica_flag, false, false},
    {"pfn_ne_mfn", "the 2014 review's alternative: compare the mfn with the pfn",
     "pfn == bus frame", replica_pfn_ne_mfn, false, false},
}};

const Replica& replica(std::string_view name) {
    for (const Replica& r : replicas)
        if (name == r.name) return r;
    throw std::out_of_range("unknown lookup replica '" + std::string(name) + "'");
}

__attribute__((noinline)) uint64_t lookup_stream(ReplicaFn fn, const Tables* tables,
                                                 const Frame* frames, size_t n) {
    uint64_t local = 0;
    uint64_t zero = 0;
    asm volatile("" : "+r"(zero));  // a zero the compiler cannot see through
    const Frame* f = frames;
    for (size_t k = 0; k < n; ++k) {
        asm volatile("" : "+r"(fn));  // opaque target: no inlining, hoisting or merging
        bool r = fn(tables, f);
        local += r;
        f = frames + k + 1 + (uint64_t(r) & zero);  // the next address waits for this answer
    }
    return local;
}

}  // namespace dmabench::lookup

namespace dmabench::lookup {

__attribute__((noinline)) uint64_t lookup_stream_branch(ReplicaFn fn, const Tables* tables,
                                                        const Frame* frames, size_t n) {
    uint64_t local = 0, foreign = 0;
    for (size_t k = 0; k < n; ++k) {
        asm volatile("" : "+r"(fn));  // opaque target, as above
        // A volatile asm on each side keeps the branch a branch (no cmov).
        if (fn(tables, frames + k)) {
            asm volatile("" : "+r"(local));
            ++local;
        } else {
            asm volatile("" : "+r"(foreign));
            ++foreign;
        }
    }
    return local;
}

}  // namespace dmabench::lookup
