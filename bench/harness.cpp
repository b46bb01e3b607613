#include "bench/harness.hpp"

#include "runners/clock.hpp"
#include "runners/pmu.hpp"
#include "runners/topology.hpp"
#include "results/stats.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <thread>

namespace dmabench {
namespace {

// Where each thread of the running benchmark asked to be and was seen; each
// thread writes its slot before the timed loop's start barrier, thread 0
// reads them all after the loop.
struct Placement { unsigned want; int seen; int node; };
Placement placements[1024];

// The threads of the running case meet here (one case runs at a time).
struct Rendezvous {
    std::atomic<unsigned> arrived{0};
    std::atomic<unsigned> generation{0};
    std::atomic<void*> shared{nullptr};

    void wait(unsigned threads) {
        unsigned gen = generation.load(std::memory_order_acquire);
        if (arrived.fetch_add(1, std::memory_order_acq_rel) + 1 == threads) {
            arrived.store(0, std::memory_order_relaxed);
            generation.fetch_add(1, std::memory_order_release);
            return;
        }
        for (unsigned spins = 0; generation.load(std::memory_order_acquire) == gen; ++spins)
            if (spins > 1000) std::this_thread::yield();  // more threads than free PUs
    }
} meet;

}  // namespace

Thread::Thread(benchmark::State& state, const Options& options)
    : options_(options), index_(state.thread_index()) {
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

void Thread::sync() {
    if (threads_ > 1) meet.wait(unsigned(threads_));
}

void* Thread::share(void* p) {
    if (threads_ < 2) return p;
    if (index_ == 0) meet.shared.store(p, std::memory_order_release);
    sync();
    return meet.shared.load(std::memory_order_acquire);
}

void Thread::pmu_on() {
    if (pmu_) pmu_->enable();
}

void Thread::pmu_off() {
    if (pmu_) pmu_->disable();
}

// PMU counts become counters per iteration, and per unit.
void Thread::finish(benchmark::State& state, const std::string& unit, double units_per_op,
                    double ops_run) {
    if (pinned_ && index_ == 0) state.SetLabel(placement_label());
    if (!pmu_ || state.iterations() == 0 || ops_run <= 0) return;
    using C = benchmark::Counter;
    auto reading = pmu_->read();
    // Per operation run with the counters on; Google Benchmark divides by its iterations.
    const double per_iteration = double(state.iterations()) / ops_run;
    for (auto& [name, count] : reading.counts) {
        state.counters[name] = C(count * per_iteration, C::kAvgIterations);
        state.counters[name + "/" + unit] = C(count * per_iteration / units_per_op, C::kAvgIterations);
    }
    if (reading.multiplexed) state.counters["pmu_multiplexed"] = 1;
}

namespace {

using results::quantile;

// Times this thread was switched out against its will (getrusage
// ru_nivcsw): a batch during which it changed lost the CPU.
long involuntary_switches() {
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_nivcsw;
}

// A batch during which the thread lost the CPU is timed again, at most this
// often (once: a long batch on a busy machine loses the CPU every time): one
// lost time slice would outweigh thousands of operations.
constexpr int kRedo = 1;

// Prepares and times batches of one run; t is null in a phase (run_phase):
// one thread, no PMU.
class Batches {
public:
    Batches(Work& w, Thread* t) : w_(w), t_(t), floor_(clock::floor_ticks()) {}

    struct Timed {
        double seconds;  // less the timer floor
        bool lost;       // switched out meanwhile (getrusage ru_nivcsw, read untimed)
    };

    // One batch of n operations: prepare untimed, then the kernel between two
    // fenced clock reads, with the PMU on only between them when pmu is set.
    // The switch count is read before the preparation, so the system call
    // is not the last thing before the kernel.
    Timed once(uint64_t n, bool pmu) {
        const long switches = involuntary_switches();
        if (w_.prepare) w_.prepare(++pass_);
        pmu = pmu && t_;
        if (t_) t_->sync();
        if (pmu) t_->pmu_on();
        const uint64_t t0 = clock::start();
        w_.kernel(n, w_.context);
        const uint64_t t1 = clock::stop();
        if (pmu) t_->pmu_off();
        const bool lost = involuntary_switches() != switches;
        if (t_) t_->sync();
        if (pmu) ops_run_ += double(n);
        if (w_.own_seconds) return {w_.own_seconds(), lost};
        return {clock::seconds(t1 - t0 > floor_ ? t1 - t0 - floor_ : 0), lost};
    }

    // One timed batch for Google Benchmark: redone while the thread lost the
    // CPU (alone only: threads wait for each other batch by batch).
    Timed counted(uint64_t n) {
        Timed x = once(n, true);
        lost_ += x.lost;
        for (int redo = 0; x.lost && threads() == 1 && redo < kRedo; ++redo) {
            x = once(n, true);
            lost_ += x.lost;
        }
        return x;
    }

    // A reference kernel's ns per operation, beside a batch (PMU off).
    double reference(const Reference& r) const {
        const uint64_t t0 = clock::start();
        r.kernel(r.batch, r.context);
        const uint64_t t1 = clock::stop();
        return clock::seconds(t1 - t0 > floor_ ? t1 - t0 - floor_ : 0) * 1e9 / double(r.batch);
    }

    double floor_ns() const { return clock::seconds(floor_) * 1e9; }
    int threads() const { return t_ ? t_->threads() : 1; }
    double ops_run() const { return ops_run_; }
    unsigned lost() const { return lost_; }

private:
    Work& w_;
    Thread* t_;
    uint64_t floor_;
    uint64_t pass_ = 0;
    double ops_run_ = 0;
    unsigned lost_ = 0;  // timed batches during which the thread lost the CPU
};

// Operations per batch for a kernel with no memory to prepare: doubled from 1
// until a batch lasts kBatchSeconds. Warm first, and take the faster of two
// tries: a first call can be slow for reasons that do not recur (qemu
// translating the code, a page fault), and would leave the batch at one call.
uint64_t pilot(Batches& b) {
    b.once(1, false);
    uint64_t n = 1;
    auto faster = [&](uint64_t k) { return std::min(b.once(k, false).seconds, b.once(k, false).seconds); };
    while (n < (uint64_t(1) << 24) && faster(n) < kBatchSeconds) n *= 2;
    return n;
}

// How many operations each batch holds, and when to stop: the one place that
// decides. The count is the work's own, or doubled from 1 until a batch lasts
// kBatchSeconds (alone: threads would have to agree).
//
// Alone, a case stops adaptively: once the 95 % confidence interval of its
// mean time per operation over batches is within Stopping::precision of the
// mean (Student's t, at least kMinBatches), or when Stopping::max_seconds of
// wall time (preparation included) are spent: quiet cases finish early, noisy
// ones get time, and capped() says which hit the cap. Google Benchmark is
// registered with Iterations(2) and told the count afterwards: a first batch
// of 1 starts its timers, a last one of ops - 1 overshoots by the rest (a
// batch may, by its API), so iterations = the operations run. A warm-up batch
// stands in for the probing runs it then no longer makes. Threaded cases keep
// Google Benchmark's own loop (--min-time): their threads must agree.
class Plan {
public:
    Plan(const Case& c, Work& w, Batches& b, const Thread& t)
        : name_(c.name), batch_(w.batch), stop_(t.options().stop), adaptive_(stop_.adaptive && t.threads() == 1) {
        if (batch_ == 0 && t.threads() > 1)
            throw std::logic_error("a threaded case must give its batch size");
        if (batch_ == 0) batch_ = piloted(c.name, b);
        if (adaptive_) b.once(batch_, false);  // warm-up, discarded
    }
    uint64_t batch() const { return batch_; }

    bool next(benchmark::State& s) {
        if (!adaptive_) return s.KeepRunningBatch(benchmark::IterationCount(batch_));
        if (n_ == 0 && !started_) {
            started_ = true;
            return s.KeepRunningBatch(1);
        }
        if (!done()) return true;
        const uint64_t ops = n_ * batch_;
        if (ops > 1) s.KeepRunningBatch(benchmark::IterationCount(ops - 1));
        bool more = s.KeepRunningBatch(1);
        assert(!more);
        return more;
    }
    // The batch just timed, in ns per operation.
    void took(double ns) {
        ++n_;
        double d = ns - mean_;
        mean_ += d / double(n_);
        m2_ += d * (ns - mean_);
    }
    // The 95 % interval's half-width over the mean (inf under two batches).
    double ci_relative() const {
        if (n_ < 2 || mean_ <= 0) return std::numeric_limits<double>::infinity();
        const double df = double(n_ - 1), z = 1.959964;
        const double t = z + (z * z * z + z) / (4 * df) +
                         (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * df * df);
        return t * std::sqrt(m2_ / df / double(n_)) / mean_;
    }
    bool adaptive() const { return adaptive_; }
    bool capped() const { return capped_; }

private:
    static constexpr uint64_t kMinBatches = 16;

    bool done() {
        // Google Benchmark wants every repetition of a case to run as many
        // operations: the first one's stop decides for the rest.
        static std::map<std::string, std::pair<uint64_t, bool>> decided;
        if (auto it = decided.find(name_); it != decided.end()) {
            capped_ = it->second.second;
            return n_ >= it->second.first;
        }
        if (!decide()) return false;
        decided[name_] = {n_, capped_};
        return true;
    }
    bool decide() {
        if (n_ < kMinBatches) return false;
        if (ci_relative() <= stop_.precision) return true;
        capped_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >=
                  stop_.max_seconds;
        return capped_;
    }
    // Found once per case and kept: every repetition runs batches of one size.
    static uint64_t piloted(const std::string& name, Batches& b) {
        static std::map<std::string, uint64_t> found;
        auto it = found.find(name);
        return it != found.end() ? it->second : (found[name] = pilot(b));
    }
    std::string name_;
    uint64_t batch_;
    Stopping stop_;
    bool adaptive_;
    bool started_ = false, capped_ = false;
    uint64_t n_ = 0;
    double mean_ = 0, m2_ = 0;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The references' samples, each paired with the case's own batch beside it.
struct Paired {
    std::vector<std::vector<double>> ns, ratios;
    explicit Paired(std::size_t n) : ns(n), ratios(n) {}
    // The kernels timed beside a batch, or (partners) what the batch itself measured.
    void time(const std::vector<Reference>& refs, const Batches& b, bool partners) {
        for (std::size_t i = 0; i < refs.size(); ++i)
            if (bool(refs[i].partner_ns) == partners)
                ns[i].push_back(partners ? refs[i].partner_ns() : b.reference(refs[i]));
    }
    void pair(double own_ns) {
        for (std::size_t i = 0; i < ns.size(); ++i)
            if (ns[i].back() > 0) ratios[i].push_back(own_ns / ns[i].back());
    }
};

void put_counters(benchmark::State& s, const Case& c, const Work& w, const Batches& b,
                  uint64_t batch, Timing& sum, std::vector<double>& per_op, Paired& paired) {
    using C = benchmark::Counter;
    auto put = [&](const std::string& k, double v) { s.counters[k] = C(v, C::kAvgThreads); };
    const std::string ns = "ns_per_" + c.op;
    sum.ns_per_op = sum.seconds * 1e9 / double(sum.ops);
    sum.ns_median = quantile(per_op, 0.5);
    sum.ns_p10 = quantile(per_op, 0.1);
    sum.ns_p90 = quantile(per_op, 0.9);
    put(ns, sum.ns_per_op);
    put(ns + "_median", sum.ns_median);
    put(ns + "_p10", sum.ns_p10);
    put(ns + "_p90", sum.ns_p90);
    if (c.per() != c.op) put("ns_per_" + c.per(), sum.ns_per_op / w.units_per_op);
    put(c.op + "s_per_batch", double(batch));
    for (auto& [name, v] : w.figures) put(name, v);
    if (w.bytes_per_op > 0 && sum.ns_per_op > 0) {
        const double rate = w.bytes_per_op / (sum.ns_per_op * 1e-9);
        put("bytes_per_second", rate);
        if (s.threads() > 1) s.counters["bytes_per_second_all_threads"] = C(rate);
    }
    put("timer_floor_ns", b.floor_ns());
    put("preempted_batches", double(b.lost()));
    for (std::size_t i = 0; i < w.references.size(); ++i) {
        const std::string& r = w.references[i].name;
        put(r + "_ns", quantile(paired.ns[i], 0.5));
        if (!w.references[i].ratio || paired.ratios[i].empty()) continue;
        put("ratio_to_" + r, quantile(paired.ratios[i], 0.5));
        put("ratio_to_" + r + "_p10", quantile(paired.ratios[i], 0.1));
        put("ratio_to_" + r + "_p90", quantile(paired.ratios[i], 0.9));
    }
}

}  // namespace

void measure(const Case& c, benchmark::State& s, Thread& t) {
    Work w = c.setup(s, t);
    Batches batches(w, &t);
    Plan plan(c, w, batches, t);
    const uint64_t n = plan.batch();

    Timing sum;
    std::vector<double> per_op;  // ns per operation, one per batch
    Paired paired(w.references.size());
    bool references_first = false;
    while (plan.next(s)) {
        // The references alternate sides, so neither always follows the other.
        references_first = !references_first;
        if (references_first) paired.time(w.references, batches, false);
        Batches::Timed x = batches.counted(n);
        s.SetIterationTime(x.seconds);
        sum.seconds += x.seconds;
        sum.ops += n;
        per_op.push_back(x.seconds * 1e9 / double(n));
        plan.took(per_op.back());
        if (!references_first) paired.time(w.references, batches, false);
        paired.time(w.references, batches, true);
        paired.pair(per_op.back());
    }
    t.sync();  // no thread frees what another may still use
    if (sum.ops == 0) return;
    put_counters(s, c, w, batches, n, sum, per_op, paired);
    if (plan.adaptive()) {
        s.counters["ci95_relative"] = benchmark::Counter(plan.ci_relative(), benchmark::Counter::kAvgThreads);
        s.counters["capped"] = benchmark::Counter(plan.capped() ? 1 : 0, benchmark::Counter::kAvgThreads);
    }
    if (w.finish) w.finish(s, sum);
    t.finish(s, c.per(), w.units_per_op, batches.ops_run());
}

std::vector<double> run_phase(Work& w, std::size_t count, const std::function<void()>& kept) {
    Batches b(w, nullptr);
    const uint64_t n = w.batch ? w.batch : pilot(b);
    std::vector<double> per_op;
    while (per_op.size() < count) {
        Batches::Timed x = b.counted(n);
        per_op.push_back(x.seconds * 1e9 / double(n));
        if (kept) kept();
    }
    return per_op;
}

}  // namespace dmabench
