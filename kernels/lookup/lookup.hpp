// pfn_valid() in every shape the arm64 kernel has had, Xen's pfn-to-machine
// tree, and the two cheap alternatives proposed in the 2014 Xen-on-arm64 DMA
// thread: a flag the caller already holds, and a plain pfn != mfn compare.
//
// Public API for other families (dmamap decides local vs foreign with it):
//
//     using namespace dmabench::lookup;
//     MemoryMap map = parse_profile(text, "my.json");   // or synthetic_map(), read_host_map()
//     Tables tables(map);                               // memblock, sections, flat, p2m tree
//     const Replica& r = replica("memblock_nomap");     // one row of `replicas` (replicas.inc)
//     Frame f{pfn, bfn, foreign};
//     bool local = r.fn(&tables, &f);                   // the replica's answer: local page?
//
// or the pieces directly: memblock_is_map_memory(tables.memblock, addr),
// sparse_pfn_valid(tables.sparse27, pfn), p2m_pfn_to_bfn(tables.p2m, pfn), ...
//
// Every replica answers the same question, "is this frame dom0's own?", the
// way that era of the kernel did: pfn_valid(bfn) for the pfn_valid shapes
// (a foreign mfn lies outside dom0's memory, since dom0 is mapped 1:1),
// pfn_to_bfn(pfn) == pfn for the p2m tree, pfn == bfn for the compare, and the
// flag for the flag. Each is a small non-inlined function with one signature,
// so a new era is one row of replicas.inc and its function in replicas.cpp.
//
// Constants are arm64's: 4 KiB pages, 48 physical address bits, 2 MiB
// subsections; SECTION_SIZE_BITS 27 since v5.12, 30 before it.
#pragma once
#include "kernels/lookup/memmap.hpp"
#include "kernels/lookup/rbtree.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace dmabench::lookup {

// --- memblock (mm/memblock.c) ------------------------------------------------------

inline constexpr uint32_t kMemblockNomap = 0x4;  // MEMBLOCK_NOMAP

struct MemblockRegion {
    uint64_t base;
    uint64_t size;
    uint32_t flags;
    int32_t nid;
};

// memblock.memory: sorted, adjacent regions with equal flags and node merged,
// and (as in the kernel) one empty dummy region when there is no memory.
struct Memblock {
    std::vector<MemblockRegion> regions;
    explicit Memblock(const MemoryMap& map);
};

// memblock_search(): halves [left, right) until addr falls inside a region.
inline int memblock_search(const Memblock& mb, uint64_t addr) {
    const MemblockRegion* r = mb.regions.data();
    unsigned left = 0, right = unsigned(mb.regions.size());
    do {
        unsigned mid = (right + left) / 2;
        if (addr < r[mid].base)
            right = mid;
        else if (addr >= r[mid].base + r[mid].size)
            left = mid + 1;
        else
            return int(mid);
    } while (left < right);
    return -1;
}
inline bool memblock_is_memory(const Memblock& mb, uint64_t addr) {
    return memblock_search(mb, addr) != -1;
}
inline bool memblock_is_map_memory(const Memblock& mb, uint64_t addr) {
    int i = memblock_search(mb, addr);
    return i != -1 && !(mb.regions[unsigned(i)].flags & kMemblockNomap);
}

// --- SPARSEMEM_EXTREME (include/linux/mmzone.h, mm/sparse.c) -----------------------

inline constexpr unsigned kMaxPhysmemBits = 48;  // arm64 MAX_PHYSMEM_BITS, 48-bit PA
inline constexpr unsigned kSubsectionShift = 21; // 2 MiB subsections
inline constexpr unsigned kPageblockOrder = 9;   // pageblock = 2 MiB with 4 KiB pages

// section_mem_map flag bits (the low bits of the encoded memmap pointer)
inline constexpr uint64_t kSectionMarkedPresent = 1u << 0;
inline constexpr uint64_t kSectionHasMemMap = 1u << 1;
inline constexpr uint64_t kSectionIsOnline = 1u << 2;
inline constexpr uint64_t kSectionIsEarly = 1u << 3;

struct MemSection {
    uint64_t section_mem_map;
    const uint64_t* usage;  // struct mem_section_usage: subsection_map, then pageblock_flags
};
static_assert(sizeof(MemSection) == 16, "roots hold PAGE_SIZE / 16 sections, as the kernel's");

template <unsigned SectionSizeBits>
class Sparsemem {
public:
    static constexpr unsigned kSectionSizeBits = SectionSizeBits;
    static constexpr unsigned kPfnSectionShift = SectionSizeBits - kPageShift;
    static constexpr uint64_t kNrMemSections = uint64_t{1} << (kMaxPhysmemBits - SectionSizeBits);
    static constexpr uint64_t kSectionsPerRoot = kPageSize / sizeof(MemSection);
    static constexpr uint64_t kNrSectionRoots =
        (kNrMemSections + kSectionsPerRoot - 1) / kSectionsPerRoot;
    static constexpr uint64_t kPagesPerSubsection = uint64_t{1} << (kSubsectionShift - kPageShift);
    static constexpr unsigned kSubsectionsPerSection = 1u << (SectionSizeBits - kSubsectionShift);
    static constexpr unsigned kSubsectionWords = (kSubsectionsPerSection + 63) / 64;
    // SECTION_BLOCKFLAGS_BITS: 4 bits per pageblock, so usage has the kernel's footprint
    static constexpr unsigned kPageblockWords =
        ((1u << (kPfnSectionShift - kPageblockOrder)) * 4 + 63) / 64;
    static constexpr unsigned kUsageWords = kSubsectionWords + kPageblockWords;

    explicit Sparsemem(const MemoryMap& map);
    ~Sparsemem();
    Sparsemem(const Sparsemem&) = delete;
    Sparsemem& operator=(const Sparsemem&) = delete;

    MemSection** mem_section = nullptr;  // NR_SECTION_ROOTS root pointers
    size_t present_sections = 0;
    size_t allocated_roots = 0;

private:
    MemSection* section_for_init(uint64_t nr);
    void release();
    std::vector<uint64_t*> usage_blocks_;
};

template <unsigned B>
inline const MemSection* nr_to_section(const Sparsemem<B>& s, uint64_t nr) {
    uint64_t root = nr / Sparsemem<B>::kSectionsPerRoot;
    if (root >= Sparsemem<B>::kNrSectionRoots) return nullptr;
    if (!s.mem_section || !s.mem_section[root]) return nullptr;
    return &s.mem_section[root][nr & (Sparsemem<B>::kSectionsPerRoot - 1)];
}

inline bool valid_section(const MemSection* ms) { return ms && (ms->section_mem_map & kSectionHasMemMap); }
inline bool early_section(const MemSection* ms) { return ms && (ms->section_mem_map & kSectionIsEarly); }

template <unsigned B>
inline bool pfn_section_valid(const MemSection* ms, uint64_t pfn) {
    unsigned idx = unsigned((pfn & ((uint64_t{1} << Sparsemem<B>::kPfnSectionShift) - 1)) /
                            Sparsemem<B>::kPagesPerSubsection);
    return (ms->usage[idx / 64] >> (idx % 64)) & 1;
}

// The high-bit guard and section bound shared by both sparse shapes.
template <unsigned B>
inline const MemSection* sparse_valid_section(const Sparsemem<B>& s, uint64_t pfn) {
    if (((pfn << kPageShift) >> kPageShift) != pfn) return nullptr;  // PHYS_PFN(PFN_PHYS(pfn)) != pfn
    uint64_t nr = pfn >> Sparsemem<B>::kPfnSectionShift;
    if (nr >= Sparsemem<B>::kNrMemSections) return nullptr;
    const MemSection* ms = nr_to_section(s, nr);
    return valid_section(ms) ? ms : nullptr;
}

// Generic pfn_valid() (include/linux/mmzone.h; arm64's since v5.18): early
// sections answer for their whole span, later ones per 2 MiB subsection.
template <unsigned B>
inline bool sparse_pfn_valid(const Sparsemem<B>& s, uint64_t pfn) {
    const MemSection* ms = sparse_valid_section(s, pfn);
    if (!ms) return false;
    return early_section(ms) || pfn_section_valid<B>(ms, pfn);
}

// --- FLATMEM (include/asm-generic/memory_model.h) ----------------------------------

struct Flat {
    uint64_t pfn_offset = 0;  // ARCH_PFN_OFFSET: PFN_UP(start of DRAM)
    uint64_t max_mapnr = 0;   // PFN_DOWN(end of DRAM) - pfn_offset
    explicit Flat(const MemoryMap& map);
};
inline bool flat_pfn_valid(const Flat& f, uint64_t pfn) {
    return pfn >= f.pfn_offset && pfn - f.pfn_offset < f.max_mapnr;
}

// --- Xen p2m (arch/arm/xen/p2m.c, include/xen/arm/page.h) --------------------------

inline constexpr uint64_t kInvalidP2mEntry = ~uint64_t{0};

struct P2mEntry {  // struct xen_p2m_entry: 48 bytes, one allocation each like kzalloc
    uint64_t pfn;
    uint64_t mfn;
    uint64_t nr_pages;
    RbNode rbnode_phys;
};

inline const P2mEntry* p2m_entry_of(const RbNode* n) {
    return reinterpret_cast<const P2mEntry*>(reinterpret_cast<const char*>(n) -
                                             offsetof(P2mEntry, rbnode_phys));
}

// The reader side of a queued rwlock (kernel qrwlock fast path): one atomic add
// with acquire to enter, one subtract with release to leave. irqsave is EL1
// only and is not modelled.
class P2mLock {
public:
    void read_lock() const;
    void read_unlock() const { cnts_.fetch_sub(kReaderBias, std::memory_order_release); }
    void write_lock();
    void write_unlock() { cnts_.fetch_sub(kWriterLocked, std::memory_order_release); }
private:
    static constexpr uint32_t kReaderBias = 1u << 9;   // _QR_BIAS
    static constexpr uint32_t kWriterMask = 0x1ff;     // _QW_WMASK
    static constexpr uint32_t kWriterLocked = 0xff;    // _QW_LOCKED
    mutable std::atomic<uint32_t> cnts_{0};
};

class P2mTree {
public:
    enum class Insert { ok, overlap, bad_range };

    P2mTree() = default;
    ~P2mTree();
    P2mTree(const P2mTree&) = delete;
    P2mTree& operator=(const P2mTree&) = delete;

    // __set_phys_to_machine_multi(pfn, mfn, nr_pages). The kernel refuses only
    // an equal start pfn; any overlap is refused here, so a walk is never ambiguous.
    Insert insert(uint64_t pfn, uint64_t mfn, uint64_t nr_pages);
    // __set_phys_to_machine_multi(pfn, INVALID_P2M_ENTRY): drops the node holding pfn.
    bool erase(uint64_t pfn);
    size_t size() const { return size_; }
    bool empty() const { return root.node == nullptr; }
    // Red-black rules, parent links, order and disjointness of the ranges.
    bool check() const;

    RbRoot root;
    P2mLock lock;

private:
    size_t size_ = 0;
};

// __pfn_to_mfn(): walk down by range under the read lock; INVALID on a miss.
uint64_t p2m_pfn_to_mfn(const P2mTree& t, uint64_t pfn);
// The same walk without the lock, to separate the tree from the atomics.
uint64_t p2m_pfn_to_mfn_nolock(const P2mTree& t, uint64_t pfn);
// pfn_to_bfn(): an empty tree or a miss answers pfn itself (dom0 is 1:1).
inline uint64_t p2m_pfn_to_bfn(const P2mTree& t, uint64_t pfn) {
    if (t.root.node) {
        uint64_t mfn = p2m_pfn_to_mfn(t, pfn);
        if (mfn != kInvalidP2mEntry) return mfn;
    }
    return pfn;
}

// --- all structures for one map ----------------------------------------------------

struct Tables {
    // Builds every structure; throws std::invalid_argument when a p2m range
    // overlaps another (the map is checked by normalise() first).
    explicit Tables(const MemoryMap& map);
    Memblock memblock;
    Sparsemem<27> sparse27;
    Sparsemem<30> sparse30;
    Flat flat;
    P2mTree p2m;
};

using ReplicaFn = bool (*)(const Tables*, const Frame*);

// Each row's function (replicas.cpp): a small non-inlined call, as pfn_valid()
// was for arm64 (an exported function) until v5.18.
#define DMABENCH_LOOKUP_REPLICA(name, ...) bool replica_##name(const Tables*, const Frame*);
#include "kernels/lookup/replicas.inc"
#undef DMABENCH_LOOKUP_REPLICA

// One row of replicas.inc.
struct Replica {
    const char* name;         // variant name: lookup/<name>/...
    const char* kind;         // what it reads: "pfn_valid", "p2m" or "alternative"
    bool era;                 // a shape the kernel had (not an alternative, nor a part timed alone)
    const char* models;       // kernel version and source it models
    const char* description;  // what it does to decide
    ReplicaFn fn;
};

inline constexpr Replica replicas[] = {
#define DMABENCH_LOOKUP_REPLICA(name, kind, era, models, description) \
    Replica{#name, #kind, DMABENCH_LOOKUP_ERA_##era, models, description, replica_##name},
#define DMABENCH_LOOKUP_ERA_yes true
#define DMABENCH_LOOKUP_ERA_no false
#include "kernels/lookup/replicas.inc"
#undef DMABENCH_LOOKUP_REPLICA
#undef DMABENCH_LOOKUP_ERA_yes
#undef DMABENCH_LOOKUP_ERA_no
};

// The row named name; throws std::out_of_range for an unknown name.
const Replica& replica(std::string_view name);
// Whether name is a replica of an era (its row's era column): the experiments'
// eras, derived from the table.
bool is_era(std::string_view name);

// Runs fn over every frame in order and returns how many answered local. The
// next frame's address is computed from the answer before it, and fn goes
// through an opaque register each time, so the compiler can neither hoist,
// merge nor vectorise lookups. A replica whose answer comes from data (flat,
// the compare) is fully serialised; one that answers through branches lets the
// CPU run ahead on the predicted answer, as the kernel's caller would. Every
// lookup includes one indirect call, which `flag` measures nearly alone.
uint64_t lookup_stream(ReplicaFn fn, const Tables* tables, const Frame* frames, size_t n);

// The caller's shape in the DMA path: branch on the answer (native path or
// Xen path) and go on to the next frame, whose address does not wait. Lookups
// overlap as far as the CPU can predict; a mispredicted answer costs its
// flush. Same count as lookup_stream().
uint64_t lookup_stream_branch(ReplicaFn fn, const Tables* tables, const Frame* frames, size_t n);

// The two ways of chaining lookups, by name, for the benchmarks and the tests.
struct Chain {
    const char* name;  // "data" or "branch"
    uint64_t (*run)(ReplicaFn, const Tables*, const Frame*, size_t);
};
inline constexpr Chain chains[] = {{"data", lookup_stream}, {"branch", lookup_stream_branch}};

}  // namespace dmabench::lookup
