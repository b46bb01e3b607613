// The composed DMA map/unmap paths of the 2014 Xen-on-arm64 review, built only
// from the other families' pieces: cache maintenance (kernels/cache), the
// local/foreign decision (kernels/lookup), a hypercall (kernels/call), plus
// memcpy for the bounce buffer and mmap/munmap for the temporary mapping.
//
// Each path is written once, as a template over the pieces, so one composition
// runs three ways: with the real pieces, counted (the tests prove each path
// calls exactly the pieces it claims), and stamped (the benchmark attributes
// time to each piece). Plain C++ and POSIX: no harness headers.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "kernels/cache/cache.hpp"
#include "kernels/lookup/lookup.hpp"

namespace dmabench::dmamap {

inline constexpr std::size_t kPage = 4096;

enum class Dir { to_device, from_device, bidirectional };
const char* dir_name(Dir d);

enum class Path {
    native,           // clean at map; clean+invalidate at unmap unless to_device
    native_coherent,  // a coherent device: no maintenance at all
    xen_local,        // decide local/foreign, then flush locally either way
    xen_hypercall,    // decide; a foreign page is flushed by asking the hypervisor, per page, at map and unmap
    map_asymmetric,   // decide; local flush at map, the hypervisor at unmap (the 2014 patch)
    temp_mapping,     // decide; map the foreign page temporarily, flush through it, unmap
    swiotlb,          // bounce: copy into a bounce buffer and maintain that instead
};
const char* path_name(Path p);

// The pieces a path can call; counters and shares use these names.
enum class Piece : unsigned { lookup, clean, inval, hypercall, copy, mmap, munmap };
inline constexpr unsigned kPieces = 7;
const char* piece_name(Piece p);
using PieceCounts = std::array<uint64_t, kPieces>;

// A window of virtual addresses where foreign pages (pages of a memfd, standing
// for another domain's memory) are mapped for a moment. map() is a real
// mmap(MAP_FIXED_NOREPLACE | MAP_POPULATE) of the memfd into the window: the
// page-table entries are written there. release() munmaps at once (batch 1,
// "eager") or queues the range and munmaps everything queued in one call when
// `batch` pages are pending ("lazy", like the kernel's lazy vunmap purge): one
// syscall and one TLB invalidation for the whole range. The window is address
// space left free for the purpose; should anything else be mapped into it
// meanwhile, NOREPLACE refuses to clobber it and the window moves elsewhere.
class TempMapper {
public:
    // foreign_bytes of foreign memory; 1 <= batch <= window_pages; the window
    // must hold a batch plus the largest map.
    TempMapper(std::size_t foreign_bytes, unsigned batch, std::size_t window_pages);
    ~TempMapper();
    TempMapper(const TempMapper&) = delete;
    TempMapper& operator=(const TempMapper&) = delete;

    // The owner's persistent view of the foreign memory (where it writes its data).
    unsigned char* owner() const { return owner_; }
    std::size_t foreign_bytes() const { return foreign_bytes_; }
    unsigned batch() const { return batch_; }

    // Maps [offset, offset+len) of the foreign memory into the window; throws
    // std::system_error if mmap fails.
    unsigned char* map(std::size_t offset, std::size_t len);
    // Gives back a range returned by map(), in the order mapped: unmapped now
    // or with its batch.
    void release(unsigned char* p, std::size_t len);
    // Unmaps everything queued (one munmap). Called by release() and the destructor.
    void purge();

    std::size_t pending_pages() const { return pending_pages_; }
    uint64_t map_syscalls() const { return map_syscalls_; }
    uint64_t unmap_syscalls() const { return unmap_syscalls_; }
    uint64_t window_moves() const { return window_moves_; }
    const unsigned char* window() const { return window_; }

private:
    void move_window();
    int fd_ = -1;
    std::size_t foreign_bytes_;
    unsigned batch_;
    std::size_t window_pages_;
    unsigned char* owner_ = nullptr;
    unsigned char* window_ = nullptr;
    std::size_t cursor_ = 0;               // next free window page
    std::size_t live_pages_ = 0;           // mapped and not yet released
    unsigned char* pending_from_ = nullptr;  // first byte of the queued range
    std::size_t pending_pages_ = 0;
    uint64_t map_syscalls_ = 0, unmap_syscalls_ = 0, window_moves_ = 0;
};

// A hypercall from the call family, bound to whatever it needs (nothing for
// vmcall/vmmcall, an open /dev/ptpN for the PTP ioctl).
struct Hypercall {
    long (*fn)(const void* ctx) = nullptr;
    const void* ctx = nullptr;
};

// Everything the pieces act on, set up before any timing.
struct Env {
    cache::Routine clean = nullptr;  // clean to the PoC (DC CVAC / CLWB ...), then its barrier
    cache::Routine inval = nullptr;  // clean+invalidate (DC CIVAC / CLFLUSHOPT ...): EL0 has no DC IVAC
    std::size_t line = 64;
    lookup::ReplicaFn decide = nullptr;  // "is this frame dom0's own?"
    const lookup::Tables* tables = nullptr;
    Hypercall hypercall;
    TempMapper* temp = nullptr;           // temp_mapping only
    unsigned char* bounce = nullptr;      // swiotlb only: a buffer of at least the request's size
};

// One DMA request: the CPU's buffer (for temp_mapping, an offset into the
// foreign memory instead), its size and direction, and the frame it is.
struct Request {
    Dir dir = Dir::bidirectional;
    unsigned char* buf = nullptr;
    std::size_t foreign_offset = 0;  // temp_mapping: where in the foreign memory
    std::size_t size = 0;
    const lookup::Frame* frame = nullptr;
};

inline std::size_t pages_spanned(std::size_t size) { return size == 0 ? 1 : (size + kPage - 1) / kPage; }

// What a path claims to call for one map+unmap pair of a foreign page (the
// tests hold the composition to it; the benchmark names the shares from it).
PieceCounts claimed(Path path, Dir dir, std::size_t size);

// --- the pieces --------------------------------------------------------------------

// The real pieces: each one call into the owning family.
struct RealPieces {
    const Env& env;
    bool lookup(const lookup::Frame& f) { return env.decide(env.tables, &f); }
    void clean(void* p, std::size_t n) { env.clean(p, n, env.line); }
    void inval(void* p, std::size_t n) { env.inval(p, n, env.line); }
    long hypercall() { return env.hypercall.fn(env.hypercall.ctx); }
    void copy(void* dst, const void* src, std::size_t n) { std::memcpy(dst, src, n); }
    unsigned char* mmap(std::size_t offset, std::size_t n) { return env.temp->map(offset, n); }
    void munmap(unsigned char* p, std::size_t n) { env.temp->release(p, n); }
};

// The real pieces, each first counted.
struct CountingPieces : RealPieces {
    PieceCounts counts{};
    void tick(Piece p) { ++counts[unsigned(p)]; }
    bool lookup(const lookup::Frame& f) { tick(Piece::lookup); return RealPieces::lookup(f); }
    void clean(void* p, std::size_t n) { tick(Piece::clean); RealPieces::clean(p, n); }
    void inval(void* p, std::size_t n) { tick(Piece::inval); RealPieces::inval(p, n); }
    long hypercall() { tick(Piece::hypercall); return RealPieces::hypercall(); }
    void copy(void* d, const void* s, std::size_t n) { tick(Piece::copy); RealPieces::copy(d, s, n); }
    unsigned char* mmap(std::size_t o, std::size_t n) { tick(Piece::mmap); return RealPieces::mmap(o, n); }
    void munmap(unsigned char* p, std::size_t n) { tick(Piece::munmap); RealPieces::munmap(p, n); }
};

// The real pieces, each followed by a clock reading charged to it: with the
// readings back to back, the pieces' times add up to the whole pair. Clock is
// a type with a static now() returning ticks.
template <class Clock>
struct StampedPieces : RealPieces {
    std::array<uint64_t, kPieces> ticks{};
    PieceCounts counts{};
    uint64_t last = 0;
    void begin() { last = Clock::now(); }
    void charge(Piece p) {
        uint64_t now = Clock::now();
        ticks[unsigned(p)] += now - last;
        ++counts[unsigned(p)];
        last = now;
    }
    bool lookup(const lookup::Frame& f) { bool r = RealPieces::lookup(f); charge(Piece::lookup); return r; }
    void clean(void* p, std::size_t n) { RealPieces::clean(p, n); charge(Piece::clean); }
    void inval(void* p, std::size_t n) { RealPieces::inval(p, n); charge(Piece::inval); }
    long hypercall() { long r = RealPieces::hypercall(); charge(Piece::hypercall); return r; }
    void copy(void* d, const void* s, std::size_t n) { RealPieces::copy(d, s, n); charge(Piece::copy); }
    unsigned char* mmap(std::size_t o, std::size_t n) { auto* r = RealPieces::mmap(o, n); charge(Piece::mmap); return r; }
    void munmap(unsigned char* p, std::size_t n) { RealPieces::munmap(p, n); charge(Piece::munmap); }
};

// --- the paths ---------------------------------------------------------------------

namespace detail {
// Asks the hypervisor to do `op` on a foreign range, as Linux's dma_cache_maint()
// does with GNTTABOP_cache_flush: one hypercall per page. Real here: the exit
// to the hypervisor and back. Not real: the hypervisor mapping the page and
// flushing it, which `op` (the same maintenance, done locally on the same
// lines) stands for.
template <class P, class Op>
void via_hypervisor(P& p, unsigned char* buf, std::size_t size, Op op) {
    std::size_t done = 0;
    do {
        std::size_t chunk = size - done < kPage ? size - done : kPage;
        p.hypercall();
        op(buf + done, chunk);
        done += chunk;
    } while (done < size);
}

// `op` on a local page in place; on a foreign one through a temporary
// mapping, made for it and dropped (at once, or with the batch).
template <class P, class Op>
void via_temp_mapping(P& p, const Request& r, bool local, Op op) {
    if (local) {
        op(r.buf, r.size);
        return;
    }
    unsigned char* v = p.mmap(r.foreign_offset, r.size);
    op(v, r.size);
    p.munmap(v, r.size);
}
}  // namespace detail

// The map half of `path` for request r.
template <class P>
void map(Path path, P& p, const Env& e, const Request& r) {
    auto clean = [&](unsigned char* b, std::size_t n) { p.clean(b, n); };
    switch (path) {
    case Path::native:
        p.clean(r.buf, r.size);
        break;
    case Path::native_coherent:
        break;
    case Path::xen_local:
    case Path::map_asymmetric:
        p.lookup(*r.frame);  // local or foreign, the flush is local
        p.clean(r.buf, r.size);
        break;
    case Path::xen_hypercall:
        if (p.lookup(*r.frame)) p.clean(r.buf, r.size);
        else detail::via_hypervisor(p, r.buf, r.size, clean);
        break;
    case Path::temp_mapping:
        detail::via_temp_mapping(p, r, p.lookup(*r.frame), clean);
        break;
    case Path::swiotlb:
        // 2014 swiotlb_tbl_map_single(): the bounce is filled only for data going out.
        if (r.dir != Dir::from_device) p.copy(e.bounce, r.buf, r.size);
        p.clean(e.bounce, r.size);
        break;
    }
}

// The unmap half: nothing to do for data that only went to the device, but
// the Xen paths still decide first (xen_dma_unmap_page checks pfn_valid).
template <class P>
void unmap(Path path, P& p, const Env& e, const Request& r) {
    const bool back = r.dir != Dir::to_device;
    auto inval = [&](unsigned char* b, std::size_t n) { p.inval(b, n); };
    switch (path) {
    case Path::native:
        if (back) p.inval(r.buf, r.size);
        break;
    case Path::native_coherent:
        break;
    case Path::xen_local:
        p.lookup(*r.frame);
        if (back) p.inval(r.buf, r.size);
        break;
    case Path::xen_hypercall:
    case Path::map_asymmetric: {
        bool local = p.lookup(*r.frame);
        if (!back) break;
        if (local) p.inval(r.buf, r.size);
        else detail::via_hypervisor(p, r.buf, r.size, inval);
        break;
    }
    case Path::temp_mapping: {
        bool local = p.lookup(*r.frame);
        if (back) detail::via_temp_mapping(p, r, local, inval);
        break;
    }
    case Path::swiotlb:
        if (!back) break;
        p.inval(e.bounce, r.size);
        p.copy(r.buf, e.bounce, r.size);
        break;
    }
}

template <class P>
void map_unmap(Path path, P& p, const Env& e, const Request& r) {
    map(path, p, e, r);
    unmap(path, p, e, r);
}

}  // namespace dmabench::dmamap
