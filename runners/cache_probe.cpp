#include "runners/cache_probe.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string_view>

#include "runners/call_probe.hpp"
#include "runners/cpu.hpp"

namespace dmabench::cache_probe {
namespace {

constexpr uint64_t kHwcapDcpop = 1ull << 16;  // arm64 uapi asm/hwcap.h HWCAP_DCPOP

// Names the bit that said yes, when a probe then says no.
std::string feature_bit(cache::Need need) {
    switch (need) {
    case cache::Need::nothing: return "";
    case cache::Need::dcpop: return "HWCAP_DCPOP is set, but ";
    case cache::Need::clflush: return "CPUID reports CLFLUSH, but ";
    case cache::Need::clflushopt: return "CPUID reports CLFLUSHOPT, but ";
    case cache::Need::clwb: return "CPUID reports CLWB, but ";
    }
    return "";
}

}  // namespace

Features features_here() {
    Features f;
    auto x = cpu::x86_features();
    f.clflush = x.clflush;
    f.clflushopt = x.clflushopt;
    f.clwb = x.clwb;
    f.dcpop = (cpu::hwcap() & kHwcapDcpop) != 0;
    return f;
}

std::string feature_skip(const cache::RoutineRow& v, const Features& f) {
    if (v.arch != f.arch)
        return std::string(cache::arch_name(v.arch)) + " only (this is an " +
               cache::arch_name(f.arch) + " build)";
    switch (v.need) {
    case cache::Need::nothing: return "";
    case cache::Need::dcpop:
        return f.dcpop ? "" : "no DC CVAP here: HWCAP_DCPOP not set (needs ARMv8.2 DCPOP)";
    case cache::Need::clflush: return f.clflush ? "" : "no CLFLUSH here: CPUID.1:EDX[19] clear";
    case cache::Need::clflushopt:
        return f.clflushopt ? "" : "no CLFLUSHOPT here: CPUID.(7,0):EBX[23] clear";
    case cache::Need::clwb: return f.clwb ? "" : "no CLWB here: CPUID.(7,0):EBX[24] clear";
    }
    return "unknown requirement";
}

std::string skip_reason(const cache::RoutineRow& v) {
    static const Features here = features_here();
    if (auto why = feature_skip(v, here); !why.empty()) return why;
    if (!v.run) return "no entry point in this build";
    // The feature bit says yes; make sure the kernel lets EL0 issue the
    // instruction (arm64 SCTLR_EL1.UCI, hypervisor masking) by running the
    // routine once in a child. All routines of one operation share the answer.
    static std::mutex m;
    static std::map<std::string, std::string> by_op;
    std::lock_guard lock(m);
    auto key = std::string(v.op) + (v.intrinsic ? "/intrinsic" : "");
    auto it = by_op.find(key);
    if (it == by_op.end()) {
        auto run = v.run;
        std::string why = call_probe::run_in_child([run] {
            // An expected SIGILL should neither dump core nor print (qemu-user
            // reports uncaught signals on stderr).
            struct rlimit no_core {0, 0};
            setrlimit(RLIMIT_CORE, &no_core);
            if (int null = open("/dev/null", O_WRONLY); null >= 0) dup2(null, 2);
            alignas(256) static unsigned char probe_buffer[1024];
            probe_buffer[100] = 1;
            run(probe_buffer + 3, 700, cpu::dcache_line());
            return 0;
        });
        if (!why.empty())
            why = feature_bit(v.need) + v.entry + " in a probe child " + why;
        it = by_op.emplace(key, why).first;
    }
    return it->second;
}

std::string clean_cache_errata(uint64_t midr) {
    auto m = cpu::decode_midr(midr);
    if (m.implementer != 0x41 || m.part != 0xd03 || m.variant != 0) return "";
    if (m.revision <= 1) return "826319, 827319, 824069, 819472";
    if (m.revision == 2) return "826319, 827319, 824069";
    return "";
}

std::vector<std::pair<unsigned, uint64_t>> read_midrs(const std::string& sysfs_root) {
    std::vector<std::pair<unsigned, uint64_t>> out;
    std::error_code ec;
    const std::filesystem::path dir = sysfs_root + "/devices/system/cpu";
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.size() < 4 || name.compare(0, 3, "cpu") != 0 ||
            name.find_first_not_of("0123456789", 3) != std::string::npos)
            continue;
        std::ifstream f(e.path() / "regs/identification/midr_el1");
        std::string text;
        if (!(f >> text)) continue;
        char* end = nullptr;
        uint64_t value = std::strtoull(text.c_str(), &end, 16);
        if (end == text.c_str()) continue;
        out.emplace_back(unsigned(std::stoul(name.substr(3))), value);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string errata_stamp(const std::vector<std::pair<unsigned, uint64_t>>& midrs) {
    std::string cpus, first;
    for (const auto& [cpu, midr] : midrs) {
        auto errata = clean_cache_errata(midr);
        if (errata.empty()) continue;
        cpus += (cpus.empty() ? "" : ",") + std::to_string(cpu);
        if (first.empty()) {
            auto m = cpu::decode_midr(midr);
            first = m.part_name + " r" + std::to_string(m.variant) + "p" +
                    std::to_string(m.revision) + " (ARM errata " + errata + ")";
        }
    }
    if (cpus.empty()) return "";
    return "CPU " + cpus + ": " + first +
           ": Linux traps EL0 cache maintenance on this core and performs it in the kernel, "
           "promoting DC CVAC and DC CVAU to DC CIVAC; cache/ times on it are trap emulation, "
           "not the instruction";
}

const std::string& errata_stamp_here() {
    static const std::string stamp = errata_stamp(read_midrs());
    return stamp;
}

bool cpu_traps_dc(unsigned cpu) {
    static const auto midrs = read_midrs();
    for (const auto& [c, midr] : midrs)
        if (c == cpu) return !clean_cache_errata(midr).empty();
    return false;
}

}  // namespace dmabench::cache_probe
