// Can the hypercall variants run here? CPUID for the hypervisor, a probe of
// the instruction in a child process, sysfs for a KVM PTP clock. Every input is
// injectable so "no hypervisor -> unavailable" is testable on any machine.
#pragma once
#include <functional>
#include <string>

#include "kernels/call/call.hpp"

namespace dmabench::call_probe {

// What CPUID says about the hypervisor (all empty off x86).
struct HypervisorId {
    std::string cpu_vendor;       // CPUID.0: "GenuineIntel", "AuthenticAMD", ...
    bool hypervisor_bit = false;  // CPUID.1:ECX[31]
    std::string signature;        // CPUID.0x40000000 EBX:ECX:EDX, e.g. "KVMKVMKVM"
};
HypervisorId read_hypervisor_id();

// Runs fn in a fork()ed child with SIGILL/SIGSEGV/SIGBUS at their defaults;
// a child still running after timeout_ms is killed. Returns "" when fn
// returned 0, otherwise what happened ("killed by SIGSEGV", "exited with
// status 3", "did not finish within 5000 ms"). The parent never faults and
// never hangs.
std::string run_in_child(const std::function<int()>& fn, int timeout_ms = 5000);

// Executes the instruction once in a child; "" if KVM answered -KVM_EPERM.
std::string probe_hypercall_in_child(call::Hypercall insn);

struct HypercallPlan {
    call::Hypercall insn = call::Hypercall::none;
    std::string skip;         // empty: the variant runs
    std::string description;  // what is timed, or would be
};
using ChildProbe = std::function<std::string(call::Hypercall)>;
// x86: offered only under KVM ("KVMKVMKVM"), with vmmcall on AMD/Hygon and
// vmcall on Intel/Centaur/Zhaoxin, and only if the child probe succeeds.
// arm64: always skipped (HVC is UNDEFINED at EL0).
HypercallPlan plan_hypercall(const HypervisorId& id,
                             const ChildProbe& probe = probe_hypercall_in_child);
// This machine's plan, probed once.
const HypercallPlan& hypercall_plan();
// The instruction call/hypercall takes here, or would: vmcall (VMX), vmmcall
// (SVM), hvc (arm64; not from EL0).
std::string hypercall_insn_name();

// CPUID from user space as a VM exit: what the probe knows before timing it.
// Whether the cost then shows an exit is the benchmark's to judge (vm_exit).
struct CpuidExitPlan {
    std::string skip;         // empty: call/vm_exit runs (every x86 host)
    bool may_exit = false;    // a hypervisor is present and nothing rules an exit out
    std::string stamp;        // what the record says of it
};
// cpu_flags: the "flags" line of /proc/cpuinfo (a SEV-ES guest shows sev_es).
CpuidExitPlan plan_cpuid_exit(const HypervisorId& id, const std::string& cpu_flags);
// This machine's plan, probed once.
const CpuidExitPlan& cpuid_exit_plan();
// A cost of at least this many system calls shows an exit (thousands of
// cycles); a native CPUID costs about a hundred, under one system call.
inline constexpr double kExitOverSyscall = 2.0;

struct PtpPlan {
    std::string device;  // "/dev/ptpN" when found
    std::string skip;    // empty: found
};
// Looks for <sysfs_root>/class/ptp/ptpN/clock_name == "KVM virtual PTP".
PtpPlan plan_ptp_kvm(const std::string& sysfs_root = "/sys",
                     const std::string& dev_root = "/dev");

// The KVM PTP clock opened for timing (read-write, else read-only) and checked
// with one PTP_SYS_OFFSET_PRECISE; closed when it goes. fd < 0: why says why.
struct PtpClock {
    int fd = -1;
    std::string why;
    explicit PtpClock(const std::string& device);
    ~PtpClock();
    PtpClock(const PtpClock&) = delete;
    PtpClock& operator=(const PtpClock&) = delete;
};

}  // namespace dmabench::call_probe
