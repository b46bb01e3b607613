// SPDX-License-Identifier: GPL-2.0
/*
 * dmabench.ko on Xen (issue 11): XEN_CALL, GNTTAB_FLUSH and XEN_FOREIGN.
 * Built everywhere; without CONFIG_XEN, or outside Xen, all three answer
 * EOPNOTSUPP (and GNTTAB_FLUSH and XEN_FOREIGN off arm64 or outside dom0).
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
 *
 * XEN_FOREIGN: dma_map_page/unmap through the bound device of a page another
 * domain grants to dom0, beside one of dom0's own (see dmabench_uapi.h).
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "dmabench.h"

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

long dmabench_xen_call(struct dmabench_xen_call_req *r, struct dmabench_samples *s)
{
	int version = 0;
	long err;

	if (!xen_domain())
		return -EOPNOTSUPP;
	err = dmabench_samples_alloc(s, r->samples, r->batch);
	if (!err)
		err = dmabench_alternate(r->samples, r->batch, dmabench_samples_of(s, &r->call),
					 NULL, dmabench_samples_of(s, &r->hypercall),
					 dmabench_time_xen_version, &version);
	r->version = version;
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

/* One op per Xen page of the buffer, by the bus address Xen reads as a
 * machine address: dom0's own frames, translated by its p2m (1:1 on an
 * arm64 dom0). */
static struct gnttab_cache_flush *dmabench_gnttab_ops(const struct dmabench_gnttab_flush_req *r,
						      struct page *page, u32 pages)
{
	static const u32 xen_op[] = {
		[DMABENCH_CACHE_CLEAN] = GNTTAB_CACHE_CLEAN,
		[DMABENCH_CACHE_INVAL] = GNTTAB_CACHE_INVAL,
		[DMABENCH_CACHE_CLEAN_INVAL] = GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL,
	};
	struct gnttab_cache_flush *ops = kcalloc(pages, sizeof(*ops), GFP_KERNEL);
	u32 i;

	for (i = 0; ops && i < pages; i++) {
		phys_addr_t pa = page_to_phys(page) + (phys_addr_t)i * XEN_PAGE_SIZE;

		ops[i].a.dev_bus_addr = (u64)pfn_to_bfn(XEN_PFN_DOWN(pa)) << XEN_PAGE_SHIFT;
		ops[i].offset = 0;
		ops[i].length = min_t(u64, XEN_PAGE_SIZE, r->size - (u64)i * XEN_PAGE_SIZE);
		ops[i].op = xen_op[r->op];
	}
	return ops;
}

/* Without the kernel's own routine the local side is the DMA sync path:
 * the buffer mapped once, without the map's own maintenance, so each sync
 * is the only cache work (as CACHE does). */
static long dmabench_gnttab_map_local(struct dmabench_buffers *b, u32 op, bool *mapped)
{
	struct device *dev = &dmabench_pdev->dev;
	long err;

	if (dmabench_info.cache_direct & (1u << op))
		return 0;
	err = dmabench_set_coherent(false);
	if (err)
		return err;
	b->handle[0] = dma_map_page_attrs(dev, b->page[0], 0, b->size, DMA_BIDIRECTIONAL,
					  DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(dev, b->handle[0]))
		return -EIO;
	*mapped = true;
	return 0;
}

/* One round of GNTTAB_FLUSH: the flush's hypercalls, per ops each, every
 * answer in ret; beside them the local side. */
struct dmabench_flush {
	struct dmabench_gnttab_flush_req *r;
	struct dmabench_buffers *b;
	struct gnttab_cache_flush *ops;
	long *ret;
	u32 pages, per, calls;
	u64 *hyper, *local;
};

/* Every call's answer, every sample: a failed call fails all of its ops as
 * far as the caller can tell. */
static void dmabench_gnttab_count(struct dmabench_flush *f)
{
	u32 c;

	for (c = 0; c < f->calls; c++) {
		if (!f->ret[c])
			continue;
		f->r->failed_ops += min(f->per, f->pages - c * f->per);
		if (!f->r->first_status)
			f->r->first_status = (s32)f->ret[c];
	}
}

/* Each side on dirty lines; which goes first alternates. */
static long dmabench_gnttab_round(void *ctx, u32 k, u32 slot)
{
	struct dmabench_flush *f = ctx;
	struct dmabench_buffers *b = f->b;
	u32 op = f->r->op;

	dmabench_dirty(b, k);
	preempt_disable();
	if (k & 1) {
		f->local[slot] = dmabench_xen_local(b, op);
		dmabench_dirty(b, k);
	}
	f->hyper[slot] = DMABENCH_TIME_BATCH(f->calls, f->ret[i__] = HYPERVISOR_grant_table_op(
		GNTTABOP_cache_flush, &f->ops[i__ * f->per], min(f->per, f->pages - i__ * f->per)));
	if (!(k & 1)) {
		dmabench_dirty(b, k);
		f->local[slot] = dmabench_xen_local(b, op);
	}
	preempt_enable();
	dmabench_gnttab_count(f);
	return 0;
}

long dmabench_gnttab_flush(struct dmabench_gnttab_flush_req *r, struct dmabench_samples *s)
{
	u32 pages = DIV_ROUND_UP(r->size, XEN_PAGE_SIZE), per = min(r->per_call, pages);
	struct dmabench_flush f = { .r = r, .pages = pages, .per = per,
				    .calls = DIV_ROUND_UP(pages, per) };
	bool mapped = false;
	long err;

	if (!xen_initial_domain())
		return -EOPNOTSUPP;
	f.b = dmabench_alloc_buffers(1, r->size);
	f.ops = f.b ? dmabench_gnttab_ops(r, f.b->page[0], pages) : NULL;
	f.ret = kcalloc(f.calls, sizeof(*f.ret), GFP_KERNEL);
	err = f.b && f.ops && f.ret ? dmabench_samples_alloc(s, r->samples, 1) : -ENOMEM;
	if (!err)
		err = dmabench_gnttab_map_local(f.b, r->op, &mapped);
	if (!err) {
		f.hyper = dmabench_samples_of(s, &r->hypercall);
		f.local = dmabench_samples_of(s, &r->local);
		err = dmabench_rounds(r->samples, dmabench_gnttab_round, &f);
	}
	if (mapped)
		dma_unmap_page_attrs(&dmabench_pdev->dev, f.b->handle[0], r->size,
				     DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	kfree(f.ret);
	kfree(f.ops);
	if (f.b)
		dmabench_free_buffers(f.b);
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

	preempt_disable();
	if (counts) {
		atomic_set(&dmabench_xen_calls, 0);
		WRITE_ONCE(dmabench_xen_count_cpu, smp_processor_id());
	}
	*map = DMABENCH_TIME_BATCH(batch, h[i__] = dma_map_page(dev, page, 0, PAGE_SIZE, dir));
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
	*unmap = DMABENCH_TIME_BATCH(batch, dma_unmap_page(dev, h[i__], PAGE_SIZE, dir));
	if (counts) {
		counts[1] = atomic_read(&dmabench_xen_calls);
		WRITE_ONCE(dmabench_xen_count_cpu, -1);
	}
	preempt_enable();
	return 0;
}

/* Dom0 maps the grant into one of its own (ballooned) frames; the p2m then
 * sends that frame's bus address to the other domain's. */
static long dmabench_xen_grant(struct dmabench_xen_foreign_req *r, struct page *fpage,
			       struct gnttab_map_grant_ref *mop)
{
	unsigned long pfn, bfn;
	long err;

	gnttab_set_map_op(mop, (phys_addr_t)page_address(fpage), GNTMAP_host_map,
			  r->gref, (domid_t)r->domid);
	err = gnttab_map_refs(mop, NULL, &fpage, 1);
	r->grant_status = mop->status;
	if (err || mop->status != GNTST_okay) {
		pr_info("dmabench: grant %u of d%u: map answered %ld, status %d\n",
			r->gref, r->domid, err, mop->status);
		return err == -ENOMEM ? err : -ENOENT;
	}
	r->head = *(u64 *)page_address(fpage);
	pfn = page_to_xen_pfn(fpage);
	bfn = pfn_to_bfn(pfn);
	r->translated = bfn != pfn && !pfn_valid(bfn);
	return 0;
}

static void dmabench_xen_ungrant(const struct dmabench_xen_foreign_req *r, struct page *fpage,
				 const struct gnttab_map_grant_ref *mop)
{
	struct gnttab_unmap_grant_ref uop;

	gnttab_set_unmap_op(&uop, (phys_addr_t)page_address(fpage), GNTMAP_host_map, mop->handle);
	if (gnttab_unmap_refs(&uop, NULL, &fpage, 1) || uop.status != GNTST_okay)
		pr_warn("dmabench: grant %u of d%u: unmap status %d\n", r->gref, r->domid,
			uop.status);
}

/* One round of XEN_FOREIGN: both pages, which goes first alternating;
 * round 0 (the warm-up) counts the hypercalls, with the kprobe on. */
struct dmabench_foreign {
	struct device *dev;
	const struct dmabench_xen_foreign_req *r;
	struct page *page[2];      /* dom0's own, the granted one */
	dma_addr_t *h;
	u64 *t[4];                 /* local map, unmap, foreign map, unmap */
	s32 counts[4];
	bool probed;
};

static long dmabench_foreign_round(void *ctx, u32 k, u32 slot)
{
	struct dmabench_foreign *x = ctx;
	enum dma_data_direction dir = (enum dma_data_direction)x->r->dir;
	long err = 0;
	u32 i, side;

	for (i = 0; !err && i < 2; i++) {
		side = (k & 1) ^ i;  /* 0: dom0's own page, 1: the foreign one */
		err = dmabench_xen_map_sample(x->dev, x->page[side], x->r->batch, dir, x->h,
					      &x->t[2 * side][slot], &x->t[2 * side + 1][slot],
					      !k && x->probed ? &x->counts[2 * side] : NULL);
	}
	return err;
}

/* With the bound device's coherence as asked and the kprobe counting. */
static long dmabench_xen_foreign_samples(struct dmabench_foreign *x,
					 struct dmabench_xen_foreign_req *r,
					 struct dmabench_samples *s)
{
	struct kprobe kp = { .symbol_name = "HYPERVISOR_grant_table_op",
			     .pre_handler = dmabench_xen_count };
	bool was_coherent = x->dev->dma_coherent;
	long err;

	x->t[0] = dmabench_samples_of(s, &r->local_map);
	x->t[1] = dmabench_samples_of(s, &r->local_unmap);
	x->t[2] = dmabench_samples_of(s, &r->foreign_map);
	x->t[3] = dmabench_samples_of(s, &r->foreign_unmap);
	x->probed = register_kprobe(&kp) == 0;
	x->dev->dma_coherent = r->coherent;
	err = dmabench_rounds(r->samples, dmabench_foreign_round, x);
	x->dev->dma_coherent = was_coherent;
	if (x->probed)
		unregister_kprobe(&kp);
	r->hypercalls_local_map = x->counts[0];
	r->hypercalls_local_unmap = x->counts[1];
	r->hypercalls_foreign_map = x->counts[2];
	r->hypercalls_foreign_unmap = x->counts[3];
	return err;
}

long dmabench_xen_foreign(struct dmabench_xen_foreign_req *r, struct dmabench_samples *s)
{
	struct dmabench_foreign x = { .r = r, .counts = { -1, -1, -1, -1 } };
	struct gnttab_map_grant_ref mop;
	long err;

	if (!xen_initial_domain())
		return -EOPNOTSUPP;
	x.page[0] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	x.h = kcalloc(r->batch, sizeof(*x.h), GFP_KERNEL);
	err = x.page[0] && x.h ? dmabench_samples_alloc(s, r->samples, r->batch) : -ENOMEM;
	if (!err && gnttab_alloc_pages(1, &x.page[1])) {
		x.page[1] = NULL;
		err = -ENOMEM;
	}
	down_read(&dmabench_dev_sem);
	x.dev = dmabench_named;
	if (!err && !x.dev)
		err = -ENODEV;  /* dom0's DMA ops come with a bound device */
	if (!err)
		err = dmabench_xen_grant(r, x.page[1], &mop);
	if (!err) {
		err = dmabench_xen_foreign_samples(&x, r, s);
		dmabench_xen_ungrant(r, x.page[1], &mop);
	}
	up_read(&dmabench_dev_sem);
	if (x.page[1])
		gnttab_free_pages(1, &x.page[1]);
	if (x.page[0])
		__free_page(x.page[0]);
	kfree(x.h);
	return err;
}

#else  /* GNTTABOP_cache_flush is Xen on Arm's: x86 DMA is coherent */
long dmabench_gnttab_flush(struct dmabench_gnttab_flush_req *r, struct dmabench_samples *s)
{
	return -EOPNOTSUPP;
}

long dmabench_xen_foreign(struct dmabench_xen_foreign_req *r, struct dmabench_samples *s)
{
	return -EOPNOTSUPP;
}
#endif

#else  /* !CONFIG_XEN */

long dmabench_xen_call(struct dmabench_xen_call_req *r, struct dmabench_samples *s)
{
	return -EOPNOTSUPP;
}

long dmabench_gnttab_flush(struct dmabench_gnttab_flush_req *r, struct dmabench_samples *s)
{
	return -EOPNOTSUPP;
}

long dmabench_xen_foreign(struct dmabench_xen_foreign_req *r, struct dmabench_samples *s)
{
	return -EOPNOTSUPP;
}
#endif
