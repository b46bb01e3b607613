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
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

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

static long dmabench_call(struct dmabench_call_req *r)
{
	bool hyper = dmabench_info.conduit != DMABENCH_CONDUIT_NONE;
	u64 hz = dmabench_info.counter_hz, *timer, *call, *hvc;
	unsigned long flags;
	u32 s, k;
	long err = 0;

	timer = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	call = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	hvc = kvmalloc_array(r->samples, sizeof(u64), GFP_KERNEL);
	if (!timer || !call || !hvc) {
		err = -ENOMEM;
		goto out;
	}
	for (s = 0; s <= r->samples; s++) {  /* s = 0: a warm-up, overwritten */
		if (signal_pending(current)) {
			err = -EINTR;
			goto out;
		}
		/* Interrupts off for one short sample; which side goes first
		 * alternates so neither always follows the other. */
		local_irq_save(flags);
		k = s ? s - 1 : 0;
		if (s & 1)
			call[k] = DMABENCH_TIME_BATCH(r->batch, dmabench_empty());
		if (hyper)
			hvc[k] = dmabench_time_hypercalls(r->batch, &r->hypercall_ret);
		if (!(s & 1))
			call[k] = DMABENCH_TIME_BATCH(r->batch, dmabench_empty());
		timer[k] = DMABENCH_TIME_BATCH(0, (void)0);
		local_irq_restore(flags);
		cond_resched();
	}
	dmabench_summarise(&r->timer, timer, r->samples, 1, hz);
	dmabench_summarise(&r->call, call, r->samples, r->batch, hz);
	if (hyper)
		dmabench_summarise(&r->hypercall, hvc, r->samples, r->batch, hz);
out:
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
#define DMABENCH_ZERO_OUT(S, type, name) memset(&req__.name, 0, sizeof(req__.name));

/* Copies a request in, checks every field, runs it alone, copies the result
 * out; a second caller meanwhile gets -EBUSY. */
#define DMABENCH_REQUEST(type, FIELDS, check, run)                          \
	({                                                                   \
		type req__;                                                  \
		enum dmabench_bad bad__;                                     \
		long err__;                                                  \
		if (copy_from_user(&req__, argp, sizeof(req__)))             \
			return -EFAULT;                                      \
		FIELDS(type, DMABENCH_ZERO_IN, DMABENCH_ZERO_OUT)            \
		bad__ = check;                                               \
		if (bad__)                                                   \
			return dmabench_refuse(#type, bad__);                \
		if (!mutex_trylock(&dmabench_busy))                          \
			return -EBUSY;                                       \
		err__ = run(&req__);                                         \
		mutex_unlock(&dmabench_busy);                                \
		if (!err__ && copy_to_user(argp, &req__, sizeof(req__)))     \
			err__ = -EFAULT;                                     \
		err__;                                                       \
	})

static long dmabench_do_call(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_call_req, DMABENCH_CALL_FIELDS,
				dmabench_check_call(&req__), dmabench_call);
}

static long dmabench_do_map(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_map_req, DMABENCH_MAP_FIELDS,
				dmabench_check_map(&req__, PAGE_SIZE), dmabench_map);
}

static long dmabench_do_cache(void __user *argp)
{
	return DMABENCH_REQUEST(struct dmabench_cache_req, DMABENCH_CACHE_FIELDS,
				dmabench_check_cache(&req__, PAGE_SIZE), dmabench_cache);
}

/* The request numbers match the structs copied, and the structs have no
 * padding (no stray kernel bytes in a reply). */
#define DMABENCH_SIZE_IN(S, type, name, lo, hi, bad) +sizeof(type)
#define DMABENCH_SIZE_OUT(S, type, name) +sizeof(type)
#define DMABENCH_ASSERT(NAME, name, type, FIELDS, class)                     \
	BUILD_BUG_ON(_IOC_SIZE(DMABENCH_IOC_##NAME) != sizeof(type));        \
	BUILD_BUG_ON(_IOC_TYPE(DMABENCH_IOC_##NAME) != DMABENCH_IOC_MAGIC);  \
	BUILD_BUG_ON((0 FIELDS(type, DMABENCH_SIZE_IN, DMABENCH_SIZE_OUT)) && \
		     sizeof(type) != (0 FIELDS(type, DMABENCH_SIZE_IN, DMABENCH_SIZE_OUT)));

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
		err = misc_register(&dmabench_misc);
	if (err) {
		platform_device_unregister(dmabench_pdev);
		return err;
	}
	pr_info("dmabench: /dev/dmabench ready; counter %llu Hz; hypercall: %s\n",
		info->counter_hz, info->hypercall_note);
	return 0;
}

static void __exit dmabench_exit(void)
{
	misc_deregister(&dmabench_misc);
	platform_device_unregister(dmabench_pdev);
}

module_init(dmabench_init);
module_exit(dmabench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dmabench: hypercall, DMA map/unmap and cache maintenance timed at EL1");
