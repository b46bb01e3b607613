// Cache maintenance by virtual address, x86_64 (System V).
//
//   void dmabench_cache_<op>_<barrier>_x<unroll>(void *p, size_t len, size_t line)
//
// operates on every line holding a byte of [p, p+len): the start rounded down
// to its line, one CLFLUSH/CLFLUSHOPT/CLWB per line while below the end, then
// the fence. line is the CLFLUSH line size, CPUID.1:EBX[15:8] * 8, read by the
// caller once; it must be a power of two. len == 0 touches no line but still
// runs the fence.
//
//   uintptr_t *dmabench_cache_record_<op>_<barrier>_x<unroll>(p, len, line, uintptr_t *log)
//
// is the same macro with a store of each line's address to *log++ in place of
// the flush, for the coverage tests; it returns the advanced log.

#include "kernels/asm.h"

        .text

// --- the operations on the line at \reg -------------------------------------
.macro op_clflush reg
        clflush (\reg)
.endm
.macro op_clflushopt reg
        clflushopt (\reg)
.endm
.macro op_clwb reg
        clwb    (\reg)
.endm
.macro op_record reg
        mov     \reg, (%rcx)
        add     $8, %rcx
.endm

// --- the fences: each_* follows every line, end_* follows the last -----------
.macro each_mfence
.endm
.macro end_mfence
        mfence
.endm
.macro each_sfence
.endm
.macro end_sfence
        sfence
.endm
.macro each_sfence_each
        sfence
.endm
.macro end_sfence_each
.endm
.macro each_none
.endm
.macro end_none
.endm

// --- one routine: symbol dmabench_cache_<name>_<barrier>_x<unroll> -----------
// rdi cursor, rsi end, rdx line, rcx log (record only), rax/r8 scratch.
.macro by_line name, op, barrier, unroll
        asm_function dmabench_cache_\name\()_\barrier\()_x\unroll, 6
        test    %rsi, %rsi
        jz      9f
        add     %rdi, %rsi              // end of the range
        mov     %rdx, %rax
        neg     %rax                    // -line is the mask ~(line-1)
        and     %rax, %rdi              // start rounded down to its line
.if \unroll > 1
        // Whole blocks while a block's last line still starts below the end.
        imul    $(\unroll - 1), %rdx, %r8
        jmp     1f
        .p2align 4              // loops start on a fetch block, as compilers place them
0:
        .rept   \unroll
        op_\op  %rdi
        each_\barrier
        add     %rdx, %rdi
        .endr
1:      lea     (%rdi,%r8), %rax
        cmp     %rsi, %rax
        jb      0b
.endif
        // The lines left, one at a time.
        cmp     %rsi, %rdi
        jae     9f
        .p2align 4
2:      op_\op  %rdi
        each_\barrier
        add     %rdx, %rdi
        cmp     %rsi, %rdi
        jb      2b
9:      end_\barrier
.ifc \op, record
        mov     %rcx, %rax
.endif
        ret
        asm_end dmabench_cache_\name\()_\barrier\()_x\unroll
.endm

// Every routine of kernels/cache/variants.inc, and its recording twin.
#define DMABENCH_CACHE_X86_64(op, barrier, unroll) \
        by_line op, op, barrier, unroll ; by_line record_##op, record, barrier, unroll
#include "kernels/cache/variants.inc"

        .section .note.GNU-stack, "", @progbits
