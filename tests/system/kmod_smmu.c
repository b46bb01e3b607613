// SPDX-License-Identifier: GPL-2.0
/*
 * kmod_smmu: the module's device path against QEMU's edu PCI device behind
 * an SMMUv3, in the system test's guest (static arm64). It speaks the uapi
 * directly (what `dmabench run --device` cannot: HOLD, the group switches),
 * and init.sh then runs `dmabench run --device` itself.
 *
 *   kmod_smmu EDU TAKEN [PHASE]
 *     EDU: the edu device to bind ("0000:00:01.0"); TAKEN: a device pci-stub
 *     holds (must be refused, "-" for none); PHASE: one phase of that name
 *     in the domain the kernel chose at boot (iommu.strict=0,
 *     iommu.passthrough=1: the stamps' cross-check), no type switched
 *
 * For each domain type (DMA strict, DMA-FQ lazy, identity), switched through
 * /sys/kernel/iommu_groups/N/type while the device is unbound: BIND, stamps,
 * edu's own DMA engine moving a page through the mapping both ways (bytes
 * checked), the same with a wrong device address (must not match: the
 * control), DEVMAP figures (single and sg, 1 and 2 threads), UNBIND; then
 * sg on the module's own device, coherent and not.
 * QEMU models no caches: this proves translation, not coherency.
 *
 * Output lines, checked on the host by check.py smmu:
 *   REFUSE DEVICE ANSWER
 *   STAMP PHASE ops=.. group=N domain=.. iommu=.. mask=0x.. named=0|1 swiotlb=0|1
 *   EDU PHASE to_device+from_device bytes=N match=0|1
 *   CONTROL PHASE wrong_iova match=0|1
 *   MAP PHASE mode=.. threads=N granule=N entries=N samples=N ticks=ok|bad
 *       map_ps=MIN,MEDIAN,P99,MAX unmap_ps=...   (ticks: every sample came back
 *       through `ticks`, N per block, each block summing to its sum_ticks; the
 *       exit status is 1 if any did not)
 *   PATTERN PHASE name=rx|mixed|empty_counter|empty_ktime|burst1_ktime
 *       samples=N map_mean_ps=.. unmap_mean_ps=..   (or error=E; peer_check.py)
 *   LIST PHASE bytes=N entries=N samples=N ticks=ok|bad map_ps=.. unmap_ps=..
 *       wall_ms=N   (strict only: a 64 MiB sg list; or error=E: 1 GiB's ENOMEM)
 *   OVERRIDE DEVICE VALUE   driver_override after UNBIND
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "dmabench_uapi.h"

/* edu's registers (QEMU docs/specs/edu.rst) */
#define EDU_ID 0x00
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2
#define EDU_BUFFER 0x40000  /* its 4 KiB buffer, in its own address space */
/* QEMU 7.2's edu refuses a transfer that ends at its buffer's end (an
 * off-by-one in edu_check_range, a hw_error that stops QEMU): move 64 bytes
 * less, and check that those stay untouched. */
#define EDU_MOVE 4032

static int fd, ticks_bad;
static volatile uint8_t *edu;

static int req(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static void write_file(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(value, f) < 0 || fclose(f))
		fprintf(stderr, "kmod_smmu: write %s to %s: %s\n", value, path, strerror(errno));
}

static void edu_reg(uint32_t off, uint64_t v) { *(volatile uint64_t *)(edu + off) = v; }

/* One edu DMA of EDU_MOVE bytes between its buffer and a device address;
 * 100 ms of virtual time each. 0, or -1 if it never finished. */
static int edu_dma(uint64_t iova, int to_ram)
{
	int i;

	edu_reg(EDU_DMA_SRC, to_ram ? EDU_BUFFER : iova);
	edu_reg(EDU_DMA_DST, to_ram ? iova : EDU_BUFFER);
	edu_reg(EDU_DMA_COUNT, EDU_MOVE);
	edu_reg(EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	for (i = 0; i < 5000; i++) {
		if (!(*(volatile uint64_t *)(edu + EDU_DMA_CMD) & EDU_CMD_START))
			return 0;
		usleep(1000);
	}
	return -1;
}

/* Maps a page holding `fill`, lets edu read it (RAM to edu) from iova +
 * skew, then maps a zeroed page, lets edu write its buffer into it, and
 * says whether the bytes that came back are fill's. */
static int round_trip(const uint8_t *fill, uint64_t skew, const char *phase)
{
	static struct dmabench_hold_req h;
	int e;

	memset(&h, 0, sizeof(h));
	h.op = DMABENCH_HOLD_MAP, h.dir = DMABENCH_DIR_TO_DEVICE, h.size = 4096;
	memcpy(h.data, fill, 4096);
	if ((e = req(DMABENCH_IOC_HOLD, &h)))
		return fprintf(stderr, "%s: HOLD map: %s\n", phase, strerror(e)), -1;
	e = edu_dma(h.iova + skew, 0);
	h.op = DMABENCH_HOLD_UNMAP;
	if (e || req(DMABENCH_IOC_HOLD, &h))
		return fprintf(stderr, "%s: edu read or unmap failed\n", phase), -1;

	memset(&h, 0, sizeof(h));
	h.op = DMABENCH_HOLD_MAP, h.dir = DMABENCH_DIR_FROM_DEVICE, h.size = 4096;
	if ((e = req(DMABENCH_IOC_HOLD, &h)))
		return fprintf(stderr, "%s: HOLD map: %s\n", phase, strerror(e)), -1;
	e = edu_dma(h.iova, 1);
	h.op = DMABENCH_HOLD_UNMAP;
	if (e || req(DMABENCH_IOC_HOLD, &h))
		return fprintf(stderr, "%s: edu write or unmap failed\n", phase), -1;
	for (e = EDU_MOVE; e < 4096; e++)
		if (h.data[e])
			return 0;  /* edu wrote past what it was asked */
	return memcmp(h.data, fill, EDU_MOVE) == 0;
}

/* The samples DEVMAP copied to `ticks`: one block of samples x threads per
 * STATS row (map, unmap), each summing to its statistics. */
static int ticks_match(const struct dmabench_devmap_req *m, const uint64_t *ticks, uint64_t n)
{
	const struct dmabench_stats *op[DMABENCH_DEVMAP_NSTATS] = { &m->map, &m->unmap };
	uint64_t sum;
	size_t k, i;

	for (k = 0; k < DMABENCH_DEVMAP_NSTATS; k++) {
		for (i = 0, sum = 0; i < n; i++)
			sum += ticks[k * n + i];
		if (op[k]->samples != n || sum != op[k]->sum_ticks)
			return 0;
	}
	return 1;
}

static void devmap_bits(const char *phase, uint32_t mode, uint32_t threads, uint32_t entries,
			uint32_t coherence, uint32_t bits)
{
	struct dmabench_devmap_req m = { .samples = 64, .batch = 8, .threads = threads,
					 .granule = 1, .mode = mode, .entries = entries,
					 .dir = DMABENCH_DIR_TO_DEVICE, .coherence = coherence,
					 .dma_bits = bits };
	static uint64_t ticks[DMABENCH_DEVMAP_NSTATS * 64 * 2];
	int e, ok;

	if (mode == DMABENCH_MODE_SG)
		m.batch = 1, m.samples = 32;
	m.ticks = (uintptr_t)ticks;
	e = req(DMABENCH_IOC_DEVMAP, &m);
	if (e) {
		printf("MAP %s mode=%s threads=%u bits=%u error=%s\n", phase, mode ? "sg" : "single",
		       threads, bits, strerrorname_np(e));
		return;
	}
	ok = ticks_match(&m, ticks, (uint64_t)m.samples * threads);
	ticks_bad |= !ok;
	printf("MAP %s mode=%s threads=%u bits=%u granule=%u entries=%u samples=%llu ticks=%s "
	       "map_ps=%llu,%llu,%llu,%llu unmap_ps=%llu,%llu,%llu,%llu\n",
	       phase, mode ? "sg" : "single", threads, bits, m.granule, entries,
	       (unsigned long long)m.map.samples, ok ? "ok" : "bad",
	       (unsigned long long)m.map.min_ps, (unsigned long long)m.map.median_ps,
	       (unsigned long long)m.map.p99_ps, (unsigned long long)m.map.max_ps,
	       (unsigned long long)m.unmap.min_ps, (unsigned long long)m.unmap.median_ps,
	       (unsigned long long)m.unmap.p99_ps, (unsigned long long)m.unmap.max_ps);
}

/* Issue 20's patterns through the device: rx (2 threads in a pair, rings
 * of 16), mixed sizes (3 threads), and each clock's own cost (empty). */
static void devmap_patterns(const char *phase)
{
	static const struct { const char *name; uint32_t pattern, sizes, clock, threads, batch; } p[] = {
		{ "rx", DMABENCH_PATTERN_RX, DMABENCH_SIZES_ONE, DMABENCH_CLOCK_COUNTER, 2, 16 },
		{ "mixed", DMABENCH_PATTERN_BURST, DMABENCH_SIZES_MIXED, DMABENCH_CLOCK_COUNTER, 3, 1 },
		{ "empty_counter", DMABENCH_PATTERN_EMPTY, DMABENCH_SIZES_ONE, DMABENCH_CLOCK_COUNTER, 1, 1 },
		{ "empty_ktime", DMABENCH_PATTERN_EMPTY, DMABENCH_SIZES_ONE, DMABENCH_CLOCK_KTIME, 1, 1 },
		{ "burst1_ktime", DMABENCH_PATTERN_BURST, DMABENCH_SIZES_ONE, DMABENCH_CLOCK_KTIME, 1, 1 },
	};
	size_t i;
	int e;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		struct dmabench_devmap_req m = { .samples = 256, .batch = p[i].batch, .threads = p[i].threads,
						 .granule = 1, .entries = 1, .dir = DMABENCH_DIR_TO_DEVICE,
						 .pattern = p[i].pattern, .sizes = p[i].sizes, .clock = p[i].clock };

		e = req(DMABENCH_IOC_DEVMAP, &m);
		if (e)
			printf("PATTERN %s name=%s error=%s\n", phase, p[i].name, strerrorname_np(e));
		else
			printf("PATTERN %s name=%s samples=%llu map_mean_ps=%llu unmap_mean_ps=%llu\n", phase,
			       p[i].name, (unsigned long long)m.map.samples, (unsigned long long)m.map.mean_ps,
			       (unsigned long long)m.unmap.mean_ps);
	}
}

/* Issue 20's sg lists past the 64 MiB burst cap: one list of `bytes` in
 * page entries (batch 1), 8 samples; where it would take over half the
 * memory available, the module refuses it (ENOMEM) and dmesg names the MiB
 * it needed. */
static void devmap_list(const char *phase, uint64_t bytes)
{
	struct dmabench_devmap_req m = { .samples = 8, .batch = 1, .threads = 1, .granule = 1,
					 .mode = DMABENCH_MODE_SG, .dir = DMABENCH_DIR_TO_DEVICE };
	static uint64_t ticks[DMABENCH_DEVMAP_NSTATS * 8];
	struct timespec t0, t1;
	int e, ok;

	m.entries = (uint32_t)(bytes / (uint64_t)sysconf(_SC_PAGESIZE));
	m.ticks = (uintptr_t)ticks;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = req(DMABENCH_IOC_DEVMAP, &m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (e) {
		printf("LIST %s bytes=%llu entries=%u error=%s\n", phase, (unsigned long long)bytes, m.entries,
		       strerrorname_np(e));
		return;
	}
	ok = ticks_match(&m, ticks, m.samples);
	ticks_bad |= !ok;
	printf("LIST %s bytes=%llu entries=%u samples=%llu ticks=%s map_ps=%llu,%llu,%llu,%llu "
	       "unmap_ps=%llu,%llu,%llu,%llu wall_ms=%lld\n", phase, (unsigned long long)bytes, m.entries,
	       (unsigned long long)m.map.samples, ok ? "ok" : "bad",
	       (unsigned long long)m.map.min_ps, (unsigned long long)m.map.median_ps,
	       (unsigned long long)m.map.p99_ps, (unsigned long long)m.map.max_ps,
	       (unsigned long long)m.unmap.min_ps, (unsigned long long)m.unmap.median_ps,
	       (unsigned long long)m.unmap.p99_ps, (unsigned long long)m.unmap.max_ps,
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
}

static void devmap(const char *phase, uint32_t mode, uint32_t threads, uint32_t entries,
		   uint32_t coherence)
{
	devmap_bits(phase, mode, threads, entries, coherence, 0);
}

static const char *domain_name(uint32_t d)
{
	static const char *const n[] = { "none", "strict", "lazy", "identity", "other" };

	return d < 5 ? n[d] : "?";
}

/* A device with a driver (pci-stub's) is refused. */
static void refuse(const char *taken)
{
	struct dmabench_bind_req b = { 0 };
	struct dmabench_unbind_req u = { 0 };
	int e;

	snprintf(b.device, sizeof(b.device), "/sys/bus/pci/devices/%s", taken);
	e = req(DMABENCH_IOC_BIND, &b);
	printf("REFUSE %s %s\n", taken, e ? strerrorname_np(e) : "0");
	if (!e)
		req(DMABENCH_IOC_UNBIND, &u);
}

/* edu's own DMA engine through the mapping both ways, and the control. */
static void edu_phase(const char *phase, const char *addr)
{
	static uint8_t fill[4096], other[4096];
	char path[256];
	size_t i;
	int bar, res;

	for (i = 0; i < sizeof(fill); i++)
		fill[i] = (uint8_t)(i * 7 + 1), other[i] = (uint8_t)(i * 13 + 5);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", addr);
	bar = open(path, O_RDWR | O_SYNC);
	edu = bar < 0 ? MAP_FAILED : mmap(NULL, 4096 * 256, PROT_READ | PROT_WRITE, MAP_SHARED, bar, 0);
	if (edu == MAP_FAILED || *(volatile uint32_t *)(edu + EDU_ID) != 0x010000ed) {
		printf("EDU %s error=no edu at %s\n", phase, path);
	} else {
		res = round_trip(fill, 0, phase);
		printf("EDU %s to_device+from_device bytes=%d match=%d\n", phase, EDU_MOVE, res);
		/* The control: edu reads 2 MiB off the mapping; what comes back
		 * must not be the page just mapped. */
		res = round_trip(other, 2u << 20, phase);
		printf("CONTROL %s wrong_iova match=%d\n", phase, res);
		munmap((void *)edu, 4096 * 256);
	}
	if (bar >= 0)
		close(bar);
}

/* One domain: BIND, stamps, edu, DEVMAP figures, UNBIND. The device's
 * IOMMU group (-1: none, or it did not bind). */
static int phase_run(const char *phase, const char *addr)
{
	struct dmabench_bind_req b = { 0 };
	struct dmabench_unbind_req u = { 0 };
	int e;

	snprintf(b.device, sizeof(b.device), "%s", addr);
	if ((e = req(DMABENCH_IOC_BIND, &b))) {
		printf("STAMP %s error=%s\n", phase, strerrorname_np(e));
		return -1;
	}
	printf("STAMP %s ops=%s group=%d domain=%s iommu=%s mask=0x%llx named=%u swiotlb=%u\n",
	       phase, b.device_info.dma_ops, b.device_info.iommu_group,
	       domain_name(b.device_info.domain),
	       b.device_info.iommu_driver[0] ? b.device_info.iommu_driver : "none",
	       (unsigned long long)b.device_info.dma_mask,
	       !!(b.device_info.flags & DMABENCH_DEVICE_NAMED),
	       !!(b.device_info.flags & DMABENCH_DEVICE_SWIOTLB));
	edu_phase(phase, addr);
	devmap(phase, DMABENCH_MODE_SINGLE, 1, 1, DMABENCH_AS_IS);
	devmap(phase, DMABENCH_MODE_SINGLE, 2, 1, DMABENCH_AS_IS);
	devmap(phase, DMABENCH_MODE_SG, 1, 16, DMABENCH_AS_IS);
	devmap_patterns(phase);
	if (!strcmp(phase, "strict")) {  /* through the IOMMU; the guest has 1 GiB */
		devmap_list(phase, 64ull << 20);
		devmap_list(phase, 1ull << 30);
	}
	/* Under an IOMMU the mask only bounds the IOVA: 32 bits map as well.
	 * 12 bits only where dma-direct refuses the mask: behind the SMMU a
	 * failed allocation below 4 GiB marks the domain's 32-bit IOVA space
	 * full (iova.c's max32_alloc_size), and on 6.1 the DMA to DMA-FQ switch
	 * keeps the domain, so the next phase's 32-bit maps would all fail. */
	devmap_bits(phase, DMABENCH_MODE_SINGLE, 1, 1, DMABENCH_AS_IS, 32);
	if (!strcmp(b.device_info.dma_ops, "dma-direct"))
		devmap_bits(phase, DMABENCH_MODE_SINGLE, 1, 1, DMABENCH_AS_IS, 12);
	if ((e = req(DMABENCH_IOC_UNBIND, &u)))
		printf("UNBIND %s error=%s\n", phase, strerrorname_np(e));
	return b.device_info.iommu_group;
}

/* What UNBIND left: the override as it was, no driver. */
static void leftovers(const char *addr)
{
	char path[256], value[64];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", addr);
	f = fopen(path, "r");
	if (f && fgets(value, sizeof(value), f))
		printf("OVERRIDE %s %s", addr, value);
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", addr);
	printf("DRIVER %s %s\n", addr, access(path, F_OK) ? "none" : "bound");
}

int main(int argc, char **argv)
{
	static const struct { const char *phase, *type; } phases[] = {
		{ "strict", "DMA" }, { "lazy", "DMA-FQ" }, { "identity", "identity" },
	};
	const char *addr = argc > 1 ? argv[1] : "0000:00:01.0";
	char path[256];
	int group = -1, bound;
	size_t p, nphases = argc > 3 ? 1 : sizeof(phases) / sizeof(phases[0]);

	fd = open(DMABENCH_DEVICE, O_RDWR);
	if (fd < 0)
		return perror("kmod_smmu: " DMABENCH_DEVICE), 1;
	if (argc > 2 && strcmp(argv[2], "-"))
		refuse(argv[2]);
	for (p = 0; p < nphases; p++) {
		if (group >= 0) {  /* unbound now: the group takes its new type */
			snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/type", group);
			write_file(path, phases[p].type);
		}
		bound = phase_run(argc > 3 ? argv[3] : phases[p].phase, addr);
		group = bound >= 0 ? bound : group;
	}
	/* Unbound: the module's own device, whose coherence it may set; the
	 * non-coherent sg map runs the kernel's cache maintenance per entry. */
	devmap("own_coherent", DMABENCH_MODE_SG, 1, 16, DMABENCH_COHERENT);
	devmap("own_noncoherent", DMABENCH_MODE_SG, 1, 16, DMABENCH_NONCOHERENT);
	leftovers(addr);
	return ticks_bad;
}
