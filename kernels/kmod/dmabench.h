/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of dmabench.ko share (Kbuild lists them, one job each): the
 * counter and the one timing macro, the module's own device, a request's
 * samples, buffers, the named device and every handler's declaration.
 */
#ifndef DMABENCH_H
#define DMABENCH_H

#include <linux/compiler.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#if !defined(CONFIG_ARM64) && !defined(CONFIG_X86_64)
#error "dmabench.ko supports arm64 and x86_64"
#endif

#include "dmabench_core.h"

/* The architecture provides dev->dma_coherent and cache maintenance for
 * non-coherent devices (arm64); x86 DMA is always coherent. */
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
#define DMABENCH_NONCOHERENT 1
#else
#define DMABENCH_NONCOHERENT 0
#endif

/* ---- the counter and the one way to time (every part) -------------------- */

static __always_inline u64 dmabench_ticks(void)
{
#if defined(CONFIG_ARM64)
	u64 t;

	/* ISB before: earlier instructions have completed; after: later ones
	 * have not started. */
	asm volatile("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(t) : : "memory");
	return t;
#else
	u32 lo, hi;

	asm volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
#endif
}

/* Ticks taken by `batch` runs of stmt, which sees the run's index as i__. */
#define DMABENCH_TIME_BATCH(batch, stmt)                       \
	({                                                      \
		u32 i__;                                        \
		u64 t0__ = dmabench_ticks();                    \
		for (i__ = 0; i__ < (batch); i__++) {           \
			stmt;                                   \
		}                                               \
		dmabench_ticks() - t0__;                        \
	})

/* ---- the module (main.c) ------------------------------------------------- */

extern struct platform_device *dmabench_pdev;  /* its own device: dma-direct */
extern struct dmabench_info dmabench_info;     /* what INFO answers */
int dmabench_set_coherent(bool coherent);      /* of its own device */

/* ---- a request's timed samples (ioctl.c) --------------------------------- */

#define DMABENCH_MAX_NSTATS 4  /* the most STATS rows of any request */

/*
 * One block of n samples per STATS row of the request, in the rows' order:
 * the handler allocates and fills them; the plumbing copies them to `ticks`,
 * then summarises each block that ran into its row.
 */
struct dmabench_samples {
	u64 *v;                                          /* k blocks of n */
	u64 n;                                           /* samples x threads */
	u32 k;                                           /* the STATS rows */
	u32 batch[DMABENCH_MAX_NSTATS];                  /* ops per sample; 0: did not run */
	struct dmabench_stats *stats[DMABENCH_MAX_NSTATS];  /* each row's place */
	u64 to_user;                                     /* the request's ticks */
	u64 hz;                                          /* ticks per second; 0: the counter's */
};

/* n zeroed samples per block, each block of batch operations. */
int dmabench_samples_alloc(struct dmabench_samples *s, u64 n, u32 batch);

/* round(ctx, k, slot) for k = 0..samples: round 0 is the warm-up, its
 * samples at slot 0 overwritten by round 1's; a pending signal ends the
 * rounds (-EINTR), as does a round's error. */
long dmabench_rounds(u32 samples, long (*round)(void *ctx, u32 k, u32 slot), void *ctx);

/* The block of the operation whose statistics are *op (one of s->stats). */
static inline u32 dmabench_row(const struct dmabench_samples *s,
			       const struct dmabench_stats *op)
{
	u32 j = 0;

	while (j + 1 < s->k && s->stats[j] != op)
		j++;
	return j;
}

static inline u64 *dmabench_samples_of(struct dmabench_samples *s,
				       const struct dmabench_stats *op)
{
	return s->v + dmabench_row(s, op) * s->n;
}

/* ---- CALL (call.c) ------------------------------------------------------- */

void dmabench_probe_hypercall(struct dmabench_info *info);
long dmabench_alternate(u32 samples, u32 batch, u64 *call, u64 *timer, u64 *other_ticks,
			u64 (*other)(u32 batch, void *ctx), void *ctx);

/* ---- buffers (map.c) ----------------------------------------------------- */

struct dmabench_buffers {
	u32 count;
	unsigned int order;
	size_t size;
	struct page *page[DMABENCH_MAX_BATCH];
	dma_addr_t handle[DMABENCH_MAX_BATCH];
};

struct dmabench_buffers *dmabench_alloc_buffers(u32 count, size_t size);
void dmabench_free_buffers(struct dmabench_buffers *b);
void dmabench_dirty(struct dmabench_buffers *b, u32 sample);

/* ---- CACHE (cache.c) ----------------------------------------------------- */

u32 dmabench_cache_direct_ops(void);
u32 dmabench_cache_sync_ops(void);
u64 dmabench_time_cache_direct(struct dmabench_buffers *b, u32 op);
u64 dmabench_time_cache_sync(struct dmabench_buffers *b, u32 op);

/* ---- a device the user names (device.c) ---------------------------------- */

extern struct rw_semaphore dmabench_dev_sem;  /* users read; probe and remove write */
extern struct device *dmabench_named;         /* the bound device, under dmabench_dev_sem */
struct device *dmabench_target(void);         /* DEVMAP's and HOLD's, under dmabench_dev_sem */
int dmabench_drivers_register(void);
void dmabench_drivers_unregister(void);       /* lets the bound device go first */

/* ---- the ioctls (ioctl.c) ------------------------------------------------ */

int dmabench_ioctl_register(void);
void dmabench_ioctl_unregister(void);

/* Every request's handler, from the table: dmabench_query_<name>() fills a
 * query's whole reply; dmabench_<name>() runs a checked request. */
#define DMABENCH_HANDLER_QUERY(name, type) void dmabench_query_##name(type *r);
#define DMABENCH_HANDLER_TIMED(name, type) long dmabench_##name(type *r, struct dmabench_samples *s);
#define DMABENCH_HANDLER_DMA DMABENCH_HANDLER_TIMED
#define DMABENCH_HANDLER_DEVICE DMABENCH_HANDLER_TIMED
#define DMABENCH_HANDLER(NAME, name, type, FIELDS, class) DMABENCH_HANDLER_##class(name, type)
DMABENCH_IOCTLS(DMABENCH_HANDLER)

#endif /* DMABENCH_H */
