// SPDX-License-Identifier: GPL-2.0
/*
 * dmabench.ko on Xen (issue 11): XEN_CALL and GNTTAB_FLUSH.
 *
 * Compiled as part of dmabench.c (#included there, because a module named
 * dmabench cannot also link a dmabench.o part), so it shares the counter,
 * DMABENCH_TIME_BATCH, the empty function, the statistics and the module's
 * platform device. Without CONFIG_XEN, or outside Xen, both answer EOPNOTSUPP.
 *
 * XEN_CALL: HYPERVISOR_xen_version(XENVER_version, NULL), the cheapest Xen
 * hypercall, against the empty function, sample by sample as CALL does.
 *
 * GNTTAB_FLUSH: GNTTABOP_cache_flush over one buffer of `size` bytes, one op
 * per Xen page (an op covers at most one), `per_call` ops per hypercall:
 * per_call 1 is how Linux issues it (arch/arm/xen/mm.c, dma_cache_maint).
 * Xen has no per-op status field: a hypercall answers 0 or the first op's
 * error, so every call's answer is kept and counted (Linux ignores it, so a
 * failing flush would still look cheap). Beside it, in the same sample, the
 * kernel's own maintenance of the same bytes: its dcache_*_poc routines
 * where exported, else the DMA sync path on the module's non-coherent device
 * (clean: for_device; invalidate: for_cpu; clean+invalidate: both, as a
 * bidirectional buffer gets).
 */
#if IS_ENABLED(CONFIG_XEN)
#include <xen/xen.h>
#include <xen/interface/version.h>
#include <xen/interface/grant_table.h>
#include <xen/page.h>
#include <asm/xen/hypercall.h>

static long dmabench_xen_call(struct dmabench_xen_call_req *r)
{
	u64 hz = dmabench_info.counter_hz, *call, *hvc;
	unsigned long flags;
	int version = 0;
	long err = 0;
	u32 s, k;

	if (!xen_domain())
		return -EOPNOTSUPP;
	call = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	hvc = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	if (!call || !hvc) {
		err = -ENOMEM;
		goto out;
	}
	for (s = 0; s <= r->samples; s++) {  /* s = 0: a warm-up, overwritten */
		if (signal_pending(current)) {
			err = -EINTR;
			goto out;
		}
		local_irq_save(flags);  /* xen_version never blocks */
		k = s ? s - 1 : 0;
		if (s & 1)
			call[k] = DMABENCH_TIME_BATCH(r->batch, dmabench_empty());
		hvc[k] = DMABENCH_TIME_BATCH(r->batch,
					     version = HYPERVISOR_xen_version(XENVER_version, NULL));
		if (!(s & 1))
			call[k] = DMABENCH_TIME_BATCH(r->batch, dmabench_empty());
		local_irq_restore(flags);
		cond_resched();
	}
	r->version = version;
	dmabench_summarise(&r->call, call, r->samples, r->batch, hz);
	dmabench_summarise(&r->hypercall, hvc, r->samples, r->batch, hz);
out:
	kvfree(call);
	kvfree(hvc);
	return err;
}

#if defined(CONFIG_ARM64)
/* The kernel's own maintenance of one buffer (b->count is 1). */
static u64 dmabench_xen_local(struct dmabench_buffers *b, u32 op)
{
	struct device *dev = &dmabench_pdev->dev;
	size_t size = b->size;

	if (dmabench_info.cache_direct & (1u << op))
		return dmabench_time_cache_direct(b, op);
	if (op != DMABENCH_CACHE_CLEAN_INVAL)
		return dmabench_time_cache_sync(b, op);
	return DMABENCH_TIME_BATCH(1, {
		dma_sync_single_for_device(dev, b->handle[0], size, DMA_BIDIRECTIONAL);
		dma_sync_single_for_cpu(dev, b->handle[0], size, DMA_BIDIRECTIONAL);
	});
}

static long dmabench_gnttab_flush(struct dmabench_gnttab_flush_req *r)
{
	static const u32 xen_op[] = {
		[DMABENCH_CACHE_CLEAN] = GNTTAB_CACHE_CLEAN,
		[DMABENCH_CACHE_INVAL] = GNTTAB_CACHE_INVAL,
		[DMABENCH_CACHE_CLEAN_INVAL] = GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL,
	};
	struct device *dev = &dmabench_pdev->dev;
	u32 pages = DIV_ROUND_UP(r->size, XEN_PAGE_SIZE), per = min(r->per_call, pages);
	u32 calls = DIV_ROUND_UP(pages, per), s, i, c;
	u64 hz = dmabench_info.counter_hz, *hyper, *local, t0;
	struct gnttab_cache_flush *ops;
	struct dmabench_buffers *b;
	bool mapped = false;
	long err = 0, *ret;

	/* A bus address Xen reads as a machine address: dom0's own frames,
	 * translated by its p2m (1:1 on an arm64 dom0). */
	if (!xen_initial_domain())
		return -EOPNOTSUPP;
	b = dmabench_alloc_buffers(1, r->size);
	ops = kcalloc(pages, sizeof(*ops), GFP_KERNEL);
	ret = kcalloc(calls, sizeof(*ret), GFP_KERNEL);
	hyper = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	local = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	if (!b || !ops || !ret || !hyper || !local) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < pages; i++) {
		phys_addr_t pa = page_to_phys(b->page[0]) + (phys_addr_t)i * XEN_PAGE_SIZE;

		ops[i].a.dev_bus_addr = (u64)pfn_to_bfn(XEN_PFN_DOWN(pa)) << XEN_PAGE_SHIFT;
		ops[i].offset = 0;
		ops[i].length = min_t(u64, XEN_PAGE_SIZE, r->size - (u64)i * XEN_PAGE_SIZE);
		ops[i].op = xen_op[r->op];
	}
	if (!(dmabench_info.cache_direct & (1u << r->op))) {
		/* Mapped once, without the map's own maintenance, so each sync
		 * below is the only cache work (as CACHE does). */
		err = dmabench_set_coherent(false);
		if (err)
			goto out;
		b->handle[0] = dma_map_page_attrs(dev, b->page[0], 0, r->size, DMA_BIDIRECTIONAL,
						  DMA_ATTR_SKIP_CPU_SYNC);
		if (dma_mapping_error(dev, b->handle[0])) {
			err = -EIO;
			goto out;
		}
		mapped = true;
	}
	for (s = 0; s <= r->samples; s++) {  /* s = 0: a warm-up, overwritten */
		u64 *h = &hyper[s ? s - 1 : 0], *l = &local[s ? s - 1 : 0];

		if (signal_pending(current)) {
			err = -EINTR;
			goto out;
		}
		/* Dirty lines before each side; which goes first alternates. */
		dmabench_dirty(b, s);
		preempt_disable();
		if (s & 1) {
			*l = dmabench_xen_local(b, r->op);
			dmabench_dirty(b, s);
		}
		t0 = dmabench_ticks();
		for (i = 0, c = 0; i < pages; i += per, c++)
			ret[c] = HYPERVISOR_grant_table_op(GNTTABOP_cache_flush, &ops[i],
							   min(per, pages - i));
		*h = dmabench_ticks() - t0;
		if (!(s & 1)) {
			dmabench_dirty(b, s);
			*l = dmabench_xen_local(b, r->op);
		}
		preempt_enable();
		/* Every call's answer, every sample: a failed call fails all of
		 * its ops as far as the caller can tell. */
		for (c = 0; c < calls; c++) {
			if (!ret[c])
				continue;
			r->failed_ops += min(per, pages - c * per);
			if (!r->first_status)
				r->first_status = (s32)ret[c];
		}
		cond_resched();
	}
	dmabench_summarise(&r->hypercall, hyper, r->samples, 1, hz);
	dmabench_summarise(&r->local, local, r->samples, 1, hz);
out:
	if (mapped)
		dma_unmap_page_attrs(dev, b->handle[0], r->size, DMA_BIDIRECTIONAL,
				     DMA_ATTR_SKIP_CPU_SYNC);
	kvfree(hyper);
	kvfree(local);
	kfree(ret);
	kfree(ops);
	if (b)
		dmabench_free_buffers(b);
	return err;
}
#else  /* GNTTABOP_cache_flush is Xen on Arm's: x86 DMA is coherent */
static long dmabench_gnttab_flush(struct dmabench_gnttab_flush_req *r)
{
	return -EOPNOTSUPP;
}
#endif

#else  /* !CONFIG_XEN */

static long dmabench_xen_call(struct dmabench_xen_call_req *r)
{
	return -EOPNOTSUPP;
}

static long dmabench_gnttab_flush(struct dmabench_gnttab_flush_req *r)
{
	return -EOPNOTSUPP;
}
#endif
