/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dmabench.ko user interface: the ioctls of /dev/dmabench, one table
 * (DMABENCH_IOCTLS, at the end) of requests and their field rows.
 *
 * Each timing ioctl runs `samples` timed samples in the kernel; a sample is
 * `batch` back-to-back operations between two reads of the architecture's
 * counter (CNTVCT_EL0 between ISBs on arm64, RDTSC between LFENCEs on x86_64),
 * so operations shorter than one counter tick (16 ns at QEMU's 62.5 MHz) are
 * still resolved. Results are per sample in ticks (exact integers) and per
 * operation in picoseconds; with `ticks` set, every sample itself.
 *
 * Each request first runs one untimed warm-up sample (code, TLB and branch
 * predictors), then the timed ones.
 *
 * Every input field is a row with its bounds (below), checked by the module
 * before anything runs (dmabench_core.h); flags and reserved fields must be
 * zero. Results carry counts and times only, never an address.
 */
#ifndef DMABENCH_UAPI_H
#define DMABENCH_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* 3: one quantile (type 7) for median and p99, every sample out through
 * `ticks`, STATS and PTR rows, DEVMAP's rewrite, pattern, sizes and clock,
 * and its sg lists up to 1 GiB */
#define DMABENCH_ABI_VERSION 3
#define DMABENCH_DEVICE "/dev/dmabench"

/* Limits every request is checked against. */
#define DMABENCH_MAX_SAMPLES 65536u
#define DMABENCH_MAX_BATCH 64u
#define DMABENCH_MIN_SIZE 1u
#define DMABENCH_MAX_SIZE (1u << 20)         /* one buffer: 1 MiB */
#define DMABENCH_MAX_BATCH_BYTES (4u << 20)  /* batch x size rounded up to pages */
#define DMABENCH_MAX_THREADS 64u
#define DMABENCH_MAX_DEVMAP_BYTES (64u << 20)  /* all DEVMAP threads' buffers */
#define DMABENCH_MAX_LIST_BYTES (1u << 30)    /* DEVMAP's sg lists of batch 1, where memory allows */
#define DMABENCH_MAX_LIST_ENTRIES (DMABENCH_MAX_LIST_BYTES / 4096)  /* 1 GiB of 4 KiB entries */
#define DMABENCH_MAX_GRANULE 256u            /* pages per mapping or sg entry */
#define DMABENCH_MAX_ENTRIES 256u            /* GNTTAB_FLUSH ops per hypercall */
#define DMABENCH_MAX_DELAY_NS 10000000u      /* between map and unmap: 10 ms */
#define DMABENCH_MAX_NODE 1024u
#define DMABENCH_HOLD_SIZE 4096u             /* a held buffer's most bytes */
#define DMABENCH_NAME_LEN 64

/*
 * Statistics of one timed operation. median_ps and p99_ps are the project's
 * one quantile, Hyndman and Fan's type 7 (numpy's default), of the samples
 * (dmabench_quantile_x in dmabench_core.h), per operation and floored.
 */
struct dmabench_stats {
	__u64 samples;    /* timed samples (every thread's, for DEVMAP) */
	__u64 batch;      /* ops per sample */
	__u64 min_ticks;  /* per sample */
	__u64 max_ticks;  /* per sample */
	__u64 sum_ticks;  /* all samples: mean per operation = sum / (samples x batch) */
	__u64 min_ps;     /* per operation, ps, floor */
	__u64 median_ps;
	__u64 p99_ps;
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

enum dmabench_cache_op {
	DMABENCH_CACHE_CLEAN = 0,            /* to the point of coherency */
	DMABENCH_CACHE_INVAL = 1,            /* to the point of coherency */
	DMABENCH_CACHE_CLEAN_INVAL = 2,      /* to the point of coherency */
	DMABENCH_CACHE_CLEAN_INVAL_POU = 3,  /* D clean to PoU + I invalidate (arm64) */
	DMABENCH_CACHE_OPS = 4,
};

/*
 * Request structs are generated from field rows, so the module's checks and
 * plumbing, the fuzz test (tests/system/kmod_fuzz.c) and dmabench's request
 * building see every field the struct has:
 *   IN(S, type, name, lo, hi, bad)  an input; lo <= value <= hi, else the
 *       request is refused as DMABENCH_BAD_<bad> (dmabench_core.h): ERANGE
 *       for a count or size, EINVAL for a choice, flags or reserved
 *   OUT(S, type, name)  an output; zero unless the module wrote it
 *   DATA(S, type, name, n)  n bytes in (and out) that the request's handler
 *       reads as a whole: a device name, a buffer's contents
 *   STATS(S, name)  an output struct dmabench_stats: one timed operation;
 *       the rows' order is the order of the blocks written to `ticks`
 *   PTR(S, name)  an input __u64: a user address the module writes to, 0
 *       for none; only the copy checks it (a bad address answers EFAULT)
 * S is the struct, for offsetof() in whoever expands the rows;
 * DMABENCH_NO_<KIND> skips a kind.
 *
 * Every request with STATS rows has the PTR row `ticks`, its first field:
 * when nonzero the module copies every timed sample's tick count there, as
 * K blocks of N __u64 (K = its STATS rows, in order: DMABENCH_<NAME>_NSTATS;
 * N = samples x threads, thread t's samples at [t x samples, (t + 1) x
 * samples), threads = 1 but for DEVMAP). Sample i of each block was taken in
 * the same round, so blocks pair (a map and its unmap); an operation that did
 * not run leaves its block zero. Nothing is copied unless the request succeeds.
 */
#define DMABENCH_NO_IN(S, type, name, lo, hi, bad)
#define DMABENCH_NO_OUT(S, type, name)
#define DMABENCH_NO_DATA(S, type, name, n)
#define DMABENCH_NO_STATS(S, name)
#define DMABENCH_NO_PTR(S, name)

#define DMABENCH_DECLARE_IN(S, type, name, lo, hi, bad) type name;
#define DMABENCH_DECLARE_OUT(S, type, name) type name;
#define DMABENCH_DECLARE_DATA(S, type, name, n) type name[n];
#define DMABENCH_DECLARE_STATS(S, name) struct dmabench_stats name;
#define DMABENCH_DECLARE_PTR(S, name) __u64 name;
#define DMABENCH_DECLARE(S, FIELDS)                                              \
	S { FIELDS(S, DMABENCH_DECLARE_IN, DMABENCH_DECLARE_OUT, DMABENCH_DECLARE_DATA, \
		   DMABENCH_DECLARE_STATS, DMABENCH_DECLARE_PTR) }

/* DMABENCH_IOC_CALL: a hypercall against a call to an empty function. */
#define DMABENCH_CALL_FIELDS(S, IN, OUT, DATA, STATS, PTR)                      \
	PTR(S, ticks)                                                           \
	IN(S, __u32, samples, 1, DMABENCH_MAX_SAMPLES, SAMPLES)                 \
	IN(S, __u32, batch, 1, DMABENCH_MAX_BATCH, BATCH)                       \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	IN(S, __u32, reserved, 0, 0, RESERVED)                                  \
	STATS(S, timer)      /* an empty sample, batch 1 */                     \
	STATS(S, call)       /* a non-inlined empty function */                 \
	STATS(S, hypercall)  /* samples 0 (its ticks zero) with no conduit */   \
	OUT(S, __s64, hypercall_ret)  /* x0/rax of the last hypercall */
DMABENCH_DECLARE(struct dmabench_call_req, DMABENCH_CALL_FIELDS);

/* DMABENCH_IOC_MAP: dma_map_{page,single} then dma_unmap_*, batch distinct
 * buffers of size bytes (batch x size within DMABENCH_MAX_BATCH_BYTES). */
#define DMABENCH_MAP_FIELDS(S, IN, OUT, DATA, STATS, PTR)                       \
	PTR(S, ticks)                                                           \
	IN(S, __u64, size, DMABENCH_MIN_SIZE, DMABENCH_MAX_SIZE, SIZE)          \
	IN(S, __u32, samples, 1, DMABENCH_MAX_SAMPLES, SAMPLES)                 \
	IN(S, __u32, batch, 1, DMABENCH_MAX_BATCH, BATCH)                       \
	IN(S, __u32, dir, 0, DMABENCH_DIR_FROM_DEVICE, DIR)                     \
	IN(S, __u32, api, 0, DMABENCH_API_SINGLE, API)                          \
	IN(S, __u32, coherent, 0, 1, COHERENT) /* 1 coherent device, 0 not */   \
	IN(S, __u32, state, 0, DMABENCH_STATE_CLEAN, STATE)                     \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	IN(S, __u32, reserved, 0, 0, RESERVED)                                  \
	STATS(S, map)                                                           \
	STATS(S, unmap)
DMABENCH_DECLARE(struct dmabench_map_req, DMABENCH_MAP_FIELDS);

/* DMABENCH_IOC_CACHE: one cache operation over batch distinct buffers. */
#define DMABENCH_CACHE_FIELDS(S, IN, OUT, DATA, STATS, PTR)                     \
	PTR(S, ticks)                                                           \
	IN(S, __u64, size, DMABENCH_MIN_SIZE, DMABENCH_MAX_SIZE, SIZE)          \
	IN(S, __u32, samples, 1, DMABENCH_MAX_SAMPLES, SAMPLES)                 \
	IN(S, __u32, batch, 1, DMABENCH_MAX_BATCH, BATCH)                       \
	IN(S, __u32, op, 0, DMABENCH_CACHE_OPS - 1, OP)                         \
	IN(S, __u32, state, 0, DMABENCH_STATE_CLEAN, STATE)                     \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	OUT(S, __u32, direct) /* 1 the kernel's own routine, 0 dma_sync_* */    \
	STATS(S, op_stats)
DMABENCH_DECLARE(struct dmabench_cache_req, DMABENCH_CACHE_FIELDS);

/* ---- a device the user names (issue 12) ---------------------------------- */

enum dmabench_domain {           /* the device's IOMMU domain */
	DMABENCH_DOMAIN_NONE = 0,      /* no IOMMU */
	DMABENCH_DOMAIN_STRICT = 1,    /* DMA: IOTLB invalidated at every unmap */
	DMABENCH_DOMAIN_LAZY = 2,      /* DMA-FQ: invalidation batched (flush queue) */
	DMABENCH_DOMAIN_IDENTITY = 3,  /* passthrough */
	DMABENCH_DOMAIN_OTHER = 4,     /* blocked, unmanaged or newer */
};

/* dmabench_device.flags */
#define DMABENCH_DEVICE_NAMED (1u << 0)     /* bound by DMABENCH_IOC_BIND, else the module's own */
#define DMABENCH_DEVICE_PCI (1u << 1)
#define DMABENCH_DEVICE_COHERENT (1u << 2)  /* dev->dma_coherent (arm64) */
#define DMABENCH_DEVICE_SWIOTLB (1u << 3)   /* swiotlb forced for it (swiotlb=force) */

/* DMABENCH_IOC_DEVICE: the device DEVMAP maps through, as the kernel set it up. */
struct dmabench_device {
	char name[DMABENCH_NAME_LEN];  /* dev_name(): "0000:00:01.0", "dmabench" */
	char dma_ops[32];              /* "dma-iommu", "dma-direct", "xen-swiotlb", else map_page's symbol */
	char iommu_driver[32];         /* the IOMMU's driver ("arm-smmu-v3"), else its name ("dmar0"); "" none */
	__s32 iommu_group;             /* -1: none */
	__u32 domain;                  /* enum dmabench_domain */
	__u64 dma_mask;
	__u32 flags;                   /* DMABENCH_DEVICE_* */
	__u32 reserved;
};

/* DMABENCH_IOC_BIND: take an unbound device through driver_override (the
 * previous override is kept, and restored at UNBIND or rmmod); a device
 * another driver holds is refused (EBUSY), never unbound. */
#define DMABENCH_BIND_FIELDS(S, IN, OUT, DATA, STATS, PTR)                      \
	DATA(S, char, device, DMABENCH_NAME_LEN) /* "0000:00:01.0" or a sysfs path */ \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	IN(S, __u32, reserved, 0, 0, RESERVED)                                  \
	OUT(S, struct dmabench_device, device_info)
DMABENCH_DECLARE(struct dmabench_bind_req, DMABENCH_BIND_FIELDS);

/* DMABENCH_IOC_UNBIND: let the named device go; DEVMAP maps for the
 * module's own device again. */
#define DMABENCH_UNBIND_FIELDS(S, IN, OUT, DATA, STATS, PTR)                    \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	IN(S, __u32, reserved, 0, 0, RESERVED)
DMABENCH_DECLARE(struct dmabench_unbind_req, DMABENCH_UNBIND_FIELDS);

enum dmabench_mode { DMABENCH_MODE_SINGLE = 0, DMABENCH_MODE_SG = 1 };
enum dmabench_source {  /* whose pages are mapped or flushed */
	DMABENCH_SOURCE_LOCAL = 0,
	DMABENCH_SOURCE_FOREIGN = 1,  /* granted by another Xen domain (issue 11; EOPNOTSUPP until then) */
};
enum dmabench_coherence {
	DMABENCH_AS_IS = 0,        /* as the kernel set the device up */
	DMABENCH_COHERENT = 1,     /* the module's own device only */
	DMABENCH_NONCOHERENT = 2,  /* the module's own device only: the cache maintenance runs */
};
enum dmabench_pattern {  /* what one DEVMAP sample is */
	DMABENCH_PATTERN_BURST = 0,  /* `batch` maps (timed), the delay, `batch` unmaps (timed) */
	DMABENCH_PATTERN_RX = 1,     /* threads in pairs (threads even, else ERANGE): each maps into its ring of
				      * `batch` slots, its partner unmaps from it on another CPU; per op timed */
	DMABENCH_PATTERN_EMPTY = 2,  /* nothing mapped: each block times `batch` empty operations, the clock's own cost */
};
enum dmabench_sizes {
	DMABENCH_SIZES_ONE = 0,    /* every thread maps `granule` pages */
	DMABENCH_SIZES_MIXED = 1,  /* thread i maps size i mod 3: 4 KiB, 64 KiB, 1 MiB (at least a page) */
};
enum dmabench_clock {  /* what a DEVMAP sample's ticks are */
	DMABENCH_CLOCK_COUNTER = 0,  /* the counter, read once before and once after the batch */
	DMABENCH_CLOCK_KTIME = 1,    /* ns: a ktime_get() pair around each operation, as dma_map_benchmark's loop */
};

/* DMABENCH_IOC_DEVMAP: map and unmap through the device's own DMA ops, as
 * dma_map_benchmark does, from `threads` kernel threads pinned in turn to
 * the online CPUs (of one NUMA node with on_node; one without online CPUs
 * answers ERANGE). A sample is `pattern`'s: burst:1 with `rewrite` is
 * dma_map_benchmark's own loop; statistics cover every thread's samples,
 * `ticks` has them thread by thread. `rewrite` 1 writes every buffer before
 * each sample's maps, untimed, as dma_map_benchmark does (it too leaves
 * from_device buffers alone). A named device's coherence is the kernel's
 * (another answers EOPNOTSUPP). `clock` ktime times as dma_map_benchmark
 * does (its samples and statistics in ns); with pattern empty it measures
 * that clock's own cost in the same boot, as the counter's with clock 0.
 * Every thread's buffers stay within DMABENCH_MAX_DEVMAP_BYTES, but sg lists
 * of batch 1 (one big list per thread, a GPU or RDMA buffer registered in
 * one go) within DMABENCH_MAX_LIST_BYTES; either way within half the memory
 * available now (MemAvailable), else ENOMEM before anything is allocated. */
#define DMABENCH_DEVMAP_FIELDS(S, IN, OUT, DATA, STATS, PTR)                    \
	PTR(S, ticks)                                                           \
	IN(S, __u32, samples, 1, DMABENCH_MAX_SAMPLES, SAMPLES)                 \
	IN(S, __u32, batch, 1, DMABENCH_MAX_BATCH, BATCH)                       \
	IN(S, __u32, threads, 1, DMABENCH_MAX_THREADS, THREADS)                 \
	IN(S, __u32, on_node, 0, DMABENCH_MAX_NODE, NODE) /* 0: any CPU; n: NUMA node n - 1's */ \
	IN(S, __u32, granule, 1, DMABENCH_MAX_GRANULE, GRANULE) /* pages per mapping or entry */ \
	IN(S, __u32, mode, 0, DMABENCH_MODE_SG, MODE)                           \
	IN(S, __u32, entries, 1, DMABENCH_MAX_LIST_ENTRIES, ENTRIES) /* sg: per list; single: 1 */ \
	IN(S, __u32, dir, 0, DMABENCH_DIR_FROM_DEVICE, DIR)                     \
	IN(S, __u32, dma_bits, 0, 64, DMA_BITS) /* the DMA mask; 0: as bound */ \
	IN(S, __u32, delay_ns, 0, DMABENCH_MAX_DELAY_NS, DELAY)                 \
	IN(S, __u32, coherence, 0, DMABENCH_NONCOHERENT, COHERENT)              \
	IN(S, __u32, source, 0, DMABENCH_SOURCE_FOREIGN, SOURCE)                \
	IN(S, __u32, rewrite, 0, 1, REWRITE) /* 1: buffers written before each sample */ \
	IN(S, __u32, pattern, 0, DMABENCH_PATTERN_EMPTY, PATTERN)               \
	IN(S, __u32, sizes, 0, DMABENCH_SIZES_MIXED, SIZES)                     \
	IN(S, __u32, clock, 0, DMABENCH_CLOCK_KTIME, CLOCK)                     \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	IN(S, __u32, reserved, 0, 0, RESERVED) /* the stats stay 8-aligned */   \
	STATS(S, map)                                                           \
	STATS(S, unmap)
DMABENCH_DECLARE(struct dmabench_devmap_req, DMABENCH_DEVMAP_FIELDS);

enum dmabench_hold_op { DMABENCH_HOLD_MAP = 0, DMABENCH_HOLD_UNMAP = 1 };

/* DMABENCH_IOC_HOLD: one buffer left mapped for the device's own DMA engine
 * (the system test's proof that a mapping is real). MAP fills it from data
 * and answers its device address, the one reply that carries an address
 * (a bus address, for the device); UNMAP copies it back into data. */
#define DMABENCH_HOLD_FIELDS(S, IN, OUT, DATA, STATS, PTR)                      \
	IN(S, __u32, op, 0, DMABENCH_HOLD_UNMAP, OP)                            \
	IN(S, __u32, dir, 0, DMABENCH_DIR_FROM_DEVICE, DIR)                     \
	IN(S, __u32, size, 1, DMABENCH_HOLD_SIZE, SIZE)                         \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	OUT(S, __u64, iova)                                                     \
	DATA(S, __u8, data, DMABENCH_HOLD_SIZE)
DMABENCH_DECLARE(struct dmabench_hold_req, DMABENCH_HOLD_FIELDS);

/* ---- Xen (issue 11) ------------------------------------------------------ */

/* DMABENCH_IOC_XEN_CALL: HYPERVISOR_xen_version(XENVER_version, NULL), the
 * cheapest Xen hypercall, against the empty function. */
#define DMABENCH_XEN_CALL_FIELDS(S, IN, OUT, DATA, STATS, PTR)                  \
	PTR(S, ticks)                                                           \
	IN(S, __u32, samples, 1, DMABENCH_MAX_SAMPLES, SAMPLES)                 \
	IN(S, __u32, batch, 1, DMABENCH_MAX_BATCH, BATCH)                       \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	IN(S, __u32, reserved, 0, 0, RESERVED)                                  \
	STATS(S, call)                                                          \
	STATS(S, hypercall)                                                     \
	OUT(S, __s64, version) /* the hypercall's answer: major << 16 | minor */
DMABENCH_DECLARE(struct dmabench_xen_call_req, DMABENCH_XEN_CALL_FIELDS);

/* DMABENCH_IOC_GNTTAB_FLUSH: GNTTABOP_cache_flush over size bytes, one op
 * per page, `per_call` ops per hypercall, every op's status checked; beside
 * the kernel's own maintenance of the same bytes. Both are timed whole:
 * batch 1. */
#define DMABENCH_GNTTAB_FLUSH_FIELDS(S, IN, OUT, DATA, STATS, PTR)              \
	PTR(S, ticks)                                                           \
	IN(S, __u64, size, DMABENCH_MIN_SIZE, DMABENCH_MAX_SIZE, SIZE)          \
	IN(S, __u32, samples, 1, DMABENCH_MAX_SAMPLES, SAMPLES)                 \
	IN(S, __u32, op, 0, DMABENCH_CACHE_CLEAN_INVAL, OP) /* clean, inval, both */ \
	IN(S, __u32, per_call, 1, DMABENCH_MAX_ENTRIES, ENTRIES)                \
	IN(S, __u32, source, 0, DMABENCH_SOURCE_FOREIGN, SOURCE) /* by bus address, or by grant */ \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	IN(S, __u32, reserved, 0, 0, RESERVED)                                  \
	OUT(S, __u32, failed_ops)  /* ops whose status was not 0 */             \
	OUT(S, __s32, first_status)                                             \
	STATS(S, hypercall)                                                     \
	STATS(S, local)
DMABENCH_DECLARE(struct dmabench_gnttab_flush_req, DMABENCH_GNTTAB_FLUSH_FIELDS);

/* DMABENCH_IOC_XEN_FOREIGN: a page another domain grants to dom0 (domid,
 * gref), mapped into dom0 (gnttab_map_refs), then dma_map_page/unmap of it
 * through the bound device, beside the same for a page of dom0's own; each
 * sample is batch maps of one page (timed), then batch unmaps (timed).
 * coherent 0 clears the device's dma_coherent for the request, so each map
 * maintains caches: dom0 itself for its own page, Xen (GNTTABOP_cache_flush)
 * for a foreign one, as Linux picks by pfn_valid(bfn). The grant-table
 * hypercalls of one untimed sample of each are counted (a kprobe). */
#define DMABENCH_XEN_FOREIGN_FIELDS(S, IN, OUT, DATA, STATS, PTR)               \
	PTR(S, ticks)                                                           \
	IN(S, __u32, samples, 1, DMABENCH_MAX_SAMPLES, SAMPLES)                 \
	IN(S, __u32, batch, 1, DMABENCH_MAX_BATCH, BATCH)                       \
	IN(S, __u32, dir, 0, DMABENCH_DIR_FROM_DEVICE, DIR)                     \
	IN(S, __u32, coherent, 0, 1, COHERENT)                                  \
	IN(S, __u32, domid, 1, 0x7fef, DOMID) /* not dom0, not a reserved id */ \
	IN(S, __u32, gref, 8, 0xffffffffu, GREF) /* 0-7 are reserved */         \
	IN(S, __u32, flags, 0, 0, FLAGS)                                        \
	IN(S, __u32, reserved, 0, 0, RESERVED)                                  \
	OUT(S, __s32, grant_status)    /* GNTST_*: 0 mapped */                  \
	OUT(S, __u32, translated)      /* 1: its bus frame is not a dom0 pfn_valid one */ \
	OUT(S, __s32, hypercalls_local_map)   /* per batch; -1: not counted */  \
	OUT(S, __s32, hypercalls_local_unmap)                                   \
	OUT(S, __s32, hypercalls_foreign_map)                                   \
	OUT(S, __s32, hypercalls_foreign_unmap)                                 \
	OUT(S, __u64, head)            /* the page's first 8 bytes, as granted */ \
	STATS(S, local_map)                                                     \
	STATS(S, local_unmap)                                                   \
	STATS(S, foreign_map)                                                   \
	STATS(S, foreign_unmap)
DMABENCH_DECLARE(struct dmabench_xen_foreign_req, DMABENCH_XEN_FOREIGN_FIELDS);

/* A struct with no rows (INFO's and DEVICE's replies are written whole). */
#define DMABENCH_NO_FIELDS(S, IN, OUT, DATA, STATS, PTR)

/*
 * The answers a class of request may give, besides 0 (success):
 *   QUERY  EFAULT: the argument is not writable memory
 *   TIMED  EINVAL: an unknown choice, nonzero flags or reserved;
 *          ERANGE: a count or size out of bounds; EFAULT: the argument, or
 *          `ticks` with its blocks, is not readable and writable memory;
 *          EBUSY: another request is running; ENOMEM: buffers could not be
 *          allocated, or (DEVMAP) would take over half the memory available;
 *          EINTR: a signal came
 *   DMA    as TIMED, and EOPNOTSUPP: not on this machine (an op the kernel
 *          does not export, a non-coherent device on x86, no Xen); EIO: the DMA API
 *          refused a mapping or a mask
 *   DEVICE as DMA, and ENOENT: no such device (BIND), nothing held (HOLD),
 *          no such grant (XEN_FOREIGN); ENODEV: no device bound (UNBIND,
 *          XEN_FOREIGN)
 * An unknown request number answers ENOTTY.
 */
#define DMABENCH_ANSWERS_QUERY EFAULT
#define DMABENCH_ANSWERS_TIMED EINVAL, ERANGE, EFAULT, EBUSY, ENOMEM, EINTR
#define DMABENCH_ANSWERS_DMA DMABENCH_ANSWERS_TIMED, EOPNOTSUPP, EIO
#define DMABENCH_ANSWERS_DEVICE DMABENCH_ANSWERS_DMA, ENOENT, ENODEV

#define DMABENCH_IOC_MAGIC 0xdb
#define DMABENCH_IOC_INFO _IOR(DMABENCH_IOC_MAGIC, 0, struct dmabench_info)
#define DMABENCH_IOC_CALL _IOWR(DMABENCH_IOC_MAGIC, 1, struct dmabench_call_req)
#define DMABENCH_IOC_MAP _IOWR(DMABENCH_IOC_MAGIC, 2, struct dmabench_map_req)
#define DMABENCH_IOC_CACHE _IOWR(DMABENCH_IOC_MAGIC, 3, struct dmabench_cache_req)
#define DMABENCH_IOC_DEVICE _IOR(DMABENCH_IOC_MAGIC, 4, struct dmabench_device)
#define DMABENCH_IOC_BIND _IOWR(DMABENCH_IOC_MAGIC, 5, struct dmabench_bind_req)
#define DMABENCH_IOC_UNBIND _IOW(DMABENCH_IOC_MAGIC, 6, struct dmabench_unbind_req)
#define DMABENCH_IOC_DEVMAP _IOWR(DMABENCH_IOC_MAGIC, 7, struct dmabench_devmap_req)
#define DMABENCH_IOC_HOLD _IOWR(DMABENCH_IOC_MAGIC, 8, struct dmabench_hold_req)
#define DMABENCH_IOC_XEN_CALL _IOWR(DMABENCH_IOC_MAGIC, 9, struct dmabench_xen_call_req)
#define DMABENCH_IOC_GNTTAB_FLUSH _IOWR(DMABENCH_IOC_MAGIC, 10, struct dmabench_gnttab_flush_req)
#define DMABENCH_IOC_XEN_FOREIGN _IOWR(DMABENCH_IOC_MAGIC, 11, struct dmabench_xen_foreign_req)

/*
 * Every request, one row each: X(NAME, name, type, FIELDS, CLASS). The number
 * is DMABENCH_IOC_<NAME>, the answers DMABENCH_ANSWERS_<CLASS>; the module's
 * plumbing (checks, one wrapper per row around its handler dmabench_<name>,
 * dispatch) and the fuzz test are generated from this list, so a new request
 * is a #define, a row and its handler.
 */
#define DMABENCH_IOCTLS(X)                                                       \
	X(INFO, info, struct dmabench_info, DMABENCH_NO_FIELDS, QUERY)           \
	X(CALL, call, struct dmabench_call_req, DMABENCH_CALL_FIELDS, TIMED)     \
	X(MAP, map, struct dmabench_map_req, DMABENCH_MAP_FIELDS, DMA)           \
	X(CACHE, cache, struct dmabench_cache_req, DMABENCH_CACHE_FIELDS, DMA)  \
	X(DEVICE, device, struct dmabench_device, DMABENCH_NO_FIELDS, QUERY)     \
	X(BIND, bind, struct dmabench_bind_req, DMABENCH_BIND_FIELDS, DEVICE)    \
	X(UNBIND, unbind, struct dmabench_unbind_req, DMABENCH_UNBIND_FIELDS, DEVICE) \
	X(DEVMAP, devmap, struct dmabench_devmap_req, DMABENCH_DEVMAP_FIELDS, DMA) \
	X(HOLD, hold, struct dmabench_hold_req, DMABENCH_HOLD_FIELDS, DEVICE)    \
	X(XEN_CALL, xen_call, struct dmabench_xen_call_req, DMABENCH_XEN_CALL_FIELDS, DMA) \
	X(GNTTAB_FLUSH, gnttab_flush, struct dmabench_gnttab_flush_req, DMABENCH_GNTTAB_FLUSH_FIELDS, DMA) \
	X(XEN_FOREIGN, xen_foreign, struct dmabench_xen_foreign_req, DMABENCH_XEN_FOREIGN_FIELDS, DEVICE)

/* DMABENCH_<NAME>_NSTATS: how many STATS rows a request has (its timed
 * operations, the blocks in `ticks`), a constant for C and C++. */
#define DMABENCH_ONE_STATS(S, name) +1
#define DMABENCH_STATS_ROWS(NAME, name, type, FIELDS, class)                     \
	DMABENCH_##NAME##_NSTATS = 0 FIELDS(type, DMABENCH_NO_IN, DMABENCH_NO_OUT,   \
		DMABENCH_NO_DATA, DMABENCH_ONE_STATS, DMABENCH_NO_PTR),
enum dmabench_stats_rows { DMABENCH_IOCTLS(DMABENCH_STATS_ROWS) };
#undef DMABENCH_STATS_ROWS
#undef DMABENCH_ONE_STATS

#endif /* DMABENCH_UAPI_H */
