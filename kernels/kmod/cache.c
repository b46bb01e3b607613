// SPDX-License-Identifier: GPL-2.0
/*
 * CACHE: one cache maintenance operation over batch distinct buffers,
 * through the kernel's own routine where it is exported to modules, else the
 * same through dma_sync_single_for_{device,cpu} on the module's device made
 * non-coherent. GNTTAB_FLUSH times its local side with the same routines.
 */
#include <linux/mm.h>

#if defined(CONFIG_ARM64)
#include <asm/cacheflush.h>
#else
#include <linux/libnvdimm.h>
#include <asm/cacheflush.h>
#endif

#include "dmabench.h"

/* Kbuild defines DMABENCH_HAVE_<SYMBOL> for each routine the kernel exports. */

u32 dmabench_cache_direct_ops(void)
{
	u32 ops = 0;
#if defined(CONFIG_ARM64)
#ifdef DMABENCH_HAVE_DCACHE_CLEAN_POC
	ops |= 1u << DMABENCH_CACHE_CLEAN;
#endif
#ifdef DMABENCH_HAVE_DCACHE_INVAL_POC
	ops |= 1u << DMABENCH_CACHE_INVAL;
#endif
#ifdef DMABENCH_HAVE_DCACHE_CLEAN_INVAL_POC
	ops |= 1u << DMABENCH_CACHE_CLEAN_INVAL;
#endif
#ifdef DMABENCH_HAVE_CACHES_CLEAN_INVAL_POU
	ops |= 1u << DMABENCH_CACHE_CLEAN_INVAL_POU;
#endif
#else
#if defined(DMABENCH_HAVE_ARCH_WB_CACHE_PMEM) && defined(CONFIG_ARCH_HAS_PMEM_API)
	ops |= 1u << DMABENCH_CACHE_CLEAN;
#endif
#ifdef DMABENCH_HAVE_CLFLUSH_CACHE_RANGE
	ops |= 1u << DMABENCH_CACHE_CLEAN_INVAL;
#endif
#endif
	return ops;
}

/* Ticks for one op over every buffer through the kernel's own routine. */
u64 dmabench_time_cache_direct(struct dmabench_buffers *b, u32 op)
{
	u32 n = b->count;
	size_t size = b->size;
	u64 t = 0;
#define BUF(i) ((unsigned long)page_address(b->page[i]))
#define ROUTINE(op_, call)                              \
	case op_:                                       \
		t = DMABENCH_TIME_BATCH(n, call);       \
		break;

	switch (op) {
#if defined(CONFIG_ARM64)
#ifdef DMABENCH_HAVE_DCACHE_CLEAN_POC
	ROUTINE(DMABENCH_CACHE_CLEAN, dcache_clean_poc(BUF(i__), BUF(i__) + size))
#endif
#ifdef DMABENCH_HAVE_DCACHE_INVAL_POC
	ROUTINE(DMABENCH_CACHE_INVAL, dcache_inval_poc(BUF(i__), BUF(i__) + size))
#endif
#ifdef DMABENCH_HAVE_DCACHE_CLEAN_INVAL_POC
	ROUTINE(DMABENCH_CACHE_CLEAN_INVAL, dcache_clean_inval_poc(BUF(i__), BUF(i__) + size))
#endif
#ifdef DMABENCH_HAVE_CACHES_CLEAN_INVAL_POU
	ROUTINE(DMABENCH_CACHE_CLEAN_INVAL_POU, caches_clean_inval_pou(BUF(i__), BUF(i__) + size))
#endif
#else
#if defined(DMABENCH_HAVE_ARCH_WB_CACHE_PMEM) && defined(CONFIG_ARCH_HAS_PMEM_API)
	ROUTINE(DMABENCH_CACHE_CLEAN, arch_wb_cache_pmem((void *)BUF(i__), size))
#endif
#ifdef DMABENCH_HAVE_CLFLUSH_CACHE_RANGE
	ROUTINE(DMABENCH_CACHE_CLEAN_INVAL, clflush_cache_range((void *)BUF(i__), size))
#endif
#endif
	default:
		break;
	}
#undef ROUTINE
#undef BUF
	return t;
}

/* Operations the non-coherent DMA path reaches: dma_sync_single_for_device()
 * cleans (arm64's arch_sync_dma_for_device), dma_sync_single_for_cpu() with
 * DMA_FROM_DEVICE invalidates (arch_sync_dma_for_cpu). */
u32 dmabench_cache_sync_ops(void)
{
	return DMABENCH_NONCOHERENT ? (1u << DMABENCH_CACHE_CLEAN) | (1u << DMABENCH_CACHE_INVAL) : 0;
}

u64 dmabench_time_cache_sync(struct dmabench_buffers *b, u32 op)
{
	struct device *dev = &dmabench_pdev->dev;
	size_t size = b->size;

	if (op == DMABENCH_CACHE_CLEAN)
		return DMABENCH_TIME_BATCH(b->count,
			dma_sync_single_for_device(dev, b->handle[i__], size, DMA_TO_DEVICE));
	return DMABENCH_TIME_BATCH(b->count,
		dma_sync_single_for_cpu(dev, b->handle[i__], size, DMA_FROM_DEVICE));
}

/* Mapped once, bidirectionally and without the map's own maintenance, so
 * each sync is the only cache work; *mapped counts the buffers to unmap. */
static long dmabench_cache_map(struct dmabench_buffers *b, u32 *mapped)
{
	struct device *dev = &dmabench_pdev->dev;
	long err = dmabench_set_coherent(false);
	u32 i;

	for (i = 0; !err && i < b->count; i++) {
		b->handle[i] = dma_map_page_attrs(dev, b->page[i], 0, b->size,
						  DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
		if (dma_mapping_error(dev, b->handle[i]))
			err = -EIO;
		else
			(*mapped)++;
	}
	return err;
}

/* One round of CACHE: the buffers dirtied if asked, the op timed. */
struct dmabench_cache_run {
	const struct dmabench_cache_req *r;
	struct dmabench_buffers *b;
	bool direct;
	u64 *ticks;
};

static long dmabench_cache_round(void *ctx, u32 k, u32 slot)
{
	struct dmabench_cache_run *c = ctx;

	if (c->r->state == DMABENCH_STATE_DIRTY)
		dmabench_dirty(c->b, k);
	preempt_disable();
	c->ticks[slot] = c->direct ? dmabench_time_cache_direct(c->b, c->r->op)
				   : dmabench_time_cache_sync(c->b, c->r->op);
	preempt_enable();
	return 0;
}

long dmabench_cache(struct dmabench_cache_req *r, struct dmabench_samples *s)
{
	struct dmabench_cache_run c = { .r = r, .direct = dmabench_info.cache_direct & (1u << r->op) };
	u32 i, mapped = 0;
	long err;

	if (!(dmabench_info.cache_ops & (1u << r->op)))
		return -EOPNOTSUPP;
	c.b = dmabench_alloc_buffers(r->batch, r->size);
	err = c.b ? dmabench_samples_alloc(s, r->samples, r->batch) : -ENOMEM;
	if (!err && !c.direct)
		err = dmabench_cache_map(c.b, &mapped);
	if (!err) {
		c.ticks = dmabench_samples_of(s, &r->op_stats);
		err = dmabench_rounds(r->samples, dmabench_cache_round, &c);
	}
	r->direct = c.direct;
	for (i = 0; i < mapped; i++)
		dma_unmap_page_attrs(&dmabench_pdev->dev, c.b->handle[i], r->size,
				     DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	if (c.b)
		dmabench_free_buffers(c.b);
	return err;
}
