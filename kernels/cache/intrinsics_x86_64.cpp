// The reference loops for the x86_64 routines: the same walk (start rounded
// down to its line, one instruction per line while below the end, then the
// fence) written in plain C++ over the compiler's intrinsics. This file alone
// is compiled with -mclflushopt -mclwb (see CMakeLists.txt), so nothing else in
// the program may be scheduled with those instructions; callers check CPUID.
#include "kernels/cache/cache.hpp"

#include <immintrin.h>

namespace {

template <class Flush, class Fence>
inline void by_line(void* p, std::size_t len, std::size_t line, Flush flush, Fence fence) {
    if (len != 0) {
        auto a = reinterpret_cast<std::uintptr_t>(p) & ~(std::uintptr_t(line) - 1);
        const auto end = reinterpret_cast<std::uintptr_t>(p) + len;
        for (; a < end; a += line) flush(reinterpret_cast<void*>(a));
    }
    fence();
}

}  // namespace

extern "C" {

void dmabench_cache_intrinsic_clflush_mfence(void* p, std::size_t len, std::size_t line) {
    by_line(p, len, line, [](void* a) { _mm_clflush(a); }, [] { _mm_mfence(); });
}

void dmabench_cache_intrinsic_clflushopt_sfence(void* p, std::size_t len, std::size_t line) {
    by_line(p, len, line, [](void* a) { _mm_clflushopt(a); }, [] { _mm_sfence(); });
}

void dmabench_cache_intrinsic_clwb_sfence(void* p, std::size_t len, std::size_t line) {
    by_line(p, len, line, [](void* a) { _mm_clwb(a); }, [] { _mm_sfence(); });
}

}
