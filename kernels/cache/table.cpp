// Descriptions and look-ups over the table in cache.hpp.
#include "kernels/cache/cache.hpp"

#include <string_view>

namespace dmabench::cache {
namespace {

struct Text { std::string_view key, text; };

constexpr Text barrier_texts[] = {
    {"dsb_sy", "then DSB SY once after the last line (what Linux does after DC to the PoC)"},
    {"dsb_ish", "then DSB ISH once after the last line (inner shareable; what Linux does "
                "after DC to the PoU)"},
    {"dsb_st", "then DSB ST once after the last line (full system, stores only)"},
    {"dsb_sy_each", "with DSB SY after every line, so each line completes before the next "
                    "is issued"},
    {"none", "with no barrier: the cost of issuing the operations, not of waiting for them"},
    {"mfence", "then MFENCE once after the last line"},
    {"sfence", "then SFENCE once after the last line (enough to order CLFLUSHOPT and CLWB)"},
    {"sfence_each", "with SFENCE after every line, so each line completes before the next"},
};

std::string_view lookup(std::span<const Text> texts, std::string_view key) {
    for (const auto& t : texts)
        if (t.key == key) return t.text;
    return "?";
}

}  // namespace

std::string describe(const RoutineRow& v) {
    std::string s;
    if (v.intrinsic)
        s = "plain C++ loop over the compiler intrinsic (reference for the assembly " +
            std::string(v.op) + "_" + v.barrier + "): ";
    s += op_of(v).text;
    s += "; ";
    s += lookup(barrier_texts, v.barrier);
    if (v.unroll > 1) s += "; loop unrolled " + std::to_string(v.unroll) + " lines deep";
    s += ". Entry point ";
    s += v.entry;
    s += ".";
    return s;
}

const RoutineRow* find(std::string_view name) {
    for (const auto& v : routines)
        if (name == v.name) return &v;
    return nullptr;
}

const Op& op_of(const RoutineRow& v) { return detail::op_row(v.op); }

bool leads_its_op(const RoutineRow& v) {
    const Op& o = op_of(v);
    return !v.intrinsic && v.unroll == 1 && std::string_view(v.barrier) == o.linux_barrier;
}

const RoutineRow* assembly_twin(const RoutineRow& intrinsic) {
    if (!intrinsic.intrinsic) return nullptr;
    for (const auto& v : routines)
        if (!v.intrinsic && v.unroll == 1 && std::string_view(v.op) == intrinsic.op &&
            std::string_view(v.barrier) == intrinsic.barrier)
            return &v;
    return nullptr;
}

}  // namespace dmabench::cache
