// dmamap/sg_sync: one sync of a scatter-gather list of 4 KiB entries for a
// device, with the barrier after every entry (Linux today) or once per list
// (the 2025-26 batched cache sync patch). One operation is one list;
// ns_per_entry divides by its entries. Before every list its entries are
// written (dirty), untimed. Entries sit a page apart, as scattered pages do.
//
// dir:to_device is dma_map_sg's clean; dir:from_device is dma_unmap_sg's
// invalidate (arm64: CIVAC, as the cache family explains). On x86 Linux
// does neither (DMA is coherent): the figures are a proxy, the costs of the
// same flushes and fences on this host, and are tagged so.
#include <cstring>

#include "bench/harness.hpp"
#include "kernels/cache/cache.hpp"
#include "kernels/dmamap/sg.hpp"
#include "runners/cache_probe.hpp"
#include "runners/cpu.hpp"

namespace dmabench {
namespace {

constexpr std::size_t kEntry = 4096, kStride = 2 * 4096;

struct Routines {
    const cache::RoutineRow* with = nullptr;     // op + Linux's barrier
    const cache::RoutineRow* without = nullptr;  // op, barrier none
    std::string skip;
};

// The op Linux issues for dir, by name: arm64 cvac (map) / civac (unmap);
// x86's stand-ins clwb and clflushopt, whose Linux barrier is SFENCE.
Routines routines(bool to_device) {
#if defined(__aarch64__)
    const char* op = to_device ? "cvac" : "civac";
    const char* barrier = "dsb_sy";
#else
    const char* op = to_device ? "clwb" : "clflushopt";
    const char* barrier = "sfence";
#endif
    Routines r;
    r.with = cache::find(std::string(op) + "_" + barrier);
    r.without = cache::find(std::string(op) + "_none");
    for (const auto* v : {r.with, r.without})
        if (!v || !v->run) r.skip = std::string(op) + ": no routine in this build";
        else if (auto why = cache_probe::skip_reason(*v); !why.empty()) r.skip = why;
    return r;
}

struct Lists {
    sg::List list;
    cache::Routine with, without;
    bool per_list;
    std::size_t line;
};

void lists_kernel(uint64_t n, void* context) {
    const auto* l = static_cast<const Lists*>(context);
    for (uint64_t k = 0; k < n; ++k)
        if (l->per_list) sg::sync_per_list(l->list, l->without, l->with, l->line);
        else sg::sync_per_entry(l->list, l->with, l->line);
}

Work setup(Thread& t, const Routines& r, std::size_t entries, bool per_list) {
    auto l = std::make_shared<Lists>();
    auto* base = static_cast<unsigned char*>(t.alloc(entries * kStride));
    l->list = {base, entries, kEntry, kStride};
    l->with = r.with->run;
    l->without = r.without->run;
    l->per_list = per_list;
    l->line = cpu::dcache_line();
    return Work{.kernel = lists_kernel, .context = l.get(), .batch = 1,
                .prepare = [l](uint64_t pass) {
                    for (std::size_t k = 0; k < l->list.n; ++k)
                        std::memset(l->list.base + k * l->list.stride, int(pass), l->list.len);
                },
                .units_per_op = double(entries), .keep = l};
}

void register_sg(Registry& r) {
    const auto& o = r.options();
    const std::vector<std::size_t> entries = o.quick ? std::vector<std::size_t>{16, 256}
                                                     : std::vector<std::size_t>{16, 256, 2560};
    const bool proxy = cache::this_arch == cache::Arch::x86_64;
    r.variant({"dmamap/sg_sync", std::string("one sync of a scatter-gather list of 4 KiB entries, a barrier "
                                             "after every entry (sync:per_entry, Linux) or one per list "
                                             "(sync:per_list, the batched cache sync patch)") +
                                     (proxy ? "; x86: a proxy (x86 DMA needs no sync)" : ""),
               ""});
    for (bool to_device : {true, false}) {
        const Routines rt = routines(to_device);
        for (std::size_t n : entries)
            for (bool per_list : {false, true}) {
                Case c{.family = "dmamap", .variant = "sg_sync",
                       .args = {{"sync", per_list ? "per_list" : "per_entry"},
                                {"dir", to_device ? "to_device" : "from_device"},
                                {"entries", n}},
                       .op = "list", .unit = "entry", .skip = rt.skip,
                       .tags = {{"kind", "sg_sync"}, {"proxy", proxy}, {"baseline", !per_list}}};
                if (rt.skip.empty())
                    c.setup = [rt, n, per_list](benchmark::State&, Thread& t) { return setup(t, rt, n, per_list); };
                r.add(std::move(c));
            }
    }
}

}  // namespace
DMABENCH_FAMILY(dmamap_sg, register_sg);
}  // namespace dmabench
