#include "bench/paths.hpp"

#include "build_info.h"  // generated: DMABENCH_VERSION, DMABENCH_BUILD_REVISION

#include <cstdio>
#include <filesystem>

namespace dmabench::paths {
namespace fs = std::filesystem;

std::string version() { return DMABENCH_VERSION; }
std::string revision() { return DMABENCH_BUILD_REVISION; }
std::string version_line() { return "dmabench " + version() + " (git " + revision() + ")"; }

std::optional<std::string> kit() {
    // Through the launcher /proc/self/exe is the bundled loader (<kit>/lib/),
    // run directly it is <kit>/bin/dmabench: either way one level down.
    std::error_code ec;
    fs::path exe = fs::canonical("/proc/self/exe", ec);
    if (ec) return std::nullopt;
    fs::path top = exe.parent_path().parent_path();
    if (!fs::is_regular_file(top / ".dmabench-kit", ec)) return std::nullopt;
    return top.string();
}

std::string runs_dir() {
    if (auto k = kit()) return (fs::path(*k) / "results" / "runs").string();
    fs::path src = DMABENCH_SOURCE_DIR;
    if (fs::is_directory(src / "results")) return (src / "results" / "runs").string();
    return "results/runs";
}

int refuse_report() {
    std::fprintf(stderr, "dmabench: this kit does not render reports (no Python on a board): copy "
                         "results/runs/*.json to a workstation and run `dmabench report RUN.json...` "
                         "there\n");
    return 2;
}

}  // namespace dmabench::paths
