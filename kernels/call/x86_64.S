// Call paths, x86_64 (System V). Every round-trip loop is the same macro with a
// different body, so the paths differ only in what they call; common.inc makes
// one for every row of paths.inc that has its body here.
#include "kernels/call/ops_layout.h"

#include "kernels/asm.h"

        .text
// Loop bodies. r12 holds the loop's arg (for ops_table: the device).
.macro body_empty
.endm
.macro body_direct
        call    dmabench_call_empty
.endm
.macro body_ops_table
        mov     DMABENCH_DEVICE_DMA_OPS(%r12), %rax
        call    *DMABENCH_OPS_MAP_PAGE(%rax)
.endm
.macro body_syscall_libc
        call    getppid@PLT
.endm
.macro body_syscall_raw
        mov     $DMABENCH_NR_GETPPID_X86_64, %eax
        syscall
.endm
// ud2 is two bytes: the SIGILL handler in call.cpp steps RIP over it.
.macro body_trap
        ud2
.endm
// At CPL3 KVM answers any hypercall with -KVM_EPERM in RAX without dispatching
// it: a full VM exit and entry, nothing else.
.macro body_vmcall
        mov     $DMABENCH_KVM_HC_NOOP, %eax
        vmcall
.endm
.macro body_vmmcall
        mov     $DMABENCH_KVM_HC_NOOP, %eax
        vmmcall
.endm
// CPUID leaf 0: unconditionally intercepted under VMX, and by every common
// SVM hypervisor: a VM exit any guest can make. It writes ebx (the loop's
// counter, callee-saved): r11 (caller-saved, unused by the loop) keeps it.
.macro body_cpuid
        mov     %rbx, %r11
        xor     %eax, %eax
        xor     %ecx, %ecx
        cpuid
        mov     %r11, %rbx
.endm

// void dmabench_call_loop_<name>(uint64_t n, const void* arg): n round trips.
// Counter and arg live in callee-saved registers so libc and syscall (which
// clobber rcx/r11) leave them alone; three pushes (r13 for this alone) keep
// calls 16-byte aligned.
.macro round_trips name
        asm_function dmabench_call_loop_\name, 4
        push    %rbx
        push    %r12
        push    %r13
        mov     %rdi, %rbx
        mov     %rsi, %r12
        test    %rbx, %rbx
        jz      2f
        .p2align 4
1:      body_\name
        sub     $1, %rbx
        jnz     1b
2:      pop     %r13
        pop     %r12
        pop     %rbx
        ret
        asm_end dmabench_call_loop_\name
.endm

#include "kernels/call/common.inc"
        .section .note.GNU-stack, "", @progbits
