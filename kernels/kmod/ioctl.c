// SPDX-License-Identifier: GPL-2.0
/*
 * The device file's plumbing, generated from DMABENCH_IOCTLS: each row
 * becomes an adapter around its handler (dmabench_<name> or, for a query,
 * dmabench_query_<name>), and one function runs every request alike: copy
 * in, zero the outputs, check every field, run it alone, copy the samples
 * to `ticks`, summarise them, copy out.
 *
 * One request runs at a time (another gets -EBUSY); a pending signal ends a
 * request between samples (-EINTR); an open file holds a module reference,
 * so rmmod refuses while anyone can issue a request.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "dmabench.h"

static DEFINE_MUTEX(dmabench_busy);

/* A query: its reply written whole, no input, no lock. */
struct dmabench_query {
	size_t size;
	void (*fill)(void *r);
};

/* A request: prepare() zeroes its outputs, points the samples at its STATS
 * rows and `ticks`, and checks it; run() is its handler. */
struct dmabench_request {
	const char *name;
	size_t size;
	enum dmabench_bad (*prepare)(void *r, struct dmabench_samples *s);
	long (*run)(void *r, struct dmabench_samples *s);
};

int dmabench_samples_alloc(struct dmabench_samples *s, u64 n, u32 batch)
{
	u32 j;

	s->v = kvcalloc(s->k * n, sizeof(u64), GFP_KERNEL);
	if (!s->v)
		return -ENOMEM;
	s->n = n;
	for (j = 0; j < s->k; j++)
		s->batch[j] = batch;
	return 0;
}

long dmabench_rounds(u32 samples, long (*round)(void *ctx, u32 k, u32 slot), void *ctx)
{
	long err = 0;
	u32 k;

	for (k = 0; !err && k <= samples; k++) {
		if (signal_pending(current))
			return -EINTR;
		err = round(ctx, k, k ? k - 1 : 0);
		cond_resched();
	}
	return err;
}

/* Every block to the caller's `ticks` while still in sampling order, then
 * each block that ran into its statistics (which reorders it). */
static long dmabench_samples_out(struct dmabench_samples *s)
{
	u32 j;

	if (!s->v)
		return 0;
	if (s->to_user && copy_to_user(u64_to_user_ptr(s->to_user), s->v,
				       s->k * s->n * sizeof(u64)))
		return -EFAULT;
	for (j = 0; j < s->k; j++)
		if (s->batch[j])
			dmabench_summarise(s->stats[j], s->v + j * s->n, s->n, s->batch[j],
					   s->hz ? s->hz : dmabench_info.counter_hz);
	return 0;
}

static long dmabench_refuse(const char *what, enum dmabench_bad bad)
{
	pr_debug("dmabench: %s request: bad %s\n", what, dmabench_bad_name(bad));
	return -dmabench_bad_errno(bad);
}

static long dmabench_answer_request(void __user *argp, const struct dmabench_request *q)
{
	struct dmabench_samples s = { 0 };
	void *r = kmalloc(q->size, GFP_KERNEL);  /* the heap: HOLD's is 4 KiB */
	enum dmabench_bad bad;
	long err = 0;

	if (!r)
		return -ENOMEM;
	if (copy_from_user(r, argp, q->size))
		err = -EFAULT;
	bad = err ? DMABENCH_OK : q->prepare(r, &s);
	if (bad)
		err = dmabench_refuse(q->name, bad);
	if (!err && !mutex_trylock(&dmabench_busy)) {
		err = -EBUSY;
	} else if (!err) {
		err = q->run(r, &s);
		mutex_unlock(&dmabench_busy);
	}
	if (!err)
		err = dmabench_samples_out(&s);
	if (!err && copy_to_user(argp, r, q->size))
		err = -EFAULT;
	kvfree(s.v);
	kfree(r);
	return err;
}

static long dmabench_answer_query(void __user *argp, const struct dmabench_query *q)
{
	void *r = kzalloc(q->size, GFP_KERNEL);
	long err = 0;

	if (!r)
		return -ENOMEM;
	q->fill(r);
	if (copy_to_user(argp, r, q->size))
		err = -EFAULT;
	kfree(r);
	return err;
}

/* Outputs start from zero: nothing of the caller's or the kernel's reaches
 * the reply unless the handler wrote it. */
#define DMABENCH_ZERO_OUT(S, type, name) memset(&r->name, 0, sizeof(r->name));
#define DMABENCH_TAKE_STATS(S, name)                                             \
	memset(&r->name, 0, sizeof(r->name));                                    \
	s->stats[s->k++] = &r->name;
#define DMABENCH_TAKE_PTR(S, name) s->to_user = r->name;

#define DMABENCH_ROW_QUERY(NAME, name, type, FIELDS)                             \
	static void dmabench_fill_##name(void *r)                                \
	{                                                                        \
		dmabench_query_##name(r);                                        \
	}                                                                        \
	static const struct dmabench_query dmabench_row_##name = {               \
		sizeof(type), dmabench_fill_##name                               \
	};
#define DMABENCH_ROW_TIMED(NAME, name, type, FIELDS)                             \
	static enum dmabench_bad dmabench_prepare_##name(void *req,              \
							 struct dmabench_samples *s) \
	{                                                                        \
		type *r = req;                                                   \
		FIELDS(type, DMABENCH_NO_IN, DMABENCH_ZERO_OUT, DMABENCH_NO_DATA, \
		       DMABENCH_TAKE_STATS, DMABENCH_TAKE_PTR)                   \
		return dmabench_check_##name(r, PAGE_SIZE);                      \
	}                                                                        \
	static long dmabench_run_##name(void *r, struct dmabench_samples *s)     \
	{                                                                        \
		return dmabench_##name(r, s);                                    \
	}                                                                        \
	static const struct dmabench_request dmabench_row_##name = {             \
		#NAME, sizeof(type), dmabench_prepare_##name, dmabench_run_##name \
	};
#define DMABENCH_ROW_DMA DMABENCH_ROW_TIMED
#define DMABENCH_ROW_DEVICE DMABENCH_ROW_TIMED
#define DMABENCH_ROW(NAME, name, type, FIELDS, class) \
	DMABENCH_ROW_##class(NAME, name, type, FIELDS)
DMABENCH_IOCTLS(DMABENCH_ROW)

#define DMABENCH_ANSWER_QUERY dmabench_answer_query
#define DMABENCH_ANSWER_TIMED dmabench_answer_request
#define DMABENCH_ANSWER_DMA dmabench_answer_request
#define DMABENCH_ANSWER_DEVICE dmabench_answer_request

static long dmabench_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
#define DMABENCH_CASE(NAME, name, type, FIELDS, class) \
	case DMABENCH_IOC_##NAME:                      \
		return DMABENCH_ANSWER_##class(argp, &dmabench_row_##name);
	DMABENCH_IOCTLS(DMABENCH_CASE)
#undef DMABENCH_CASE
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

/* The request numbers match the structs copied; the structs have no padding
 * (no stray kernel bytes in a reply); the samples hold every STATS row; a
 * request has `ticks` exactly when it has STATS rows. */
#define DMABENCH_SIZE_IN(S, type, name, lo, hi, bad) +sizeof(type)
#define DMABENCH_SIZE_OUT(S, type, name) +sizeof(type)
#define DMABENCH_SIZE_DATA(S, type, name, n) +sizeof(type) * (n)
#define DMABENCH_SIZE_STATS(S, name) +sizeof(struct dmabench_stats)
#define DMABENCH_SIZE_PTR(S, name) +sizeof(__u64)
#define DMABENCH_ONE_PTR(S, name) +1
#define DMABENCH_ASSERT(NAME, name, type, FIELDS, class)                         \
	BUILD_BUG_ON(_IOC_SIZE(DMABENCH_IOC_##NAME) != sizeof(type));            \
	BUILD_BUG_ON(_IOC_TYPE(DMABENCH_IOC_##NAME) != DMABENCH_IOC_MAGIC);      \
	BUILD_BUG_ON((0 FIELDS(type, DMABENCH_SIZE_IN, DMABENCH_SIZE_OUT, DMABENCH_SIZE_DATA, \
			       DMABENCH_SIZE_STATS, DMABENCH_SIZE_PTR)) &&       \
		     sizeof(type) != (0 FIELDS(type, DMABENCH_SIZE_IN, DMABENCH_SIZE_OUT, \
					       DMABENCH_SIZE_DATA, DMABENCH_SIZE_STATS, \
					       DMABENCH_SIZE_PTR)));             \
	BUILD_BUG_ON(DMABENCH_##NAME##_NSTATS > DMABENCH_MAX_NSTATS);            \
	BUILD_BUG_ON((0 FIELDS(type, DMABENCH_NO_IN, DMABENCH_NO_OUT, DMABENCH_NO_DATA, \
			       DMABENCH_NO_STATS, DMABENCH_ONE_PTR)) !=          \
		     (DMABENCH_##NAME##_NSTATS > 0));

int dmabench_ioctl_register(void)
{
	DMABENCH_IOCTLS(DMABENCH_ASSERT)
	return misc_register(&dmabench_misc);
}

void dmabench_ioctl_unregister(void)
{
	misc_deregister(&dmabench_misc);
}
