// PMU counters: libpfm4 names turned into perf_event_attr, opened with
// perf_event_open as one group per thread, scaled when multiplexed.
#pragma once
#include <string>
#include <vector>

namespace dmabench::pmu {

struct EventStatus {
    std::string name;
    bool available = false;
    std::string reason;  // why not, when not
};

// The default set for this architecture; events the machine lacks are
// reported unavailable, not dropped.
std::vector<std::string> default_events();

// Empty when libpfm4 knows the event name; otherwise why it does not.
std::string check_name(const std::string& name);

// Contents of /proc/sys/kernel/perf_event_paranoid, or "unknown".
std::string paranoid();

class Group {
public:
    // Opens every event it can on the calling thread, stopped and zeroed.
    explicit Group(const std::vector<std::string>& events);
    ~Group();
    Group(const Group&) = delete;
    Group& operator=(const Group&) = delete;

    void enable();
    void disable();

    struct Reading {
        std::vector<std::pair<std::string, double>> counts;  // available events only
        bool multiplexed = false;  // scaled by time_enabled / time_running
    };
    Reading read() const;
    const std::vector<EventStatus>& status() const { return status_; }
    bool empty() const { return fds_.empty(); }

private:
    std::vector<EventStatus> status_;
    std::vector<int> fds_;             // fds_[0] leads the group
    std::vector<std::string> names_;   // of the open events, in group order
};

}  // namespace dmabench::pmu
