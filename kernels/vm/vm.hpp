// The guest dmabench runs as its own VMM (runners/kvm.hpp): one image of
// assembly per arch (x86_64.S / arm64.S) holding a timed loop for every row
// of ops.inc this arch has, and the table below made from the same rows.
// Plain declarations: no harness headers, no KVM.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "kernels/vm/layout.h"
#include "kernels/vm/where.h"

extern "C" {
// The image, as assembled: copied to DMABENCH_VM_CODE_GPA, entered at its start.
extern const unsigned char dmabench_vm_guest_start[];
extern const unsigned char dmabench_vm_guest_end[];
// Per row of ops.inc: the loop's offset in the image, and its size (0: not this arch).
extern const uint32_t dmabench_vm_guest_loops[];
extern const uint32_t dmabench_vm_guest_sizes[];
}

namespace dmabench::vm {

// One row of ops.inc.
struct Op {
    const char* key;   // exit, guest or control: the name's arg (vm/<key>:<name>)
    const char* name;  // the operation (vm_op)
    bool here;         // this arch's image has its loop
    int exit_rank;     // exits: experiments take the lowest that runs; -1 otherwise
    const char* stat;  // the vCPU statistic that counts it on this arch; "" none
    const char* text;  // what one operation is
};

inline constexpr Op ops[] = {
#if defined(__x86_64__)
#define DMABENCH_VM_STAT(x86_64, arm64) x86_64
#else
#define DMABENCH_VM_STAT(x86_64, arm64) arm64
#endif
#define DMABENCH_VM_OP(key, name, where, rank, stat_x86_64, stat_arm64, text) \
    Op{#key, #name, DMABENCH_VM_WHERE_##where(true, false), rank,           \
       DMABENCH_VM_STAT(stat_x86_64, stat_arm64), text},
#include "kernels/vm/ops.inc"
#undef DMABENCH_VM_OP
#undef DMABENCH_VM_STAT
};
inline constexpr std::size_t op_count = sizeof(ops) / sizeof(ops[0]);

// The row named name (any key), or nullptr.
const Op* op_named(std::string_view name);
inline uint32_t index_of(const Op& op) { return uint32_t(&op - ops); }

// The image's bytes, and one row's loop within them (empty: not this arch).
std::span<const unsigned char> image();
std::span<const unsigned char> loop_of(const Op& op);

// The statistic that counts every exit, host interrupts included.
inline constexpr std::string_view kAllExits = "exits";

}  // namespace dmabench::vm
