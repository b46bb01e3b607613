#include "runners/kmod_probe.hpp"
#include "runners/kmod_uapi.hpp"

#include "kernels/kmod/dmabench_core.h"
#include "results/stats.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <string_view>

namespace dmabench::kmod {

namespace {
std::string bounded(const char* s, std::size_t n) { return std::string(s, strnlen(s, n)); }
}  // namespace

std::string Module::hypercall_note() const { return bounded(info.hypercall_note, DMABENCH_NOTE_LEN); }

Module open_module(const std::string& path) {
    Module d;
    d.fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (d.fd < 0) {
        int e = errno;
        d.skip = e == ENOENT ? path + " absent: load dmabench.ko (kernels/kmod; see README)"
                             : "cannot open " + path + ": " + std::strerror(e);
        return d;
    }
    if (ioctl(d.fd, DMABENCH_IOC_INFO, &d.info) != 0) {
        d.skip = path + " does not answer DMABENCH_IOC_INFO: " + std::strerror(errno);
    } else if (d.info.abi_version != DMABENCH_ABI_VERSION) {
        d.skip = path + " speaks ABI " + std::to_string(d.info.abi_version) + ", this dmabench " +
                 std::to_string(DMABENCH_ABI_VERSION) + ": build dmabench.ko from the same tree";
    } else if (d.info.counter_hz == 0 || d.info.page_size == 0) {
        d.skip = path + " reports a zero counter frequency or page size";
    }
    if (!d.skip.empty()) {
        close(d.fd);
        d.fd = -1;
    }
    return d;
}

const Module& module() {
    static const Module d = open_module();
    return d;
}

uint32_t buffers_per_sample(uint64_t size, uint32_t page_size) {
    constexpr uint64_t kTouchedPerSample = 256 << 10;
    uint64_t pages = (size + page_size - 1) / page_size, block = page_size;
    while (block < pages * page_size) block *= 2;  // as the module allocates
    uint64_t b = std::clamp<uint64_t>(kTouchedPerSample / block, 1, DMABENCH_MAX_BATCH);
    return uint32_t(std::min<uint64_t>(b, std::max<uint64_t>(1, DMABENCH_MAX_BATCH_BYTES / block)));
}

OpStats summarise(const std::vector<uint64_t>& ticks, uint32_t batch, uint64_t hz) {
    OpStats o;
    if (ticks.empty() || batch == 0 || hz == 0) return o;
    o.samples = ticks.size();
    o.batch = batch;
    std::vector<double> v(ticks.begin(), ticks.end());
    double sum = 0;
    for (double t : v) sum += t;
    const double b = double(batch), ns_per_tick = 1e9 / double(hz);
    o.ticks_min = *std::min_element(v.begin(), v.end()) / b;
    o.ticks_max = *std::max_element(v.begin(), v.end()) / b;
    o.ticks_mean = sum / double(v.size()) / b;
    o.ticks_median = results::quantile(v, 0.5) / b;
    o.ticks_p99 = results::quantile(v, 0.99) / b;
    o.ns_min = o.ticks_min * ns_per_tick;
    o.ns_median = o.ticks_median * ns_per_tick;
    o.ns_mean = o.ticks_mean * ns_per_tick;
    o.ns_p99 = o.ticks_p99 * ns_per_tick;
    o.ns_max = o.ticks_max * ns_per_tick;
    return o;
}

std::string device_name(const std::string& arg, std::string& why) {
    static const std::regex pci("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\\.[0-7]");
    std::string last = arg;
    while (last.size() > 1 && last.back() == '/') last.pop_back();
    if (auto slash = last.rfind('/'); slash != std::string::npos) last = last.substr(slash + 1);
    std::error_code ec;
    if (!std::regex_match(last, pci)) {
        if (!last.empty() && last != "." && last != ".." &&
            std::filesystem::exists("/sys/bus/platform/devices/" + last, ec))
            return last;
        why = "--device '" + arg + "': neither a PCI address nor a platform device here (accepted: "
              "0000:01:00.0, 01:00.0, a name in /sys/bus/platform/devices, or a sysfs path ending in one)";
        return "";
    }
    if (last.size() == 7) last = "0000:" + last;
    std::transform(last.begin(), last.end(), last.begin(), [](unsigned char c) { return std::tolower(c); });
    return last;
}

namespace {
std::atomic<int> bound_fd{-1};  // the fd that holds a BIND, for unbind()
// The group type to write back at unbind(): fixed buffers, as a signal
// handler may do it.
char restore_path[64], restore_type[16];
std::atomic<std::size_t> restore_len{0};

// UNBIND, when this process holds a BIND.
void release() {
    int fd = bound_fd.exchange(-1);
    dmabench_unbind_req r{};
    if (fd >= 0) ioctl(fd, DMABENCH_IOC_UNBIND, &r);
}

void restore_group_type() {
    std::size_t n = restore_len.exchange(0);
    if (n == 0) return;
    int fd = open(restore_path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t w = write(fd, restore_type, n);
    (void)w;  // nothing better to do on the way out
    close(fd);
}
}  // namespace

std::string bind(const std::string& address, dmabench_device& info) {
    const Module& d = module();
    std::string head = "--device " + address + ": ";
    if (!d.skip.empty()) return head + "needs dmabench.ko: " + d.skip;
    dmabench_bind_req r{};
    std::snprintf(r.device, sizeof r.device, "%s", address.c_str());
    if (ioctl(d.fd, DMABENCH_IOC_BIND, &r) == 0) {
        info = r.device_info;
        bound_fd = d.fd;
        return "";
    }
    int e = errno;
    std::error_code ec;
    auto drv = std::filesystem::read_symlink("/sys/bus/pci/devices/" + address + "/driver", ec);
    if (ec) drv = std::filesystem::read_symlink("/sys/bus/platform/devices/" + address + "/driver", ec);
    if (e == EBUSY && !ec)
        return head + "driven by " + drv.filename().string() + " (dmabench never unbinds another driver; "
               "accepted: a function no driver holds: unbind it yourself first)";
    if (e == EBUSY) return head + "dmabench.ko has another device bound, or a request is running (EBUSY)";
    if (e == ENOENT) return head + "no such PCI or platform device (accepted: a name listed in /sys/bus/pci/devices "
                                   "or /sys/bus/platform/devices)";
    return head + "DMABENCH_IOC_BIND: " + std::strerror(e);
}

void unbind() {
    release();
    restore_group_type();
}

std::string domain_switchable(const dmabench_device& info) {
    std::string name = bounded(info.name, sizeof info.name);
    if (info.iommu_group < 0)
        return name + " has no IOMMU group (its DMA ops: " + bounded(info.dma_ops, sizeof info.dma_ops) +
               "): its domain type cannot be switched";
    std::error_code ec;
    auto dir = "/sys/kernel/iommu_groups/" + std::to_string(info.iommu_group);
    std::size_t n = 0;
    for (auto it = std::filesystem::directory_iterator(dir + "/devices", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++n;
    if (ec || access((dir + "/type").c_str(), W_OK) != 0)
        return dir + "/type cannot be written here (a kernel before 5.11, or not root)";
    if (n > 1)
        return name + " shares IOMMU group " + std::to_string(info.iommu_group) + " with " +
               std::to_string(n - 1) + " other device(s): the kernel switches only a group of one";
    return "";
}

std::string use_domain(const std::string& domain, dmabench_device& info) {
    static const std::pair<const char*, const char*> types[] = {
        {"strict", "DMA"}, {"lazy", "DMA-FQ"}, {"identity", "identity"}};
    const char* type = nullptr;
    for (auto& [d, t] : types)
        if (domain == d) type = t;
    if (!type) return "domain '" + domain + "': accepted: strict, lazy, identity";
    if (!current_device(info) || !(info.flags & DMABENCH_DEVICE_NAMED)) return "no --device is bound";
    if (domain == domain_name(info.domain)) return "";
    if (std::string why = domain_switchable(info); !why.empty()) return why;
    const std::string address = bounded(info.name, sizeof info.name);
    const std::string path = "/sys/kernel/iommu_groups/" + std::to_string(info.iommu_group) + "/type";
    if (restore_len == 0) {  // the type the group had before dmabench, once
        int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, restore_type, sizeof restore_type - 1) : -1;
        if (fd >= 0) close(fd);
        if (n <= 0) return "cannot read " + path + ": " + std::strerror(errno);
        std::snprintf(restore_path, sizeof restore_path, "%s", path.c_str());
        restore_len = std::size_t(n);
    }
    release();
    int out = open(path.c_str(), O_WRONLY | O_CLOEXEC), e = 0;
    if (out < 0 || write(out, type, std::strlen(type)) < 0) e = errno;
    if (out >= 0) close(out);
    // Bound again whatever the write did: the run goes on with the device.
    if (std::string why = bind(address, info); !why.empty()) return why;
    if (e) return "writing " + std::string(type) + " to " + path + ": " + std::strerror(e);
    if (domain != domain_name(info.domain))
        return path + " took " + type + " but " + address + " is in a " + domain_name(info.domain) + " domain";
    return "";
}

bool current_device(dmabench_device& d) {
    return module().skip.empty() && ioctl(module().fd, DMABENCH_IOC_DEVICE, &d) == 0;
}

const char* domain_name(uint32_t domain) {
    switch (domain) {
        case DMABENCH_DOMAIN_NONE: return "none";
        case DMABENCH_DOMAIN_STRICT: return "strict";
        case DMABENCH_DOMAIN_LAZY: return "lazy";
        case DMABENCH_DOMAIN_IDENTITY: return "identity";
        default: return "other";
    }
}

nlohmann::json device_json(const dmabench_device& d) {
    return {{"name", bounded(d.name, sizeof d.name)},
            {"dma_ops", bounded(d.dma_ops, sizeof d.dma_ops)},
            {"iommu_driver", bounded(d.iommu_driver, sizeof d.iommu_driver)},
            {"iommu_group", d.iommu_group},
            {"domain", domain_name(d.domain)},
            {"dma_mask", d.dma_mask},
            {"named", bool(d.flags & DMABENCH_DEVICE_NAMED)},
            {"pci", bool(d.flags & DMABENCH_DEVICE_PCI)},
            {"coherent", bool(d.flags & DMABENCH_DEVICE_COHERENT)},
            {"swiotlb_forced", bool(d.flags & DMABENCH_DEVICE_SWIOTLB)}};
}

uint32_t devmap_batch(uint64_t bytes, uint32_t threads) {
    bytes = std::max<uint64_t>(bytes, 1);
    uint64_t b = std::clamp<uint64_t>((256 << 10) / bytes, 1, DMABENCH_MAX_BATCH);
    b = std::min<uint64_t>({b, DMABENCH_MAX_BATCH_BYTES / bytes,
                            DMABENCH_MAX_DEVMAP_BYTES / (bytes * std::max<uint32_t>(threads, 1))});
    return uint32_t(b);
}

uint64_t memory_available() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t kib = 0;
    while (in >> key >> kib)
        if (key == "MemAvailable:") return kib << 10;
        else in.ignore(256, '\n');
    return 0;
}

std::string memory_refusal(const dmabench_devmap_req& r, uint32_t page_size, uint64_t available) {
    const uint64_t need = dmabench_devmap_need(&r, page_size);
    if (dmabench_memory_allows(need, available)) return "";
    return "needs " + std::to_string(need >> 20) + " MiB (buffers, page pointers, sg entries), over half of "
           "the " + std::to_string(available >> 20) + " MiB available here (MemAvailable): the module refuses "
           "it (ENOMEM)";
}

namespace {
// The uapi's enums by the names cases use in their args: one table for
// both directions.
struct Named {
    std::string_view key, name;
    uint64_t number;
};
constexpr Named kNamed[] = {
    {"dir", "bidirectional", DMABENCH_DIR_BIDIRECTIONAL}, {"dir", "to_device", DMABENCH_DIR_TO_DEVICE},
    {"dir", "from_device", DMABENCH_DIR_FROM_DEVICE},     {"state", "dirty", DMABENCH_STATE_DIRTY},
    {"state", "clean", DMABENCH_STATE_CLEAN},             {"coherent", "no", 0},
    {"coherent", "yes", 1},                               {"mode", "single", DMABENCH_MODE_SINGLE},
    {"mode", "sg", DMABENCH_MODE_SG},                     {"op", "clean", DMABENCH_CACHE_CLEAN},
    {"op", "inval", DMABENCH_CACHE_INVAL},                {"op", "clean_inval", DMABENCH_CACHE_CLEAN_INVAL},
    {"op", "clean_inval_pou", DMABENCH_CACHE_CLEAN_INVAL_POU},
    {"sizes", "one", DMABENCH_SIZES_ONE},                 {"sizes", "mixed", DMABENCH_SIZES_MIXED},
    {"pattern", "burst", DMABENCH_PATTERN_BURST},         {"pattern", "rx", DMABENCH_PATTERN_RX},
    {"pattern", "empty", DMABENCH_PATTERN_EMPTY},         {"clock", "counter", DMABENCH_CLOCK_COUNTER},
    {"clock", "ktime", DMABENCH_CLOCK_KTIME},
};

const char* name_of(std::string_view key, uint64_t number) {
    for (const Named& n : kNamed)
        if (n.key == key && n.number == number) return n.name.data();
    return "?";
}
}  // namespace

uint64_t field_value(std::string_view key, const std::string& value) {
    for (const Named& n : kNamed)
        if (n.key == key && n.name == value) return n.number;
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
        throw std::logic_error("kmod field " + std::string(key) + ": '" + value + "' is neither a name nor a number");
    return std::stoull(value);
}

const char* dir_name(uint32_t dir) { return name_of("dir", dir); }
const char* cache_op_name(uint32_t op) { return name_of("op", op); }

}  // namespace dmabench::kmod
