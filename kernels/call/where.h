/* Where a row of paths.inc has its loop, in this build: the row's where column
 * picks one of three arguments,
 *
 *   DMABENCH_CALL_WHERE_<where>(in_asm, in_cxx, absent)
 *
 * in_asm for a body this arch's .S has (any, or this arch), in_cxx for a C++
 * loop (cxx), absent for the other arch's bodies and for none. Plain C
 * preprocessor, for the .S files and call.hpp alike. */
#ifndef DMABENCH_KERNELS_CALL_WHERE_H
#define DMABENCH_KERNELS_CALL_WHERE_H
#define DMABENCH_CALL_WHERE_any(in_asm, in_cxx, absent) in_asm
#define DMABENCH_CALL_WHERE_cxx(in_asm, in_cxx, absent) in_cxx
#define DMABENCH_CALL_WHERE_none(in_asm, in_cxx, absent) absent
#if defined(__x86_64__)
#define DMABENCH_CALL_WHERE_x86_64(in_asm, in_cxx, absent) in_asm
#define DMABENCH_CALL_WHERE_arm64(in_asm, in_cxx, absent) absent
#elif defined(__aarch64__)
#define DMABENCH_CALL_WHERE_x86_64(in_asm, in_cxx, absent) absent
#define DMABENCH_CALL_WHERE_arm64(in_asm, in_cxx, absent) in_asm
#endif
#endif
