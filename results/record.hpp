// The result record: Google Benchmark JSON with a "dmabench" object added to
// its context. Written whole or not at all.
#pragma once
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace dmabench::results {

inline constexpr int schema_version = 1;

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Google Benchmark's text with its NaN and inf values turned into null.
std::string without_nan(const std::string& text);

// Adds the dmabench object to a Google Benchmark JSON document's context.
nlohmann::json merge(const std::string& gbench_json, const nlohmann::json& dmabench);

// results/runs/<host>-<UTC timestamp>.json under dir.
std::string default_path(const std::string& dir);

// Throws Error naming the path when a file cannot be created there.
void check_writable(const std::string& path);

// Writes to a temporary file in the same directory, then renames it into
// place: readers never see a half file, and an interrupt leaves none.
void write_atomically(const std::string& path, const std::string& content);

// For a signal handler: removes the temporary file being written, if any
// (async-signal-safe).
void remove_pending_temp() noexcept;

// Reads a result file; throws Error on a missing, truncated or foreign file.
nlohmann::json read(const std::string& path);

}  // namespace dmabench::results
