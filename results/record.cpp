#include "results/record.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace dmabench::results {
namespace fs = std::filesystem;
namespace {

// The temporary file in flight, for remove_pending_temp() in a signal handler.
char pending[4096];
volatile std::sig_atomic_t has_pending = 0;

std::string directory_of(const std::string& path) {
    auto dir = fs::path(path).parent_path();
    return dir.empty() ? "." : dir.string();
}

}  // namespace

// Google Benchmark prints NaN and inf for undefined statistics (the CV of a
// counter that stayed 0); JSON has no such numbers: they become null.
std::string without_nan(const std::string& text) {
    static const std::regex bad(R"(:\s*-?(nan|NaN|inf|Infinity)\b)");
    return std::regex_replace(text, bad, ": null");
}

nlohmann::json merge(const std::string& gbench_json, const nlohmann::json& dmabench) {
    auto doc = nlohmann::json::parse(without_nan(gbench_json));
    doc["context"]["dmabench"] = dmabench;
    doc["context"]["dmabench"]["schema_version"] = schema_version;
    return doc;
}

std::string default_path(const std::string& dir) {
    char host[256] = "host";
    gethostname(host, sizeof host - 1);
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    return (fs::path(dir) / (std::string(host) + "-" + stamp + ".json")).string();
}

void check_writable(const std::string& path) {
    if (fs::is_directory(path)) throw Error(path + ": is a directory (accepted: a file path)");
    std::string dir = directory_of(path);
    if (!fs::is_directory(dir))
        throw Error(path + ": directory " + dir + " does not exist (accepted: a writable path)");
    std::string probe = (fs::path(dir) / ".dmabench-probe-XXXXXX").string();
    int fd = mkstemp(probe.data());
    if (fd < 0)
        throw Error(path + ": cannot write in " + dir + " (" + std::strerror(errno) +
                    "; accepted: a writable path)");
    close(fd);
    unlink(probe.c_str());
}

void write_atomically(const std::string& path, const std::string& content) {
    std::string tmp = (fs::path(directory_of(path)) /
                       ("." + fs::path(path).filename().string() + ".XXXXXX")).string();
    if (tmp.size() >= sizeof pending) throw Error(path + ": path too long");
    int fd = mkstemp(tmp.data());
    if (fd < 0) throw Error(path + ": cannot create a temporary file: " + std::strerror(errno));
    std::memcpy(pending, tmp.c_str(), tmp.size() + 1);
    has_pending = 1;
    const char* p = content.data();
    std::size_t left = content.size();
    while (left) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = errno;
            close(fd);
            unlink(tmp.c_str());
            has_pending = 0;
            throw Error(path + ": write failed: " + std::strerror(err));
        }
        p += n;
        left -= std::size_t(n);
    }
    fchmod(fd, 0644);
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        unlink(tmp.c_str());
        has_pending = 0;
        throw Error(path + ": cannot complete the file: " + std::strerror(err));
    }
    has_pending = 0;
}

void remove_pending_temp() noexcept {
    if (has_pending) unlink(pending);
}

nlohmann::json read(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw Error(path + ": cannot open");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(f);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(path + ": not valid JSON (truncated?): " + e.what());
    }
    if (!doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array())
        throw Error(path + ": not a Google Benchmark result (no \"benchmarks\" array)");
    return doc;
}

}  // namespace dmabench::results
