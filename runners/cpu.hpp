// CPU identity and features: CPUID on x86_64, MIDR_EL1 / CTR_EL0 / HWCAP on arm64.
// The decoders are pure functions so the tests can feed them any register value.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace dmabench::cpu {

// --- arm64 registers, decoded -------------------------------------------------
struct Midr {
    unsigned implementer, variant, architecture, part, revision;
    std::string implementer_name;  // "ARM", "Qualcomm", ... or "unknown (0xNN)"
    std::string part_name;         // "Cortex-A53", ... or "unknown (0xNNN)"
};
Midr decode_midr(uint64_t midr);

struct Ctr {
    unsigned dminline_bytes;  // smallest D-cache line: 4 << DminLine
    unsigned iminline_bytes;  // smallest I-cache line: 4 << IminLine
    bool idc;                 // D-cache clean to PoU not needed for I/D coherence
    bool dic;                 // I-cache invalidation not needed
};
Ctr decode_ctr(uint64_t ctr);

// --- x86 CPUID -----------------------------------------------------------------
struct Cpuid { uint32_t eax, ebx, ecx, edx; };
// Executes CPUID on x86_64; nullopt elsewhere.
std::optional<Cpuid> cpuid(uint32_t leaf, uint32_t subleaf = 0);

// --- this machine ---------------------------------------------------------------
// Data cache line in bytes for cache maintenance: CTR_EL0 DminLine on arm64,
// CPUID.1:EBX[15:8]*8 (the CLFLUSH line) on x86_64.
unsigned dcache_line();
unsigned icache_line();

// arm64: MIDR_EL1 of the CPU the caller runs on, from sysfs or (when sysfs does
// not have it) from the kernel's emulated MRS; source says which.
struct MidrReading { uint64_t value; std::string source; };
std::optional<MidrReading> read_midr();

// x86 feature bits the families need (false elsewhere).
struct X86Features { bool clflush, clflushopt, clwb, invariant_tsc, hypervisor; };
X86Features x86_features();

// arm64 HWCAP bits (0 elsewhere).
uint64_t hwcap();
uint64_t hwcap2();

}  // namespace dmabench::cpu
