// SPDX-License-Identifier: GPL-2.0
/*
 * dmabench.ko on Xen (issue 11): XEN_CALL, GNTTAB_FLUSH and XEN_FOREIGN.
 *
 * XEN_FOREIGN: dma_map_page/unmap through the bound device of a page another
 * domain grants to dom0, beside one of dom0's own (see dmabench_uapi.h).
 *
 * Compiled as part of dmabench.c (#included there, because a module named
 * dmabench cannot also link a dmabench.o part), so it shares the counter,
 * DMABENCH_TIME_BATCH, the empty function, the statistics, the module's
 * platform device and its bound one. Without CONFIG_XEN, or outside Xen, all
 * three answer EOPNOTSUPP.
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
#include <xen/grant_table.h>
#include <asm/xen/hypercall.h>
#include <linux/kprobes.h>

/* xen_version never blocks: it may run with interrupts off. */
static u64 dmabench_time_xen_version(u32 batch, void *version)
{
	int v = 0;
	u64 t = DMABENCH_TIME_BATCH(batch, v = HYPERVISOR_xen_version(XENVER_version, NULL));

	*(int *)version = v;
	return t;
}

static long dmabench_xen_call(struct dmabench_xen_call_req *r)
{
	u64 hz = dmabench_info.counter_hz, *call, *hvc;
	int version = 0;
	long err;

	if (!xen_domain())
		return -EOPNOTSUPP;
	call = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	hvc = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	err = call && hvc ? 0 : -ENOMEM;
	if (!err)
		err = dmabench_alternate(r->samples, r->batch, call, NULL, hvc,
					 dmabench_time_xen_version, &version);
	if (!err) {
		r->version = version;
		dmabench_summarise(&r->call, call, r->samples, r->batch, hz);
		dmabench_summarise(&r->hypercall, hvc, r->samples, r->batch, hz);
	}
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

/* ---- XEN_FOREIGN: a page of another domain through dom0's DMA ops -------- */

/* Grant-table hypercalls made on one CPU while it counts (-1: none counts). */
static atomic_t dmabench_xen_calls;
static int dmabench_xen_count_cpu = -1;

static int dmabench_xen_count(struct kprobe *p, struct pt_regs *regs)
{
	if (smp_processor_id() == READ_ONCE(dmabench_xen_count_cpu))
		atomic_inc(&dmabench_xen_calls);
	return 0;
}

/* batch maps of one page (timed), then batch unmaps (timed); with counts,
 * the grant-table hypercalls each side made (untimed: the kprobe costs). */
static long dmabench_xen_map_sample(struct device *dev, struct page *page, u32 batch,
				    enum dma_data_direction dir, dma_addr_t *h,
				    u64 *map, u64 *unmap, s32 *counts)
{
	u32 i, bad = 0;
	u64 t0;

	preempt_disable();
	if (counts) {
		atomic_set(&dmabench_xen_calls, 0);
		WRITE_ONCE(dmabench_xen_count_cpu, smp_processor_id());
	}
	t0 = dmabench_ticks();
	for (i = 0; i < batch; i++)
		h[i] = dma_map_page(dev, page, 0, PAGE_SIZE, dir);
	*map = dmabench_ticks() - t0;
	if (counts)
		counts[0] = atomic_xchg(&dmabench_xen_calls, 0);
	for (i = 0; i < batch; i++)
		bad += dma_mapping_error(dev, h[i]) != 0;
	if (bad) {
		for (i = 0; i < batch; i++)
			if (!dma_mapping_error(dev, h[i]))
				dma_unmap_page(dev, h[i], PAGE_SIZE, dir);
		WRITE_ONCE(dmabench_xen_count_cpu, -1);
		preempt_enable();
		return -EIO;
	}
	t0 = dmabench_ticks();
	for (i = 0; i < batch; i++)
		dma_unmap_page(dev, h[i], PAGE_SIZE, dir);
	*unmap = dmabench_ticks() - t0;
	if (counts) {
		counts[1] = atomic_read(&dmabench_xen_calls);
		WRITE_ONCE(dmabench_xen_count_cpu, -1);
	}
	preempt_enable();
	return 0;
}

static long dmabench_xen_foreign(struct dmabench_xen_foreign_req *r)
{
	enum dma_data_direction dir = (enum dma_data_direction)r->dir;
	struct kprobe kp = { .symbol_name = "HYPERVISOR_grant_table_op",
			     .pre_handler = dmabench_xen_count };
	u64 hz = dmabench_info.counter_hz, *t[4] = { NULL };
	s32 counts[4] = { -1, -1, -1, -1 };
	struct gnttab_unmap_grant_ref uop;
	struct gnttab_map_grant_ref mop;
	struct page *fpage = NULL, *lpage;
	bool granted = false, probed, was_coherent;
	unsigned long pfn, bfn;
	struct device *dev;
	dma_addr_t *h;
	long err = 0;
	u32 s, k;

	if (!xen_initial_domain())
		return -EOPNOTSUPP;
	lpage = alloc_page(GFP_KERNEL | __GFP_ZERO);
	h = kcalloc(r->batch, sizeof(*h), GFP_KERNEL);
	for (k = 0; k < 4; k++)
		t[k] = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	if (!lpage || !h || !t[0] || !t[1] || !t[2] || !t[3] || gnttab_alloc_pages(1, &fpage)) {
		fpage = NULL;
		err = -ENOMEM;
		goto out;
	}
	down_read(&dmabench_dev_sem);
	dev = dmabench_named;
	if (!dev) {
		err = -ENODEV;  /* dom0's DMA ops come with a bound device */
		goto out_sem;
	}
	/* Dom0 maps the grant into one of its own (ballooned) frames; the
	 * p2m then sends that frame's bus address to the other domain's. */
	gnttab_set_map_op(&mop, (phys_addr_t)page_address(fpage), GNTMAP_host_map,
			  r->gref, (domid_t)r->domid);
	err = gnttab_map_refs(&mop, NULL, &fpage, 1);
	r->grant_status = mop.status;
	if (err || mop.status != GNTST_okay) {
		pr_info("dmabench: grant %u of d%u: map answered %ld, status %d\n",
			r->gref, r->domid, err, mop.status);
		err = err == -ENOMEM ? err : -ENOENT;
		goto out_sem;
	}
	granted = true;
	r->head = *(u64 *)page_address(fpage);
	pfn = page_to_xen_pfn(fpage);
	bfn = pfn_to_bfn(pfn);
	r->translated = bfn != pfn && !pfn_valid(bfn);

	probed = register_kprobe(&kp) == 0;
	was_coherent = dev->dma_coherent;
	dev->dma_coherent = r->coherent;
	for (s = 0; !err && s <= r->samples; s++) {  /* s = 0: a warm-up, counted */
		k = s ? s - 1 : 0;
		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		/* Which page goes first alternates. */
		err = dmabench_xen_map_sample(dev, s & 1 ? fpage : lpage, r->batch, dir, h,
					      &t[s & 1 ? 2 : 0][k], &t[s & 1 ? 3 : 1][k],
					      !s && probed ? &counts[s & 1 ? 2 : 0] : NULL);
		if (!err)
			err = dmabench_xen_map_sample(dev, s & 1 ? lpage : fpage, r->batch, dir, h,
						      &t[s & 1 ? 0 : 2][k], &t[s & 1 ? 1 : 3][k],
						      !s && probed ? &counts[s & 1 ? 0 : 2] : NULL);
		cond_resched();
	}
	dev->dma_coherent = was_coherent;
	if (probed)
		unregister_kprobe(&kp);
	if (!err) {
		r->hypercalls_local_map = counts[0];
		r->hypercalls_local_unmap = counts[1];
		r->hypercalls_foreign_map = counts[2];
		r->hypercalls_foreign_unmap = counts[3];
		dmabench_summarise(&r->local_map, t[0], r->samples, r->batch, hz);
		dmabench_summarise(&r->local_unmap, t[1], r->samples, r->batch, hz);
		dmabench_summarise(&r->foreign_map, t[2], r->samples, r->batch, hz);
		dmabench_summarise(&r->foreign_unmap, t[3], r->samples, r->batch, hz);
	}
out_sem:
	if (granted) {
		gnttab_set_unmap_op(&uop, (phys_addr_t)page_address(fpage), GNTMAP_host_map,
				    mop.handle);
		if (gnttab_unmap_refs(&uop, NULL, &fpage, 1) || uop.status != GNTST_okay)
			pr_warn("dmabench: grant %u of d%u: unmap status %d\n", r->gref,
				r->domid, uop.status);
	}
	up_read(&dmabench_dev_sem);
out:
	if (fpage)
		gnttab_free_pages(1, &fpage);
	if (lpage)
		__free_page(lpage);
	for (k = 0; k < 4; k++)
		kvfree(t[k]);
	kfree(h);
	return err;
}

#else  /* GNTTABOP_cache_flush is Xen on Arm's: x86 DMA is coherent */
static long dmabench_gnttab_flush(struct dmabench_gnttab_flush_req *r)
{
	return -EOPNOTSUPP;
}

static long dmabench_xen_foreign(struct dmabench_xen_foreign_req *r)
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

static long dmabench_xen_foreign(struct dmabench_xen_foreign_req *r)
{
	return -EOPNOTSUPP;
}
#endif
