// Can a cache-maintenance routine run here, and is its timing what it seems?
// Feature bits (CPUID, HWCAP) decide first; a child process then runs the
// routine once, so an instruction the kernel refuses kills the child, not us.
// The decisions are pure functions of their inputs so the tests can feed any.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cache/cache.hpp"

namespace dmabench::cache_probe {

struct Features {
    cache::Arch arch = cache::this_arch;
    bool clflush = false, clflushopt = false, clwb = false;  // x86 CPUID
    bool dcpop = false;                                       // arm64 HWCAP_DCPOP
};
Features features_here();

// "" when the CPU described by f may run v; otherwise why not.
std::string feature_skip(const cache::RoutineRow& v, const Features& f);

// feature_skip on this machine, then a run of the routine in a child (once per
// operation, remembered). "" when v runs here.
std::string skip_reason(const cache::RoutineRow& v);

// --- Cortex-A53 errata 826319, 827319, 824069 (r0p0-r0p2) and 819472 (r0p0-r0p1):
// on these revisions Linux clears SCTLR_EL1.UCI, so every EL0 DC instruction
// traps and the kernel performs it, promoting CVAC and CVAU to CIVAC. A time
// measured there is the trap's.
// The errata list ("826319, 827319, 824069, 819472") for one MIDR; "" if unaffected.
std::string clean_cache_errata(uint64_t midr);

// Every CPU's MIDR_EL1 from <sysfs_root>/devices/system/cpu/cpuN/regs/identification.
std::vector<std::pair<unsigned, uint64_t>> read_midrs(const std::string& sysfs_root = "/sys");

// One sentence for the result when any CPU is affected, naming CPUs, part,
// revision and errata; "" when none is (or no MIDR can be read).
std::string errata_stamp(const std::vector<std::pair<unsigned, uint64_t>>& midrs);
// This machine's stamp, read once.
const std::string& errata_stamp_here();
// Whether the CPU with this OS index is affected on this machine.
bool cpu_traps_dc(unsigned cpu);

}  // namespace dmabench::cache_probe
