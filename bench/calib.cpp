// calib/: the harness floor and a ladder of dependent adds. The ladder's time
// must grow linearly in the number of adds; its slope is one add's latency.
// One iteration is one call of the routine; batches last ~20 us (the harness
// sizes them), so Time is ns per call with the clock's cost spread thin.
#include "bench/harness.hpp"
#include "kernels/calib/calib.hpp"

namespace dmabench {
namespace {

void empty_kernel(uint64_t n, void*) {
    while (n--) dmabench_calib_empty();
}

// Each call starts from the last result: calls chain too.
struct Chain {
    uint64_t (*fn)(uint64_t, uint64_t);
    uint64_t x = 0, step = 1;
};

void ladder_kernel(uint64_t n, void* context) {
    auto* c = static_cast<Chain*>(context);
    uint64_t x = c->x;
    while (n--) x = c->fn(x, c->step);
    c->x = x;
}

void register_calib(Registry& r) {
    r.variant({"calib/empty", "an empty assembly routine (call and return): the harness floor", ""});
    r.variant({"calib/ladder",
               "K dependent integer adds in assembly (K = 0..64); time is linear in K and the "
               "slope is the latency of one add",
               ""});
    r.add({.family = "calib", .variant = "empty", .op = "call",
           .setup = [](benchmark::State&, Thread&) { return Work{.kernel = empty_kernel}; },
           .tags = {{"kind", "floor"}}});
    for (const auto& rung : calib::ladder) {
        r.add({.family = "calib", .variant = "ladder", .args = {{"adds", rung.adds}}, .op = "call",
               .unit = "add",
               .setup = [rung](benchmark::State&, Thread&) {
                   auto chain = std::make_shared<Chain>(Chain{rung.fn});
                   benchmark::DoNotOptimize(chain->step);
                   return Work{.kernel = ladder_kernel, .context = chain.get(),
                               .units_per_op = double(rung.adds ? rung.adds : 1),
                               .finish = [adds = rung.adds](benchmark::State& s, const Summary&) {
                                   s.counters["adds"] = adds;
                               },
                               .keep = chain};
               },
               .tags = {{"kind", "ladder"}}});
    }
}

}  // namespace
DMABENCH_FAMILY(calib, register_calib);
}  // namespace dmabench
