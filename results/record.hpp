// The result record: Google Benchmark JSON with a "dmabench" object added to
// its context. Written whole or not at all.
#pragma once
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace dmabench::results {

// 2: every quantile is results::quantile (type 7) and every ratio_to_* the
// median of paired per-batch ratios, kmod/ included (1: other definitions;
// report/ reads a schema-1 record with its old meaning and says so).
inline constexpr int schema_version = 2;

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Google Benchmark's text with its NaN and inf values turned into null.
std::string without_nan(const std::string& text);

// Adds the dmabench object to a Google Benchmark JSON document's context.
nlohmann::json merge(const std::string& gbench_json, const nlohmann::json& dmabench);

// results/runs/<host>-<UTC timestamp>.json under dir.
std::string default_path(const std::string& dir);

// A write that failed once the run was done (ENOSPC, EPIPE): exit status 1.
struct WriteFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Writes to a temporary file in the same directory, then renames it into
// place: readers never see a half file, and an interrupt leaves none.
void write_atomically(const std::string& path, const std::string& content,
                      unsigned mode = 0644);

// Where a finished document goes, checked (and, for a stream, opened) before
// the run, so a bad path is found at once rather than after it. Nothing the
// tool did not create is replaced:
//  - a new path or a regular file, also at the end of a chain of symlinks
//    (the links stay), is written atomically next to its final target;
//  - "-", a FIFO, a character device or a terminal gets the finished
//    document streamed into it, with SIGINT and SIGTERM held off meanwhile;
//  - a directory, or a missing or unwritable directory, is refused (Error).
class Destination {
public:
    explicit Destination(const std::string& path);
    ~Destination();
    Destination(const Destination&) = delete;
    Destination& operator=(const Destination&) = delete;

    // Throws WriteFailed naming the path and the error.
    void write(const std::string& content) const;
    const std::string& path() const { return path_; }
    // A stream cannot be read back (for a report, say).
    bool streamed() const { return fd_ >= 0; }
    // The document goes where standard output goes: say nothing else there.
    bool is_stdout() const { return is_stdout_; }

private:
    std::string path_, target_;  // target_: the regular file to replace or create
    unsigned mode_ = 0644;
    int fd_ = -1;
    bool is_stdout_ = false;
};

// For a signal handler: removes the temporary file being written, if any
// (async-signal-safe).
void remove_pending_temp() noexcept;

// Reads a result file; throws Error on a missing, truncated or foreign file.
nlohmann::json read(const std::string& path);

}  // namespace dmabench::results
