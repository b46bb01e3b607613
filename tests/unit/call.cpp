// The call family: the loops run, the trap handler steps and is restored, and
// the hypercall/PTP plans decide from their (injected) inputs.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "kernels/call/call.hpp"
#include "runners/call_probe.hpp"

using namespace dmabench;
namespace fs = std::filesystem;

TEST(CallLoops, EveryPortableLoopReturns) {
    for (auto loop : {dmabench_call_loop_empty, dmabench_call_loop_direct,
                      dmabench_call_loop_syscall_libc, dmabench_call_loop_syscall_raw}) {
        loop(0, nullptr);
        loop(1000, nullptr);
    }
    dmabench_call_loop_ops_table(1000, call::ops_device());
}

// paths.inc: every row of this arch (or C++) has its loop, the other arch's
// rows none; the rows of one variant agree on all but their instruction.
TEST(CallTable, EveryRowHasItsLoopWhereItsBodyIs) {
    for (const call::Path& p : call::paths) {
        SCOPED_TRACE(std::string(p.variant) + "/" + p.body);
        EXPECT_GT(p.batch, 0u);
        EXPECT_EQ(p.exit_rank >= 0, std::string_view(p.kind) == "exit") << "a rank is an exit's";
        EXPECT_EQ(call::path_of_body(p.body), &p) << "two rows share a body";
        for (const call::Path& q : call::paths)
            if (std::string_view(q.variant) == p.variant) {
                EXPECT_STREQ(q.kind, p.kind);
                EXPECT_EQ(q.exit_rank, p.exit_rank);
                EXPECT_EQ(q.probe, p.probe);
            }
    }
    EXPECT_EQ(call::path_of_body("empty")->loop, &dmabench_call_loop_empty);
    EXPECT_EQ(call::path_of_body("syscall_raw")->once, &dmabench_call_syscall_raw);
    EXPECT_EQ(call::path_of_body("direct")->once, nullptr);
    EXPECT_EQ(call::path_of_body("hvc")->loop, nullptr) << "HVC cannot run from EL0";
    EXPECT_NE(call::path_of_body("ptp")->loop, nullptr) << "a C++ loop, on both arches";
#if defined(__x86_64__)
    EXPECT_EQ(call::path_of_body("cpuid")->once, &dmabench_call_cpuid);
    EXPECT_EQ(call::hypercall_once(call::Hypercall::vmcall), &dmabench_call_vmcall);
    EXPECT_EQ(call::hypercall_loop(call::Hypercall::vmmcall), &dmabench_call_loop_vmmcall);
#else
    EXPECT_EQ(call::path_of_body("cpuid")->loop, nullptr);
    EXPECT_EQ(call::hypercall_loop(call::Hypercall::vmcall), nullptr);
#endif
    EXPECT_EQ(call::hypercall_once(call::Hypercall::none), nullptr);
}

TEST(CallLoops, OpsTableSlotIsTheEmptyFunction) {
    EXPECT_EQ(call::ops_device()->dma_ops->map_page, &dmabench_call_empty);
}

TEST(CallLoops, RawSyscallIsGetppid) {
    EXPECT_EQ(dmabench_call_syscall_raw(), long(getppid()));
}

namespace {
int sentinel_hits = 0;
void sentinel(int) { ++sentinel_hits; }
}  // namespace

TEST(Trap, GuardStepsOverTrapsAndRestoresThePreviousHandler) {
    struct sigaction mine {}, saved {}, seen {};
    mine.sa_handler = sentinel;
    sigemptyset(&mine.sa_mask);
    ASSERT_EQ(sigaction(SIGILL, &mine, &saved), 0);
    {
        call::TrapGuard guard;
        ASSERT_EQ(sigaction(SIGILL, nullptr, &seen), 0);
        EXPECT_NE(seen.sa_handler, &sentinel) << "the guard did not install its handler";
        uint64_t before = call::TrapGuard::stepped();
        dmabench_call_loop_trap(100, nullptr);
        dmabench_call_trap();
        EXPECT_EQ(call::TrapGuard::stepped() - before, 101u);
        EXPECT_THROW(call::TrapGuard second, std::logic_error);
    }
    ASSERT_EQ(sigaction(SIGILL, nullptr, &seen), 0);
    EXPECT_EQ(seen.sa_handler, &sentinel) << "the previous SIGILL handler was not restored";
    EXPECT_EQ(sentinel_hits, 0);
    sigaction(SIGILL, &saved, nullptr);
    call::TrapGuard again;  // the slot is free once the first guard is gone
}

TEST(Trap, WithoutGuardTheTrapKillsOnlyAChild) {
    std::string why = call_probe::run_in_child([] { return int(dmabench_call_trap()); });
    EXPECT_EQ(why, "killed by SIGILL");
}

TEST(Probe, ChildFaultsAreReportedNotFatal) {
    EXPECT_EQ(call_probe::run_in_child([] { return 0; }), "");
    EXPECT_EQ(call_probe::run_in_child([] { return 3; }), "exited with status 3");
    EXPECT_EQ(call_probe::run_in_child([] { raise(SIGSEGV); return 0; }), "killed by SIGSEGV");
}

TEST(Probe, AHangingChildIsKilledAndReported) {
    EXPECT_EQ(call_probe::run_in_child([] { pause(); return 0; }, 200), "did not finish within 200 ms");
}

#if defined(__x86_64__)
namespace {
call_probe::ChildProbe must_not_probe = [](call::Hypercall) -> std::string {
    ADD_FAILURE() << "probed an instruction that the plan should have ruled out";
    return "";
};
}

TEST(HypercallPlan, NoHypervisorIsUnavailable) {
    auto plan = call_probe::plan_hypercall({"GenuineIntel", false, ""}, must_not_probe);
    EXPECT_EQ(plan.insn, call::Hypercall::none);
    EXPECT_NE(plan.skip.find("no hypervisor"), std::string::npos) << plan.skip;
}

TEST(HypercallPlan, OtherHypervisorsAreUnavailable) {
    for (const char* sig : {"VMwareVMware", "Microsoft Hv", "XenVMMXenVMM", "TCGTCGTCGTCG"}) {
        auto plan = call_probe::plan_hypercall({"GenuineIntel", true, sig}, must_not_probe);
        EXPECT_FALSE(plan.skip.empty()) << sig;
        EXPECT_NE(plan.skip.find(sig), std::string::npos) << plan.skip;
    }
}

TEST(HypercallPlan, KvmPicksTheVendorsInstructionAndHonoursTheProbe) {
    std::vector<call::Hypercall> probed;
    auto ok = [&](call::Hypercall h) { probed.push_back(h); return std::string(); };
    auto amd = call_probe::plan_hypercall({"AuthenticAMD", true, "KVMKVMKVM"}, ok);
    EXPECT_EQ(amd.insn, call::Hypercall::vmmcall);
    EXPECT_EQ(amd.skip, "");
    auto intel = call_probe::plan_hypercall({"GenuineIntel", true, "KVMKVMKVM"}, ok);
    EXPECT_EQ(intel.insn, call::Hypercall::vmcall);
    EXPECT_EQ(probed, (std::vector{call::Hypercall::vmmcall, call::Hypercall::vmcall}));

    auto failing = [](call::Hypercall) { return std::string("vmmcall in a probe child killed by SIGILL"); };
    auto refused = call_probe::plan_hypercall({"AuthenticAMD", true, "KVMKVMKVM"}, failing);
    EXPECT_EQ(refused.skip, "vmmcall in a probe child killed by SIGILL");

    auto odd = call_probe::plan_hypercall({"SomeNewVendor", true, "KVMKVMKVM"}, must_not_probe);
    EXPECT_NE(odd.skip.find("SomeNewVendor"), std::string::npos);
}

// On a KVM guest (these machines) the real thing must work; elsewhere it must
// be refused with a reason, never crash.
TEST(HypercallPlan, ThisMachine) {
    auto id = call_probe::read_hypervisor_id();
    const auto& plan = call_probe::hypercall_plan();
    if (id.signature == "KVMKVMKVM") {
        ASSERT_EQ(plan.skip, "") << "a KVM guest should answer " << call::name(plan.insn);
        EXPECT_EQ(call::hypercall_once(plan.insn)(), call::kKvmDeniedFromUser);
        call::hypercall_loop(plan.insn)(10, nullptr);
    } else {
        EXPECT_FALSE(plan.skip.empty());
    }
}

TEST(HypercallPlan, WrongInstructionFailsInTheChildOnly) {
    // The vendor's other instruction is #UD (SIGILL) or refused by KVM; either
    // way the parent survives and the answer is a sentence, not a crash.
    auto id = call_probe::read_hypervisor_id();
    if (id.signature != "KVMKVMKVM") GTEST_SKIP() << "not a KVM guest";
    auto plan = call_probe::hypercall_plan();
    auto other = plan.insn == call::Hypercall::vmmcall ? call::Hypercall::vmcall : call::Hypercall::vmmcall;
    std::string why = call_probe::probe_hypercall_in_child(other);
    std::printf("%s: %s\n", call::name(other), why.empty() ? "answered -KVM_EPERM" : why.c_str());
}
#else
TEST(HypercallPlan, Arm64SaysWhyNot) {
    auto plan = call_probe::plan_hypercall({}, [](call::Hypercall) { return std::string(); });
    EXPECT_NE(plan.skip.find("EL0"), std::string::npos) << plan.skip;
}
#endif

namespace {
struct FakeSysfs {
    fs::path root = fs::temp_directory_path() / ("dmabench-ptp-" + std::to_string(getpid()));
    FakeSysfs() { fs::create_directories(root / "class" / "ptp"); }
    ~FakeSysfs() { fs::remove_all(root); }
    void clock(const std::string& name, const std::string& clock_name) {
        fs::create_directories(root / "class" / "ptp" / name);
        std::ofstream(root / "class" / "ptp" / name / "clock_name") << clock_name << "\n";
    }
};
}  // namespace

TEST(CpuidExitPlan, StampsWhatTheProbeKnows) {
    auto native = call_probe::plan_cpuid_exit({"GenuineIntel", false, ""}, "fpu vme sse2");
    auto kvm = call_probe::plan_cpuid_exit({"AuthenticAMD", true, "KVMKVMKVM"}, "fpu sse2 hypervisor");
    auto bhyve = call_probe::plan_cpuid_exit({"AuthenticAMD", true, "bhyve bhyve "}, "fpu hypervisor");
    auto sev = call_probe::plan_cpuid_exit({"AuthenticAMD", true, "KVMKVMKVM"}, "fpu sev sev_es hypervisor");
#if defined(__x86_64__)
    EXPECT_TRUE(native.skip.empty());
    EXPECT_FALSE(native.may_exit);
    EXPECT_NE(native.stamp.find("not virtualised: CPUID executes natively"), std::string::npos);
    EXPECT_TRUE(kvm.may_exit);
    EXPECT_TRUE(bhyve.may_exit);
    EXPECT_NE(bhyve.stamp.find("bhyve"), std::string::npos);
    EXPECT_FALSE(sev.may_exit);
    EXPECT_NE(sev.stamp.find("not a VM exit"), std::string::npos);
    // One round trip returns the highest standard leaf, as CPUID.0 does.
    EXPECT_GE(dmabench_call_cpuid(), 1);
    dmabench_call_loop_cpuid(3, nullptr);
#else
    for (auto& p : {native, kvm, bhyve, sev}) {
        EXPECT_FALSE(p.skip.empty());
        EXPECT_FALSE(p.may_exit);
    }
#endif
}

TEST(PtpPlan, FindsTheKvmClockAmongOthers) {
    FakeSysfs sys;
    sys.clock("ptp0", "igb");
    sys.clock("ptp1", "KVM virtual PTP");
    auto plan = call_probe::plan_ptp_kvm(sys.root.string(), "/dev");
    EXPECT_EQ(plan.skip, "");
    EXPECT_EQ(plan.device, "/dev/ptp1");
}

TEST(PtpPlan, NoKvmClockIsUnavailable) {
    FakeSysfs sys;
    EXPECT_NE(call_probe::plan_ptp_kvm(sys.root.string()).skip.find("not loaded"), std::string::npos);
    sys.clock("ptp0", "igb");
    auto plan = call_probe::plan_ptp_kvm(sys.root.string());
    EXPECT_EQ(plan.device, "");
    EXPECT_NE(plan.skip.find("KVM virtual PTP"), std::string::npos);
    EXPECT_NE(call_probe::plan_ptp_kvm("/nonexistent-root").skip, "");
}

TEST(PtpPlan, ABadDescriptorIsAnErrorNotACrash) {
    // EBADF natively; qemu-user refuses ioctls it cannot translate first.
    EXPECT_LT(call::ptp_precise_loop(-1, 1), 0);
}
