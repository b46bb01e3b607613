// Subcommands that live outside main.cpp.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace dmabench {

// `dmabench calibrate [--json]`: timer, harness floor, ladder, drift.
nlohmann::json calibration();
int cmd_calibrate(bool as_json);

// The report is Python (matplotlib): Debian's interpreter runs report/ with
// these arguments. exec_report replaces this process; run_report waits for it.
int exec_report(const std::vector<std::string>& args);
int run_report(const std::vector<std::string>& args);

// `dmabench experiment [--list] [NAME] [--quick] [--out FILE] [--device ...]`:
// base holds quick, out, threads and the device options; the rest is the experiment's.
struct RunArgs;
int run_experiment(const std::string& name, bool list, const RunArgs& base);

// `dmabench lava RUN.json...`: each run's headline figures as lava-test-case
// lines, then the run gzipped and base64-encoded between DMABENCH-BEGIN/END.
int cmd_lava(const std::vector<std::string>& runs);

// `dmabench peer dma_map_benchmark --device D [--threads N] [--granule G]
// [--dir DIR] [--domain strict,lazy] [--seconds S]` (bench/peer.cpp).
int run_peer_command(const std::string& tool, RunArgs ra, const std::string& granule, const std::string& dir,
                     const std::string& seconds);

}  // namespace dmabench
