// kmod/: what only the kernel can time, through /dev/dmabench
// (kernels/kmod/dmabench.ko): a hypercall against a call at EL1, the kernel's
// dma_map/dma_unmap on a coherent and a non-coherent device, and the
// kernel's own cache maintenance; in a Xen domain, a Xen hypercall against a
// call and (dom0) GNTTABOP_cache_flush against dom0's own maintenance, and
// dom0's DMA ops on a page another domain grants against one of its own.
//
// Method: the module times samples of `batch` operations with the
// architecture's counter (CNTVCT_EL0 between ISBs, RDTSC between LFENCEs)
// and copies every sample's ticks out. One Google Benchmark iteration is one
// operation (a call, a map+unmap pair, one buffer's maintenance): each
// harness batch is one ioctl of kSamples samples, timed by the module's own
// ticks (not the ioctl's round trip), so Time is the module's mean ns per
// operation (= ns_per_<op>). What a request measures beside its operation
// (the empty call beside the hypercall, dom0's own flush beside Xen's) is a
// partner reference of the harness, so ratio_to_<partner> means what it
// means in every family. Counters give min/median/mean/p99/max per operation
// in counter ticks and ns over every sample of the run (results::quantile).
// PMU counts cover the ioctls, the module's untimed work included.
//
// Without the module every case is listed and skipped with the reason.
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "bench/harness.hpp"
#include "runners/kmod_probe.hpp"
#include "runners/kmod_uapi.hpp"
#include "runners/probe.hpp"

namespace dmabench {
namespace {

constexpr uint32_t kCallBatch = 32;
constexpr uint32_t kSamples = 64;  // per ioctl (and thread): one harness batch
constexpr uint32_t kDevmapOps = 4096;            // devmap: ops per ioctl and thread (burst:1: 4096 samples)...
constexpr uint64_t kRewriteBytes = 16ull << 20;  // ... within 16 MiB of buffers each (else kSamples)
constexpr uint32_t kListSamples = 8;             // devmap: per ioctl for an sg list over kRewriteBytes
constexpr uint64_t kSizes[] = {64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};

// Per-op counters for one operation: <op>_ticks_min ... <op>_ns_max.
void put(benchmark::State& s, const std::string& op, const kmod::OpStats& o) {
    const std::pair<const char*, double> v[] = {
        {"_ticks_min", o.ticks_min}, {"_ticks_median", o.ticks_median}, {"_ticks_mean", o.ticks_mean},
        {"_ticks_p99", o.ticks_p99}, {"_ticks_max", o.ticks_max},       {"_ns_min", o.ns_min},
        {"_ns_median", o.ns_median}, {"_ns_mean", o.ns_mean},           {"_ns_p99", o.ns_p99},
        {"_ns_max", o.ns_max}};
    for (auto& [suffix, value] : v) s.counters[op + suffix] = value;
}

int do_ioctl(unsigned long cmd, void* req) {
    return ioctl(kmod::module().fd, cmd, req) == 0 ? 0 : errno;
}

// Input fields by name (kmod::Uapi sets them).
using Fields = std::vector<std::pair<std::string, uint64_t>>;

// The fields a case's args name: every arg that is an input of S, by the
// uapi's names for its values; the rest (domain, page...) only name the case.
template <class S>
Fields fields_of(const Args& args) {
    Fields f;
    S probe{};
    for (const Arg& a : args)
        if (kmod::Uapi<S>::set(probe, a.key, 0)) f.push_back({a.key, kmod::field_value(a.key, a.value)});
    return f;
}

// One run of one request: each harness batch is one ioctl; the module copies
// each sample's ticks into `ticks`, one block per timed operation of the
// request (its STATS rows), and every block is kept for the run's figures.
struct Run {
    std::vector<std::string> ops;            // the request's STATS rows, in order
    std::vector<uint32_t> batch;             // each one's operations per sample (from the reply)
    uint32_t samples = kSamples, threads = 1;
    std::vector<uint64_t> ticks;             // the last ioctl's blocks
    std::vector<std::vector<uint64_t>> all;  // per STATS row: every sample of the run
    std::function<int(Run&)> io;             // one ioctl; 0 or an errno
    std::vector<std::size_t> timed;          // the rows one operation is made of (map + unmap)
    double last_seconds = 0;

    std::size_t row(const std::string& op) const {
        auto it = std::find(ops.begin(), ops.end(), op);
        if (it == ops.end()) throw std::logic_error("kmod: no operation " + op);
        return std::size_t(it - ops.begin());
    }
    // Mean ns per operation of row i in the last ioctl; 0 when it did not run.
    double last_ns(std::size_t i) const {
        const std::size_t n = std::size_t(samples) * threads;
        double sum = 0;
        for (std::size_t k = i * n; k < (i + 1) * n; ++k) sum += double(ticks[k]);
        return batch[i] ? sum / double(n) / batch[i] * 1e9 / double(kmod::module().info.counter_hz) : 0;
    }
    kmod::OpStats stats(std::size_t i) const {
        return kmod::summarise(all[i], batch[i], kmod::module().info.counter_hz);
    }
};

// The request these fields make (samples and ticks aside).
template <class S>
S request_of(const Fields& fields) {
    S r{};
    for (auto& [key, v] : fields)
        if (!kmod::Uapi<S>::set(r, key, v)) throw std::logic_error(std::string(kmod::Uapi<S>::name) + " has no " + key);
    return r;
}

// A run of request S with these fields; after, when set, reads the reply's
// other outputs (and may refuse it with an errno).
template <class S>
std::shared_ptr<Run> make_run(const Fields& fields, std::function<int(const S&)> after = {}) {
    auto run = std::make_shared<Run>();
    run->ops = kmod::Uapi<S>::operations();
    run->all.resize(run->ops.size());
    for (auto& [key, v] : fields)
        if (key == "threads") run->threads = uint32_t(v);
    run->io = [fields, after](Run& k) {
        S r = request_of<S>(fields);
        kmod::Uapi<S>::set(r, "samples", k.samples);
        k.ticks.assign(k.ops.size() * k.samples * k.threads, 0);
        kmod::Uapi<S>::set(r, "ticks", reinterpret_cast<uintptr_t>(k.ticks.data()));
        if (int e = do_ioctl(kmod::Uapi<S>::number, &r)) return e;
        k.batch.clear();
        for (const dmabench_stats* st : kmod::Uapi<S>::stats(r)) k.batch.push_back(uint32_t(st->batch));
        const std::size_t n = std::size_t(k.samples) * k.threads;
        for (std::size_t i = 0; i < k.ops.size(); ++i)
            if (k.batch[i]) k.all[i].insert(k.all[i].end(), k.ticks.begin() + long(i * n), k.ticks.begin() + long((i + 1) * n));
        return after ? after(r) : 0;
    };
    return run;
}

void run_kernel(uint64_t n, void* context) {
    auto* k = static_cast<Run*>(context);
    if (int err = k->io(*k))
        throw std::runtime_error(std::string("/dev/dmabench: ") + std::strerror(err));
    double ns = 0;
    for (std::size_t i : k->timed) ns += k->last_ns(i);
    k->last_seconds = ns * 1e-9 * double(n);
}

// What a case takes from its run: the rows one operation is made of, the
// partners it is paired with (name, ratio_to_<name> wanted), and its own
// counters once the run is done.
struct Taken {
    std::vector<std::string> timed;
    std::vector<std::pair<std::string, bool>> partners = {};
    std::function<void(benchmark::State&)> more = {};
    std::vector<std::string> as = {};  // the timed rows' counter names, when not their own
};

// The work of one case: one ioctl per harness batch of k->samples samples.
Work run_work(std::shared_ptr<Run> k, uint32_t batch, Taken t) {
    for (auto& op : t.timed) k->timed.push_back(k->row(op));
    std::vector<Reference> refs;
    for (auto& [name, ratio] : t.partners)
        refs.push_back({.name = name, .ratio = ratio,
                        .partner_ns = [k = k.get(), i = k->row(name)] { return k->last_ns(i); }});
    return Work{.kernel = run_kernel, .context = k.get(), .batch = uint64_t(k->samples) * batch,
                .own_seconds = [k = k.get()] { return k->last_seconds; },
                .references = std::move(refs),
                .finish = [k = k.get(), t](benchmark::State& s, const Timing&) {
                    for (std::size_t i = 0; i < t.timed.size(); ++i)
                        put(s, t.as.empty() ? t.timed[i] : t.as[i], k->stats(k->row(t.timed[i])));
                    for (auto& [op, ratio] : t.partners)
                        if (ratio) put(s, op, k->stats(k->row(op)));
                    s.counters["batch"] = k->batch.empty() ? 0 : k->batch[k->timed[0]];
                    s.counters["counter_hz"] = double(kmod::module().info.counter_hz);
                    if (t.more) t.more(s);
                },
                .keep = k};
}

// ---- call and hypercall ----

Work calls_work(bool hypercall) {
    auto ret = std::make_shared<int64_t>(0);
    auto k = make_run<dmabench_call_req>({{"batch", kCallBatch}}, [ret](const dmabench_call_req& r) {
        *ret = r.hypercall_ret;
        return 0;
    });
    if (!hypercall) return run_work(k, kCallBatch, {{"call"}, {{"timer", false}}});
    return run_work(k, kCallBatch, {{"hypercall"}, {{"call", true}, {"timer", false}}, [ret](benchmark::State& s) {
                        s.counters["hypercall_ret"] = double(*ret);
                        s.counters["hypercall_fn"] = double(kmod::module().info.hypercall_fn);
                    }});
}

// ---- dma_map and cache: batch distinct buffers per sample ----

Work map_work(const Args& args, Fields f, uint64_t size) {
    const uint32_t batch = kmod::buffers_per_sample(size, kmod::module().info.page_size);
    for (auto& field : fields_of<dmabench_map_req>(args)) f.push_back(field);
    f.push_back({"batch", batch});
    return run_work(make_run<dmabench_map_req>(f), batch, {{"map", "unmap"}, {}, [size](benchmark::State& s) {
                        s.counters["bytes"] = double(size);
                    }});
}

Work cache_work(const Args& args, uint32_t op, uint64_t size) {
    const uint32_t batch = kmod::buffers_per_sample(size, kmod::module().info.page_size);
    Fields f = fields_of<dmabench_cache_req>(args);
    f.push_back({"batch", batch});
    f.push_back({"op", op});
    auto direct = std::make_shared<uint32_t>(0);
    auto k = make_run<dmabench_cache_req>(f, [direct](const dmabench_cache_req& r) {
        *direct = r.direct;
        return 0;
    });
    return run_work(k, batch, {{"op_stats"}, {}, [size, direct](benchmark::State& s) {
                                                  s.counters["bytes"] = double(size);
                                                  s.counters["direct"] = *direct;
                                              }, {"cache"}});
}

// One case of the family: its setup only when it can run.
void add(Registry& r, std::string variant, Args args, const char* op, std::string skip,
         std::function<Work()> work, nlohmann::json tags = {{"kind", "kernel"}}) {
    Case c{.family = "kmod", .variant = std::move(variant), .args = std::move(args), .op = op,
           .skip = std::move(skip), .tags = std::move(tags)};
    if (c.skip.empty()) c.setup = [work](benchmark::State&, Thread&) { return work(); };
    r.add(std::move(c));
}

// ---- devmap: through the bound device's own DMA ops (--device), as dma_map_benchmark ----

// One Google Benchmark iteration is one map and its unmap (of a page run, or
// of an sg list), by one of the kernel threads; Time is their mean per op.
// A sample under kCoarse ticks is coarse: one tick is over a tenth of it.
constexpr double kCoarse = 10;

// sizes:mixed: thread t maps kMixed[t mod 3]; every sample of the run by its
// thread's size (the run's blocks are ioctl after ioctl, thread by thread).
constexpr uint64_t kMixed[] = {4096, 65536, 1u << 20};

void put_mixed(benchmark::State& s, const Run& k, const std::string& op) {
    const std::vector<uint64_t>& all = k.all[k.row(op)];
    std::vector<uint64_t> by[3];
    for (std::size_t j = 0; j < all.size(); ++j) by[j % (std::size_t(k.samples) * k.threads) / k.samples % 3].push_back(all[j]);
    for (int i = 0; i < 3; ++i)
        put(s, op + "_" + std::to_string(kMixed[i]), kmod::summarise(by[i], k.batch[k.row(op)], kmod::module().info.counter_hz));
}

// A devmap case's request fields: its args' and the extra ones.
Fields devmap_fields(const Args& args, const Fields& extra, uint32_t batch) {
    Fields f = fields_of<dmabench_devmap_req>(args);
    f.insert(f.end(), extra.begin(), extra.end());
    f.push_back({"batch", batch});
    return f;
}

// A refusal of the request's memory (ENOMEM) says what it needed.
void name_refusal(Run& k, const dmabench_devmap_req& r) {
    k.io = [io = k.io, r](Run& run) {
        int e = io(run);
        const std::string why = e == ENOMEM ? kmod::memory_refusal(r, kmod::module().info.page_size,
                                                                   kmod::memory_available()) : "";
        if (e == ENOMEM)
            throw std::runtime_error("/dev/dmabench refused the request (ENOMEM): it " +
                                     (why.empty() ? std::string("could not allocate its buffers") : why));
        return e;
    };
}

Work devmap_work(const Args& args, const Fields& extra, uint32_t batch, uint64_t bytes, bool mixed) {
    const Fields f = devmap_fields(args, extra, batch);
    auto k = make_run<dmabench_devmap_req>(f);
    name_refusal(*k, request_of<dmabench_devmap_req>(f));
    // A burst's untimed work (threads made) is per ioctl: a short burst takes
    // more samples, so its time is not mostly overhead, as long as the
    // buffers rewritten per ioctl stay within kRewriteBytes; a bigger list's
    // time is its own.
    k->samples = batch * bytes > kRewriteBytes
                     ? kListSamples
                     : uint32_t(std::max<uint64_t>(kSamples, std::min<uint64_t>(kDevmapOps / batch,
                                                                                kRewriteBytes / (batch * bytes))));
    return run_work(k, batch, {{"map", "unmap"}, {}, [k = k.get(), bytes, mixed](benchmark::State& s) {
                        s.counters["bytes"] = double(bytes);
                        s.counters["threads"] = k->threads;
                        const double hz = double(kmod::module().info.counter_hz);
                        s.counters["tick_ns"] = 1e9 / hz;
                        s.counters["coarse_tick"] = std::min(s.counters["map_ticks_median"].value,
                                                             s.counters["unmap_ticks_median"].value) < kCoarse;
                        if (mixed) put_mixed(s, *k, "map"), put_mixed(s, *k, "unmap");
                    }});
}

// The value of an arg in a point of a sweep.
const std::string& value_of(const Args& args, const std::string& key) {
    for (const Arg& a : args)
        if (a.key == key) return a.value;
    throw std::logic_error("no arg " + key);
}

// One phase per IOMMU domain the devmap cases run in: the one as bound, or
// with --domain each, the group put in it now for its own stamp or the reason
// it cannot be; each case then puts the group back in its own
// (kmod::use_domain). The domain is in the name, so strict and lazy never
// share one.
struct Phase {
    std::string domain, switch_to, skip;  // switch_to: "" as bound
    nlohmann::json stamp;
};

std::vector<Phase> devmap_phases(const Options& o, const dmabench_device& d, const std::string& skip) {
    const nlohmann::json stamp = skip.empty() ? kmod::device_json(d) : nlohmann::json();
    std::vector<Phase> phases;
    if (o.domains.empty()) phases.push_back({skip.empty() ? kmod::domain_name(d.domain) : "none", "", skip, stamp});
    for (auto& domain : o.domains) {
        dmabench_device now{};
        std::string why = skip.empty() ? kmod::use_domain(domain, now) : skip;
        phases.push_back({domain, domain, why.empty() || !skip.empty() ? why : "--domain " + domain + ": " + why,
                          why.empty() ? kmod::device_json(now) : stamp});
    }
    return phases;
}

// The burst of a point: burst:1 (dma_map_benchmark's own loop, its buffer
// rewritten before each map) or as many as fit (64 at 4 KiB); 0 when that is
// 1 too (the same point).
uint32_t burst_of(const Args& point, uint64_t bytes, uint32_t threads) {
    if (value_of(point, "burst") == "1") return 1;
    const uint32_t most = kmod::devmap_batch(bytes, threads);
    return most > 1 ? std::min<uint32_t>(most, uint32_t(std::stoul(value_of(point, "burst")))) : 0;
}

// Why a devmap case that the phase allows cannot run here ("" when it can):
// its request f maps bytes per mapping or list (list: an sg list's bytes).
std::string devmap_skip(const Fields& f, uint64_t bytes, uint64_t list, uint32_t page) {
    const auto r = request_of<dmabench_devmap_req>(f);
    if (r.sizes == DMABENCH_SIZES_MIXED && r.threads < 3)
        return "sizes:mixed maps 4 KiB, 64 KiB and 1 MiB on threads i mod 3: needs --threads 3 or more";
    if (r.pattern == DMABENCH_PATTERN_RX && r.threads % 2)
        return "pattern:rx runs threads in pairs (each maps its ring, its partner unmaps it): needs an even "
               "--threads";
    if (list)  // as the module weighs it: within half of MemAvailable
        return kmod::memory_refusal(r, page, kmod::memory_available());
    if (kmod::devmap_batch(bytes, r.threads) == 0) return "one mapping per thread exceeds the module's 64 MiB";
    return "";
}

// One devmap case at a point (mode, want: bytes per mapping or entry, list:
// an sg list's bytes (0: 16 entries), threads, dir, burst, sizes) of the sweep.
void add_devmap(Registry& r, const Phase& ph, const Args& point, uint32_t page, const std::string& skip) {
    const Options& o = r.options();
    const uint64_t want = std::stoull(value_of(point, "want")), list = std::stoull(value_of(point, "list"));
    const uint32_t granule = uint32_t(std::max<uint64_t>(1, want / page));
    if (want == 65536 && granule == 1) return;  // 64 KiB pages: 4 KiB is the same point
    const bool sg = value_of(point, "mode") == "sg", mixed = value_of(point, "sizes") == "mixed";
    const uint32_t threads = uint32_t(std::stoul(value_of(point, "threads")));
    const uint32_t entries = !sg ? 1 : list ? uint32_t(list / (uint64_t(granule) * page)) : 16;
    // Per mapping (or sg list); sizes:mixed's largest, 1 MiB, bounds its buffers.
    const uint64_t bytes = mixed ? std::max<uint64_t>(page, 1u << 20) : uint64_t(entries) * granule * page;
    const uint32_t batch = burst_of(point, bytes, threads);
    const bool rx = value_of(point, "pattern") == "rx";  // a ring of burst buffers per thread
    if (batch == 0 || ((mixed || rx) && (sg || want != 4096)) || (rx && (mixed || batch == 1)) ||
        (list && (!sg || mixed || threads != 1)))
        return;
    const uint32_t on_node = o.mem_node >= 0 ? uint32_t(o.mem_node) + 1 : 0;
    Args args{{"domain", ph.domain}, {"mode", value_of(point, "mode")}, {"threads", threads},
              {"granule", granule}, {"dir", value_of(point, "dir")}, {"size", bytes}};
    if (mixed) args = {{"domain", ph.domain}, {"mode", "single"}, {"threads", threads}, {"dir", value_of(point, "dir")},
                       {"sizes", "mixed"}};
    // dma_map_benchmark's other knobs name the case only when set.
    if (o.dma_bits) args.push_back({"dma_bits", o.dma_bits});
    if (o.delay_ns) args.push_back({"delay_ns", o.delay_ns});
    if (on_node) args.push_back({"node", o.mem_node});
    if (rx) args.push_back({"pattern", "rx"});
    args.push_back({"burst", batch});
    Case c{.family = "kmod", .variant = "devmap", .args = args, .op = "pair", .skip = ph.skip,
           .tags = {{"kind", "kernel"}, {"device", ph.stamp}, {"entries", entries}, {"burst", batch},
                    {"dma_bits", o.dma_bits}, {"delay_ns", o.delay_ns}}};
    Fields extra{{"entries", entries}, {"on_node", on_node}, {"rewrite", batch == 1}};
    if (mixed) extra.push_back({"granule", 1});  // unused: each thread's size is its own
    if (c.skip.empty() && skip.empty()) c.skip = devmap_skip(devmap_fields(args, extra, batch), bytes, list, page);
    if (c.skip.empty())
        c.setup = [args, extra, batch, bytes, mixed, domain = ph.switch_to](benchmark::State&, Thread&) {
            dmabench_device now{};
            if (std::string why = domain.empty() ? "" : kmod::use_domain(domain, now); !why.empty())
                throw std::runtime_error("--domain " + domain + ": " + why);
            return devmap_work(args, extra, batch, bytes, mixed);
        };
    r.add(std::move(c));
}

void register_devmap(Registry& r, const kmod::Module& dev, const Options& o) {
    dmabench_device d{};
    std::string skip = dev.skip;
    if (skip.empty() && !kmod::current_device(d)) skip = "DMABENCH_IOC_DEVICE: " + std::string(std::strerror(errno));
    const std::vector<Phase> phases = devmap_phases(o, d, skip);
    const nlohmann::json& stamp = phases[0].stamp;
    std::string what = !skip.empty() ? std::string("the bound device")
                       : stamp["name"].get<std::string>() +
                             (o.domains.empty() ? " (" + stamp["dma_ops"].get<std::string>() + ", IOMMU domain " +
                                                      phases[0].domain + ")"
                                                : std::string(" (its group switched to each --domain)"));
    r.variant({"kmod/devmap", "dma_map_page or dma_map_sg (16 entries; --full: lists of 64 MiB and 1 GiB where memory "
                              "allows) and unmap from pinned kernel threads "
                              "through " + what + "'s own DMA ops, as dma_map_benchmark; --device names "
                              "the device (default: the module's own platform device)", skip});
    std::vector<std::string> threads{"1"};
    if (o.threads > 1) threads.push_back(std::to_string(std::min<uint32_t>(o.threads, DMABENCH_MAX_THREADS)));
    // list: an sg list's bytes (0: 16 entries); --full adds 64 MiB and 1 GiB,
    // a GPU or RDMA buffer registered in one go, where memory allows.
    const std::vector<Axis> axes{{"mode", {"single", "sg"}},
                                 {"list", values({0}), {}, values({0, 64ull << 20, 1ull << 30})},
                                 {"want", values({4096, 65536})},
                                 {"threads", threads},
                                 {"dir", {"to_device"}, {}, {"to_device", "from_device", "bidirectional"}},
                                 {"sizes", {"one", "mixed"}, {"one"}},
                                 {"pattern", {"burst", "rx"}, {"burst"}},
                                 {"burst", {"1", "64"}, {"1"}}};
    const uint32_t page = skip.empty() ? dev.info.page_size : 4096;
    for (const Phase& ph : phases)
        for (const Args& point : sweep(o, axes)) add_devmap(r, ph, point, page, skip);
}

// ---- Xen (dmabench.ko's xen.c): the hypercall, and a flush through it ----

Work xen_call_work() {
    auto version = std::make_shared<int64_t>(0);
    auto k = make_run<dmabench_xen_call_req>({{"batch", kCallBatch}}, [version](const dmabench_xen_call_req& r) {
        *version = r.version;
        return 0;
    });
    return run_work(k, kCallBatch, {{"hypercall"}, {{"call", true}}, [version](benchmark::State& s) {
                        s.counters["xen_version"] = double(*version);  // major << 16 | minor
                    }});
}

// One buffer per sample: its hypercalls timed, dom0's own maintenance beside.
Work gnttab_flush_work(const Args& args, uint32_t op, uint64_t size) {
    struct Failed { uint64_t ops = 0; int32_t first = 0; };
    auto failed = std::make_shared<Failed>();
    Fields f = fields_of<dmabench_gnttab_flush_req>(args);
    f.push_back({"op", op});
    auto k = make_run<dmabench_gnttab_flush_req>(f, [failed](const dmabench_gnttab_flush_req& r) {
        failed->ops += r.failed_ops;
        if (!failed->first) failed->first = r.first_status;
        return 0;
    });
    return run_work(k, 1, {{"hypercall"}, {{"local", true}}, [size, failed](benchmark::State& s) {
                        s.counters["bytes"] = double(size);
                        s.counters["failed_ops"] = double(failed->ops);
                        // Linux ignores the answer; a failed flush must not pass as a cheap one.
                        if (failed->ops)
                            s.SkipWithError((std::to_string(failed->ops) + " GNTTABOP_cache_flush ops failed (first: " +
                                             std::to_string(failed->first) + ")").c_str());
                    }});
}

// The last request's grant-table hypercalls (counted in its warm-up batch,
// kept out of the times: the kprobe costs; -1: not counted) and the grant's status.
constexpr uint32_t kXenBatch = 8;  // maps of the one page per sample

void xen_devmap_counters(benchmark::State& s, const dmabench_xen_foreign_req& r, bool foreign,
                         const std::string& grant) {
    auto per = [](int32_t n) { return n < 0 ? -1.0 : double(n) / kXenBatch; };
    s.counters["hypercalls_per_map"] = per(foreign ? r.hypercalls_foreign_map : r.hypercalls_local_map);
    s.counters["hypercalls_per_unmap"] = per(foreign ? r.hypercalls_foreign_unmap : r.hypercalls_local_unmap);
    s.counters["translated"] = foreign && r.translated;  // its bus frame is not one of dom0's
    s.counters["grant_status"] = r.grant_status;
    // A grant that did not map must not pass as a cheap page.
    if (r.grant_status)
        s.SkipWithError(("--xen-grant " + grant + ": GNTST status " + std::to_string(r.grant_status)).c_str());
}

// One page another domain grants dom0 (mapped once per ioctl), and one of
// dom0's own, each mapped and unmapped through the bound device: the request
// times both pages, alternating which goes first; a case keeps its own page's.

Work xen_devmap_work(const Args& args, bool foreign, uint32_t domid, uint32_t gref) {
    auto last = std::make_shared<dmabench_xen_foreign_req>();
    const std::string grant = std::to_string(domid) + ":" + std::to_string(gref);
    Fields f = fields_of<dmabench_xen_foreign_req>(args);
    f.insert(f.end(), {{"batch", kXenBatch}, {"domid", domid}, {"gref", gref}});
    auto k = make_run<dmabench_xen_foreign_req>(f, [last](const dmabench_xen_foreign_req& r) {
        *last = r;
        return 0;
    });
    auto io = k->io;
    k->io = [io, grant](Run& run) {
        int e = io(run);
        if (e == ENOENT)  // the module answers no status then: it logs Xen's
            throw std::runtime_error("--xen-grant " + grant + ": dom0 could not map the grant "
                                     "(Xen's GNTST_* answer is in dmesg)");
        return e;
    };
    const std::string page = foreign ? "foreign_" : "local_";
    return run_work(k, kXenBatch, {{page + "map", page + "unmap"}, {}, [foreign, last, grant](benchmark::State& s) {
                                       xen_devmap_counters(s, *last, foreign, grant);
                                   }, {"map", "unmap"}});
}

// "Xen 4.17 dom0, EMULATED (qemu TCG)": what each Xen result is stamped with;
// empty with the reason in skip when the module answers no Xen request here.
struct XenHere {
    std::string stamp, skip, flush_skip;
    bool dom0 = false;
};

XenHere xen_here(const kmod::Module& dev) {
    XenHere x;
    if (!dev.skip.empty()) return x.skip = x.flush_skip = dev.skip, x;
    dmabench_xen_call_req c{};
    c.samples = 1, c.batch = 1;
    if (int e = do_ioctl(DMABENCH_IOC_XEN_CALL, &c))
        return x.skip = x.flush_skip = e == EOPNOTSUPP ? "not a Xen domain (or a kernel without CONFIG_XEN)"
                                                       : std::string("DMABENCH_IOC_XEN_CALL: ") + std::strerror(e),
               x;
    dmabench_gnttab_flush_req f{};
    f.size = 64, f.samples = 1, f.per_call = 1;
    x.dom0 = do_ioctl(DMABENCH_IOC_GNTTAB_FLUSH, &f) == 0;
    if (!x.dom0) x.flush_skip = "GNTTABOP_cache_flush takes machine addresses: dom0 on arm64 only";
    bool emulated = probe::platform().value("emulated", nlohmann::json::object()).value("value", false);
    x.stamp = "Xen " + std::to_string(c.version >> 16) + "." + std::to_string(c.version & 0xffff) +
              (x.dom0 ? " dom0, " : " domU, ") + (emulated ? "EMULATED (qemu TCG)" : "hardware");
    return x;
}

void register_xen(Registry& r, const XenHere& x, const Options& o) {
    const nlohmann::json tags{{"kind", "kernel"}, {"platform", x.stamp}};
    r.variant({"kmod/xen_version", "HYPERVISOR_xen_version(XENVER_version, NULL), the cheapest Xen "
                                   "hypercall, beside a call of an empty function: " + x.stamp, x.skip});
    add(r, "xen_version", {}, "call", x.skip, [] { return xen_call_work(); }, tags);
    // The review's own hypercall: a way out for hypercall-vs-call (bench/call.cpp ranks them).
    r.tag_last({{"kind", "exit"}, {"exit_rank", 2}, {"exit_stamp", "HYPERVISOR_xen_version from dom0's "
                                                                   "kernel: " + x.stamp}});
    r.variant({"kmod/gnttab_flush", "GNTTABOP_cache_flush over one buffer, one op per page, per_call ops "
                                    "per hypercall (1: as Linux issues it), every answer checked; beside "
                                    "dom0's own maintenance of the same bytes: " + x.stamp, x.flush_skip});
    const std::vector<Axis> flushes{{"op", {"clean", "inval", "clean_inval"}},
                                    {"size", values(kSizes), values({64, 4096, 65536})}};
    for (const Args& point : sweep(o, flushes)) {
        const uint64_t size = std::stoull(value_of(point, "size"));
        const uint32_t op = uint32_t(kmod::field_value("op", value_of(point, "op")));
        const uint32_t pages = uint32_t((size + 4095) / 4096);
        std::vector<uint32_t> pers{1};
        if (pages > 1) pers.push_back(std::min(pages, DMABENCH_MAX_ENTRIES));  // one page: per_call N is 1
        for (uint32_t per : pers) {
            Args args = point;
            args.push_back({"per_call", per});
            add(r, "gnttab_flush", args, "buffer", x.flush_skip,
                [args, op, size] { return gnttab_flush_work(args, op, size); }, tags);
        }
    }
}

// Why dom0's page cannot be mapped here ("" when it can): dom0's Xen DMA ops
// come with a PCI device the module binds, and the request always maps the
// grant, so dom0's own page needs one too.
std::string xen_page_skip(const XenHere& x, const Options& o, dmabench_device& d) {
    if (!x.skip.empty()) return x.skip;
    if (!x.dom0) return "maps another domain's grant for DMA: dom0 on arm64 only";
    if (!kmod::current_device(d) || !(d.flags & DMABENCH_DEVICE_NAMED))
        return "needs --device: dom0's Xen DMA ops (xen-swiotlb) come with a PCI device the module binds";
    if (!o.xen_domid)
        return "needs --xen-grant DOMID:GREF, a page another domain grants dom0: dom0's own page "
               "is timed beside it, in the same request";
    return "";
}

void register_xen_devmap(Registry& r, const XenHere& x, const kmod::Module& dev, const Options& o) {
    dmabench_device d{};
    const std::string page_skip = xen_page_skip(x, o, d);
    const nlohmann::json stamp = page_skip.empty() ? kmod::device_json(d) : nlohmann::json();
    const std::string through = page_skip.empty() ? stamp["name"].get<std::string>() + " (" +
                                                        stamp["dma_ops"].get<std::string>() + ")"
                                                  : std::string("the bound device");
    r.variant({"kmod/xen_devmap", "dma_map_page and unmap of one page through " + through + "'s own DMA "
                                  "ops, a page another domain grants dom0 (--xen-grant) beside one of dom0's "
                                  "own; coherent:no clears dev->dma_coherent, so Xen maintains the granted "
                                  "page's caches (GNTTABOP_cache_flush) and dom0 its own: " + x.stamp,
               page_skip});
    const uint32_t page = dev.skip.empty() ? dev.info.page_size : 4096;
    const std::vector<Axis> pages{{"coherent", {"no", "yes"}, {"no"}},
                                  {"dir", {"bidirectional", "to_device", "from_device"}},
                                  {"page", {"foreign", "local"}}};
    for (const Args& point : sweep(o, pages)) {
        const bool foreign = value_of(point, "page") == "foreign";
        Args args{{"page", value_of(point, "page")}, {"size", page}, {"dir", value_of(point, "dir")},
                  {"coherent", value_of(point, "coherent")}};
        add(r, "xen_devmap", args, "pair", page_skip, [args, foreign, domid = o.xen_domid, gref = o.xen_gref] {
            return xen_devmap_work(args, foreign, domid, gref);
        }, {{"kind", "kernel"}, {"platform", x.stamp}, {"device", stamp}});
    }
}

// ---- the table ----

// Why a cache operation the module offers no path for cannot run.
std::string cache_unreachable(uint32_t op, bool x86) {
    static const char* const arm64[DMABENCH_CACHE_OPS] = {
        "dcache_clean_poc is not exported and there is no non-coherent DMA to reach it",
        "dcache_inval_poc is not exported and there is no non-coherent DMA to reach it",
        "dcache_clean_inval_poc is not exported to modules by this kernel, and no dma_sync_* "
        "cleans and invalidates on arm64",
        "caches_clean_inval_pou is not exported by this kernel"};
    static const char* const x86_64[DMABENCH_CACHE_OPS] = {
        "arch_wb_cache_pmem is not exported by this kernel",
        "x86 has no invalidate-only operation a module may use (WBINVD is the whole cache)",
        "clflush_cache_range is not exported by this kernel",
        "arm64 only (clean to the point of unification)"};
    return (x86 ? x86_64 : arm64)[op];
}

void register_calls(Registry& r, const kmod::Module& dev) {
    std::string hz = dev.skip.empty() ? " (counter " + std::to_string(dev.info.counter_hz) + " Hz)" : "";
    std::string hyper_skip = dev.skip;
    if (hyper_skip.empty() && dev.info.conduit == DMABENCH_CONDUIT_NONE) hyper_skip = dev.hypercall_note();
    r.variant({"kmod/call", "a call to a non-inlined empty function in the kernel, timed in batches of 32 "
                            "between counter reads" + hz, dev.skip});
    r.variant({"kmod/hypercall", "the cheapest SMCCC/KVM hypercall through the kernel's helpers, next to "
                                 "kmod/call: " + (dev.skip.empty() ? dev.hypercall_note() : std::string("?")),
               hyper_skip});
    add(r, "call", {}, "call", dev.skip, [] { return calls_work(false); });
    add(r, "hypercall", {}, "call", hyper_skip, [] { return calls_work(true); });
    r.tag_last({{"kind", "exit"}, {"exit_rank", 3},
                {"exit_stamp", "the module's SMCCC call from EL1" +
                                   (dev.skip.empty() ? ": " + dev.hypercall_note() : std::string())}});
}

// dma_map: api x size x direction x coherence x line state.
void register_maps(Registry& r, const kmod::Module& dev) {
    const bool x86 = dev.info.arch == DMABENCH_ARCH_X86_64;
    struct Api {
        const char* variant;
        const char* description;
        std::vector<Axis> axes;
    };
    const std::vector<std::string> dirs{"to_device", "from_device", "bidirectional"};
    const Axis coherent{"coherent", {"yes", "no"}}, state{"state", {"dirty", "clean"}, {"dirty"}};
    const Api apis[] = {
        {"dma_map_page", "dma_map_page() then dma_unmap_page() on the module's platform device (dma-direct), "
                         "batch distinct buffers",
         {{"size", values(kSizes), values({64, 4096, 65536})}, {"dir", dirs}, coherent, state}},
        {"dma_map_single", "dma_map_single() then dma_unmap_single() (adds virt_to_page) on the module's "
                           "platform device",
         {{"size", values(kSizes), values({4096})}, {"dir", dirs, {"to_device"}}, coherent, state}},
    };
    std::string noncoherent_skip = dev.skip;
    if (noncoherent_skip.empty() && !(dev.info.flags & DMABENCH_INFO_NONCOHERENT))
        noncoherent_skip = x86 ? "x86 DMA is always coherent (no dev->dma_coherent to clear)"
                               : "this kernel has no non-coherent DMA (dev->dma_coherent)";
    for (auto& a : apis)
        r.variant({std::string("kmod/") + a.variant,
                   std::string(a.description) + "; coherent:no runs the kernel's clean/invalidate", dev.skip});
    for (auto& a : apis)
        for (const Args& args : sweep(r.options(), a.axes)) {
            const uint64_t size = std::stoull(value_of(args, "size"));
            Fields api{{"api", std::string(a.variant) == "dma_map_single" ? DMABENCH_API_SINGLE : DMABENCH_API_PAGE}};
            add(r, a.variant, args, "pair", value_of(args, "coherent") == "yes" ? dev.skip : noncoherent_skip,
                [args, api, size] { return map_work(args, api, size); });
        }
}

// cache: the kernel's own routine when exported, else the DMA sync path.
void register_caches(Registry& r, const kmod::Module& dev) {
    const bool x86 = dev.info.arch == DMABENCH_ARCH_X86_64;
    const char* op_what[DMABENCH_CACHE_OPS] = {
        "clean to the point of coherency", "invalidate to the point of coherency",
        "clean and invalidate to the point of coherency",
        "clean D to the point of unification and invalidate I (caches_clean_inval_pou)"};
    const std::vector<Axis> axes{{"size", values(kSizes), values({4096, 65536})},
                                 {"state", {"dirty", "clean"}, {"dirty"}}};
    for (uint32_t op = 0; op < DMABENCH_CACHE_OPS; ++op) {
        std::string variant = std::string("cache_") + kmod::cache_op_name(op);
        bool runs = dev.skip.empty() && (dev.info.cache_ops & (1u << op));
        bool direct = dev.info.cache_direct & (1u << op);
        std::string skip = !dev.skip.empty() ? dev.skip : runs ? "" : cache_unreachable(op, x86);
        std::string how = !runs ? "" : direct ? " by the kernel's own routine"
                                              : " through dma_sync_single_for_{device,cpu} on a non-coherent "
                                                "device (the routine is not exported)";
        r.variant({"kmod/" + variant, std::string(op_what[op]) + how, skip});
        for (const Args& args : sweep(r.options(), axes)) {
            const uint64_t size = std::stoull(value_of(args, "size"));
            add(r, variant, args, "buffer", skip, [args, op, size] { return cache_work(args, op, size); });
        }
    }
}

void register_kmod(Registry& r) {
    const auto& dev = kmod::module();
    register_calls(r, dev);
    register_maps(r, dev);
    register_caches(r, dev);
    register_devmap(r, dev, r.options());
    const XenHere x = xen_here(dev);
    register_xen(r, x, r.options());
    register_xen_devmap(r, x, dev, r.options());
}

}  // namespace
DMABENCH_FAMILY(kmod, register_kmod);
}  // namespace dmabench
