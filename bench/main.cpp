// dmabench: the command line. Cli declares the subcommands; dispatch() hands
// each to the command that does its work.
#include "bench/commands.hpp"
#include "bench/harness.hpp"
#include "bench/paths.hpp"
#include "bench/registry.hpp"
#include "bench/run.hpp"
#include "results/record.hpp"
#include "runners/cpulist.hpp"
#include "runners/pmu.hpp"
#include "runners/probe.hpp"
#include "runners/topology.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <regex>

namespace fs = std::filesystem;
using dmabench::BadInput;
using nlohmann::json;

namespace {

int cmd_info(bool as_json) {
    auto reg = dmabench::Registry::build({});
    json info = dmabench::probe::platform();
    info["pmu"] = dmabench::pmu_status(dmabench::pmu::default_events());
    info["variants"] = dmabench::variants_json(reg);
    if (as_json) {
        std::cout << info.dump(2) << "\n";
        return 0;
    }
    const auto& t = info["timer"];
    std::printf("machine     %s\n", dmabench::probe::machine_line(info).c_str());
    std::printf("cpu         %s\n", info["cpu"].dump().c_str());
    std::printf("cache line  %u B (data), %u B (instruction)\n",
                info["cache_line_bytes"].get<unsigned>(), info["icache_line_bytes"].get<unsigned>());
    for (auto& c : info["topology"]["caches"])
        std::printf("  %-8s %8llu KiB, %u B lines, %d ways, x%d\n",
                    c["type"].get<std::string>().c_str(),
                    c["size_bytes"].get<unsigned long long>() / 1024,
                    c["line_bytes"].get<unsigned>(), c["ways"].get<int>(), c["count"].get<int>());
    std::printf("timer       %s, %.6g MHz (%s), resolution %.2f ns, read %.2f ns\n",
                t["source"].get<std::string>().c_str(), t["hz"].get<double>() / 1e6,
                t["hz_source"].get<std::string>().c_str(), t["resolution_ns"].get<double>(),
                t["read_overhead_ns"].get<double>());
    if (t.contains("invariant")) std::printf("            invariant TSC: %s\n", t["invariant"].get<bool>() ? "yes" : "no");
    std::printf("kernel      %s %s\n", info["kernel"]["release"].get<std::string>().c_str(),
                info["kernel"]["machine"].get<std::string>().c_str());
    std::printf("hypervisor  %s (%s)\n", info["hypervisor"]["name"].get<std::string>().c_str(),
                info["hypervisor"]["how"].get<std::string>().c_str());
    std::printf("emulated    %s: %s\n", info["emulated"]["value"].get<bool>() ? "YES" : "no",
                info["emulated"]["how"].get<std::string>().c_str());
    std::printf("virtualised %s: %s\n", info["virtualised"]["value"].get<bool>() ? "yes" : "no",
                info["virtualised"]["how"].get<std::string>().c_str());
    const auto& topo = info["topology"];
    std::printf("topology    %d package(s), %d NUMA node(s), %d core(s), %d PU(s); allowed %s\n",
                topo["packages"].get<int>(), topo["numa_nodes"].get<int>(),
                topo["cores"].get<int>(), topo["pus"].get<int>(),
                dmabench::format_cpu_list(topo["allowed_pus"].get<std::vector<unsigned>>()).c_str());
    std::printf("pmu         perf_event_paranoid=%s\n",
                info["pmu"]["perf_event_paranoid"].get<std::string>().c_str());
    for (auto& e : info["pmu"]["events"])
        std::printf("  %-26s %s\n", e["name"].get<std::string>().c_str(),
                    e["available"].get<bool>() ? "counts" : e["reason"].get<std::string>().c_str());
    std::printf("variants\n");
    for (auto& v : info["variants"])
        std::printf("  %-30s %s\n", v["name"].get<std::string>().c_str(),
                    v["runs"].get<bool>() ? "runs here" : ("skip: " + v["skip"].get<std::string>()).c_str());
    return 0;
}

int cmd_list(const std::string& filter, bool as_json, bool quick, bool full) {
    if (quick && full) throw BadInput("--quick and --full: accepted: one tier at most");
    dmabench::Options o;
    o.quick = quick;
    o.full = full;
    auto reg = dmabench::Registry::build(o);
    auto re = dmabench::filter_regex(filter);
    json out = json::array();
    for (auto& c : reg.cases()) {
        std::string name = reg.reported_name(c);
        if (!std::regex_search(name, re)) continue;
        if (as_json)
            out.push_back({{"name", name}, {"runs", c.skip.empty()}, {"skip", c.skip}});
        else
            std::printf("%-60s %s\n", name.c_str(),
                        c.skip.empty() ? "runs here" : ("skip: " + c.skip).c_str());
    }
    if (as_json) std::cout << out.dump(2) << "\n";
    return 0;
}

std::string runs_dir() { return dmabench::paths::runs_dir(); }

// The default directory for records, made on first use.
std::string made_runs_dir() {
    std::error_code ec;
    fs::create_directories(runs_dir(), ec);
    if (ec || !fs::is_directory(runs_dir()))
        throw BadInput(runs_dir() + ": cannot make the runs directory (" + ec.message() +
                       "; accepted: give --out FILE)");
    return runs_dir();
}

// The newest record in the default directory, for `report` and `compare`.
std::string latest_run() {
    std::string newest;
    std::optional<fs::file_time_type> when;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(runs_dir(), ec))
        if (e.path().extension() == ".json" && e.is_regular_file(ec) &&
            (!when || e.last_write_time(ec) >= *when)) {
            when = e.last_write_time(ec);
            newest = e.path().string();
        }
    if (newest.empty()) throw BadInput("no run given and none in " + runs_dir() + " (run `dmabench run` first)");
    return newest;
}

// `--cpus=` or `-o=`, an empty value: CLI11 would take the next word for it
// (or "=" itself), so it is refused before parsing.
void refuse_empty_equals(const CLI::App& app, int argc, char** argv) {
    for (int i = 1; i < argc && std::string(argv[i]) != "--"; ++i) {
        std::string a = argv[i];
        if (a.size() < 3 || a[0] != '-' || a.back() != '=') continue;
        std::string name = a.substr(0, a.size() - 1), accepted = "a value after the =";
        for (const CLI::App* sub : app.get_subcommands({}))
            for (const CLI::Option* o : sub->get_options())
                if (o->check_name(name)) accepted = o->get_description();
        throw BadInput(a + ": an empty value (accepted: " + accepted + ")");
    }
}

// Every value the user typed, checked once: an empty one is never meant
// (`--cpus ''` would otherwise read as "not given").
void refuse_empty(const CLI::App& app) {
    for (const CLI::App* sub : app.get_subcommands())
        for (const CLI::Option* o : sub->get_options())
            for (const auto& v : o->results())
                if (v.empty())
                    throw BadInput(o->get_name() + " '': an empty value (accepted: " +
                                   o->get_description() + ")");
}

// "info, list, ... or compare": every subcommand, in the order Cli adds them.
std::string subcommand_names(const CLI::App& app) {
    auto subs = app.get_subcommands({});
    std::string names;
    for (std::size_t i = 0; i < subs.size(); ++i)
        names += (i == 0 ? "" : i + 1 == subs.size() ? " or " : ", ") + subs[i]->get_name();
    return names;
}

// What the command line asked for, filled in by CLI11.
struct Cli {
    CLI::App app{"dmabench: microbenchmarks for the DMA-mapping path (arm64, x86_64)"};
    CLI::App *info, *list, *calibrate, *experiment, *run, *report, *compare, *lava, *peer;
    std::string peer_tool, peer_granule, peer_dir, peer_seconds;  // dmabench peer
    bool peer_quick = false;
    bool json_out = false;
    std::string exp_name;
    bool exp_list = false;
    dmabench::RunArgs ra;  // list's filter and tier too, and experiment's tier and --out
    std::vector<std::string> runs;
    std::string report_dir;

    // kmod/devmap's device and its dma_map_benchmark parameters, for run and experiment.
    void device_options(CLI::App* s) {
        s->add_option("--device", ra.device, "a PCI function (0000:01:00.0) or platform device (its /sys/bus/platform/devices name), or a sysfs path to one, that no driver holds: kmod/devmap maps through it (needs dmabench.ko)");
        s->add_option("--domain", ra.domains, "with --device: IOMMU domain types to run kmod/devmap in, in turn, switched while it is unbound (strict,lazy,identity)");
        s->add_option("--dma-bits", ra.dma_bits, "kmod/devmap: the device's DMA mask in bits, 24-64 (dma_map_benchmark -b; default: as bound)");
        s->add_option("--delay", ra.delay, "kmod/devmap: ns between map and unmap (dma_map_benchmark -x; default 0)");
        s->add_option("--xen-grant", ra.xen_grant, "in a Xen dom0 with --device: DOMID:GREF of a page another domain grants, for kmod/xen_devmap's foreign page");
    }

    // `peer`: dma_map_benchmark's own options, by dmabench's names.
    void peer_options() {
        peer = sub("peer", "the kernel's dma_map_benchmark beside kmod/devmap burst:1, same device and domain",
                   "Examples:\n  dmabench peer dma_map_benchmark --device 0000:00:02.0 --domain strict,lazy");
        peer->add_option("tool", peer_tool, "the peer: dma_map_benchmark")->required();
        peer->add_option("--device", ra.device, "the device both map through (no driver may hold it)");
        peer->add_option("--threads", ra.threads, "threads (dma_map_benchmark -t; default 1)");
        peer->add_option("--granule", peer_granule, "pages per mapping: 1 or 16 (-g; default 1)");
        peer->add_option("--dir", peer_dir, "to_device, from_device or bidirectional (-d; default to_device)");
        peer->add_option("--domain", ra.domains, "IOMMU domain types, in turn (strict,lazy,identity; default as bound)");
        peer->add_option("--dma-bits", ra.dma_bits, "the DMA mask in bits (-b; default: as bound, 64 for the peer)");
        peer->add_option("--seconds", peer_seconds, "the peer's run per domain (-s; default 5)");
        peer->add_flag("--quick", peer_quick, "dmabench's side: 0.1 s per case (default 1 s)");
        peer->add_option("--out", ra.out, "result file or - (default results/runs/<host>-<UTC>-peer.json)");
    }

    // A subcommand whose --help ends with real examples.
    CLI::App* sub(const char* name, const char* what, const std::string& examples) {
        auto* s = app.add_subcommand(name, what);
        s->footer(examples);
        return s;
    }

    // The subcommands that read runs: report, compare and lava.
    void reader_options() {
        report = sub("report", "render runs into HTML, Markdown, text and plots",
                     "Examples:\n  dmabench report\n  dmabench report board1.json board2.json -o board");
        report->add_option("runs", runs, "result files, LAVA job outputs, or folders of them (default: the latest run)");
        report->add_option("-o,--out-dir", report_dir, "output directory");
        compare = sub("compare", "A/B: NEW against BASE, with verdicts",
                      "Examples:\n  dmabench compare base.json new.json\n  dmabench compare base.json new.json -o ab");
        compare->add_option("runs", runs, "BASE.json NEW.json")->required()->expected(2);
        compare->add_option("-o,--out-dir", report_dir, "output directory");
        lava = sub("lava", "a run's headline figures as LAVA test cases, and the run for the job log",
                   "Examples:\n  dmabench lava run.json\n  dmabench lava run.json lazy-unmap.json");
        lava->add_option("runs", runs, "result files of run or experiment")->required();
    }

    Cli() {
        app.require_subcommand(1);
        app.set_version_flag("--version", dmabench::paths::version_line());
        info = sub("info", "the platform probe: CPU, caches, timer, PMU, variants",
                   "Examples:\n  dmabench info\n  dmabench info --json > info.json");
        info->add_flag("--json", json_out, "one JSON object");

        list = sub("list", "every benchmark name, and whether it runs here",
                   "Examples:\n  dmabench list --filter '^cache/civac'\n  dmabench list --quick --json");
        list->add_option("--filter", ra.filter, "POSIX extended regex over the names");
        list->add_flag("--json", json_out, "a JSON array");
        list->add_flag("--quick", ra.quick, "list the --quick suite");
        list->add_flag("--full", ra.full, "list the --full suite");

        calibrate = sub("calibrate", "timer, harness floor, add ladder and drift",
                        "Examples:\n  dmabench calibrate\n  dmabench calibrate --json > calibration.json");
        calibrate->add_flag("--json", json_out, "one JSON object");

        experiment = sub("experiment", "a claim of the 2014 review, measured and judged",
                         "Examples:\n  dmabench experiment --list\n  dmabench experiment hypercall-vs-call --quick");
        experiment->add_option("name", exp_name, "the experiment (see --list)");
        experiment->add_flag("--list", exp_list, "list the experiments");
        experiment->add_flag("--quick", ra.quick, "fewer repetitions, shorter runs");
        experiment->add_option("--threads", ra.threads, "threads for the families that scale (default 1)");
        device_options(experiment);
        experiment->add_option("--out", ra.out, "result file, FIFO, device or - (default results/runs/<host>-<UTC>-NAME.json)");

        run = sub("run", "run benchmarks; write Google Benchmark JSON",
                  "Examples:\n  dmabench run --quick\n  dmabench run --filter '^call/' --repetitions 8\n"
                  "  dmabench run --filter '^kmod/devmap' --device 0000:01:00.0 --threads 8");
        run->add_option("--filter", ra.filter, "POSIX extended regex over the names");
        run->add_option("--cpus", ra.cpus, "PUs to pin thread i to, e.g. 1 or 0-3 (default: from PU 1)");
        run->add_option("--threads", ra.threads, "threads for the families that scale (default 1)");
        run->add_option("--mem-node", ra.mem_node, "NUMA node for buffers (default: the PU's own)");
        device_options(run);
        run->add_option("--pmu", ra.pmu, "libpfm4 events, comma-separated; 'default' or 'none'");
        run->add_option("--repetitions", ra.repetitions, "repetitions of each benchmark (>= 1)");
        run->add_option("--precision", ra.precision, "stop once the 95 % CI of the mean per operation is within this fraction (default 0.01)");
        run->add_option("--max-time", ra.max_time, "the cap per benchmark in seconds (default 1; --quick 0.02)");
        run->add_option("--min-time", ra.min_time, "seconds per benchmark, Google Benchmark's loop instead of adaptive stopping");
        run->add_flag("--quick", ra.quick, "a short sweep of every family, in seconds");
        run->add_flag("--full", ra.full, "every point of every sweep (most of an hour)");
        run->add_flag("--interleave", ra.interleave, "run repetitions in random interleaved order");
        run->add_flag("-v,--verbose", ra.verbose, "Google Benchmark's wide table beside the progress");
        run->add_option("--cv-limit", ra.cv_limit, "flag benchmarks whose CV exceeds this (default 0.05)");
        run->add_option("--out", ra.out, "result file, FIFO, device or - for stdout (default results/runs/<host>-<UTC>.json)");
        run->add_option("gbench_flags", ra.gbench_flags, "-- then Google Benchmark's own --benchmark_* flags");

        peer_options();

        reader_options();
    }
};

int cmd_experiment(Cli& c) {
    if (c.ra.out.empty() && !c.exp_list && !c.exp_name.empty()) {
        c.ra.out = dmabench::results::default_path(made_runs_dir());
        c.ra.out.replace(c.ra.out.size() - 5, 5, "-" + c.exp_name + ".json");
    }
    return dmabench::run_experiment(c.exp_name, c.exp_list, c.ra);
}

int cmd_run(Cli& c, int argc, char** argv) {
    c.ra.argv0 = argv[0];
    for (int i = 0; i < argc; ++i) c.ra.command_line += (i ? " " : "") + std::string(argv[i]);
    if (c.ra.out.empty()) c.ra.out = dmabench::results::default_path(made_runs_dir());
    return dmabench::run(c.ra);
}

int cmd_peer(Cli& c, int argc, char** argv) {
    c.ra.argv0 = argv[0];
    for (int i = 0; i < argc; ++i) c.ra.command_line += (i ? " " : "") + std::string(argv[i]);
    c.ra.filter = "^kmod/devmap/", c.ra.pmu = "none";
    if (c.peer_quick) c.ra.max_time = "0.1";  // the default tier still: burst:1 and burst:64
    if (c.ra.out.empty()) {
        c.ra.out = dmabench::results::default_path(made_runs_dir());
        c.ra.out.replace(c.ra.out.size() - 5, 5, "-peer.json");
    }
    return dmabench::run_peer_command(c.peer_tool, c.ra, c.peer_granule, c.peer_dir, c.peer_seconds);
}

// `report` and `compare` hand over to the Python package.
int cmd_report(Cli& c) {
    if (dmabench::paths::kit()) return dmabench::paths::refuse_report();
    std::vector<std::string> args;
    if (*c.report) {
        args = {"render"};
        if (c.runs.empty()) c.runs.push_back(latest_run());
    } else {
        args = {"compare"};
    }
    args.insert(args.end(), c.runs.begin(), c.runs.end());
    if (!c.report_dir.empty()) args.insert(args.end(), {"-o", c.report_dir});
    return dmabench::exec_report(args);
}

int dispatch(Cli& c, int argc, char** argv) {
    refuse_empty(c.app);
    if (*c.info) return cmd_info(c.json_out);
    if (*c.calibrate) return dmabench::cmd_calibrate(c.json_out);
    if (*c.experiment) return cmd_experiment(c);
    if (*c.list) return cmd_list(c.ra.filter, c.json_out, c.ra.quick, c.ra.full);
    if (*c.run) return cmd_run(c, argc, argv);
    if (*c.lava) return dmabench::cmd_lava(c.runs);
    if (*c.peer) return cmd_peer(c, argc, argv);
    return cmd_report(c);
}

}  // namespace

int main(int argc, char** argv) {
    Cli c;
    try {
        refuse_empty_equals(c.app, argc, argv);
        c.app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return c.app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return c.app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return c.app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        if (what.empty()) what = "a subcommand is required: " + subcommand_names(c.app);
        std::fprintf(stderr, "dmabench: %s (see dmabench --help)\n", what.c_str());
        return 2;
    } catch (const BadInput& e) {
        std::fprintf(stderr, "dmabench: %s\n", e.what());
        return 2;
    }
    try {
        return dispatch(c, argc, argv);
    } catch (const BadInput& e) {
        std::fprintf(stderr, "dmabench: %s\n", e.what());
        return 2;
    } catch (const dmabench::results::WriteFailed& e) {
        std::fprintf(stderr, "dmabench: %s\n", e.what());
        return 1;
    } catch (const dmabench::results::Error& e) {
        std::fprintf(stderr, "dmabench: %s\n", e.what());
        return 2;
    }
}
