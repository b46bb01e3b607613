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

namespace {

// One line for a path the tool will not write to.
[[noreturn]] void refuse(const std::string& path, const std::string& why) {
    throw Error(path + ": " + why + " (accepted: a new or regular file in a writable "
                "directory, a symlink to one, a FIFO with a reader, a device, or - for stdout)");
}

// The final target of a chain of symlinks; it need not exist.
std::string final_target(std::string p) {
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st;
        if (lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
        std::string to(4096, '\0');
        ssize_t n = readlink(p.c_str(), to.data(), to.size());
        if (n < 0) return p;
        to.resize(std::size_t(n));
        p = fs::path(to).is_absolute() ? to : (fs::path(directory_of(p)) / to).string();
    }
    throw Error(p + ": too many levels of symbolic links");
}

void check_directory(const std::string& path, const std::string& target) {
    std::string dir = directory_of(target);
    if (!fs::is_directory(dir)) refuse(path, "directory " + dir + " does not exist");
    std::string probe = (fs::path(dir) / ".dmabench-probe-XXXXXX").string();
    int fd = mkstemp(probe.data());
    if (fd < 0) refuse(path, "cannot write in " + dir + " (" + std::strerror(errno) + ")");
    close(fd);
    unlink(probe.c_str());
}

bool same_file(int a, int b) {
    struct stat x, y;
    return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

}  // namespace

Destination::Destination(const std::string& path) : path_(path) {
    if (path.empty()) refuse("''", "an empty path");
    if (path == "-") {
        fd_ = fcntl(1, F_DUPFD_CLOEXEC, 3);
        if (fd_ < 0) refuse(path, std::string("standard output is closed (") + std::strerror(errno) + ")");
        is_stdout_ = true;
        return;
    }
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {  // follows every link, /proc/self/fd ones too
        if (errno != ENOENT) refuse(path, std::strerror(errno));
        target_ = final_target(path);
        check_directory(path, target_);
        return;
    }
    if (S_ISDIR(st.st_mode)) refuse(path, "is a directory");
    if (S_ISREG(st.st_mode)) {
        target_ = final_target(path);
        struct stat t;
        if (stat(target_.c_str(), &t) != 0 || t.st_dev != st.st_dev || t.st_ino != st.st_ino)
            refuse(path, "its final target cannot be named");
        mode_ = st.st_mode & 07777;
        check_directory(path, target_);
        return;
    }
    // A FIFO, a device, a terminal: open now, so a missing reader shows at once.
    fd_ = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0)
        refuse(path, errno == ENXIO && S_ISFIFO(st.st_mode) ? std::string("a FIFO with no reader")
                                                           : std::string("cannot open: ") + std::strerror(errno));
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    is_stdout_ = same_file(fd_, 1);
}

Destination::~Destination() {
    if (fd_ >= 0) close(fd_);
}

void Destination::write(const std::string& content) const {
    if (fd_ < 0) {
        try {
            write_atomically(target_, content, mode_);
        } catch (const Error& e) {
            throw WriteFailed(e.what());
        }
        return;
    }
    // Never a partial document: the interrupts wait until it is out, and a
    // closed pipe is an error return (EPIPE), not a silent death.
    sigset_t hold, saved;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    sigprocmask(SIG_BLOCK, &hold, &saved);
    auto pipe_was = std::signal(SIGPIPE, SIG_IGN);
    int err = 0;
    for (std::size_t done = 0; done < content.size() && !err;) {
        ssize_t n = ::write(fd_, content.data() + done, content.size() - done);
        if (n > 0) done += std::size_t(n);
        else if (n == 0 || errno != EINTR) err = n == 0 ? EIO : errno;
    }
    std::signal(SIGPIPE, pipe_was);
    sigprocmask(SIG_SETMASK, &saved, nullptr);
    if (err) throw WriteFailed(path_ + ": write failed: " + std::strerror(err));
}

void write_atomically(const std::string& path, const std::string& content, unsigned mode) {
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
    fchmod(fd, mode);
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
