// `dmabench experiment`: the 2014 Xen-on-arm64 review's claims, each run as
// the benchmarks it needs, interleaved and repeated, and judged by the 95 %
// interval of a ratio of medians, never by more than the data shows.
#include "bench/commands.hpp"
#include "bench/registry.hpp"
#include "bench/run.hpp"
#include "results/record.hpp"
#include "results/stats.hpp"
#include "runners/probe.hpp"

#include <cstdio>
#include <filesystem>
#include <regex>

namespace dmabench {
using nlohmann::json;
namespace fs = std::filesystem;
namespace {

// A subject benchmark is paired with the baseline whose name differs only
// in `baseline` standing where the subject has `subject`.
struct Pairing {
    std::string subject, baseline;
    bool subject_slower;  // what the claim predicts
};

struct Experiment {
    const char* name;
    const char* claim;     // as the thread put it
    const char* question;  // what is measured
    const char* filter;    // POSIX ERE over benchmark names
    const char* metric;    // per-unit counter compared (the families time batches)
    std::vector<Pairing> pairings;
};

std::vector<Pairing> eras_against(const std::vector<std::string>& baselines) {
    std::vector<Pairing> v;
    for (const char* era : {"memblock", "memblock_nomap", "sparsemem", "sparsemem_s30",
                            "sparsemem_memblock", "flat", "xen_p2m"})
        for (auto& b : baselines)
            v.push_back({std::string("lookup/") + era + "/", "lookup/" + b + "/", true});
    return v;
}

const std::vector<Experiment>& experiments() {
    static const std::vector<Experiment> table = {
        {"hypercall-vs-call", "hypercalls are slower than function calls",
         "a real exit to the hypervisor against a direct call, an ops-table call and a system call",
         "^call/(direct|ops_table|syscall_raw|hypercall|hypercall_ptp_kvm)/", "ns_per_call",
         {{"call/hypercall/", "call/direct/", true},
          {"call/hypercall/", "call/ops_table/", true},
          {"call/hypercall/", "call/syscall_raw/", true},
          {"call/hypercall_ptp_kvm/", "call/direct/", true}}},
        {"pfn-valid-vs-flag",
         "pfn_valid() is more expensive than simply comparing the mfn with pfn ... it may be "
         "quicker to simply pass a bool foreign argument",
         "every pfn_valid era and Xen's p2m lookup against the flag and the pfn != mfn compare, "
         "on small and large memory maps and board profiles",
         "^lookup/[a-z0-9_]+/map:(regions-1/nodes:0|regions-1024/nodes:0|regions-16/nodes:512|"
         "rpi3/nodes:[0-9]+|server-efi/nodes:[0-9]+|numa2/nodes:[0-9]+|xen-dom0/nodes:[0-9]+)/"
         "pattern:random_ram/foreign:(0|50)/chain:branch$", "ns_per_lookup",
         eras_against({"flag", "pfn_ne_mfn"})},
        {"map-unmap-symmetry",
         "flushing locally at map and asking the hypervisor at unmap (the 2014 patch) costs less "
         "than asking the hypervisor both times, and more than flushing locally both times",
         "dmamap/map_asymmetric against dmamap/xen_hypercall and dmamap/xen_local",
         "^dmamap/(map_asymmetric|xen_hypercall|xen_local)/lookup:[a-z0-9_]+/dir:bidirectional/"
         "size:(64|4096|65536)/", "ns_per_pair",
         {{"dmamap/map_asymmetric/", "dmamap/xen_hypercall/", false},
          {"dmamap/map_asymmetric/", "dmamap/xen_local/", true}}},
        {"lazy-unmap",
         "you may not lose much ... you could do the unmapping lazily",
         "temporary mappings of a foreign page unmapped in batches of 8, 64 and 512 against "
         "one munmap each",
         "^dmamap/temp_mapping/unmap_batch:(1|8|64|512)/lookup:[a-z0-9_]+/dir:bidirectional/size:4096/",
         "ns_per_pair",
         {{"/unmap_batch:8/", "/unmap_batch:1/", false},
          {"/unmap_batch:64/", "/unmap_batch:1/", false},
          {"/unmap_batch:512/", "/unmap_batch:1/", false}}},
        {"swiotlb-bounce",
         "bouncing through swiotlb costs more than flushing the buffer in place",
         "dmamap/swiotlb against dmamap/native, by size, for each direction",
         "^dmamap/(swiotlb|native)/dir:[a-z_]+/size:(64|1024|16384|262144|1048576)/", "ns_per_pair",
         {{"dmamap/swiotlb/", "dmamap/native/", true}}},
    };
    return table;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
    auto pos = s.find(from);
    return pos == std::string::npos ? s : s.replace(pos, from.size(), to);
}

struct Outcome {
    std::string subject, baseline, verdict;
    results::Ratio r;
};

json judge(const Experiment& e, const json& doc, std::vector<Outcome>& out) {
    auto samples = results::samples(doc, e.metric);
    int support = 0, contra = 0, unsure = 0;
    for (auto& [name, v] : samples)
        for (auto& p : e.pairings) {
            if (name.find(p.subject) == std::string::npos) continue;
            auto base = samples.find(replace_once(name, p.subject, p.baseline));
            if (base == samples.end()) continue;
            auto r = results::median_ratio(v, base->second);
            bool slower = r.lo > 1, faster = r.hi < 1;
            std::string verdict;
            if (v.size() < 6 || base->second.size() < 6) verdict = "too few repetitions", ++unsure;
            else if ((slower && p.subject_slower) || (faster && !p.subject_slower)) verdict = "supports", ++support;
            else if (slower || faster) verdict = "contradicts", ++contra;
            else verdict = "no significant difference", ++unsure;
            out.push_back({name, base->first, verdict, r});
        }
    std::string overall = out.empty()                      ? "inconclusive"
                          : support == int(out.size())     ? "supported"
                          : contra == int(out.size())      ? "contradicted"
                                                           : "inconclusive";
    json comps = json::array();
    for (auto& o : out)
        comps.push_back({{"subject", o.subject}, {"baseline", o.baseline}, {"ratio", o.r.value},
                         {"ci95", {o.r.lo, o.r.hi}}, {"outcome", o.verdict}});
    return {{"name", e.name}, {"claim", e.claim}, {"question", e.question},
            {"verdict", overall}, {"supports", support}, {"contradicts", contra},
            {"inconclusive", unsure}, {"comparisons", comps},
            {"metric", e.metric},
            {"method", "ratio of medians of interleaved repetitions, 95 % percentile "
                       "bootstrap interval; a comparison supports or contradicts the claim only "
                       "when its interval excludes 1"}};
}

// Variants the experiment needs that cannot run here, with their reasons.
std::vector<std::string> missing_pieces(const Experiment& e, bool quick) {
    Options o;
    o.quick = quick;
    auto reg = Registry::build(o);
    std::regex re(e.filter, std::regex::extended);
    std::vector<std::string> missing;
    for (auto& p : e.pairings)
        for (const std::string* part : {&p.subject, &p.baseline}) {
            bool runs = false;
            std::string why = "no benchmark of this name is registered";
            for (auto& c : reg.cases())
                if (auto n = reg.reported_name(c);
                    n.find(*part) != std::string::npos && std::regex_search(n, re)) {
                    if (c.skip.empty()) runs = true;
                    else why = c.skip;
                }
            std::string line = *part + ": " + why;
            if (!runs && std::find(missing.begin(), missing.end(), line) == missing.end())
                missing.push_back(line);
        }
    return missing;
}

}  // namespace

int cmd_experiment(const std::string& name, bool list, bool quick, const std::string& out) {
    if (list || name.empty()) {
        for (auto& e : experiments()) std::printf("%-20s %s\n", e.name, e.question);
        return 0;
    }
    const Experiment* e = nullptr;
    std::string names;
    for (auto& x : experiments()) {
        if (name == x.name) e = &x;
        names += std::string(names.empty() ? "" : ", ") + x.name;
    }
    if (!e) throw BadInput("experiment '" + name + "': unknown (accepted: " + names + ")");

    results::Destination dest(out);
    // With the record on stdout, the verdict goes to stderr.
    FILE* say = dest.is_stdout() ? stderr : stdout;
    std::fprintf(say, "experiment %s\nclaim      \"%s\"\nmachine    %s\n", e->name, e->claim,
                 probe::machine_line(probe::platform()).c_str());
    // A pairing whose two sides both run is enough; say what cannot.
    auto missing = missing_pieces(*e, quick);
    for (auto& m : missing) std::fprintf(say, "cannot run %s\n", m.c_str());

    RunArgs a;
    a.filter = e->filter;
    a.repetitions = quick ? "6" : "12";
    a.min_time = quick ? "0.01" : "0.05";
    a.quick = quick;
    a.interleave = true;
    a.pmu = "none";  // counters would only add noise to a timing question
    a.command_line = std::string("dmabench experiment ") + e->name + (quick ? " --quick" : "");
    a.argv0 = "dmabench";
    a.out = out;
    json doc;
    try {
        doc = execute(a);
    } catch (const BadInput&) {
        std::fprintf(say, "verdict    not run: none of the benchmarks it needs can run here\n");
        return 0;
    }
    std::vector<Outcome> outcomes;
    json j = judge(*e, doc, outcomes);
    j["cannot_run"] = missing;
    doc["context"]["dmabench"]["experiment"] = j;
    dest.write(doc.dump(2) + "\n");

    for (auto& o : outcomes)
        std::fprintf(say, "  %-58s\n    vs %-55s %7.3fx [%.3f, %.3f]  %s\n", o.subject.c_str(),
                     o.baseline.c_str(), o.r.value, o.r.lo, o.r.hi, o.verdict.c_str());
    if (outcomes.empty())
        std::fprintf(say, "verdict    inconclusive: no pair of benchmarks could be compared here\n");
    else
        std::fprintf(say, "verdict    %s (%d of %zu comparisons support, %d contradict, %d inconclusive)\n",
                     j["verdict"].get<std::string>().c_str(), j["supports"].get<int>(), outcomes.size(),
                     j["contradicts"].get<int>(), j["inconclusive"].get<int>());
    if (probe::platform()["emulated"]["value"].get<bool>())
        std::fprintf(say, "note       EMULATED: these ratios describe qemu, not hardware\n");
    std::fprintf(say, "record     %s\n", out.c_str());
    if (dest.streamed())
        std::fprintf(stderr, "dmabench: %s is a stream: render it with `dmabench report FILE` "
                             "from a saved copy\n", out.c_str());
    else if (run_report({"render", out}) != 0)
        std::fprintf(stderr, "dmabench: the report of %s could not be rendered\n", out.c_str());
    return 0;
}

}  // namespace dmabench
