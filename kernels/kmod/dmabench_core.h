/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's arithmetic and argument checks, in plain C with no kernel or
 * libc calls, so the same code runs in dmabench.ko and in user-space unit
 * tests (tests/unit/kmod.cpp).
 */
#ifndef DMABENCH_CORE_H
#define DMABENCH_CORE_H

#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif
#include "dmabench_uapi.h"

/*
 * Why a request is refused, and the answer it gets: ERANGE for a count or
 * size out of bounds, EINVAL for a bad choice, flags or reserved.
 * X(BAD, name, errno); 0 (DMABENCH_OK) is none.
 */
#define DMABENCH_BADS(X)                                \
	X(SAMPLES, "samples", ERANGE)                   \
	X(BATCH, "batch", ERANGE)                       \
	X(SIZE, "size", ERANGE)                         \
	X(BATCH_BYTES, "batch x size", ERANGE)          \
	X(DIR, "dir", EINVAL)                           \
	X(API, "api", EINVAL)                           \
	X(COHERENT, "coherent", EINVAL)                 \
	X(STATE, "state", EINVAL)                       \
	X(OP, "op", EINVAL)                             \
	X(FLAGS, "flags", EINVAL)                       \
	X(RESERVED, "reserved", EINVAL)                 \
	X(THREADS, "threads", ERANGE)                   \
	X(GRANULE, "granule", ERANGE)                   \
	X(ENTRIES, "entries", ERANGE)                   \
	X(DELAY, "delay_ns", ERANGE)                    \
	X(NODE, "on_node", ERANGE)                      \
	X(DMA_BITS, "dma_bits", ERANGE)                 \
	X(MODE, "mode", EINVAL)                         \
	X(SOURCE, "source", EINVAL)                     \
	X(DEVICE, "device", EINVAL)                     \
	X(DOMID, "domid", EINVAL)                       \
	X(GREF, "gref", EINVAL)                         \
	X(REWRITE, "rewrite", EINVAL)                   \
	X(PATTERN, "pattern", EINVAL)                   \
	X(SIZES, "sizes", EINVAL)                       \
	X(CLOCK, "clock", EINVAL)

#define DMABENCH_BAD_ENUM(bad, name, err) DMABENCH_BAD_##bad,
enum dmabench_bad { DMABENCH_OK = 0, DMABENCH_BADS(DMABENCH_BAD_ENUM) DMABENCH_BAD_COUNT };
#undef DMABENCH_BAD_ENUM

static inline const char *dmabench_bad_name(enum dmabench_bad b)
{
#define DMABENCH_BAD_NAME(bad, name, err) name,
	static const char *const names[] = { "ok", DMABENCH_BADS(DMABENCH_BAD_NAME) };
#undef DMABENCH_BAD_NAME
	return (unsigned)b < sizeof(names) / sizeof(names[0]) ? names[b] : "?";
}

/* The errno a refused request answers (positive); 0 for DMABENCH_OK. Needs
 * the errno values in scope (linux/errno.h or errno.h). */
static inline int dmabench_bad_errno(enum dmabench_bad b)
{
#define DMABENCH_BAD_ERRNO(bad, name, err) err,
	static const int errs[] = { 0, DMABENCH_BADS(DMABENCH_BAD_ERRNO) };
#undef DMABENCH_BAD_ERRNO
	return (unsigned)b < sizeof(errs) / sizeof(errs[0]) ? errs[b] : EINVAL;
}

/* One IN row's bounds check, as unsigned distance from lo (no sign or
 * always-true comparisons whatever the bounds). */
#define DMABENCH_CHECK_IN(S, type, name, lo, hi, bad)                            \
	if ((__u64)r->name - (__u64)(lo) > (__u64)(hi) - (__u64)(lo))            \
		return DMABENCH_BAD_##bad;
#define DMABENCH_CHECKS(S, FIELDS) \
	FIELDS(S, DMABENCH_CHECK_IN, DMABENCH_NO_OUT, DMABENCH_NO_DATA, DMABENCH_NO_STATS, DMABENCH_NO_PTR)

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

/*
 * A request's own check of what spans fields, run once every IN row passed,
 * is optional: DMABENCH_HOOK_<name> defined as ", function" names it (the
 * comma shifts it into place, as the kernel's IS_ENABLED() does), else the
 * request has none.
 */
static inline enum dmabench_bad dmabench_no_hook(const void *r, __u32 page_size)
{
	(void)r, (void)page_size;
	return DMABENCH_OK;
}

#define DMABENCH_HOOK_map , dmabench_hook_map
static inline enum dmabench_bad dmabench_hook_map(const struct dmabench_map_req *r,
						  __u32 page_size)
{
	return dmabench_check_buffers(r->size, r->batch, page_size);
}

#define DMABENCH_HOOK_cache , dmabench_hook_cache
static inline enum dmabench_bad dmabench_hook_cache(const struct dmabench_cache_req *r,
						    __u32 page_size)
{
	return dmabench_check_buffers(r->size, r->batch, page_size);
}

/* Bytes of one DEVMAP thread's buffers: batch x entries blocks of its
 * mapping's size (mixed sizes: as if each were the largest, 1 MiB). */
static inline __u64 dmabench_devmap_thread_bytes(const struct dmabench_devmap_req *r, __u32 page_size)
{
	__u64 each = r->sizes == DMABENCH_SIZES_MIXED ? (page_size > (1u << 20) ? page_size : 1u << 20)
						    : (__u64)r->granule * page_size;

	return (__u64)r->batch * r->entries * each;
}

/* Bytes a DEVMAP request takes: every thread's buffers, and per entry its
 * page pointer and scatterlist entry (DMABENCH_ENTRY_BYTES, rounded up). */
#define DMABENCH_ENTRY_BYTES 64u
static inline __u64 dmabench_devmap_need(const struct dmabench_devmap_req *r, __u32 page_size)
{
	return r->threads * (dmabench_devmap_thread_bytes(r, page_size) +
			     (__u64)r->batch * r->entries * DMABENCH_ENTRY_BYTES);
}

/* Whether `need` bytes may be taken out of `available` (MemAvailable, the
 * kernel's si_mem_available()): at most half, so the machine keeps room. */
static inline int dmabench_memory_allows(__u64 need, __u64 available)
{
	return need <= available / 2;
}

/* A mask under 12 bits cannot address a page; 0 keeps the device's. Each
 * thread's buffers within DMABENCH_MAX_BATCH_BYTES, all of them within
 * DMABENCH_MAX_DEVMAP_BYTES, but one sg list per thread (batch 1), all
 * within DMABENCH_MAX_LIST_BYTES (the module also weighs them against the
 * memory available: dmabench_memory_allows). */
#define DMABENCH_HOOK_devmap , dmabench_hook_devmap
static inline enum dmabench_bad dmabench_hook_devmap(const struct dmabench_devmap_req *r,
						     __u32 page_size)
{
	__u64 thread = dmabench_devmap_thread_bytes(r, page_size);
	int list = r->mode == DMABENCH_MODE_SG && r->batch == 1;

	if (r->mode == DMABENCH_MODE_SINGLE && r->entries != 1)
		return DMABENCH_BAD_ENTRIES;
	if (r->pattern == DMABENCH_PATTERN_RX && r->threads % 2)  /* threads in pairs */
		return DMABENCH_BAD_THREADS;
	if (r->dma_bits && r->dma_bits < 12)
		return DMABENCH_BAD_DMA_BITS;
	if (list ? r->threads * thread > DMABENCH_MAX_LIST_BYTES
		 : thread > DMABENCH_MAX_BATCH_BYTES || r->threads * thread > DMABENCH_MAX_DEVMAP_BYTES)
		return DMABENCH_BAD_BATCH_BYTES;
	return DMABENCH_OK;
}

/* The name is a C string, not empty, within its field. */
#define DMABENCH_HOOK_bind , dmabench_hook_bind
static inline enum dmabench_bad dmabench_hook_bind(const struct dmabench_bind_req *r,
						   __u32 page_size)
{
	__u32 n = 0;

	(void)page_size;
	while (n < DMABENCH_NAME_LEN && r->device[n])
		n++;
	return n == 0 || n == DMABENCH_NAME_LEN ? DMABENCH_BAD_DEVICE : DMABENCH_OK;
}

#define DMABENCH_SECOND(a, b, ...) b
#define DMABENCH_HOOK_OF(...) DMABENCH_SECOND(__VA_ARGS__)
#define DMABENCH_HOOK(name) DMABENCH_HOOK_OF(DMABENCH_HOOK_##name, dmabench_no_hook, ~)

/* dmabench_check_<name>(r, page_size) for every request: every IN row in
 * order, then its hook; the first bad field, or DMABENCH_OK. */
#define DMABENCH_CHECK_REQUEST(NAME, name, type, FIELDS, class)                  \
	static inline enum dmabench_bad dmabench_check_##name(const type *r,     \
							      __u32 page_size)    \
	{                                                                        \
		DMABENCH_CHECKS(type, FIELDS)                                    \
		return DMABENCH_HOOK(name)(r, page_size);                        \
	}
DMABENCH_IOCTLS(DMABENCH_CHECK_REQUEST)
#undef DMABENCH_CHECK_REQUEST

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

/*
 * den x Q(num/den) of v[0..n), exactly: Q is the project's one quantile,
 * Hyndman and Fan's type 7 (numpy's default): over the sorted samples,
 * h = p (n - 1), k = floor(h), Q = x[k] + (h - k)(x[k+1] - x[k]). Scaled by
 * den it is an integer; by selection, not a sort (v is reordered). n >= 1,
 * 1 <= den, num <= den.
 */
static inline __u64 dmabench_quantile_x(__u64 *v, __u64 n, __u32 num, __u32 den)
{
	__u64 h = (__u64)num * (n - 1), k = h / den, frac = h % den, next, i;

	dmabench_select(v, n, k);
	if (!frac)  /* also k = n - 1 */
		return den * v[k];
	next = v[k + 1];  /* x[k+1]: the least of v[k+1..n), all >= v[k] */
	for (i = k + 2; i < n; i++)
		next = v[i] < next ? v[i] : next;
	return den * v[k] + frac * (next - v[k]);
}

/* Fills s from n >= 1 samples of batch operations each (v is reordered). */
static inline void dmabench_summarise(struct dmabench_stats *s, __u64 *v, __u64 n,
				      __u32 batch, __u64 hz)
{
	__u64 i, min = v[0], max = v[0], sum = 0;

	for (i = 0; i < n; i++) {
		min = v[i] < min ? v[i] : min;
		max = v[i] > max ? v[i] : max;
		sum += v[i];
	}
	s->samples = n;
	s->batch = batch;
	s->min_ticks = min;
	s->max_ticks = max;
	s->sum_ticks = sum;
	s->min_ps = dmabench_ticks_to_ps(min, hz) / batch;
	s->median_ps = dmabench_ticks_to_ps(dmabench_quantile_x(v, n, 1, 2), hz) / (2ull * batch);
	s->p99_ps = dmabench_ticks_to_ps(dmabench_quantile_x(v, n, 99, 100), hz) / (100ull * batch);
	s->mean_ps = dmabench_ticks_to_ps(sum, hz) / (n * batch);
	s->max_ps = dmabench_ticks_to_ps(max, hz) / batch;
}

#endif /* DMABENCH_CORE_H */
