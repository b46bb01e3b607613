// A fine tick source for kernels that time themselves (manual timing):
// x86_64 RDTSC fenced on both sides, arm64 CNTVCT_EL0 after an ISB.
#pragma once
#include <cstdint>

namespace dmabench::clock {

// Read at the start of a timed region: nothing before it may drift past.
inline uint64_t start() {
#if defined(__x86_64__)
    uint32_t lo, hi;
    asm volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t(hi) << 32) | lo;
#elif defined(__aarch64__)
    uint64_t v;
    asm volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
#endif
}

// Read at the end: waits for everything before it to complete.
inline uint64_t stop() {
#if defined(__x86_64__)
    uint32_t lo, hi, aux;
    asm volatile("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
    return (uint64_t(hi) << 32) | lo;
#elif defined(__aarch64__)
    uint64_t v;
    asm volatile("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(v)::"memory");
    return v;
#endif
}

// Ticks per second: CNTFRQ_EL0; on x86 CPUID 0x15, the hypervisor's TSC leaf,
// or a measurement against CLOCK_MONOTONIC_RAW. Computed once.
double hz();
// How hz() was found ("CNTFRQ_EL0", "CPUID.15H", "hypervisor leaf 0x40000010", "measured").
const char* hz_source();

inline double seconds(uint64_t ticks) { return double(ticks) / hz(); }

// The timer floor: what an empty timed region (start() then stop()) costs, in
// ticks; the median of 1001, measured once. The harness subtracts it from
// every batch.
uint64_t floor_ticks();

}  // namespace dmabench::clock
