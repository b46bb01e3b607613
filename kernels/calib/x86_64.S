// Calibration kernels, x86_64 (System V: x in rdi, step in rsi, result in rax).
#include "kernels/asm.h"

        .text
        asm_function dmabench_calib_empty
        ret
        asm_end dmabench_calib_empty

// K dependent adds: each add waits for the one before, so K adds cost K times
// the add latency (one cycle on every x86 core of the last two decades).
// LFENCE on both sides keeps the chain apart from the call overhead: without
// them the out-of-order core overlaps short chains with the call and return,
// and the rungs below ~8 adds all cost the same.
.macro ladder k
        asm_function dmabench_calib_ladder_\k
        lfence
        mov     %rdi, %rax
        .rept   \k
        add     %rsi, %rax
        .endr
        lfence
        ret
        asm_end dmabench_calib_ladder_\k
.endm

.irp k, 0, 1, 2, 4, 8, 16, 32, 64
        ladder  \k
.endr
        .section .note.GNU-stack, "", @progbits
