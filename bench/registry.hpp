// The benchmark registry: each family file fills it from its table of variants.
//
// A family file does
//     static void register_calib(dmabench::Registry& r) { r.variant(...); r.add(...); }
//     DMABENCH_FAMILY(calib, register_calib);
// and nothing else needs to know it exists. A case declares its family,
// variant and args (the name is built from them), its operation and unit,
// and how to set up its work (bench/harness.hpp); the harness times it.
#pragma once
#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace dmabench {

class Thread;
struct Work;

// Bad input from the user: one line, exit status 2.
struct BadInput : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// When a case run stops (bench/harness.cpp Plan).
struct Stopping {
    bool adaptive = true;      // false: Google Benchmark's --min-time loop
    double precision = 0.01;   // the 95 % CI half-width over the mean to reach
    double max_seconds = 1.0;  // the cap, preparation included
};

// What the command line decided, as the families need it.
struct Options {
    // The sweep: quick (seconds), default (minutes: what the three uses ask),
    // full (every point, most of an hour).
    bool quick = false;
    bool full = false;
    unsigned threads = 1;           // for cases that honour --threads
    std::vector<unsigned> cpus;     // PUs (OS indices) to pin thread i to cpus[i]
    int mem_node = -1;              // -1: the pinned PU's own NUMA node
    std::vector<std::string> pmu;   // libpfm4 event names to count
    std::string device;             // --device: the PCI address kmod/devmap maps through; "" the module's own
    std::vector<std::string> domains;  // --domain: the IOMMU domain types kmod/devmap runs in, in turn
    unsigned dma_bits = 0;          // --dma-bits: the DMA mask kmod/devmap sets; 0: as bound
    unsigned delay_ns = 0;          // --delay: between map and unmap (dma_map_benchmark's -x)
    unsigned xen_domid = 0, xen_gref = 0;  // --xen-grant DOMID:GREF: a page granted to dom0; 0: none
    Stopping stop;
};

// One row of a family's table, as `dmabench info` shows it.
struct Variant {
    std::string name;         // family/variant
    std::string description;  // what it does, and any substitution made
    std::string skip;         // empty: runs here; otherwise why it cannot
};

// One declared argument: "size" = "4096" becomes the name segment size:4096.
struct Arg {
    std::string key, value;
    Arg(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
    Arg(std::string k, const char* v) : key(std::move(k)), value(v) {}
    Arg(std::string k, std::integral auto v) : key(std::move(k)), value(std::to_string(v)) {}
};
using Args = std::vector<Arg>;

// The values one declared arg takes in each tier; an empty quick or full
// list means the default tier's.
struct Axis {
    std::string key;
    std::vector<std::string> normal, quick = {}, full = {};
    const std::vector<std::string>& at(const Options& o) const {
        if (o.quick && !quick.empty()) return quick;
        if (o.full && !full.empty()) return full;
        return normal;
    }
};
// Numbers as an axis's values: values({64, 4096}), values(kSizes).
std::vector<std::string> values(std::span<const uint64_t> v);
inline std::vector<std::string> values(std::initializer_list<uint64_t> v) { return values({v.begin(), v.size()}); }
// Every point of the axes' product at o's tier, the last axis varying
// fastest (Google Benchmark's ArgsProduct): a sweep is data, not nested loops.
std::vector<Args> sweep(const Options& o, const std::vector<Axis>& axes);

// Builds one run's work on the benchmark thread (bench/harness.hpp); may throw,
// which fails that benchmark with the message.
using Setup = std::function<Work(benchmark::State&, Thread&)>;

// One benchmark: a variant at one point of its sweep.
struct Case {
    std::string family, variant;
    Args args;                 // in name order
    std::string op = "op";     // what one Google Benchmark iteration is: call, lookup, pair
    std::string unit;          // per-unit counters (ns_per_line, PMU /line); empty: the op
    Setup setup;               // null when skipped
    std::string skip;          // empty: runs here; otherwise why it cannot
    bool threaded = false;     // runs on --threads pinned threads at once
    // Written to context.dmabench.cases[<name>] beside family, variant, args
    // and unit, for experiments and plots to select by: era, kind, baseline...
    nlohmann::json tags = nlohmann::json::object();

    std::string name;          // family/variant/arg:value..., built by Registry::add
    const std::string& per() const { return unit.empty() ? op : unit; }
};

class Registry {
public:
    explicit Registry(Options options) : options_(std::move(options)) {}
    const Options& options() const { return options_; }

    void variant(Variant v);
    void add(Case c);  // builds the name; throws std::logic_error on a malformed one
    // Merges tags into the case added last.
    void tag_last(const nlohmann::json& tags) { cases_.back().tags.update(tags); }

    const std::vector<Variant>& variants() const { return variants_; }
    const std::vector<Case>& cases() const { return cases_; }

    // Every family that linked itself in, in name order. A family's bad input
    // (a malformed profile) is a BadInput.
    static Registry build(Options options);

    // The name Google Benchmark will report for c (it appends manual_time, threads:N).
    std::string reported_name(const Case& c) const;
    // c's entry of context.dmabench.cases: family, variant, args, op, unit, tags.
    nlohmann::json tags_json(const Case& c) const;

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
