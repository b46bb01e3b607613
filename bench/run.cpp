#include "bench/run.hpp"

#include "bench/harness.hpp"
#include "bench/paths.hpp"
#include "bench/progress.hpp"
#include "bench/registry.hpp"
#include "results/record.hpp"
#include "results/stats.hpp"
#include "bench/calibrate.hpp"
#include "runners/clock.hpp"
#include "runners/cpulist.hpp"
#include "runners/kmod_probe.hpp"
#include "runners/pmu.hpp"
#include "runners/probe.hpp"
#include "runners/topology.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace dmabench {
using nlohmann::json;
namespace {

long parse_int(const std::string& flag, const std::string& v, long lo, long hi) {
    long x = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || x < lo || x > hi)
        throw BadInput(flag + " '" + v + "': accepted: an integer from " + std::to_string(lo) +
                       " to " + std::to_string(hi));
    return x;
}

double parse_seconds(const std::string& flag, const std::string& v) {
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || !std::isfinite(x) || x <= 0 || x > 3600)
        throw BadInput(flag + " '" + v + "': accepted: seconds, a number > 0 and <= 3600 "
                       "(e.g. 0.5)");
    return x;
}

double parse_fraction(const std::string& flag, const std::string& v) {
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || !std::isfinite(x) || x <= 0 || x >= 10)
        throw BadInput(flag + " '" + v + "': accepted: a fraction > 0, e.g. 0.05 for 5 %");
    return x;
}

// Every element, empty ones too: "a,,b" and "a," are the caller's to refuse.
std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out(1);
    for (char ch : s)
        if (ch == sep) out.emplace_back();
        else out.back() += ch;
    return out;
}

// The tier, and when each case stops.
void parse_tier(const RunArgs& a, Options& o) {
    if (a.quick && a.full) throw BadInput("--quick and --full: accepted: one tier at most");
    o.quick = a.quick;
    o.full = a.full;
    // A run stops adaptively unless --min-time asks for Google Benchmark's loop.
    o.stop.adaptive = a.min_time.empty();
    o.stop.max_seconds = a.max_time.empty() ? (a.quick ? 0.02 : 1.0) : parse_seconds("--max-time", a.max_time);
    if (!a.precision.empty()) o.stop.precision = parse_fraction("--precision", a.precision);
}

// Threads, the PUs they are pinned to, and the NUMA node of their buffers.
void parse_pinning(const RunArgs& a, Options& o) {
    auto pus = topology::pus();
    if (!a.threads.empty()) o.threads = unsigned(parse_int("--threads", a.threads, 1, long(pus.size())));
    if (!a.cpus.empty()) {
        try {
            o.cpus = parse_cpu_list(a.cpus);
        } catch (const std::invalid_argument& e) {
            throw BadInput(std::string("--cpus ") + e.what());
        }
        for (unsigned c : o.cpus)
            if (std::find(pus.begin(), pus.end(), c) == pus.end())
                throw BadInput("--cpus '" + a.cpus + "': CPU " + std::to_string(c) +
                               " is not available (accepted: " + format_cpu_list(pus) + ")");
        if (o.cpus.size() < o.threads)
            throw BadInput("--cpus '" + a.cpus + "': " + std::to_string(o.cpus.size()) +
                           " PU(s) for --threads " + std::to_string(o.threads) +
                           " (accepted: at least one PU per thread)");
    } else {
        o.cpus = topology::default_cpus(o.threads);
    }
    if (!a.mem_node.empty()) {
        auto nodes = topology::nodes();
        long n = parse_int("--mem-node", a.mem_node, 0, 4095);
        if (std::find(nodes.begin(), nodes.end(), int(n)) == nodes.end()) {
            std::string list;
            for (int x : nodes) list += (list.empty() ? "" : ",") + std::to_string(x);
            throw BadInput("--mem-node '" + a.mem_node + "': no such NUMA node (accepted: " +
                           list + ")");
        }
        o.mem_node = int(n);
    }
}

// kmod/devmap's device and its dma_map_benchmark parameters.
void parse_device(const RunArgs& a, Options& o) {
    if (!a.device.empty()) {
        std::string why;
        o.device = kmod::device_name(a.device, why);
        if (o.device.empty()) throw BadInput(why);
    }
    if (!a.domains.empty()) {
        if (o.device.empty())
            throw BadInput("--domain '" + a.domains + "': needs --device (accepted: the domain types of a "
                           "named device's IOMMU group)");
        for (auto& d : split(a.domains, ','))
            if (d != "strict" && d != "lazy" && d != "identity")
                throw BadInput("--domain '" + a.domains + "': '" + d + "' is not a domain type (accepted: "
                               "strict, lazy, identity, comma-separated)");
            else if (std::find(o.domains.begin(), o.domains.end(), d) == o.domains.end())
                o.domains.push_back(d);
    }
    if (!a.dma_bits.empty()) o.dma_bits = unsigned(parse_int("--dma-bits", a.dma_bits, 24, 64));
    if (!a.delay.empty()) o.delay_ns = unsigned(parse_int("--delay", a.delay, 0, DMABENCH_MAX_DELAY_NS));
    if (!a.xen_grant.empty()) {
        // DOMID:GREF, as the granting domain prints it: not dom0, not a reserved reference.
        static const std::regex grant("([0-9]{1,5}):([0-9]{1,10})");
        std::smatch m;
        if (!std::regex_match(a.xen_grant, m, grant) || std::stoul(m[1]) < 1 || std::stoul(m[1]) > 0x7fef ||
            std::stoul(m[2]) < 8 || std::stoul(m[2]) > 0xffffffffUL)
            throw BadInput("--xen-grant '" + a.xen_grant + "': not DOMID:GREF (accepted: a domain 1-32751 "
                           "and a grant reference >= 8, such as 1:8)");
        o.xen_domid = unsigned(std::stoul(m[1])), o.xen_gref = unsigned(std::stoul(m[2]));
    }
}

// --pmu: libpfm4 event names, "default" or "none".
std::vector<std::string> parse_pmu(const std::string& pmu) {
    if (pmu == "default") return pmu::default_events();
    if (pmu == "none") return {};
    std::vector<std::string> events = split(pmu, ',');
    for (auto& e : events)
        if (e.empty())
            throw BadInput("--pmu '" + pmu + "': an empty event name (accepted: libpfm4 "
                           "event names, comma-separated, 'default' or 'none')");
        else if (auto why = pmu::check_name(e); !why.empty())
            throw BadInput("--pmu '" + e + "': unknown event (" + why +
                           "; accepted: libpfm4 names such as perf::instructions, "
                           "perf::task-clock; 'default' or 'none')");
    return events;
}

// The options the families see, each checked; the first bad one is a BadInput.
Options parse_options(const RunArgs& a) {
    Options o;
    parse_tier(a, o);
    parse_pinning(a, o);
    parse_device(a, o);
    o.pmu = parse_pmu(a.pmu);
    return o;
}

void on_signal(int sig) {
    kmod::unbind();  // the named device back as it was
    results::remove_pending_temp();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// The ladder's line through each rung's median time per call over the
// repetitions: slope = one add. Rungs are found by their tags.
json ladder_fit(const json& doc) {
    const json& cases = doc["context"]["dmabench"].value("cases", json::object());
    std::vector<double> xs, ys;
    for (auto& [name, v] : results::samples(doc, "ns_per_call")) {
        auto t = cases.find(name);
        if (t == cases.end() || (*t)["family"] != "calib" || (*t)["variant"] != "ladder") continue;
        xs.push_back(std::stod((*t)["args"]["adds"].get<std::string>()));
        ys.push_back(results::summarise(v).median);
    }
    if (xs.size() < 3) return nullptr;
    json j = calibrate::to_json(calibrate::fit(xs, ys));
    j["points"] = xs.size();
    return j;
}

}  // namespace

std::regex filter_regex(const std::string& filter) {
    try {
        return std::regex(filter, std::regex::extended);
    } catch (const std::regex_error& e) {
        throw BadInput("--filter '" + filter + "': not a valid regular expression (" +
                       e.what() + "; accepted: a POSIX extended regex)");
    }
}

json pmu_status(const std::vector<std::string>& events) {
    pmu::Group g(events);
    json ev = json::array();
    for (auto& s : g.status())
        ev.push_back({{"name", s.name}, {"available", s.available}, {"reason", s.reason}});
    return {{"events", ev}, {"perf_event_paranoid", pmu::paranoid()}};
}

json variants_json(const Registry& r) {
    json v = json::array();
    for (auto& x : r.variants())
        v.push_back({{"name", x.name}, {"description", x.description}, {"runs", x.skip.empty()},
                     {"skip", x.skip}});
    return v;
}

namespace {

// Phase 1: the command line, checked before anything runs or is written.
struct Settings {
    Options options;
    std::regex filter;
    long repetitions = 1;
    double cv_limit = 0.05, min_time = 0.1;
};

Settings settings(const RunArgs& a) {
    Settings st{.options = parse_options(a), .filter = filter_regex(a.filter)};
    st.repetitions = a.repetitions.empty() ? 1 : parse_int("--repetitions", a.repetitions, 1, 10000);
    st.cv_limit = a.cv_limit.empty() ? 0.05 : parse_fraction("--cv-limit", a.cv_limit);
    st.min_time = a.min_time.empty() ? (a.quick ? 0.01 : 0.1) : parse_seconds("--min-time", a.min_time);
    for (auto& f : a.gbench_flags)
        if (f.rfind("--benchmark_", 0) != 0)
            throw BadInput("'" + f + "': after -- only Google Benchmark flags are accepted "
                           "(--benchmark_*)");
    return st;
}

// Phase 2: the selected cases registered with Google Benchmark, each timed by
// the harness; the skipped ones and every selected case's tags for the record.
struct Selection {
    json skipped = json::array();
    json cases = json::object();
    unsigned selected = 0;
};

Selection register_selected(const Registry& reg, const RunArgs& a, const Settings& st) {
    const RunArgs::Select select = a.choose ? a.choose(reg) : nullptr;
    Selection sel;
    const Options& o = st.options;
    for (const auto& c : reg.cases()) {
        std::string name = reg.reported_name(c);
        if (!std::regex_search(name, st.filter)) continue;
        json tags = reg.tags_json(c);
        if (select && !select(tags)) continue;
        if (!c.skip.empty()) {
            sel.skipped.push_back({{"name", name}, {"reason", c.skip}});
            continue;
        }
        sel.cases[name] = tags;
        auto* b = benchmark::RegisterBenchmark(c.name.c_str(), [&c, &o](benchmark::State& s) {
            Thread t(s, o);
            try {
                measure(c, s, t);
            } catch (const std::exception& e) {
                s.SkipWithError(e.what());
            }
        });
        b->UseManualTime();
        if (c.threaded && o.threads > 1) b->Threads(int(o.threads));
        else if (o.stop.adaptive) b->Iterations(2);  // the harness's Plan owns the count
        ++sel.selected;
    }
    if (sel.selected == 0 && sel.skipped.empty())
        throw NothingToRun("--filter '" + a.filter + "': matches no benchmark (see dmabench list)");
    return sel;
}

// Phase 3: Google Benchmark's own flags; it names a bad one itself.
void init_gbench(const RunArgs& a, const Settings& st) {
    // Google Benchmark names the program in its own error lines, and keeps
    // argv[0]'s pointer for the JSON's "executable": static, so it outlives
    // this function (a dangling one wrote garbage there in a Xen dom0).
    static std::vector<std::string> gargs;
    gargs = {"dmabench", "--benchmark_repetitions=" + std::to_string(st.repetitions),
             "--benchmark_min_time=" + std::to_string(st.min_time)};
    // Random interleaving runs the benchmarks' repetitions in shuffled order
    // (A B A B ...), so drift cannot masquerade as a difference between them.
    if (a.interleave) gargs.push_back("--benchmark_enable_random_interleaving=true");
    gargs.insert(gargs.end(), a.gbench_flags.begin(), a.gbench_flags.end());
    static std::vector<char*> gargv;
    gargv.clear();
    for (auto& s : gargs) gargv.push_back(s.data());
    int gargc = int(gargv.size());
    benchmark::Initialize(&gargc, gargv.data());
    // Google Benchmark has said which flag; nothing is written yet.
    if (benchmark::ReportUnrecognizedArguments(gargc, gargv.data())) std::exit(2);
}

// Phase 4: the benchmarks, as Google Benchmark JSON text.
std::string run_gbench(const RunArgs& a, const Settings& st, const Selection& sel) {
    std::ostringstream gjson;
    if (sel.selected > 0) {
        Progress progress(sel.selected * std::size_t(st.repetitions), a.verbose, gjson);
        benchmark::RunSpecifiedBenchmarks(&progress);
    } else {
        // Everything asked for is skipped here: the record says so, no timing.
        gjson << json{{"context", {{"executable", a.argv0}}}, {"benchmarks", json::array()}}.dump();
    }
    benchmark::Shutdown();
    return gjson.str();
}

// Phase 5: what the record says besides the numbers.
json run_context(const RunArgs& a, const Settings& st, const Registry& reg, const Selection& sel) {
    const Options& o = st.options;
    json ctx = probe::platform();
    ctx["pmu"] = pmu_status(o.pmu);  // what opens here is what the threads could open
    ctx["variants"] = variants_json(reg);
    ctx["skipped"] = sel.skipped;
    ctx["cases"] = sel.cases;
    ctx["command_line"] = a.command_line;
    ctx["options"] = {{"quick", o.quick}, {"full", o.full}, {"threads", o.threads}, {"device", o.device},
                      {"domains", o.domains}, {"dma_bits", o.dma_bits}, {"delay_ns", o.delay_ns},
                      {"xen_grant", o.xen_domid ? std::to_string(o.xen_domid) + ":" + std::to_string(o.xen_gref) : ""},
                      {"repetitions", st.repetitions}, {"filter", a.filter},
                      {"stop", o.stop.adaptive ? json{{"rule", "adaptive"}, {"precision", o.stop.precision},
                                                      {"max_time_s", o.stop.max_seconds}}
                                               : json{{"rule", "min_time"}, {"min_time_s", st.min_time}}}};
    ctx["pinning"] = {{"requested", o.cpus}, {"mem_node", o.mem_node},
                      {"how", "hwloc_set_cpubind per benchmark thread; the PU seen by "
                              "hwloc_get_last_cpu_location is each benchmark's label"}};
    if (dmabench_device d{}; kmod::current_device(d)) ctx["device"] = kmod::device_json(d);
    ctx["version"] = paths::version();
    ctx["git_revision"] = paths::revision();  // baked in at build time
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    ctx["host"] = host;
    return ctx;
}

// Phase 6: the calibration (ladder before and after, its fit over the run's
// rungs) and the statistics, with their warnings on stderr.
void add_calibration(json& doc, const calibrate::Ladder& before, const calibrate::Ladder& after) {
    doc["context"]["dmabench"]["pinning"]["achieved"] = [&] {
        std::set<std::string> labels;
        for (auto& b : doc["benchmarks"])
            if (b.contains("label")) labels.insert(b["label"].get<std::string>());
        return labels;
    }();
    auto& cal = doc["context"]["dmabench"]["calibration"];
    if (auto fit = ladder_fit(doc); !fit.is_null()) cal["ladder"] = fit;
    double drift = calibrate::drift(before, after);
    cal["ladder_before"] = calibrate::to_json(before);
    cal["ladder_after"] = calibrate::to_json(after);
    cal["drift"] = drift;
    cal["drifted"] = drift > calibrate::drift_limit;
    cal["empty_ns"] = calibrate::empty_ns();
    cal["timer_floor_ns"] = clock::seconds(clock::floor_ticks()) * 1e9;
    // Translated code keeps no cycle law: under emulation these are recorded, not warned.
    bool emulated = probe::platform()["emulated"]["value"].get<bool>();
    if (drift > calibrate::drift_limit && !emulated)
        std::fprintf(stderr, "dmabench: warning: the add ladder moved %.1f %% during the run "
                             "(frequency drift): compare with care\n", drift * 100);
    if (!before.linear() && !emulated)
        std::fprintf(stderr, "dmabench: warning: the add ladder is not linear (R^2 %.3f): the "
                             "clock or the machine is unsteady\n", before.r2);
}

void add_statistics(json& doc, double cv_limit) {
    auto stats = results::statistics(doc, cv_limit);
    doc["context"]["dmabench"]["statistics"] = stats;
    doc["context"]["dmabench"]["options"]["cv_limit"] = cv_limit;
    for (auto& [name, stat] : stats.items())
        if (stat["unstable"].get<bool>())
            std::fprintf(stderr, "dmabench: unstable: %s (CV %.1f %% > %.1f %%)\n", name.c_str(),
                         stat["cv"].get<double>() * 100, cv_limit * 100);
}

// Phase 7: line states that did not hold (a dirty case no dearer than its
// clean twin was written back by eviction before the timed flush).
void add_line_states(json& doc) {
    auto marks = results::line_states(doc);
    doc["context"]["dmabench"]["line_states"] = marks;
    if (!marks.empty())
        std::fprintf(stderr, "dmabench: %zu state:dirty case(s) no dearer than state:clean: "
                             "marked evicted (context.dmabench.line_states)\n", marks.size());
}

}  // namespace

namespace {
// --device for the run's length: BIND before the cases are registered (their
// names carry its domain), UNBIND when the run ends, by any way out.
struct Binding {
    explicit Binding(const Options& o) {
        const std::string& address = o.device;
        if (address.empty()) return;
        dmabench_device info{};
        if (std::string why = kmod::bind(address, info); !why.empty()) throw BadInput(why);
        static bool once = (std::atexit(kmod::unbind), true);  // std::exit skips destructors
        (void)once;
        if (std::string why = o.domains.empty() ? "" : kmod::domain_switchable(info); !why.empty()) {
            kmod::unbind();
            throw BadInput("--domain: " + why + " (accepted: a device alone in its IOMMU group)");
        }
        std::fprintf(stderr, "dmabench: bound %s: %s, IOMMU group %d, domain %s\n", address.c_str(),
                     kmod::device_json(info)["dma_ops"].get<std::string>().c_str(), info.iommu_group,
                     kmod::domain_name(info.domain));
    }
    ~Binding() { kmod::unbind(); }
    Binding(const Binding&) = delete;
    Binding& operator=(const Binding&) = delete;
};
}  // namespace

void validate(const RunArgs& a) { (void)settings(a); }

json execute(const RunArgs& a) {
    const Settings st = settings(a);
    const Binding bound(st.options);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    Registry reg = Registry::build(st.options);
    const Selection sel = register_selected(reg, a, st);
    init_gbench(a, st);

    // The ladder before and after: a clock that moved during the run shows.
    auto before = calibrate::ladder();
    std::string gjson = run_gbench(a, st, sel);
    auto after = calibrate::ladder();

    json doc = results::merge(gjson, run_context(a, st, reg, sel));
    add_calibration(doc, before, after);
    add_statistics(doc, st.cv_limit);
    add_line_states(doc);
    std::fprintf(stderr, "dmabench: ran %u benchmarks, %zu skipped\n", sel.selected,
                 sel.skipped.size());
    return doc;
}

int run(const RunArgs& a) {
    results::Destination dest(a.out);
    json doc = execute(a);
    dest.write(doc.dump(2) + "\n");
    std::fprintf(stderr, "dmabench: wrote %s\n", a.out.c_str());
    if (!dest.is_stdout()) std::printf("%s\n", a.out.c_str());
    return 0;
}

}  // namespace dmabench
