/* The guest's memory and the page it shares with dmabench (runners/kvm.cpp),
 * for the guest's assembly and the C++ alike: guest-physical addresses and
 * the shared page's fields. Plain C preprocessor. */
#ifndef DMABENCH_KERNELS_VM_LAYOUT_H
#define DMABENCH_KERNELS_VM_LAYOUT_H

/* The one memory slot: the code, then the shared page, the page table
 * (arm64) and the stack (x86), at the arch's usual place for RAM. */
#if defined(__aarch64__)
#define DMABENCH_VM_RAM_GPA 0x40000000
#else
#define DMABENCH_VM_RAM_GPA 0x00100000
#endif
#define DMABENCH_VM_RAM_BYTES 0x10000
#define DMABENCH_VM_CODE_GPA DMABENCH_VM_RAM_GPA
#define DMABENCH_VM_CODE_BYTES 0x4000
#define DMABENCH_VM_SHARED_GPA (DMABENCH_VM_RAM_GPA + 0x4000)
#define DMABENCH_VM_TABLE_GPA (DMABENCH_VM_RAM_GPA + 0x5000)
#define DMABENCH_VM_STACK_TOP (DMABENCH_VM_RAM_GPA + 0x8000)

/* Guest-physical addresses with no memory slot: a load from MMIO_USER and a
 * store to DOORBELL are KVM_EXIT_MMIO to dmabench. The doorbell ends a batch. */
#if defined(__aarch64__)
#define DMABENCH_VM_MMIO_USER_GPA 0x0a000000
#define DMABENCH_VM_DOORBELL_GPA 0x0a001000
/* The vGIC, where dmabench places it; GICD_IIDR is the in-kernel register read. */
#define DMABENCH_VM_GICD_GPA 0x08000000
#define DMABENCH_VM_GICR_GPA 0x080a0000
#define DMABENCH_VM_GICC_GPA 0x08010000
#define DMABENCH_VM_MMIO_KERNEL_GPA (DMABENCH_VM_GICD_GPA + 0x8)
#else
#define DMABENCH_VM_MMIO_USER_GPA 0x10000000
#define DMABENCH_VM_DOORBELL_GPA 0x10001000
/* The in-kernel IOAPIC (KVM_CREATE_IRQCHIP) at its fixed base: IOREGSEL is
 * set once to the version register, and IOWIN is the register read. */
#define DMABENCH_VM_IOAPIC_GPA 0xfec00000
#define DMABENCH_VM_MMIO_KERNEL_GPA (DMABENCH_VM_IOAPIC_GPA + 0x10)
#endif

/* The shared page, 8 bytes a field. dmabench writes OP (a row of ops.inc)
 * and COUNT, then runs the vCPU; the guest runs COUNT operations between
 * two reads of its counter (T0, T1), leaves the last value an MMIO load read
 * in VALUE, adds one to BATCHES and rings the doorbell. HZ: the guest's
 * counter frequency where the guest can read it (CNTFRQ_EL0). */
#define DMABENCH_VM_FIELD_OP 0
#define DMABENCH_VM_FIELD_COUNT 8
#define DMABENCH_VM_FIELD_T0 16
#define DMABENCH_VM_FIELD_T1 24
#define DMABENCH_VM_FIELD_VALUE 32
#define DMABENCH_VM_FIELD_BATCHES 40
#define DMABENCH_VM_FIELD_HZ 48

/* The hypercall each exit makes. arm64: SMCCC PSCI_VERSION, answered by
 * KVM's PSCI code in the kernel. x86: KVM_HC_VAPIC_POLL_IRQ, a no-op KVM
 * answers with 0. */
#define DMABENCH_VM_SMCCC_ID 0x84000000
#define DMABENCH_VM_KVM_HC 1
#endif
