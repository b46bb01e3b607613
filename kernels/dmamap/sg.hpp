// Syncing a scatter-gather list for a device, two ways (dma_map_sg and
// dma_unmap_sg on a non-coherent arm64 device). Linux today maintains each
// entry's lines and issues the barrier after every entry; the 2025-26 patch
// "dma-mapping: arm64: support batched cache sync" issues one barrier for the
// whole list. x86 Linux needs neither (DMA is coherent): there the same
// sequence with CLFLUSHOPT/CLWB + SFENCE is a proxy of the costs.
// Plain C++ over the cache routines: no harness includes.
#pragma once
#include <cstddef>

#include "kernels/cache/cache.hpp"

namespace dmabench::sg {

// The entries: n buffers of len bytes, entry k at base + k * stride.
struct List {
    unsigned char* base;
    std::size_t n, len, stride;
};

// with_barrier: the op followed by Linux's barrier (cvac_dsb_sy); a zero
// length runs the barrier alone (kernels/cache: len == 0 still fences).
inline void sync_per_entry(const List& l, cache::Routine with_barrier, std::size_t line) {
    for (std::size_t k = 0; k < l.n; ++k) with_barrier(l.base + k * l.stride, l.len, line);
}

// without_barrier: the same op with barrier "none"; then one barrier.
inline void sync_per_list(const List& l, cache::Routine without_barrier, cache::Routine with_barrier,
                          std::size_t line) {
    for (std::size_t k = 0; k < l.n; ++k) without_barrier(l.base + k * l.stride, l.len, line);
    with_barrier(l.base, 0, line);
}

}  // namespace dmabench::sg
