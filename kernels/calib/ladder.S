// Calibration kernels, one file for both arches: an empty routine (the
// harness floor) and ladders of K dependent adds.
//   arm64  (AAPCS64):  x in x0, step in x1, result in x0
//   x86_64 (System V): x in rdi, step in rsi, result in rax
#include "kernels/asm.h"

// The fence on both sides of a chain, the move of x into the result
// register, and one dependent add.
#if defined(__aarch64__)
.macro fence
        isb
.endm
.macro take_x
.endm
.macro add_step
        add     x0, x0, x1
.endm
#else
.macro fence
        lfence
.endm
.macro take_x
        mov     %rdi, %rax
.endm
.macro add_step
        add     %rsi, %rax
.endm
#endif

        .text
        asm_function dmabench_calib_empty
        ret
        asm_end dmabench_calib_empty

// K dependent adds: each waits for the one before, so K adds cost K times the
// add latency (one cycle on the common cores). The fence (ISB, LFENCE) on both
// sides keeps the chain apart from the call overhead: without it the
// out-of-order core overlaps short chains with the call and return, and the
// rungs below ~8 adds all cost the same.
.macro ladder k
        asm_function dmabench_calib_ladder_\k
        fence
        take_x
        .rept   \k
        add_step
        .endr
        fence
        ret
        asm_end dmabench_calib_ladder_\k
.endm

// Every rung of rungs.inc.
#define DMABENCH_CALIB_RUNG(adds) ladder adds
#include "kernels/calib/rungs.inc"
        .section .note.GNU-stack, "", %progbits
