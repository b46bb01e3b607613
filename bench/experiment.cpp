// `dmabench experiment`: the 2014 Xen-on-arm64 review's claims, each run as
// the benchmarks it needs, interleaved and repeated, and judged by the 95 %
// interval of a Hodges-Lehmann ratio, never by more than the data shows.
#include "bench/commands.hpp"
#include "bench/paths.hpp"
#include "bench/registry.hpp"
#include "bench/run.hpp"
#include "kernels/lookup/lookup.hpp"
#include "results/record.hpp"
#include "results/stats.hpp"
#include "runners/probe.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

namespace dmabench {
using nlohmann::json;
namespace {

// Cases are picked and paired by the tags C++ wrote for them
// (context.dmabench.cases: family, variant, args, op, unit, kind, era,
// baseline), never by their names.
using Tags = json;
using Select = RunArgs::Select;

// A tag's value: a top-level tag, or args.<key> for an arg; null when absent.
const json* tag(const Tags& t, const std::string& name) {
    const json* holder = &t;
    std::string key = name;
    if (name.rfind("args.", 0) == 0) {
        auto a = t.find("args");
        if (a == t.end()) return nullptr;
        holder = &*a, key = name.substr(5);
    }
    auto v = holder->find(key);
    return v == holder->end() ? nullptr : &*v;
}

// Is the tag one of values?
bool in(const Tags& t, const std::string& name, const std::vector<std::string>& values) {
    const json* v = tag(t, name);
    return v && v->is_string() && std::find(values.begin(), values.end(), v->get<std::string>()) != values.end();
}

Select variant_is(std::vector<std::string> variants) {
    return [variants](const Tags& t) { return in(t, "variant", variants); };
}

Select arg_is(const std::string& key, const std::string& value) {
    return [key, value](const Tags& t) { return in(t, "args." + key, {value}); };
}

bool is_exit(const Tags& t) { return in(t, "kind", {"exit"}); }

// A pfn_valid era or Xen's p2m lookup: a lookup replica that models a kernel
// (its `era`) and reads the memory map or the p2m tree (not a `baseline`),
// and that the lookup family's own table marks an era (xen_p2m_walk, the
// p2m lookup without its lock, is a diagnostic).
bool is_era(const Tags& t) {
    const json* era = tag(t, "era");
    return in(t, "family", {"lookup"}) && t.value("baseline", true) == false && era &&
           era->is_string() && !era->get<std::string>().empty() && lookup::is_era(t.value("variant", ""));
}

// pfn-valid-vs-flag's maps: small and large synthetic maps without grants, a
// p2m tree of 512 grants, and the board profiles with their own.
bool pfn_valid_point(const Tags& t) {
    if (!in(t, "family", {"lookup"}) || !in(t, "args.pattern", {"random_ram"}) ||
        !in(t, "args.foreign", {"0", "50"}) || !in(t, "args.chain", {"branch"}))
        return false;
    if (in(t, "map_kind", {"profile"})) return true;
    const unsigned regions = in(t, "map_kind", {"synthetic"}) ? t.value("regions", 0u) : 0;
    return ((regions == 1 || regions == 1024) && in(t, "args.nodes", {"0"})) ||
           (regions == 16 && in(t, "args.nodes", {"512"}));
}

// A subject is paired with the baseline whose tags are the same but for
// `differs` (variant, or one arg).
struct Pairing {
    Select subject, baseline;
    bool subject_slower;  // what the claim predicts
};

struct Experiment {
    const char* name;
    const char* claim;     // as the thread put it
    const char* question;  // what is measured
    Select select;         // the cases it runs
    std::vector<std::string> differs;  // what a pair differs in: "variant" and/or arg names
    std::vector<Pairing> pairings;
    // Of the ways out to a hypervisor (kind "exit"), run only the best that
    // runs here (lowest exit_rank): a real hypercall before a VM exit.
    bool only_best_exit = false;
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

// The claims, a row each (a data table).
const std::vector<Experiment> experiments = {
    {.name = "hypercall-vs-call",
     .claim = "hypercalls are slower than function calls",
     .question = "the best exit to the hypervisor that runs here (first one from dmabench's own KVM guest "
                 "against a call in that guest; else a KVM hypercall from CPL3, one made by the ptp_kvm "
                 "driver, the module's, or CPUID's VM exit) against a direct call, an ops-table call and a "
                 "system call",
     .select = [](const Tags& t) {
         return (in(t, "family", {"call"}) && (in(t, "variant", {"direct", "ops_table", "syscall_raw"}) || is_exit(t))) ||
                (in(t, "family", {"kmod"}) && (in(t, "variant", {"call"}) || is_exit(t))) ||
                (in(t, "family", {"vm"}) && (in(t, "vm_op", {"direct"}) || is_exit(t)));
     },
     .differs = {"variant", "exit", "guest"},
     .pairings = {{is_exit, arg_is("guest", "direct"), true},
                  {is_exit, variant_is({"direct"}), true},
                  {is_exit, variant_is({"ops_table"}), true},
                  {is_exit, variant_is({"syscall_raw"}), true},
                  {is_exit, variant_is({"call"}), true}},
     .only_best_exit = true},
    {.name = "pfn-valid-vs-flag",
     .claim = "pfn_valid() is more expensive than simply comparing the mfn with pfn ... it may be "
              "quicker to simply pass a bool foreign argument",
     .question = "every pfn_valid era and Xen's p2m lookup against the flag and the pfn != mfn compare, "
                 "on small and large memory maps and board profiles",
     .select = pfn_valid_point,
     .differs = {"variant"},
     .pairings = {{is_era, variant_is({"flag"}), true}, {is_era, variant_is({"pfn_ne_mfn"}), true}},
     .group_by = "variant"},  // one replica per era; the record keeps each group's era
    {.name = "map-unmap-symmetry",
     .claim = "flushing locally at map and asking the hypervisor at unmap (the 2014 patch) costs less "
              "than asking the hypervisor both times, and more than flushing locally both times",
     .question = "dmamap/map_asymmetric against dmamap/xen_hypercall and dmamap/xen_local; in a Xen dom0 "
                 "(--device, --xen-grant), on the real hypervisor, kmod/xen_devmap's granted page (Xen "
                 "maintains its caches at map and at unmap) against dom0's own (dom0 both times)",
     .select = [](const Tags& t) {
         if (!in(t, "args.dir", {"bidirectional"})) return false;
         // coherent:no: the maintenance runs at all.
         if (in(t, "family", {"kmod"})) return in(t, "variant", {"xen_devmap"}) && in(t, "args.coherent", {"no"});
         return in(t, "family", {"dmamap"}) && in(t, "variant", {"map_asymmetric", "xen_hypercall", "xen_local"}) &&
                in(t, "args.size", {"64", "4096", "65536"});
     },
     .differs = {"variant", "exit", "page"},
     .pairings = {{variant_is({"map_asymmetric"}), variant_is({"xen_hypercall"}), false},
                  {variant_is({"map_asymmetric"}), variant_is({"xen_local"}), true},
                  {arg_is("page", "foreign"), arg_is("page", "local"), true}}},
    {.name = "lazy-unmap",
     .claim = "you may not lose much ... you could do the unmapping lazily",
     .question = "temporary mappings of a foreign page unmapped in batches of 8, 64 and 512 against "
                 "one munmap each",
     .select = [](const Tags& t) {
         return in(t, "family", {"dmamap"}) && in(t, "variant", {"temp_mapping"}) &&
                in(t, "args.unmap_batch", {"1", "8", "64", "512"}) && in(t, "args.dir", {"bidirectional"}) &&
                in(t, "args.size", {"4096"});
     },
     .differs = {"unmap_batch"},
     .pairings = {{arg_is("unmap_batch", "8"), arg_is("unmap_batch", "1"), false},
                  {arg_is("unmap_batch", "64"), arg_is("unmap_batch", "1"), false},
                  {arg_is("unmap_batch", "512"), arg_is("unmap_batch", "1"), false}},
     .group_by = "args.unmap_batch"},
    {.name = "batched-sync",
     .claim = "one DSB per scatter-gather list instead of one per entry cuts dma_map_sg by 64.6 % and "
              "dma_unmap_sg by 66.6 % (10 MB of 4 KiB entries; \"dma-mapping: arm64: support batched "
              "cache sync\", 2025-26)",
     .question = "dmamap/sg_sync: one barrier per list against one per entry, by direction and list length "
                 "(on x86 a proxy: the same flushes and fences, which x86 DMA does not need)",
     .select = [](const Tags& t) { return in(t, "family", {"dmamap"}) && in(t, "variant", {"sg_sync"}); },
     .differs = {"sync"},
     .pairings = {{arg_is("sync", "per_list"), arg_is("sync", "per_entry"), false}},
     .group_by = "args.dir"},
    {.name = "swiotlb-bounce",
     .claim = "bouncing through swiotlb costs more than flushing the buffer in place",
     .question = "dmamap/swiotlb against dmamap/native, by size, for each direction",
     .select = [](const Tags& t) {
         return in(t, "family", {"dmamap"}) && in(t, "variant", {"swiotlb", "native"}) &&
                in(t, "args.size", {"64", "1024", "16384", "262144", "1048576"});
     },
     .differs = {"variant"},
     .pairings = {{variant_is({"swiotlb"}), variant_is({"native"}), true}},
     .group_by = "args.dir"},
    {.name = "iommu-strict-vs-lazy",
     .claim = "lazy unmap (a flush queue: the IOTLB invalidated in batches) is cheaper than strict "
              "unmap (invalidated on every unmap)",
     .question = "kmod/devmap's unmap through the device --device names, its IOMMU group switched to DMA-FQ "
                 "(lazy) against DMA (strict), by size and thread count",
     .select = [](const Tags& t) {
         return in(t, "family", {"kmod"}) && in(t, "variant", {"devmap"}) && in(t, "args.domain", {"strict", "lazy"});
     },
     .differs = {"domain"},
     .pairings = {{arg_is("domain", "lazy"), arg_is("domain", "strict"), false}},
     .group_by = "args.size,args.threads",
     .metric = "unmap_ns_mean",
     .domains = "strict,lazy"},
};

const Experiment& find_experiment(const std::string& name) {
    std::string names;
    for (auto& e : experiments) {
        if (name == e.name) return e;
        names += std::string(names.empty() ? "" : ", ") + e.name;
    }
    throw BadInput("experiment '" + name + "': unknown (accepted: " + names + ")");
}

// --- What runs here, found while the run registers its cases.

// The best way out to a hypervisor that runs here: vm/'s first (dmabench's
// own guest times both sides) unless KVM emulates that guest instruction by
// instruction (guest_emulated), then the lowest exit_rank.
struct BestExit {
    int rank = -1;  // -1: none runs
    std::string name, stamp, family;
    bool first = false;  // vm/, taken ahead of every other family
    bool own_guest() const { return family == "vm"; }
};
BestExit find_best_exit(const Registry& reg) {
    BestExit b;
    auto order = [](bool vm, int rank) { return std::pair{!vm, rank}; };
    for (auto& c : reg.cases()) {
        json t = reg.tags_json(c);
        int rank = t.value("exit_rank", -1);
        if (!c.skip.empty() || !is_exit(t) || rank < 0) continue;
        const bool own = c.family == "vm" && t.value("guest_emulated", std::string()).empty();
        if (b.rank >= 0 && order(own, rank) >= order(b.own_guest() && b.first, b.rank)) continue;
        b = {rank, reg.reported_name(c), t.value("exit_stamp", ""), c.family, own};
    }
    return b;
}

// Sides of a pairing that cannot run here, with their reasons.
std::vector<std::string> cannot_run(const Experiment& e, const Registry& reg) {
    std::vector<std::string> missing;
    for (auto& p : e.pairings)
        for (const Select* side : {&p.subject, &p.baseline}) {
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

// What runs here, as the run found it: said at once, and kept in the record.
struct Here {
    BestExit best_exit;
    std::vector<std::string> cannot_run;
};

// --- Phase 1: the run. Its arguments: the experiment's cases, interleaved.

RunArgs run_args(const Experiment& e, const RunArgs& base, FILE* say, Here& here) {
    RunArgs a = base;
    if (*e.domains) a.domains = e.domains;
    // What runs here, as the run registered it: say what cannot (a pairing
    // whose two sides both run is enough), and pick the best exit.
    a.choose = [&e, say, &here](const Registry& reg) -> Select {
        here.cannot_run = cannot_run(e, reg);
        for (auto& m : here.cannot_run) std::fprintf(say, "cannot run %s\n", m.c_str());
        if (!e.only_best_exit) return e.select;
        const BestExit& best = here.best_exit = find_best_exit(reg);
        std::fprintf(say, "path       %s\n", best.rank < 0 ? "none: no way out to a hypervisor runs here"
                                                           : (best.name + ": " + best.stamp).c_str());
        // The best exit alone; from vm/, with only its own guest's call beside it, else no vm/ case.
        return [sel = e.select, best](const json& t) {
            if (best.own_guest() != in(t, "family", {"vm"})) return false;
            return sel(t) && (!is_exit(t) || (t.value("exit_rank", -1) == best.rank && in(t, "family", {best.family})));
        };
    };
    a.repetitions = base.quick ? "6" : "12";  // >= 4 a side for a 95 % Mann-Whitney interval
    a.min_time = base.quick ? "0.01" : "0.05";
    a.interleave = true;
    a.pmu = "none";  // counters would only add noise to a timing question
    a.command_line = std::string("dmabench experiment ") + e.name + (base.quick ? " --quick" : "");
    if (!a.device.empty()) a.command_line += " --device " + a.device;
    if (!a.xen_grant.empty()) a.command_line += " --xen-grant " + a.xen_grant;
    a.argv0 = "dmabench";
    return a;
}

// The record, or none when no case it needs can run here (said on `say`).
std::optional<json> measure(const RunArgs& a, FILE* say) {
    try {
        return execute(a);
    } catch (const NothingToRun&) {  // a bad option is the user's; no case to run is the host's
        std::fprintf(say, "verdict    not run: none of the benchmarks it needs can run here\n");
        return std::nullopt;
    }
}

// --- Phase 2: pairs. Each subject with every baseline whose tags are the same but for `differs`.

// What a subject and its baseline share: the tags without `differs`.
json pairing_key(const Tags& t, const std::vector<std::string>& differs) {
    json k = {{"family", t["family"]}, {"args", t["args"]}, {"variant", t["variant"]}};
    for (auto& d : differs)
        if (d == "variant") k.erase("variant");
        else k["args"].erase(d);
    return k;
}

// The group a pair belongs to (Experiment::group_by).
std::string group_of(const std::string& by, const Tags& subject, const Tags& baseline) {
    if (auto comma = by.find(','); comma != std::string::npos)
        return group_of(by.substr(0, comma), subject, baseline) + " " +
               group_of(by.substr(comma + 1), subject, baseline);
    const bool of_baseline = by == "baseline";
    // A baseline of a family without variants (vm/guest:direct) is named by its operation.
    const std::string name = !of_baseline ? by : baseline.value("variant", "").empty() ? "vm_op" : "variant";
    const json* v = tag(of_baseline ? baseline : subject, name);
    std::string text = !v ? "" : v->is_string() ? v->get<std::string>() : v->dump();
    if (of_baseline || name == "variant" || name.rfind("args.", 0) != 0) return text;
    return name.substr(5) + ":" + text;
}

struct Pair {
    std::string subject, baseline, group;
    std::optional<std::string> era;  // the subject's, where it has one
    std::string metric;              // what is compared, per repetition
    bool subject_slower;             // what the claim predicts
};

// The counter judged for a subject (Experiment::metric), else its time per operation (= real_time).
std::string metric_of(const Experiment& e, const Tags& subject) {
    return !e.metric.empty() ? e.metric : "ns_per_" + subject["op"].get<std::string>();
}

std::vector<Pair> pair_up(const Experiment& e, const json& cases) {
    std::vector<Pair> pairs;
    for (auto& p : e.pairings)
        for (auto& [subject, st] : cases.items()) {
            if (!p.subject(st)) continue;
            std::optional<std::string> era;
            if (const json* x = tag(st, "era"); x && x->is_string()) era = x->get<std::string>();
            for (auto& [baseline, bt] : cases.items())
                if (p.baseline(bt) && pairing_key(bt, e.differs) == pairing_key(st, e.differs))
                    pairs.push_back({subject, baseline, group_of(e.group_by, st, bt), era, metric_of(e, st),
                                     p.subject_slower});
        }
    return pairs;
}

// The metric the record names: the last subject's, as the comparisons use it.
std::string judged_metric(const Experiment& e, const json& cases) {
    std::string metric;
    for (auto& p : e.pairings)
        for (auto& [subject, st] : cases.items())
            if (p.subject(st)) metric = metric_of(e, st);
    return metric.empty() ? "real_time" : metric;
}

// --- Phase 3: judgement. A comparison supports or contradicts the claim only
// when its ratio's interval excludes 1.

enum Outcome { supports, contradicts, no_difference, too_few, outcomes };
constexpr std::array<const char*, outcomes> outcome_text = {"supports", "contradicts", "no significant difference",
                                                            "too few repetitions"};

struct Comparison {
    const Pair* pair;
    results::Ratio ratio;
    Outcome outcome;
};

Outcome outcome_of(const results::Ratio& r, bool subject_slower) {
    const bool slower = r.lo > 1, faster = r.hi < 1;
    if (std::isnan(r.lo)) return too_few;
    if ((slower && subject_slower) || (faster && !subject_slower)) return supports;
    if (slower || faster) return contradicts;
    return no_difference;
}

// Pairs with samples on both sides, compared.
std::vector<Comparison> judge(const std::vector<Pair>& pairs, const json& doc) {
    std::map<std::string, std::map<std::string, std::vector<double>>> by_metric;
    std::vector<Comparison> out;
    for (const Pair& p : pairs) {
        auto [it, fresh] = by_metric.try_emplace(p.metric);
        if (fresh) it->second = results::samples(doc, p.metric);
        const auto& v = it->second[p.subject];
        const auto& w = it->second[p.baseline];
        if (v.empty() || w.empty()) continue;
        auto r = results::hl_ratio(v, w);
        out.push_back({&p, r, outcome_of(r, p.subject_slower)});
    }
    return out;
}

// The comparisons of one group, and what they say together.
struct Group {
    std::string name;
    std::optional<std::string> era;
    std::array<int, outcomes> counts{};
    std::string verdict;
};

// One group's verdict. A group none of whose comparisons is significant is
// "not supported: indistinguishable".
std::string group_verdict(const std::array<int, outcomes>& c) {
    const int support = c[supports], contra = c[contradicts];
    const int n = support + contra + c[no_difference] + c[too_few];
    if (c[too_few] == n) return "too few repetitions";
    if (support == n) return "supported";
    if (contra == n) return "contradicted";
    if (support == 0 && contra == 0) return "not supported: indistinguishable";
    if (contra == 0) return "partly supported (" + std::to_string(support) + " of " + std::to_string(n) + ")";
    if (support == 0) return "contradicted in part (" + std::to_string(contra) + " of " + std::to_string(n) + ")";
    return "split (" + std::to_string(support) + " support, " + std::to_string(contra) +
           " contradict, of " + std::to_string(n) + ")";
}

// Groups in the order they first appear, each with its verdict.
std::vector<Group> tally(const std::vector<Comparison>& comps) {
    std::vector<Group> groups;
    for (const Comparison& c : comps) {
        auto g = std::find_if(groups.begin(), groups.end(), [&](auto& x) { return x.name == c.pair->group; });
        if (g == groups.end()) g = groups.insert(groups.end(), Group{c.pair->group});
        if (c.pair->era) g->era = c.pair->era;
        ++g->counts[c.outcome];
    }
    for (Group& g : groups) g.verdict = group_verdict(g.counts);
    return groups;
}

// --- Phase 4: the finding. Groups that share a verdict are named together,
// the strongest first: "supported for A, B; not supported for C: indistinguishable".

int strength(const std::string& verdict) {
    int i = 0;
    for (const char* p : {"supported", "partly", "split", "contradicted in", "not supported", "contradicted", "too few"})
        if (verdict.rfind(p, 0) == 0) return i;
        else ++i;
    return i;
}

struct Finding {
    std::string verdict, text;
};

Finding finding_of(const Experiment& e, const std::vector<Group>& groups) {
    std::vector<std::pair<std::string, std::vector<std::string>>> by_verdict;
    for (const Group& g : groups) {
        auto it = std::find_if(by_verdict.begin(), by_verdict.end(), [&](auto& x) { return x.first == g.verdict; });
        if (it == by_verdict.end()) by_verdict.push_back({g.verdict, {g.name}});
        else it->second.push_back(g.name);
    }
    std::stable_sort(by_verdict.begin(), by_verdict.end(),
                     [](auto& a, auto& b) { return strength(a.first) < strength(b.first); });
    Finding f{by_verdict.empty() ? "inconclusive" : by_verdict.size() == 1 ? by_verdict[0].first : "split"};
    for (auto& [v, names] : by_verdict) {
        std::string list;
        for (auto& n : names) list += (list.empty() ? "" : ", ") + n;
        const auto colon = v.find(':');
        std::string head = v.substr(0, colon), tail = colon == std::string::npos ? "" : v.substr(colon);
        f.text += (f.text.empty() ? "" : "; ") + head + (e.group_by == "baseline" ? " against " : " for ") + list + tail;
    }
    return f;
}

// --- Phase 5: the record's context.dmabench.experiment.

json experiment_json(const Experiment& e, const std::vector<Comparison>& comps, const std::vector<Group>& groups,
            const std::string& metric) {
    json gs = json::array(), cs = json::array();
    for (const Group& g : groups) {
        gs.push_back({{"group", g.name}, {"verdict", g.verdict}, {"supports", g.counts[supports]},
                      {"contradicts", g.counts[contradicts]},
                      {"inconclusive", g.counts[no_difference] + g.counts[too_few]}});
        if (g.era) gs.back()["era"] = *g.era;
    }
    std::array<int, outcomes> n{};
    for (const Comparison& c : comps) {
        ++n[c.outcome];
        cs.push_back({{"subject", c.pair->subject}, {"baseline", c.pair->baseline}, {"ratio", c.ratio.value},
                      {"ci95", {c.ratio.lo, c.ratio.hi}}, {"outcome", outcome_text[c.outcome]},
                      {"group", c.pair->group}});
    }
    const Finding f = finding_of(e, groups);
    return {{"name", e.name}, {"claim", e.claim}, {"question", e.question},
            {"verdict", f.verdict}, {"finding", f.text}, {"groups", gs}, {"group_by", e.group_by},
            {"supports", n[supports]}, {"contradicts", n[contradicts]},
            {"inconclusive", n[no_difference] + n[too_few]}, {"comparisons", cs}, {"metric", metric},
            {"method", "Hodges-Lehmann ratio of interleaved repetitions of the time per operation "
                       "(exp of the median of all pairwise log ratios) with the 95 % interval from "
                       "the exact Mann-Whitney test, as `dmabench compare`; a comparison supports or "
                       "contradicts the claim only when its interval excludes 1; the verdict is given "
                       "per group (" + e.group_by + ")"}};
}

// An experiment of the best exit has nothing to compare when none runs here,
// or when CPUID did not leave the guest (bare metal, SEV-ES, no intercept).
void judge_path(const Experiment& e, const BestExit& best, const json& doc, json& j) {
    if (!e.only_best_exit) return;
    if (best.rank < 0) {
        j["verdict"] = "nothing to compare";
        j["why"] = "no way out to a hypervisor runs here (see cannot_run)";
        return;
    }
    j["path"] = {{"name", best.name}, {"stamp", best.stamp}};
    auto exited = results::samples(doc, "vm_exit");
    if (auto v = exited.find(best.name);
        v != exited.end() && !v->second.empty() && results::summarise(v->second).median < 0.5) {
        j["verdict"] = "nothing to compare";
        j["why"] = best.name + " is not a VM exit here (" + best.stamp + "): no way out to a hypervisor was measured";
    }
}

// --- Phase 6: what the user reads, then the rendered report.

void tell(FILE* say, const std::vector<Comparison>& comps, const json& j) {
    for (const Comparison& c : comps)
        std::fprintf(say, "  %-58s\n    vs %-55s %7.3fx [%.3f, %.3f]  %s\n", c.pair->subject.c_str(),
                     c.pair->baseline.c_str(), c.ratio.value, c.ratio.lo, c.ratio.hi, outcome_text[c.outcome]);
    if (j.contains("why"))
        std::fprintf(say, "verdict    %s: %s\n", j["verdict"].get<std::string>().c_str(),
                     j["why"].get<std::string>().c_str());
    else if (comps.empty())
        std::fprintf(say, "verdict    inconclusive: no pair of benchmarks could be compared here\n");
    else
        std::fprintf(say, "verdict    %s: %s (%d of %zu comparisons support, %d contradict, %d inconclusive)\n",
                     j["verdict"].get<std::string>().c_str(), j["finding"].get<std::string>().c_str(),
                     j["supports"].get<int>(), comps.size(), j["contradicts"].get<int>(),
                     j["inconclusive"].get<int>());
    if (probe::platform()["emulated"]["value"].get<bool>())
        std::fprintf(say, "note       EMULATED: these ratios describe qemu, not hardware\n");
}

void render(const results::Destination& dest) {
    const std::string& out = dest.path();
    if (dest.streamed())
        std::fprintf(stderr, "dmabench: %s is a stream: render it with `dmabench report FILE` "
                             "from a saved copy\n", out.c_str());
    else if (paths::kit())
        std::fprintf(stderr, "dmabench: render %s on a workstation with `dmabench report`\n", out.c_str());
    else if (run_report({"render", out}) != 0)
        std::fprintf(stderr, "dmabench: the report of %s could not be rendered\n", out.c_str());
}

}  // namespace

int run_experiment(const std::string& name, bool list, const RunArgs& base) {
    if (list || name.empty()) {
        for (auto& e : experiments) std::printf("%-20s %s\n", e.name, e.question);
        return 0;
    }
    const Experiment& e = find_experiment(name);
    validate(base);
    results::Destination dest(base.out);
    FILE* say = dest.is_stdout() ? stderr : stdout;  // with the record on stdout, the verdict goes to stderr
    std::fprintf(say, "experiment %s\nclaim      \"%s\"\nmachine    %s\n", e.name, e.claim,
                 probe::machine_line(probe::platform()).c_str());
    if (*e.domains && base.device.empty()) {
        std::fprintf(say, "cannot run kmod/devmap in %s domains: name the device with --device (a PCI "
                          "function behind an IOMMU, alone in its group, no driver bound; needs dmabench.ko)\n"
                          "verdict    not run: no device named\n", e.domains);
        return 0;
    }
    Here here;
    std::optional<json> doc = measure(run_args(e, base, say, here), say);
    if (!doc) return 0;

    const json& cases = (*doc)["context"]["dmabench"]["cases"];
    const std::vector<Pair> pairs = pair_up(e, cases);
    const std::vector<Comparison> comps = judge(pairs, *doc);
    json j = experiment_json(e, comps, tally(comps), judged_metric(e, cases));
    j["cannot_run"] = here.cannot_run;
    judge_path(e, here.best_exit, *doc, j);
    (*doc)["context"]["dmabench"]["experiment"] = j;
    dest.write(doc->dump(2) + "\n");

    tell(say, comps, j);
    std::fprintf(say, "record     %s\n", base.out.c_str());
    render(dest);
    return 0;
}

}  // namespace dmabench
