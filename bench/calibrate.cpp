// `dmabench calibrate`: how far the clock and the harness can be trusted here.
#include "bench/calibrate.hpp"
#include "bench/commands.hpp"
#include "bench/harness.hpp"
#include "kernels/calib/calib.hpp"
#include "runners/cpu.hpp"
#include "runners/pmu.hpp"
#include "runners/probe.hpp"

#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <regex>

namespace dmabench {
using nlohmann::json;

namespace calibrate {
namespace {

// The fastest of `samples` batches, ns per call: a fixed instruction sequence
// has one true cost and interrupts or a busy neighbour only add to it (the
// medians of a disturbed moment were seen here to bend the ladder; the
// minima never).
double fastest_ns(Kernel kernel, const void* context, int samples) {
    Work w{.kernel = kernel, .context = const_cast<void*>(context)};
    auto per_op = run_phase(w, std::size_t(samples));
    return *std::min_element(per_op.begin(), per_op.end());
}

void rung_kernel(uint64_t n, void* context) {
    const auto* rung = static_cast<const calib::LadderRung*>(context);
    uint64_t x = 0;
    while (n--) x = rung->fn(x, 1);
    benchmark::DoNotOptimize(x);
}

}  // namespace

Ladder ladder(int samples) {
    std::vector<double> xs, ys;
    for (const auto& rung : calib::ladder) {
        ys.push_back(fastest_ns(rung_kernel, &rung, samples));
        xs.push_back(rung.adds);
    }
    return fit(xs, ys);
}

double empty_ns(int samples) {
    return fastest_ns([](uint64_t n, void*) { while (n--) dmabench_calib_empty(); }, nullptr, samples);
}

}  // namespace calibrate

namespace {

std::string read_line(const char* path) {
    std::ifstream f(path);
    std::string s;
    std::getline(f, s);
    return s;
}

// The CPU's nominal clock where the machine states one: the x86 brand string
// ("@ 2.60GHz"), CPUID leaf 0x16, or cpufreq's base frequency.
json nominal_ghz() {
    const auto& cpu = probe::platform()["cpu"];
    std::smatch m;
    std::string brand = cpu.value("model_name", "");
    static const std::regex at("@ *([0-9.]+) *GHz");
    if (std::regex_search(brand, m, at)) return {{"ghz", std::stod(m[1])}, {"source", "brand string"}};
    if (auto l0 = cpu::cpuid(0); l0 && l0->eax >= 0x16)
        if (auto l = cpu::cpuid(0x16); l->eax)
            return {{"ghz", l->eax / 1000.0}, {"source", "CPUID leaf 0x16 base frequency"}};
    for (const char* p : {"/sys/devices/system/cpu/cpu0/cpufreq/base_frequency",
                          "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"})
        if (auto s = read_line(p); !s.empty())
            return {{"ghz", std::stod(s) / 1e6}, {"source", p}};
    return {{"ghz", nullptr}, {"source", "not stated by this machine (brand string, CPUID 0x16, cpufreq)"}};
}

// arm64: can user space read the cycle counter? The sysctl must allow it and
// the perf mmap page must grant it for an event opened with config1 bit 1.
json user_cycle_counter() {
    json j = {{"perf_user_access", read_line("/proc/sys/kernel/perf_user_access")}};
#if defined(__aarch64__)
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = PERF_COUNT_HW_CPU_CYCLES;
    attr.config1 = 0x2;  // request user-space access (arm64 perf, v5.17+)
    attr.exclude_kernel = 1;
    int fd = int(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
    if (fd < 0) {
        j["readable"] = false;
        j["why"] = std::string("cycles event does not open: ") + std::strerror(errno);
        return j;
    }
    void* page = mmap(nullptr, size_t(sysconf(_SC_PAGESIZE)), PROT_READ, MAP_SHARED, fd, 0);
    bool cap = page != MAP_FAILED && static_cast<perf_event_mmap_page*>(page)->cap_user_rdpmc;
    if (page != MAP_FAILED) munmap(page, size_t(sysconf(_SC_PAGESIZE)));
    close(fd);
    j["readable"] = cap;
    j["why"] = cap ? "perf mmap page grants cap_user_rdpmc"
                   : "perf mmap page denies cap_user_rdpmc (set kernel.perf_user_access=1)";
#else
    j["readable"] = false;
    j["why"] = "arm64 only: x86 timings use the TSC";
#endif
    return j;
}

}  // namespace

json calibration() {
    auto before = calibrate::ladder();
    double empty = calibrate::empty_ns();
    auto after = calibrate::ladder();
    double drift = calibrate::drift(before, after);
    json nominal = nominal_ghz();
    json j = {{"machine", probe::machine_line(probe::platform())},
              {"timer", probe::platform()["timer"]},
              {"empty_ns", empty},
              {"ladder_before", calibrate::to_json(before)},
              {"ladder_after", calibrate::to_json(after)},
              {"drift", drift},
              {"drifted", drift > calibrate::drift_limit},
              {"nominal", nominal},
              {"user_cycle_counter", user_cycle_counter()},
              {"emulated", probe::platform()["emulated"]},
              {"virtualised", probe::platform()["virtualised"]}};
    if (!nominal["ghz"].is_null())
        j["ladder_vs_nominal"] = (1 / before.slope_ns_per_add) / nominal["ghz"].get<double>();
    return j;
}

int cmd_calibrate(bool as_json) {
    json c = calibration();
    if (as_json) {
        std::cout << c.dump(2) << "\n";
        return 0;
    }
    const auto& t = c["timer"];
    const auto& l = c["ladder_before"];
    std::printf("machine      %s\n", c["machine"].get<std::string>().c_str());
    std::printf("timer        %s\n", t["source"].get<std::string>().c_str());
    std::printf("  frequency  %.6g MHz (%s)\n", t["hz"].get<double>() / 1e6,
                t["hz_source"].get<std::string>().c_str());
    std::printf("  resolution %.2f ns (%llu ticks), read cost %.2f ns\n", t["resolution_ns"].get<double>(),
                t["resolution_ticks"].get<unsigned long long>(), t["read_overhead_ns"].get<double>());
    if (t.contains("invariant"))
        std::printf("  invariant  %s\n", t["invariant"].get<bool>() ? "yes" : "NO: the TSC follows the clock");
    std::printf("harness      empty kernel %.2f ns per call\n", c["empty_ns"].get<double>());
    std::printf("ladder       %.4f ns per add (%.3f GHz), intercept %.2f ns, R^2 %.5f%s\n",
                l["slope_ns_per_add"].get<double>(), l["implied_ghz"].get<double>(),
                l["intercept_ns"].get<double>(), l["r2"].get<double>(),
                l["linear"].get<bool>() ? "" : "  WARNING: not linear");
    std::printf("drift        %.2f %% between the ladder before and after%s\n",
                c["drift"].get<double>() * 100, c["drifted"].get<bool>() ? "  WARNING: the clock moved" : "");
    if (c.contains("ladder_vs_nominal"))
        std::printf("nominal      %.3f GHz (%s): ladder / nominal = %.3f\n", c["nominal"]["ghz"].get<double>(),
                    c["nominal"]["source"].get<std::string>().c_str(), c["ladder_vs_nominal"].get<double>());
    else
        std::printf("nominal      %s\n", c["nominal"]["source"].get<std::string>().c_str());
    std::printf("cycle ctr    user space %s (%s; perf_user_access=%s)\n",
                c["user_cycle_counter"]["readable"].get<bool>() ? "can read" : "cannot read",
                c["user_cycle_counter"]["why"].get<std::string>().c_str(),
                c["user_cycle_counter"]["perf_user_access"].get<std::string>().c_str());
    if (c["emulated"]["value"].get<bool>())
        std::printf("EMULATED     %s: timings are not hardware numbers\n", c["emulated"]["how"].get<std::string>().c_str());
    else if (c["virtualised"]["value"].get<bool>())
        std::printf("virtualised  %s\n", c["virtualised"]["how"].get<std::string>().c_str());
    return 0;
}

}  // namespace dmabench
