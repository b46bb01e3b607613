// calib/: the harness floor and a ladder of dependent adds. The ladder's time
// must grow linearly in the number of adds; its slope is one add's latency.
#include "bench/harness.hpp"
#include "kernels/calib/calib.hpp"

namespace dmabench {
namespace {

void register_calib(Registry& r) {
    r.variant({"calib/empty", "an empty assembly routine (call and return): the harness floor", ""});
    r.variant({"calib/ladder",
               "K dependent integer adds in assembly (K = 0..64); time is linear in K and the "
               "slope is the latency of one add",
               ""});
    r.add({.name = "calib/empty",
           .body = [](benchmark::State& s, Thread& t) {
               t.per(1);
               for (auto _ : t.timed(s)) dmabench_calib_empty();
           },
           .unit = "call"});
    for (const auto& rung : calib::ladder) {
        r.add({.name = "calib/ladder/adds:" + std::to_string(rung.adds),
               .body = [rung](benchmark::State& s, Thread& t) {
                   // Each call starts from the last result: calls chain too.
                   uint64_t x = 0, step = 1;
                   benchmark::DoNotOptimize(step);
                   t.per(rung.adds ? rung.adds : 1);
                   for (auto _ : t.timed(s)) x = rung.fn(x, step);
                   benchmark::DoNotOptimize(x);
                   s.counters["adds"] = rung.adds;
               },
               .unit = "add"});
    }
}

}  // namespace
DMABENCH_FAMILY(calib, register_calib);
}  // namespace dmabench
