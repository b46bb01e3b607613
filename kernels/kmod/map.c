// SPDX-License-Identifier: GPL-2.0
/*
 * MAP: dma_map_{page,single} then dma_unmap_* of batch distinct buffers on
 * the module's own device (dma-direct), DMA-coherent or not; and the
 * buffers MAP, CACHE and GNTTAB_FLUSH time their operations on.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dmabench.h"

void dmabench_free_buffers(struct dmabench_buffers *b)
{
	u32 i;

	for (i = 0; i < b->count; i++)
		__free_pages(b->page[i], b->order);
	kfree(b);
}

/* count physically contiguous buffers of size bytes, each from its own pages. */
struct dmabench_buffers *dmabench_alloc_buffers(u32 count, size_t size)
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

void dmabench_dirty(struct dmabench_buffers *b, u32 sample)
{
	u32 i;

	for (i = 0; i < b->count; i++)
		memset(page_address(b->page[i]), (int)(sample & 0xff), b->size);
}

/* One round of MAP. */
struct dmabench_map_run {
	const struct dmabench_map_req *r;
	struct dmabench_buffers *b;
	u64 *map, *unmap;
};

/* Every buffer (dirtied first if asked) mapped (timed), then unmapped
 * (timed), preemption off throughout; -EIO, all undone, if a map failed. */
static long dmabench_map_round(void *ctx, u32 k, u32 slot)
{
	struct dmabench_map_run *m = ctx;
	struct dmabench_buffers *b = m->b;
	struct device *dev = &dmabench_pdev->dev;
	enum dma_data_direction dir = (enum dma_data_direction)m->r->dir;
	size_t size = m->r->size;
	bool page = m->r->api == DMABENCH_API_PAGE, failed = false;
	u32 i;

	if (m->r->state == DMABENCH_STATE_DIRTY)
		dmabench_dirty(b, k);
	preempt_disable();
	if (page)
		m->map[slot] = DMABENCH_TIME_BATCH(b->count,
			b->handle[i__] = dma_map_page(dev, b->page[i__], 0, size, dir));
	else
		m->map[slot] = DMABENCH_TIME_BATCH(b->count,
			b->handle[i__] = dma_map_single(dev, page_address(b->page[i__]), size, dir));
	for (i = 0; i < b->count; i++)
		failed |= dma_mapping_error(dev, b->handle[i]) != 0;
	if (failed) {
		preempt_enable();
		for (i = 0; i < b->count; i++)
			if (!dma_mapping_error(dev, b->handle[i]))
				dma_unmap_page(dev, b->handle[i], size, dir);
		return -EIO;
	}
	if (page)
		m->unmap[slot] = DMABENCH_TIME_BATCH(b->count,
			dma_unmap_page(dev, b->handle[i__], size, dir));
	else
		m->unmap[slot] = DMABENCH_TIME_BATCH(b->count,
			dma_unmap_single(dev, b->handle[i__], size, dir));
	preempt_enable();
	return 0;
}

long dmabench_map(struct dmabench_map_req *r, struct dmabench_samples *s)
{
	struct dmabench_map_run m = { .r = r };
	long err = dmabench_set_coherent(r->coherent);

	if (err)
		return err;
	m.b = dmabench_alloc_buffers(r->batch, r->size);
	err = m.b ? dmabench_samples_alloc(s, r->samples, r->batch) : -ENOMEM;
	if (!err) {
		m.map = dmabench_samples_of(s, &r->map);
		m.unmap = dmabench_samples_of(s, &r->unmap);
		err = dmabench_rounds(r->samples, dmabench_map_round, &m);
	}
	if (m.b)
		dmabench_free_buffers(m.b);
	return err;
}
