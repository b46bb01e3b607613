// Calibration kernels, arm64 (AAPCS64: x in x0, step in x1, result in x0).
#include "kernels/asm.h"

        .text
        asm_function dmabench_calib_empty
        ret
        asm_end dmabench_calib_empty

// K dependent adds: each waits for the one before, so K adds cost K times the
// add latency (one cycle on the common cores). ISB on both sides keeps the
// chain apart from the call overhead, so short chains add to it instead of
// hiding in it.
.macro ladder k
        asm_function dmabench_calib_ladder_\k
        isb
        .rept   \k
        add     x0, x0, x1
        .endr
        isb
        ret
        asm_end dmabench_calib_ladder_\k
.endm

.irp k, 0, 1, 2, 4, 8, 16, 32, 64
        ladder  \k
.endr
        .section .note.GNU-stack, "", %progbits
