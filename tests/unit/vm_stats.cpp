// runners/kvm without KVM: the binary statistics parser on a buffer laid out
// as Documentation/virt/kvm/api.rst (KVM_GET_STATS_FD) describes, and the
// probe of a KVM device that is not there.
#include <gtest/gtest.h>
#include <linux/kvm.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "runners/kvm.hpp"

using namespace dmabench;

namespace {

// header | id | descriptors (16 bytes + name_size each) | data
std::vector<unsigned char> stats_file(const std::vector<std::pair<std::string, uint64_t>>& stats,
                                      uint32_t name_size = 48) {
    kvm_stats_header h{};
    h.name_size = name_size;
    h.num_desc = uint32_t(stats.size());
    h.id_offset = sizeof h;
    h.desc_offset = h.id_offset + 64;
    h.data_offset = h.desc_offset + h.num_desc * (16 + name_size);
    std::vector<unsigned char> f(h.data_offset + stats.size() * 8 + 8);
    std::memcpy(f.data(), &h, sizeof h);
    std::memcpy(f.data() + h.id_offset, "kvm-1/vcpu-0", 12);
    for (std::size_t i = 0; i < stats.size(); ++i) {
        unsigned char* d = f.data() + h.desc_offset + i * (16 + name_size);
        const uint16_t size = 1;
        const uint32_t offset = uint32_t(8 * (stats.size() - 1 - i));  // data in reverse order
        std::memcpy(d + 6, &size, 2);
        std::memcpy(d + 8, &offset, 4);
        std::memcpy(d + 16, stats[i].first.c_str(), stats[i].first.size());
        std::memcpy(f.data() + h.data_offset + offset, &stats[i].second, 8);
    }
    return f;
}

}  // namespace

TEST(VmStats, ParsesEveryNamedValue) {
    auto f = stats_file({{"exits", 1234}, {"hvc_exit_stat", 1000}, {"mmio_exit_user", 17}});
    auto v = kvm::parse_stats(f);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v["exits"], 1234u);
    EXPECT_EQ(v["hvc_exit_stat"], 1000u);
    EXPECT_EQ(v["mmio_exit_user"], 17u);
}

TEST(VmStats, AFullLengthNameNeedsNoTerminator) {
    const std::string name(8, 'x');
    auto v = kvm::parse_stats(stats_file({{name, 5}}, 8));
    EXPECT_EQ(v.at(name), 5u);
}

TEST(VmStats, OffsetsOutsideTheFileAreRefused) {
    auto f = stats_file({{"exits", 1}});
    EXPECT_THROW(kvm::parse_stats(std::span(f).first(f.size() - 16)), std::runtime_error);  // no data
    EXPECT_THROW(kvm::parse_stats(std::span(f).first(10)), std::runtime_error);             // no header
    kvm_stats_header h;
    std::memcpy(&h, f.data(), sizeof h);
    h.num_desc = 1000;
    std::memcpy(f.data(), &h, sizeof h);
    EXPECT_THROW(kvm::parse_stats(f), std::runtime_error);
}

TEST(VmStats, NoKvmDeviceIsAReasonNotACrash) {
    kvm::Host h = kvm::probe_host("/nonexistent/kvm");
    EXPECT_NE(h.skip.find("no /nonexistent/kvm"), std::string::npos) << h.skip;
    kvm::Host n = kvm::probe_host("/dev/null");  // opens, but is not KVM
    EXPECT_NE(n.skip.find("not KVM"), std::string::npos) << n.skip;
    EXPECT_THROW(kvm::Vm("/nonexistent/kvm"), std::runtime_error);
}
