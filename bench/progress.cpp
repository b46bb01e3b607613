#include "bench/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

namespace dmabench {
namespace {

std::string clock_text(double s) {
    char buf[32];
    long t = long(s + 0.5);
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
    return buf;
}

unsigned columns() {
    winsize w{};
    return ioctl(2, TIOCGWINSZ, &w) == 0 && w.ws_col > 20 ? w.ws_col : 80;
}

}  // namespace

Progress::Progress(std::size_t total, bool verbose, std::ostream& json_out)
    : total_(total), tty_(isatty(2)) {
    json_.SetOutputStream(&json_out);
    json_.SetErrorStream(&std::cerr);
    if (verbose) {
        table_ = std::make_unique<benchmark::ConsoleReporter>(
            tty_ ? benchmark::ConsoleReporter::OO_ColorTabular : benchmark::ConsoleReporter::OO_Tabular);
        table_->SetOutputStream(&std::cerr);
        table_->SetErrorStream(&std::cerr);
        tty_ = false;  // the table scrolls; an in-place line would tear it
    }
}

bool Progress::ReportContext(const Context& c) {
    return json_.ReportContext(c) && (!table_ || table_->ReportContext(c));
}

void Progress::ReportRuns(const std::vector<Run>& reported) {
    // The harness fixes Google Benchmark's count at 2 and overshoots it with
    // the operations it ran (bench/harness.cpp Plan): "iterations:2" is not
    // part of the name.
    std::vector<Run> runs = reported;
    for (auto& r : runs) r.run_name.iterations.clear();
    json_.ReportRuns(runs);
    if (table_) table_->ReportRuns(runs);
    for (auto& r : runs)
        if (r.run_type == Run::RT_Iteration) show(r);
}

void Progress::show(const Run& r) {
    ++done_;
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double eta = done_ < total_ ? elapsed / double(done_) * double(total_ - done_) : 0;
    char head[96];
    int w = int(std::to_string(total_).size());
    std::snprintf(head, sizeof head, "[%*zu/%zu] %s, ETA %s  ", w, done_, total_,
                  clock_text(elapsed).c_str(), clock_text(eta).c_str());
    std::string what = r.benchmark_name();
    if (r.error_occurred) what += "  ERROR: " + r.error_message;
    else {
        char t[48];
        std::snprintf(t, sizeof t, "  %.4g %s", r.GetAdjustedRealTime(),
                      benchmark::GetTimeUnitString(r.time_unit));
        what += t;
    }
    std::string line = head + what;
    if (tty_) {
        if (line.size() >= columns()) line.resize(columns() - 1);
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

void Progress::Finalize() {
    json_.Finalize();
    if (table_) table_->Finalize();
    if (tty_ && done_) std::fputc('\n', stderr);
}

}  // namespace dmabench
