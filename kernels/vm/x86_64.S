// The x86 guest: 32-bit protected mode, flat (runners/kvm.cpp sets the
// segments; no paging), CPL 0. The image is data to this process: it is
// copied into the guest's memory at DMABENCH_VM_CODE_GPA and runs there.
// Corrupts: every register but esp (the guest owns them all).
//   edi  operations left        ebp  the value the last MMIO load read
#include "kernels/vm/layout.h"

#define SHARED(field) (DMABENCH_VM_SHARED_GPA + DMABENCH_VM_FIELD_##field)
#define AT(label) (DMABENCH_VM_CODE_GPA + (label - dmabench_vm_guest_start))

        .section .rodata.dmabench_vm_guest, "a"
        .code32
        .p2align 12
        .globl  dmabench_vm_guest_start
dmabench_vm_guest_start:
        movl    $1, DMABENCH_VM_IOAPIC_GPA      // IOREGSEL: the version register
next:   movl    SHARED(OP), %eax
        movl    SHARED(COUNT), %edi
        movl    AT(dmabench_vm_guest_loops)(,%eax,4), %eax
        add     $DMABENCH_VM_CODE_GPA, %eax
        jmp     *%eax

// The end of every batch: the figures out, then the doorbell (an exit).
finish: movl    %ebp, SHARED(VALUE)
        incl    SHARED(BATCHES)
        movl    $0, DMABENCH_VM_DOORBELL_GPA
        jmp     next

empty_function:
        ret

.macro body_vmcall
        mov     $DMABENCH_VM_KVM_HC, %eax
        vmcall
.endm
.macro body_vmmcall
        mov     $DMABENCH_VM_KVM_HC, %eax
        vmmcall
.endm
.macro body_cpuid
        xor     %eax, %eax
        xor     %ecx, %ecx
        cpuid
.endm
.macro body_mmio_user
        movl    DMABENCH_VM_MMIO_USER_GPA, %ebp
.endm
.macro body_mmio_kernel
        movl    DMABENCH_VM_MMIO_KERNEL_GPA, %ebp
.endm
.macro body_direct
        call    empty_function
.endm
.macro body_empty
.endm
.macro body_no_exit
        nop
.endm
.macro body_stuck
0:      jmp     0b
.endm

// COUNT operations between two fenced TSC reads (lfence keeps rdtsc from
// passing, or being passed by, the loop), as kvm-unit-tests' x86/vmexit.
.macro timed_loop name
loop_\name:
        lfence
        rdtsc
        lfence
        movl    %eax, SHARED(T0)
        movl    %edx, SHARED(T0) + 4
        test    %edi, %edi
        jz      2f
        .p2align 4, 0x90          // nops: the loop falls into its first operation
1:      body_\name
        dec     %edi
        jnz     1b
2:      lfence
        rdtsc
        movl    %eax, SHARED(T1)
        movl    %edx, SHARED(T1) + 4
        jmp     finish
end_\name:
.endm

#include "kernels/vm/common.inc"
        .code64
        .section .note.GNU-stack, "", @progbits
