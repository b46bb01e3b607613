// The kmod/ family's user-space half and the module's shared core: argument
// checks (kernels/kmod/dmabench_core.h, compiled here exactly as in the
// module), tick conversion, selection and statistics, and the ioctl planning
// and merging in runners/kmod_probe.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>
#include <vector>

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
        EXPECT_EQ(dmabench_check_call(&r), DMABENCH_BAD_SAMPLES) << n;
    }
    for (uint32_t n : {1u, DMABENCH_MAX_SAMPLES}) {
        r.samples = n;
        EXPECT_EQ(dmabench_check_call(&r), DMABENCH_OK) << n;
    }
    r.samples = 1;
    for (uint32_t b : {0u, DMABENCH_MAX_BATCH + 1, 0xffffffffu}) {
        r.batch = b;
        EXPECT_EQ(dmabench_check_call(&r), DMABENCH_BAD_BATCH) << b;
    }
    r.batch = DMABENCH_MAX_BATCH;
    EXPECT_EQ(dmabench_check_call(&r), DMABENCH_OK);
    r.flags = 1;
    EXPECT_EQ(dmabench_check_call(&r), DMABENCH_BAD_FLAGS);
    r.flags = 0, r.reserved = 1;
    EXPECT_EQ(dmabench_check_call(&r), DMABENCH_BAD_RESERVED);
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
    EXPECT_EQ(dmabench_check_xen_foreign(&r), DMABENCH_OK);
    r.domid = 0;
    EXPECT_EQ(dmabench_check_xen_foreign(&r), DMABENCH_BAD_DOMID);
    r.domid = 0x7ff0;
    EXPECT_EQ(dmabench_check_xen_foreign(&r), DMABENCH_BAD_DOMID);
    r.domid = 0x7fef, r.gref = 7;
    EXPECT_EQ(dmabench_check_xen_foreign(&r), DMABENCH_BAD_GREF);
    r.gref = 0xffffffffu;
    EXPECT_EQ(dmabench_check_xen_foreign(&r), DMABENCH_OK);
    r.coherent = 2;
    EXPECT_EQ(dmabench_check_xen_foreign(&r), DMABENCH_BAD_COHERENT);
    EXPECT_EQ(dmabench_bad_errno(DMABENCH_BAD_DOMID), EINVAL);
}

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

TEST(KmodStats, SummariseGivesPerSampleTicksAndPerOpPicoseconds) {
    std::vector<__u64> v = {40, 10, 30, 20, 1000};  // ticks per sample of 4 ops
    dmabench_stats s{};
    dmabench_summarise(&s, v.data(), v.size(), 4, 62'500'000);
    EXPECT_EQ(s.samples, 5u);
    EXPECT_EQ(s.batch, 4u);
    EXPECT_EQ(s.min_ticks, 10u);
    EXPECT_EQ(s.median_ticks, 30u);
    EXPECT_EQ(s.max_ticks, 1000u);
    EXPECT_EQ(s.sum_ticks, 1100u);
    EXPECT_EQ(s.min_ps, 10u * 16000 / 4);
    EXPECT_EQ(s.median_ps, 30u * 16000 / 4);
    EXPECT_EQ(s.max_ps, 1000u * 16000 / 4);
    EXPECT_EQ(s.mean_ps, 1100u * 16000 / 20);
    // Even count: the upper median (rank n/2).
    std::vector<__u64> e = {4, 1, 3, 2};
    dmabench_summarise(&s, e.data(), e.size(), 1, 1'000'000'000);
    EXPECT_EQ(s.median_ticks, 3u);
}

TEST(KmodPlan, BatchTouchesAboutAQuarterMebibyteWithinLimits) {
    EXPECT_EQ(kmod::batch_for(64, 4096), 64u);
    EXPECT_EQ(kmod::batch_for(4096, 4096), 64u);
    EXPECT_EQ(kmod::batch_for(16384, 4096), 16u);
    EXPECT_EQ(kmod::batch_for(65536, 4096), 4u);
    EXPECT_EQ(kmod::batch_for(1 << 20, 4096), 1u);
    EXPECT_EQ(kmod::batch_for(64, 65536), 4u);
    for (uint64_t size : {1ull, 64ull, 4097ull, 300000ull, 1ull << 20})
        for (uint32_t page : {4096u, 16384u, 65536u})
            EXPECT_EQ(dmabench_check_buffers(size, kmod::batch_for(size, page), page), DMABENCH_OK)
                << size << " / " << page;
}

TEST(KmodPlan, ChunksCoverTheOpsWithinTheSampleLimit) {
    for (uint64_t ops : {1ull, 31ull, 32ull, 33ull, 1'000'000ull, 2'097'152ull, 2'097'153ull, 50'000'000ull}) {
        auto c = kmod::chunks_for(ops, 32);
        EXPECT_GE(c.calls, 1u);
        EXPECT_GE(c.samples, 1u);
        EXPECT_LE(c.samples, DMABENCH_MAX_SAMPLES) << ops;
        EXPECT_GE(uint64_t(c.samples) * c.calls * 32, ops) << ops;
        EXPECT_LT(uint64_t(c.samples) * c.calls * 32, ops + 32ull * c.calls + 32) << ops;
    }
    EXPECT_EQ(kmod::chunks_for(2'097'152, 32).calls, 1u);  // exactly 65536 samples
    EXPECT_EQ(kmod::chunks_for(2'097'153, 32).calls, 2u);
}

TEST(KmodPlan, CombineIsExactForOnePartAndMergesSeveral) {
    std::vector<__u64> a = {10, 20, 30}, b = {100, 200, 300, 400, 500};
    dmabench_stats sa{}, sb{};
    dmabench_summarise(&sa, a.data(), a.size(), 2, 1'000'000'000);
    dmabench_summarise(&sb, b.data(), b.size(), 2, 1'000'000'000);
    auto one = kmod::combine({sa});
    EXPECT_EQ(one.samples, 3u);
    EXPECT_DOUBLE_EQ(one.ticks_min, 5);
    EXPECT_DOUBLE_EQ(one.ticks_median, 10);
    EXPECT_DOUBLE_EQ(one.ticks_mean, 10);
    EXPECT_DOUBLE_EQ(one.ticks_max, 15);
    EXPECT_DOUBLE_EQ(one.ns_median, 10);  // 1 GHz: a tick is a ns
    auto both = kmod::combine({sa, sb});
    EXPECT_EQ(both.samples, 8u);
    EXPECT_DOUBLE_EQ(both.ticks_min, 5);
    EXPECT_DOUBLE_EQ(both.ticks_max, 250);
    EXPECT_DOUBLE_EQ(both.ticks_mean, (60.0 + 1500.0) / 16);
    EXPECT_NEAR(both.ns_mean, (60.0 + 1500.0) / 16, 1e-9);
    // 3 samples around 10 ticks/op, 5 around 150: half of all lie in the second.
    EXPECT_DOUBLE_EQ(both.ticks_median, 150);
    EXPECT_EQ(kmod::combine({}).samples, 0u);
}

TEST(KmodDevice, AbsentOrForeignDeviceIsASkipWithTheReason) {
    auto gone = kmod::open_device("/nonexistent/dmabench");
    EXPECT_EQ(gone.fd, -1);
    EXPECT_NE(gone.skip.find("absent"), std::string::npos) << gone.skip;
    EXPECT_NE(gone.skip.find("dmabench.ko"), std::string::npos) << gone.skip;
    auto other = kmod::open_device("/dev/null");  // opens, but is not the module
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
    if (kmod::device().skip.empty()) GTEST_SKIP() << "dmabench.ko is loaded here";
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

TEST(KmodPlan, CombineGivesTheP99) {
    std::vector<__u64> a(100);
    std::iota(a.begin(), a.end(), 1);  // 1..100 ticks per sample
    dmabench_stats s{};
    dmabench_summarise(&s, a.data(), a.size(), 1, 1'000'000'000);
    auto o = kmod::combine({s});
    EXPECT_DOUBLE_EQ(o.ticks_p99, 99);  // rank ceil(0.99 x 100) - 1
    EXPECT_DOUBLE_EQ(o.ns_p99, 99);
}
