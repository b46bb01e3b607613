// SPDX-License-Identifier: GPL-2.0
/*
 * DEVMAP: map and unmap through the target device's own DMA ops (the bound
 * device, else the module's), as dma_map_benchmark does, from kernel threads
 * pinned round-robin to the online CPUs (or one NUMA node's). Thread t
 * writes its samples at [t x samples, (t + 1) x samples) of each block.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dmabench.h"

struct dmabench_worker {
	const struct dmabench_devmap_req *r;
	struct device *dev;
	struct task_struct *task;
	struct completion done;
	bool *stop;
	u64 *map, *unmap;          /* this thread's samples */
	struct page **page;        /* batch x entries buffers of granule pages (sg: chained lists) */
	struct sg_table *sgt;      /* sg mode: one list per batch slot */
	dma_addr_t *handle;        /* per batch slot: the address, or (sg) the count mapped */
	size_t bytes;              /* per mapping or entry: granule pages, or this thread's mixed size */
	struct dmabench_worker *partner;  /* rx: the thread that unmaps this one's ring */
	u8 *full;                  /* rx: per slot of its ring, 1 while mapped */
	atomic_t *ready;           /* rx: threads whose buffers are there */
	long err;
};

/* sizes mixed: thread t maps kMixed[t mod 3] bytes, at least a page. */
static size_t dmabench_worker_bytes(const struct dmabench_devmap_req *r, u32 t)
{
	static const size_t mixed[] = { 4096, 65536, 1u << 20 };

	if (r->sizes != DMABENCH_SIZES_MIXED)
		return (size_t)r->granule << PAGE_SHIFT;
	return max_t(size_t, PAGE_SIZE, mixed[t % 3]);
}

static void dmabench_worker_free(struct dmabench_worker *w)
{
	u32 i, n = w->r ? w->r->batch * w->r->entries : 0;  /* r: NULL for a thread never made */

	if (w->sgt)
		for (i = 0; i < w->r->batch; i++)
			sg_free_table(&w->sgt[i]);
	for (i = 0; w->page && i < n; i++)
		if (w->page[i])
			__free_pages(w->page[i], get_order(w->bytes));
	kfree(w->sgt);
	kvfree(w->page);
	kfree(w->handle);
	kfree(w->full);
}

static int dmabench_worker_alloc(struct dmabench_worker *w)
{
	const struct dmabench_devmap_req *r = w->r;
	size_t bytes = w->bytes;
	u32 i, j, n = r->batch * r->entries;
	struct scatterlist *sg;

	w->page = kvcalloc(n, sizeof(*w->page), GFP_KERNEL);  /* a 1 GiB list: 262144 */
	w->handle = kcalloc(r->batch, sizeof(*w->handle), GFP_KERNEL);
	w->full = kcalloc(r->batch, sizeof(*w->full), GFP_KERNEL);
	if (!w->page || !w->handle || !w->full)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		/* No retries, no OOM killer: a big request fails instead. */
		w->page[i] = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, get_order(bytes));
		if (!w->page[i])
			return -ENOMEM;
		memset(page_address(w->page[i]), 0x5a, bytes);
		cond_resched();
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

/* One map (slot i's handle kept) or one unmap of slot i, of w's buffers. */
static void dmabench_devmap_op(struct dmabench_worker *w, enum dma_data_direction dir, bool map, u32 i)
{
	const struct dmabench_devmap_req *r = w->r;

	if (r->mode == DMABENCH_MODE_SG && map)
		w->handle[i] = dma_map_sg(w->dev, w->sgt[i].sgl, r->entries, dir);
	else if (r->mode == DMABENCH_MODE_SG)
		dma_unmap_sg(w->dev, w->sgt[i].sgl, r->entries, dir);
	else if (map)
		w->handle[i] = dma_map_page(w->dev, w->page[i], 0, w->bytes, dir);
	else
		dma_unmap_page(w->dev, w->handle[i], w->bytes, dir);
}

/* ns of `batch` operations, each between its own ktime_get() pair, as
 * dma_map_benchmark times (it also checks the map's answer inside). */
#define DMABENCH_KTIME_BATCH(batch, stmt)                                    \
	({                                                                   \
		u32 i__;                                                     \
		u64 ns__ = 0;                                                \
		for (i__ = 0; i__ < (batch); i__++) {                        \
			ktime_t t0__ = ktime_get();                          \
			stmt;                                                \
			ns__ += ktime_to_ns(ktime_sub(ktime_get(), t0__));   \
		}                                                            \
		ns__;                                                        \
	})

/* The batch maps (each slot's handle kept), or the batch unmaps once all are
 * mapped, in the request's clock; pattern empty times nothing. Preemption off. */
static u64 dmabench_devmap_time(struct dmabench_worker *w, enum dma_data_direction dir, bool map)
{
	const struct dmabench_devmap_req *r = w->r;
	bool ktime = r->clock == DMABENCH_CLOCK_KTIME;
	u64 t;

	preempt_disable();
	if (r->pattern == DMABENCH_PATTERN_EMPTY)
		t = ktime ? DMABENCH_KTIME_BATCH(r->batch, barrier()) : DMABENCH_TIME_BATCH(r->batch, barrier());
	else if (ktime)
		t = DMABENCH_KTIME_BATCH(r->batch, dmabench_devmap_op(w, dir, map, i__));
	else
		t = DMABENCH_TIME_BATCH(r->batch, dmabench_devmap_op(w, dir, map, i__));
	preempt_enable();
	return t;
}

/* -EIO, every mapping that did succeed undone, unless all batch did. */
static long dmabench_devmap_check(struct dmabench_worker *w, enum dma_data_direction dir)
{
	const struct dmabench_devmap_req *r = w->r;
	size_t bytes = w->bytes;
	bool sg = r->mode == DMABENCH_MODE_SG;
	u32 i, mapped = 0;

	if (r->pattern == DMABENCH_PATTERN_EMPTY)
		return 0;
	for (i = 0; i < r->batch; i++)
		mapped += sg ? w->handle[i] != 0 : !dma_mapping_error(w->dev, w->handle[i]);
	if (mapped == r->batch)
		return 0;
	for (i = 0; i < r->batch; i++)
		if (sg && w->handle[i])
			dma_unmap_sg(w->dev, w->sgt[i].sgl, r->entries, dir);
		else if (!sg && !dma_mapping_error(w->dev, w->handle[i]))
			dma_unmap_page(w->dev, w->handle[i], bytes, dir);
	return -EIO;
}

/* rx: waits until slot i of w's ring is `full` (or told to stop: false). */
static bool dmabench_rx_wait(struct dmabench_worker *w, u32 i, u8 full)
{
	while (smp_load_acquire(&w->full[i]) != full) {
		if (READ_ONCE(*w->stop))
			return false;
		cpu_relax();
		cond_resched();
	}
	return true;
}

/* One op of the rx pattern in the request's clock, preemption off. */
static u64 dmabench_rx_time(struct dmabench_worker *w, enum dma_data_direction dir, bool map, u32 i)
{
	u64 t;

	preempt_disable();
	if (w->r->clock == DMABENCH_CLOCK_KTIME)
		t = DMABENCH_KTIME_BATCH(1, dmabench_devmap_op(w, dir, map, i));
	else
		t = DMABENCH_TIME_BATCH(1, dmabench_devmap_op(w, dir, map, i));
	preempt_enable();
	return t;
}

/* One rx round: each slot of this thread's ring mapped once its partner
 * has unmapped it (timed one by one), then each slot of the partner's ring
 * unmapped once mapped. Every thread is a mapper for its ring and the
 * unmapper of its partner's, on another CPU: the receive path's hand-off. */
static long dmabench_rx_round(struct dmabench_worker *w, enum dma_data_direction dir, u32 slot)
{
	struct dmabench_worker *p = w->partner;
	u64 map = 0, unmap = 0;
	u32 i;

	for (i = 0; i < w->r->batch; i++) {
		if (!dmabench_rx_wait(w, i, 0))
			return -EINTR;
		map += dmabench_rx_time(w, dir, true, i);
		if (w->r->mode == DMABENCH_MODE_SG ? !w->handle[i] : dma_mapping_error(w->dev, w->handle[i])) {
			WRITE_ONCE(*w->stop, true);
			return -EIO;
		}
		smp_store_release(&w->full[i], 1);
	}
	for (i = 0; i < w->r->batch; i++) {
		if (!dmabench_rx_wait(p, i, 1))
			return -EINTR;
		unmap += dmabench_rx_time(p, dir, false, i);
		smp_store_release(&p->full[i], 0);
	}
	w->map[slot] = map;
	w->unmap[slot] = unmap;
	return 0;
}

/* One burst round of a thread, unless told to stop: (rewrite: every buffer
 * written, untimed, but for from_device, as dma_map_benchmark does) batch
 * maps timed, the delay, batch unmaps timed. */
static long dmabench_devmap_round(void *ctx, u32 k, u32 slot)
{
	struct dmabench_worker *w = ctx;
	const struct dmabench_devmap_req *r = w->r;
	enum dma_data_direction dir = (enum dma_data_direction)r->dir;
	size_t bytes = w->bytes;
	u32 i;
	long err;

	if (READ_ONCE(*w->stop))
		return -EINTR;
	if (r->pattern == DMABENCH_PATTERN_RX)
		return dmabench_rx_round(w, dir, slot);
	if (r->rewrite && r->dir != DMABENCH_DIR_FROM_DEVICE && r->pattern != DMABENCH_PATTERN_EMPTY)
		for (i = 0; i < r->batch * r->entries; i++)
			memset(page_address(w->page[i]), (int)(k & 0xff), bytes);
	w->map[slot] = dmabench_devmap_time(w, dir, true);
	err = dmabench_devmap_check(w, dir);
	if (err)
		return err;
	if (r->delay_ns) {  /* the "transmission" time, as dma_map_benchmark's */
		mdelay(r->delay_ns / 1000000);
		udelay(r->delay_ns / 1000 % 1000);
		ndelay(r->delay_ns % 1000);
	}
	w->unmap[slot] = dmabench_devmap_time(w, dir, false);
	return 0;
}

static int dmabench_devmap_thread(void *arg)
{
	struct dmabench_worker *w = arg;

	w->err = dmabench_worker_alloc(w);
	if (w->err)
		WRITE_ONCE(*w->stop, true);
	/* rx: no thread starts before every ring is there. */
	atomic_inc(w->ready);
	while (w->r->pattern == DMABENCH_PATTERN_RX && atomic_read(w->ready) < w->r->threads &&
	       !READ_ONCE(*w->stop))
		cond_resched();
	if (!w->err)
		w->err = dmabench_rounds(w->r->samples, dmabench_devmap_round, w);
	complete(&w->done);  /* its buffers freed by the caller: a partner may still unmap them */
	/* Stay until kthread_stop(), so the caller never stops an exited task. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/* Makes every thread, thread t bound to the t-th online CPU (of the node),
 * round-robin; none runs yet. -ERANGE for a node without online CPUs. */
static long dmabench_devmap_create(struct dmabench_worker *w, struct device *dev,
				   const struct dmabench_devmap_req *r,
				   struct dmabench_samples *s, bool *stop, atomic_t *ready)
{
	const struct cpumask *cpus = cpu_online_mask;
	u64 *map = dmabench_samples_of(s, &r->map), *unmap = dmabench_samples_of(s, &r->unmap);
	u32 t, cpu;

	if (r->on_node && (r->on_node - 1 >= nr_node_ids || !node_online(r->on_node - 1)))
		return -ERANGE;
	if (r->on_node)
		cpus = cpumask_of_node(r->on_node - 1);
	cpu = cpumask_first_and(cpus, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		return -ERANGE;
	for (t = 0; t < r->threads; t++) {
		w[t] = (struct dmabench_worker){ .r = r, .dev = dev, .stop = stop,
						 .bytes = dmabench_worker_bytes(r, t),
						 .partner = (t ^ 1) < r->threads ? &w[t ^ 1] : NULL,
						 .ready = ready,
						 .map = map + (size_t)t * r->samples,
						 .unmap = unmap + (size_t)t * r->samples };
		init_completion(&w[t].done);
		w[t].task = kthread_create(dmabench_devmap_thread, &w[t], "dmabench/%u", t);
		if (IS_ERR(w[t].task)) {
			w[t].task = NULL;
			return -ENOMEM;
		}
		kthread_bind(w[t].task, cpu);
		cpu = cpumask_next_and(cpu, cpus, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first_and(cpus, cpu_online_mask);
	}
	return 0;
}

/* Runs the threads made (stopping them at once after err), waits for every
 * one (a signal stops them at their next sample), and answers the first
 * error. */
static long dmabench_devmap_join(struct dmabench_worker *w, u32 n, bool *stop, long err)
{
	u32 t;

	if (err)  /* none started: stop the made ones before they run */
		*stop = true;
	for (t = 0; t < n && w[t].task; t++)
		wake_up_process(w[t].task);
	for (t = 0; t < n && w[t].task; t++) {
		if (wait_for_completion_interruptible(&w[t].done)) {
			WRITE_ONCE(*stop, true);
			wait_for_completion(&w[t].done);
		}
	}
	for (t = 0; t < n && w[t].task; t++) {
		kthread_stop(w[t].task);
		if (!err)
			err = w[t].err;
	}
	return err;
}

/* The device as the request wants it: the module's own device's coherence
 * (a named one's is the kernel's), a DMA mask. */
static long dmabench_devmap_setup(struct device *dev, const struct dmabench_devmap_req *r)
{
	if (r->coherence != DMABENCH_AS_IS) {  /* never a real device's */
		if (dev != &dmabench_pdev->dev)
			return -EOPNOTSUPP;
		if (dmabench_set_coherent(r->coherence == DMABENCH_COHERENT))
			return -EOPNOTSUPP;
	}
	if (r->dma_bits && dma_set_mask_and_coherent(dev, DMA_BIT_MASK(r->dma_bits)))
		return -EIO;
	return 0;
}

/* rx: what is still mapped in a thread's ring once every thread is done. */
static void dmabench_rx_drain(struct dmabench_worker *w)
{
	u32 i;

	for (i = 0; w->full && i < w->r->batch; i++)
		if (w->full[i])
			dmabench_devmap_op(w, (enum dma_data_direction)w->r->dir, false, i);
}

/* The work, once the device is set up: threads made, run and joined, then
 * every buffer freed (rx: after the partner is done with it). */
static long dmabench_devmap_run(struct device *dev, const struct dmabench_devmap_req *r,
				struct dmabench_samples *s)
{
	struct dmabench_worker *w = kcalloc(r->threads, sizeof(*w), GFP_KERNEL);
	atomic_t ready = ATOMIC_INIT(0);
	bool stop = false;
	long err;
	u32 t;

	if (!w)
		return -ENOMEM;
	err = dmabench_devmap_create(w, dev, r, s, &stop, &ready);
	err = dmabench_devmap_join(w, r->threads, &stop, err);
	for (t = 0; t < r->threads; t++) {
		dmabench_rx_drain(&w[t]);
		dmabench_worker_free(&w[t]);
	}
	kfree(w);
	return err;
}

/* -ENOMEM before anything is allocated when the request would take over
 * half the memory available now (dmabench_memory_allows). */
static long dmabench_devmap_memory(const struct dmabench_devmap_req *r)
{
	u64 need = dmabench_devmap_need(r, PAGE_SIZE);
	u64 available = (u64)si_mem_available() << PAGE_SHIFT;

	BUILD_BUG_ON(sizeof(struct page *) + sizeof(struct scatterlist) > DMABENCH_ENTRY_BYTES);
	if (dmabench_memory_allows(need, available))
		return 0;
	pr_info_ratelimited("dmabench: DEVMAP needs %llu MiB, over half of the %llu MiB available: refused (ENOMEM)\n",
			    need >> 20, available >> 20);
	return -ENOMEM;
}

long dmabench_devmap(struct dmabench_devmap_req *r, struct dmabench_samples *s)
{
	struct device *dev;
	u64 mask, coherent_mask;
	long err;

	/* Foreign pages come with the Xen dom0 test. */
	if (r->source != DMABENCH_SOURCE_LOCAL)
		return -EOPNOTSUPP;
	err = dmabench_devmap_memory(r);
	if (err)
		return err;
	err = dmabench_samples_alloc(s, (u64)r->threads * r->samples, r->batch);
	if (err)
		return err;
	if (r->clock == DMABENCH_CLOCK_KTIME)
		s->hz = NSEC_PER_SEC;
	down_read(&dmabench_dev_sem);
	dev = dmabench_target();
	mask = dma_get_mask(dev);
	coherent_mask = dev->coherent_dma_mask;
	err = dmabench_devmap_setup(dev, r);
	if (!err)
		err = dmabench_devmap_run(dev, r, s);
	if (r->dma_bits) {  /* the masks back as they were */
		dma_set_mask(dev, mask);
		dma_set_coherent_mask(dev, coherent_mask);
	}
	up_read(&dmabench_dev_sem);
	return err;
}
