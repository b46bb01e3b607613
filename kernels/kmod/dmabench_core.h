/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's arithmetic and argument checks, in plain C with no kernel or
 * libc calls, so the same code runs in dmabench.ko and in user-space unit
 * tests (tests/unit/kmod.cpp).
 */
#ifndef DMABENCH_CORE_H
#define DMABENCH_CORE_H

#include "dmabench_uapi.h"

/* Which field a request got wrong; 0: none. The module answers -EINVAL. */
enum dmabench_bad {
	DMABENCH_OK = 0,
	DMABENCH_BAD_SAMPLES,
	DMABENCH_BAD_BATCH,
	DMABENCH_BAD_SIZE,
	DMABENCH_BAD_BATCH_BYTES,
	DMABENCH_BAD_DIR,
	DMABENCH_BAD_API,
	DMABENCH_BAD_COHERENT,
	DMABENCH_BAD_STATE,
	DMABENCH_BAD_OP,
	DMABENCH_BAD_FLAGS,
	DMABENCH_BAD_RESERVED,
};

static inline const char *dmabench_bad_name(enum dmabench_bad b)
{
	static const char *const names[] = {
		"ok", "samples", "batch", "size", "batch x size", "dir", "api",
		"coherent", "state", "op", "flags", "reserved",
	};
	return (unsigned)b < sizeof(names) / sizeof(names[0]) ? names[b] : "?";
}

static inline enum dmabench_bad dmabench_check_counts(__u32 samples, __u32 batch)
{
	if (samples < 1 || samples > DMABENCH_MAX_SAMPLES)
		return DMABENCH_BAD_SAMPLES;
	if (batch < 1 || batch > DMABENCH_MAX_BATCH)
		return DMABENCH_BAD_BATCH;
	return DMABENCH_OK;
}

/* Bytes the module allocates for batch buffers of size bytes: each buffer is
 * its own physically contiguous block of whole pages. */
static inline __u64 dmabench_buffer_bytes(__u64 size, __u32 page_size)
{
	__u64 pages = (size + page_size - 1) / page_size;
	__u64 block = page_size;

	while (block < pages * page_size)  /* the page allocator's power-of-two order */
		block *= 2;
	return block;
}

static inline enum dmabench_bad dmabench_check_buffers(__u64 size, __u32 batch,
						       __u32 page_size)
{
	if (size < DMABENCH_MIN_SIZE || size > DMABENCH_MAX_SIZE)
		return DMABENCH_BAD_SIZE;
	if ((__u64)batch * dmabench_buffer_bytes(size, page_size) > DMABENCH_MAX_BATCH_BYTES)
		return DMABENCH_BAD_BATCH_BYTES;
	return DMABENCH_OK;
}

static inline enum dmabench_bad dmabench_check_call(const struct dmabench_call_req *r)
{
	enum dmabench_bad b = dmabench_check_counts(r->samples, r->batch);

	if (b)
		return b;
	if (r->flags)
		return DMABENCH_BAD_FLAGS;
	if (r->reserved)
		return DMABENCH_BAD_RESERVED;
	return DMABENCH_OK;
}

static inline enum dmabench_bad dmabench_check_map(const struct dmabench_map_req *r,
						   __u32 page_size)
{
	enum dmabench_bad b = dmabench_check_counts(r->samples, r->batch);

	if (!b)
		b = dmabench_check_buffers(r->size, r->batch, page_size);
	if (b)
		return b;
	if (r->dir > DMABENCH_DIR_FROM_DEVICE)
		return DMABENCH_BAD_DIR;
	if (r->api > DMABENCH_API_SINGLE)
		return DMABENCH_BAD_API;
	if (r->coherent > 1)
		return DMABENCH_BAD_COHERENT;
	if (r->state > DMABENCH_STATE_CLEAN)
		return DMABENCH_BAD_STATE;
	if (r->flags)
		return DMABENCH_BAD_FLAGS;
	if (r->reserved)
		return DMABENCH_BAD_RESERVED;
	return DMABENCH_OK;
}

static inline enum dmabench_bad dmabench_check_cache(const struct dmabench_cache_req *r,
						     __u32 page_size)
{
	enum dmabench_bad b = dmabench_check_counts(r->samples, r->batch);

	if (!b)
		b = dmabench_check_buffers(r->size, r->batch, page_size);
	if (b)
		return b;
	if (r->op >= DMABENCH_CACHE_OPS)
		return DMABENCH_BAD_OP;
	if (r->state > DMABENCH_STATE_CLEAN)
		return DMABENCH_BAD_STATE;
	if (r->flags)
		return DMABENCH_BAD_FLAGS;
	return DMABENCH_OK;
}

/* ticks x 1e12 / hz, exact (floor) without 128-bit division, for any tick
 * count a run can reach and hz up to 2^40. */
static inline __u64 dmabench_ticks_to_ps(__u64 ticks, __u64 hz)
{
	const __u64 M = 1000000;
	__u64 whole = ticks / hz, rest = ticks % hz;  /* rest < hz */
	__u64 micro = rest * M;                         /* < 2^60 */

	return whole * M * M + (micro / hz) * M + (micro % hz) * M / hz;
}

/* Puts the k-th smallest of v[0..n) at v[k] (Hoare's selection; the order of
 * the rest changes). n >= 1, k < n. */
static inline void dmabench_select(__u64 *v, __u64 n, __u64 k)
{
	__u64 lo = 0, hi = n - 1;

	while (lo < hi) {
		/* The lower middle as pivot keeps j < hi, so both parts shrink. */
		__u64 pivot = v[lo + (hi - lo) / 2], i = lo - 1, j = hi + 1, t;

		for (;;) {  /* unsigned wrap of lo - 1 is defined and undone by i++ */
			do
				i++;
			while (v[i] < pivot);
			do
				j--;
			while (v[j] > pivot);
			if (i >= j)
				break;
			t = v[i], v[i] = v[j], v[j] = t;
		}
		/* v[lo..j] <= pivot <= v[j+1..hi] */
		if (k <= j)
			hi = j;
		else
			lo = j + 1;
	}
}

/* Fills s from n samples of batch operations each (v is reordered). */
static inline void dmabench_summarise(struct dmabench_stats *s, __u64 *v, __u64 n,
				      __u32 batch, __u64 hz)
{
	__u64 i, min = v[0], max = v[0], sum = 0;

	for (i = 0; i < n; i++) {
		min = v[i] < min ? v[i] : min;
		max = v[i] > max ? v[i] : max;
		sum += v[i];
	}
	dmabench_select(v, n, n / 2);
	s->samples = n;
	s->batch = batch;
	s->min_ticks = min;
	s->median_ticks = v[n / 2];
	s->max_ticks = max;
	s->sum_ticks = sum;
	s->min_ps = dmabench_ticks_to_ps(min, hz) / batch;
	s->median_ps = dmabench_ticks_to_ps(v[n / 2], hz) / batch;
	s->mean_ps = dmabench_ticks_to_ps(sum, hz) / (n * batch);
	s->max_ps = dmabench_ticks_to_ps(max, hz) / batch;
}

#endif /* DMABENCH_CORE_H */
