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

// One row of ops.inc: an operation, whatever its barrier and unroll.
struct Op {
    const char* name;           // "civac", "clflushopt", ...
    Arch arch;
    Need need;
    const char* linux_barrier;  // what Linux issues after it: "dsb_sy", "sfence", ...
    const char* text;           // what it does, and any substitution made
};

inline constexpr Op ops[] = {
#define DMABENCH_CACHE_OP(op, arch_, need_, barrier, text_) \
    Op{#op, Arch::arch_, Need::need_, #barrier, text_},
#include "kernels/cache/ops.inc"
#undef DMABENCH_CACHE_OP
};

namespace detail {
constexpr bool same(const char* a, const char* b) {
    for (int i = 0;; ++i) {
        if (a[i] != b[i]) return false;
        if (!a[i]) return true;
    }
}
// The row of ops.inc named op; a name not there does not compile where constant.
constexpr const Op& op_row(const char* op) {
    for (const Op& o : ops)
        if (same(o.name, op)) return o;
    throw "cache op not in ops.inc";
}
}  // namespace detail

// One routine of the table: a row of variants.inc, or an intrinsic reference.
struct RoutineRow {
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

#define DMABENCH_CACHE_ROW(arch_, op, barrier, unroll, run_, record_)                            \
    RoutineRow{unroll == 1 ? #op "_" #barrier : #op "_" #barrier "_x" #unroll, Arch::arch_, #op, \
               #barrier, unroll, detail::op_row(#op).need, false,                                \
               "dmabench_cache_" #op "_" #barrier "_x" #unroll, run_, record_},
#define DMABENCH_CACHE_HERE(arch_, op, barrier, unroll)                         \
    DMABENCH_CACHE_ROW(arch_, op, barrier, unroll,                              \
                       dmabench_cache_##op##_##barrier##_x##unroll,            \
                       dmabench_cache_record_##op##_##barrier##_x##unroll)
#define DMABENCH_CACHE_ELSEWHERE(arch_, op, barrier, unroll) \
    DMABENCH_CACHE_ROW(arch_, op, barrier, unroll, nullptr, nullptr)
#define DMABENCH_CACHE_INTRINSIC(op, barrier, run_)                                                \
    RoutineRow{"intrinsic_" #op "_" #barrier, Arch::x86_64, #op, #barrier, 1,                      \
               detail::op_row(#op).need, true, "dmabench_cache_intrinsic_" #op "_" #barrier, run_, \
               nullptr},

// Every routine of both arches; the other arch's rows have no entry point.
inline constexpr RoutineRow routines[] = {
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

// What the routine does, in a sentence or two: the operation (and any
// substitution made for user space), the barrier, the loop shape.
std::string describe(const RoutineRow& v);

// The row named name ("civac_dsb_sy"), or nullptr.
const RoutineRow* find(std::string_view name);

// v's row of ops.inc.
const Op& op_of(const RoutineRow& v);

// The routine the quick suite and the shared-buffer mode sweep for its op:
// Linux's barrier, not unrolled, from the assembly macro.
bool leads_its_op(const RoutineRow& v);

// The row the intrinsic reference is compared with: the same op and barrier,
// unroll 1, from the assembly macro. nullptr for a non-intrinsic row.
const RoutineRow* assembly_twin(const RoutineRow& intrinsic);

}  // namespace dmabench::cache
