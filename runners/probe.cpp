#include "runners/probe.hpp"

#include "runners/cache_probe.hpp"
#include "runners/clock.hpp"
#include "runners/cpu.hpp"
#include "runners/topology.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace dmabench::probe {
namespace fs = std::filesystem;
namespace {

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

bool contains(const std::string& hay, const char* needle) {
    return hay.find(needle) != std::string::npos;
}

std::string x86_signature() {
    if (!cpu::x86_features().hypervisor) return "";
    auto l = *cpu::cpuid(0x40000000);
    char sig[13] = {};
    std::memcpy(sig, &l.ebx, 4);
    std::memcpy(sig + 4, &l.ecx, 4);
    std::memcpy(sig + 8, &l.edx, 4);
    return sig;
}

nlohmann::json cpu_identity() {
#if defined(__x86_64__)
    auto l0 = *cpu::cpuid(0);
    char vendor[13] = {};
    std::memcpy(vendor, &l0.ebx, 4);
    std::memcpy(vendor + 4, &l0.edx, 4);
    std::memcpy(vendor + 8, &l0.ecx, 4);
    auto l1 = *cpu::cpuid(1);
    unsigned family = (l1.eax >> 8) & 0xf, model = (l1.eax >> 4) & 0xf;
    if (family == 0xf) family += (l1.eax >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf) model |= ((l1.eax >> 16) & 0xf) << 4;
    char brand[49] = {};
    if (cpu::cpuid(0x80000000)->eax >= 0x80000004)
        for (uint32_t i = 0; i < 3; ++i) {
            auto r = *cpu::cpuid(0x80000002 + i);
            std::memcpy(brand + 16 * i, &r, 16);
        }
    std::string name = brand;
    name.erase(0, name.find_first_not_of(' '));
    return {{"vendor", vendor}, {"family", family}, {"model", model},
            {"stepping", l1.eax & 0xf}, {"model_name", trim(name)}};
#else
    auto r = cpu::read_midr();
    if (!r) return {{"midr", nullptr}, {"source", "unavailable (no sysfs midr_el1, no HWCAP_CPUID)"}};
    auto m = cpu::decode_midr(r->value);
    char hex[24];
    std::snprintf(hex, sizeof hex, "0x%016llx", static_cast<unsigned long long>(r->value));
    return {{"midr", hex}, {"implementer", m.implementer_name}, {"part", m.part_name},
            {"variant", m.variant}, {"revision", m.revision}, {"source", r->source},
            {"model_name", m.implementer_name + " " + m.part_name + " r" +
                               std::to_string(m.variant) + "p" + std::to_string(m.revision)}};
#endif
}

// Smallest non-zero step between back-to-back reads, and the median cost of
// one read, both in ticks.
nlohmann::json timer() {
    constexpr int n = 20001;
    std::vector<uint64_t> t(n);
    for (auto& x : t) x = clock::start();
    uint64_t resolution = UINT64_MAX;
    std::vector<uint64_t> d;
    for (int i = 1; i < n; ++i) {
        uint64_t delta = t[i] - t[i - 1];
        d.push_back(delta);
        if (delta) resolution = std::min(resolution, delta);
    }
    std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
    double ns_per_tick = 1e9 / clock::hz();
    nlohmann::json j = {
#if defined(__aarch64__)
        {"source", "CNTVCT_EL0 (ISB before each read)"},
#else
        {"source", "TSC (RDTSC fenced by LFENCE; RDTSCP at the end)"},
        {"invariant", cpu::x86_features().invariant_tsc},
#endif
        {"hz", clock::hz()},
        {"hz_source", clock::hz_source()},
        {"resolution_ticks", resolution == UINT64_MAX ? 0 : resolution},
        {"resolution_ns", resolution == UINT64_MAX ? 0 : resolution * ns_per_tick},
        {"read_overhead_ticks", d[d.size() / 2]},
        {"read_overhead_ns", d[d.size() / 2] * ns_per_tick},
    };
    return j;
}

nlohmann::json kernel() {
    utsname u{};
    uname(&u);
    return {{"sysname", u.sysname}, {"release", u.release}, {"version", u.version},
            {"machine", u.machine}};
}

bool kvm_ptp_clock() {
    std::error_code ec;
    for (auto& e : fs::directory_iterator("/sys/class/ptp", ec))
        if (trim(slurp((e.path() / "clock_name").string())) == "KVM virtual PTP") return true;
    return false;
}

}  // namespace

std::string arch() {
#if defined(__aarch64__)
    return "arm64";
#else
    return "x86_64";
#endif
}

Evidence gather() {
    Evidence e;
    e.arch = arch();
    e.cpuinfo = slurp("/proc/cpuinfo");
    e.hypervisor_signature = x86_signature();
    e.dt_compatible = slurp("/proc/device-tree/compatible");
    std::replace(e.dt_compatible.begin(), e.dt_compatible.end(), '\0', ',');
    e.dt_compatible = trim(e.dt_compatible);
    e.dmi_vendor = trim(slurp("/sys/class/dmi/id/sys_vendor"));
    e.sys_hypervisor = trim(slurp("/sys/hypervisor/type"));
    e.kvm_ptp = kvm_ptp_clock();
    return e;
}

Verdict emulated(const Evidence& e) {
    // qemu-user passes the host's /proc/cpuinfo through: it describes another
    // architecture than the one this binary runs as.
    bool arm_cpuinfo = contains(e.cpuinfo, "CPU implementer");
    bool x86_cpuinfo = contains(e.cpuinfo, "vendor_id");
    if (e.arch == "arm64" && x86_cpuinfo && !arm_cpuinfo)
        return {true, "qemu-user: /proc/cpuinfo describes an x86 host CPU while this arm64 "
                      "binary runs"};
    if (e.arch == "x86_64" && arm_cpuinfo && !x86_cpuinfo)
        return {true, "qemu-user: /proc/cpuinfo describes an arm64 host CPU while this x86_64 "
                      "binary runs"};
    if (e.hypervisor_signature == "TCGTCGTCGTCG")
        return {true, "qemu-system TCG: CPUID hypervisor signature TCGTCGTCGTCG"};
    // An arm64 QEMU virt machine with no KVM service to show is translated by TCG.
    if (e.arch == "arm64" && contains(e.dt_compatible, "linux,dummy-virt") && !e.kvm_ptp)
        return {true, "qemu-system TCG: QEMU virt machine (device tree linux,dummy-virt) "
                      "without KVM services (no KVM virtual PTP clock)"};
    return {false, "no sign of translation (cpuinfo matches the architecture; no TCG "
                   "signature or bare QEMU virt machine)"};
}

nlohmann::json hypervisor(const Evidence& e) {
    struct Sig { const char* sig; const char* name; };
    static constexpr Sig sigs[] = {
        {"KVMKVMKVM", "KVM"}, {"TCGTCGTCGTCG", "QEMU TCG"}, {"Microsoft Hv", "Hyper-V"},
        {"VMwareVMware", "VMware"}, {"XenVMMXenVMM", "Xen"}, {"bhyve bhyve ", "bhyve"},
        {" lrpepyh  vr", "Parallels"}, {"ACRNACRNACRN", "ACRN"}};
    if (!e.hypervisor_signature.empty()) {
        std::string name = "unknown";
        for (auto& s : sigs)
            if (e.hypervisor_signature == s.sig) name = s.name;
        return {{"present", true}, {"name", name}, {"signature", e.hypervisor_signature},
                {"how", "CPUID leaf 1 ECX[31] and leaf 0x40000000"}};
    }
    if (!e.sys_hypervisor.empty())
        return {{"present", true}, {"name", e.sys_hypervisor}, {"signature", ""},
                {"how", "/sys/hypervisor/type"}};
    if (e.kvm_ptp)
        return {{"present", true}, {"name", "KVM"}, {"signature", ""},
                {"how", "a KVM virtual PTP clock in /sys/class/ptp"}};
    if (contains(e.dt_compatible, "linux,dummy-virt") || e.dmi_vendor == "QEMU")
        return {{"present", false}, {"name", "QEMU machine, no hypervisor seen"},
                {"signature", ""}, {"how", "device tree / DMI name a QEMU machine"}};
    return {{"present", false}, {"name", "none"}, {"signature", ""},
            {"how", e.arch == "x86_64" ? "CPUID leaf 1 ECX[31] clear"
                                       : "no /sys/hypervisor, no KVM PTP, no QEMU machine"}};
}

Verdict virtualised(const Evidence& e) {
    auto h = hypervisor(e);
    if (h["present"].get<bool>())
        return {true, h["name"].get<std::string>() + " guest (" + h["how"].get<std::string>() + ")"};
    return {false, "no hypervisor seen (" + h["how"].get<std::string>() + ")"};
}

const nlohmann::json& platform() {
    static const nlohmann::json p = [] {
        Evidence e = gather();
        auto em = emulated(e), vi = virtualised(e);
        nlohmann::json j = {
            {"arch", arch()},
            {"cpu", cpu_identity()},
            {"cache_line_bytes", cpu::dcache_line()},
            {"icache_line_bytes", cpu::icache_line()},
            {"timer", timer()},
            {"kernel", kernel()},
            {"hypervisor", hypervisor(e)},
            {"emulated", {{"value", em.value}, {"how", em.how}}},
            {"virtualised", {{"value", vi.value}, {"how", vi.how}}},
            {"topology", topology::summary()},
        };
        // Cortex-A53 errata: Linux traps EL0 cache maintenance there, so cache/
        // timings measure the trap; every record says so.
        const std::string& errata = cache_probe::errata_stamp_here();
        j["cache_errata"] = errata.empty() ? nlohmann::json() : nlohmann::json(errata);
#if defined(__aarch64__)
        uint64_t ctr;
        asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
        auto c = cpu::decode_ctr(ctr);
        j["ctr_el0"] = {{"value", ctr}, {"dminline_bytes", c.dminline_bytes},
                        {"iminline_bytes", c.iminline_bytes}, {"idc", c.idc}, {"dic", c.dic}};
        j["hwcap"] = cpu::hwcap();
        j["hwcap2"] = cpu::hwcap2();
#endif
        return j;
    }();
    return p;
}

std::string machine_line(const nlohmann::json& p) {
    std::string s = p.value("arch", "?");
    const auto& c = p.value("cpu", nlohmann::json::object());
    if (c.contains("model_name")) s += " " + c["model_name"].get<std::string>();
    if (c.contains("family"))
        s += " (" + c.value("vendor", std::string()) + " " + std::to_string(c.value("family", 0)) +
             "/" + std::to_string(c.value("model", 0)) + "/" +
             std::to_string(c.value("stepping", 0)) + ")";
    s += ", " + std::to_string(p.value("cache_line_bytes", 0)) + " B lines";
    if (p.contains("kernel")) s += ", Linux " + p["kernel"].value("release", std::string());
    if (p.contains("cache_errata") && p["cache_errata"].is_string()) s += ", EL0 DC trapped (A53 errata)";
    if (p["emulated"].value("value", false)) s += ", EMULATED";
    else if (p["virtualised"].value("value", false))
        s += ", virtualised (" + p["hypervisor"].value("name", std::string()) + " guest)";
    return s;
}

}  // namespace dmabench::probe
