// Pinning puts the thread where asked, and memory comes back usable.
#include "runners/topology.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <cstdint>
#include <cstring>
#include <thread>

using namespace dmabench;

TEST(Topology, PinnedThreadRunsOnTheRequestedPu) {
    for (unsigned pu : topology::pus()) {
        std::thread t([pu] {
            int seen = topology::pin_thread(pu);
            EXPECT_EQ(seen, int(pu));
            for (int i = 0; i < 1000; ++i) {
                std::this_thread::yield();
                ASSERT_EQ(sched_getcpu(), int(pu));
            }
        });
        t.join();
    }
}

TEST(Topology, DefaultCpusStartOneAwayFromCpu0) {
    auto pus = topology::pus();
    auto one = topology::default_cpus(1);
    ASSERT_EQ(one.size(), 1u);
    if (pus.size() > 1) EXPECT_EQ(one[0], pus[1]);
    auto all = topology::default_cpus(unsigned(pus.size()));
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, pus);
}

TEST(Topology, AllocOnNodeIsPageAlignedAndWritable) {
    for (int node : topology::nodes()) {
        const std::size_t bytes = 1 << 20;
        auto* p = static_cast<char*>(topology::alloc_on(bytes, node));
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 4096, 0u);
        std::memset(p, 0x5a, bytes);
        EXPECT_EQ(p[bytes - 1], 0x5a);
        topology::free_on(p, bytes);
    }
}

TEST(Topology, SummaryCountsAreConsistent) {
    auto s = topology::summary();
    EXPECT_GE(s["pus"].get<int>(), s["cores"].get<int>());
    EXPECT_GE(s["cores"].get<int>(), 1);
    EXPECT_EQ(s["allowed_pus"].size(), topology::pus().size());
}
