// What a benchmark body gets: its pinned thread, memory on the right NUMA
// node, and PMU counters that run only while the timed loop runs.
//
//     r.add({.name = "calib/empty", .body = [](benchmark::State& s, Thread& t) {
//         for (auto _ : t.timed(s)) dmabench_calib_empty();
//     }});
#pragma once
#include "bench/registry.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace dmabench {

namespace pmu { class Group; }

class Thread {
public:
    Thread(benchmark::State& state, const Options& options);
    ~Thread();
    Thread(const Thread&) = delete;
    Thread& operator=(const Thread&) = delete;

    unsigned pu() const { return pu_; }      // the PU this thread was seen on
    int node() const { return node_; }       // the NUMA node its memory is on
    int index() const { return index_; }     // 0 .. threads-1

    // Page-aligned memory bound to node(); freed when the body returns.
    void* alloc(std::size_t bytes);
    template <class T> T* alloc_array(std::size_t n) {
        return static_cast<T*>(alloc(n * sizeof(T)));
    }

    // Counters count only between pmu_on() and pmu_off(); timed() does both.
    void pmu_on();
    void pmu_off();

    // PMU counts are also reported per unit: units of Case::unit per iteration.
    void per(double units_per_iteration) { units_per_iteration_ = units_per_iteration; }

    // for (auto _ : t.timed(state)): the loop, with counters on exactly while it runs.
    class Timed;
    Timed timed(benchmark::State& state);

    void finish(benchmark::State& state, const std::string& unit);  // called by the harness

private:
    std::string placement_label() const;
    struct Block { void* p; std::size_t bytes; };
    int index_ = 0;
    int threads_ = 1;
    bool pinned_ = false;
    unsigned pu_ = 0;
    int node_ = -1;
    double units_per_iteration_ = 0;
    std::vector<Block> blocks_;
    std::unique_ptr<pmu::Group> pmu_;
};

class Thread::Timed {
public:
    class Iter {
    public:
        Iter(benchmark::State::StateIterator it, Thread* t) : it_(it), t_(t) {}
        bool operator!=(const Iter& end) {
            if (it_ != end.it_) return true;
            t_->pmu_off();
            return false;
        }
        Iter& operator++() { ++it_; return *this; }
        benchmark::State::StateIterator::Value operator*() const { return *it_; }
    private:
        benchmark::State::StateIterator it_;
        Thread* t_;
    };
    Timed(benchmark::State& s, Thread& t) : s_(s), t_(t) {}
    Iter begin() { auto it = s_.begin(); t_.pmu_on(); return {it, &t_}; }
    Iter end() { return {s_.end(), &t_}; }
private:
    benchmark::State& s_;
    Thread& t_;
};

inline Thread::Timed Thread::timed(benchmark::State& state) { return {state, *this}; }

}  // namespace dmabench
