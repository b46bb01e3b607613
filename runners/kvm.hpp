// dmabench as its own minimal VMM: /dev/kvm, one VM, one vCPU run on the
// calling (pinned) thread, one memory slot holding the guest of
// kernels/vm/, the arch's in-kernel interrupt controller (arm64 a vGICv3,
// else a vGICv2; x86 KVM_CREATE_IRQCHIP with its IOAPIC), and the vCPU's
// binary statistics (KVM_GET_STATS_FD, Linux 5.14 and later).
//
// Nothing here crashes on a missing feature: Host says what cannot run and
// why. A Vm owns its descriptors, memory and watchdog, and gives them back
// on every way out (an exception, the destructor; Ctrl-C ends the process,
// and the kernel frees a VM with its last descriptor). A batch that does not
// finish within kStuckSeconds is stopped: the watchdog sets immediate_exit
// and signals the vCPU's thread, KVM_RUN returns EINTR, and run() throws.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <thread>

struct kvm_run;  // <linux/kvm.h>

namespace dmabench::kvm {

// The KVM device: /dev/kvm, or DMABENCH_KVM_DEVICE (tests point it elsewhere).
std::string device_path();

// What this host offers, probed once per process by making a VM and its
// vCPU (no guest runs). Every empty string means "can".
struct Host {
    std::string skip;            // why no VM can be made here ("" it can)
    std::string stats_missing;   // why the vCPU has no binary statistics
    std::string device;          // the in-kernel device mmio_kernel reads: vgic3, vgic2, ioapic
    std::string device_missing;  // why there is none
    std::string hypercall;       // the instruction this CPU's KVM takes: hvc, vmcall, vmmcall
    std::string kvm_mode;        // arm64: vhe, nvhe, protected, or "unknown: why"; x86 ""
    uint64_t midr = 0;           // arm64: the vCPU's MIDR_EL1
    double counter_hz = 0;       // the guest's counter: CNTFRQ_EL0, or the vCPU's TSC rate
    std::string module;          // the kernel module serving /dev/kvm: kvm_intel, kvm_amd, kvm_pvm...
    // Why the guest's instructions are emulated one by one, not run by the
    // CPU ("" they are not): then no instruction but an MMIO exit to user
    // space leaves the guest. x86 only (KVM's insn_emulation statistic).
    std::string emulated;
};
Host probe_host(const std::string& device);
const Host& host();  // probe_host(device_path()), once

// A vCPU statistics file's values by name (the first of each descriptor's
// values): header, descriptors, then data, as Documentation/virt/kvm/api.rst
// (KVM_GET_STATS_FD) lays them out. Throws std::runtime_error when an offset
// or size points outside the file.
std::map<std::string, uint64_t> parse_stats(std::span<const unsigned char> file);

// The statistic that an MMIO exit to user space (the doorbell, mmio_user) adds one to.
const char* user_mmio_stat();
// What the VMM answers a load of DMABENCH_VM_MMIO_USER_GPA with.
inline constexpr uint32_t kMmioUserValue = 0x600dcafe;
// A batch still running after this long is a stuck vCPU.
inline constexpr double kStuckSeconds = 5.0;

class Vm {
public:
    // Makes the VM and its vCPU on this thread, loads the guest and runs it
    // to its first doorbell. Throws std::runtime_error naming the step.
    explicit Vm(const std::string& device);
    ~Vm();
    Vm(const Vm&) = delete;
    Vm& operator=(const Vm&) = delete;

    struct Batch {
        uint64_t ticks;  // the guest's counter over the operations
        uint64_t value;  // the last value an MMIO load read
    };
    // count operations of ops.inc's row op, on this thread.
    Batch run(uint32_t op, uint64_t count);

    // The vCPU's statistics now (empty when it has none).
    std::map<std::string, uint64_t> stats() const;
    uint64_t doorbells() const { return doorbells_; }
    double counter_hz() const;  // the guest's counter: CNTFRQ_EL0 as the guest read it, or the TSC's
    uint64_t midr() const;      // arm64: the vCPU's MIDR_EL1; 0 elsewhere

private:
    void release();
    void make_vcpu();
    void load_guest();
    void enter();  // KVM_RUN until the doorbell
    bool handle_mmio();
    void watch();
    int kvm_ = -1, vm_ = -1, vcpu_ = -1, stats_ = -1, gic_ = -1;
    void* ram_ = nullptr;
    ::kvm_run* run_ = nullptr;
    std::size_t run_bytes_ = 0;
    uint64_t doorbells_ = 0;
    double tsc_hz_ = 0;
    pthread_t thread_{};
    std::atomic<int64_t> deadline_ns_{0};  // 0: not in KVM_RUN
    std::atomic<bool> stuck_{false}, closing_{false};
    std::thread watchdog_;
};

}  // namespace dmabench::kvm
