// The benchmark registry: each family file fills it from its table of variants.
//
// A family file does
//     static void register_calib(dmabench::Registry& r) { r.variant(...); r.add(...); }
//     DMABENCH_FAMILY(calib, register_calib);
// and nothing else needs to know it exists.
#pragma once
#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <vector>

namespace dmabench {

class Thread;

// What the command line decided, as the families need it.
struct Options {
    bool quick = false;             // a reduced sweep that finishes in seconds
    unsigned threads = 1;           // for cases that honour --threads
    std::vector<unsigned> cpus;     // PUs (OS indices) to pin thread i to cpus[i]
    int mem_node = -1;              // -1: the pinned PU's own NUMA node
    std::vector<std::string> pmu;   // libpfm4 event names to count
};

// One row of a family's table, as `dmabench info` shows it.
struct Variant {
    std::string name;         // family/variant
    std::string description;  // what it does, and any substitution made
    std::string skip;         // empty: runs here; otherwise why it cannot
};

using Body = std::function<void(benchmark::State&, Thread&)>;

// One benchmark: a variant at one point of its sweep.
struct Case {
    std::string name;          // family/variant/arg:value...
    Body body;
    std::string skip;          // empty: runs here; otherwise why it cannot
    std::string unit = "op";   // PMU counts are also given per unit (see Thread::per)
    bool threaded = false;     // runs on --threads pinned threads at once
    bool manual_time = false;  // the body calls state.SetIterationTime()
};

class Registry {
public:
    explicit Registry(Options options) : options_(std::move(options)) {}
    const Options& options() const { return options_; }

    void variant(Variant v);
    void add(Case c);  // throws std::logic_error on a malformed name

    const std::vector<Variant>& variants() const { return variants_; }
    const std::vector<Case>& cases() const { return cases_; }

    // Every family that linked itself in, in name order.
    static Registry build(Options options);

    // The name Google Benchmark will report for c (it appends threads:N etc.).
    std::string reported_name(const Case& c) const;

private:
    Options options_;
    std::vector<Variant> variants_;
    std::vector<Case> cases_;
};

using FamilyFn = void (*)(Registry&);
struct FamilyRegistrar {
    FamilyRegistrar(const char* family, FamilyFn fn);
};

#define DMABENCH_FAMILY(family, fn) \
    static const ::dmabench::FamilyRegistrar dmabench_family_##family{#family, fn}

}  // namespace dmabench
