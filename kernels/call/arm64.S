// Call paths, arm64 (AAPCS64). Every round-trip loop is the same macro with a
// different body, so the paths differ only in what they call; common.inc makes
// one for every row of paths.inc that has its body here. No hypercall: HVC is
// UNDEFINED at EL0.
#include "kernels/call/ops_layout.h"

#include "kernels/asm.h"

        .text
// Loop bodies. x20 holds the loop's arg (for ops_table: the device).
.macro body_empty
.endm
.macro body_direct
        bl      dmabench_call_empty
.endm
.macro body_ops_table
        ldr     x16, [x20, #DMABENCH_DEVICE_DMA_OPS]
        ldr     x16, [x16, #DMABENCH_OPS_MAP_PAGE]
        blr     x16
.endm
.macro body_syscall_libc
        bl      getppid
.endm
.macro body_syscall_raw
        mov     x8, #DMABENCH_NR_GETPPID_ARM64
        svc     #0
.endm
// udf #0 is four bytes: the SIGILL handler in call.cpp steps PC over it.
.macro body_trap
        udf     #0
.endm

// void dmabench_call_loop_<name>(uint64_t n, const void* arg): n round trips.
// Counter and arg live in callee-saved x19/x20 so calls leave them alone.
.macro round_trips name
        asm_function dmabench_call_loop_\name, 4
        stp     x29, x30, [sp, #-32]!
        mov     x29, sp
        stp     x19, x20, [sp, #16]
        mov     x19, x0
        mov     x20, x1
        cbz     x19, 2f
        .p2align 4
1:      body_\name
        subs    x19, x19, #1
        b.ne    1b
2:      ldp     x19, x20, [sp, #16]
        ldp     x29, x30, [sp], #32
        ret
        asm_end dmabench_call_loop_\name
.endm

#include "kernels/call/common.inc"
        .section .note.GNU-stack, "", %progbits
