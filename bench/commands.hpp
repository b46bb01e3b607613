// Subcommands that live outside main.cpp.
#pragma once
#include <nlohmann/json.hpp>

namespace dmabench {

// `dmabench calibrate [--json]`: timer, harness floor, ladder, drift.
nlohmann::json calibration();
int cmd_calibrate(bool as_json);

}  // namespace dmabench
