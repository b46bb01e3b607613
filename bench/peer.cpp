// `dmabench peer dma_map_benchmark --device D ...`: the kernel's own
// dma_map_benchmark (kernel/dma/map_benchmark.c, built in or loaded) and
// kmod/devmap burst:1 (its own loop: one buffer rewritten, mapped, unmapped)
// on the same device, in the same domain, back to back in one boot.
//
// Per domain: D bound to the peer as its documentation says (driver_override,
// then drivers/dma_map_benchmark/bind), the peer's ioctl on
// /sys/kernel/debug/dma_map_benchmark, D put back (unbound, its override and
// its group's type as they were, on every path, a signal included); then
// `dmabench run` of kmod/devmap burst:1 and burst:64 at the same point. The
// peer's mean and sd go into the burst:1 entry as counters in its own units
// (100 ns), beside the ratio of the means; each clock's own cost, timed in
// this boot on the device (DEVMAP pattern:empty, and burst:1 in ktime
// against the counter), accounts both sides.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "bench/commands.hpp"
#include "bench/run.hpp"
#include "runners/kmod_probe.hpp"
#include "runners/kmod_uapi.hpp"
#include "results/record.hpp"

namespace dmabench {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

// The peer's documented interface (include/linux/map_benchmark.h, 6.1):
// ioctl 'd' 1 on its debugfs file, answers in 100 ns units.
struct PeerParams {
    uint64_t avg_map_100ns, map_stddev, avg_unmap_100ns, unmap_stddev;
    uint32_t threads, seconds;
    int32_t node;
    uint32_t dma_bits, dma_dir, dma_trans_ns, granule;
    uint8_t expansion[76];
};
constexpr unsigned long kPeerIoctl = _IOWR('d', 1, PeerParams);
constexpr const char* kPeerFile = "/sys/kernel/debug/dma_map_benchmark";
constexpr double kTruncationNs = 50;  // the expected loss of flooring each sample to 100 ns
constexpr double kSteady = 10;  // a mean compared: its sd at most 10x it (TCG's outliers make the rest)

// What the signal handler writes back: fixed buffers, async-signal-safe.
struct Restore {
    char path[160];
    char value[64];
    std::size_t len;
};
Restore restores[3];  // unbind from the peer, the override, the group's type
volatile sig_atomic_t nrestores = 0;

void put_back() {
    for (int i = nrestores - 1; i >= 0; --i) {
        int fd = open(restores[i].path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t w = write(fd, restores[i].value, restores[i].len);
        (void)w;
        close(fd);
    }
    nrestores = 0;
}

void on_peer_signal(int sig) {
    put_back();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

std::string read_line(const std::string& path) {
    std::ifstream f(path);
    std::string s;
    std::getline(f, s);
    return s;
}

// Writes value to path; "" or why not.
std::string write_file(const std::string& path, const std::string& value) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value.data(), value.size()) < 0) {
        std::string why = path + ": " + std::strerror(errno);
        if (fd >= 0) close(fd);
        return why;
    }
    close(fd);
    return "";
}

void push_restore(const std::string& path, const std::string& value) {
    Restore& r = restores[nrestores];
    std::snprintf(r.path, sizeof r.path, "%s", path.c_str());
    std::snprintf(r.value, sizeof r.value, "%s", value.c_str());
    r.len = std::strlen(r.value);
    nrestores = nrestores + 1;
}

struct PeerArgs {
    std::string device, bus;  // "pci" or "platform"
    uint32_t threads = 1, granule = 1, dir = DMABENCH_DIR_TO_DEVICE, seconds = 5, dma_bits = 0;
};

// The peer's answer in this domain, D bound to it only meanwhile.
PeerParams run_peer(const PeerArgs& p, const std::string& domain) {
    const std::string dev = "/sys/bus/" + p.bus + "/devices/" + p.device;
    const std::string drv = "/sys/bus/" + p.bus + "/drivers/dma_map_benchmark";
    std::signal(SIGINT, on_peer_signal);
    std::signal(SIGTERM, on_peer_signal);
    const std::string override_was = read_line(dev + "/driver_override");
    if (!domain.empty()) {
        const std::string group = dev + "/iommu_group/type";
        const std::string was = read_line(group);
        const char* type = domain == "strict" ? "DMA" : domain == "lazy" ? "DMA-FQ" : "identity";
        push_restore(group, was.rfind("DMA-FQ", 0) == 0 ? "DMA-FQ" : was.rfind("DMA", 0) == 0 ? "DMA" : was);
        if (std::string why = write_file(group, type); !why.empty()) {
            put_back();
            throw BadInput("--domain " + domain + ": the group refuses " + type + " (" + why + ")");
        }
    }
    push_restore(dev + "/driver_override", override_was == "(null)" ? "\n" : override_was);
    std::string why = write_file(dev + "/driver_override", "dma_map_benchmark");
    if (why.empty()) why = write_file(drv + "/bind", p.device);
    if (why.empty()) push_restore(drv + "/unbind", p.device);
    if (why.empty() && !fs::exists(kPeerFile)) mount("debugfs", "/sys/kernel/debug", "debugfs", 0, nullptr);
    int fd = why.empty() ? open(kPeerFile, O_RDWR | O_CLOEXEC) : -1;
    if (why.empty() && fd < 0) why = std::string(kPeerFile) + ": " + std::strerror(errno);
    PeerParams q{};
    q.threads = p.threads, q.seconds = p.seconds, q.node = -1, q.granule = p.granule, q.dma_dir = p.dir;
    q.dma_bits = p.dma_bits ? p.dma_bits : 64;  // 64: the mask dmabench leaves as bound behind an IOMMU
    if (why.empty() && ioctl(fd, kPeerIoctl, &q) != 0) why = std::string("the peer's ioctl: ") + std::strerror(errno);
    if (fd >= 0) close(fd);
    put_back();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (!why.empty()) throw BadInput("dma_map_benchmark on " + p.device + ": " + why);
    return q;
}

// DEVMAP burst:1 (rewrite on) on the device dmabench has bound, in a clock:
// ns per map and per unmap, the mean and the median; pattern empty: the
// clock alone.
struct Means {
    double map, unmap, map_median, unmap_median, map_sd, unmap_sd;
};
Means devmap_means(const PeerArgs& p, uint32_t clock, uint32_t pattern) {
    constexpr uint32_t kN = 4096;
    std::vector<uint64_t> ticks(std::size_t(DMABENCH_DEVMAP_NSTATS) * kN * p.threads);
    dmabench_devmap_req r{};
    r.samples = kN, r.batch = 1, r.threads = p.threads, r.granule = p.granule, r.entries = 1, r.dir = p.dir;
    r.rewrite = 1, r.pattern = pattern, r.clock = clock, r.dma_bits = p.dma_bits;
    r.ticks = reinterpret_cast<uintptr_t>(ticks.data());
    if (ioctl(kmod::module().fd, DMABENCH_IOC_DEVMAP, &r) != 0)
        throw BadInput(std::string("DEVMAP on ") + p.device + ": " + std::strerror(errno));
    // The sd of each block, in ns, as the peer reports its own.
    const double ns = clock == DMABENCH_CLOCK_KTIME ? 1 : 1e9 / double(kmod::module().info.counter_hz);
    double sd[2];
    for (std::size_t b = 0, n = ticks.size() / 2; b < 2; ++b) {
        double sum = 0, sq = 0;
        for (std::size_t i = b * n; i < (b + 1) * n; ++i) sum += double(ticks[i]) * ns, sq += std::pow(double(ticks[i]) * ns, 2);
        sd[b] = std::sqrt(std::max(0.0, sq / double(n) - std::pow(sum / double(n), 2)));
    }
    return {double(r.map.mean_ps) / 1e3, double(r.unmap.mean_ps) / 1e3, double(r.map.median_ps) / 1e3,
            double(r.unmap.median_ps) / 1e3, sd[0], sd[1]};
}

void on_bound_signal(int sig) {
    kmod::unbind();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// Each tool's own timing cost, in this boot, on the device, in the domain,
// right after the peer: the counter's (an empty sample) and an empty
// ktime_get() pair's, as the peer's loop times (t0 = ktime_get(), then
// ktime_get() - t0), by medians (a clock's cost is the typical sample's;
// TCG's outliers are not it). Beside them, a diagnostic: dmabench's burst:1
// loop in ktime pairs (K) less the same on the counter (C), plus the
// counter's cost: what the pairs add in situ (noisier: two runs' medians).
struct Costs {
    double counter_ns = 0, ktime_pair_ns = 0;
    Means counter{}, ktime{};
};

Costs timing_costs(const PeerArgs& p, const std::string& domain) {
    std::signal(SIGINT, on_bound_signal);
    std::signal(SIGTERM, on_bound_signal);
    dmabench_device info{};
    std::string why = kmod::bind(p.device, info);
    if (why.empty() && !domain.empty()) why = kmod::use_domain(domain, info);
    Costs c;
    if (why.empty()) {
        const auto empty_c = devmap_means(p, DMABENCH_CLOCK_COUNTER, DMABENCH_PATTERN_EMPTY);
        const auto empty_k = devmap_means(p, DMABENCH_CLOCK_KTIME, DMABENCH_PATTERN_EMPTY);
        const auto ktime = devmap_means(p, DMABENCH_CLOCK_KTIME, DMABENCH_PATTERN_BURST);
        const auto counter = devmap_means(p, DMABENCH_CLOCK_COUNTER, DMABENCH_PATTERN_BURST);
        c.counter_ns = (empty_c.map_median + empty_c.unmap_median) / 2;
        c.ktime_pair_ns = (empty_k.map_median + empty_k.unmap_median) / 2;
        c.counter = counter, c.ktime = ktime;
    }
    kmod::unbind();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (!why.empty()) throw BadInput(why);
    return c;
}

// The first iteration entry whose name starts with prefix, but not with not.
json* entry(json& doc, const std::string& prefix, const std::string& not_ = "\x01") {
    for (json& b : doc["benchmarks"]) {
        const std::string n = b.value("name", "");
        if (n.rfind(prefix, 0) == 0 && n.rfind(not_, 0) != 0 && b.value("run_type", "iteration") == "iteration")
            return &b;
    }
    return nullptr;
}

// The case's name prefix at this point and burst.
std::string case_name(const PeerArgs& p, const std::string& domain, uint32_t page, const std::string& burst) {
    return "kmod/devmap/domain:" + domain + "/mode:single/threads:" + std::to_string(p.threads) +
           "/granule:" + std::to_string(p.granule) + "/dir:" + kmod::dir_name(p.dir) +
           "/size:" + std::to_string(uint64_t(p.granule) * page) + "/" +
           (p.dma_bits ? "dma_bits:" + std::to_string(p.dma_bits) + "/" : "") + "burst:" + burst;
}

// The peer's figures into the burst:1 entry; one row of the side-by-side.
json side_by_side(json& doc, const PeerParams& q, const Costs& c, const std::string& one, const std::string& many) {
    json* b = entry(doc, one);
    if (!b) throw std::runtime_error("no record of " + one);
    auto& k = (*b);
    k["peer_map_mean_100ns"] = q.avg_map_100ns, k["peer_map_sd_100ns"] = q.map_stddev;
    k["peer_unmap_mean_100ns"] = q.avg_unmap_100ns, k["peer_unmap_sd_100ns"] = q.unmap_stddev;
    json row{{"case", one}, {"clock_cost_ns", {{"counter", c.counter_ns}, {"ktime_pair", c.ktime_pair_ns}}}};
    for (const char* op : {"map", "unmap"}) {
        const bool is_map = std::string(op) == "map";
        const double peer = double(is_map ? q.avg_map_100ns : q.avg_unmap_100ns) * 100;
        const double ours = k.value(std::string(op) + "_ns_mean", 0.0);
        const double C = is_map ? c.counter.map : c.counter.unmap;
        const double in_situ = (is_map ? c.ktime.map_median - c.counter.map_median
                                       : c.ktime.unmap_median - c.counter.unmap_median) + c.counter_ns;
        k[std::string("peer_ratio_") + op] = peer > 0 ? ours / peer : 0;
        // Accounted: dmabench's burst:1 next to the peer less its counter's
        // cost, over the peer's mean plus its expected truncation less its
        // ktime_get() pair's cost.
        const double acc_peer = peer + kTruncationNs - c.ktime_pair_ns, acc_ours = C - c.counter_ns;
        row["clock_cost_ns"][std::string("counter_") + op] = C;
        row["clock_cost_ns"][std::string("ktime_") + op + "_in_situ"] = in_situ;
        row["clock_cost_ns"][std::string("counter_") + op + "_sd"] = is_map ? c.counter.map_sd : c.counter.unmap_sd;
        row[op] = {{"peer_mean_ns", peer}, {"peer_sd_ns", double(is_map ? q.map_stddev : q.unmap_stddev) * 100},
                   {"mean_ns", ours}, {"median_ns", k.value(std::string(op) + "_ns_median", 0.0)},
                   {"p99_ns", k.value(std::string(op) + "_ns_p99", 0.0)}, {"max_ns", k.value(std::string(op) + "_ns_max", 0.0)},
                   {"ratio", peer > 0 ? ours / peer : 0}, {"accounted_ratio", acc_peer > 0 ? acc_ours / acc_peer : 0},
                   {"qualifies", peer >= 1000 && double(is_map ? q.map_stddev : q.unmap_stddev) * 100 <= kSteady * peer &&
                                     (is_map ? c.counter.map_sd : c.counter.unmap_sd) <= kSteady * C}};
        if (const json* m = entry(doc, many, one + "/")) {
            const double r = m->value(std::string(op) + "_ns_mean", 0.0) / ours;
            const double h = std::hypot(m->value("ci95_relative", 0.0), k.value("ci95_relative", 0.0));
            row[op]["burst64_over_burst1"] = {{"ratio", r}, {"ci95", {r * (1 - h), r * (1 + h)}},
                                              {"case", m->value("name", "")}};
        }
    }
    doc["context"]["dmabench"]["cases"][k.value("run_name", k["name"].get<std::string>())]["peer"] = "dma_map_benchmark";
    return row;
}

void print_row(FILE* out, const std::string& domain, const PeerArgs& p, const json& row) {
    std::fprintf(out, "%-7s t%-2u g%-3u %-13s", domain.c_str(), p.threads, p.granule, kmod::dir_name(p.dir));
    for (const char* op : {"map", "unmap"}) {
        const json& o = row[op];
        std::fprintf(out, " | %s peer %.0f±%.0f ns, dmabench %.0f/%.0f/%.0f/%.0f, ratio %.2f (accounted %.2f)", op,
                    o["peer_mean_ns"].get<double>(), o["peer_sd_ns"].get<double>(), o["mean_ns"].get<double>(),
                    o["median_ns"].get<double>(), o["p99_ns"].get<double>(), o["max_ns"].get<double>(),
                    o["ratio"].get<double>(), o["accounted_ratio"].get<double>());
    }
    std::fprintf(out, "\n");
}

PeerArgs check_peer(const std::string& tool, const RunArgs& ra, const std::string& granule, const std::string& dir,
                    const std::string& seconds) {
    if (tool != "dma_map_benchmark") throw BadInput("peer '" + tool + "': accepted: dma_map_benchmark");
    PeerArgs p;
    std::string why;
    p.device = kmod::device_name(ra.device, why);
    if (ra.device.empty() || p.device.empty())
        throw BadInput(ra.device.empty() ? "peer: --device is required (a device no driver holds)" : why);
    p.bus = fs::exists("/sys/bus/pci/devices/" + p.device) ? "pci" : "platform";
    const std::string dev = "/sys/bus/" + p.bus + "/devices/" + p.device;
    if (!fs::exists(dev)) throw BadInput("--device " + p.device + ": no such PCI or platform device");
    if (!fs::exists("/sys/bus/" + p.bus + "/drivers/dma_map_benchmark"))
        throw BadInput("peer: this kernel has no dma_map_benchmark (no /sys/bus/" + p.bus +
                       "/drivers/dma_map_benchmark; accepted: a kernel built with CONFIG_DMA_MAP_BENCHMARK or "
                       "with map_benchmark.ko loaded)");
    auto number = [](const std::string& what, const std::string& v, uint32_t lo, uint32_t hi) {
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 6 ||
            std::stoul(v) < lo || std::stoul(v) > hi)
            throw BadInput(what + " '" + v + "': accepted: " + std::to_string(lo) + ".." + std::to_string(hi));
        return uint32_t(std::stoul(v));
    };
    p.threads = ra.threads.empty() ? 1 : number("--threads", ra.threads, 1, DMABENCH_MAX_THREADS);
    p.granule = granule.empty() ? 1 : number("--granule", granule, 1, 16);
    if (p.granule != 1 && p.granule != 16) throw BadInput("--granule '" + granule + "': accepted: 1 or 16 (kmod/devmap's 4 KiB and 64 KiB)");
    p.seconds = seconds.empty() ? 5 : number("--seconds", seconds, 1, 300);
    p.dma_bits = ra.dma_bits.empty() ? 0 : number("--dma-bits", ra.dma_bits, 24, 64);
    p.dir = uint32_t(dir.empty() ? DMABENCH_DIR_TO_DEVICE : 99);
    for (uint32_t d = 0; d <= DMABENCH_DIR_FROM_DEVICE; ++d)
        if (dir == kmod::dir_name(d)) p.dir = d;
    if (p.dir == 99) throw BadInput("--dir '" + dir + "': accepted: to_device, from_device, bidirectional");
    if (kmod::module().skip.size()) throw BadInput("peer: needs dmabench.ko: " + kmod::module().skip);
    if (fs::exists(dev + "/driver"))
        throw BadInput("--device " + p.device + ": driven by " + fs::read_symlink(dev + "/driver").filename().string() +
                       " (accepted: a device no driver holds: unbind it yourself first)");
    return p;
}

}  // namespace

int run_peer_command(const std::string& tool, RunArgs ra, const std::string& granule, const std::string& dir,
                     const std::string& seconds) {
    const PeerArgs p = check_peer(tool, ra, granule, dir, seconds);
    std::vector<std::string> domains;
    for (std::size_t i = 0; i <= ra.domains.size();) {
        std::size_t j = std::min(ra.domains.find(',', i), ra.domains.size());
        if (j > i) domains.push_back(ra.domains.substr(i, j - i));
        i = j + 1;
    }
    for (auto& d : domains)
        if (d != "strict" && d != "lazy" && d != "identity")
            throw BadInput("--domain '" + d + "': accepted: strict, lazy, identity");
    if (domains.empty()) domains.push_back("");
    const uint32_t page = kmod::module().info.page_size;
    results::Destination dest(ra.out);
    // The peer in each domain, then dmabench in each, in one run (one
    // process runs Google Benchmark once): the same boot, back to back.
    std::vector<PeerParams> peer;
    std::vector<Costs> costs;
    for (const std::string& domain : domains) {
        peer.push_back(run_peer(p, domain));
        costs.push_back(timing_costs(p, domain));
    }
    RunArgs one = ra;
    one.full = p.dir != DMABENCH_DIR_TO_DEVICE;
    const std::string shown = ra.domains.empty() ? "[a-z]+" : "(" + std::regex_replace(ra.domains, std::regex(","), "|") + ")";
    one.filter = "^" + case_name(p, shown, page, "[0-9]+") + "/";  // burst:1, and as many as fit (64 at 4 KiB)
    json all = execute(one), rows = json::array();
    const std::string first = all["benchmarks"].empty() ? "" : all["benchmarks"][0].value("name", "");
    const std::size_t at = std::strlen("kmod/devmap/domain:");
    for (std::size_t i = 0; i < domains.size(); ++i) {
        const std::string dom = !domains[i].empty() || first.size() <= at ? domains[i]
                                                                            : first.substr(at, first.find('/', at) - at);
        json row = side_by_side(all, peer[i], costs[i], case_name(p, dom, page, "1"), case_name(p, dom, page, ""));
        row["domain"] = dom, row["peer_seconds"] = p.seconds;
        print_row(dest.is_stdout() ? stderr : stdout, dom, p, row);
        rows.push_back(row);
    }
    all["context"]["dmabench"]["peer"] = {{"tool", "dma_map_benchmark"}, {"units", "100 ns (as the peer reports)"},
                                          {"truncation_ns", kTruncationNs}, {"rows", rows}};
    dest.write(all.dump(2) + "\n");
    if (!dest.is_stdout()) std::printf("%s\n", ra.out.c_str());
    return 0;
}

}  // namespace dmabench
