#include "bench/harness.hpp"

#include "runners/pmu.hpp"
#include "runners/topology.hpp"

namespace dmabench {

Thread::Thread(benchmark::State& state, const Options& options)
    : index_(state.thread_index()) {
    unsigned want = options.cpus.empty() ? 0 : options.cpus[index_ % options.cpus.size()];
    int seen = options.cpus.empty() ? -1 : topology::pin_thread(want);
    pu_ = seen >= 0 ? unsigned(seen) : want;
    node_ = options.mem_node >= 0 ? options.mem_node : topology::node_of(pu_);
    if (!options.pmu.empty()) pmu_ = std::make_unique<pmu::Group>(options.pmu);
    if (options.cpus.empty()) return;
    if (seen != int(want))
        state.SetLabel("pinning failed: asked pu:" + std::to_string(want) +
                       (seen < 0 ? ", location unknown" : ", ran on pu:" + std::to_string(seen)));
    else if (index_ == 0)
        state.SetLabel("pu:" + std::to_string(pu_) + " node:" + std::to_string(node_));
}

Thread::~Thread() {
    for (auto& b : blocks_) topology::free_on(b.p, b.bytes);
}

void* Thread::alloc(std::size_t bytes) {
    void* p = topology::alloc_on(bytes, node_);
    blocks_.push_back({p, bytes});
    return p;
}

void Thread::pmu_on() {
    if (pmu_) pmu_->enable();
}

void Thread::pmu_off() {
    if (pmu_) pmu_->disable();
}

// PMU counts become counters per iteration, and per unit where the body said
// how many units one iteration is.
void Thread::finish(benchmark::State& state, const std::string& unit) {
    if (!pmu_ || state.iterations() == 0) return;
    auto reading = pmu_->read();
    for (auto& [name, count] : reading.counts) {
        state.counters[name] = benchmark::Counter(count, benchmark::Counter::kAvgIterations);
        if (units_per_iteration_ > 0)
            state.counters[name + "/" + unit] = benchmark::Counter(
                count / units_per_iteration_, benchmark::Counter::kAvgIterations);
    }
    if (reading.multiplexed) state.counters["pmu_multiplexed"] = 1;
}

}  // namespace dmabench
