// Descriptions and look-ups over the table in cache.hpp.
#include "kernels/cache/cache.hpp"

#include <string_view>

namespace dmabench::cache {
namespace {

struct Text { std::string_view key, text; };

// What each operation does, and which kernel path it stands for.
constexpr Text op_texts[] = {
    {"cvac", "DC CVAC: clean each line to the Point of Coherency, as Linux does when it "
             "maps a buffer for a device (arch_sync_dma_for_device)"},
    {"civac", "DC CIVAC: clean and invalidate each line to the Point of Coherency (a flush). "
              "It also stands in for DC IVAC, the invalidate Linux issues when it unmaps a "
              "buffer a device wrote (dcache_inval_poc): DC IVAC is EL1-only and UNDEFINED at "
              "EL0, so user space times CIVAC in its place, which writes dirty lines back too"},
    {"cvau", "DC CVAU: clean each line to the Point of Unification (instruction/data "
             "coherence; not far enough for a non-coherent device)"},
    {"cvap", "DC CVAP: clean each line to the Point of Persistence (ARMv8.2 DCPOP)"},
    {"clflush", "CLFLUSH: write back and invalidate each line; ordered with stores and with "
                "other CLFLUSHes, so the lines go one after another"},
    {"clflushopt", "CLFLUSHOPT: write back and invalidate each line, weakly ordered so the "
                   "lines overlap; complete only after a fence (Linux's clflush_cache_range "
                   "uses it between two MFENCEs)"},
    {"clwb", "CLWB: write each line back and let it stay cached (x86's clean)"},
};

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

std::string describe(const Variant& v) {
    std::string s;
    if (v.intrinsic)
        s = "plain C++ loop over the compiler intrinsic (reference for the assembly " +
            std::string(v.op) + "_" + v.barrier + "): ";
    s += lookup(op_texts, v.op);
    s += "; ";
    s += lookup(barrier_texts, v.barrier);
    if (v.unroll > 1) s += "; loop unrolled " + std::to_string(v.unroll) + " lines deep";
    s += ". Entry point ";
    s += v.entry;
    s += ".";
    return s;
}

const Variant* find(std::string_view name) {
    for (const auto& v : variants)
        if (name == v.name) return &v;
    return nullptr;
}

const Variant* assembly_twin(const Variant& intrinsic) {
    if (!intrinsic.intrinsic) return nullptr;
    for (const auto& v : variants)
        if (!v.intrinsic && v.unroll == 1 && std::string_view(v.op) == intrinsic.op &&
            std::string_view(v.barrier) == intrinsic.barrier)
            return &v;
    return nullptr;
}

}  // namespace dmabench::cache
