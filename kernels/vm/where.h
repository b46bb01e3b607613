/* Where a row of ops.inc has its loop, in this build:
 *
 *   DMABENCH_VM_WHERE_<where>(here, absent)
 *
 * here for any and this arch, absent for the other arch. Plain C
 * preprocessor, for the .S files and vm.hpp alike. */
#ifndef DMABENCH_KERNELS_VM_WHERE_H
#define DMABENCH_KERNELS_VM_WHERE_H
#define DMABENCH_VM_WHERE_any(here, absent) here
#if defined(__x86_64__)
#define DMABENCH_VM_WHERE_x86_64(here, absent) here
#define DMABENCH_VM_WHERE_arm64(here, absent) absent
#elif defined(__aarch64__)
#define DMABENCH_VM_WHERE_x86_64(here, absent) absent
#define DMABENCH_VM_WHERE_arm64(here, absent) here
#endif
#endif
