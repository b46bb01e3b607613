// The real cache-maintenance routines run on this machine (under qemu-aarch64
// for arm64) and leave data as it was; the table, the feature decisions and the
// Cortex-A53 errata detection decide what they should from their inputs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "kernels/cache/cache.hpp"
#include "runners/cache_probe.hpp"
#include "runners/cpu.hpp"

using namespace dmabench;
namespace fs = std::filesystem;

TEST(CacheTable, NamesAreUniqueAndEveryRowIsDescribed) {
    std::set<std::string> names;
    for (const auto& v : cache::routines) {
        EXPECT_TRUE(names.insert(v.name).second) << "duplicate " << v.name;
        auto d = cache::describe(v);
        EXPECT_EQ(d.find('?'), std::string::npos) << v.name << ": " << d;
        EXPECT_NE(d.find(v.entry), std::string::npos) << v.name;
        EXPECT_EQ(cache::find(v.name), &v);
    }
    EXPECT_EQ(cache::find("no_such_variant"), nullptr);
}

TEST(CacheTable, CivacRecordsTheSubstitutionForIvac) {
    auto d = cache::describe(*cache::find("civac_dsb_sy"));
    EXPECT_NE(d.find("DC IVAC"), std::string::npos) << d;
    EXPECT_NE(d.find("UNDEFINED at EL0"), std::string::npos) << d;
}

TEST(CacheTable, NamesSayOpBarrierAndUnroll) {
    auto v = cache::find("cvac_dsb_sy_x8");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(std::string(v->op), "cvac");
    EXPECT_EQ(std::string(v->barrier), "dsb_sy");
    EXPECT_EQ(v->unroll, 8u);
    EXPECT_EQ(std::string(v->entry), "dmabench_cache_cvac_dsb_sy_x8");
    EXPECT_EQ(cache::find("clflushopt_sfence")->need, cache::Need::clflushopt);
    EXPECT_EQ(cache::find("cvap_dsb_sy")->need, cache::Need::dcpop);
    EXPECT_EQ(cache::find("civac_none")->need, cache::Need::nothing);
}

// The quick suite and the shared-buffer mode take each op's routine with
// Linux's barrier, not unrolled: exactly one per op, whatever the order of the rows.
TEST(CacheTable, EachOpHasExactlyOneLeadRoutineWithLinuxsBarrier) {
    for (const auto& o : cache::ops) {
        std::vector<std::string> leads;
        for (const auto& v : cache::routines)
            if (std::string(v.op) == o.name && cache::leads_its_op(v)) leads.push_back(v.name);
        ASSERT_EQ(leads.size(), 1u) << o.name;
        EXPECT_EQ(leads[0], std::string(o.name) + "_" + o.linux_barrier);
        EXPECT_NE(std::string(o.text), "") << o.name;
    }
    EXPECT_EQ(std::string(cache::op_of(*cache::find("cvau_dsb_sy")).linux_barrier), "dsb_ish");
    EXPECT_TRUE(cache::leads_its_op(*cache::find("cvau_dsb_ish")));
    EXPECT_FALSE(cache::leads_its_op(*cache::find("cvau_dsb_sy")));
    EXPECT_FALSE(cache::leads_its_op(*cache::find("clwb_mfence")));
    EXPECT_FALSE(cache::leads_its_op(*cache::find("clflush_mfence_x4")));
    EXPECT_FALSE(cache::leads_its_op(*cache::find("intrinsic_clwb_sfence")));
}

TEST(CacheTable, EveryRoutineIsOfAnOpOfItsArch) {
    for (const auto& v : cache::routines) {
        const auto& o = cache::op_of(v);
        EXPECT_EQ(o.arch, v.arch) << v.name;
        EXPECT_EQ(o.need, v.need) << v.name;
    }
}

TEST(CacheTable, EveryIntrinsicHasAnAssemblyTwin) {
    int intrinsics = 0;
    for (const auto& v : cache::routines) {
        if (!v.intrinsic) {
            EXPECT_EQ(cache::assembly_twin(v), nullptr);
            continue;
        }
        ++intrinsics;
        auto twin = cache::assembly_twin(v);
        ASSERT_NE(twin, nullptr) << v.name;
        EXPECT_EQ(std::string(twin->op), v.op);
        EXPECT_EQ(std::string(twin->barrier), v.barrier);
        EXPECT_EQ(v.arch, cache::Arch::x86_64);
    }
    EXPECT_EQ(intrinsics, 3);
}

TEST(CacheFeatures, MissingFeatureOrArchGivesAReason) {
    cache_probe::Features none;
    none.arch = cache::Arch::x86_64;
    EXPECT_NE(cache_probe::feature_skip(*cache::find("clflushopt_sfence"), none).find("CLFLUSHOPT"),
              std::string::npos);
    EXPECT_NE(cache_probe::feature_skip(*cache::find("clwb_none"), none).find("CLWB"),
              std::string::npos);
    EXPECT_NE(cache_probe::feature_skip(*cache::find("intrinsic_clflush_mfence"), none)
                  .find("CLFLUSH"),
              std::string::npos);
    EXPECT_NE(cache_probe::feature_skip(*cache::find("civac_dsb_sy"), none).find("arm64 only"),
              std::string::npos);

    cache_probe::Features all{cache::Arch::x86_64, true, true, true, false};
    EXPECT_EQ(cache_probe::feature_skip(*cache::find("clwb_sfence"), all), "");

    cache_probe::Features arm{cache::Arch::arm64, false, false, false, false};
    EXPECT_EQ(cache_probe::feature_skip(*cache::find("civac_dsb_sy"), arm), "");
    EXPECT_NE(cache_probe::feature_skip(*cache::find("cvap_dsb_ish"), arm).find("HWCAP_DCPOP"),
              std::string::npos);
    arm.dcpop = true;
    EXPECT_EQ(cache_probe::feature_skip(*cache::find("cvap_dsb_ish"), arm), "");
    EXPECT_NE(cache_probe::feature_skip(*cache::find("clflush_mfence"), arm).find("x86_64 only"),
              std::string::npos);
}

TEST(CacheFeatures, SkipReasonHereAgreesWithTheFeatureBits) {
    auto here = cache_probe::features_here();
    int runnable = 0;
    for (const auto& v : cache::routines) {
        auto feature = cache_probe::feature_skip(v, here);
        auto reason = cache_probe::skip_reason(v);
        if (!feature.empty()) {
            EXPECT_EQ(reason, feature) << v.name;
        } else if (!reason.empty()) {
            // The bit says yes but the instruction faulted in the probe child
            // (qemu-user advertises DCPOP without implementing DC CVAP at EL0).
            EXPECT_NE(reason.find("probe child"), std::string::npos) << v.name << ": " << reason;
            EXPECT_NE(v.need, cache::Need::nothing) << v.name << ": " << reason;
        } else {
            ++runnable;
        }
    }
    // The baseline operations (DC CIVAC, CLFLUSH) run on every Linux we support.
    EXPECT_EQ(cache_probe::skip_reason(*cache::find(
                  cache::this_arch == cache::Arch::arm64 ? "civac_dsb_sy" : "clflush_mfence")),
              "");
    EXPECT_GT(runnable, 0);
}

namespace {
// A pattern no flush can produce by accident: every byte differs from its neighbours.
unsigned char pattern(std::size_t i) { return static_cast<unsigned char>(i * 131 + 7); }
}  // namespace

TEST(CacheRoutines, RealRoutinesLeaveDataUnchanged) {
    const std::size_t line = cpu::dcache_line();
    const std::size_t size = 5 * 4096;
    std::vector<unsigned char> buffer(size + 4096);
    auto base = reinterpret_cast<unsigned char*>(
        (reinterpret_cast<std::uintptr_t>(buffer.data()) + 4095) & ~std::uintptr_t(4095));
    int ran = 0;
    for (const auto& v : cache::routines) {
        if (!cache_probe::skip_reason(v).empty()) continue;
        ASSERT_NE(v.run, nullptr) << v.name;
        for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = pattern(i);
        // Aligned, misaligned, tiny, empty and multi-page.
        struct { std::size_t offset, len; } cases[] = {
            {0, line},        {line, 4 * line}, {3, 1},         {line - 1, 2},
            {17, 0},          {5, 9 * line + 3}, {4096 - 7, 3 * 4096 + 11}, {0, 4 * 4096},
        };
        for (auto c : cases) v.run(base + c.offset, c.len, line);
        for (std::size_t i = 0; i < buffer.size(); ++i)
            ASSERT_EQ(buffer[i], pattern(i)) << v.name << " changed byte " << i;
        // A write right after the flush lands (the line is still usable).
        base[100] = 0x5a;
        v.run(base, 4096, line);
        EXPECT_EQ(base[100], 0x5a) << v.name;
        ++ran;
    }
    EXPECT_GT(ran, 0) << "no routine runs here";
    std::printf("ran %d routines with line %zu\n", ran, line);
}

TEST(CacheErrata, CortexA53EarlyRevisionsAreAffected) {
    // MIDR: implementer[31:24] variant[23:20] arch[19:16] part[15:4] revision[3:0].
    EXPECT_EQ(cache_probe::clean_cache_errata(0x410fd030), "826319, 827319, 824069, 819472");
    EXPECT_EQ(cache_probe::clean_cache_errata(0x410fd031), "826319, 827319, 824069, 819472");
    EXPECT_EQ(cache_probe::clean_cache_errata(0x410fd032), "826319, 827319, 824069");
    EXPECT_EQ(cache_probe::clean_cache_errata(0x410fd033), "");  // r0p3
    EXPECT_EQ(cache_probe::clean_cache_errata(0x410fd034), "");  // r0p4
    EXPECT_EQ(cache_probe::clean_cache_errata(0x411fd030), "");  // r1p0
    EXPECT_EQ(cache_probe::clean_cache_errata(0x410fd070), "");  // Cortex-A57 r0p0
    EXPECT_EQ(cache_probe::clean_cache_errata(0x510fd030), "");  // not an ARM part number
}

TEST(CacheErrata, StampNamesTheAffectedCpusFromSysfs) {
    auto root = fs::temp_directory_path() / ("dmabench_cache_sysfs_" + std::to_string(getpid()));
    auto put = [&](const std::string& cpu, const std::string& midr) {
        auto dir = root / "devices/system/cpu" / cpu / "regs/identification";
        fs::create_directories(dir);
        std::ofstream(dir / "midr_el1") << midr << "\n";
    };
    put("cpu0", "0x00000000410fd034");  // A53 r0p4: fine
    put("cpu1", "0x00000000410fd034");
    put("cpu2", "0x00000000410fd031");  // A53 r0p1: all four errata
    put("cpu3", "0x00000000410fd031");
    put("cpu10", "0x00000000411fd070");
    fs::create_directories(root / "devices/system/cpu/cpufreq");  // not a CPU

    auto midrs = cache_probe::read_midrs(root.string());
    ASSERT_EQ(midrs.size(), 5u);
    EXPECT_EQ(midrs[0].first, 0u);
    EXPECT_EQ(midrs[4].first, 10u);
    EXPECT_EQ(midrs[4].second, 0x411fd070u);

    auto stamp = cache_probe::errata_stamp(midrs);
    EXPECT_NE(stamp.find("CPU 2,3:"), std::string::npos) << stamp;
    EXPECT_NE(stamp.find("Cortex-A53 r0p1"), std::string::npos) << stamp;
    EXPECT_NE(stamp.find("819472"), std::string::npos) << stamp;
    EXPECT_NE(stamp.find("promoting"), std::string::npos) << stamp;

    midrs.erase(midrs.begin() + 2, midrs.begin() + 4);
    EXPECT_EQ(cache_probe::errata_stamp(midrs), "");
    EXPECT_EQ(cache_probe::errata_stamp({}), "");
    fs::remove_all(root);
}
