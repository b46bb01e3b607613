// The vm/ guest's image, without KVM: every row of ops.inc this arch has is a
// loop inside the image, the image and the shared page fit the guest's
// memory, and each exit's instruction is in its own loop and in no other
// (so the control, the no_exit loop, truly leaves nothing out of the guest).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/vm/vm.hpp"

using namespace dmabench;

namespace {

using Bytes = std::vector<unsigned char>;

bool contains(std::span<const unsigned char> hay, const Bytes& needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

// Each exit's instruction as the assembler encodes it.
struct Encoding {
    const char* op;
    Bytes bytes;
};
#if defined(__x86_64__)
const std::vector<Encoding> encodings = {{"vmcall", {0x0f, 0x01, 0xc1}},
                                         {"vmmcall", {0x0f, 0x01, 0xd9}},
                                         {"cpuid", {0x0f, 0xa2}}};
#else
const std::vector<Encoding> encodings = {{"hvc", {0x02, 0x00, 0x00, 0xd4}}};  // hvc #0
#endif

}  // namespace

TEST(VmLayout, TheImageAndThePagesFitTheGuestsMemory) {
    EXPECT_GT(vm::image().size(), 0u);
    EXPECT_LE(vm::image().size(), std::size_t(DMABENCH_VM_CODE_BYTES));
    EXPECT_GE(DMABENCH_VM_SHARED_GPA, DMABENCH_VM_CODE_GPA + DMABENCH_VM_CODE_BYTES);
    EXPECT_LE(DMABENCH_VM_SHARED_GPA + DMABENCH_VM_FIELD_HZ + 8, DMABENCH_VM_TABLE_GPA);
    EXPECT_LE(DMABENCH_VM_STACK_TOP, DMABENCH_VM_RAM_GPA + DMABENCH_VM_RAM_BYTES);
    // The exits' addresses have no memory slot behind them.
    for (uint64_t gpa : {uint64_t(DMABENCH_VM_MMIO_USER_GPA), uint64_t(DMABENCH_VM_DOORBELL_GPA),
                         uint64_t(DMABENCH_VM_MMIO_KERNEL_GPA)})
        EXPECT_TRUE(gpa < DMABENCH_VM_RAM_GPA || gpa >= DMABENCH_VM_RAM_GPA + DMABENCH_VM_RAM_BYTES) << gpa;
}

TEST(VmLayout, EveryRowOfThisArchIsALoopInTheImage) {
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (const vm::Op& op : vm::ops) {
        SCOPED_TRACE(op.name);
        auto loop = vm::loop_of(op);
        EXPECT_EQ(op.here, !loop.empty());
        if (!op.here) continue;
        const std::size_t at = std::size_t(loop.data() - vm::image().data());
        EXPECT_LE(at + loop.size(), vm::image().size());
        for (auto [a, n] : spans) EXPECT_TRUE(at >= a + n || at + loop.size() <= a) << "overlaps";
        spans.emplace_back(at, loop.size());
    }
    EXPECT_EQ(vm::op_named("no_exit")->key, std::string_view("control"));
    EXPECT_EQ(vm::op_named("nonesuch"), nullptr);
}

TEST(VmLayout, EachExitsInstructionIsInItsLoopAlone) {
    for (const Encoding& e : encodings) {
        SCOPED_TRACE(e.op);
        for (const vm::Op& op : vm::ops)
            if (op.here) EXPECT_EQ(contains(vm::loop_of(op), e.bytes), std::string_view(op.name) == e.op) << op.name;
    }
}

TEST(VmLayout, ExitsNameTheirStatisticAndRank) {
    for (const vm::Op& op : vm::ops) {
        SCOPED_TRACE(op.name);
        const bool exit = std::string_view(op.key) == "exit";
        EXPECT_EQ(exit, op.exit_rank >= 0);
        if (exit && op.here) EXPECT_NE(std::string_view(op.stat), "");
        if (!exit) EXPECT_EQ(std::string_view(op.stat), "");
    }
}
