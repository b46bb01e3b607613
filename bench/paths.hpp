// Where dmabench finds its things: the runs directory, the report package,
// and what it is (version, git revision). A kit (cmake/kit.cmake) is unpacked
// anywhere, so none of these may lead back to the build machine's source tree.
#pragma once
#include <optional>
#include <string>

namespace dmabench::paths {

// The project version and `git describe --always --dirty` of the source at
// build time ("unknown" outside git), baked in by cmake/build_info.cmake.
std::string version();
std::string revision();
// What `dmabench --version` prints: "dmabench 0.1 (git 28e9624)".
std::string version_line();

// The kit's top directory when this binary runs from one (the launcher's
// loader or the binary itself sits one level below the .dmabench-kit marker).
std::optional<std::string> kit();

// Default home of new runs: <kit>/results/runs in a kit, else the source
// tree's results/runs when it is there, else ./results/runs.
std::string runs_dir();

// In a kit `report` and `compare` do not render (no Python on a board): one
// line saying where rendering happens, on stderr; returns exit status 2.
int refuse_report();

}  // namespace dmabench::paths
