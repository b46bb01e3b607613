// The kmod/ family's user-space half and the module's shared core: argument
// checks (kernels/kmod/dmabench_core.h, compiled here exactly as in the
// module), the request table's rows, tick conversion, the one quantile's
// integer port and the statistics, and the request sizing and summaries in
// runners/kmod_probe.
#include <gtest/gtest.h>

#include "tests/unit/vectors.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/kmod/dmabench_core.h"
#include "runners/kmod_probe.hpp"

using namespace dmabench;

namespace {
constexpr uint32_t kPage = 4096;

dmabench_map_req good_map() {
    dmabench_map_req r{};
    r.size = 4096, r.samples = 100, r.batch = 8, r.dir = DMABENCH_DIR_TO_DEVICE;
    r.api = DMABENCH_API_PAGE, r.coherent = 1, r.state = DMABENCH_STATE_DIRTY;
    return r;
}

dmabench_cache_req good_cache() {
    dmabench_cache_req r{};
    r.size = 65536, r.samples = 100, r.batch = 4, r.op = DMABENCH_CACHE_CLEAN;
    return r;
}

unsigned __int128 wide(uint64_t x) { return x; }
}  // namespace

TEST(KmodCheck, CountsAreBoundedOnBothSides) {
    dmabench_call_req r{};
    r.batch = 1;
    for (uint32_t n : {0u, DMABENCH_MAX_SAMPLES + 1}) {
        r.samples = n;
        EXPECT_EQ(dmabench_check_call(&r, kPage), DMABENCH_BAD_SAMPLES) << n;
    }
    for (uint32_t n : {1u, DMABENCH_MAX_SAMPLES}) {
        r.samples = n;
        EXPECT_EQ(dmabench_check_call(&r, kPage), DMABENCH_OK) << n;
    }
    r.samples = 1;
    for (uint32_t b : {0u, DMABENCH_MAX_BATCH + 1, 0xffffffffu}) {
        r.batch = b;
        EXPECT_EQ(dmabench_check_call(&r, kPage), DMABENCH_BAD_BATCH) << b;
    }
    r.batch = DMABENCH_MAX_BATCH;
    EXPECT_EQ(dmabench_check_call(&r, kPage), DMABENCH_OK);
    r.flags = 1;
    EXPECT_EQ(dmabench_check_call(&r, kPage), DMABENCH_BAD_FLAGS);
    r.flags = 0, r.reserved = 1;
    EXPECT_EQ(dmabench_check_call(&r, kPage), DMABENCH_BAD_RESERVED);
}

TEST(KmodCheck, MapRejectsEachBadFieldByName) {
    EXPECT_EQ(dmabench_check_map(&(const dmabench_map_req&)good_map(), kPage), DMABENCH_OK);
    struct Bad { void (*spoil)(dmabench_map_req&); dmabench_bad want; };
    const Bad bad[] = {
        {[](dmabench_map_req& r) { r.samples = 0; }, DMABENCH_BAD_SAMPLES},
        {[](dmabench_map_req& r) { r.batch = 65; }, DMABENCH_BAD_BATCH},
        {[](dmabench_map_req& r) { r.size = 0; }, DMABENCH_BAD_SIZE},
        {[](dmabench_map_req& r) { r.size = DMABENCH_MAX_SIZE + 1ull; }, DMABENCH_BAD_SIZE},
        {[](dmabench_map_req& r) { r.size = 1ull << 40; }, DMABENCH_BAD_SIZE},
        {[](dmabench_map_req& r) { r.size = DMABENCH_MAX_SIZE, r.batch = 5; }, DMABENCH_BAD_BATCH_BYTES},
        {[](dmabench_map_req& r) { r.dir = 3; }, DMABENCH_BAD_DIR},
        {[](dmabench_map_req& r) { r.api = 2; }, DMABENCH_BAD_API},
        {[](dmabench_map_req& r) { r.coherent = 2; }, DMABENCH_BAD_COHERENT},
        {[](dmabench_map_req& r) { r.state = 2; }, DMABENCH_BAD_STATE},
        {[](dmabench_map_req& r) { r.flags = 0x80000000u; }, DMABENCH_BAD_FLAGS},
        {[](dmabench_map_req& r) { r.reserved = 1; }, DMABENCH_BAD_RESERVED},
    };
    for (auto& b : bad) {
        auto r = good_map();
        b.spoil(r);
        EXPECT_EQ(dmabench_check_map(&r, kPage), b.want) << dmabench_bad_name(b.want);
    }
    auto r = good_map();
    r.size = DMABENCH_MAX_SIZE, r.batch = 4;  // 4 MiB: the limit itself
    EXPECT_EQ(dmabench_check_map(&r, kPage), DMABENCH_OK);
    r.size = 1, r.batch = DMABENCH_MAX_BATCH, r.dir = DMABENCH_DIR_FROM_DEVICE;
    r.api = DMABENCH_API_SINGLE, r.coherent = 0, r.state = DMABENCH_STATE_CLEAN;
    EXPECT_EQ(dmabench_check_map(&r, kPage), DMABENCH_OK);
}

TEST(KmodCheck, CacheRejectsUnknownOpAndState) {
    auto r = good_cache();
    EXPECT_EQ(dmabench_check_cache(&r, kPage), DMABENCH_OK);
    r.op = DMABENCH_CACHE_OPS;
    EXPECT_EQ(dmabench_check_cache(&r, kPage), DMABENCH_BAD_OP);
    r = good_cache(), r.state = 7;
    EXPECT_EQ(dmabench_check_cache(&r, kPage), DMABENCH_BAD_STATE);
    r = good_cache(), r.flags = 2;
    EXPECT_EQ(dmabench_check_cache(&r, kPage), DMABENCH_BAD_FLAGS);
    r = good_cache(), r.batch = 64;  // 64 x 64 KiB = 4 MiB: the limit
    EXPECT_EQ(dmabench_check_cache(&r, kPage), DMABENCH_OK);
    r.size = 65537;  // 64 x 128 KiB blocks > 4 MiB
    EXPECT_EQ(dmabench_check_cache(&r, kPage), DMABENCH_BAD_BATCH_BYTES);
}

// A foreign page comes from another domain: never dom0 (0), nor a reserved
// id (DOMID_FIRST_RESERVED 0x7ff0 and up), nor a reserved grant (0-7).
TEST(KmodCheck, XenForeignRefusesDom0ReservedIdsAndGrants) {
    dmabench_xen_foreign_req r{};
    r.samples = 10, r.batch = 8, r.domid = 1, r.gref = 8;
    EXPECT_EQ(dmabench_check_xen_foreign(&r, kPage), DMABENCH_OK);
    r.domid = 0;
    EXPECT_EQ(dmabench_check_xen_foreign(&r, kPage), DMABENCH_BAD_DOMID);
    r.domid = 0x7ff0;
    EXPECT_EQ(dmabench_check_xen_foreign(&r, kPage), DMABENCH_BAD_DOMID);
    r.domid = 0x7fef, r.gref = 7;
    EXPECT_EQ(dmabench_check_xen_foreign(&r, kPage), DMABENCH_BAD_GREF);
    r.gref = 0xffffffffu;
    EXPECT_EQ(dmabench_check_xen_foreign(&r, kPage), DMABENCH_OK);
    r.coherent = 2;
    EXPECT_EQ(dmabench_check_xen_foreign(&r, kPage), DMABENCH_BAD_COHERENT);
    EXPECT_EQ(dmabench_bad_errno(DMABENCH_BAD_DOMID), EINVAL);
}

namespace {
dmabench_devmap_req good_devmap() {
    dmabench_devmap_req r{};
    r.samples = 100, r.batch = 64, r.threads = 1, r.granule = 1, r.entries = 1;
    r.mode = DMABENCH_MODE_SINGLE, r.dir = DMABENCH_DIR_TO_DEVICE;
    return r;
}
}  // namespace

// DEVMAP's rows (issue 20's rewrite, pattern, sizes among them), then its own
// cross-field hook: entries with the mode, the mask's least, the bytes.
TEST(KmodCheck, DevmapChecksItsRowsThenWhatSpansThem) {
    auto ok = good_devmap();
    EXPECT_EQ(dmabench_check_devmap(&ok, kPage), DMABENCH_OK);
    struct Bad { void (*spoil)(dmabench_devmap_req&); dmabench_bad want; };
    const Bad bad[] = {
        {[](dmabench_devmap_req& r) { r.rewrite = 2; }, DMABENCH_BAD_REWRITE},
        {[](dmabench_devmap_req& r) { r.pattern = DMABENCH_PATTERN_EMPTY + 1; }, DMABENCH_BAD_PATTERN},
        {[](dmabench_devmap_req& r) { r.sizes = DMABENCH_SIZES_MIXED + 1; }, DMABENCH_BAD_SIZES},
        {[](dmabench_devmap_req& r) { r.clock = DMABENCH_CLOCK_KTIME + 1; }, DMABENCH_BAD_CLOCK},
        {[](dmabench_devmap_req& r) { r.reserved = 1; }, DMABENCH_BAD_RESERVED},
        {[](dmabench_devmap_req& r) { r.threads = 0; }, DMABENCH_BAD_THREADS},
        {[](dmabench_devmap_req& r) { r.entries = 2; }, DMABENCH_BAD_ENTRIES},  // single: 1 entry
        {[](dmabench_devmap_req& r) { r.dma_bits = 11; }, DMABENCH_BAD_DMA_BITS},
        {[](dmabench_devmap_req& r) { r.granule = 256, r.batch = 5; }, DMABENCH_BAD_BATCH_BYTES},
        {[](dmabench_devmap_req& r) { r.threads = 64, r.granule = 64, r.batch = 5; }, DMABENCH_BAD_BATCH_BYTES},
        // A field's own bound comes before any cross-field check.
        {[](dmabench_devmap_req& r) { r.entries = 2, r.flags = 1; }, DMABENCH_BAD_FLAGS},
    };
    for (auto& b : bad) {
        auto r = good_devmap();
        b.spoil(r);
        EXPECT_EQ(dmabench_check_devmap(&r, kPage), b.want) << dmabench_bad_name(b.want);
    }
    auto r = good_devmap();
    r.rewrite = 1, r.pattern = DMABENCH_PATTERN_RX, r.sizes = DMABENCH_SIZES_MIXED, r.dma_bits = 12;
    r.clock = DMABENCH_CLOCK_KTIME;
    // Mixed sizes count 1 MiB per mapping whatever the granule: 4 MiB x 16.
    r.mode = DMABENCH_MODE_SG, r.entries = 4, r.batch = 1, r.granule = 256, r.threads = 16;
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_OK);
    r.batch = 2;  // 8 MiB a thread
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_BAD_BATCH_BYTES);
    r.batch = 1, r.threads = 15;  // rx: threads in pairs
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_BAD_THREADS);
    EXPECT_EQ(dmabench_bad_errno(DMABENCH_BAD_PATTERN), EINVAL);
}

// issue 20: an sg list of batch 1 may hold up to 1 GiB in all (past the
// 64 MiB of bursts), entries up to 1 GiB of 4 KiB pages; nothing else.
TEST(KmodCheck, DevmapListsReachAGibibyteAndNoMore) {
    auto r = good_devmap();
    r.mode = DMABENCH_MODE_SG, r.batch = 1, r.entries = DMABENCH_MAX_LIST_ENTRIES;
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_OK);  // 1 GiB of pages
    EXPECT_EQ(dmabench_devmap_thread_bytes(&r, kPage), uint64_t(DMABENCH_MAX_LIST_BYTES));
    r.entries = DMABENCH_MAX_LIST_ENTRIES + 1;
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_BAD_ENTRIES);  // its row's bound
    r.entries = DMABENCH_MAX_LIST_ENTRIES / 2, r.granule = 2, r.threads = 1;
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_OK);
    r.granule = 3;  // 1.5 GiB
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_BAD_BATCH_BYTES);
    r.granule = 1, r.threads = 3;  // 1.5 GiB over three lists
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_BAD_BATCH_BYTES);
    r.threads = 1, r.entries = 16384, r.batch = 2;  // two 64 MiB lists a sample: a burst's bound
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_BAD_BATCH_BYTES);
    r = good_devmap();
    r.batch = 1, r.granule = 256, r.threads = 64;  // single pages: still the 64 MiB cap
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_OK);
    r.threads = 64, r.batch = 2;
    EXPECT_EQ(dmabench_check_devmap(&r, kPage), DMABENCH_BAD_BATCH_BYTES);
}

// The memory a request takes (buffers, and a page pointer and sg entry per
// entry), at most half of what is available: a 64 MiB list in a 1 GiB
// guest, not a 1 GiB one; the refusal names both figures.
TEST(KmodCheck, DevmapMemoryIsWeighedAgainstWhatIsAvailable) {
    auto r = good_devmap();
    r.mode = DMABENCH_MODE_SG, r.batch = 1, r.entries = 16384;  // 64 MiB
    EXPECT_EQ(dmabench_devmap_need(&r, kPage), (64ull << 20) + 16384ull * DMABENCH_ENTRY_BYTES);
    r.threads = 2;
    EXPECT_EQ(dmabench_devmap_need(&r, kPage), 2 * ((64ull << 20) + 16384ull * DMABENCH_ENTRY_BYTES));
    EXPECT_TRUE(dmabench_memory_allows(100, 200));
    EXPECT_FALSE(dmabench_memory_allows(101, 200));
    r.threads = 1;
    const uint64_t guest = 850ull << 20;  // MemAvailable of a 1 GiB guest, about
    EXPECT_EQ(kmod::memory_refusal(r, kPage, guest), "");
    r.entries = DMABENCH_MAX_LIST_ENTRIES;  // 1 GiB
    const std::string why = kmod::memory_refusal(r, kPage, guest);
    EXPECT_NE(why.find("needs 1040 MiB"), std::string::npos) << why;  // + 262144 x 64 bytes
    EXPECT_NE(why.find("850 MiB available"), std::string::npos) << why;
    EXPECT_NE(why.find("ENOMEM"), std::string::npos) << why;
    EXPECT_EQ(kmod::memory_refusal(r, kPage, 4ull << 30), "");  // a 4 GiB machine maps it
    EXPECT_GT(kmod::memory_available(), 0u);  // this Linux's /proc/meminfo
}

TEST(KmodCheck, BindNeedsATerminatedNonEmptyName) {
    dmabench_bind_req r{};
    EXPECT_EQ(dmabench_check_bind(&r, kPage), DMABENCH_BAD_DEVICE);  // empty
    std::snprintf(r.device, sizeof r.device, "0000:00:01.0");
    EXPECT_EQ(dmabench_check_bind(&r, kPage), DMABENCH_OK);
    std::fill(std::begin(r.device), std::end(r.device), 'a');  // unterminated
    EXPECT_EQ(dmabench_check_bind(&r, kPage), DMABENCH_BAD_DEVICE);
    r.device[0] = 0, r.flags = 1;
    EXPECT_EQ(dmabench_check_bind(&r, kPage), DMABENCH_BAD_FLAGS);
}

// The rows a request's timed operations come from: their count is a
// constant, `ticks` is the first field of every request that has them, and
// a request without them has no `ticks`.
#define ROW_NAMES(S, name) #name,
#define PTR_OFFSETS(S, name) offsetof(S, name),
#define ROW_CASE(NAME, name, type, FIELDS, class)                                              \
    {#NAME, DMABENCH_##NAME##_NSTATS,                                                          \
     {FIELDS(type, DMABENCH_NO_IN, DMABENCH_NO_OUT, DMABENCH_NO_DATA, ROW_NAMES, DMABENCH_NO_PTR)}, \
     {FIELDS(type, DMABENCH_NO_IN, DMABENCH_NO_OUT, DMABENCH_NO_DATA, DMABENCH_NO_STATS, PTR_OFFSETS)}},
TEST(KmodTable, StatsRowsAreCountedAndGetTicks) {
    struct Row {
        const char* name;
        unsigned nstats;
        std::vector<std::string> stats;
        std::vector<std::size_t> ptrs;
    };
    const Row rows[] = {DMABENCH_IOCTLS(ROW_CASE)};
    for (auto& r : rows) {
        EXPECT_EQ(r.nstats, r.stats.size()) << r.name;
        EXPECT_LE(r.nstats, 4u) << r.name;
        EXPECT_EQ(r.ptrs, r.stats.empty() ? std::vector<std::size_t>{} : std::vector<std::size_t>{0}) << r.name;
    }
    static_assert(DMABENCH_CALL_NSTATS == 3 && DMABENCH_DEVMAP_NSTATS == 2 && DMABENCH_CACHE_NSTATS == 1);
    static_assert(DMABENCH_XEN_FOREIGN_NSTATS == 4 && DMABENCH_BIND_NSTATS == 0 && DMABENCH_INFO_NSTATS == 0);
    EXPECT_EQ(rows[1].stats, (std::vector<std::string>{"timer", "call", "hypercall"}));
    EXPECT_EQ(rows[11].stats, (std::vector<std::string>{"local_map", "local_unmap", "foreign_map", "foreign_unmap"}));
}
#undef ROW_CASE
#undef PTR_OFFSETS
#undef ROW_NAMES

TEST(KmodCheck, BuffersAreWholePowerOfTwoBlocks) {
    EXPECT_EQ(dmabench_buffer_bytes(1, 4096), 4096u);
    EXPECT_EQ(dmabench_buffer_bytes(4096, 4096), 4096u);
    EXPECT_EQ(dmabench_buffer_bytes(4097, 4096), 8192u);
    EXPECT_EQ(dmabench_buffer_bytes(12288, 4096), 16384u);
    EXPECT_EQ(dmabench_buffer_bytes(1 << 20, 4096), 1u << 20);
    EXPECT_EQ(dmabench_buffer_bytes(64, 65536), 65536u);
    // With 64 KiB pages, 64 small buffers are 4 MiB: still allowed; 16 KiB ones too.
    EXPECT_EQ(dmabench_check_buffers(64, 64, 65536), DMABENCH_OK);
    EXPECT_EQ(dmabench_check_buffers(65537, 64, 65536), DMABENCH_BAD_BATCH_BYTES);
}

TEST(KmodStats, TicksToPicosecondsIsExact) {
    std::mt19937_64 rng(7);
    for (uint64_t hz : {62'500'000ull, 1'000'000'000ull, 3'193'999'001ull, 24'000'000ull, 1ull << 40}) {
        for (int i = 0; i < 2000; ++i) {
            uint64_t ticks = rng() >> (20 + i % 40);  // up to hours of ticks
            unsigned __int128 want = wide(ticks) * 1'000'000'000'000u / hz;
            ASSERT_EQ(dmabench_ticks_to_ps(ticks, hz), uint64_t(want)) << ticks << " @ " << hz;
        }
    }
    EXPECT_EQ(dmabench_ticks_to_ps(1, 62'500'000), 16'000u);  // QEMU virt: 16 ns a tick
    EXPECT_EQ(dmabench_ticks_to_ps(0, 62'500'000), 0u);
}

TEST(KmodStats, SelectFindsEveryRank) {
    std::mt19937_64 rng(11);
    for (std::size_t n : {1u, 2u, 3u, 7u, 64u, 1001u}) {
        for (uint64_t range : {3ull, 1000ull, ~0ull}) {  // many duplicates, few, none
            std::vector<__u64> v(n);
            for (auto& x : v) x = rng() % range;
            auto sorted = v;
            std::sort(sorted.begin(), sorted.end());
            for (std::size_t k = 0; k < n; k += std::max<std::size_t>(1, n / 17)) {
                auto w = v;
                dmabench_select(w.data(), n, k);
                ASSERT_EQ(w[k], sorted[k]) << "n " << n << " k " << k;
                for (std::size_t i = 0; i < k; ++i) ASSERT_LE(w[i], w[k]);
                for (std::size_t i = k + 1; i < n; ++i) ASSERT_GE(w[i], w[k]);
            }
        }
    }
}

// The port of the one quantile (Hyndman and Fan's type 7) against every
// case the Python report and the C++ core are tested with: den x Q exactly.
TEST(KmodStats, QuantileMatchesEverySharedVector) {
    for (auto& c : shared_vectors("quantile_vectors.json", 50)) {
        auto v = c["x"].get<std::vector<__u64>>();
        uint32_t num = c["p"][0], den = c["p"][1];
        ASSERT_EQ(dmabench_quantile_x(v.data(), v.size(), num, den), c["q_times_den"].get<__u64>())
            << c.dump();
    }
}

// Beside the vectors: random samples against the formula over a full sort.
TEST(KmodStats, QuantileIsTypeSevenOverTheSortedSamples) {
    std::mt19937_64 rng(19);
    for (std::size_t n : {1u, 2u, 3u, 10u, 101u, 1000u}) {
        for (auto [num, den] : {std::pair{1u, 2u}, {99u, 100u}, {0u, 1u}, {1u, 1u}, {1u, 3u}}) {
            std::vector<__u64> v(n);
            for (auto& x : v) x = rng() % 100000;
            auto sorted = v;
            std::sort(sorted.begin(), sorted.end());
            uint64_t h = uint64_t(num) * (n - 1), k = h / den, frac = h % den;
            uint64_t want = den * sorted[k] + (frac ? frac * (sorted[k + 1] - sorted[k]) : 0);
            ASSERT_EQ(dmabench_quantile_x(v.data(), n, num, den), want) << n << " " << num << "/" << den;
        }
    }
}

TEST(KmodStats, SummariseGivesPerSampleTicksAndPerOpPicoseconds) {
    std::vector<__u64> v = {40, 10, 30, 20, 1000};  // ticks per sample of 4 ops
    dmabench_stats s{};
    dmabench_summarise(&s, v.data(), v.size(), 4, 62'500'000);
    EXPECT_EQ(s.samples, 5u);
    EXPECT_EQ(s.batch, 4u);
    EXPECT_EQ(s.min_ticks, 10u);
    EXPECT_EQ(s.max_ticks, 1000u);
    EXPECT_EQ(s.sum_ticks, 1100u);
    EXPECT_EQ(s.min_ps, 10u * 16000 / 4);
    EXPECT_EQ(s.median_ps, 30u * 16000 / 4);
    EXPECT_EQ(s.p99_ps, (40u * 16000 + 96u * 960 * 16000 / 100) / 4);  // 40 + 0.96 x 960 ticks
    EXPECT_EQ(s.max_ps, 1000u * 16000 / 4);
    EXPECT_EQ(s.mean_ps, 1100u * 16000 / 20);
    // Even count: the mean of the middle two, as numpy; p99 between the top two.
    std::vector<__u64> e = {4, 1, 3, 2};
    dmabench_summarise(&s, e.data(), e.size(), 1, 1'000'000'000);
    EXPECT_EQ(s.median_ps, 2500u);
    EXPECT_EQ(s.p99_ps, 3970u);
    // Per operation, floored: 2.5 ticks over a batch of 3 at 1 GHz.
    std::vector<__u64> f = {2, 3};
    dmabench_summarise(&s, f.data(), f.size(), 3, 1'000'000'000);
    EXPECT_EQ(s.median_ps, 833u);
}

TEST(KmodPlan, BuffersTouchAboutAQuarterMebibyteWithinLimits) {
    EXPECT_EQ(kmod::buffers_per_sample(64, 4096), 64u);
    EXPECT_EQ(kmod::buffers_per_sample(4096, 4096), 64u);
    EXPECT_EQ(kmod::buffers_per_sample(16384, 4096), 16u);
    EXPECT_EQ(kmod::buffers_per_sample(65536, 4096), 4u);
    EXPECT_EQ(kmod::buffers_per_sample(1 << 20, 4096), 1u);
    EXPECT_EQ(kmod::buffers_per_sample(64, 65536), 4u);
    for (uint64_t size : {1ull, 64ull, 4097ull, 300000ull, 1ull << 20})
        for (uint32_t page : {4096u, 16384u, 65536u})
            EXPECT_EQ(dmabench_check_buffers(size, kmod::buffers_per_sample(size, page), page), DMABENCH_OK)
                << size << " / " << page;
}

// One quantile: the user side's figures from the samples the module copies
// out agree with the module's own statistics of the same samples (which
// floor to whole picoseconds).
TEST(KmodPlan, UserSummaryAgreesWithTheModulesStatistics) {
    std::mt19937_64 rng(23);
    for (std::size_t n : {1u, 2u, 7u, 100u, 1001u}) {
        for (uint32_t batch : {1u, 8u, 64u}) {
            std::vector<__u64> v(n);
            for (auto& x : v) x = 20 + rng() % 5000;
            dmabench_stats s{};
            auto copy = v;
            dmabench_summarise(&s, copy.data(), n, batch, 62'500'000);
            auto o = kmod::summarise(std::vector<uint64_t>(v.begin(), v.end()), batch, 62'500'000);
            EXPECT_EQ(o.samples, n);
            EXPECT_EQ(o.batch, batch);
            for (auto [ns, ps] : {std::pair{o.ns_min, s.min_ps}, {o.ns_median, s.median_ps},
                                  {o.ns_p99, s.p99_ps}, {o.ns_mean, s.mean_ps}, {o.ns_max, s.max_ps}})
                EXPECT_NEAR(ns * 1e3, double(ps), 1.0) << n << " x " << batch;
        }
    }
}

TEST(KmodDevice, AbsentOrForeignDeviceIsASkipWithTheReason) {
    auto gone = kmod::open_module("/nonexistent/dmabench");
    EXPECT_EQ(gone.fd, -1);
    EXPECT_NE(gone.skip.find("absent"), std::string::npos) << gone.skip;
    EXPECT_NE(gone.skip.find("dmabench.ko"), std::string::npos) << gone.skip;
    auto other = kmod::open_module("/dev/null");  // opens, but is not the module
    EXPECT_EQ(other.fd, -1);
    EXPECT_NE(other.skip.find("DMABENCH_IOC_INFO"), std::string::npos) << other.skip;
}

TEST(KmodNames, DirectionsAndOpsAreNamed) {
    EXPECT_STREQ(kmod::dir_name(DMABENCH_DIR_TO_DEVICE), "to_device");
    EXPECT_STREQ(kmod::dir_name(DMABENCH_DIR_FROM_DEVICE), "from_device");
    EXPECT_STREQ(kmod::dir_name(DMABENCH_DIR_BIDIRECTIONAL), "bidirectional");
    EXPECT_STREQ(kmod::cache_op_name(DMABENCH_CACHE_CLEAN_INVAL_POU), "clean_inval_pou");
    EXPECT_STREQ(dmabench_bad_name(DMABENCH_BAD_BATCH_BYTES), "batch x size");
}

TEST(KmodDevice, DeviceArgIsAPciAddressAPlatformDeviceOrASysfsPathEndingInOne) {
    std::string why;
    EXPECT_EQ(kmod::device_name("0000:01:00.0", why), "0000:01:00.0");
    EXPECT_EQ(kmod::device_name("01:1F.7", why), "0000:01:1f.7");  // domain 0, lower case
    EXPECT_EQ(kmod::device_name("/sys/bus/pci/devices/0000:00:03.0", why), "0000:00:03.0");
    EXPECT_EQ(kmod::device_name("/sys/devices/pci0000:00/0000:00:01.0/0001:02:00.1/", why), "0001:02:00.1");
    for (const char* bad : {"eth0", "nvme0", "0000:01:00", "0000:01:20.0", "0000:01:00.8", "/sys/bus/pci",
                            "0000:01:00.0x", "1:00.0"}) {
        why.clear();
        EXPECT_EQ(kmod::device_name(bad, why), "") << bad;
        EXPECT_NE(why.find(std::string("'") + bad + "'"), std::string::npos) << why;
        EXPECT_NE(why.find("accepted"), std::string::npos) << why;
    }
    // A platform device (an SoC's) by its name or path, when this machine has one.
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator("/sys/bus/platform/devices", ec)) {
        std::string name = e.path().filename().string();
        EXPECT_EQ(kmod::device_name(name, why), name);
        EXPECT_EQ(kmod::device_name(e.path().string(), why), name);
        EXPECT_EQ(kmod::device_name(name + "x-not-here", why), "");
        break;
    }
}

TEST(KmodDevice, BindWithoutTheModuleIsOneLineNamingIt) {
    if (kmod::module().skip.empty()) GTEST_SKIP() << "dmabench.ko is loaded here";
    dmabench_device d{};
    std::string why = kmod::bind("0000:00:01.0", d);
    EXPECT_NE(why.find("--device 0000:00:01.0"), std::string::npos) << why;
    EXPECT_NE(why.find("dmabench.ko"), std::string::npos) << why;
    EXPECT_EQ(why.find('\n'), std::string::npos) << why;
    EXPECT_FALSE(kmod::current_device(d));
    kmod::unbind();  // nothing bound: nothing done
}

TEST(KmodDevice, DomainsAreNamedAndTheStampCarriesThem) {
    EXPECT_STREQ(kmod::domain_name(DMABENCH_DOMAIN_STRICT), "strict");
    EXPECT_STREQ(kmod::domain_name(DMABENCH_DOMAIN_LAZY), "lazy");
    EXPECT_STREQ(kmod::domain_name(DMABENCH_DOMAIN_IDENTITY), "identity");
    EXPECT_STREQ(kmod::domain_name(DMABENCH_DOMAIN_NONE), "none");
    EXPECT_STREQ(kmod::domain_name(99), "other");
    dmabench_device d{};
    std::snprintf(d.name, sizeof d.name, "0000:00:01.0");
    std::snprintf(d.dma_ops, sizeof d.dma_ops, "dma-iommu");
    std::snprintf(d.iommu_driver, sizeof d.iommu_driver, "arm-smmu-v3");
    d.iommu_group = 0, d.domain = DMABENCH_DOMAIN_LAZY, d.flags = DMABENCH_DEVICE_NAMED | DMABENCH_DEVICE_PCI;
    auto j = kmod::device_json(d);
    EXPECT_EQ(j["name"], "0000:00:01.0");
    EXPECT_EQ(j["dma_ops"], "dma-iommu");
    EXPECT_EQ(j["iommu_driver"], "arm-smmu-v3");
    EXPECT_EQ(j["iommu_group"], 0);
    EXPECT_EQ(j["domain"], "lazy");
    EXPECT_EQ(j["named"], true);
    EXPECT_EQ(j["swiotlb_forced"], false);
}

TEST(KmodPlan, DevmapBatchStaysWithinEveryLimit) {
    EXPECT_EQ(kmod::devmap_batch(4096, 1), 64u);
    EXPECT_EQ(kmod::devmap_batch(65536, 1), 4u);
    EXPECT_EQ(kmod::devmap_batch(1 << 20, 1), 1u);      // sg: 16 x 64 KiB
    EXPECT_EQ(kmod::devmap_batch(1 << 20, 64), 1u);     // 64 MiB in all: fits
    EXPECT_EQ(kmod::devmap_batch(4 << 20, 64), 0u);     // does not
    for (uint64_t bytes : {4096ull, 65536ull, 1ull << 20})
        for (uint32_t t : {1u, 8u, 64u}) {
            uint32_t b = kmod::devmap_batch(bytes, t);
            EXPECT_LE(uint64_t(b) * bytes, DMABENCH_MAX_BATCH_BYTES);
            EXPECT_LE(uint64_t(b) * bytes * t, DMABENCH_MAX_DEVMAP_BYTES);
        }
}
