// The by_line macro visits every line of [p, p+len) exactly once and nothing
// outside it. Each routine's recording twin (the same macro with a store of the
// line address in place of the flush) runs over aligned, misaligned, tiny and
// multi-page ranges, for several line sizes and every unroll and barrier shape.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "kernels/cache/cache.hpp"
#include "runners/cpu.hpp"

using namespace dmabench;

namespace {

constexpr std::uintptr_t kCanary = 0xC0FFEE0DDBA11ull;

// Lines holding a byte of [p, p+len), lowest first.
std::vector<std::uintptr_t> expected_lines(std::uintptr_t p, std::size_t len, std::size_t line) {
    std::vector<std::uintptr_t> out;
    if (len == 0) return out;
    for (std::uintptr_t a = p & ~(line - 1); a < p + len; a += line) out.push_back(a);
    return out;
}

struct Range { std::size_t offset, len; };

// Aligned, misaligned at either end, tiny, a line count on each side of
// every unroll boundary (1..19 lines), and several pages.
std::vector<Range> ranges(std::size_t line) {
    std::vector<Range> r;
    for (std::size_t offset : {std::size_t(0), std::size_t(1), line / 2, line - 1}) {
        for (std::size_t len : {std::size_t(0), std::size_t(1), std::size_t(2), line - 1, line,
                                line + 1})
            r.push_back({offset, len});
        for (std::size_t lines = 2; lines <= 19; ++lines)
            for (long delta : {-1L, 0L, 1L}) r.push_back({offset, lines * line + delta});
        r.push_back({offset, 3 * 4096 + 17});
        r.push_back({offset + 4096 - 5, 4 * 4096});
    }
    return r;
}

std::vector<std::size_t> line_sizes() {
    std::set<std::size_t> s{16, 32, 64, 128, 256};
    s.insert(cpu::dcache_line());
    return {s.begin(), s.end()};
}

}  // namespace

TEST(CacheCoverage, EveryRoutineHasARecordingTwin) {
    int here = 0;
    for (const auto& v : cache::routines) {
        if (v.arch != cache::this_arch || v.intrinsic) continue;
        ++here;
        EXPECT_NE(v.run, nullptr) << v.name;
        EXPECT_NE(v.record, nullptr) << v.name;
    }
    EXPECT_GE(here, 10) << "the table lost its rows for this arch";
}

TEST(CacheCoverage, LineSizeFromTheCpuIsAPowerOfTwo) {
    std::size_t line = cpu::dcache_line();
    EXPECT_GE(line, 16u);
    EXPECT_EQ(line & (line - 1), 0u) << line;
}

TEST(CacheCoverage, EveryLineOnceAndNothingOutside) {
    // An arena a little larger than the biggest range: the recorder only logs
    // addresses, but they are real addresses inside it.
    std::vector<unsigned char> arena(8 * 4096 + 4096);
    auto base = (reinterpret_cast<std::uintptr_t>(arena.data()) + 4095) & ~std::uintptr_t(4095);
    std::size_t checked = 0;
    for (const auto& v : cache::routines) {
        if (v.arch != cache::this_arch || !v.record) continue;
        for (std::size_t line : line_sizes()) {
            for (const auto& r : ranges(line)) {
                const std::uintptr_t p = base + r.offset;
                const auto want = expected_lines(p, r.len, line);
                // Slack past the expected entries, all canaries, catches overruns.
                std::vector<std::uintptr_t> log(want.size() + 64, kCanary);
                std::uintptr_t* end = v.record(reinterpret_cast<const void*>(p), r.len, line,
                                               log.data() + 1);
                SCOPED_TRACE(std::string(v.name) + " line " + std::to_string(line) + " offset " +
                             std::to_string(r.offset) + " len " + std::to_string(r.len));
                ASSERT_EQ(end - (log.data() + 1), std::ptrdiff_t(want.size()));
                EXPECT_EQ(log[0], kCanary) << "wrote before the log";
                std::vector<std::uintptr_t> got(log.begin() + 1, log.begin() + 1 + want.size());
                EXPECT_EQ(got, want) << "lines visited differ from [p, p+len) rounded out";
                for (std::size_t i = 1 + want.size(); i < log.size(); ++i)
                    ASSERT_EQ(log[i], kCanary) << "wrote past the reported end";
                ++checked;
            }
        }
    }
    EXPECT_GT(checked, 1000u);
}
