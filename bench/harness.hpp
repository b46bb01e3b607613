// The one harness every family is timed by.
//
// A family declares a Case (bench/registry.hpp) whose setup builds a Work: a
// kernel with the one C ABI of timed code, `kernel(iterations, context)`, an
// untimed prepare, and how many operations a timed batch holds. The harness
// then does the rest, once for everyone (measure()):
//   - plans the batches (Plan: the one place that decides when to stop);
//   - prepares each batch untimed, then times the kernel over it between two
//     fenced clock reads (runners/clock.hpp), less the timer floor;
//   - counts PMU events only around the kernel;
//   - redoes a batch during which the thread was switched out (one rule);
//   - reports one Google Benchmark iteration per operation (KeepRunningBatch +
//     SetIterationTime over the batch), so Time is the mean per operation, and
//     writes ns_per_<op> (= Time), its _median/_p10/_p90 over batches, and
//     ns_per_<unit> and PMU counts per unit.
//
//     r.add({.family = "calib", .variant = "empty", .op = "call",
//            .setup = [](benchmark::State&, Thread&) {
//                return Work{.kernel = [](uint64_t n, void*) { while (n--) dmabench_calib_empty(); }};
//            }});
#pragma once
#include "bench/registry.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dmabench {

namespace pmu { class Group; }

// The one C ABI of timed code: run `iterations` operations on `context`.
using Kernel = void (*)(uint64_t iterations, void* context);

// A measurement paired with every batch of the case, so the case is compared
// with it a few microseconds apart: <name>_ns (the median over batches of its
// ns per operation) and, when ratio is set, ratio_to_<name> (the median of
// the paired per-batch ratios, _p10, _p90): the one meaning of ratio_to_*.
// Either a kernel the harness times beside each batch (PMU off), or a partner
// the case's own kernel measures in the same batch (the module's empty call
// beside its hypercall): partner_ns gives its ns per operation in the batch
// just timed.
struct Reference {
    std::string name;
    Kernel kernel = nullptr;
    void* context = nullptr;
    uint64_t batch = 1;
    bool ratio = true;
    std::function<double()> partner_ns;
};

// The per-operation timing of one run, for a family's own counters.
struct Timing {
    uint64_t ops = 0;          // Google Benchmark iterations
    double seconds = 0;        // the timed batches' sum (what Time is the mean of)
    double ns_per_op = 0;      // seconds / ops: Time
    double ns_median = 0, ns_p10 = 0, ns_p90 = 0;  // per op, over batches
};

// One run's work, built by Case::setup on the benchmark thread.
struct Work {
    Kernel kernel = nullptr;
    void* context = nullptr;
    // Operations per timed batch; 0: the harness picks a count that lasts
    // about kBatchSeconds. For kernels that consume prepared memory, take
    // batch_for_bytes().
    uint64_t batch = 0;
    // Untimed, before every batch (pass counts from 1): put the memory the
    // batch will touch into its state. Every thread of a threaded case calls it.
    std::function<void(uint64_t pass)> prepare;
    double units_per_op = 1;  // Case::unit per operation (lines per call)
    // What one operation carries, as likwid-bench's kernel rows do: the
    // harness derives bytes_per_second (and, with threads, its sum over them,
    // _all_threads) and writes each figure as a counter of its own.
    double bytes_per_op = 0;
    std::vector<std::pair<std::string, double>> figures;
    // Self-timed kernels (kmod): the seconds the last batch took by their own
    // clock, used in place of the harness's clock reads.
    std::function<double()> own_seconds;
    std::vector<Reference> references;
    // The family's own counters, once the batches are done.
    std::function<void(benchmark::State&, const Timing&)> finish;
    std::shared_ptr<void> keep;  // owns whatever context points into
};

// Memory a batch's buffers may span: every call still finds its own lines in
// the prepared state (16 KiB fits any L1D), and the clock reads are spread
// over many calls when the buffers are small.
inline constexpr std::size_t kBatchBytes = 16 * 1024;
inline uint64_t batch_for_bytes(std::size_t bytes_per_op) {
    return bytes_per_op >= kBatchBytes ? 1 : kBatchBytes / (bytes_per_op ? bytes_per_op : 1);
}
// A batch of a kernel with no memory to prepare lasts at least this long, so
// the clock's resolution and read cost are a small part of it.
inline constexpr double kBatchSeconds = 20e-6;

class Thread {
public:
    Thread(benchmark::State& state, const Options& options);
    ~Thread();
    Thread(const Thread&) = delete;
    Thread& operator=(const Thread&) = delete;

    const Options& options() const { return options_; }
    unsigned pu() const { return pu_; }      // the PU this thread was seen on
    int node() const { return node_; }       // the NUMA node its memory is on
    int index() const { return index_; }     // 0 .. threads-1
    int threads() const { return threads_; }

    // Page-aligned memory bound to node(); freed when the run returns.
    void* alloc(std::size_t bytes);
    template <class T> T* alloc_array(std::size_t n) {
        return static_cast<T*>(alloc(n * sizeof(T)));
    }

    // Every thread of the case waits here until all have arrived (no-op alone).
    void sync();
    // Thread 0's p, handed to every thread (a buffer they all share).
    void* share(void* p);

    // Counters count only between pmu_on() and pmu_off(); the harness does both.
    void pmu_on();
    void pmu_off();

    // Label, and PMU counts per iteration and per unit: ops_run operations
    // ran with the counters on (more than the iterations when batches were redone).
    void finish(benchmark::State& state, const std::string& unit, double units_per_op,
                double ops_run);

private:
    std::string placement_label() const;
    struct Block { void* p; std::size_t bytes; };
    const Options& options_;
    int index_ = 0;
    int threads_ = 1;
    bool pinned_ = false;
    unsigned pu_ = 0;
    int node_ = -1;
    std::vector<Block> blocks_;
    std::unique_ptr<pmu::Group> pmu_;
};

// Times c on this thread: the benchmark body of every case.
void measure(const Case& c, benchmark::State& state, Thread& thread);

// A phase of the harness outside Google Benchmark's loop (calibration, a
// composed path's per-piece split): `count` batches of w on this thread
// alone, by the same rules as measure() (w's batch size or the piloted one,
// prepared untimed, fenced clock reads less the floor, a batch that lost the
// CPU timed once more). Returns each batch's ns per operation; kept, when
// set, is called after each batch that counts (not after one timed again).
std::vector<double> run_phase(Work& w, std::size_t count,
                              const std::function<void()>& kept = {});

}  // namespace dmabench
