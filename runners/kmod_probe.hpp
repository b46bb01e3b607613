// The kmod/ family's side of /dev/dmabench (kernels/kmod/dmabench.ko): open
// it and ask what it offers, size its requests, and turn the samples it
// copies out into per-operation figures.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/kmod/dmabench_uapi.h"

namespace dmabench::kmod {

// /dev/dmabench, open, and what the module said of itself.
struct Module {
    int fd = -1;
    dmabench_info info{};
    std::string skip;  // empty: usable; otherwise why not (absent, permission, ABI)
    std::string hypercall_note() const;
};

// Opens path and asks DMABENCH_IOC_INFO. Never fails: skip says what is wrong.
Module open_module(const std::string& path = DMABENCH_DEVICE);
// This process's module, opened once and kept open (so it stays loaded
// while dmabench may use it).
const Module& module();

// Buffers per timed sample of size bytes each: about 256 KiB touched per
// sample, within the module's limits (1..DMABENCH_MAX_BATCH and
// DMABENCH_MAX_BATCH_BYTES).
uint32_t buffers_per_sample(uint64_t size, uint32_t page_size);

// Per-operation figures of one operation from every sample the module copied
// out (ticks per sample of `batch` operations): exact over all of a run's
// requests, quantiles by the one definition (results::quantile).
struct OpStats {
    uint64_t samples = 0;
    uint32_t batch = 0;
    double ticks_min = 0, ticks_median = 0, ticks_mean = 0, ticks_p99 = 0, ticks_max = 0;
    double ns_min = 0, ns_median = 0, ns_mean = 0, ns_p99 = 0, ns_max = 0;
};
OpStats summarise(const std::vector<uint64_t>& ticks, uint32_t batch, uint64_t hz);

// ---- a device the user names (dmabench run --device) ----

// The device a --device value names: a PCI address ("0000:01:00.0",
// "01:00.0" for domain 0), a platform device's name (an SoC's, such as
// "9010000.dma"), or a sysfs path ending in either. "" with why set when it
// is none of these.
std::string device_name(const std::string& arg, std::string& why);

// BIND the device at address (its driver_override is the module's to write
// and restore). "" when bound, else one line saying why not (the driver that
// holds it, no such device...). unbind() lets it go: idempotent and
// async-signal-safe, so signal handlers and atexit may call it too.
std::string bind(const std::string& address, dmabench_device& info);
void unbind();

// Puts the bound device in an IOMMU domain of type domain ("strict", "lazy",
// "identity"): UNBIND, its group's type written to
// /sys/kernel/iommu_groups/N/type (the kernel's rule: only while no driver
// holds it), BIND again. "" when it is in that domain, else why not. The
// group's first type is written back by unbind().
std::string use_domain(const std::string& domain, dmabench_device& info);
// Why the bound device's domain cannot be switched ("" when it can): no
// IOMMU group, or a group it shares with other devices.
std::string domain_switchable(const dmabench_device& info);

// DMABENCH_IOC_DEVICE: the device DEVMAP maps through now; false without one.
bool current_device(dmabench_device& d);
// "none", "strict", "lazy", "identity", "other": the domain:<> arg.
const char* domain_name(uint32_t domain);
// The stamp of a device for the record: name, DMA ops, IOMMU group...
nlohmann::json device_json(const dmabench_device& d);
// Operations per DEVMAP sample for mappings of bytes each from threads
// threads: about 256 KiB per sample, within the module's limits; 0 when one
// mapping per thread does not fit.
uint32_t devmap_batch(uint64_t bytes, uint32_t threads);

// MemAvailable of /proc/meminfo in bytes; 0 when it cannot be read.
uint64_t memory_available();
// "" when the module takes a DEVMAP request's memory (dmabench_devmap_need
// within dmabench_memory_allows of available, as the module weighs it),
// else why not, naming the MiB it needs and the MiB available.
std::string memory_refusal(const dmabench_devmap_req& r, uint32_t page_size, uint64_t available);

const char* dir_name(uint32_t dir);         // "bidirectional", "to_device", "from_device"
const char* cache_op_name(uint32_t op);     // "clean", "inval", "clean_inval", "clean_inval_pou"

}  // namespace dmabench::kmod
