#include "runners/kmod_probe.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dmabench::kmod {

namespace {
std::string bounded(const char* s, std::size_t n) { return std::string(s, strnlen(s, n)); }
}  // namespace

std::string Device::hypercall_note() const { return bounded(info.hypercall_note, DMABENCH_NOTE_LEN); }

Device open_device(const std::string& path) {
    Device d;
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

const Device& device() {
    static const Device d = open_device();
    return d;
}

uint32_t batch_for(uint64_t size, uint32_t page_size) {
    constexpr uint64_t kTouchedPerSample = 256 << 10;
    uint64_t pages = (size + page_size - 1) / page_size, block = page_size;
    while (block < pages * page_size) block *= 2;  // as the module allocates
    uint64_t b = std::clamp<uint64_t>(kTouchedPerSample / block, 1, DMABENCH_MAX_BATCH);
    return uint32_t(std::min<uint64_t>(b, std::max<uint64_t>(1, DMABENCH_MAX_BATCH_BYTES / block)));
}

Chunks chunks_for(uint64_t ops, uint32_t batch) {
    uint64_t samples = std::max<uint64_t>(1, (ops + batch - 1) / std::max<uint32_t>(batch, 1));
    uint64_t calls = (samples + DMABENCH_MAX_SAMPLES - 1) / DMABENCH_MAX_SAMPLES;
    return {uint32_t((samples + calls - 1) / calls), uint32_t(calls)};
}

OpStats combine(const std::vector<dmabench_stats>& parts) {
    OpStats o;
    if (parts.empty() || parts[0].samples == 0) return o;
    o.batch = uint32_t(parts[0].batch);
    double b = double(o.batch), sum_ticks = 0, weighted_ps = 0;
    __u64 min_t = UINT64_MAX, max_t = 0, min_ps = UINT64_MAX, max_ps = 0;  // the uapi type
    for (auto& p : parts) {
        o.samples += p.samples;
        sum_ticks += double(p.sum_ticks);
        weighted_ps += double(p.mean_ps) * double(p.samples);
        min_t = std::min(min_t, p.min_ticks), max_t = std::max(max_t, p.max_ticks);
        min_ps = std::min(min_ps, p.min_ps), max_ps = std::max(max_ps, p.max_ps);
    }
    // The median: the part median where half of all samples lie at or below.
    std::vector<const dmabench_stats*> by_median;
    for (auto& p : parts) by_median.push_back(&p);
    std::sort(by_median.begin(), by_median.end(),
              [](auto* x, auto* y) { return x->median_ticks < y->median_ticks; });
    const dmabench_stats* med = by_median.back();
    uint64_t seen = 0;
    for (auto* p : by_median)
        if ((seen += p->samples) * 2 >= o.samples) { med = p; break; }
    o.ticks_min = double(min_t) / b;
    o.ticks_median = double(med->median_ticks) / b;
    o.ticks_mean = sum_ticks / (double(o.samples) * b);
    o.ticks_max = double(max_t) / b;
    o.ns_min = double(min_ps) / 1e3;
    o.ns_median = double(med->median_ps) / 1e3;
    o.ns_mean = weighted_ps / double(o.samples) / 1e3;
    o.ns_max = double(max_ps) / 1e3;
    return o;
}

const char* dir_name(uint32_t dir) {
    switch (dir) {
        case DMABENCH_DIR_TO_DEVICE: return "to_device";
        case DMABENCH_DIR_FROM_DEVICE: return "from_device";
        default: return "bidirectional";
    }
}

const char* cache_op_name(uint32_t op) {
    static const char* const names[DMABENCH_CACHE_OPS] = {"clean", "inval", "clean_inval",
                                                          "clean_inval_pou"};
    return op < DMABENCH_CACHE_OPS ? names[op] : "?";
}

}  // namespace dmabench::kmod
