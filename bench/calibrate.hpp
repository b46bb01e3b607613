// Calibration: the add ladder and the empty kernel, timed as phases of the
// harness (bench/harness.hpp run_phase), before and after every run and by
// `dmabench calibrate`.
#pragma once
#include "runners/ladder.hpp"

namespace dmabench::calibrate {

// Every rung of the ladder (kernels/calib), the fastest of `samples` batches
// each, and the line through them.
Ladder ladder(int samples = 31);

// The empty kernel per call, in ns (fastest batch), beyond the timer floor.
double empty_ns(int samples = 31);

}  // namespace dmabench::calibrate
