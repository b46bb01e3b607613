// Call paths: what one round trip costs through a direct call, an ops table,
// a system call, a trapped instruction and a hypercall. The loops are assembly
// (x86_64.S / arm64.S), one macro with a different body each, so the paths
// differ only in the instruction that leaves and comes back. paths.inc lists
// them; the assembly and the table below are made from it.
// Plain declarations and POSIX only: no harness headers.
#pragma once
#include <signal.h>

#include <cstddef>
#include <cstdint>

#include "kernels/call/ops_layout.h"
#include "kernels/call/where.h"

// The instructions the texts of paths.inc name.
#if defined(__x86_64__)
#define DMABENCH_CALL_SYSCALL_INSN "syscall"
#define DMABENCH_CALL_TRAP_INSN "ud2"
#else
#define DMABENCH_CALL_SYSCALL_INSN "svc #0"
#define DMABENCH_CALL_TRAP_INSN "udf #0"
#endif

extern "C" {
// Returns at once: the target of the direct call and of the ops-table slot.
void dmabench_call_empty(void);

// Every row's loop this build has, dmabench_call_loop_<body>(n, arg): n round
// trips. ops_table calls through arg, a device like ops_device(); trap needs a
// TrapGuard alive; ptp's arg points at an open clock's descriptor. With once,
// also dmabench_call_<body>(): one round trip, returning the result register
// (cpuid: CPUID.0:EAX, the highest leaf).
#define DMABENCH_CALL_ONCE_yes(body) long dmabench_call_##body(void);
#define DMABENCH_CALL_ONCE_no(body)
#define DMABENCH_CALL_PATH(variant, body, where, once, ...)                            \
    DMABENCH_CALL_WHERE_##where(void dmabench_call_loop_##body(uint64_t, const void*); \
                                DMABENCH_CALL_ONCE_##once(body),                     \
                                void dmabench_call_loop_##body(uint64_t, const void*);, )
#include "kernels/call/paths.inc"
#undef DMABENCH_CALL_PATH
#undef DMABENCH_CALL_ONCE_yes
#undef DMABENCH_CALL_ONCE_no
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
// The head of Linux's struct device.
struct DeviceHead {
    const DmaMapOps* dma_ops;
};
static_assert(offsetof(DmaMapOps, map_page) == DMABENCH_OPS_MAP_PAGE);
static_assert(offsetof(DeviceHead, dma_ops) == DMABENCH_DEVICE_DMA_OPS);

// A device whose dma_ops->map_page is dmabench_call_empty. The loop reads both
// pointers at run time (it is assembly), so nothing can devirtualise the call.
const DeviceHead* ops_device();

using LoopFn = void (*)(uint64_t n, const void* arg);
using OnceFn = long (*)(void);

// What decides, before timing, whether a path runs here and how (bench/call.cpp).
enum class Probe {
    none,           // runs wherever its loop exists
    trap_guard,     // needs a TrapGuard alive while it runs
    kvm_hypercall,  // KVM must refuse the instruction from CPL3; the row of the
                    // instruction this CPU takes is the path
    ptp_kvm,        // needs a "KVM virtual PTP" clock
    cpuid_exit,     // x86; whether CPUID exits is judged by its cost
};

// One row of paths.inc.
struct Path {
    const char* variant;  // call/<variant>
    const char* body;     // the instruction's name; an exit's exit:<body>
    LoopFn loop;          // n round trips; nullptr where this build has none
    OnceFn once;          // one round trip; nullptr likewise, or when the row has none
    Probe probe;
    uint64_t batch;       // round trips per timed batch
    const char* kind;     // loop, call, syscall, trap, exit
    int exit_rank;        // exits: experiments take the lowest that runs; -1 otherwise
    const char* text;     // what one round trip is; "" when the probe says it
};

inline constexpr Path paths[] = {
#define DMABENCH_CALL_ONCE_yes(body) dmabench_call_##body
#define DMABENCH_CALL_ONCE_no(body) nullptr
#define DMABENCH_CALL_PATH(variant, body, where, once, probe, batch, kind, rank, text)      \
    Path{#variant, #body,                                                                   \
         DMABENCH_CALL_WHERE_##where(dmabench_call_loop_##body, dmabench_call_loop_##body, \
                                     nullptr),                                             \
         DMABENCH_CALL_WHERE_##where(DMABENCH_CALL_ONCE_##once(body), nullptr, nullptr),    \
         Probe::probe, batch, #kind, rank, text},
#include "kernels/call/paths.inc"
#undef DMABENCH_CALL_PATH
#undef DMABENCH_CALL_ONCE_yes
#undef DMABENCH_CALL_ONCE_no
};

// The row whose body is body ("vmcall"), or nullptr.
const Path* path_of_body(const char* body);

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
