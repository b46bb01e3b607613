/* Byte offsets shared by call.hpp (checked with static_assert) and the
 * assembly loops: the ops-table call walks dev->dma_ops->map_page as Linux's
 * dma_map_page_attrs() does. Plain C preprocessor so the .S files can use it. */
#ifndef DMABENCH_KERNELS_CALL_OPS_LAYOUT_H
#define DMABENCH_KERNELS_CALL_OPS_LAYOUT_H
#define DMABENCH_DEVICE_DMA_OPS 0   /* struct device: dma_ops */
#define DMABENCH_OPS_MAP_PAGE 56    /* struct dma_map_ops: map_page */
#define DMABENCH_NR_GETPPID_X86_64 110
#define DMABENCH_NR_GETPPID_ARM64 173
/* KVM_HC_VAPIC_POLL_IRQ: a no-op even if a hypervisor did dispatch it. */
#define DMABENCH_KVM_HC_NOOP 1
#endif
