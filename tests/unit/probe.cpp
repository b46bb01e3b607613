// The probe's parsers and verdicts, fed register values and machine evidence.
#include "runners/cpu.hpp"
#include "runners/cpulist.hpp"
#include "runners/probe.hpp"

#include <gtest/gtest.h>

using namespace dmabench;

TEST(Midr, DecodesCortexA53r0p4) {
    auto m = cpu::decode_midr(0x410fd034);
    EXPECT_EQ(m.implementer, 0x41u);
    EXPECT_EQ(m.implementer_name, "ARM");
    EXPECT_EQ(m.part, 0xd03u);
    EXPECT_EQ(m.part_name, "Cortex-A53");
    EXPECT_EQ(m.variant, 0u);
    EXPECT_EQ(m.revision, 4u);
    EXPECT_EQ(m.architecture, 0xfu);
}

TEST(Midr, DecodesVariantAndOtherVendors) {
    auto n1 = cpu::decode_midr(0x413fd0c1);  // Neoverse-N1 r3p1
    EXPECT_EQ(n1.part_name, "Neoverse-N1");
    EXPECT_EQ(n1.variant, 3u);
    EXPECT_EQ(n1.revision, 1u);
    EXPECT_EQ(cpu::decode_midr(0x431f0af1).part_name, "ThunderX2");
    EXPECT_EQ(cpu::decode_midr(0x481fd010).implementer_name, "HiSilicon");
}

TEST(Midr, UnknownCodesAreShownInHex) {
    auto m = cpu::decode_midr(0x7f0f1234);
    EXPECT_EQ(m.implementer_name, "unknown (0x7f)");
    EXPECT_EQ(m.part_name, "unknown (0x123)");
}

TEST(Ctr, DecodesLineSizes) {
    // Cortex-A53 CTR_EL0 = 0x84448004: DminLine 4 (64 B), IminLine 4 (64 B).
    auto c = cpu::decode_ctr(0x84448004);
    EXPECT_EQ(c.dminline_bytes, 64u);
    EXPECT_EQ(c.iminline_bytes, 64u);
    EXPECT_FALSE(c.idc);
    EXPECT_FALSE(c.dic);
    // Neoverse-N1 style with IDC and DIC set, 64 B lines.
    auto n = cpu::decode_ctr(0xb444c004);
    EXPECT_TRUE(n.idc);
    EXPECT_TRUE(n.dic);
    // A 128 B D-line (DminLine 5), 32 B I-line (IminLine 3).
    auto w = cpu::decode_ctr(0x00050003);
    EXPECT_EQ(w.dminline_bytes, 128u);
    EXPECT_EQ(w.iminline_bytes, 32u);
}

TEST(Ctr, LineSizeOfThisMachineIsAPowerOfTwo) {
    unsigned l = cpu::dcache_line();
    EXPECT_GE(l, 16u);
    EXPECT_EQ(l & (l - 1), 0u);
}

TEST(CpuList, ParsesRangesAndLists) {
    EXPECT_EQ(parse_cpu_list("1"), (std::vector<unsigned>{1}));
    EXPECT_EQ(parse_cpu_list("0-3"), (std::vector<unsigned>{0, 1, 2, 3}));
    EXPECT_EQ(parse_cpu_list("3,0-1"), (std::vector<unsigned>{3, 0, 1}));
    EXPECT_EQ(format_cpu_list({0, 1, 2, 5, 7, 8}), "0-2,5,7-8");
}

TEST(CpuList, RefusesBadInputNamingIt) {
    for (const char* bad : {"x", "3-1", "", "1,", "-1", "1-", "1,1", "0-99999", "1.5"}) {
        try {
            parse_cpu_list(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
                << e.what();
        }
    }
}

// What the probe would read on a machine of arch with this /proc/cpuinfo.
probe::Evidence seen(const char* arch, const char* cpuinfo) {
    probe::Evidence e;
    e.arch = arch;
    e.cpuinfo = cpuinfo;
    return e;
}

TEST(Emulation, QemuUserIsSeenFromAForeignCpuinfo) {
    probe::Evidence e = seen("arm64", "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t: fpu\n");
    auto v = probe::emulated(e);
    EXPECT_TRUE(v.value);
    EXPECT_NE(v.how.find("qemu-user"), std::string::npos);
}

TEST(Emulation, NativeArm64IsNotEmulated) {
    probe::Evidence e = seen("arm64", "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n");
    EXPECT_FALSE(probe::emulated(e).value);
    EXPECT_FALSE(probe::virtualised(e).value);
}

TEST(Emulation, QemuSystemTcgOnArm64AndX86) {
    probe::Evidence a = seen("arm64", "CPU implementer\t: 0x41\n");
    a.dt_compatible = "linux,dummy-virt";
    EXPECT_TRUE(probe::emulated(a).value);
    a.kvm_ptp = true;  // the same machine under KVM is virtualised, not emulated
    EXPECT_FALSE(probe::emulated(a).value);
    EXPECT_TRUE(probe::virtualised(a).value);

    probe::Evidence x = seen("x86_64", "vendor_id\t: AuthenticAMD\n");
    x.hypervisor_signature = "TCGTCGTCGTCG";
    EXPECT_TRUE(probe::emulated(x).value);
}

TEST(Hypervisor, KvmSignatureIsVirtualisedNotEmulated) {
    probe::Evidence x = seen("x86_64", "vendor_id\t: GenuineIntel\n");
    x.hypervisor_signature = "KVMKVMKVM";
    EXPECT_FALSE(probe::emulated(x).value);
    EXPECT_TRUE(probe::virtualised(x).value);
    EXPECT_EQ(probe::hypervisor(x)["name"], "KVM");
    x.hypervisor_signature = "";
    EXPECT_FALSE(probe::virtualised(x).value);
    EXPECT_EQ(probe::hypervisor(x)["name"], "none");
}

TEST(Platform, HasTheStableKeys) {
    const auto& p = probe::platform();
    for (const char* k : {"arch", "cpu", "cache_line_bytes", "timer", "kernel", "hypervisor",
                          "emulated", "virtualised", "topology"})
        EXPECT_TRUE(p.contains(k)) << k;
    EXPECT_GT(p["timer"]["hz"].get<double>(), 1e6);
    EXPECT_GE(p["topology"]["pus"].get<int>(), 1);
}
