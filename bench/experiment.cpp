// `dmabench experiment`: the 2014 Xen-on-arm64 review's claims, each run as
// the benchmarks it needs, interleaved and repeated, and judged by the 95 %
// interval of a ratio of medians, never by more than the data shows.
#include "bench/commands.hpp"
#include "bench/paths.hpp"
#include "bench/registry.hpp"
#include "bench/run.hpp"
#include "results/record.hpp"
#include "results/stats.hpp"
#include "runners/probe.hpp"

#include <cstdio>
#include <filesystem>
#include <algorithm>
#include <functional>
#include <array>
#include <cmath>
#include <map>

namespace dmabench {
using nlohmann::json;
namespace fs = std::filesystem;
namespace {

// Cases are picked and paired by the tags C++ wrote for them
// (context.dmabench.cases: family, variant, args, op, unit, kind, era,
// baseline), never by their names.
using Tags = json;
using Pred = std::function<bool(const Tags&)>;

// Is tag (a top-level tag, or args.<key>) one of values?
bool in(const Tags& t, const std::string& tag, std::initializer_list<const char*> values) {
    const json* v = nullptr;
    if (tag.rfind("args.", 0) == 0) {
        if (auto a = t.find("args"); a != t.end())
            if (auto x = a->find(tag.substr(5)); x != a->end()) v = &*x;
    } else if (auto x = t.find(tag); x != t.end()) {
        v = &*x;
    }
    if (!v || !v->is_string()) return false;
    for (const char* x : values)
        if (*v == x) return true;
    return false;
}

// A subject is paired with the baseline whose tags are the same but for
// `differs` (variant, or one arg).
struct Pairing {
    Pred subject, baseline;
    bool subject_slower;  // what the claim predicts
};

struct Experiment {
    const char* name;
    const char* claim;     // as the thread put it
    const char* question;  // what is measured
    Pred select;           // the cases it runs
    std::vector<std::string> differs;  // what a pair differs in: "variant" and/or arg names
    std::vector<Pairing> pairings;
    // Of the ways out to a hypervisor (kind "exit"), run only the best that
    // runs here (lowest exit_rank): a real hypercall before a VM exit.
    bool best_exit = false;
    // What the verdict is given per: a subject tag ("variant", "args.dir"),
    // or "baseline" (the baseline's variant). A claim can hold for some groups
    // and not others; the verdict says which.
    // Several tags, comma-separated ("args.size,args.threads"), group by all.
    std::string group_by = "baseline";
    // The counter judged, per repetition; "": the time per operation.
    std::string metric = "";
    // kmod/devmap's --domain: the IOMMU domain types the claim compares.
    const char* domains = "";
};

Pred variant_is(std::initializer_list<const char*> v) {
    std::vector<std::string> names(v.begin(), v.end());
    return [names](const Tags& t) {
        return std::find(names.begin(), names.end(), t.value("variant", "")) != names.end();
    };
}

Pred arg_is(const char* key, const char* value) {
    return [key, value](const Tags& t) { return in(t, std::string("args.") + key, {value}); };
}

bool is_exit(const Tags& t) { return in(t, "kind", {"exit"}); }

// pfn-valid-vs-flag's maps: small and large synthetic maps without grants, a
// p2m tree of 512 grants, and the board profiles with their own.
bool pfn_valid_point(const Tags& t) {
    if (t.value("family", "") != "lookup") return false;
    if (!in(t, "args.pattern", {"random_ram"}) || !in(t, "args.foreign", {"0", "50"}) ||
        !in(t, "args.chain", {"branch"}))
        return false;
    if (t.value("map_kind", "") == "profile") return true;
    return (in(t, "args.map", {"regions-1", "regions-1024"}) && in(t, "args.nodes", {"0"})) ||
           (in(t, "args.map", {"regions-16"}) && in(t, "args.nodes", {"512"}));
}

const std::vector<Experiment>& experiments() {
    static const Pred eras = variant_is({"memblock", "memblock_nomap", "sparsemem", "sparsemem_s30",
                                         "sparsemem_memblock", "flat", "xen_p2m"});
    static const std::vector<Experiment> table = {
        {"hypercall-vs-call", "hypercalls are slower than function calls",
         "the best exit to the hypervisor that runs here (a KVM hypercall from CPL3, one made by "
         "the ptp_kvm driver, the module's, else CPUID's VM exit) against a direct call, an "
         "ops-table call and a system call",
         [](const Tags& t) {
             return (t.value("family", "") == "call" &&
                     (in(t, "variant", {"direct", "ops_table", "syscall_raw"}) || is_exit(t))) ||
                    (t.value("family", "") == "kmod" && (in(t, "variant", {"call"}) || is_exit(t)));
         },
         {"variant", "exit"},
         {{is_exit, variant_is({"direct"}), true},
          {is_exit, variant_is({"ops_table"}), true},
          {is_exit, variant_is({"syscall_raw"}), true},
          {is_exit, variant_is({"call"}), true}},
         true, "baseline"},
        {"pfn-valid-vs-flag",
         "pfn_valid() is more expensive than simply comparing the mfn with pfn ... it may be "
         "quicker to simply pass a bool foreign argument",
         "every pfn_valid era and Xen's p2m lookup against the flag and the pfn != mfn compare, "
         "on small and large memory maps and board profiles",
         pfn_valid_point, {"variant"},
         {{eras, variant_is({"flag"}), true}, {eras, variant_is({"pfn_ne_mfn"}), true}},
         false, "variant"},  // one replica per era; the record keeps each group's era
        {"map-unmap-symmetry",
         "flushing locally at map and asking the hypervisor at unmap (the 2014 patch) costs less "
         "than asking the hypervisor both times, and more than flushing locally both times",
         "dmamap/map_asymmetric against dmamap/xen_hypercall and dmamap/xen_local; in a Xen dom0 "
         "(--device, --xen-grant), on the real hypervisor, kmod/xen_devmap's granted page (Xen "
         "maintains its caches at map and at unmap) against dom0's own (dom0 both times)",
         [](const Tags& t) {
             if (!in(t, "args.dir", {"bidirectional"})) return false;
             // coherent:no: the maintenance runs at all.
             if (t.value("family", "") == "kmod")
                 return in(t, "variant", {"xen_devmap"}) && in(t, "args.coherent", {"no"});
             return t.value("family", "") == "dmamap" &&
                    in(t, "variant", {"map_asymmetric", "xen_hypercall", "xen_local"}) &&
                    in(t, "args.size", {"64", "4096", "65536"});
         },
         {"variant", "exit", "page"},
         {{variant_is({"map_asymmetric"}), variant_is({"xen_hypercall"}), false},
          {variant_is({"map_asymmetric"}), variant_is({"xen_local"}), true},
          {arg_is("page", "foreign"), arg_is("page", "local"), true}}},
        {"lazy-unmap",
         "you may not lose much ... you could do the unmapping lazily",
         "temporary mappings of a foreign page unmapped in batches of 8, 64 and 512 against "
         "one munmap each",
         [](const Tags& t) {
             return t.value("family", "") == "dmamap" && in(t, "variant", {"temp_mapping"}) &&
                    in(t, "args.unmap_batch", {"1", "8", "64", "512"}) &&
                    in(t, "args.dir", {"bidirectional"}) && in(t, "args.size", {"4096"});
         },
         {"unmap_batch"},
         {{arg_is("unmap_batch", "8"), arg_is("unmap_batch", "1"), false},
          {arg_is("unmap_batch", "64"), arg_is("unmap_batch", "1"), false},
          {arg_is("unmap_batch", "512"), arg_is("unmap_batch", "1"), false}},
         false, "args.unmap_batch"},
        {"batched-sync",
         "one DSB per scatter-gather list instead of one per entry cuts dma_map_sg by 64.6 % and "
         "dma_unmap_sg by 66.6 % (10 MB of 4 KiB entries; \"dma-mapping: arm64: support batched "
         "cache sync\", 2025-26)",
         "dmamap/sg_sync: one barrier per list against one per entry, by direction and list length "
         "(on x86 a proxy: the same flushes and fences, which x86 DMA does not need)",
         [](const Tags& t) { return t.value("family", "") == "dmamap" && in(t, "variant", {"sg_sync"}); },
         {"sync"},
         {{arg_is("sync", "per_list"), arg_is("sync", "per_entry"), false}},
         false, "args.dir"},
        {"swiotlb-bounce",
         "bouncing through swiotlb costs more than flushing the buffer in place",
         "dmamap/swiotlb against dmamap/native, by size, for each direction",
         [](const Tags& t) {
             return t.value("family", "") == "dmamap" && in(t, "variant", {"swiotlb", "native"}) &&
                    in(t, "args.size", {"64", "1024", "16384", "262144", "1048576"});
         },
         {"variant"},
         {{variant_is({"swiotlb"}), variant_is({"native"}), true}},
         false, "args.dir"},
        {"iommu-strict-vs-lazy",
         "lazy unmap (a flush queue: the IOTLB invalidated in batches) is cheaper than strict "
         "unmap (invalidated on every unmap)",
         "kmod/devmap's unmap through the device --device names, its IOMMU group switched to DMA-FQ "
         "(lazy) against DMA (strict), by size and thread count",
         [](const Tags& t) {
             return t.value("family", "") == "kmod" && in(t, "variant", {"devmap"}) &&
                    in(t, "args.domain", {"strict", "lazy"});
         },
         {"domain"},
         {{arg_is("domain", "lazy"), arg_is("domain", "strict"), false}},
         false, "args.size,args.threads", "unmap_ns_mean", "strict,lazy"},
    };
    return table;
}

// What a subject and its baseline share: the tags without `differs`.
json pairing_key(const Tags& t, const std::vector<std::string>& differs) {
    json k = {{"family", t["family"]}, {"args", t["args"]}, {"variant", t["variant"]}};
    for (auto& d : differs)
        if (d == "variant") k.erase("variant");
        else k["args"].erase(d);
    return k;
}

struct Outcome {
    std::string subject, baseline, verdict, group;
    results::Ratio r;
};

// The group a comparison belongs to (Experiment::group_by).
std::string group_of(const std::string& by, const Tags& subject, const Tags& baseline) {
    if (auto comma = by.find(','); comma != std::string::npos)
        return group_of(by.substr(0, comma), subject, baseline) + " " +
               group_of(by.substr(comma + 1), subject, baseline);
    const Tags& t = by == "baseline" ? baseline : subject;
    std::string key = by == "baseline" ? "variant" : by;
    const json* v = nullptr;
    if (key.rfind("args.", 0) == 0) {
        if (t.contains("args") && t["args"].contains(key.substr(5))) v = &t["args"][key.substr(5)];
    } else if (t.contains(key)) {
        v = &t[key];
    }
    std::string text = !v ? "" : v->is_string() ? v->get<std::string>() : v->dump();
    if (by == "baseline" || key == "variant") return text;
    return key.rfind("args.", 0) == 0 ? key.substr(5) + ":" + text : text;
}

// One group's verdict: what its comparisons say together. A group none of
// whose comparisons is significant is "not supported: indistinguishable".
std::string group_verdict(int support, int contra, int unclear, int too_few) {
    int n = support + contra + unclear + too_few;
    if (too_few == n) return "too few repetitions";
    if (support == n) return "supported";
    if (contra == n) return "contradicted";
    if (support == 0 && contra == 0) return "not supported: indistinguishable";
    if (contra == 0) return "partly supported (" + std::to_string(support) + " of " + std::to_string(n) + ")";
    if (support == 0) return "contradicted in part (" + std::to_string(contra) + " of " + std::to_string(n) + ")";
    return "split (" + std::to_string(support) + " support, " + std::to_string(contra) +
           " contradict, of " + std::to_string(n) + ")";
}

json judge(const Experiment& e, const json& doc, std::vector<Outcome>& out) {
    const json& cases = doc["context"]["dmabench"]["cases"];
    int support = 0, contra = 0, unsure = 0;
    std::string metric;
    std::vector<std::string> order;  // groups in the order they first appear
    std::map<std::string, std::array<int, 4>> counts;  // supports, contradicts, unclear, too few
    std::map<std::string, std::string> era;            // the subjects' era, where they have one
    for (auto& p : e.pairings)
        for (auto& [subject, st] : cases.items()) {
            if (!p.subject(st)) continue;
            metric = !e.metric.empty() ? e.metric : "ns_per_" + st["op"].get<std::string>();  // = real_time
            auto samples = results::samples(doc, metric);
            for (auto& [baseline, bt] : cases.items()) {
                if (!p.baseline(bt) || pairing_key(bt, e.differs) != pairing_key(st, e.differs)) continue;
                const auto& v = samples[subject];
                const auto& w = samples[baseline];
                if (v.empty() || w.empty()) continue;
                auto r = results::hl_ratio(v, w);
                bool slower = r.lo > 1, faster = r.hi < 1;
                std::string verdict, group = group_of(e.group_by, st, bt);
                int k;
                if (std::isnan(r.lo)) verdict = "too few repetitions", ++unsure, k = 3;
                else if ((slower && p.subject_slower) || (faster && !p.subject_slower)) verdict = "supports", ++support, k = 0;
                else if (slower || faster) verdict = "contradicts", ++contra, k = 1;
                else verdict = "no significant difference", ++unsure, k = 2;
                if (!counts.count(group)) order.push_back(group);
                if (st.contains("era") && st["era"].is_string()) era[group] = st["era"];
                ++counts[group][k];
                out.push_back({subject, baseline, verdict, group, r});
            }
        }
    // Groups that share a verdict are named together:
    // "supported for A, B; not supported for C: indistinguishable".
    json groups = json::array();
    std::vector<std::pair<std::string, std::vector<std::string>>> by_verdict;
    for (auto& g : order) {
        auto& c = counts[g];
        std::string v = group_verdict(c[0], c[1], c[2], c[3]);
        groups.push_back({{"group", g}, {"verdict", v}, {"supports", c[0]}, {"contradicts", c[1]},
                          {"inconclusive", c[2] + c[3]}});
        if (era.count(g)) groups.back()["era"] = era[g];
        auto it = std::find_if(by_verdict.begin(), by_verdict.end(), [&](auto& x) { return x.first == v; });
        if (it == by_verdict.end()) by_verdict.push_back({v, {g}});
        else it->second.push_back(g);
    }
    // The strongest first: what is supported, then what is not.
    auto rank = [](const std::string& v) {
        for (int i = 0; const char* p : {"supported", "partly", "split", "contradicted in", "not supported",
                                         "contradicted", "too few"})
            if (v.rfind(p, 0) == 0) return i; else ++i;
        return 7;
    };
    std::stable_sort(by_verdict.begin(), by_verdict.end(),
                     [&](auto& a, auto& b) { return rank(a.first) < rank(b.first); });
    std::string overall = by_verdict.empty() ? "inconclusive" : by_verdict.size() == 1 ? by_verdict[0].first : "split";
    std::string finding;
    for (auto& [v, gs] : by_verdict) {
        std::string names;
        for (auto& g : gs) names += (names.empty() ? "" : ", ") + g;
        std::string head = v.substr(0, v.find(':')), tail = v.find(':') == std::string::npos ? "" : v.substr(v.find(':'));
        finding += (finding.empty() ? "" : "; ") + head +
                   (e.group_by == "baseline" ? " against " : " for ") + names + tail;
    }
    json comps = json::array();
    for (auto& o : out)
        comps.push_back({{"subject", o.subject}, {"baseline", o.baseline}, {"ratio", o.r.value},
                         {"ci95", {o.r.lo, o.r.hi}}, {"outcome", o.verdict}, {"group", o.group}});
    return {{"name", e.name}, {"claim", e.claim}, {"question", e.question},
            {"verdict", overall}, {"finding", finding}, {"groups", groups}, {"group_by", e.group_by},
            {"supports", support}, {"contradicts", contra},
            {"inconclusive", unsure}, {"comparisons", comps},
            {"metric", metric.empty() ? "real_time" : metric},
            {"method", "Hodges-Lehmann ratio of interleaved repetitions of the time per operation "
                       "(exp of the median of all pairwise log ratios) with the 95 % interval from "
                       "the exact Mann-Whitney test, as `dmabench compare`; a comparison supports or "
                       "contradicts the claim only when its interval excludes 1; the verdict is given "
                       "per group (" + e.group_by + ")"}};
}

// The best way out to a hypervisor that runs here (lowest exit_rank).
struct BestExit {
    int rank = -1;  // -1: none runs
    std::string name, stamp;
};
BestExit best_exit(const Registry& reg) {
    BestExit b;
    for (auto& c : reg.cases()) {
        json t = reg.tags_json(c);
        int rank = t.value("exit_rank", -1);
        if (!c.skip.empty() || !is_exit(t) || rank < 0 || (b.rank >= 0 && rank >= b.rank)) continue;
        b = {rank, reg.reported_name(c), t.value("exit_stamp", "")};
    }
    return b;
}

// Sides of a pairing that cannot run here, with their reasons.
std::vector<std::string> missing_pieces(const Experiment& e, const Registry& reg) {
    std::vector<std::string> missing;
    for (auto& p : e.pairings)
        for (const Pred* side : {&p.subject, &p.baseline}) {
            bool runs = false;
            std::string what, why = "no benchmark of this kind is registered";
            for (auto& c : reg.cases()) {
                json t = reg.tags_json(c);
                if (!e.select(t) || !(*side)(t)) continue;
                what = c.family + "/" + c.variant;
                if (c.skip.empty()) runs = true;
                else why = c.skip;
            }
            std::string line = (what.empty() ? "a side" : what) + ": " + why;
            if (!runs && std::find(missing.begin(), missing.end(), line) == missing.end())
                missing.push_back(line);
        }
    return missing;
}

}  // namespace
int cmd_experiment(const std::string& name, bool list, const RunArgs& base) {
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
    const bool quick = base.quick;
    const std::string& out = base.out;

    validate(base);
    results::Destination dest(out);
    // With the record on stdout, the verdict goes to stderr.
    FILE* say = dest.is_stdout() ? stderr : stdout;
    std::fprintf(say, "experiment %s\nclaim      \"%s\"\nmachine    %s\n", e->name, e->claim,
                 probe::machine_line(probe::platform()).c_str());

    RunArgs a = base;
    if (*e->domains && a.device.empty()) {
        std::fprintf(say, "cannot run kmod/devmap in %s domains: name the device with --device (a PCI "
                          "function behind an IOMMU, alone in its group, no driver bound; needs dmabench.ko)\n"
                          "verdict    not run: no device named\n", e->domains);
        return 0;
    }
    if (*e->domains) a.domains = e->domains;
    BestExit exit;
    std::vector<std::string> missing;
    // What runs here, as the run registered it: say what cannot (a pairing
    // whose two sides both run is enough), and pick the best exit.
    a.choose = [e, say, &exit, &missing](const Registry& reg) -> RunArgs::Select {
        missing = missing_pieces(*e, reg);
        for (auto& m : missing) std::fprintf(say, "cannot run %s\n", m.c_str());
        if (!e->best_exit) return e->select;
        exit = best_exit(reg);
        std::fprintf(say, "path       %s\n", exit.rank < 0 ? "none: no way out to a hypervisor runs here"
                                                            : (exit.name + ": " + exit.stamp).c_str());
        return [sel = e->select, rank = exit.rank](const json& t) {
            return sel(t) && (!is_exit(t) || t.value("exit_rank", -1) == rank);
        };
    };
    a.repetitions = quick ? "6" : "12";  // >= 4 a side for a 95 % Mann-Whitney interval
    a.min_time = quick ? "0.01" : "0.05";
    a.interleave = true;
    a.pmu = "none";  // counters would only add noise to a timing question
    a.command_line = std::string("dmabench experiment ") + e->name + (quick ? " --quick" : "");
    if (!a.device.empty()) a.command_line += " --device " + a.device;
    if (!a.xen_grant.empty()) a.command_line += " --xen-grant " + a.xen_grant;
    a.argv0 = "dmabench";
    json doc;
    try {
        doc = execute(a);
    } catch (const BadInput& x) {
        // A bad option is the user's; no case to run is the host's.
        if (std::string(x.what()).find("matches no benchmark") == std::string::npos) throw;
        std::fprintf(say, "verdict    not run: none of the benchmarks it needs can run here\n");
        return 0;
    }
    std::vector<Outcome> outcomes;
    json j = judge(*e, doc, outcomes);
    j["cannot_run"] = missing;
    if (e->best_exit && exit.rank < 0) {
        j["verdict"] = "nothing to compare";
        j["why"] = "no way out to a hypervisor runs here (see cannot_run)";
    } else if (e->best_exit) {
        j["path"] = {{"name", exit.name}, {"stamp", exit.stamp}};
        // CPUID that did not leave the guest (bare metal, SEV-ES, no intercept):
        // nothing to compare a hypercall with.
        auto exited = results::samples(doc, "vm_exit");
        if (auto v = exited.find(exit.name); v != exited.end() && !v->second.empty() &&
                                             results::summarise(v->second).median < 0.5) {
            j["verdict"] = "nothing to compare";
            j["why"] = exit.name + " is not a VM exit here (" + exit.stamp +
                       "): no way out to a hypervisor was measured";
        }
    }
    doc["context"]["dmabench"]["experiment"] = j;
    dest.write(doc.dump(2) + "\n");

    for (auto& o : outcomes)
        std::fprintf(say, "  %-58s\n    vs %-55s %7.3fx [%.3f, %.3f]  %s\n", o.subject.c_str(),
                     o.baseline.c_str(), o.r.value, o.r.lo, o.r.hi, o.verdict.c_str());
    if (j.contains("why"))
        std::fprintf(say, "verdict    %s: %s\n", j["verdict"].get<std::string>().c_str(),
                     j["why"].get<std::string>().c_str());
    else if (outcomes.empty())
        std::fprintf(say, "verdict    inconclusive: no pair of benchmarks could be compared here\n");
    else
        std::fprintf(say, "verdict    %s: %s (%d of %zu comparisons support, %d contradict, %d inconclusive)\n",
                     j["verdict"].get<std::string>().c_str(), j["finding"].get<std::string>().c_str(),
                     j["supports"].get<int>(), outcomes.size(), j["contradicts"].get<int>(),
                     j["inconclusive"].get<int>());
    if (probe::platform()["emulated"]["value"].get<bool>())
        std::fprintf(say, "note       EMULATED: these ratios describe qemu, not hardware\n");
    std::fprintf(say, "record     %s\n", out.c_str());
    if (dest.streamed())
        std::fprintf(stderr, "dmabench: %s is a stream: render it with `dmabench report FILE` "
                             "from a saved copy\n", out.c_str());
    else if (paths::kit())
        std::fprintf(stderr, "dmabench: render %s on a workstation with `dmabench report`\n", out.c_str());
    else if (run_report({"render", out}) != 0)
        std::fprintf(stderr, "dmabench: the report of %s could not be rendered\n", out.c_str());
    return 0;
}

}  // namespace dmabench
