// SPDX-License-Identifier: GPL-2.0
/*
 * dmabench.ko: what only EL1 (ring 0) can time, for dmabench's kmod/ family.
 *
 * /dev/dmabench answers the requests of DMABENCH_IOCTLS (dmabench_uapi.h);
 * each part of the module does one job (Kbuild lists them). This one loads
 * and unloads it: the counter's frequency and what INFO answers, the
 * module's own platform device (dma-direct, its coherence the module's to
 * set), the drivers that bind a named device, and the device file.
 *
 * Timing: CNTVCT_EL0 read between ISBs (arm64) or RDTSC between LFENCEs
 * (x86_64) around a batch of operations (dmabench.h); the statistics and
 * argument checks are dmabench_core.h, shared with user-space tests.
 */
#include <linux/module.h>
#include <linux/string.h>

#if defined(CONFIG_X86_64)
#include <asm/tsc.h>
#endif

#include "dmabench.h"

struct platform_device *dmabench_pdev;
struct dmabench_info dmabench_info;

int dmabench_set_coherent(bool coherent)
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

void dmabench_query_info(struct dmabench_info *r)
{
	*r = dmabench_info;
}

/* The counter, the hypercall and the cache routines this machine offers. */
static int dmabench_fill_info(struct dmabench_info *info)
{
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
	return 0;
}

static int __init dmabench_init(void)
{
	int err = dmabench_fill_info(&dmabench_info);

	if (err)
		return err;
	dmabench_pdev = platform_device_register_simple("dmabench", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(dmabench_pdev))
		return PTR_ERR(dmabench_pdev);
	/* 64-bit addressing: the direct path, never a swiotlb bounce. */
	err = dma_set_mask_and_coherent(&dmabench_pdev->dev, DMA_BIT_MASK(64));
	if (!err)
		err = dmabench_drivers_register();
	if (err)
		goto out_pdev;
	err = dmabench_ioctl_register();
	if (err)
		goto out_drivers;
	pr_info("dmabench: /dev/dmabench ready; counter %llu Hz; hypercall: %s\n",
		dmabench_info.counter_hz, dmabench_info.hypercall_note);
	return 0;
out_drivers:
	dmabench_drivers_unregister();
out_pdev:
	platform_device_unregister(dmabench_pdev);
	return err;
}

static void __exit dmabench_exit(void)
{
	dmabench_ioctl_unregister();
	dmabench_drivers_unregister();  /* the bound device's override back as it was */
	platform_device_unregister(dmabench_pdev);
}

module_init(dmabench_init);
module_exit(dmabench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dmabench: hypercall, DMA map/unmap and cache maintenance timed at EL1");
