// The PMU layer counts for real: software events work on every Linux, so a
// known amount of work must give a known count.
#include "runners/pmu.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace dmabench;

namespace {
// Skips when this kernel (or qemu-user) gives no perf_event_open at all.
bool can_count(const pmu::Group& g) {
    return !g.empty();
}
}  // namespace

TEST(Pmu, PageFaultsCountTheFirstTouchOfEachPage) {
    pmu::Group g({"perf::page-faults"});
    if (!can_count(g)) GTEST_SKIP() << "no perf events here: " << g.status()[0].reason;
    const long page = sysconf(_SC_PAGESIZE);
    const int pages = 256;
    auto* p = static_cast<char*>(mmap(nullptr, pages * page, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(p, MAP_FAILED);
    madvise(p, pages * page, MADV_NOHUGEPAGE);
    g.enable();
    for (int i = 0; i < pages; ++i) p[i * page] = 1;
    g.disable();
    auto r = g.read();
    munmap(p, pages * page);
    ASSERT_EQ(r.counts.size(), 1u);
    EXPECT_GE(r.counts[0].second, pages);
    // A few faults from elsewhere at most; under ASan also the shadow memory:
    // one shadow page for every 8 pages touched.
    EXPECT_LE(r.counts[0].second, pages + pages / 8 + 16);
}

TEST(Pmu, CountsOnlyWhileEnabled) {
    pmu::Group g({"perf::page-faults", "perf::task-clock"});
    if (!can_count(g)) GTEST_SKIP() << "no perf events here: " << g.status()[0].reason;
    const long page = sysconf(_SC_PAGESIZE);
    auto* p = static_cast<char*>(mmap(nullptr, 64 * page, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (int i = 0; i < 64; ++i) p[i * page] = 1;  // not counted: the group is stopped
    auto r = g.read();
    munmap(p, 64 * page);
    for (auto& [name, v] : r.counts) EXPECT_EQ(v, 0) << name;
}

TEST(Pmu, UnknownNameIsACleanError) {
    EXPECT_FALSE(pmu::check_name("no_such_event_xyz").empty());
    EXPECT_TRUE(pmu::check_name("perf::page-faults").empty());
    pmu::Group g({"no_such_event_xyz"});
    ASSERT_EQ(g.status().size(), 1u);
    EXPECT_FALSE(g.status()[0].available);
    EXPECT_NE(g.status()[0].reason.find("libpfm4"), std::string::npos);
    EXPECT_TRUE(g.empty());
}

TEST(Pmu, UnavailableHardwareEventIsReportedNotFatal) {
    // Hardware events may or may not exist (no PMU in most VMs): either they
    // count or they carry a reason; the software one next to them still counts.
    pmu::Group g({"perf::instructions", "perf::page-faults"});
    ASSERT_EQ(g.status().size(), 2u);
    for (auto& s : g.status()) EXPECT_TRUE(s.available || !s.reason.empty()) << s.name;
}

TEST(Pmu, DefaultSetIsKnownToLibpfm) {
    for (auto& e : pmu::default_events()) {
        // arm64's raw PMUv3 names exist only where libpfm4 sees an arm PMU.
        if (e.find("::") == std::string::npos) continue;
        EXPECT_EQ(pmu::check_name(e), "") << e;
    }
}
