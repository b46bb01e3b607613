// Call paths: what one round trip costs through a direct call, an ops table,
// a system call, a trapped instruction and a hypercall. The loops are assembly
// (x86_64.S / arm64.S), one macro with a different body each, so the paths
// differ only in the instruction that leaves and comes back.
// Plain declarations and POSIX only: no harness headers.
#pragma once
#include <signal.h>

#include <cstddef>
#include <cstdint>

#include "kernels/call/ops_layout.h"

extern "C" {
// Returns at once: the target of the direct call and of the ops-table slot.
void dmabench_call_empty(void);

// dmabench_call_loop_<name>(n, arg): n round trips of one path.
//   empty         the loop alone (the baseline)
//   direct        call dmabench_call_empty
//   ops_table     dev->dma_ops->map_page(), arg = the device (see ops_device())
//   syscall_libc  getppid() through libc
//   syscall_raw   getppid by the raw instruction (syscall / svc #0)
//   trap          ud2 / udf #0: needs a TrapGuard alive
//   vmcall, vmmcall (x86_64 only)  a hypercall from CPL3: needs a probe first
//   cpuid (x86_64 only)  CPUID leaf 0: a VM exit under a hypervisor
#define DMABENCH_CALL_LOOP(name) void dmabench_call_loop_##name(uint64_t n, const void* arg);
DMABENCH_CALL_LOOP(empty)
DMABENCH_CALL_LOOP(direct)
DMABENCH_CALL_LOOP(ops_table)
DMABENCH_CALL_LOOP(syscall_libc)
DMABENCH_CALL_LOOP(syscall_raw)
DMABENCH_CALL_LOOP(trap)
#if defined(__x86_64__)
DMABENCH_CALL_LOOP(vmcall)
DMABENCH_CALL_LOOP(vmmcall)
DMABENCH_CALL_LOOP(cpuid)
#endif
#undef DMABENCH_CALL_LOOP

// One round trip each, for the composed paths; returns the result register.
long dmabench_call_syscall_raw(void);
long dmabench_call_trap(void);
#if defined(__x86_64__)
long dmabench_call_vmcall(void);
long dmabench_call_vmmcall(void);
long dmabench_call_cpuid(void);  // returns CPUID.0:EAX, the highest leaf
#endif
}

namespace dmabench::call {

// The head of Linux's struct dma_map_ops, in its order; every slot has one
// generic type because only the assembly ever calls through it.
using Op = void (*)(void);
struct DmaMapOps {
    uint64_t flags;  // unsigned int and its padding in Linux
    Op alloc, free, alloc_pages_op, free_pages, mmap, get_sgtable;
    Op map_page, unmap_page, map_sg, unmap_sg;
    Op sync_single_for_cpu, sync_single_for_device;
};
struct Device {
    const DmaMapOps* dma_ops;
};
static_assert(offsetof(DmaMapOps, map_page) == DMABENCH_OPS_MAP_PAGE);
static_assert(offsetof(Device, dma_ops) == DMABENCH_DEVICE_DMA_OPS);

// A device whose dma_ops->map_page is dmabench_call_empty. The loop reads both
// pointers at run time (it is assembly), so nothing can devirtualise the call.
const Device* ops_device();

using LoopFn = void (*)(uint64_t n, const void* arg);
using OnceFn = long (*)(void);

// The x86 hypercall instruction: Intel VMX has vmcall, AMD SVM vmmcall.
enum class Hypercall { none, vmcall, vmmcall };
const char* name(Hypercall h);
LoopFn hypercall_loop(Hypercall h);  // nullptr for none, and always on arm64
OnceFn hypercall_once(Hypercall h);  // likewise
// KVM's answer to a hypercall from CPL3, in RAX: -KVM_EPERM (KVM_EPERM == EPERM == 1).
inline constexpr long kKvmDeniedFromUser = -1;

// While alive, a SIGILL handler steps over the trap instruction (ud2 / udf);
// the disposition found at construction is restored at destruction. A SIGILL
// from any other instruction is handed back to that previous disposition.
// One guard at a time: a second throws std::logic_error.
class TrapGuard {
public:
    TrapGuard();   // throws std::system_error if sigaction fails
    ~TrapGuard();
    TrapGuard(const TrapGuard&) = delete;
    TrapGuard& operator=(const TrapGuard&) = delete;
    // Trap instructions stepped over since the process started.
    static uint64_t stepped();
};

// n PTP_SYS_OFFSET_PRECISE ioctls on an open /dev/ptpN: with the ptp_kvm driver
// each is one hypercall (KVM_HC_CLOCK_PAIRING on x86, the PTP SMCCC call on
// arm64). Returns 0, or -errno of the first failure.
long ptp_precise_loop(int fd, uint64_t n);

}  // namespace dmabench::call
