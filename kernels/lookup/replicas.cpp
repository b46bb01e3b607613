// The replicas' functions, one per row of replicas.inc (lookup.hpp builds the
// table). Each is noinline so a call is a real call, as pfn_valid() was for
// arm64 (an exported function) until v5.18.
#include "kernels/lookup/lookup.hpp"

#include <stdexcept>
#include <string>

namespace dmabench::lookup {

#define DMABENCH_REPLICA(name) \
    __attribute__((noinline)) bool replica_##name(const Tables* t, const Frame* f)

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

const Replica& replica(std::string_view name) {
    for (const Replica& r : replicas)
        if (name == r.name) return r;
    throw std::out_of_range("unknown lookup replica '" + std::string(name) + "'");
}

bool is_era(std::string_view name) {
    for (const Replica& r : replicas)
        if (name == r.name) return r.era;
    return false;
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
