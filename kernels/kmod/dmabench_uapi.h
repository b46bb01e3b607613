/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dmabench.ko user interface: the ioctls of /dev/dmabench.
 *
 * Each timing ioctl runs `samples` timed samples in the kernel; a sample is
 * `batch` back-to-back operations between two reads of the architecture's
 * counter (CNTVCT_EL0 between ISBs on arm64, RDTSC between LFENCEs on x86_64),
 * so operations shorter than one counter tick (16 ns at QEMU's 62.5 MHz) are
 * still resolved. Results are per sample in ticks (exact integers) and per
 * operation in picoseconds.
 *
 * Each request first runs one untimed warm-up sample (code, TLB and branch
 * predictors), then the timed ones.
 *
 * Every input field is checked (see dmabench_core.h); reserved fields must be
 * zero. Results carry counts and times only, never an address.
 */
#ifndef DMABENCH_UAPI_H
#define DMABENCH_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DMABENCH_ABI_VERSION 1
#define DMABENCH_DEVICE "/dev/dmabench"

/* Limits every request is checked against. */
#define DMABENCH_MAX_SAMPLES 65536u
#define DMABENCH_MAX_BATCH 64u
#define DMABENCH_MIN_SIZE 1u
#define DMABENCH_MAX_SIZE (1u << 20)         /* one buffer: 1 MiB */
#define DMABENCH_MAX_BATCH_BYTES (4u << 20)  /* batch x size rounded up to pages */

/* Statistics of one operation. */
struct dmabench_stats {
	__u64 samples;       /* timed samples taken */
	__u64 batch;         /* operations per sample */
	__u64 min_ticks;     /* per sample: the fastest */
	__u64 median_ticks;  /* per sample: rank samples/2 of the sorted samples */
	__u64 max_ticks;     /* per sample: the slowest */
	__u64 sum_ticks;     /* all samples: mean per operation = sum / (samples x batch) */
	__u64 min_ps;        /* per operation, in picoseconds */
	__u64 median_ps;
	__u64 mean_ps;
	__u64 max_ps;
};

enum dmabench_arch { DMABENCH_ARCH_ARM64 = 1, DMABENCH_ARCH_X86_64 = 2 };

enum dmabench_conduit {
	DMABENCH_CONDUIT_NONE = 0,
	DMABENCH_CONDUIT_HVC = 1,     /* arm64 hvc #0 */
	DMABENCH_CONDUIT_SMC = 2,     /* arm64 smc #0 */
	DMABENCH_CONDUIT_VMCALL = 3,  /* x86_64 KVM hypercall (vmcall/vmmcall) */
};

/* dmabench_info.flags */
#define DMABENCH_INFO_NONCOHERENT (1u << 0)  /* the device can be made DMA-non-coherent */
#define DMABENCH_INFO_SMCCC_1_1 (1u << 1)    /* the SMCCC v1.1 fast path is used */

#define DMABENCH_NOTE_LEN 96

struct dmabench_info {
	__u32 abi_version;     /* DMABENCH_ABI_VERSION */
	__u32 arch;            /* enum dmabench_arch */
	__u64 counter_hz;      /* ticks per second of the counter the ioctls read */
	__u32 conduit;         /* enum dmabench_conduit of the hypercall ioctl */
	__u32 hypercall_fn;    /* the function id (arm64) or hypercall number (x86_64) timed */
	__u32 flags;           /* DMABENCH_INFO_* */
	__u32 page_size;
	__u32 cache_ops;       /* bit (1 << op): enum dmabench_cache_op runs here */
	__u32 cache_direct;    /* bit (1 << op): through the kernel's own routine, else DMA sync */
	char hypercall_note[DMABENCH_NOTE_LEN];  /* what is called, or why nothing is */
	char cache_note[DMABENCH_NOTE_LEN];      /* which kernel routines, or why none */
	__u64 reserved[4];
};

/* DMABENCH_IOC_CALL: a hypercall against a call to an empty function. */
struct dmabench_call_req {
	__u32 samples;                    /* in: 1..DMABENCH_MAX_SAMPLES */
	__u32 batch;                      /* in: 1..DMABENCH_MAX_BATCH */
	__u32 flags;                      /* in: 0 */
	__u32 reserved;                   /* in: 0 */
	struct dmabench_stats timer;      /* out: an empty sample (two counter reads), batch 1 */
	struct dmabench_stats call;       /* out: a non-inlined empty function */
	struct dmabench_stats hypercall;  /* out: samples 0 when there is no conduit */
	__s64 hypercall_ret;              /* out: x0/rax of the last hypercall */
};

enum dmabench_dir {  /* as enum dma_data_direction */
	DMABENCH_DIR_BIDIRECTIONAL = 0,
	DMABENCH_DIR_TO_DEVICE = 1,
	DMABENCH_DIR_FROM_DEVICE = 2,
};
enum dmabench_api { DMABENCH_API_PAGE = 0, DMABENCH_API_SINGLE = 1 };
enum dmabench_state {
	DMABENCH_STATE_DIRTY = 0,  /* every buffer written before each sample */
	DMABENCH_STATE_CLEAN = 1,  /* written once, before the first sample */
};

/* DMABENCH_IOC_MAP: dma_map_{page,single} then dma_unmap_*, batch distinct buffers. */
struct dmabench_map_req {
	__u64 size;                   /* in: bytes per buffer, DMABENCH_MIN_SIZE..MAX_SIZE */
	__u32 samples;                /* in */
	__u32 batch;                  /* in */
	__u32 dir;                    /* in: enum dmabench_dir */
	__u32 api;                    /* in: enum dmabench_api */
	__u32 coherent;               /* in: 1 coherent device, 0 non-coherent */
	__u32 state;                  /* in: enum dmabench_state */
	__u32 flags;                  /* in: 0 */
	__u32 reserved;               /* in: 0 */
	struct dmabench_stats map;    /* out */
	struct dmabench_stats unmap;  /* out */
};

enum dmabench_cache_op {
	DMABENCH_CACHE_CLEAN = 0,            /* to the point of coherency */
	DMABENCH_CACHE_INVAL = 1,            /* to the point of coherency */
	DMABENCH_CACHE_CLEAN_INVAL = 2,      /* to the point of coherency */
	DMABENCH_CACHE_CLEAN_INVAL_POU = 3,  /* D clean to PoU + I invalidate (arm64) */
	DMABENCH_CACHE_OPS = 4,
};

/* DMABENCH_IOC_CACHE: one cache operation over batch distinct buffers. */
struct dmabench_cache_req {
	__u64 size;                /* in */
	__u32 samples;             /* in */
	__u32 batch;               /* in */
	__u32 op;                  /* in: enum dmabench_cache_op */
	__u32 state;               /* in: enum dmabench_state */
	__u32 flags;               /* in: 0 */
	__u32 direct;              /* out: 1 the kernel's own routine, 0 through dma_sync_* */
	struct dmabench_stats op_stats;  /* out */
};

#define DMABENCH_IOC_MAGIC 0xdb
#define DMABENCH_IOC_INFO _IOR(DMABENCH_IOC_MAGIC, 0, struct dmabench_info)
#define DMABENCH_IOC_CALL _IOWR(DMABENCH_IOC_MAGIC, 1, struct dmabench_call_req)
#define DMABENCH_IOC_MAP _IOWR(DMABENCH_IOC_MAGIC, 2, struct dmabench_map_req)
#define DMABENCH_IOC_CACHE _IOWR(DMABENCH_IOC_MAGIC, 3, struct dmabench_cache_req)

#endif /* DMABENCH_UAPI_H */
