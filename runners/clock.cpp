#include "runners/clock.hpp"

#include "runners/cpu.hpp"

#include <time.h>

#include <algorithm>
#include <vector>

namespace dmabench::clock {
namespace {

struct Frequency { double hz; const char* source; };

double monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// Ticks against CLOCK_MONOTONIC_RAW over ~20 ms: good to a few ppm here.
double measure_hz() {
    double t0 = monotonic_ns();
    uint64_t c0 = start();
    while (monotonic_ns() - t0 < 20e6) {}
    uint64_t c1 = stop();
    double t1 = monotonic_ns();
    return double(c1 - c0) / ((t1 - t0) * 1e-9);
}

Frequency find() {
#if defined(__aarch64__)
    uint64_t f;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(f));
    if (f) return {double(f), "CNTFRQ_EL0"};
#else
    auto max = cpu::cpuid(0)->eax;
    if (max >= 0x15) {
        auto l = *cpu::cpuid(0x15);
        if (l.eax && l.ebx && l.ecx) return {double(l.ecx) * l.ebx / l.eax, "CPUID.15H"};
    }
    if (cpu::x86_features().hypervisor && cpu::cpuid(0x40000000)->eax >= 0x40000010) {
        auto l = *cpu::cpuid(0x40000010);
        if (l.eax) return {l.eax * 1e3, "hypervisor leaf 0x40000010"};
    }
#endif
    return {measure_hz(), "measured against CLOCK_MONOTONIC_RAW"};
}

const Frequency& frequency() {
    static const Frequency f = find();
    return f;
}

}  // namespace

double hz() { return frequency().hz; }
const char* hz_source() { return frequency().source; }

uint64_t floor_ticks() {
    static const uint64_t floor = [] {
        std::vector<uint64_t> d(1001);
        for (auto& x : d) {
            uint64_t a = start();
            x = stop() - a;
        }
        std::nth_element(d.begin(), d.begin() + 500, d.end());
        return d[500];
    }();
    return floor;
}

}  // namespace dmabench::clock
