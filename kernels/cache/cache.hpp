// Cache maintenance by virtual address: the routines and their table.
//
// Every routine flushes (cleans, invalidates) each cache line that holds a byte
// of [p, p+len), then runs its barrier. line is the maintenance line size in
// bytes, a power of two: 4 << CTR_EL0.DminLine on arm64, CPUID.1:EBX[15:8] * 8
// on x86_64. The routines come from one assembler macro per arch (arm64.S,
// x86_64.S), driven by variants.inc; this header builds the table from the same
// file. No harness headers: a kernel module could include this as it is.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

extern "C" {
#define DMABENCH_CACHE_DECLARE(op, barrier, unroll)                                      \
    void dmabench_cache_##op##_##barrier##_x##unroll(void* p, std::size_t len,         \
                                                     std::size_t line);                \
    std::uintptr_t* dmabench_cache_record_##op##_##barrier##_x##unroll(                \
        const void* p, std::size_t len, std::size_t line, std::uintptr_t* log);
#if defined(__aarch64__)
#define DMABENCH_CACHE_ARM64 DMABENCH_CACHE_DECLARE
#elif defined(__x86_64__)
#define DMABENCH_CACHE_X86_64 DMABENCH_CACHE_DECLARE
#endif
#include "kernels/cache/variants.inc"
#undef DMABENCH_CACHE_ARM64
#undef DMABENCH_CACHE_X86_64
#undef DMABENCH_CACHE_DECLARE

#if defined(__x86_64__)
// The same loops written as plain C++ over the compiler's intrinsics
// (intrinsics_x86_64.cpp): the reference the hand-written routines must match.
void dmabench_cache_intrinsic_clflush_mfence(void* p, std::size_t len, std::size_t line);
void dmabench_cache_intrinsic_clflushopt_sfence(void* p, std::size_t len, std::size_t line);
void dmabench_cache_intrinsic_clwb_sfence(void* p, std::size_t len, std::size_t line);
#endif
}

namespace dmabench::cache {

enum class Arch { arm64, x86_64 };

// What the CPU must have for a routine to run (beyond being of its arch).
enum class Need {
    nothing,     // arm64 DC CVAC/CIVAC/CVAU: EL0 may issue them when SCTLR_EL1.UCI is set
    dcpop,       // arm64 DC CVAP: HWCAP_DCPOP
    clflush,     // CPUID.1:EDX[19]
    clflushopt,  // CPUID.(7,0):EBX[23]
    clwb,        // CPUID.(7,0):EBX[24]
};

using Routine = void (*)(void* p, std::size_t len, std::size_t line);
using Recorder = std::uintptr_t* (*)(const void* p, std::size_t len, std::size_t line,
                                     std::uintptr_t* log);

struct Variant {
    const char* name;     // "civac_dsb_sy", "civac_dsb_sy_x4", "intrinsic_clwb_sfence"
    Arch arch;
    const char* op;       // "civac", "clflushopt", ...
    const char* barrier;  // "dsb_sy", "sfence_each", "none", ...
    unsigned unroll;      // lines per loop iteration
    Need need;
    bool intrinsic;       // a compiler-intrinsic reference loop, not the assembly macro
    const char* entry;    // the routine's symbol
    Routine run;          // nullptr when this build is for the other arch
    Recorder record;      // the same loop recording addresses; nullptr for intrinsics
};

namespace detail {
constexpr Need need_of(const char* op) {
    auto is = [op](const char* s) {
        for (int i = 0;; ++i) {
            if (op[i] != s[i]) return false;
            if (!op[i]) return true;
        }
    };
    return is("cvap")         ? Need::dcpop
           : is("clflush")    ? Need::clflush
           : is("clflushopt") ? Need::clflushopt
           : is("clwb")       ? Need::clwb
                              : Need::nothing;
}
}  // namespace detail

#define DMABENCH_CACHE_ROW(arch_, op, barrier, unroll, run_, record_)                        \
    Variant{unroll == 1 ? #op "_" #barrier : #op "_" #barrier "_x" #unroll, Arch::arch_, #op, \
            #barrier, unroll, detail::need_of(#op), false,                                    \
            "dmabench_cache_" #op "_" #barrier "_x" #unroll, run_, record_},
#define DMABENCH_CACHE_HERE(arch_, op, barrier, unroll)                         \
    DMABENCH_CACHE_ROW(arch_, op, barrier, unroll,                              \
                       dmabench_cache_##op##_##barrier##_x##unroll,            \
                       dmabench_cache_record_##op##_##barrier##_x##unroll)
#define DMABENCH_CACHE_ELSEWHERE(arch_, op, barrier, unroll) \
    DMABENCH_CACHE_ROW(arch_, op, barrier, unroll, nullptr, nullptr)
#define DMABENCH_CACHE_INTRINSIC(op, barrier, run_)                                        \
    Variant{"intrinsic_" #op "_" #barrier, Arch::x86_64, #op, #barrier, 1,                 \
            detail::need_of(#op), true, "dmabench_cache_intrinsic_" #op "_" #barrier, run_, \
            nullptr},

// Every routine of both arches; the other arch's rows have no entry point.
inline constexpr Variant variants[] = {
#if defined(__aarch64__)
#define DMABENCH_CACHE_ARM64(op, barrier, unroll) DMABENCH_CACHE_HERE(arm64, op, barrier, unroll)
#else
#define DMABENCH_CACHE_ARM64(op, barrier, unroll) DMABENCH_CACHE_ELSEWHERE(arm64, op, barrier, unroll)
#endif
#if defined(__x86_64__)
#define DMABENCH_CACHE_X86_64(op, barrier, unroll) DMABENCH_CACHE_HERE(x86_64, op, barrier, unroll)
#else
#define DMABENCH_CACHE_X86_64(op, barrier, unroll) DMABENCH_CACHE_ELSEWHERE(x86_64, op, barrier, unroll)
#endif
#include "kernels/cache/variants.inc"
#if defined(__x86_64__)
    DMABENCH_CACHE_INTRINSIC(clflush, mfence, dmabench_cache_intrinsic_clflush_mfence)
    DMABENCH_CACHE_INTRINSIC(clflushopt, sfence, dmabench_cache_intrinsic_clflushopt_sfence)
    DMABENCH_CACHE_INTRINSIC(clwb, sfence, dmabench_cache_intrinsic_clwb_sfence)
#else
    DMABENCH_CACHE_INTRINSIC(clflush, mfence, nullptr)
    DMABENCH_CACHE_INTRINSIC(clflushopt, sfence, nullptr)
    DMABENCH_CACHE_INTRINSIC(clwb, sfence, nullptr)
#endif
};
#undef DMABENCH_CACHE_ARM64
#undef DMABENCH_CACHE_X86_64
#undef DMABENCH_CACHE_ROW
#undef DMABENCH_CACHE_HERE
#undef DMABENCH_CACHE_ELSEWHERE
#undef DMABENCH_CACHE_INTRINSIC

// The arch this build runs on.
#if defined(__aarch64__)
inline constexpr Arch this_arch = Arch::arm64;
#else
inline constexpr Arch this_arch = Arch::x86_64;
#endif

inline const char* arch_name(Arch a) { return a == Arch::arm64 ? "arm64" : "x86_64"; }

// What the variant does, in a sentence or two: the operation (and any
// substitution made for user space), the barrier, the loop shape.
std::string describe(const Variant& v);

// The row named name ("civac_dsb_sy"), or nullptr.
const Variant* find(std::string_view name);

// The row the intrinsic reference is compared with: the same op and barrier,
// unroll 1, from the assembly macro. nullptr for a non-intrinsic row.
const Variant* assembly_twin(const Variant& intrinsic);

}  // namespace dmabench::cache
