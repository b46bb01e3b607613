#include "runners/cpu.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__linux__)
#include <sys/auxv.h>
#endif

namespace dmabench::cpu {
namespace {

std::string hex_name(unsigned v, int digits) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "unknown (0x%0*x)", digits, v);
    return buf;
}

struct Named { unsigned code; const char* name; };

// Implementer codes and part numbers from the Arm ARM (MIDR_EL1) and the
// vendors' technical reference manuals; the kernel's cputype.h lists the same.
constexpr Named implementers[] = {
    {0x00, "software-reserved"}, {0x41, "ARM"}, {0x42, "Broadcom"}, {0x43, "Cavium"}, {0x46, "Fujitsu"},
    {0x48, "HiSilicon"}, {0x4e, "NVIDIA"}, {0x50, "APM"}, {0x51, "Qualcomm"},
    {0x61, "Apple"}, {0x6d, "Microsoft"}, {0xc0, "Ampere"},
};

struct Part { unsigned implementer, part; const char* name; };
constexpr Part parts[] = {
    {0x41, 0xd03, "Cortex-A53"}, {0x41, 0xd04, "Cortex-A35"}, {0x41, 0xd05, "Cortex-A55"},
    {0x41, 0xd07, "Cortex-A57"}, {0x41, 0xd08, "Cortex-A72"}, {0x41, 0xd09, "Cortex-A73"},
    {0x41, 0xd0a, "Cortex-A75"}, {0x41, 0xd0b, "Cortex-A76"}, {0x41, 0xd0c, "Neoverse-N1"},
    {0x41, 0xd0d, "Cortex-A77"}, {0x41, 0xd40, "Neoverse-V1"}, {0x41, 0xd41, "Cortex-A78"},
    {0x41, 0xd44, "Cortex-X1"}, {0x41, 0xd46, "Cortex-A510"}, {0x41, 0xd47, "Cortex-A710"},
    {0x41, 0xd48, "Cortex-X2"}, {0x41, 0xd49, "Neoverse-N2"}, {0x41, 0xd4f, "Neoverse-V2"},
    {0x41, 0xd0f, "AEMv8 (Foundation model)"}, {0x43, 0x0a1, "ThunderX"},
    {0x43, 0x0af, "ThunderX2"}, {0x48, 0xd01, "TSV110 (Kunpeng 920)"},
    {0x51, 0x800, "Kryo 2xx Gold"}, {0x51, 0x801, "Kryo 2xx Silver"},
    {0x61, 0x022, "M1 Icestorm"}, {0x61, 0x023, "M1 Firestorm"},
    {0xc0, 0xac3, "AmpereOne"}, {0x50, 0x000, "X-Gene"},
    {0x00, 0x051, "QEMU max (emulated)"},
};

}  // namespace

Midr decode_midr(uint64_t v) {
    Midr m{};
    m.implementer = unsigned(v >> 24) & 0xff;
    m.variant = unsigned(v >> 20) & 0xf;
    m.architecture = unsigned(v >> 16) & 0xf;
    m.part = unsigned(v >> 4) & 0xfff;
    m.revision = unsigned(v) & 0xf;
    m.implementer_name = hex_name(m.implementer, 2);
    for (auto& i : implementers)
        if (i.code == m.implementer) m.implementer_name = i.name;
    m.part_name = hex_name(m.part, 3);
    for (auto& p : parts)
        if (p.implementer == m.implementer && p.part == m.part) m.part_name = p.name;
    return m;
}

Ctr decode_ctr(uint64_t v) {
    return Ctr{4u << ((v >> 16) & 0xf), 4u << (v & 0xf), bool((v >> 28) & 1),
               bool((v >> 29) & 1)};
}

std::optional<Cpuid> cpuid(uint32_t leaf, uint32_t subleaf) {
#if defined(__x86_64__)
    Cpuid r{};
    __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
    return r;
#else
    (void)leaf, (void)subleaf;
    return std::nullopt;
#endif
}

#if defined(__aarch64__)
static uint64_t read_ctr_el0() {
    uint64_t v;
    asm volatile("mrs %0, ctr_el0" : "=r"(v));
    return v;
}
#endif

unsigned dcache_line() {
#if defined(__aarch64__)
    return decode_ctr(read_ctr_el0()).dminline_bytes;
#else
    auto r = cpuid(1);
    unsigned bytes = ((r->ebx >> 8) & 0xff) * 8;
    return bytes ? bytes : 64;
#endif
}

unsigned icache_line() {
#if defined(__aarch64__)
    return decode_ctr(read_ctr_el0()).iminline_bytes;
#else
    return dcache_line();
#endif
}

std::optional<MidrReading> read_midr() {
#if defined(__aarch64__)
    for (int c = 0; c < 4096; ++c) {
        std::ifstream f("/sys/devices/system/cpu/cpu" + std::to_string(c) +
                        "/regs/identification/midr_el1");
        if (!f) {
            if (c > 0) break;
            continue;
        }
        std::string s;
        f >> s;
        return MidrReading{std::stoull(s, nullptr, 16), "sysfs midr_el1"};
    }
    // Linux traps and emulates EL0 reads of the ID registers when HWCAP_CPUID
    // says so; qemu-user answers them itself.
    if (hwcap() & (1ul << 11)) {
        uint64_t v;
        asm volatile("mrs %0, midr_el1" : "=r"(v));
        return MidrReading{v, "MRS MIDR_EL1 (emulated by the kernel or qemu)"};
    }
#endif
    return std::nullopt;
}

X86Features x86_features() {
    X86Features f{};
#if defined(__x86_64__)
    auto l1 = cpuid(1);
    f.clflush = (l1->edx >> 19) & 1;
    f.hypervisor = (l1->ecx >> 31) & 1;
    if (cpuid(0)->eax >= 7) {
        auto l7 = cpuid(7, 0);
        f.clflushopt = (l7->ebx >> 23) & 1;
        f.clwb = (l7->ebx >> 24) & 1;
    }
    if (cpuid(0x80000000)->eax >= 0x80000007) f.invariant_tsc = (cpuid(0x80000007)->edx >> 8) & 1;
#endif
    return f;
}

uint64_t hwcap() {
#if defined(__linux__) && defined(__aarch64__)
    return getauxval(AT_HWCAP);
#else
    return 0;
#endif
}

uint64_t hwcap2() {
#if defined(__linux__) && defined(__aarch64__)
    return getauxval(AT_HWCAP2);
#else
    return 0;
#endif
}

}  // namespace dmabench::cpu
