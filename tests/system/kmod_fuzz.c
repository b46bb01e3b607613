// SPDX-License-Identifier: GPL-2.0
/*
 * kmod_fuzz: hostile callers of /dev/dmabench, generated from the module's
 * request table (DMABENCH_IOCTLS and each struct's field rows in
 * dmabench_uapi.h), so a new request or field is fuzzed without an edit here.
 *
 *   kmod_fuzz SEED COUNT [DEVICE]   (static arm64; runs in the system test's guest)
 *
 * Phases: COUNT*2/5 requests from one process (with DEVICE, a PCI device
 * behind an IOMMU, the second half with it bound, so DEVMAP and HOLD go
 * through dma-iommu); COUNT*3/5 from two processes at once; signals
 * mid-request (SIGUSR1 caught: the answer must be EINTR; SIGKILL: the next
 * request must succeed); the largest sg lists (1 GiB in all, and 256 MiB:
 * 0 or ENOMEM as memory allows); one final valid request.
 * Values: every IN field gets random and boundary values (0, 1, lo, hi,
 * hi+1, lo-1, all ones, powers of two, random); pointers are NULL,
 * misaligned, straddling into a guard page, read-only, kernel, or fine;
 * request numbers are sometimes wrong (size, direction, number, type); a
 * PTR row (`ticks`) is 0, a fine buffer, or one the copy must refuse.
 * Requests the table calls valid are capped to small work (TCG is slow).
 * Where a request succeeded into a fine `ticks`, its blocks must match its
 * STATS rows (count, min, max, sum) and nothing past them be written: an
 * "X" line says where not, and the exit status is 1.
 *
 * Output, one line each, checked on the host by check.py:
 *   T NAME CMD CLASS ANSWER,...    the table: a request and the answers its class allows
 *   F NAME FIELD LO HI ERRNO       an IN row: bounds, and the answer when outside
 *   D NAME FIELD BYTES             a DATA row (random bytes, empty, unterminated or
 *                                  a name that exists nowhere)
 *   P NAME FIELD BLOCKS            a PTR row, and the blocks of samples it gets
 *   R TAG NAME ANSWER EXPECT KIND FIELD  one request: what it got, what the table
 *                                  predicts ("-": any of its class), how its pointer
 *                                  was made, the first field outside its row ("-": none;
 *                                  "cross": the request's own cross-field check)
 *   K TAG NAME SIGNAL STATUS       a caller killed mid-request (STATUS: how it ended)
 *   B DEVICE ANSWER OPS DOMAIN     DEVICE bound for the "bound" phase (or not)
 *   S TAG ticks_checked N          a phase's successful requests whose `ticks` was checked
 *   X TAG NAME ...                 a `ticks` that came back wrong (the exit status is 1)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dmabench_core.h"

enum kind { IN, DATA, PTR, STATS };  /* the row kinds; OUT rows are left out */

struct field {
	const char *name;
	size_t off, size;
	uint64_t lo, hi;
	int err;    /* IN: the bad code when outside lo..hi */
	enum kind kind;
};

struct row {
	const char *name, *class;
	unsigned long cmd;
	size_t size;
	const struct field *fields;
	enum dmabench_bad (*check)(const void *req);  /* the module's own check */
	const int *answers;
	size_t nanswers;
};

static struct dmabench_info info;

#define FZ_IN(S, type, name, lo, hi, bad) \
	{ #name, offsetof(S, name), sizeof(type), (lo), (hi), DMABENCH_BAD_##bad, IN },
#define FZ_DATA(S, type, name, n) { #name, offsetof(S, name), sizeof(type) * (n), 0, 0, 0, DATA },
#define FZ_PTR(S, name) { #name, offsetof(S, name), sizeof(__u64), 0, 0, 0, PTR },
#define FZ_STATS(S, name) \
	{ #name, offsetof(S, name), sizeof(struct dmabench_stats), 0, 0, 0, STATS },
#define FZ_FIELDS(NAME, name, type, FIELDS, class)                                \
	static const struct field fields_##name[] = {                             \
		FIELDS(type, FZ_IN, DMABENCH_NO_OUT, FZ_DATA, FZ_STATS, FZ_PTR) { 0 } \
	};                                                                        \
	static const int answers_##name[] = { 0, DMABENCH_ANSWERS_##class };      \
	static enum dmabench_bad check_##name(const void *req)                   \
	{                                                                         \
		return dmabench_check_##name((const type *)req, info.page_size);  \
	}
DMABENCH_IOCTLS(FZ_FIELDS)

#define FZ_ROW(NAME, name, type, FIELDS, class)                                   \
	{ #NAME, #class, DMABENCH_IOC_##NAME, sizeof(type), fields_##name, check_##name, \
	  answers_##name, sizeof(answers_##name) / sizeof(int) },
static const struct row rows[] = { DMABENCH_IOCTLS(FZ_ROW) };
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static int fd;
static long page;
/* Two pages read-write, one no access (the guard), two read-only: a request
 * (HOLD's is over 4 KiB) fits in each. Then a page for `ticks` (a valid
 * request's blocks fit: at most 4 of 16 samples x 2 threads) and its guard. */
static unsigned char *arena, *guard, *rdonly, *ticks, *ticks_guard;
static int ticks_bad;  /* a fine `ticks` came back wrong */
static long ticks_checked;
static FILE *out;
static const char *tag;
static const char *rebind;  /* the "bound" phase's device: taken again after an UNBIND */

static uint64_t rng_state;
static uint64_t rnd(void)  /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static const char *answer_name(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : "E?";
}

/* The field's bad code to errno, done once (the table gives codes). */
static int field_errno(const struct field *f) { return dmabench_bad_errno((enum dmabench_bad)f->err); }

static uint64_t get(const unsigned char *req, const struct field *f)
{
	uint64_t v = 0;

	memcpy(&v, req + f->off, f->size);  /* little-endian: the low bytes */
	return v;
}

static void put(unsigned char *req, const struct field *f, uint64_t v)
{
	memcpy(req + f->off, &v, f->size);
}

static uint64_t hostile(const struct field *f)
{
	uint64_t mask = f->size >= 8 ? ~0ull : (1ull << (8 * f->size)) - 1;
	uint64_t span = f->hi - f->lo;

	switch (rnd() % 12) {
	case 0: return 0;
	case 1: return 1;
	case 2: return f->lo;
	case 3: return f->hi;
	case 4: return (f->hi + 1) & mask;
	case 5: return (f->lo - 1) & mask;
	case 6: return mask;
	case 7: return mask >> 1;
	case 8: return (mask >> 1) + 1;
	case 9: return (1ull << (rnd() % 64)) & mask;
	case 10: return f->lo + (span == ~0ull ? rnd() : rnd() % (span + 1));
	default: return rnd() & mask;
	}
}

/* A DATA row: random bytes, unterminated text, an empty string, or names of
 * devices that exist nowhere (a fuzz test must not take a real one). */
static void fill_data(unsigned char *p, size_t n)
{
	static const char *const names[] = { "0000:ff:1f.7", "/sys/bus/pci/devices/0000:fe:00.0",
					     "/", "//", "0000:00:00.0/../x", "dmabench" };
	size_t i;

	switch (rnd() % 5) {
	case 0:
		for (i = 0; i < n; i++)
			p[i] = (unsigned char)rnd();
		break;
	case 1:
		memset(p, 'a' + rnd() % 26, n);  /* no terminator */
		break;
	case 2:
		memset(p, 0, n);
		break;
	default:
		memset(p, 0, n);
		strncpy((char *)p, names[rnd() % (sizeof(names) / sizeof(names[0]))], n - 1);
	}
}

static const struct field *find(const struct row *r, const char *name)
{
	const struct field *f;

	for (f = r->fields; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

/* Valid requests stay small: samples only multiply the work, so they are
 * the one field cut down; every other boundary value is kept. */
static void cap_work(const struct row *r, unsigned char *req)
{
	const struct field *fs = find(r, "samples"), *fb = find(r, "batch"), *fz = find(r, "size");
	const struct field *ft = find(r, "threads"), *fd = find(r, "delay_ns");
	const struct field *fg = find(r, "granule"), *fe = find(r, "entries");
	uint64_t batch = fb ? get(req, fb) : 1, per = batch, most;

	if (ft && get(req, ft) > 2)  /* threads and delays multiply the time too */
		put(req, ft, 1 + rnd() % 2);
	if (fd && get(req, fd) > 2000)
		put(req, fd, rnd() % 2000);
	if (!fs)
		return;
	if (fz)
		per = batch * dmabench_buffer_bytes(get(req, fz), info.page_size) / 4096;
	if (fg && fe)
		per = batch * get(req, fg) * get(req, fe);
	most = per ? 512 / per : 512;  /* ~512 hypercalls or 2 MiB touched */
	most = most < 1 ? 1 : most > 16 ? 16 : most;
	if (get(req, fs) > most)
		put(req, fs, 1 + rnd() % most);
}

/* What the table predicts once the struct was read: the first field outside
 * its row's bounds (*bad names it), then the request's own cross-field
 * check, as dmabench_core.h has it. */
static int predict(const struct row *r, const unsigned char *req, const char **bad)
{

	const struct field *f;
	enum dmabench_bad cross;

	for (f = r->fields; f->name; f++)
		if (f->kind == IN && get(req, f) - f->lo > f->hi - f->lo) {
			*bad = f->name;
			return field_errno(f);
		}
	cross = r->check(req);  /* every row passed: what spans fields */
	if (cross) {
		*bad = "cross";
		return dmabench_bad_errno(cross);
	}
	return -1;  /* valid: any answer of its class */
}

static void log_request(const struct row *r, int answer, int expect, const char *kind,
			const char *field)
{
	fprintf(out, "R %s %s %s %s %s %s\n", tag, r ? r->name : "WRONG", answer_name(answer),
		expect < 0 ? "-" : answer_name(expect), kind, field ? field : "-");
}

static int call(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) == 0 ? 0 : errno;
}

static const struct row *row_of(unsigned long cmd)
{
	size_t i;

	for (i = 0; i < NROWS; i++)
		if (rows[i].cmd == cmd)
			return &rows[i];
	return NULL;
}

/* A request number that is none of the table's: another size, direction,
 * number or type. Types the VFS answers itself ('T', 'f', 'X', 0) are left out. */
static unsigned long wrong_cmd(void)
{
	const struct row *r = &rows[rnd() % NROWS];
	unsigned long cmd = r->cmd;
	size_t i;

	switch (rnd() % 4) {
	case 0: cmd = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), (_IOC_SIZE(cmd) + 1 + rnd() % 64) & _IOC_SIZEMASK); break;
	case 1: cmd = _IOC((_IOC_DIR(cmd) + 1 + rnd() % 3) & 3, _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd)); break;
	case 2: cmd = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), NROWS + rnd() % (256 - NROWS), _IOC_SIZE(cmd)); break;
	default: {
		unsigned type;

		do
			type = rnd() & 0xff;
		while (type == DMABENCH_IOC_MAGIC || type == 'T' || type == 'f' || type == 'X' || type == 0);
		cmd = _IOC(_IOC_DIR(cmd), type, _IOC_NR(cmd), _IOC_SIZE(cmd));
	}
	}
	for (i = 0; i < NROWS; i++)  /* never one of the table's by chance */
		if (cmd == rows[i].cmd)
			return wrong_cmd();
	return cmd;
}

/* Small valid values (mostly the least, so that requests with many fields,
 * DEVMAP's, still often run), then none, one, or any number of IN fields
 * hostile: one at a time tests each bound alone; many at once, the order of
 * the checks. */
static void fill_request(const struct row *r, unsigned char *req)
{
	const struct field *f;
	size_t n = 0, pick;

	memset(req, 0, r->size);
	for (f = r->fields; f->name; f++) {
		uint64_t span = f->hi - f->lo;

		if (f->kind == DATA)
			fill_data(req + f->off, f->size);
		else if (f->kind == IN)
			put(req, f, f->lo + (rnd() % 4 ? 0 : rnd() % (span < 3 ? span + 1 : 4)));
		n += f->kind == IN || f->kind == DATA;
	}
	switch (rnd() % 3) {
	case 0:
		break;
	case 1:  /* one of the inputs (a DATA row keeps its bytes) */
		pick = n ? rnd() % n : 0;
		for (f = r->fields; f->name; f++)
			if ((f->kind == IN || f->kind == DATA) && pick-- == 0) {
				if (f->kind == IN)
					put(req, f, hostile(f));
				break;
			}
		break;
	default:
		for (f = r->fields; f->name; f++)
			if (f->kind == IN && rnd() % 4 == 0)
				put(req, f, hostile(f));
	}
}

/* A PTR row's address: none, the `ticks` page (its bytes marked, to see
 * what the module wrote), or one the copy must refuse (or a random one). */
static const char *fill_ptr(const struct field *f, unsigned char *req)
{
	static const struct { const char *kind; int weight; } kinds[] = {
		{ "none", 8 }, { "fine", 6 }, { "guard", 1 }, { "straddle", 1 },
		{ "readonly", 1 }, { "kernel", 1 }, { "random", 2 },
	};
	uint64_t v = 0;
	int w = (int)(rnd() % 20);
	size_t k = 0;

	while (w >= kinds[k].weight)
		w -= kinds[k++].weight;
	memset(ticks, 0xa5, page);
	switch (k) {
	case 1: v = (uintptr_t)ticks; break;
	case 2: v = (uintptr_t)ticks_guard; break;
	case 3: v = (uintptr_t)(ticks_guard - 8); break;
	case 4: v = (uintptr_t)rdonly; break;
	case 5: v = 0xffff800008000000ull; break;
	case 6: v = rnd(); break;
	}
	put(req, f, v);
	return kinds[k].kind;
}

/* Where the request's struct goes, and what that predicts: EFAULT where it
 * cannot be read (or, with no input, written). */
static unsigned char *place(const struct row *r, const unsigned char *req, const char **kind,
			    int *expect)
{
	unsigned char *arg = arena;

	*kind = "fine";
	switch (rnd() % 20) {
	case 0: *kind = "null", *expect = EFAULT; return NULL;
	case 1: *kind = "guard", *expect = EFAULT; return guard;
	case 2:  /* the first half readable, the rest in the guard page */
		arg = guard - r->size / 2 - 1, *kind = "straddle", *expect = EFAULT;
		memcpy(arg, req, r->size / 2 + 1);
		return arg;
	case 3: *kind = "kernel", *expect = EFAULT; return (unsigned char *)0xffff800008000000ull;
	case 4: *kind = "low", *expect = EFAULT; return (unsigned char *)(uintptr_t)(1 + rnd() % 7);
	case 5: case 6:
		mprotect(rdonly, 2 * page, PROT_READ | PROT_WRITE);
		memcpy(rdonly, req, r->size);
		mprotect(rdonly, 2 * page, PROT_READ);
		*kind = "readonly";
		if (!r->fields->name)
			*expect = EFAULT;  /* output only: the copy out fails */
		return rdonly;  /* else the work may run before the copy out fails: any answer */
	case 7: case 8: case 9:
		arg = arena + 1 + rnd() % 7, *kind = "misaligned";
		break;
	}
	memcpy(arg, req, r->size);
	return arg;
}

/* Outputs get garbage: the module must not read or keep them. */
static void garble_outputs(const struct row *r, unsigned char *p)
{
	const struct field *g;
	size_t i;

	for (i = 0; i < r->size; i++) {
		int in = 0;

		for (g = r->fields; g->name; g++)
			in |= g->kind != STATS && i >= g->off && i < g->off + g->size;
		if (!in)
			p[i] = (unsigned char)rnd();
	}
}

static struct dmabench_stats stats_of(const unsigned char *reply, const struct field *f)
{
	struct dmabench_stats st;

	memcpy(&st, reply + f->off, sizeof(st));
	return st;
}

/* Block k of n samples against its statistics (all zero if it did not
 * run): count, min, max, sum, and the median and p99 of these samples, in
 * ticks of hz (ktime's ns for a DEVMAP with clock ktime). */
static int block_matches(const struct dmabench_stats *st, size_t k, uint64_t n, uint64_t hz)
{
	__u64 v[4096 / 8];
	uint64_t i, sum = 0, min = UINT64_MAX, max = 0;

	memcpy(v, ticks + k * n * 8, n * 8);
	for (i = 0; i < n; i++)
		sum += v[i], min = v[i] < min ? v[i] : min, max = v[i] > max ? v[i] : max;
	if (!st->samples)
		return sum == 0;
	return st->samples == n && sum == st->sum_ticks && min == st->min_ticks &&
	       max == st->max_ticks && st->batch &&
	       dmabench_ticks_to_ps(dmabench_quantile_x(v, n, 1, 2), hz) / (2 * st->batch) ==
		       st->median_ps &&
	       dmabench_ticks_to_ps(dmabench_quantile_x(v, n, 99, 100), hz) / (100 * st->batch) ==
		       st->p99_ps;
}

/* A successful request's `ticks` page: a block per STATS row, in order,
 * each matching its statistics; the rest of the page as marked. */
static void check_ticks(const struct row *r, const unsigned char *reply)
{
	const struct field *f, *clock = find(r, "clock");
	struct dmabench_stats st;
	uint64_t n = 0, i;
	uint64_t hz = clock && get(reply, clock) == DMABENCH_CLOCK_KTIME ? 1000000000u : info.counter_hz;
	size_t k = 0;

	for (f = r->fields; f->name; f++) {
		if (f->kind == STATS && (st = stats_of(reply, f)).samples > n)
			n = st.samples;
		k += f->kind == STATS;
	}
	if (k * n * 8 > (uint64_t)page) {  /* a valid request's fit: this was not one */
		fprintf(out, "X %s %s ticks: %zu blocks of %" PRIu64 " exceed the page\n", tag,
			r->name, k, n);
		ticks_bad = 1;
		return;
	}
	k = 0;
	for (f = r->fields; f->name; f++) {
		if (f->kind != STATS)
			continue;
		st = stats_of(reply, f);
		if (!block_matches(&st, k++, n, hz)) {
			fprintf(out, "X %s %s ticks: block %s does not match its %llu samples\n",
				tag, r->name, f->name, (unsigned long long)st.samples);
			ticks_bad = 1;
		}
	}
	for (i = k * n * 8; i < (uint64_t)page; i++)
		if (ticks[i] != 0xa5) {
			fprintf(out, "X %s %s ticks: byte %" PRIu64 " written past %zu blocks of %" PRIu64 "\n",
				tag, r->name, i, k, n);
			ticks_bad = 1;
			break;
		}
}

/* One generated request. */
static void fuzz_one(void)
{
	unsigned char req[8192];
	const struct row *r;
	const struct field *f;
	unsigned char *arg;
	const char *kind, *bad = NULL, *ptr = "none";
	int expect, got;

	if (rnd() % 20 == 0) {
		memset(req, 0, sizeof(req));
		got = call(wrong_cmd(), req);
		log_request(NULL, got, ENOTTY, "number", NULL);
		return;
	}
	r = &rows[rnd() % NROWS];
	fill_request(r, req);
	expect = predict(r, req, &bad);
	if (expect < 0)
		cap_work(r, req);
	for (f = r->fields; f->name; f++)
		if (f->kind == PTR)
			ptr = fill_ptr(f, req);
	arg = place(r, req, &kind, &expect);
	if (arg >= arena && arg < arena + 8 && rnd() % 2)  /* fine or misaligned */
		garble_outputs(r, arg);
	got = call(r->cmd, arg);
	log_request(r, got, expect, kind, bad);
	if (got == 0 && !strcmp(ptr, "fine"))
		check_ticks(r, arg), ticks_checked++;
	if (rebind && r->cmd == DMABENCH_IOC_UNBIND && got == 0) {
		struct dmabench_bind_req b = { 0 };

		snprintf(b.device, sizeof(b.device), "%s", rebind);
		log_request(row_of(DMABENCH_IOC_BIND), call(DMABENCH_IOC_BIND, &b), 0, "rebind", NULL);
	}
}

static void run_phase(const char *name, uint64_t seed, long count)
{
	tag = name;
	rng_state = seed | 1;
	ticks_checked = 0;
	while (count-- > 0)
		fuzz_one();
	fprintf(out, "S %s ticks_checked %ld\n", tag, ticks_checked);
	fflush(out);
}

static volatile sig_atomic_t caught;
static void on_usr1(int sig) { (void)sig; caught = 1; }

/* Valid requests that run long under TCG: 65536 samples of 64 maps of
 * 4 KiB (MAP dirties 256 KiB first; DEVMAP runs on two kernel threads). */
static void long_map(struct dmabench_map_req *m)
{
	memset(m, 0, sizeof(*m));
	m->size = 4096, m->samples = DMABENCH_MAX_SAMPLES, m->batch = DMABENCH_MAX_BATCH;
	m->dir = DMABENCH_DIR_BIDIRECTIONAL, m->coherent = 0, m->state = DMABENCH_STATE_DIRTY;
}

static void long_devmap(struct dmabench_devmap_req *m)
{
	memset(m, 0, sizeof(*m));
	m->samples = DMABENCH_MAX_SAMPLES, m->batch = DMABENCH_MAX_BATCH, m->threads = 2;
	m->granule = 1, m->entries = 1, m->coherence = DMABENCH_NONCOHERENT;
}

/* The largest sg lists the table allows, 1 GiB in all (one list, or two of
 * 512 MiB), and one of 256 MiB: the module weighs them against the memory
 * available, so the answer is 0 or ENOMEM, never an OOM kill (in the 1 GiB
 * guest: ENOMEM, ENOMEM, then 256 MiB allocated, mapped and freed). */
static void big_lists(void)
{
	static const struct { uint32_t threads, mib; } lists[] = { { 1, 1024 }, { 2, 512 }, { 1, 256 } };
	const struct row *r = row_of(DMABENCH_IOC_DEVMAP);
	struct dmabench_devmap_req d;
	size_t i;

	tag = "lists";
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		memset(&d, 0, sizeof(d));
		d.samples = 1, d.batch = 1, d.threads = lists[i].threads, d.granule = 1;
		d.mode = DMABENCH_MODE_SG, d.entries = (uint32_t)(((uint64_t)lists[i].mib << 20) / info.page_size);
		log_request(r, call(r->cmd, &d), -1, "valid", NULL);
	}
}

static int small_call(void)
{
	struct dmabench_call_req c = { .samples = 2, .batch = 2 };
	int e = call(DMABENCH_IOC_CALL, &c);

	return e ? e : c.call.samples == 2 && c.call.batch == 2 ? 0 : EPROTO;
}

/* A caller interrupted mid-request, in MAP (odd rounds: DEVMAP, whose
 * caller waits for kernel threads): SIGUSR1 (caught: the answer must be
 * EINTR) or SIGKILL (the module must be free for the next request). */
static void signal_round(int sig, int round)
{
	const struct row *r = row_of(round & 1 ? DMABENCH_IOC_DEVMAP : DMABENCH_IOC_MAP);
	struct timespec nap = { 0, (20 + round * 7 % 60) * 1000000L };
	int go[2], status = 0, tries = 0;
	pid_t child;
	char c;

	fflush(out);
	if (pipe(go) || (child = fork()) < 0) {
		perror("kmod_fuzz: pipe/fork");
		exit(1);
	}
	if (child == 0) {
		struct sigaction sa = { .sa_handler = on_usr1 };
		struct dmabench_map_req m;
		struct dmabench_devmap_req d;
		int got;

		sigaction(SIGUSR1, &sa, NULL);
		long_map(&m);
		long_devmap(&d);
		tag = "signal";
		if (write(go[1], "g", 1) != 1)
			_exit(3);
		got = call(r->cmd, r->cmd == DMABENCH_IOC_MAP ? (void *)&m : (void *)&d);
		log_request(r, got, EINTR, caught ? "sigusr1" : "sigusr1-missed", NULL);
		fflush(out);
		_exit(0);
	}
	close(go[1]);
	if (read(go[0], &c, 1) != 1)
		status = -1;
	close(go[0]);
	nanosleep(&nap, NULL);
	/* A signal that lands before the ioctl starts is caught and lost:
	 * repeat it until the child is gone. */
	while (waitpid(child, &status, WNOHANG) == 0) {
		kill(child, ++tries > 200 ? SIGKILL : sig);
		nap.tv_nsec = 50000000L;
		nanosleep(&nap, NULL);
	}
	fprintf(out, "K %s %s %s %s\n", sig == SIGKILL ? "kill" : "signal", r->name,
		sig == SIGKILL ? "SIGKILL" : "SIGUSR1",
		WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : WIFEXITED(status) ? "exited" : "?");
	tag = sig == SIGKILL ? "after-kill" : "after-signal";
	log_request(row_of(DMABENCH_IOC_CALL), small_call(), 0, "valid", NULL);
	fflush(out);
}

/* The device, and the pages requests and `ticks` are placed in. */
static int setup(void)
{
	out = stdout;
	page = sysconf(_SC_PAGESIZE);
	fd = open(DMABENCH_DEVICE, O_RDWR);
	if (fd < 0 || ioctl(fd, DMABENCH_IOC_INFO, &info)) {
		perror("kmod_fuzz: " DMABENCH_DEVICE);
		return 1;
	}
	arena = mmap(NULL, 7 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	guard = arena + 2 * page, rdonly = arena + 3 * page;
	ticks = arena + 5 * page, ticks_guard = arena + 6 * page;
	if (arena == MAP_FAILED || mprotect(guard, page, PROT_NONE) ||
	    mprotect(rdonly, 2 * page, PROT_READ) || mprotect(ticks_guard, page, PROT_NONE)) {
		perror("kmod_fuzz: mmap");
		return 1;
	}
	return 0;
}

static void print_table(void)
{
	const struct field *f;
	size_t i, k, blocks;

	for (i = 0; i < NROWS; i++) {
		fprintf(out, "T %s 0x%lx %s", rows[i].name, rows[i].cmd, rows[i].class);
		for (k = 0; k < rows[i].nanswers; k++)
			fprintf(out, "%c%s", k ? ',' : ' ', answer_name(rows[i].answers[k]));
		fprintf(out, "\n");
		for (f = rows[i].fields, blocks = 0; f->name; f++)
			blocks += f->kind == STATS;
		for (f = rows[i].fields; f->name; f++)
			if (f->kind == DATA)
				fprintf(out, "D %s %s %zu\n", rows[i].name, f->name, f->size);
			else if (f->kind == PTR)
				fprintf(out, "P %s %s %zu\n", rows[i].name, f->name, blocks);
			else if (f->kind == IN)
				fprintf(out, "F %s %s %" PRIu64 " %" PRIu64 " %s\n", rows[i].name,
					f->name, f->lo, f->hi, answer_name(field_errno(f)));
	}
	fprintf(out, "T WRONG - NUMBER ENOTTY\n");
}

/* One process: with DEVICE, half of it with that device bound. */
static void run_alone(uint64_t seed, long count, const char *device)
{
	struct dmabench_bind_req b = { 0 };
	struct dmabench_unbind_req u = { 0 };
	int e;

	if (!device) {
		run_phase("one", seed, count * 2 / 5);
		return;
	}
	run_phase("one", seed, count / 5);
	snprintf(b.device, sizeof(b.device), "%s", device);
	e = call(DMABENCH_IOC_BIND, &b);
	fprintf(out, "B %s %s %s %u\n", device, answer_name(e), e ? "-" : b.device_info.dma_ops,
		b.device_info.domain);
	rebind = e ? NULL : device;
	run_phase("bound", seed + 7, count / 5);
	rebind = NULL;
	call(DMABENCH_IOC_UNBIND, &u);
}

/* Two processes at once, each logging to its own file, copied in after. */
static void run_two(uint64_t seed, long count)
{
	char path[2][64], line[256];
	pid_t kids[2];
	size_t k;

	for (k = 0; k < 2; k++) {
		snprintf(path[k], sizeof(path[k]), "/tmp/kmod_fuzz.%zu", k);
		fflush(out);
		kids[k] = fork();
		if (kids[k] == 0) {
			out = fopen(path[k], "w");
			if (!out)
				_exit(2);
			run_phase(k ? "two-b" : "two-a", seed * 31 + k + 1, count * 3 / 10 + 1);
			fclose(out);
			_exit(ticks_bad ? 4 : 0);
		}
	}
	for (k = 0; k < 2; k++) {
		int status = 0;
		FILE *in;

		waitpid(kids[k], &status, 0);
		in = fopen(path[k], "r");
		while (in && fgets(line, sizeof(line), in))
			fputs(line, out);
		if (in)
			fclose(in);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(out, "K two MAP none %s\n", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "failed");
			ticks_bad |= WIFEXITED(status) && WEXITSTATUS(status) == 4;
		}
	}
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	long count = argc > 2 ? strtol(argv[2], NULL, 0) : 10000;
	int k;

	if (setup())
		return 1;
	print_table();
	run_alone(seed, count, argc > 3 ? argv[3] : NULL);
	run_two(seed, count);
	for (k = 0; k < 4; k++) {
		signal_round(SIGUSR1, k);
		signal_round(SIGKILL, k);
	}
	big_lists();
	tag = "final";
	log_request(row_of(DMABENCH_IOC_CALL), small_call(), 0, "valid", NULL);
	fflush(out);
	return ticks_bad;
}
