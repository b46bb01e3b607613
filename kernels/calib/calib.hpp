// Calibration kernels: the harness floor and a ladder of dependent adds.
// Plain declarations only: no harness headers, so they lift into any harness.
#pragma once
#include <cstdint>

extern "C" {
// Returns at once: what one call through the harness costs with nothing inside.
void dmabench_calib_empty(void);
// dmabench_calib_ladder_<adds>(x, step): adds dependent adds of step to x; returns x.
#define DMABENCH_CALIB_RUNG(adds) uint64_t dmabench_calib_ladder_##adds(uint64_t, uint64_t);
#include "kernels/calib/rungs.inc"
#undef DMABENCH_CALIB_RUNG
}

namespace dmabench::calib {

struct LadderRung {
    unsigned adds;
    uint64_t (*fn)(uint64_t, uint64_t);
};

// Every rung of rungs.inc, in its order.
inline constexpr LadderRung ladder[] = {
#define DMABENCH_CALIB_RUNG(adds) {adds, dmabench_calib_ladder_##adds},
#include "kernels/calib/rungs.inc"
#undef DMABENCH_CALIB_RUNG
};

}  // namespace dmabench::calib
