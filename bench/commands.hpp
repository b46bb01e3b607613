// Subcommands that live outside main.cpp.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace dmabench {

// `dmabench calibrate [--json]`: timer, harness floor, ladder, drift.
nlohmann::json calibration();
int cmd_calibrate(bool as_json);

// `dmabench experiment [--list] [NAME] [--quick] [--out FILE]`.
int cmd_experiment(const std::string& name, bool list, bool quick, const std::string& out);

}  // namespace dmabench
