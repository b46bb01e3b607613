// The C++ half of the call family: the ops table, the trap handler, the PTP loop.
#include "kernels/call/call.hpp"

#include <errno.h>
#include <linux/ptp_clock.h>
#include <sys/ioctl.h>
#include <ucontext.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace dmabench::call {

namespace {
const DmaMapOps map_ops = {.map_page = dmabench_call_empty};
const DeviceHead device = {.dma_ops = &map_ops};

std::atomic<uint64_t> traps_stepped{0};
std::atomic<bool> guard_alive{false};
struct sigaction previous_action;  // written before the handler is installed

// Steps the PC over our trap instruction; anything else goes back to whoever
// handled SIGILL before us (the instruction runs again and meets them).
void step_over_trap(int, siginfo_t*, void* context) {
    auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
    auto& pc = uc->uc_mcontext.gregs[REG_RIP];
    const auto* insn = reinterpret_cast<const unsigned char*>(pc);
    const bool ours = insn[0] == 0x0f && insn[1] == 0x0b;  // ud2
    const int length = 2;
#elif defined(__aarch64__)
    auto& pc = uc->uc_mcontext.pc;
    uint32_t word;
    std::memcpy(&word, reinterpret_cast<const void*>(pc), sizeof word);
    const bool ours = (word & 0xffff0000u) == 0;  // udf #imm16
    const int length = 4;
#endif
    if (ours) {
        pc += length;
        traps_stepped.fetch_add(1, std::memory_order_relaxed);
    } else {
        sigaction(SIGILL, &previous_action, nullptr);
    }
}
}  // namespace

const DeviceHead* ops_device() { return &device; }

const Path* path_of_body(const char* body) {
    for (const Path& p : paths)
        if (std::strcmp(p.body, body) == 0) return &p;
    return nullptr;
}

const char* name(Hypercall h) {
    switch (h) {
    case Hypercall::vmcall: return "vmcall";
    case Hypercall::vmmcall: return "vmmcall";
    case Hypercall::none: break;
    }
    return "none";
}

LoopFn hypercall_loop(Hypercall h) {
    const Path* p = path_of_body(name(h));
    return p ? p->loop : nullptr;
}

OnceFn hypercall_once(Hypercall h) {
    const Path* p = path_of_body(name(h));
    return p ? p->once : nullptr;
}

TrapGuard::TrapGuard() {
    if (guard_alive.exchange(true)) throw std::logic_error("a TrapGuard is already alive");
    struct sigaction action {};
    action.sa_sigaction = step_over_trap;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGILL, &action, &previous_action) != 0) {
        guard_alive = false;
        throw std::system_error(errno, std::generic_category(), "sigaction(SIGILL)");
    }
}

TrapGuard::~TrapGuard() {
    sigaction(SIGILL, &previous_action, nullptr);
    guard_alive = false;
}

uint64_t TrapGuard::stepped() { return traps_stepped.load(std::memory_order_relaxed); }

long ptp_precise_loop(int fd, uint64_t n) {
    ptp_sys_offset_precise reading;
    for (uint64_t i = 0; i < n; ++i) {
        if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &reading) != 0) return -errno;
    }
    return 0;
}

}  // namespace dmabench::call

// paths.inc's C++ loop: arg points at the open clock's descriptor.
extern "C" void dmabench_call_loop_ptp(uint64_t n, const void* fd) {
    dmabench::call::ptp_precise_loop(*static_cast<const int*>(fd), n);
}
