// SPDX-License-Identifier: GPL-2.0
/*
 * xen_run: dmabench.ko's Xen figures in a Xen dom0, one JSON object a line
 * (system.arm64_xen's guest; check.py xen reads them). Until bench/kmod.cpp
 * drives XEN_CALL and GNTTAB_FLUSH this stands in for dmabench itself.
 *
 *   xen_run [DOMID:GREF [PCI_DEVICE]]   (static arm64)
 * DOMID:GREF: a page another domain grants dom0 ("-": none); PCI_DEVICE: the
 * device to bind (default: QEMU's edu).
 *
 * Lines: one "context" (the stamp every result repeats, e.g. "Xen 4.17 dom0,
 * EMULATED (qemu TCG)"), then one per result:
 *   kmod/xen_version                           hypercall vs the empty call
 *   kmod/gnttab_flush/op:O/size:S/per_call:N   GNTTABOP_cache_flush vs local
 *   kmod/dma_map_page/...                      the module's own device (dma-direct)
 *   kmod/xen_devmap/page:local/...             through the bound device's DMA ops
 *   kmod/xen_devmap/page:foreign/...           the granted page, the same way
 *                                              (or skipped, with the reason)
 * A request the module refuses prints {"name":..., "error": "..."}; the exit
 * status is 1 if any did.
 */
#define _GNU_SOURCE
#include <dirent.h>
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

/* What the module's local side ran for op (dmabench.c's CACHE rules). */
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

/* The edu device's PCI name (vendor 0x1234, device 0x11e8), or "". */
static void find_edu(char *out, size_t n)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char path[300], v[32], id[32];

	out[0] = 0;
	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		read_text(path, v, sizeof(v));
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		read_text(path, id, sizeof(id));
		if (!strncmp(v, "0x1234", 6) && !strncmp(id, "0x11e8", 6)) {
			snprintf(out, n, "%.63s", e->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
}

static const char *dirs[] = { "bidirectional", "to_device", "from_device" };

static void devmap(const struct dmabench_device *dev, unsigned granule, unsigned dir)
{
	struct dmabench_devmap_req r = { .samples = 201, .batch = 16, .threads = 1,
					 .granule = granule, .entries = 1, .dir = dir };
	char name[128];

	snprintf(name, sizeof(name), "kmod/xen_devmap/page:local/size:%u/dir:%s/coherent:yes",
		 granule * 4096, dirs[dir]);
	if (request(name, DMABENCH_IOC_DEVMAP, &r))
		return;
	printf("{\"name\": \"%s\", \"platform\": \"%s\", \"device\": \"%s\", \"dma_ops\": \"%s\", "
	       "\"coherent\": %s, \"samples\": %llu, \"batch\": %llu",
	       name, stamp, dev->name, dev->dma_ops,
	       dev->flags & DMABENCH_DEVICE_COHERENT ? "true" : "false", (unsigned long long)(r.map.samples), (unsigned long long)(r.map.batch));
	stats("map", &r.map);
	stats("unmap", &r.unmap);
	printf("}\n");
}

/* One page granted by domain domid (gref) and one of dom0's own, mapped
 * through the bound device made non-coherent: two result lines. */
static void foreign(const struct dmabench_device *dev, unsigned domid, unsigned gref, unsigned dir)
{
	struct dmabench_xen_foreign_req r = { .samples = 101, .batch = 8, .dir = dir, .coherent = 0,
					      .domid = domid, .gref = gref };
	char name[2][128], head[9] = { 0 };

	for (int k = 0; k < 2; k++)
		snprintf(name[k], sizeof(name[k]), "kmod/xen_devmap/page:%s/size:4096/dir:%s/coherent:no",
			 k ? "local" : "foreign", dirs[dir]);
	if (request(name[0], DMABENCH_IOC_XEN_FOREIGN, &r))
		return;
	memcpy(head, &r.head, 8);
	for (int i = 0; i < 8; i++)
		head[i] = head[i] >= 32 && head[i] < 127 && head[i] != '"' && head[i] != '\\' ? head[i] : '?';
	for (int k = 0; k < 2; k++) {
		const struct dmabench_stats *m = k ? &r.local_map : &r.foreign_map;
		const struct dmabench_stats *u = k ? &r.local_unmap : &r.foreign_unmap;
		int hm = k ? r.hypercalls_local_map : r.hypercalls_foreign_map;
		int hu = k ? r.hypercalls_local_unmap : r.hypercalls_foreign_unmap;

		printf("{\"name\": \"%s\", \"platform\": \"%s\", \"device\": \"%s\", \"dma_ops\": \"%s\", "
		       "\"coherent\": false, \"coherent_how\": \"dev->dma_coherent cleared by the module\", "
		       "\"samples\": %llu, \"batch\": %llu, \"hypercalls_per_map\": %.3f, "
		       "\"hypercalls_per_unmap\": %.3f",
		       name[k], stamp, dev->name, dev->dma_ops, (unsigned long long)m->samples,
		       (unsigned long long)m->batch, hm < 0 ? -1.0 : (double)hm / r.batch,
		       hu < 0 ? -1.0 : (double)hu / r.batch);
		if (!k)
			printf(", \"domid\": %u, \"gref\": %u, \"grant_status\": %d, \"translated\": %s, "
			       "\"head\": \"%s\"", domid, gref, r.grant_status,
			       r.translated ? "true" : "false", head);
		stats("map", m);
		stats("unmap", u);
		printf("}\n");
	}
}

int main(int argc, char **argv)
{
	struct dmabench_info info = { 0 };
	struct dmabench_xen_call_req call = { .samples = 1001, .batch = 16 };
	struct dmabench_gnttab_flush_req probe = { .size = 64, .samples = 1, .per_call = 1 };
	struct dmabench_map_req map = { .size = 4096, .samples = 201, .batch = 16, .dir = 1,
					.coherent = 1 };
	struct dmabench_bind_req bind = { 0 };
	static const uint64_t sizes[] = { 64, 4096, 65536, 1u << 20 };
	char hyp[32], compat[512], how[160], edu[64];
	unsigned domid = 0, gref = 0;
	int emulated, dom0;
	struct utsname u;

	fd = open(DMABENCH_DEVICE, O_RDWR);
	if (fd < 0 || ioctl(fd, DMABENCH_IOC_INFO, &info)) {
		printf("{\"error\": \"%s: %s\"}\n", DMABENCH_DEVICE, strerror(errno));
		return 1;
	}
	/* The stamp: the hypervisor as it answers, the domain, and TCG as
	 * dmabench's probe decides it (a QEMU virt machine: no KVM here). */
	read_text("/sys/hypervisor/type", hyp, sizeof(hyp));
	read_text("/proc/device-tree/compatible", compat, sizeof(compat));
	emulated = strstr(compat, "linux,dummy-virt") != NULL;
	snprintf(how, sizeof(how), "%s", emulated ? "qemu-system TCG: QEMU virt machine (device tree linux,dummy-virt)"
						  : "no sign of translation");
	if (ioctl(fd, DMABENCH_IOC_XEN_CALL, &call)) {
		printf("{\"error\": \"XEN_CALL: %s (not a Xen domain: /sys/hypervisor/type '%s')\"}\n",
		       strerror(errno), hyp);
		return 1;
	}
	/* The module flushes by machine address in the initial domain only. */
	dom0 = ioctl(fd, DMABENCH_IOC_GNTTAB_FLUSH, &probe) == 0;
	snprintf(stamp, sizeof(stamp), "Xen %lld.%lld %s, %s", (long long)(call.version >> 16),
		 (long long)(call.version & 0xffff), dom0 ? "dom0" : "domU",
		 emulated ? "EMULATED (qemu TCG)" : "hardware");
	uname(&u);
	printf("{\"context\": {\"platform\": \"%s\", \"hypervisor\": \"%s\", \"xen_version\": \"%lld.%lld\", "
	       "\"domain\": \"%s\", \"emulated\": {\"value\": %s, \"how\": \"%s\"}, \"kernel\": \"%s\", "
	       "\"counter_hz\": %llu, \"abi_version\": %u, \"cache_note\": \"%s\"}}\n",
	       stamp, hyp, (long long)(call.version >> 16), (long long)(call.version & 0xffff),
	       dom0 ? "dom0" : "domU", emulated ? "true" : "false", how, u.release,
	       (unsigned long long)(info.counter_hz), info.abi_version, info.cache_note);

	printf("{\"name\": \"kmod/xen_version\", \"platform\": \"%s\", \"samples\": %llu"
	       ", \"batch\": %llu, \"version\": %lld", stamp, (unsigned long long)(call.hypercall.samples),
	       (unsigned long long)(call.hypercall.batch), (long long)call.version);
	stats("hypercall", &call.hypercall);
	stats("call", &call.call);
	printf(", \"ratio_to_call\": %.3f}\n",
	       call.call.median_ps ? (double)call.hypercall.median_ps / call.call.median_ps : 0.0);

	/* One op per page as Linux issues it; all the pages in one call. */
	for (unsigned op = 0; op < 3 && dom0; op++)
		for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			unsigned pages = (sizes[k] + 4095) / 4096;

			flush(&info, op, sizes[k], 1);
			if (pages > 1)
				flush(&info, op, sizes[k], pages > 256 ? 256 : pages);
		}
	if (!dom0)
		printf("{\"name\": \"kmod/gnttab_flush\", \"platform\": \"%s\", \"skip\": "
		       "\"not the initial domain: GNTTABOP_cache_flush takes machine addresses\"}\n", stamp);

	/* The module's own platform device: dma-direct, never Xen's ops. */
	if (!request("kmod/dma_map_page/size:4096/dir:to_device/coherent:yes", DMABENCH_IOC_MAP, &map)) {
		printf("{\"name\": \"kmod/dma_map_page/size:4096/dir:to_device/coherent:yes\", "
		       "\"platform\": \"%s\", \"dma_ops\": \"dma-direct\", \"samples\": %llu"
		       ", \"batch\": %llu", stamp, (unsigned long long)(map.map.samples), (unsigned long long)(map.map.batch));
		stats("map", &map.map);
		stats("unmap", &map.unmap);
		printf("}\n");
	}

	/* dom0's real DMA ops: a PCI device bound by the module. */
	if (argc > 2)
		snprintf(edu, sizeof(edu), "%s", argv[2]);
	else
		find_edu(edu, sizeof(edu));
	if (argc > 1 && sscanf(argv[1], "%u:%u", &domid, &gref) != 2)
		domid = gref = 0;
	if (!edu[0]) {
		printf("{\"name\": \"kmod/xen_devmap\", \"platform\": \"%s\", \"skip\": "
		       "\"no PCI device to bind (QEMU -device edu: 1234:11e8)\"}\n", stamp);
	} else {
		snprintf(bind.device, sizeof(bind.device), "%s", edu);
		if (!request("kmod/xen_devmap", DMABENCH_IOC_BIND, &bind)) {
			devmap(&bind.device_info, 1, DMABENCH_DIR_TO_DEVICE);
			devmap(&bind.device_info, 1, DMABENCH_DIR_FROM_DEVICE);
			devmap(&bind.device_info, 16, DMABENCH_DIR_TO_DEVICE);
			if (domid) {
				foreign(&bind.device_info, domid, gref, DMABENCH_DIR_TO_DEVICE);
				foreign(&bind.device_info, domid, gref, DMABENCH_DIR_FROM_DEVICE);
			}
			struct dmabench_unbind_req u2 = { 0 };
			request("kmod/xen_devmap", DMABENCH_IOC_UNBIND, &u2);
		}
	}
	if (!domid)
		printf("{\"name\": \"kmod/xen_devmap/page:foreign\", \"platform\": \"%s\", \"skip\": "
		       "\"no DOMID:GREF given: no other domain grants dom0 a page here\"}\n", stamp);
	return failed;
}
