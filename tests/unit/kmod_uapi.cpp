// The user side of the module's request table (runners/kmod_uapi.hpp) and
// the per-operation figures made from the samples it copies out.
#include "runners/kmod_probe.hpp"
#include "runners/kmod_uapi.hpp"

#include <gtest/gtest.h>

#include <cstddef>

using namespace dmabench;

TEST(KmodUapi, OperationsAreTheStatsRowsInOrder) {
    using V = std::vector<std::string>;
    EXPECT_EQ(kmod::Uapi<dmabench_call_req>::operations(), (V{"timer", "call", "hypercall"}));
    EXPECT_EQ(kmod::Uapi<dmabench_map_req>::operations(), (V{"map", "unmap"}));
    EXPECT_EQ(kmod::Uapi<dmabench_devmap_req>::operations(), (V{"map", "unmap"}));
    EXPECT_EQ(kmod::Uapi<dmabench_xen_foreign_req>::operations(),
              (V{"local_map", "local_unmap", "foreign_map", "foreign_unmap"}));
    EXPECT_TRUE(kmod::Uapi<dmabench_bind_req>::operations().empty());
    dmabench_map_req m{};
    auto st = kmod::Uapi<dmabench_map_req>::stats(m);
    ASSERT_EQ(st.size(), 2u);
    EXPECT_EQ(st[0], &m.map);
    EXPECT_EQ(st[1], &m.unmap);
}

TEST(KmodUapi, InputsAreSetByNameAndNothingElse) {
    dmabench_devmap_req r{};
    EXPECT_TRUE(kmod::Uapi<dmabench_devmap_req>::set(r, "granule", 16));
    EXPECT_TRUE(kmod::Uapi<dmabench_devmap_req>::set(r, "ticks", 0x1000));
    EXPECT_EQ(r.granule, 16u);
    EXPECT_EQ(r.ticks, 0x1000u);
    EXPECT_FALSE(kmod::Uapi<dmabench_devmap_req>::set(r, "size", 4096));  // not a DEVMAP input
    EXPECT_FALSE(kmod::Uapi<dmabench_devmap_req>::set(r, "map", 1));      // an output
    // A value the field cannot hold is refused, never truncated.
    EXPECT_THROW(kmod::Uapi<dmabench_devmap_req>::set(r, "samples", uint64_t(1) << 32), std::logic_error);
    EXPECT_EQ(kmod::Uapi<dmabench_devmap_req>::number, static_cast<unsigned long>(DMABENCH_IOC_DEVMAP));
}

TEST(KmodUapi, ArgValuesAreTheUapiEnums) {
    EXPECT_EQ(kmod::field_value("dir", "to_device"), uint64_t(DMABENCH_DIR_TO_DEVICE));
    EXPECT_EQ(kmod::field_value("dir", "bidirectional"), uint64_t(DMABENCH_DIR_BIDIRECTIONAL));
    EXPECT_EQ(kmod::field_value("state", "clean"), uint64_t(DMABENCH_STATE_CLEAN));
    EXPECT_EQ(kmod::field_value("coherent", "yes"), 1u);
    EXPECT_EQ(kmod::field_value("mode", "sg"), uint64_t(DMABENCH_MODE_SG));
    EXPECT_EQ(kmod::field_value("op", "clean_inval_pou"), uint64_t(DMABENCH_CACHE_CLEAN_INVAL_POU));
    EXPECT_EQ(kmod::field_value("size", "4096"), 4096u);
    EXPECT_THROW(kmod::field_value("dir", "sideways"), std::logic_error);
    for (uint32_t d : {DMABENCH_DIR_BIDIRECTIONAL, DMABENCH_DIR_TO_DEVICE, DMABENCH_DIR_FROM_DEVICE})
        EXPECT_EQ(kmod::field_value("dir", kmod::dir_name(d)), d);
    for (uint32_t op = 0; op < DMABENCH_CACHE_OPS; ++op)
        EXPECT_EQ(kmod::field_value("op", kmod::cache_op_name(op)), op);
}

// Figures per operation from every sample: exact mean and extremes, and the
// one quantile (type 7) for the median and p99.
TEST(KmodUapi, SummariseIsExactOverEverySample) {
    std::vector<uint64_t> ticks{40, 10, 30, 20};  // per sample of 2 operations
    auto o = kmod::summarise(ticks, 2, 1'000'000'000);  // 1 tick = 1 ns
    EXPECT_EQ(o.samples, 4u);
    EXPECT_DOUBLE_EQ(o.ticks_min, 5);
    EXPECT_DOUBLE_EQ(o.ticks_max, 20);
    EXPECT_DOUBLE_EQ(o.ticks_mean, 12.5);
    EXPECT_DOUBLE_EQ(o.ticks_median, 12.5);           // (20 + 30) / 2 / 2
    EXPECT_DOUBLE_EQ(o.ticks_p99, (30 + 0.97 * 10) / 2);  // h = 2.97
    EXPECT_DOUBLE_EQ(o.ns_median, 12.5);
    EXPECT_EQ(kmod::summarise({}, 2, 1).samples, 0u);
}
