#include "bench/harness.hpp"

#include "runners/pmu.hpp"
#include "runners/topology.hpp"

namespace dmabench {
namespace {

// Where each thread of the running benchmark asked to be and was seen; each
// thread writes its slot before the timed loop's start barrier, thread 0
// reads them all after the loop.
struct Placement { unsigned want; int seen; int node; };
Placement placements[1024];

}  // namespace

Thread::Thread(benchmark::State& state, const Options& options)
    : index_(state.thread_index()) {
    unsigned want = options.cpus.empty() ? 0 : options.cpus[index_ % options.cpus.size()];
    int seen = options.cpus.empty() ? -1 : topology::pin_thread(want);
    pu_ = seen >= 0 ? unsigned(seen) : want;
    node_ = options.mem_node >= 0 ? options.mem_node : topology::node_of(pu_);
    if (!options.pmu.empty()) pmu_ = std::make_unique<pmu::Group>(options.pmu);
    pinned_ = !options.cpus.empty();
    threads_ = state.threads();
    if (pinned_ && index_ < 1024) placements[index_] = {want, seen, node_};
}

// The label names what was achieved: "pu:1,0 node:0", or which thread ran
// somewhere else than asked.
std::string Thread::placement_label() const {
    std::string pus, nodes, failed;
    for (int i = 0; i < threads_ && i < 1024; ++i) {
        const Placement& p = placements[i];
        pus += (i ? "," : "") + std::to_string(p.seen);
        std::string n = std::to_string(p.node);
        if (("," + nodes + ",").find("," + n + ",") == std::string::npos)
            nodes += (nodes.empty() ? "" : ",") + n;
        if (p.seen != int(p.want))
            failed += " thread " + std::to_string(i) + " asked pu:" + std::to_string(p.want) +
                      (p.seen < 0 ? " (location unknown)" : " ran on pu:" + std::to_string(p.seen));
    }
    return failed.empty() ? "pu:" + pus + " node:" + nodes : "pinning failed:" + failed;
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
    if (pinned_ && index_ == 0) state.SetLabel(placement_label());
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
