// What a user sees while a run goes on. On a terminal: one line updated in
// place with done/total, elapsed time, ETA and the benchmark just finished.
// Elsewhere (a log, CI): the same as one plain line per benchmark. With -v,
// Google Benchmark's own wide table as well. All of it on stderr; the JSON is
// kept in memory for the record. It is also where names lose the
// "iterations:2" that the harness's fixed count would add.
#pragma once
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <ostream>

namespace dmabench {

class Progress : public benchmark::BenchmarkReporter {
public:
    // total: benchmark runs to come (benchmarks x repetitions).
    Progress(std::size_t total, bool verbose, std::ostream& json_out);
    bool ReportContext(const Context& c) override;
    void ReportRuns(const std::vector<Run>& reported) override;
    void Finalize() override;

private:
    void show(const Run& r);

    std::size_t total_, done_ = 0;
    bool tty_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    benchmark::JSONReporter json_;
    std::unique_ptr<benchmark::ConsoleReporter> table_;  // -v only
};

}  // namespace dmabench
