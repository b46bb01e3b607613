// The platform probe: everything `dmabench info` reports and every result
// file carries, so a number is never separated from the machine it came from.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace dmabench::probe {

// What the emulation and virtualisation verdicts are decided from; the
// probe reads it from the machine, the tests build it by hand.
struct Evidence {
    std::string arch;                  // the arch this binary was built for
    std::string cpuinfo;               // /proc/cpuinfo as this process sees it
    std::string hypervisor_signature;  // x86 CPUID 0x40000000 (empty: none)
    std::string dt_compatible;         // /proc/device-tree/compatible, NULs as ','
    std::string dmi_vendor;            // /sys/class/dmi/id/sys_vendor
    std::string sys_hypervisor;        // /sys/hypervisor/type
    bool kvm_ptp = false;              // a "KVM virtual PTP" clock exists
};

struct Verdict {
    bool value = false;
    std::string how;  // the evidence the verdict rests on
};

Evidence gather();
// True when instructions are translated by qemu (user or system TCG).
Verdict emulated(const Evidence& e);
// True when a hypervisor sits under the kernel (KVM, Xen, Hyper-V, ...).
Verdict virtualised(const Evidence& e);
// {present, name, signature, how}.
nlohmann::json hypervisor(const Evidence& e);

std::string arch();

// The whole platform object (arch, cpu, cache_line_bytes, timer, kernel,
// hypervisor, emulated, virtualised, topology); measured once per process.
const nlohmann::json& platform();

// One line naming the machine: "x86_64 GenuineIntel 6/85/7 ..., KVM guest".
std::string machine_line(const nlohmann::json& platform);

}  // namespace dmabench::probe
