// SPDX-License-Identifier: GPL-2.0
/*
 * dmabench.ko: what only EL1 (ring 0) can time, for dmabench's kmod/ family.
 *
 * /dev/dmabench answers four ioctls (dmabench_uapi.h): INFO; CALL, a
 * hypercall through the kernel's SMCCC helpers against a call to an empty
 * function; MAP, dma_map_{page,single} + dma_unmap_* on a platform device the
 * module owns, DMA-coherent or not; CACHE, the kernel's own cache maintenance
 * where a module can reach it, else the same through dma_sync_*.
 *
 * Timing: CNTVCT_EL0 read between ISBs (arm64) or RDTSC between LFENCEs
 * (x86_64) around a batch of operations; the statistics and argument checks
 * are dmabench_core.h, shared with user-space tests.
 *
 * One request runs at a time (another gets -EBUSY); a pending signal ends a
 * request between samples (-EINTR); an open file holds a module reference,
 * so rmmod refuses while anyone can issue a request.
 */
#include <linux/delay.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swiotlb.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#if defined(CONFIG_ARM64)
#include <linux/arm-smccc.h>
#include <uapi/linux/psci.h>
#include <asm/cacheflush.h>
#elif defined(CONFIG_X86_64)
#include <linux/kvm_para.h>
#include <linux/libnvdimm.h>
#include <asm/cacheflush.h>
#include <asm/tsc.h>
#else
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

static struct platform_device *dmabench_pdev;
static struct dmabench_info dmabench_info;
static DEFINE_MUTEX(dmabench_busy);

#if defined(CONFIG_ARM64)
static bool dmabench_smccc_1_1;  /* inline fast path: only x0-x3 clobbered */
#endif

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

/* The baseline: a real call and return the compiler must keep. */
static noinline void dmabench_empty(void)
{
	barrier();
}

/* Ticks taken by `batch` runs of stmt. */
#define DMABENCH_TIME_BATCH(batch, stmt)                       \
	({                                                      \
		u32 i__;                                        \
		u64 t0__ = dmabench_ticks();                    \
		for (i__ = 0; i__ < (batch); i__++) {           \
			stmt;                                   \
		}                                               \
		dmabench_ticks() - t0__;                        \
	})

/* ---- hypercall ---------------------------------------------------------- */

static void dmabench_probe_hypercall(struct dmabench_info *info)
{
#if defined(CONFIG_ARM64)
	static const char *const psci_compat[] = { "arm,psci-1.0", "arm,psci-0.2" };
	enum arm_smccc_conduit c = arm_smccc_1_1_get_conduit();
	const char *method = NULL;
	unsigned int k;

	if (c == SMCCC_CONDUIT_HVC || c == SMCCC_CONDUIT_SMC) {
		dmabench_smccc_1_1 = true;
		info->flags |= DMABENCH_INFO_SMCCC_1_1;
		info->conduit = c == SMCCC_CONDUIT_HVC ? DMABENCH_CONDUIT_HVC : DMABENCH_CONDUIT_SMC;
		info->hypercall_fn = ARM_SMCCC_VERSION_FUNC_ID;
		snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
			 "SMCCC_VERSION by %s (SMCCC v1.1 inline call)",
			 c == SMCCC_CONDUIT_HVC ? "hvc #0" : "smc #0");
		return;
	}
	/* SMCCC v1.0: PSCI_VERSION, which every PSCI 0.2+ firmware answers, by
	 * the conduit the device tree gives PSCI (the one the kernel uses). */
	for (k = 0; k < ARRAY_SIZE(psci_compat) && !method; k++) {
		struct device_node *np = of_find_compatible_node(NULL, NULL, psci_compat[k]);

		if (np && of_property_read_string(np, "method", &method))
			method = NULL;
		of_node_put(np);
	}
	if (method && (!strcmp(method, "hvc") || !strcmp(method, "smc"))) {
		info->conduit = method[0] == 'h' ? DMABENCH_CONDUIT_HVC : DMABENCH_CONDUIT_SMC;
		info->hypercall_fn = PSCI_0_2_FN_PSCI_VERSION;
		snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
			 "PSCI_VERSION by %s #0 (SMCCC v1.0 out-of-line call)", method);
		return;
	}
	info->conduit = DMABENCH_CONDUIT_NONE;
	snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
		 "no conduit: no SMCCC v1.1 and no PSCI 0.2+ device-tree node");
#else
	if (kvm_para_available()) {
		info->conduit = DMABENCH_CONDUIT_VMCALL;
		info->hypercall_fn = KVM_HC_VAPIC_POLL_IRQ;
		snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
			 "KVM_HC_VAPIC_POLL_IRQ (KVM's no-op hypercall) by vmcall/vmmcall");
		return;
	}
	info->conduit = DMABENCH_CONDUIT_NONE;
	snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
		 "no conduit: not a KVM guest (no KVM CPUID signature)");
#endif
}

/* Ticks for batch hypercalls; *ret gets the last call's result register. */
static u64 dmabench_time_hypercalls(u32 batch, s64 *ret)
{
	u32 fn = dmabench_info.hypercall_fn;
	u64 t = 0;
#if defined(CONFIG_ARM64)
	struct arm_smccc_res res = { 0 };

	if (dmabench_smccc_1_1 && dmabench_info.conduit == DMABENCH_CONDUIT_HVC)
		t = DMABENCH_TIME_BATCH(batch, arm_smccc_1_1_hvc(fn, &res));
	else if (dmabench_smccc_1_1)
		t = DMABENCH_TIME_BATCH(batch, arm_smccc_1_1_smc(fn, &res));
	else if (dmabench_info.conduit == DMABENCH_CONDUIT_HVC)
		t = DMABENCH_TIME_BATCH(batch, arm_smccc_hvc(fn, 0, 0, 0, 0, 0, 0, 0, &res));
	else
		t = DMABENCH_TIME_BATCH(batch, arm_smccc_smc(fn, 0, 0, 0, 0, 0, 0, 0, &res));
	*ret = (s64)res.a0;
#else
	long r = 0;

	t = DMABENCH_TIME_BATCH(batch, r = kvm_hypercall0(fn));
	*ret = r;
#endif
	return t;
}

/*
 * Samples of the empty call beside `other` (a hypercall; none when other is
 * NULL), one sample each per round with interrupts off; which side goes first
 * alternates so neither always follows the other. Round 0 is a warm-up,
 * overwritten. timer, when set, gets the cost of an empty timed region.
 */
static long dmabench_alternate(u32 samples, u32 batch, u64 *call, u64 *timer, u64 *hvc,
			       u64 (*other)(u32 batch, void *ctx), void *ctx)
{
	unsigned long flags;
	u32 s, k;

	for (s = 0; s <= samples; s++) {
		if (signal_pending(current))
			return -EINTR;
		local_irq_save(flags);
		k = s ? s - 1 : 0;
		if (s & 1)
			call[k] = DMABENCH_TIME_BATCH(batch, dmabench_empty());
		if (other)
			hvc[k] = other(batch, ctx);
		if (!(s & 1))
			call[k] = DMABENCH_TIME_BATCH(batch, dmabench_empty());
		if (timer)
			timer[k] = DMABENCH_TIME_BATCH(0, (void)0);
		local_irq_restore(flags);
		cond_resched();
	}
	return 0;
}

static u64 dmabench_time_smccc(u32 batch, void *ret)
{
	return dmabench_time_hypercalls(batch, ret);
}

static long dmabench_call(struct dmabench_call_req *r)
{
	bool hyper = dmabench_info.conduit != DMABENCH_CONDUIT_NONE;
	u64 hz = dmabench_info.counter_hz, *timer, *call, *hvc;
	long err;

	timer = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	call = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	hvc = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	err = timer && call && hvc ? 0 : -ENOMEM;
	if (!err)
		err = dmabench_alternate(r->samples, r->batch, call, timer, hvc,
					 hyper ? dmabench_time_smccc : NULL, &r->hypercall_ret);
	if (!err) {
		dmabench_summarise(&r->timer, timer, r->samples, 1, hz);
		dmabench_summarise(&r->call, call, r->samples, r->batch, hz);
		if (hyper)
			dmabench_summarise(&r->hypercall, hvc, r->samples, r->batch, hz);
	}
	kvfree(timer);
	kvfree(call);
	kvfree(hvc);
	return err;
}

/* ---- buffers and the device ---------------------------------------------- */

struct dmabench_buffers {
	u32 count;
	unsigned int order;
	size_t size;
	struct page *page[DMABENCH_MAX_BATCH];
	dma_addr_t handle[DMABENCH_MAX_BATCH];
};

static void dmabench_free_buffers(struct dmabench_buffers *b)
{
	u32 i;

	for (i = 0; i < b->count; i++)
		__free_pages(b->page[i], b->order);
	kfree(b);
}

/* count physically contiguous buffers of size bytes, each from its own pages. */
static struct dmabench_buffers *dmabench_alloc_buffers(u32 count, size_t size)
{
	struct dmabench_buffers *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	b->size = size;
	b->order = get_order(size);
	for (; b->count < count; b->count++) {
		b->page[b->count] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, b->order);
		if (!b->page[b->count]) {
			dmabench_free_buffers(b);
			return NULL;
		}
		memset(page_address(b->page[b->count]), 0x5a, size);
	}
	return b;
}

static void dmabench_dirty(struct dmabench_buffers *b, u32 sample)
{
	u32 i;

	for (i = 0; i < b->count; i++)
		memset(page_address(b->page[i]), (int)(sample & 0xff), b->size);
}

static int dmabench_set_coherent(bool coherent)
{
	struct device *dev = &dmabench_pdev->dev;

#if DMABENCH_NONCOHERENT
	dev->dma_coherent = coherent;
	return 0;
#else
	(void)dev;
	return coherent ? 0 : -EOPNOTSUPP;
#endif
}

/* ---- dma_map ------------------------------------------------------------- */

static long dmabench_map(struct dmabench_map_req *r)
{
	struct device *dev = &dmabench_pdev->dev;
	enum dma_data_direction dir = (enum dma_data_direction)r->dir;
	struct dmabench_buffers *b;
	u64 hz = dmabench_info.counter_hz, *map, *unmap, t0, t1;
	u32 s, i, batch = r->batch;
	size_t size = r->size;
	long err;

	err = dmabench_set_coherent(r->coherent);
	if (err)
		return err;
	b = dmabench_alloc_buffers(batch, size);
	map = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	unmap = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	if (!b || !map || !unmap) {
		err = -ENOMEM;
		goto out;
	}
	for (s = 0; s <= r->samples; s++) {  /* s = 0: a warm-up, overwritten */
		bool failed = false;

		if (signal_pending(current)) {
			err = -EINTR;
			goto out;
		}
		if (r->state == DMABENCH_STATE_DIRTY)
			dmabench_dirty(b, s);
		preempt_disable();
		t0 = dmabench_ticks();
		if (r->api == DMABENCH_API_PAGE)
			for (i = 0; i < batch; i++)
				b->handle[i] = dma_map_page(dev, b->page[i], 0, size, dir);
		else
			for (i = 0; i < batch; i++)
				b->handle[i] = dma_map_single(dev, page_address(b->page[i]), size, dir);
		t1 = dmabench_ticks();
		map[s ? s - 1 : 0] = t1 - t0;
		for (i = 0; i < batch; i++)
			failed |= dma_mapping_error(dev, b->handle[i]) != 0;
		if (failed) {
			preempt_enable();
			for (i = 0; i < batch; i++)
				if (!dma_mapping_error(dev, b->handle[i]))
					dma_unmap_page(dev, b->handle[i], size, dir);
			err = -EIO;
			goto out;
		}
		t0 = dmabench_ticks();
		if (r->api == DMABENCH_API_PAGE)
			for (i = 0; i < batch; i++)
				dma_unmap_page(dev, b->handle[i], size, dir);
		else
			for (i = 0; i < batch; i++)
				dma_unmap_single(dev, b->handle[i], size, dir);
		t1 = dmabench_ticks();
		preempt_enable();
		unmap[s ? s - 1 : 0] = t1 - t0;
		cond_resched();
	}
	dmabench_summarise(&r->map, map, r->samples, batch, hz);
	dmabench_summarise(&r->unmap, unmap, r->samples, batch, hz);
	err = 0;
out:
	kvfree(map);
	kvfree(unmap);
	if (b)
		dmabench_free_buffers(b);
	return err;
}

/* ---- cache --------------------------------------------------------------- */

/* Kbuild defines DMABENCH_HAVE_<SYMBOL> for each routine the kernel exports. */

static u32 dmabench_cache_direct_ops(void)
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
static u64 dmabench_time_cache_direct(struct dmabench_buffers *b, u32 op)
{
	u32 n = b->count;
	size_t size = b->size;
	u64 t = 0;
#define BUF(i) ((unsigned long)page_address(b->page[i]))

	switch (op) {
#if defined(CONFIG_ARM64)
#ifdef DMABENCH_HAVE_DCACHE_CLEAN_POC
	case DMABENCH_CACHE_CLEAN:
		t = DMABENCH_TIME_BATCH(n, dcache_clean_poc(BUF(i__), BUF(i__) + size));
		break;
#endif
#ifdef DMABENCH_HAVE_DCACHE_INVAL_POC
	case DMABENCH_CACHE_INVAL:
		t = DMABENCH_TIME_BATCH(n, dcache_inval_poc(BUF(i__), BUF(i__) + size));
		break;
#endif
#ifdef DMABENCH_HAVE_DCACHE_CLEAN_INVAL_POC
	case DMABENCH_CACHE_CLEAN_INVAL:
		t = DMABENCH_TIME_BATCH(n, dcache_clean_inval_poc(BUF(i__), BUF(i__) + size));
		break;
#endif
#ifdef DMABENCH_HAVE_CACHES_CLEAN_INVAL_POU
	case DMABENCH_CACHE_CLEAN_INVAL_POU:
		t = DMABENCH_TIME_BATCH(n, caches_clean_inval_pou(BUF(i__), BUF(i__) + size));
		break;
#endif
#else
#if defined(DMABENCH_HAVE_ARCH_WB_CACHE_PMEM) && defined(CONFIG_ARCH_HAS_PMEM_API)
	case DMABENCH_CACHE_CLEAN:
		t = DMABENCH_TIME_BATCH(n, arch_wb_cache_pmem((void *)BUF(i__), size));
		break;
#endif
#ifdef DMABENCH_HAVE_CLFLUSH_CACHE_RANGE
	case DMABENCH_CACHE_CLEAN_INVAL:
		t = DMABENCH_TIME_BATCH(n, clflush_cache_range((void *)BUF(i__), size));
		break;
#endif
#endif
	default:
		break;
	}
#undef BUF
	return t;
}

/* Operations the non-coherent DMA path reaches: dma_sync_single_for_device()
 * cleans (arm64's arch_sync_dma_for_device), dma_sync_single_for_cpu() with
 * DMA_FROM_DEVICE invalidates (arch_sync_dma_for_cpu). */
static u32 dmabench_cache_sync_ops(void)
{
	return DMABENCH_NONCOHERENT ? (1u << DMABENCH_CACHE_CLEAN) | (1u << DMABENCH_CACHE_INVAL) : 0;
}

static u64 dmabench_time_cache_sync(struct dmabench_buffers *b, u32 op)
{
	struct device *dev = &dmabench_pdev->dev;
	size_t size = b->size;

	if (op == DMABENCH_CACHE_CLEAN)
		return DMABENCH_TIME_BATCH(b->count,
			dma_sync_single_for_device(dev, b->handle[i__], size, DMA_TO_DEVICE));
	return DMABENCH_TIME_BATCH(b->count,
		dma_sync_single_for_cpu(dev, b->handle[i__], size, DMA_FROM_DEVICE));
}

static long dmabench_cache(struct dmabench_cache_req *r)
{
	struct device *dev = &dmabench_pdev->dev;
	bool direct = dmabench_info.cache_direct & (1u << r->op);
	struct dmabench_buffers *b;
	u64 *ticks;
	u32 s, i, mapped = 0;
	long err = 0;

	if (!(dmabench_info.cache_ops & (1u << r->op)))
		return -EOPNOTSUPP;
	b = dmabench_alloc_buffers(r->batch, r->size);
	ticks = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	if (!b || !ticks) {
		err = -ENOMEM;
		goto out;
	}
	if (!direct) {
		/* Mapped once, bidirectionally and without the map's own
		 * maintenance, so each sync below is the only cache work. */
		err = dmabench_set_coherent(false);
		for (i = 0; !err && i < b->count; i++) {
			b->handle[i] = dma_map_page_attrs(dev, b->page[i], 0, r->size,
							  DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
			if (dma_mapping_error(dev, b->handle[i]))
				err = -EIO;
			else
				mapped++;
		}
		if (err)
			goto out;
	}
	for (s = 0; s <= r->samples; s++) {  /* s = 0: a warm-up, overwritten */
		if (signal_pending(current)) {
			err = -EINTR;
			goto out;
		}
		if (r->state == DMABENCH_STATE_DIRTY)
			dmabench_dirty(b, s);
		preempt_disable();
		ticks[s ? s - 1 : 0] = direct ? dmabench_time_cache_direct(b, r->op)
					      : dmabench_time_cache_sync(b, r->op);
		preempt_enable();
		cond_resched();
	}
	r->direct = direct;
	dmabench_summarise(&r->op_stats, ticks, r->samples, r->batch, dmabench_info.counter_hz);
out:
	for (i = 0; i < mapped; i++)
		dma_unmap_page_attrs(dev, b->handle[i], r->size, DMA_BIDIRECTIONAL,
				     DMA_ATTR_SKIP_CPU_SYNC);
	kvfree(ticks);
	if (b)
		dmabench_free_buffers(b);
	return err;
}

/* ---- a device the user names ---------------------------------------------- */

/*
 * BIND writes driver_override and attaches one of the drivers below, a PCI
 * one and a platform one (an SoC's devices), which have no ID tables and so
 * bind only a device whose override names them. DEVMAP and HOLD map through
 * the bound device's own DMA ops, whatever dma_configure gave it at bind
 * (dma-iommu under an SMMU, dma-direct, swiotlb, Xen's).
 */
static DECLARE_RWSEM(dmabench_dev_sem);  /* users read; probe and remove write */
static struct device *dmabench_named;    /* set by probe, cleared by remove */
static struct device *dmabench_bound;    /* what BIND took (a reference) */
static char *dmabench_saved_override;    /* its override before BIND, or NULL */

/* The buffer HOLD keeps mapped for the device's own DMA engine. */
static struct {
	struct device *dev;
	struct page *page;
	dma_addr_t iova;
	u32 size;
	enum dma_data_direction dir;
} dmabench_held;

static void dmabench_hold_release(struct device *dev)
{
	if (!dmabench_held.page || (dev && dmabench_held.dev != dev))
		return;
	dma_unmap_page(dmabench_held.dev, dmabench_held.iova, dmabench_held.size,
		       dmabench_held.dir);
	__free_page(dmabench_held.page);
	dmabench_held.page = NULL;
}

/* Either bus's probe, once the device is enabled: its mask, then ours. */
static int dmabench_named_probe(struct device *dev)
{
	int err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));

	if (err)
		err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (err)
		return err;
	down_write(&dmabench_dev_sem);
	dmabench_named = dev;
	up_write(&dmabench_dev_sem);
	return 0;
}

static void dmabench_named_remove(struct device *dev)
{
	down_write(&dmabench_dev_sem);  /* waits for a DEVMAP using it */
	dmabench_hold_release(dev);
	if (dmabench_named == dev)
		dmabench_named = NULL;
	up_write(&dmabench_dev_sem);
}

static int dmabench_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int err = pci_enable_device(pdev);

	if (err)
		return err;
	pci_set_master(pdev);  /* its DMA engine needs bus mastering */
	err = dmabench_named_probe(&pdev->dev);
	if (err) {
		pci_clear_master(pdev);
		pci_disable_device(pdev);
	}
	return err;
}

static void dmabench_pci_remove(struct pci_dev *pdev)
{
	dmabench_named_remove(&pdev->dev);
	pci_clear_master(pdev);
	pci_disable_device(pdev);
}

static struct pci_driver dmabench_pci_driver = {
	.name = "dmabench",  /* no id_table: only driver_override binds it */
	.probe = dmabench_pci_probe,
	.remove = dmabench_pci_remove,
};

static int dmabench_platform_probe(struct platform_device *pdev)
{
	return dmabench_named_probe(&pdev->dev);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)  /* remove returns void since */
static void dmabench_platform_remove(struct platform_device *pdev)
{
	dmabench_named_remove(&pdev->dev);
}
#else
static int dmabench_platform_remove(struct platform_device *pdev)
{
	dmabench_named_remove(&pdev->dev);
	return 0;
}
#endif

/* Not "dmabench": the platform bus would match the module's own device by name. */
static struct platform_driver dmabench_platform_driver = {
	.driver.name = "dmabench-named",  /* no match tables: only driver_override binds it */
	.probe = dmabench_platform_probe,
	.remove = dmabench_platform_remove,
};

/* The device DEVMAP and HOLD use, with dmabench_dev_sem held for reading. */
static struct device *dmabench_target(void)
{
	return dmabench_named ? dmabench_named : &dmabench_pdev->dev;
}

static void dmabench_describe(struct device *dev, struct dmabench_device *d)
{
	const struct dma_map_ops *ops = get_dma_ops(dev);
	struct iommu_group *group = iommu_group_get(dev);
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	memset(d, 0, sizeof(*d));
	strscpy(d->name, dev_name(dev), sizeof(d->name));
	if (!ops)
		strscpy(d->dma_ops, "dma-direct", sizeof(d->dma_ops));
	else
		snprintf(d->dma_ops, sizeof(d->dma_ops), "%ps", ops->map_page);
	/* The ops tables are not exported: name them by their map_page. */
	if (!strcmp(d->dma_ops, "iommu_dma_map_page"))
		strscpy(d->dma_ops, "dma-iommu", sizeof(d->dma_ops));
	else if (!strcmp(d->dma_ops, "xen_swiotlb_map_page"))
		strscpy(d->dma_ops, "xen-swiotlb", sizeof(d->dma_ops));
	d->iommu_group = group ? iommu_group_id(group) : -1;
	iommu_group_put(group);
	if (!dom)
		d->domain = DMABENCH_DOMAIN_NONE;
	else if (dom->type == IOMMU_DOMAIN_DMA)
		d->domain = DMABENCH_DOMAIN_STRICT;
	else if (dom->type == IOMMU_DOMAIN_DMA_FQ)
		d->domain = DMABENCH_DOMAIN_LAZY;
	else if (dom->type == IOMMU_DOMAIN_IDENTITY)
		d->domain = DMABENCH_DOMAIN_IDENTITY;
	else
		d->domain = DMABENCH_DOMAIN_OTHER;
	if (dev->iommu && dev->iommu->iommu_dev && dev->iommu->iommu_dev->dev) {
		/* iommu_dev->dev is the sysfs class device; its parent is the
		 * IOMMU itself, with the driver's name ("arm-smmu-v3"). Intel's
		 * has no parent: its own name ("dmar0") says which it is. */
		struct device *idev = dev->iommu->iommu_dev->dev;

		strscpy(d->iommu_driver, idev->parent && idev->parent->driver ?
			dev_driver_string(idev->parent) : dev_name(idev), sizeof(d->iommu_driver));
	}
	d->dma_mask = dma_get_mask(dev);
	if (dev != &dmabench_pdev->dev)
		d->flags |= DMABENCH_DEVICE_NAMED;
	if (dev_is_pci(dev))
		d->flags |= DMABENCH_DEVICE_PCI;
#if DMABENCH_NONCOHERENT
	if (dev->dma_coherent)
		d->flags |= DMABENCH_DEVICE_COHERENT;
#else
	d->flags |= DMABENCH_DEVICE_COHERENT;
#endif
	if (is_swiotlb_force_bounce(dev))
		d->flags |= DMABENCH_DEVICE_SWIOTLB;
}

static long dmabench_do_device(void __user *argp)
{
	struct dmabench_device d;

	down_read(&dmabench_dev_sem);
	dmabench_describe(dmabench_target(), &d);
	up_read(&dmabench_dev_sem);
	return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
}

/* The driver BIND attaches to dev, and dev's driver_override. */
static struct device_driver *dmabench_driver_for(struct device *dev, const char ***override)
{
	if (dev_is_pci(dev)) {
		*override = &to_pci_dev(dev)->driver_override;
		return &dmabench_pci_driver.driver;
	}
	*override = &to_platform_device(dev)->driver_override;
	return &dmabench_platform_driver.driver;
}

/* Sets (s) or clears (NULL) a device's driver_override. */
static int dmabench_set_override(struct device *dev, const char *s)
{
	const char **override;

	dmabench_driver_for(dev, &override);
	return s ? driver_set_override(dev, override, s, strlen(s))
		 : driver_set_override(dev, override, "\n", 1);
}

static long dmabench_bind(struct dmabench_bind_req *r)
{
	const char *name = r->device, *slash, **override;
	struct device_driver *other, *ours;
	struct device *dev;
	char *saved = NULL;
	int err;

	/* A sysfs path names the device by its last component. */
	while ((slash = strchr(name, '/')) && slash[1])
		name = slash + 1;
	if (dmabench_bound)
		return -EBUSY;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	if (!dev)
		dev = bus_find_device_by_name(&platform_bus_type, NULL, name);
	if (!dev || dev == &dmabench_pdev->dev) {
		put_device(dev);
		return -ENOENT;
	}
	ours = dmabench_driver_for(dev, &override);
	device_lock(dev);
	other = dev->driver;
	if (!other && *override)
		saved = kstrdup(*override, GFP_KERNEL);
	device_unlock(dev);
	if (other) {
		pr_info("dmabench: %s is driven by %s: refused (dmabench never unbinds another driver)\n",
			name, other->name);
		put_device(dev);
		return -EBUSY;
	}
	err = dmabench_set_override(dev, ours->name);
	if (!err)
		err = device_driver_attach(ours, dev);
	if (!err && dev->driver != ours)
		err = -EBUSY;  /* another driver won the race */
	if (err) {
		dmabench_set_override(dev, saved);
		kfree(saved);
		put_device(dev);
		return err == -EBUSY || err == -ENOMEM ? err : -EIO;
	}
	dmabench_bound = dev;
	dmabench_saved_override = saved;
	down_read(&dmabench_dev_sem);
	dmabench_describe(dev, &r->device_info);
	up_read(&dmabench_dev_sem);
	pr_info("dmabench: bound %s: %s, IOMMU group %d\n", name, r->device_info.dma_ops,
		r->device_info.iommu_group);
	return 0;
}

/* Lets the bound device go and puts its override back. */
static void dmabench_release_bound(void)
{
	struct device *dev = dmabench_bound;

	if (!dev)
		return;
	device_release_driver(dev);
	dmabench_set_override(dev, dmabench_saved_override);
	kfree(dmabench_saved_override);
	dmabench_saved_override = NULL;
	dmabench_bound = NULL;
	put_device(dev);
}

static long dmabench_unbind(struct dmabench_unbind_req *r)
{
	if (!dmabench_bound)
		return -ENODEV;
	dmabench_release_bound();
	return 0;
}

/* Under dmabench_dev_sem throughout: a remove (sysfs unbind) meanwhile
 * would release the held buffer under our feet. */
static long dmabench_hold(struct dmabench_hold_req *r)
{
	enum dma_data_direction dir = (enum dma_data_direction)r->dir;
	struct device *dev;
	struct page *page = NULL;
	long err = 0;

	if (r->op == DMABENCH_HOLD_MAP) {
		page = alloc_page(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
		if (!page)
			return -ENOMEM;
		memcpy(page_address(page), r->data, r->size);
	}
	down_read(&dmabench_dev_sem);
	if (r->op == DMABENCH_HOLD_UNMAP) {
		if (!dmabench_held.page) {
			err = -ENOENT;
		} else {
			dma_unmap_page(dmabench_held.dev, dmabench_held.iova, dmabench_held.size,
				       dmabench_held.dir);
			memcpy(r->data, page_address(dmabench_held.page), dmabench_held.size);
			r->iova = dmabench_held.iova;
			__free_page(dmabench_held.page);
			dmabench_held.page = NULL;
		}
	} else if (dmabench_held.page) {
		err = -EBUSY;
	} else {
		dev = dmabench_target();
		r->iova = dma_map_page(dev, page, 0, r->size, dir);
		if (dma_mapping_error(dev, r->iova)) {
			r->iova = 0;
			err = -EIO;
		} else {
			dmabench_held.dev = dev;
			dmabench_held.page = page;
			dmabench_held.iova = r->iova;
			dmabench_held.size = r->size;
			dmabench_held.dir = dir;
			page = NULL;
		}
	}
	up_read(&dmabench_dev_sem);
	if (page)
		__free_page(page);
	return err;
}

/* ---- DEVMAP: map and unmap from pinned kernel threads --------------------- */

struct dmabench_worker {
	const struct dmabench_devmap_req *r;
	struct device *dev;
	struct task_struct *task;
	struct completion done;
	bool *stop;
	u64 *map, *unmap;          /* this thread's samples */
	struct page **page;        /* batch x entries buffers of granule pages */
	struct sg_table *sgt;      /* sg mode: one list per batch slot */
	dma_addr_t *handle;        /* per batch slot: the address, or (sg) the count mapped */
	long err;
};

static void dmabench_worker_free(struct dmabench_worker *w)
{
	u32 i, n = w->r->batch * w->r->entries;

	if (w->sgt)
		for (i = 0; i < w->r->batch; i++)
			sg_free_table(&w->sgt[i]);
	for (i = 0; w->page && i < n; i++)
		if (w->page[i])
			__free_pages(w->page[i], get_order((size_t)w->r->granule << PAGE_SHIFT));
	kfree(w->sgt);
	kfree(w->page);
	kfree(w->handle);
}

static int dmabench_worker_alloc(struct dmabench_worker *w)
{
	const struct dmabench_devmap_req *r = w->r;
	size_t bytes = (size_t)r->granule << PAGE_SHIFT;
	u32 i, j, n = r->batch * r->entries;
	struct scatterlist *sg;

	w->page = kcalloc(n, sizeof(*w->page), GFP_KERNEL);
	w->handle = kcalloc(r->batch, sizeof(*w->handle), GFP_KERNEL);
	if (!w->page || !w->handle)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		/* No retries, no OOM killer: a big request fails instead. */
		w->page[i] = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, get_order(bytes));
		if (!w->page[i])
			return -ENOMEM;
		memset(page_address(w->page[i]), 0x5a, bytes);
	}
	if (r->mode != DMABENCH_MODE_SG)
		return 0;
	w->sgt = kcalloc(r->batch, sizeof(*w->sgt), GFP_KERNEL);
	if (!w->sgt)
		return -ENOMEM;
	for (i = 0; i < r->batch; i++) {
		if (sg_alloc_table(&w->sgt[i], r->entries, GFP_KERNEL))
			return -ENOMEM;
		for_each_sg(w->sgt[i].sgl, sg, r->entries, j)
			sg_set_page(sg, w->page[i * r->entries + j], bytes, 0);
	}
	return 0;
}

/* One sample: batch maps timed, the delay, batch unmaps timed. */
static long dmabench_devmap_sample(struct dmabench_worker *w, u64 *map, u64 *unmap)
{
	const struct dmabench_devmap_req *r = w->r;
	enum dma_data_direction dir = (enum dma_data_direction)r->dir;
	size_t bytes = (size_t)r->granule << PAGE_SHIFT;
	struct device *dev = w->dev;
	u32 i, mapped = 0;
	u64 t0, t1;
	bool sg = r->mode == DMABENCH_MODE_SG;

	preempt_disable();
	t0 = dmabench_ticks();
	if (sg)
		for (i = 0; i < r->batch; i++)
			w->handle[i] = dma_map_sg(dev, w->sgt[i].sgl, r->entries, dir);
	else
		for (i = 0; i < r->batch; i++)
			w->handle[i] = dma_map_page(dev, w->page[i], 0, bytes, dir);
	t1 = dmabench_ticks();
	preempt_enable();
	*map = t1 - t0;
	for (i = 0; i < r->batch; i++)
		mapped += sg ? w->handle[i] != 0 : !dma_mapping_error(dev, w->handle[i]);
	if (mapped < r->batch) {  /* undo every mapping that did succeed */
		for (i = 0; i < r->batch; i++)
			if (sg && w->handle[i])
				dma_unmap_sg(dev, w->sgt[i].sgl, r->entries, dir);
			else if (!sg && !dma_mapping_error(dev, w->handle[i]))
				dma_unmap_page(dev, w->handle[i], bytes, dir);
		return -EIO;
	}
	if (r->delay_ns) {  /* the "transmission" time, as dma_map_benchmark's */
		mdelay(r->delay_ns / 1000000);
		udelay(r->delay_ns / 1000 % 1000);
		ndelay(r->delay_ns % 1000);
	}
	preempt_disable();
	t0 = dmabench_ticks();
	if (sg)
		for (i = 0; i < r->batch; i++)
			dma_unmap_sg(dev, w->sgt[i].sgl, r->entries, dir);
	else
		for (i = 0; i < r->batch; i++)
			dma_unmap_page(dev, w->handle[i], bytes, dir);
	t1 = dmabench_ticks();
	preempt_enable();
	*unmap = t1 - t0;
	return 0;
}

static int dmabench_devmap_thread(void *arg)
{
	struct dmabench_worker *w = arg;
	u32 s;

	w->err = dmabench_worker_alloc(w);
	for (s = 0; !w->err && s <= w->r->samples; s++) {  /* s = 0: a warm-up */
		if (READ_ONCE(*w->stop)) {
			w->err = -EINTR;
			break;
		}
		w->err = dmabench_devmap_sample(w, &w->map[s ? s - 1 : 0], &w->unmap[s ? s - 1 : 0]);
		cond_resched();
	}
	dmabench_worker_free(w);
	complete(&w->done);
	/* Stay until kthread_stop(), so the caller never stops an exited task. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static long dmabench_devmap(struct dmabench_devmap_req *r)
{
	const struct cpumask *cpus = cpu_online_mask;
	u32 t, n = r->threads, cpu;
	u64 hz = dmabench_info.counter_hz, *map, *unmap, old_mask = 0, old_coherent = 0;
	struct dmabench_worker *w;
	struct device *dev;
	bool stop = false;
	long err = 0;

	w = kcalloc(n, sizeof(*w), GFP_KERNEL);
	map = kvmalloc_array((size_t)n * r->samples, sizeof(u64), GFP_KERNEL);
	unmap = kvmalloc_array((size_t)n * r->samples, sizeof(u64), GFP_KERNEL);
	if (!w || !map || !unmap) {
		err = -ENOMEM;
		goto out;
	}
	if (r->source != DMABENCH_SOURCE_LOCAL) {
		err = -EOPNOTSUPP;  /* foreign pages come with the Xen dom0 test (issue 11) */
		goto out;
	}
	down_read(&dmabench_dev_sem);
	dev = dmabench_target();
	if (r->coherence != DMABENCH_AS_IS) {  /* never a real device's */
		err = dev == &dmabench_pdev->dev
			? dmabench_set_coherent(r->coherence == DMABENCH_COHERENT) : -EOPNOTSUPP;
		if (err) {
			up_read(&dmabench_dev_sem);
			goto out;
		}
	}
	if (r->dma_bits) {
		old_mask = dma_get_mask(dev);
		old_coherent = dev->coherent_dma_mask;
		if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(r->dma_bits))) {
			up_read(&dmabench_dev_sem);
			err = -EIO;
			goto out;
		}
	}
	/* Thread t on the t-th online CPU (of the node), round-robin. */
	if (r->on_node && (r->on_node - 1 >= nr_node_ids || !node_online(r->on_node - 1)))
		err = -ERANGE;
	if (r->on_node && !err)
		cpus = cpumask_of_node(r->on_node - 1);
	cpu = cpumask_first_and(cpus, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		err = -ERANGE;
	for (t = 0; t < n && !err; t++) {
		w[t].r = r;
		w[t].dev = dev;
		w[t].stop = &stop;
		w[t].map = map + (size_t)t * r->samples;
		w[t].unmap = unmap + (size_t)t * r->samples;
		init_completion(&w[t].done);
		w[t].task = kthread_create(dmabench_devmap_thread, &w[t], "dmabench/%u", t);
		if (IS_ERR(w[t].task)) {
			err = -ENOMEM;
			w[t].task = NULL;
			break;
		}
		kthread_bind(w[t].task, cpu);
		cpu = cpumask_next_and(cpu, cpus, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first_and(cpus, cpu_online_mask);
	}
	if (err)  /* none started: stop the made ones before they run */
		stop = true;
	for (t = 0; t < n && w[t].task; t++)
		wake_up_process(w[t].task);
	for (t = 0; t < n && w[t].task; t++) {
		if (wait_for_completion_interruptible(&w[t].done)) {
			WRITE_ONCE(stop, true);  /* a signal: every thread stops at its next sample */
			wait_for_completion(&w[t].done);
		}
	}
	for (t = 0; t < n && w[t].task; t++) {
		kthread_stop(w[t].task);
		if (!err)
			err = w[t].err;
	}
	if (r->dma_bits) {
		dma_set_mask(dev, old_mask);
		dma_set_coherent_mask(dev, old_coherent);
	}
	up_read(&dmabench_dev_sem);
	if (err)
		goto out;
	dmabench_summarise(&r->map, map, (u64)n * r->samples, r->batch, hz);
	dmabench_summarise(&r->unmap, unmap, (u64)n * r->samples, r->batch, hz);
out:
	kvfree(map);
	kvfree(unmap);
	kfree(w);
	return err;
}

/* ---- Xen (issue 11) --------------------------------------------------------- */

#include "xen.c"

/* ---- the device file ----------------------------------------------------- */

static long dmabench_do_info(void __user *argp)
{
	return copy_to_user(argp, &dmabench_info, sizeof(dmabench_info)) ? -EFAULT : 0;
}

static long dmabench_refuse(const char *what, enum dmabench_bad bad)
{
	pr_debug("dmabench: %s request: bad %s\n", what, dmabench_bad_name(bad));
	return -dmabench_bad_errno(bad);
}

/* Outputs start from zero: nothing of the caller's or the kernel's reaches
 * the reply unless this module wrote it. */
#define DMABENCH_ZERO_IN(S, type, name, lo, hi, bad)
#define DMABENCH_ZERO_OUT(S, type, name) memset(&req__->name, 0, sizeof(req__->name));
#define DMABENCH_ZERO_DATA(S, type, name, n)

/* Copies a request in (to the heap: HOLD's is 4 KiB), checks every field,
 * runs it alone, copies the result out; a second caller meanwhile gets
 * -EBUSY. check and run see the request as req__. */
#define DMABENCH_REQUEST(type, FIELDS, check, run)                          \
	({                                                                   \
		type *req__ = kmalloc(sizeof(*req__), GFP_KERNEL);           \
		enum dmabench_bad bad__;                                     \
		long err__ = 0;                                              \
		if (!req__)                                                  \
			return -ENOMEM;                                      \
		if (copy_from_user(req__, argp, sizeof(*req__)))             \
			err__ = -EFAULT;                                     \
		if (!err__) {                                                \
			FIELDS(type, DMABENCH_ZERO_IN, DMABENCH_ZERO_OUT, DMABENCH_ZERO_DATA) \
			bad__ = check;                                       \
			if (bad__)                                           \
				err__ = dmabench_refuse(#type, bad__);       \
		}                                                            \
		if (!err__ && !mutex_trylock(&dmabench_busy))                \
			err__ = -EBUSY;                                      \
		else if (!err__) {                                           \
			err__ = run(req__);                                  \
			mutex_unlock(&dmabench_busy);                        \
			if (!err__ && copy_to_user(argp, req__, sizeof(*req__))) \
				err__ = -EFAULT;                             \
		}                                                            \
		kfree(req__);                                                \
		err__;                                                       \
	})

static long dmabench_do_call(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_call_req, DMABENCH_CALL_FIELDS,
				dmabench_check_call(req__), dmabench_call);
}

static long dmabench_do_map(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_map_req, DMABENCH_MAP_FIELDS,
				dmabench_check_map(req__, PAGE_SIZE), dmabench_map);
}

static long dmabench_do_cache(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_cache_req, DMABENCH_CACHE_FIELDS,
				dmabench_check_cache(req__, PAGE_SIZE), dmabench_cache);
}

static long dmabench_do_bind(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_bind_req, DMABENCH_BIND_FIELDS,
				dmabench_check_bind(req__), dmabench_bind);
}

static long dmabench_do_unbind(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_unbind_req, DMABENCH_UNBIND_FIELDS,
				dmabench_check_unbind(req__), dmabench_unbind);
}

static long dmabench_do_devmap(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_devmap_req, DMABENCH_DEVMAP_FIELDS,
				dmabench_check_devmap(req__, PAGE_SIZE), dmabench_devmap);
}

static long dmabench_do_hold(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_hold_req, DMABENCH_HOLD_FIELDS,
				dmabench_check_hold(req__), dmabench_hold);
}

static long dmabench_do_xen_call(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_xen_call_req, DMABENCH_XEN_CALL_FIELDS,
				dmabench_check_xen_call(req__), dmabench_xen_call);
}

static long dmabench_do_gnttab_flush(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_gnttab_flush_req, DMABENCH_GNTTAB_FLUSH_FIELDS,
				dmabench_check_gnttab_flush(req__), dmabench_gnttab_flush);
}

static long dmabench_do_xen_foreign(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_xen_foreign_req, DMABENCH_XEN_FOREIGN_FIELDS,
				dmabench_check_xen_foreign(req__), dmabench_xen_foreign);
}

/* The request numbers match the structs copied, and the structs have no
 * padding (no stray kernel bytes in a reply). */
#define DMABENCH_SIZE_IN(S, type, name, lo, hi, bad) +sizeof(type)
#define DMABENCH_SIZE_OUT(S, type, name) +sizeof(type)
#define DMABENCH_SIZE_DATA(S, type, name, n) +sizeof(type) * (n)
#define DMABENCH_ASSERT(NAME, name, type, FIELDS, class)                     \
	BUILD_BUG_ON(_IOC_SIZE(DMABENCH_IOC_##NAME) != sizeof(type));        \
	BUILD_BUG_ON(_IOC_TYPE(DMABENCH_IOC_##NAME) != DMABENCH_IOC_MAGIC);  \
	BUILD_BUG_ON((0 FIELDS(type, DMABENCH_SIZE_IN, DMABENCH_SIZE_OUT, DMABENCH_SIZE_DATA)) && \
		     sizeof(type) != (0 FIELDS(type, DMABENCH_SIZE_IN, DMABENCH_SIZE_OUT, DMABENCH_SIZE_DATA)));

static long dmabench_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
#define DMABENCH_DISPATCH(NAME, name, type, FIELDS, class) \
	case DMABENCH_IOC_##NAME:                          \
		return dmabench_do_##name(argp);
	DMABENCH_IOCTLS(DMABENCH_DISPATCH)
#undef DMABENCH_DISPATCH
	default:
		return -ENOTTY;
	}
}

static const struct file_operations dmabench_fops = {
	.owner = THIS_MODULE,  /* an open file pins the module: rmmod refuses */
	.unlocked_ioctl = dmabench_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice dmabench_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dmabench",
	.fops = &dmabench_fops,
	.mode = 0600,
};

static int __init dmabench_init(void)
{
	struct dmabench_info *info = &dmabench_info;
	int err;

	DMABENCH_IOCTLS(DMABENCH_ASSERT)

	info->abi_version = DMABENCH_ABI_VERSION;
	info->page_size = PAGE_SIZE;
#if defined(CONFIG_ARM64)
	info->arch = DMABENCH_ARCH_ARM64;
	info->counter_hz = read_sysreg(cntfrq_el0);
#else
	info->arch = DMABENCH_ARCH_X86_64;
	info->counter_hz = (u64)tsc_khz * 1000;
#endif
	if (!info->counter_hz) {
		pr_err("dmabench: the counter's frequency reads as 0\n");
		return -ENODEV;
	}
	if (DMABENCH_NONCOHERENT)
		info->flags |= DMABENCH_INFO_NONCOHERENT;
	dmabench_probe_hypercall(info);
	info->cache_direct = dmabench_cache_direct_ops();
	info->cache_ops = info->cache_direct | dmabench_cache_sync_ops();
#if defined(CONFIG_ARM64)
	snprintf(info->cache_note, DMABENCH_NOTE_LEN, "%s",
		 info->cache_direct & (1u << DMABENCH_CACHE_CLEAN)
			 ? "dcache_*_poc: the kernel's routines, called directly"
			 : "dcache_*_poc not exported: clean/inval through dma_sync_* on a non-coherent device");
#else
	snprintf(info->cache_note, DMABENCH_NOTE_LEN,
		 "arch_wb_cache_pmem (clean), clflush_cache_range (clean+inval); x86 has no inval-only");
#endif

	dmabench_pdev = platform_device_register_simple("dmabench", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(dmabench_pdev))
		return PTR_ERR(dmabench_pdev);
	/* 64-bit addressing: the direct path, never a swiotlb bounce. */
	err = dma_set_mask_and_coherent(&dmabench_pdev->dev, DMA_BIT_MASK(64));
	if (!err)
		err = pci_register_driver(&dmabench_pci_driver);
	if (err) {
		platform_device_unregister(dmabench_pdev);
		return err;
	}
	err = platform_driver_register(&dmabench_platform_driver);
	if (err)
		goto out_pci;
	err = misc_register(&dmabench_misc);
	if (err)
		goto out_platform;
	pr_info("dmabench: /dev/dmabench ready; counter %llu Hz; hypercall: %s\n",
		info->counter_hz, info->hypercall_note);
	return 0;
out_platform:
	platform_driver_unregister(&dmabench_platform_driver);
out_pci:
	pci_unregister_driver(&dmabench_pci_driver);
	platform_device_unregister(dmabench_pdev);
	return err;
}

static void __exit dmabench_exit(void)
{
	misc_deregister(&dmabench_misc);
	dmabench_release_bound();  /* its override back as it was */
	platform_driver_unregister(&dmabench_platform_driver);
	pci_unregister_driver(&dmabench_pci_driver);
	dmabench_hold_release(NULL);
	platform_device_unregister(dmabench_pdev);
}

module_init(dmabench_init);
module_exit(dmabench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dmabench: hypercall, DMA map/unmap and cache maintenance timed at EL1");
