// SPDX-License-Identifier: GPL-2.0
/*
 * A device the user names: BIND takes it through driver_override, UNBIND
 * (or rmmod) lets it go and puts the override back, DEVICE describes the
 * device DEVMAP maps through, HOLD keeps one buffer mapped for its own DMA
 * engine.
 */
#include <linux/dma-map-ops.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swiotlb.h>
#include <linux/version.h>

#include "dmabench.h"

/*
 * BIND writes driver_override and attaches one of the drivers below, a PCI
 * one and a platform one (an SoC's devices), which have no ID tables and so
 * bind only a device whose override names them. DEVMAP and HOLD map through
 * the bound device's own DMA ops, whatever dma_configure gave it at bind
 * (dma-iommu under an SMMU, dma-direct, swiotlb, Xen's).
 */
DECLARE_RWSEM(dmabench_dev_sem);         /* users read; probe and remove write */
struct device *dmabench_named;           /* set by probe, cleared by remove */
static struct device *dmabench_bound;    /* what BIND took (a reference) */
static char *dmabench_saved_override;    /* its override before BIND, or NULL */

/* The buffer HOLD keeps mapped for the device's own DMA engine. */
static struct {
	struct device *dev;
	struct page *page;
	dma_addr_t iova;
	u32 size;
	enum dma_data_direction dir;
} dmabench_held;

static void dmabench_hold_release(struct device *dev)
{
	if (!dmabench_held.page || (dev && dmabench_held.dev != dev))
		return;
	dma_unmap_page(dmabench_held.dev, dmabench_held.iova, dmabench_held.size,
		       dmabench_held.dir);
	__free_page(dmabench_held.page);
	dmabench_held.page = NULL;
}

/* Either bus's probe, once the device is enabled: its mask, then ours. */
static int dmabench_named_probe(struct device *dev)
{
	int err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));

	if (err)
		err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (err)
		return err;
	down_write(&dmabench_dev_sem);
	dmabench_named = dev;
	up_write(&dmabench_dev_sem);
	return 0;
}

static void dmabench_named_remove(struct device *dev)
{
	down_write(&dmabench_dev_sem);  /* waits for a DEVMAP using it */
	dmabench_hold_release(dev);
	if (dmabench_named == dev)
		dmabench_named = NULL;
	up_write(&dmabench_dev_sem);
}

static int dmabench_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int err = pci_enable_device(pdev);

	if (err)
		return err;
	pci_set_master(pdev);  /* its DMA engine needs bus mastering */
	err = dmabench_named_probe(&pdev->dev);
	if (err) {
		pci_clear_master(pdev);
		pci_disable_device(pdev);
	}
	return err;
}

static void dmabench_pci_remove(struct pci_dev *pdev)
{
	dmabench_named_remove(&pdev->dev);
	pci_clear_master(pdev);
	pci_disable_device(pdev);
}

static struct pci_driver dmabench_pci_driver = {
	.name = "dmabench",  /* no id_table: only driver_override binds it */
	.probe = dmabench_pci_probe,
	.remove = dmabench_pci_remove,
};

static int dmabench_platform_probe(struct platform_device *pdev)
{
	return dmabench_named_probe(&pdev->dev);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)  /* remove returns void since */
static void dmabench_platform_remove(struct platform_device *pdev)
{
	dmabench_named_remove(&pdev->dev);
}
#else
static int dmabench_platform_remove(struct platform_device *pdev)
{
	dmabench_named_remove(&pdev->dev);
	return 0;
}
#endif

/* Not "dmabench": the platform bus would match the module's own device by name. */
static struct platform_driver dmabench_platform_driver = {
	.driver.name = "dmabench-named",  /* no match tables: only driver_override binds it */
	.probe = dmabench_platform_probe,
	.remove = dmabench_platform_remove,
};

/* The device DEVMAP and HOLD use, with dmabench_dev_sem held for reading. */
struct device *dmabench_target(void)
{
	return dmabench_named ? dmabench_named : &dmabench_pdev->dev;
}

static void dmabench_describe(struct device *dev, struct dmabench_device *d)
{
	const struct dma_map_ops *ops = get_dma_ops(dev);
	struct iommu_group *group = iommu_group_get(dev);
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	memset(d, 0, sizeof(*d));
	strscpy(d->name, dev_name(dev), sizeof(d->name));
	if (!ops)
		strscpy(d->dma_ops, "dma-direct", sizeof(d->dma_ops));
	else
		snprintf(d->dma_ops, sizeof(d->dma_ops), "%ps", ops->map_page);
	/* The ops tables are not exported: name them by their map_page. */
	if (!strcmp(d->dma_ops, "iommu_dma_map_page"))
		strscpy(d->dma_ops, "dma-iommu", sizeof(d->dma_ops));
	else if (!strcmp(d->dma_ops, "xen_swiotlb_map_page"))
		strscpy(d->dma_ops, "xen-swiotlb", sizeof(d->dma_ops));
	d->iommu_group = group ? iommu_group_id(group) : -1;
	iommu_group_put(group);
	if (!dom)
		d->domain = DMABENCH_DOMAIN_NONE;
	else if (dom->type == IOMMU_DOMAIN_DMA)
		d->domain = DMABENCH_DOMAIN_STRICT;
	else if (dom->type == IOMMU_DOMAIN_DMA_FQ)
		d->domain = DMABENCH_DOMAIN_LAZY;
	else if (dom->type == IOMMU_DOMAIN_IDENTITY)
		d->domain = DMABENCH_DOMAIN_IDENTITY;
	else
		d->domain = DMABENCH_DOMAIN_OTHER;
	if (dev->iommu && dev->iommu->iommu_dev && dev->iommu->iommu_dev->dev) {
		/* iommu_dev->dev is the sysfs class device; its parent is the
		 * IOMMU itself, with the driver's name ("arm-smmu-v3"). Intel's
		 * has no parent: its own name ("dmar0") says which it is. */
		struct device *idev = dev->iommu->iommu_dev->dev;

		strscpy(d->iommu_driver, idev->parent && idev->parent->driver ?
			dev_driver_string(idev->parent) : dev_name(idev), sizeof(d->iommu_driver));
	}
	d->dma_mask = dma_get_mask(dev);
	if (dev != &dmabench_pdev->dev)
		d->flags |= DMABENCH_DEVICE_NAMED;
	if (dev_is_pci(dev))
		d->flags |= DMABENCH_DEVICE_PCI;
#if DMABENCH_NONCOHERENT
	if (dev->dma_coherent)
		d->flags |= DMABENCH_DEVICE_COHERENT;
#else
	d->flags |= DMABENCH_DEVICE_COHERENT;
#endif
	if (is_swiotlb_force_bounce(dev))
		d->flags |= DMABENCH_DEVICE_SWIOTLB;
}

void dmabench_query_device(struct dmabench_device *r)
{
	down_read(&dmabench_dev_sem);
	dmabench_describe(dmabench_target(), r);
	up_read(&dmabench_dev_sem);
}

/* The driver BIND attaches to dev, and dev's driver_override. */
static struct device_driver *dmabench_driver_for(struct device *dev, const char ***override)
{
	if (dev_is_pci(dev)) {
		*override = &to_pci_dev(dev)->driver_override;
		return &dmabench_pci_driver.driver;
	}
	*override = &to_platform_device(dev)->driver_override;
	return &dmabench_platform_driver.driver;
}

/* Sets (s) or clears (NULL) a device's driver_override. */
static int dmabench_set_override(struct device *dev, const char *s)
{
	const char **override;

	dmabench_driver_for(dev, &override);
	return s ? driver_set_override(dev, override, s, strlen(s))
		 : driver_set_override(dev, override, "\n", 1);
}

long dmabench_bind(struct dmabench_bind_req *r, struct dmabench_samples *s)
{
	const char *name = r->device, *slash, **override;
	struct device_driver *other, *ours;
	struct device *dev;
	char *saved = NULL;
	int err;

	/* A sysfs path names the device by its last component. */
	while ((slash = strchr(name, '/')) && slash[1])
		name = slash + 1;
	if (dmabench_bound)
		return -EBUSY;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	if (!dev)
		dev = bus_find_device_by_name(&platform_bus_type, NULL, name);
	if (!dev || dev == &dmabench_pdev->dev) {
		put_device(dev);
		return -ENOENT;
	}
	ours = dmabench_driver_for(dev, &override);
	device_lock(dev);
	other = dev->driver;
	if (!other && *override)
		saved = kstrdup(*override, GFP_KERNEL);
	device_unlock(dev);
	if (other) {
		pr_info("dmabench: %s is driven by %s: refused (dmabench never unbinds another driver)\n",
			name, other->name);
		put_device(dev);
		return -EBUSY;
	}
	err = dmabench_set_override(dev, ours->name);
	if (!err)
		err = device_driver_attach(ours, dev);
	if (!err && dev->driver != ours)
		err = -EBUSY;  /* another driver won the race */
	if (err) {
		dmabench_set_override(dev, saved);
		kfree(saved);
		put_device(dev);
		return err == -EBUSY || err == -ENOMEM ? err : -EIO;
	}
	dmabench_bound = dev;
	dmabench_saved_override = saved;
	down_read(&dmabench_dev_sem);
	dmabench_describe(dev, &r->device_info);
	up_read(&dmabench_dev_sem);
	pr_info("dmabench: bound %s: %s, IOMMU group %d\n", name, r->device_info.dma_ops,
		r->device_info.iommu_group);
	return 0;
}

/* Lets the bound device go and puts its override back. */
static void dmabench_release_bound(void)
{
	struct device *dev = dmabench_bound;

	if (!dev)
		return;
	device_release_driver(dev);
	dmabench_set_override(dev, dmabench_saved_override);
	kfree(dmabench_saved_override);
	dmabench_saved_override = NULL;
	dmabench_bound = NULL;
	put_device(dev);
}

long dmabench_unbind(struct dmabench_unbind_req *r, struct dmabench_samples *s)
{
	if (!dmabench_bound)
		return -ENODEV;
	dmabench_release_bound();
	return 0;
}

/* Under dmabench_dev_sem throughout: a remove (sysfs unbind) meanwhile
 * would release the held buffer under our feet. */
long dmabench_hold(struct dmabench_hold_req *r, struct dmabench_samples *s)
{
	enum dma_data_direction dir = (enum dma_data_direction)r->dir;
	struct device *dev;
	struct page *page = NULL;
	long err = 0;

	if (r->op == DMABENCH_HOLD_MAP) {
		page = alloc_page(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
		if (!page)
			return -ENOMEM;
		memcpy(page_address(page), r->data, r->size);
	}
	down_read(&dmabench_dev_sem);
	if (r->op == DMABENCH_HOLD_UNMAP) {
		if (!dmabench_held.page) {
			err = -ENOENT;
		} else {
			dma_unmap_page(dmabench_held.dev, dmabench_held.iova, dmabench_held.size,
				       dmabench_held.dir);
			memcpy(r->data, page_address(dmabench_held.page), dmabench_held.size);
			r->iova = dmabench_held.iova;
			__free_page(dmabench_held.page);
			dmabench_held.page = NULL;
		}
	} else if (dmabench_held.page) {
		err = -EBUSY;
	} else {
		dev = dmabench_target();
		r->iova = dma_map_page(dev, page, 0, r->size, dir);
		if (dma_mapping_error(dev, r->iova)) {
			r->iova = 0;
			err = -EIO;
		} else {
			dmabench_held.dev = dev;
			dmabench_held.page = page;
			dmabench_held.iova = r->iova;
			dmabench_held.size = r->size;
			dmabench_held.dir = dir;
			page = NULL;
		}
	}
	up_read(&dmabench_dev_sem);
	if (page)
		__free_page(page);
	return err;
}

int dmabench_drivers_register(void)
{
	int err = pci_register_driver(&dmabench_pci_driver);

	if (err)
		return err;
	err = platform_driver_register(&dmabench_platform_driver);
	if (err)
		pci_unregister_driver(&dmabench_pci_driver);
	return err;
}

void dmabench_drivers_unregister(void)
{
	dmabench_release_bound();  /* its override back as it was */
	platform_driver_unregister(&dmabench_platform_driver);
	pci_unregister_driver(&dmabench_pci_driver);
	dmabench_hold_release(NULL);
}
