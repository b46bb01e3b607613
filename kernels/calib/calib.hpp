// Calibration kernels: the harness floor and a ladder of dependent adds.
// Plain declarations only: no harness headers, so they lift into any harness.
#pragma once
#include <array>
#include <cstdint>

extern "C" {
// Returns at once: what one call through the harness costs with nothing inside.
void dmabench_calib_empty(void);
// dmabench_calib_ladder_K(x, step): K dependent adds of step to x; returns x.
#define DMABENCH_LADDER(k) uint64_t dmabench_calib_ladder_##k(uint64_t, uint64_t);
DMABENCH_LADDER(0) DMABENCH_LADDER(1) DMABENCH_LADDER(2) DMABENCH_LADDER(4)
DMABENCH_LADDER(8) DMABENCH_LADDER(16) DMABENCH_LADDER(32) DMABENCH_LADDER(64)
#undef DMABENCH_LADDER
}

namespace dmabench::calib {

struct LadderRung {
    unsigned adds;
    uint64_t (*fn)(uint64_t, uint64_t);
};

inline constexpr std::array<LadderRung, 8> ladder{{
    {0, dmabench_calib_ladder_0},   {1, dmabench_calib_ladder_1},
    {2, dmabench_calib_ladder_2},   {4, dmabench_calib_ladder_4},
    {8, dmabench_calib_ladder_8},   {16, dmabench_calib_ladder_16},
    {32, dmabench_calib_ladder_32}, {64, dmabench_calib_ladder_64},
}};

}  // namespace dmabench::calib
