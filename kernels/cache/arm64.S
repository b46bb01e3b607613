// Cache maintenance by virtual address, arm64 (AAPCS64).
//
//   void dmabench_cache_<op>_<barrier>_x<unroll>(void *p, size_t len, size_t line)
//
// operates on every line holding a byte of [p, p+len): the start rounded down
// to its line, one DC per line while below the end, then the barrier. line is
// the smallest D-cache line, 4 << CTR_EL0.DminLine, which the caller reads once
// (reading CTR_EL0 in every call would time a trap on kernels that emulate it).
// It must be a power of two. len == 0 touches no line but still runs the barrier.
//
//   uintptr_t *dmabench_cache_record_<op>_<barrier>_x<unroll>(p, len, line, uintptr_t *log)
//
// is the same macro with a store of each line's address to *log++ in place of
// the DC instruction, for the coverage tests; it returns the advanced log.

#include "kernels/asm.h"

        .text

// --- the operations on the line at \reg -------------------------------------
.macro op_cvac reg
        dc      cvac, \reg
.endm
.macro op_civac reg
        dc      civac, \reg
.endm
.macro op_cvau reg
        dc      cvau, \reg
.endm
.macro op_cvap reg
        // DC CVAP (ARMv8.2 DCPOP), spelled as SYS so the file assembles for ARMv8.0.
        sys     #3, c7, c12, #1, \reg
.endm
.macro op_record reg
        str     \reg, [x3], #8
.endm

// --- the barriers: each_* follows every line, end_* follows the last ---------
.macro each_dsb_sy
.endm
.macro end_dsb_sy
        dsb     sy
.endm
.macro each_dsb_ish
.endm
.macro end_dsb_ish
        dsb     ish
.endm
.macro each_dsb_st
.endm
.macro end_dsb_st
        dsb     st
.endm
.macro each_dsb_sy_each
        dsb     sy
.endm
.macro end_dsb_sy_each
.endm
.macro each_none
.endm
.macro end_none
.endm

// --- one routine: symbol dmabench_cache_<name>_<barrier>_x<unroll> -----------
// x0 cursor, x1 end, x2 line, x3 log (record only), x4/x5 scratch.
.macro by_line name, op, barrier, unroll
        asm_function dmabench_cache_\name\()_\barrier\()_x\unroll, 6
        cbz     x1, 9f
        add     x1, x0, x1              // end of the range
        sub     x4, x2, #1
        bic     x0, x0, x4              // start rounded down to its line
.if \unroll > 1
        // Whole blocks while a block's last line still starts below the end.
        mov     x5, #(\unroll - 1)
        mul     x5, x5, x2
        b       1f
        .p2align 4              // loops start on a fetch block, as compilers place them
0:
        .rept   \unroll
        op_\op  x0
        each_\barrier
        add     x0, x0, x2
        .endr
1:      add     x4, x0, x5
        cmp     x4, x1
        b.lo    0b
.endif
        // The lines left, one at a time.
        cmp     x0, x1
        b.hs    9f
        .p2align 4
2:      op_\op  x0
        each_\barrier
        add     x0, x0, x2
        cmp     x0, x1
        b.lo    2b
9:      end_\barrier
.ifc \op, record
        mov     x0, x3
.endif
        ret
        asm_end dmabench_cache_\name\()_\barrier\()_x\unroll
.endm

// Every routine of kernels/cache/variants.inc, and its recording twin.
#define DMABENCH_CACHE_ARM64(op, barrier, unroll) \
        by_line op, op, barrier, unroll ; by_line record_##op, record, barrier, unroll
#include "kernels/cache/variants.inc"

        .section .note.GNU-stack, "", %progbits
