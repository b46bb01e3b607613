// SPDX-License-Identifier: GPL-2.0
/*
 * xen_run: dmabench.ko's Xen requests straight through the module's ABI in a
 * Xen dom0, one JSON object a line (system.arm64_xen's guest; check.py xen
 * reads them): what the requests answer, without dmabench's harness between
 * (every GNTTABOP_cache_flush op's answer counted, 1 MiB flushes). dmabench
 * itself times kmod/xen_devmap (--device, --xen-grant) in the same boot.
 *
 *   xen_run   (static arm64)
 *
 * Lines: one "context" (the stamp every result repeats, e.g. "Xen 4.17 dom0,
 * EMULATED (qemu TCG)"), then one per result:
 *   kmod/xen_version                           hypercall vs the empty call
 *   kmod/gnttab_flush/op:O/size:S/per_call:N   GNTTABOP_cache_flush vs local
 *   kmod/dma_map_page/...                      the module's own device (dma-direct)
 * A request the module refuses prints {"name":..., "error": "..."}; the exit
 * status is 1 if any did.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dmabench_uapi.h"

static int fd, failed;
static char stamp[128];

static double ns(uint64_t ps) { return ps / 1000.0; }

static void read_text(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(buf, 1, n - 1, f) : 0;

	buf[got] = 0;
	for (size_t i = 0; i < got; i++)  /* device-tree strings are NUL-separated */
		if (buf[i] == 0 || buf[i] == '\n')
			buf[i] = ' ';
	while (got && buf[got - 1] == ' ')
		buf[--got] = 0;
	if (f)
		fclose(f);
}

/* 0, or prints the refusal as a result line. */
static int request(const char *name, unsigned long cmd, void *req)
{
	if (ioctl(fd, cmd, req) == 0)
		return 0;
	printf("{\"name\": \"%s\", \"platform\": \"%s\", \"error\": \"%s\"}\n", name, stamp,
	       strerror(errno));
	failed = 1;
	return -1;
}

static void stats(const char *what, const struct dmabench_stats *s)
{
	printf(", \"%s_ns_median\": %.3f, \"%s_ns_min\": %.3f, \"%s_ns_p99\": %.3f", what,
	       ns(s->median_ps), what, ns(s->min_ps), what, ns(s->p99_ps));
}

static const char *op_name[] = { "clean", "inval", "clean_inval" };

/* What the module's local side ran for op (xen.c, with cache.c's routines). */
static const char *local_how(const struct dmabench_info *info, unsigned op)
{
	static const char *direct[] = { "dcache_clean_poc", "dcache_inval_poc",
					"dcache_clean_inval_poc" };
	static const char *sync[] = {
		"dma_sync_single_for_device (dcache_clean_poc)",
		"dma_sync_single_for_cpu (dcache_inval_poc)",
		"dma_sync_single_for_device + _for_cpu (clean, then invalidate)",
	};
	return info->cache_direct & (1u << op) ? direct[op] : sync[op];
}

static void flush(const struct dmabench_info *info, unsigned op, uint64_t size, unsigned per)
{
	struct dmabench_gnttab_flush_req r = { .size = size, .op = op, .per_call = per };
	unsigned pages = (size + 4095) / 4096;
	char name[96];

	r.samples = size >= (1u << 20) ? 15 : size >= 65536 ? 41 : 101;
	snprintf(name, sizeof(name), "kmod/gnttab_flush/op:%s/size:%llu/per_call:%u",
		 op_name[op], (unsigned long long)size, per);
	if (request(name, DMABENCH_IOC_GNTTAB_FLUSH, &r))
		return;
	printf("{\"name\": \"%s\", \"platform\": \"%s\", \"samples\": %llu, \"pages\": %u, "
	       "\"hypercalls\": %u, \"ops_checked\": %llu, \"failed_ops\": %u, \"first_status\": %d, "
	       "\"local_how\": \"%s\"",
	       name, stamp, (unsigned long long)(r.hypercall.samples), pages, (pages + per - 1) / per,
	       (unsigned long long)((r.samples + 1) * pages), r.failed_ops, r.first_status,
	       local_how(info, op));
	stats("hypercall", &r.hypercall);
	stats("local", &r.local);
	printf(", \"ratio_to_local\": %.3f}\n",
	       r.local.median_ps ? (double)r.hypercall.median_ps / r.local.median_ps : 0.0);
}

/* The stamp every result repeats: the hypervisor as it answers, the domain,
 * and TCG as dmabench's probe decides it (a QEMU virt machine: no KVM
 * here); printed as the "context" line. */
static void context(const struct dmabench_info *info, const struct dmabench_xen_call_req *call,
		    int dom0)
{
	char hyp[32], compat[512];
	struct utsname u;
	int emulated;

	read_text("/sys/hypervisor/type", hyp, sizeof(hyp));
	read_text("/proc/device-tree/compatible", compat, sizeof(compat));
	emulated = strstr(compat, "linux,dummy-virt") != NULL;
	snprintf(stamp, sizeof(stamp), "Xen %lld.%lld %s, %s", (long long)(call->version >> 16),
		 (long long)(call->version & 0xffff), dom0 ? "dom0" : "domU",
		 emulated ? "EMULATED (qemu TCG)" : "hardware");
	uname(&u);
	printf("{\"context\": {\"platform\": \"%s\", \"hypervisor\": \"%s\", \"xen_version\": \"%lld.%lld\", "
	       "\"domain\": \"%s\", \"emulated\": {\"value\": %s, \"how\": \"%s\"}, \"kernel\": \"%s\", "
	       "\"counter_hz\": %llu, \"abi_version\": %u, \"cache_note\": \"%s\"}}\n",
	       stamp, hyp, (long long)(call->version >> 16), (long long)(call->version & 0xffff),
	       dom0 ? "dom0" : "domU", emulated ? "true" : "false",
	       emulated ? "qemu-system TCG: QEMU virt machine (device tree linux,dummy-virt)"
			: "no sign of translation",
	       u.release, (unsigned long long)(info->counter_hz), info->abi_version, info->cache_note);
}

static void xen_version(const struct dmabench_xen_call_req *call)
{
	printf("{\"name\": \"kmod/xen_version\", \"platform\": \"%s\", \"samples\": %llu"
	       ", \"batch\": %llu, \"version\": %lld", stamp, (unsigned long long)(call->hypercall.samples),
	       (unsigned long long)(call->hypercall.batch), (long long)call->version);
	stats("hypercall", &call->hypercall);
	stats("call", &call->call);
	printf(", \"ratio_to_call\": %.3f}\n",
	       call->call.median_ps ? (double)call->hypercall.median_ps / call->call.median_ps : 0.0);
}

/* One op per page as Linux issues it; all the pages in one call. */
static void flushes(const struct dmabench_info *info)
{
	static const uint64_t sizes[] = { 64, 4096, 65536, 1u << 20 };

	for (unsigned op = 0; op < 3; op++)
		for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			unsigned pages = (sizes[k] + 4095) / 4096;

			flush(info, op, sizes[k], 1);
			if (pages > 1)
				flush(info, op, sizes[k], pages > 256 ? 256 : pages);
		}
}

/* The module's own platform device: dma-direct, never Xen's ops. */
static void own_map(void)
{
	static const char *name = "kmod/dma_map_page/size:4096/dir:to_device/coherent:yes";
	struct dmabench_map_req map = { .size = 4096, .samples = 201, .batch = 16, .dir = 1,
					.coherent = 1 };

	if (request(name, DMABENCH_IOC_MAP, &map))
		return;
	printf("{\"name\": \"%s\", \"platform\": \"%s\", \"dma_ops\": \"dma-direct\", \"samples\": %llu"
	       ", \"batch\": %llu", name, stamp, (unsigned long long)(map.map.samples),
	       (unsigned long long)(map.map.batch));
	stats("map", &map.map);
	stats("unmap", &map.unmap);
	printf("}\n");
}

int main(void)
{
	struct dmabench_info info = { 0 };
	struct dmabench_xen_call_req call = { .samples = 1001, .batch = 16 };
	struct dmabench_gnttab_flush_req probe = { .size = 64, .samples = 1, .per_call = 1 };
	char hyp[32];
	int dom0;

	fd = open(DMABENCH_DEVICE, O_RDWR);
	if (fd < 0 || ioctl(fd, DMABENCH_IOC_INFO, &info)) {
		printf("{\"error\": \"%s: %s\"}\n", DMABENCH_DEVICE, strerror(errno));
		return 1;
	}
	if (ioctl(fd, DMABENCH_IOC_XEN_CALL, &call)) {
		read_text("/sys/hypervisor/type", hyp, sizeof(hyp));
		printf("{\"error\": \"XEN_CALL: %s (not a Xen domain: /sys/hypervisor/type '%s')\"}\n",
		       strerror(errno), hyp);
		return 1;
	}
	/* The module flushes by machine address in the initial domain only. */
	dom0 = ioctl(fd, DMABENCH_IOC_GNTTAB_FLUSH, &probe) == 0;
	context(&info, &call, dom0);
	xen_version(&call);
	if (dom0)
		flushes(&info);
	else
		printf("{\"name\": \"kmod/gnttab_flush\", \"platform\": \"%s\", \"skip\": "
		       "\"not the initial domain: GNTTABOP_cache_flush takes machine addresses\"}\n", stamp);
	own_map();
	return failed;
}
