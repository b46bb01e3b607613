// `dmabench run`: options checked up front, benchmarks run through Google
// Benchmark, and one result file written whole at the end.
#pragma once
#include "bench/registry.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace dmabench {

struct RunArgs {
    std::string filter = ".";
    std::string cpus, threads, mem_node, pmu = "default", repetitions, min_time, out, cv_limit;
    std::string device;  // --device: a PCI address or sysfs path
    std::string domains, dma_bits, delay, xen_grant;  // kmod/devmap's --domain, --dma-bits, --delay, --xen-grant
    std::string max_time, precision;  // adaptive stopping (bench/harness.cpp Plan)
    bool quick = false, full = false;
    bool interleave = false;  // shuffle repetitions across benchmarks
    bool verbose = false;     // Google Benchmark's table beside the progress
    std::vector<std::string> gbench_flags;
    std::string argv0, command_line;
    // Set by callers that pick cases by their tags (experiments): given the
    // cases registered here, which of them run.
    using Select = std::function<bool(const nlohmann::json& tags)>;
    std::function<Select(const Registry&)> choose;
};

// No case to run: the filter (and a caller's choice) matches none. The user's
// bad input to `run`; to an experiment, what this host lacks.
struct NothingToRun : BadInput {
    using BadInput::BadInput;
};

// The --filter regex (POSIX extended); BadInput when it does not compile.
std::regex filter_regex(const std::string& filter);
// Each event's status when opened on this thread, and perf_event_paranoid.
nlohmann::json pmu_status(const std::vector<std::string>& events);
// Every variant with "runs" or its skip reason.
nlohmann::json variants_json(const Registry& registry);

// BadInput for the first bad option, before anything is said or run.
void validate(const RunArgs& args);
// Runs and returns the record; writes nothing.
nlohmann::json execute(const RunArgs& args);
// Opens args.out, execute(), writes the record there, then its path on
// stdout (unless the record itself went to stdout).
int run(const RunArgs& args);

}  // namespace dmabench
