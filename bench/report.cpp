// `dmabench report` and `compare` hand over to the Python report package.
#include "bench/commands.hpp"
#include "bench/paths.hpp"
#include "bench/run.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace dmabench {
namespace fs = std::filesystem;

int exec_report(const std::vector<std::string>& args) {
    if (paths::kit()) return paths::refuse_report();
    const char* py = std::getenv("DMABENCH_PYTHON");
    std::string python = py && *py ? py : DMABENCH_PYTHON;
    fs::path src = DMABENCH_SOURCE_DIR;
    if (!fs::is_directory(src / "report"))
        throw BadInput("report package not found in " + src.string() + "/report");
    setenv("PYTHONPATH", src.c_str(), 1);
    std::vector<std::string> argv = {python, "-m", "report"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    execvp(cargv[0], cargv.data());
    std::fprintf(stderr, "dmabench: cannot run %s: %s (accepted: Debian's python3 with "
                         "python3-matplotlib, or DMABENCH_PYTHON)\n", python.c_str(), std::strerror(errno));
    return 2;
}

int run_report(const std::vector<std::string>& args) {
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(exec_report(args));
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return 2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

}  // namespace dmabench
