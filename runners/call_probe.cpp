#include "runners/call_probe.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "kernels/call/call.hpp"
#include "runners/cpu.hpp"

namespace dmabench::call_probe {

namespace {
std::string regs_text(std::initializer_list<uint32_t> regs) {
    std::string s;
    for (uint32_t r : regs) s.append(reinterpret_cast<const char*>(&r), 4);
    s.erase(std::find(s.begin(), s.end(), '\0'), s.end());
    return s;
}
}  // namespace

HypervisorId read_hypervisor_id() {
    HypervisorId id;
    auto leaf0 = cpu::cpuid(0);
    if (!leaf0) return id;
    id.cpu_vendor = regs_text({leaf0->ebx, leaf0->edx, leaf0->ecx});
    id.hypervisor_bit = (cpu::cpuid(1)->ecx >> 31) & 1;
    // Leaf 0x40000000 is only meaningful with the hypervisor bit set.
    if (id.hypervisor_bit) {
        auto h = cpu::cpuid(0x40000000);
        id.signature = regs_text({h->ebx, h->ecx, h->edx});
    }
    return id;
}

std::string run_in_child(const std::function<int()>& fn, int timeout_ms) {
    pid_t pid = fork();
    if (pid < 0) return std::string("fork failed: ") + std::strerror(errno);
    if (pid == 0) {
        for (int sig : {SIGILL, SIGSEGV, SIGBUS}) signal(sig, SIG_DFL);
        _exit(fn());
    }
    // The parent keeps the clock: a child that hangs (even inside fork itself,
    // as glibc's does under some qemu-user setups) is killed, not waited on forever.
    int status = 0;
    bool timed_out = false;
    for (int waited_ms = 0;; ++waited_ms) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return std::string("waitpid failed: ") + std::strerror(errno);
        if (waited_ms == timeout_ms) {
            kill(pid, SIGKILL);
            timed_out = true;
        }
        usleep(1000);
    }
    if (timed_out) return "did not finish within " + std::to_string(timeout_ms) + " ms";
    if (WIFSIGNALED(status)) {
        const char* abbrev = sigabbrev_np(WTERMSIG(status));
        return std::string("killed by SIG") + (abbrev ? abbrev : "?");
    }
    if (WEXITSTATUS(status) != 0) return "exited with status " + std::to_string(WEXITSTATUS(status));
    return "";
}

std::string probe_hypercall_in_child(call::Hypercall insn) {
    auto once = call::hypercall_once(insn);
    if (!once) return std::string(call::name(insn)) + " does not exist on this architecture";
    // Status 3: the instruction returned, but not with KVM's refusal.
    std::string why = run_in_child([once] { return once() == call::kKvmDeniedFromUser ? 0 : 3; });
    if (why.empty()) return "";
    if (why == "exited with status 3") why = "returned something other than -KVM_EPERM";
    return std::string(call::name(insn)) + " in a probe child " + why;
}

HypercallPlan plan_hypercall(const HypervisorId& id, const ChildProbe& probe) {
    HypercallPlan plan;
#if defined(__aarch64__)
    (void)id;
    (void)probe;
    plan.description = "HVC #0 from EL1 (an exit to the hypervisor and back)";
    plan.skip = "HVC is UNDEFINED at EL0; the in-kernel HVC is kmod/hypercall (the dmabench.ko module, kernels/kmod)";
    return plan;
#else
    if (!id.hypervisor_bit && id.signature.empty()) {
        plan.skip = "no hypervisor (CPUID.1:ECX bit 31 clear): nothing to call";
        return plan;
    }
    if (id.signature != "KVMKVMKVM") {
        plan.skip = "hypervisor signature \"" + id.signature +
                    "\" is not KVM's; only KVM is known to refuse a CPL3 hypercall without acting on it";
        return plan;
    }
    const std::string& v = id.cpu_vendor;
    if (v == "AuthenticAMD" || v == "HygonGenuine") plan.insn = call::Hypercall::vmmcall;
    else if (v == "GenuineIntel" || v == "CentaurHauls" || v == "  Shanghai  ") plan.insn = call::Hypercall::vmcall;
    else {
        plan.skip = "CPU vendor \"" + v + "\": not known to be VMX (vmcall) or SVM (vmmcall)";
        return plan;
    }
    plan.description = std::string(call::name(plan.insn)) +
                       " from CPL3: a VM exit to KVM, which answers -KVM_EPERM without dispatching";
    plan.skip = probe(plan.insn);
    return plan;
#endif
}

const HypercallPlan& hypercall_plan() {
    static const HypercallPlan plan = plan_hypercall(read_hypervisor_id());
    return plan;
}

std::string hypercall_insn_name() {
#if defined(__x86_64__)
    if (hypercall_plan().insn != call::Hypercall::none) return call::name(hypercall_plan().insn);
    auto v = read_hypervisor_id().cpu_vendor;
    return v == "AuthenticAMD" || v == "HygonGenuine" ? "vmmcall" : "vmcall";
#else
    return "hvc";
#endif
}

CpuidExitPlan plan_cpuid_exit(const HypervisorId& id, const std::string& cpu_flags) {
    CpuidExitPlan plan;
#if !defined(__x86_64__)
    (void)id;
    (void)cpu_flags;
    plan.skip = "CPUID is x86; an arm64 guest's exits are timed from EL1 (kmod/hypercall)";
#else
    bool sev_es = (" " + cpu_flags + " ").find(" sev_es ") != std::string::npos;
    if (!id.hypervisor_bit) {
        plan.stamp = "not virtualised: CPUID executes natively (CPUID.1:ECX[31] clear)";
    } else if (sev_es && id.cpu_vendor == "AuthenticAMD") {
        plan.stamp = "not a VM exit: an SEV-ES guest, where CPUID raises #VC and the guest "
                     "kernel answers it (through the GHCB)";
    } else {
        plan.may_exit = true;
        plan.stamp = "a VM exit to the hypervisor \"" + id.signature +
                     "\" (CPUID.1:ECX[31] set), if its cost shows one: at least " +
                     std::to_string(int(kExitOverSyscall)) + "x a system call in the same run";
    }
#endif
    return plan;
}

const CpuidExitPlan& cpuid_exit_plan() {
    static const CpuidExitPlan plan = [] {
        std::ifstream in("/proc/cpuinfo");
        std::string line, flags;
        while (std::getline(in, line))
            if (line.rfind("flags", 0) == 0) {
                flags = line.substr(line.find(':') + 1);
                break;
            }
        return plan_cpuid_exit(read_hypervisor_id(), flags);
    }();
    return plan;
}

PtpPlan plan_ptp_kvm(const std::string& sysfs_root, const std::string& dev_root) {
    namespace fs = std::filesystem;
    PtpPlan plan;
    std::error_code ec;
    fs::path dir = fs::path(sysfs_root) / "class" / "ptp";
    std::vector<std::string> clocks;
    for (const auto& entry : fs::directory_iterator(dir, ec)) clocks.push_back(entry.path().filename());
    std::sort(clocks.begin(), clocks.end());
    for (const auto& clock : clocks) {
        std::ifstream in(dir / clock / "clock_name");
        std::string line;
        std::getline(in, line);
        if (line == "KVM virtual PTP") {
            plan.device = (fs::path(dev_root) / clock).string();
            return plan;
        }
    }
    plan.skip = "no " + dir.string() + "/ptp*/clock_name reads \"KVM virtual PTP\"" +
                (clocks.empty() ? " (no PTP clocks at all; the ptp_kvm driver is not loaded)" : "");
    return plan;
}

PtpClock::PtpClock(const std::string& device) {
    fd = open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) fd = open(device.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        why = "cannot open " + device + ": " + std::strerror(errno);
        return;
    }
    if (long err = call::ptp_precise_loop(fd, 1); err != 0) {
        why = "PTP_SYS_OFFSET_PRECISE on " + device + " failed, errno " + std::to_string(-err);
        close(fd);
        fd = -1;
    }
}

PtpClock::~PtpClock() {
    if (fd >= 0) close(fd);
}

}  // namespace dmabench::call_probe
