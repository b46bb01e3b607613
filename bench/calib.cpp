// calib/: the harness floor and a ladder of dependent adds. The ladder's time
// must grow linearly in the number of adds; its slope is one add's latency.
// One iteration is one call of the routine; batches last ~20 us (the harness
// sizes them), so Time is ns per call with the clock's cost spread thin. The
// rungs are the rows of kernels/calib/rungs.inc.
#include <iterator>
#include <memory>
#include <string>

#include "bench/harness.hpp"
#include "kernels/calib/calib.hpp"

namespace dmabench {
namespace {

void empty_kernel(uint64_t n, void*) {
    while (n--) dmabench_calib_empty();
}

// Each call starts from the last result: calls chain too.
struct Accumulator {
    uint64_t (*fn)(uint64_t, uint64_t);
    uint64_t x = 0, step = 1;
};

void ladder_kernel(uint64_t n, void* context) {
    auto* c = static_cast<Accumulator*>(context);
    uint64_t x = c->x;
    while (n--) x = c->fn(x, c->step);
    c->x = x;
}

// One rung's run: its adds are the units of ns_per_add (rung 0 counts as one)
// and the adds counter.
Work setup_rung(const calib::LadderRung& rung) {
    auto acc = std::make_shared<Accumulator>(Accumulator{rung.fn});
    benchmark::DoNotOptimize(acc->step);
    return Work{.kernel = ladder_kernel, .context = acc.get(),
                .units_per_op = double(rung.adds ? rung.adds : 1),
                .figures = {{"adds", double(rung.adds)}},
                .keep = acc};
}

void register_calib(Registry& r) {
    const auto& top = calib::ladder[std::size(calib::ladder) - 1];
    r.variant({"calib/empty", "an empty assembly routine (call and return): the harness floor", ""});
    r.variant({"calib/ladder",
               "K dependent integer adds in assembly (K = " + std::to_string(calib::ladder[0].adds) + ".." +
                   std::to_string(top.adds) +
                   "); time is linear in K and the slope is the latency of one add",
               ""});
    r.add({.family = "calib", .variant = "empty", .op = "call",
           .setup = [](benchmark::State&, Thread&) { return Work{.kernel = empty_kernel}; },
           .tags = {{"kind", "floor"}}});
    for (const auto& rung : calib::ladder)
        r.add({.family = "calib", .variant = "ladder", .args = {{"adds", rung.adds}}, .op = "call",
               .unit = "add", .setup = [&rung](benchmark::State&, Thread&) { return setup_rung(rung); },
               .tags = {{"kind", "ladder"}}});
}

}  // namespace
DMABENCH_FAMILY(calib, register_calib);
}  // namespace dmabench
