// The arm64 guest: EL1 with the MMU on over an identity map and the caches
// on, as kvm-unit-tests runs (KVM resets SCTLR_EL1 with them off: a board
// would otherwise time uncached fetches). Position-independent: copied into
// the guest's memory at DMABENCH_VM_CODE_GPA and run there.
// Corrupts: every register (the guest owns them all).
//   x19 the shared page    x20 MMIO_USER    x21 MMIO_KERNEL   x22 DOORBELL
//   x23 the loop table     x24 operations left    x27 the last MMIO value
#include "kernels/vm/layout.h"

#define BLOCK (1 | (1 << 10))         /* a level 1 block descriptor, AF set */
#define DEVICE_BLOCK (0x00000000 | BLOCK)                           /* attr 0 */
#define RAM_BLOCK (DMABENCH_VM_RAM_GPA | BLOCK | (3 << 8) | (1 << 2)) /* attr 1, inner shareable */
#define MAIR ((0x00 << 0) | (0xff << 8))  /* 0: Device-nGnRnE, 1: Normal write-back */
/* 39-bit VAs (T0SZ 25: the walk starts at level 1), 4 KiB granule,
 * non-cacheable walks (the table is written with the MMU off), TTBR1 off,
 * 40-bit IPA. */
#define TCR (25 | (3 << 12) | (1 << 23) | (2 << 32))

        .section .rodata.dmabench_vm_guest, "a"
        .p2align 12
        .globl  dmabench_vm_guest_start
dmabench_vm_guest_start:
guest_start:
        ldr     x0, =DMABENCH_VM_TABLE_GPA
        ldr     x1, =DEVICE_BLOCK
        ldr     x2, =RAM_BLOCK
        stp     x1, x2, [x0]
        dsb     sy
        ldr     x1, =MAIR
        msr     mair_el1, x1
        ldr     x1, =TCR
        msr     tcr_el1, x1
        msr     ttbr0_el1, x0
        isb
        tlbi    vmalle1
        dsb     nsh
        isb
        mrs     x1, sctlr_el1
        orr     x1, x1, #(1 << 0)       // M
        orr     x1, x1, #(1 << 2)       // C
        orr     x1, x1, #(1 << 12)      // I
        msr     sctlr_el1, x1
        isb
        ldr     x19, =DMABENCH_VM_SHARED_GPA
        ldr     x20, =DMABENCH_VM_MMIO_USER_GPA
        ldr     x21, =DMABENCH_VM_MMIO_KERNEL_GPA
        ldr     x22, =DMABENCH_VM_DOORBELL_GPA
        adr     x23, loops_table
        mrs     x1, cntfrq_el0
        str     x1, [x19, #DMABENCH_VM_FIELD_HZ]
next:   ldr     w1, [x19, #DMABENCH_VM_FIELD_OP]
        ldr     x24, [x19, #DMABENCH_VM_FIELD_COUNT]
        ldr     w2, [x23, x1, lsl #2]
        adr     x3, guest_start
        add     x3, x3, x2
        br      x3

// The end of every batch: the figures out, then the doorbell (an exit).
finish: str     x27, [x19, #DMABENCH_VM_FIELD_VALUE]
        ldr     x1, [x19, #DMABENCH_VM_FIELD_BATCHES]
        add     x1, x1, #1
        str     x1, [x19, #DMABENCH_VM_FIELD_BATCHES]
        str     wzr, [x22]
        b       next

empty_function:
        ret
        .ltorg

.macro body_hvc
        mov     w0, #DMABENCH_VM_SMCCC_ID
        hvc     #0
.endm
.macro body_mmio_user
        ldr     w27, [x20]
.endm
.macro body_mmio_kernel
        ldr     w27, [x21]
.endm
.macro body_direct
        bl      empty_function
.endm
.macro body_empty
.endm
.macro body_no_exit
        nop
.endm
.macro body_stuck
0:      b       0b
.endm

// COUNT operations between two reads of the virtual counter, each after an
// ISB, as kvm-unit-tests' arm/micro-bench.
.macro timed_loop name
loop_\name:
        isb
        mrs     x25, cntvct_el0
        cbz     x24, 2f
        .balignl 16, 0xd503201f   // nops: the loop falls into its first operation
1:      body_\name
        subs    x24, x24, #1
        b.ne    1b
2:      isb
        mrs     x26, cntvct_el0
        stp     x25, x26, [x19, #DMABENCH_VM_FIELD_T0]
        b       finish
end_\name:
.endm

#include "kernels/vm/common.inc"
        .section .note.GNU-stack, "", %progbits
