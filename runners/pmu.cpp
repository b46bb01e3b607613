#include "runners/pmu.hpp"

#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

namespace dmabench::pmu {
namespace {

bool pfm_ready() {
    static const bool ok = pfm_initialize() == PFM_SUCCESS;
    return ok;
}

int encode(const std::string& name, perf_event_attr& attr) {
    std::memset(&attr, 0, sizeof attr);
    pfm_perf_encode_arg_t arg;
    std::memset(&arg, 0, sizeof arg);
    arg.attr = &attr;
    arg.size = sizeof arg;
    // User and kernel: a system call or trap spends its time in the kernel.
    return pfm_get_os_event_encoding(name.c_str(), PFM_PLM0 | PFM_PLM3,
                                     PFM_OS_PERF_EVENT_EXT, &arg);
}

std::string open_error(int err) {
    switch (err) {
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
        return "not supported here (no such PMU or event; a VM without a virtual PMU)";
    case EACCES:
    case EPERM:
        return std::string("permission denied (perf_event_paranoid=") + paranoid() + ")";
    case ENOSYS:
        return "perf_event_open is not implemented (e.g. under qemu-user)";
    default:
        return std::string("perf_event_open: ") + std::strerror(err);
    }
}

}  // namespace

std::vector<std::string> default_events() {
    std::vector<std::string> v{"perf::cycles", "perf::instructions", "perf::branch-misses",
                               "perf::cache-misses"};
#if defined(__aarch64__)
    // ARMv8 common events (PMUv3): L1D refill, L1D write-back, bus access.
    for (const char* e : {"L1D_CACHE_REFILL", "L1D_CACHE_WB", "BUS_ACCESS"}) v.push_back(e);
#endif
    v.push_back("perf::page-faults");
    v.push_back("perf::context-switches");
    return v;
}

std::string check_name(const std::string& name) {
    if (!pfm_ready()) return "libpfm4 failed to initialise";
    perf_event_attr attr;
    int rc = encode(name, attr);
    return rc == PFM_SUCCESS ? "" : pfm_strerror(rc);
}

std::string paranoid() {
    std::ifstream f("/proc/sys/kernel/perf_event_paranoid");
    std::string s;
    return (f >> s) ? s : "unknown";
}

Group::Group(const std::vector<std::string>& events) {
    for (const auto& name : events) {
        EventStatus st{name, false, {}};
        perf_event_attr attr;
        int rc = pfm_ready() ? encode(name, attr) : PFM_ERR_NOINIT;
        if (rc != PFM_SUCCESS) {
            st.reason = std::string("libpfm4: ") + pfm_strerror(rc);
            status_.push_back(st);
            continue;
        }
        attr.size = sizeof attr;
        attr.disabled = fds_.empty();  // the leader starts the group
        attr.exclude_hv = 1;
        attr.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                           PERF_FORMAT_TOTAL_TIME_RUNNING;
        int leader = fds_.empty() ? -1 : fds_[0];
        int fd = int(syscall(SYS_perf_event_open, &attr, 0, -1, leader, 0));
        if (fd < 0 && (errno == EACCES || errno == EPERM)) {
            attr.exclude_kernel = 1;  // paranoid allows user-only counting
            fd = int(syscall(SYS_perf_event_open, &attr, 0, -1, leader, 0));
            if (fd >= 0) st.reason = "user space only (kernel excluded by perf_event_paranoid)";
        }
        if (fd < 0) {
            st.reason = open_error(errno);
        } else {
            st.available = true;
            fds_.push_back(fd);
            names_.push_back(name);
        }
        status_.push_back(st);
    }
    if (!fds_.empty()) ioctl(fds_[0], PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
}

Group::~Group() {
    for (int fd : fds_) close(fd);
}

void Group::enable() {
    if (!fds_.empty()) ioctl(fds_[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

void Group::disable() {
    if (!fds_.empty()) ioctl(fds_[0], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

Group::Reading Group::read() const {
    Reading r;
    if (fds_.empty()) return r;
    std::vector<uint64_t> buf(3 + fds_.size());
    ssize_t n = ::read(fds_[0], buf.data(), buf.size() * sizeof(uint64_t));
    if (n < ssize_t(3 * sizeof(uint64_t)) || buf[0] != fds_.size()) return r;
    uint64_t enabled = buf[1], running = buf[2];
    double scale = running ? double(enabled) / double(running) : 0.0;
    r.multiplexed = running < enabled;
    for (std::size_t i = 0; i < fds_.size(); ++i)
        r.counts.emplace_back(names_[i], double(buf[3 + i]) * scale);
    return r;
}

}  // namespace dmabench::pmu
